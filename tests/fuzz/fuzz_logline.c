/* fuzz_logline.c -- libFuzzer target: any bytes as one mail log line, through every format parser.
 * Log lines are written by remote servers' replies; the parsers must take anything. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/reject_rules.h"
#include "monitor/mtalog/logline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const char *format, const char *line)
{
	logline_t *e = malloc(sizeof(*e));
	reject_t r;

	if (!e)
		return;
	if (logline_parse(format, line, e) == 1) {
		if (strlen(e->reply) >= sizeof(e->reply) || strlen(e->rcpt) >= sizeof(e->rcpt))
			abort();
		/* what logwatch does next with a delivery result */
		reject_rules_classify(e->relay, e->domain, e->reply, &r);
	}
	free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line, *reply;

	/* logwatch hands the parsers at most LOGLINE_MAX bytes, NUL-terminated, no newline */
	if (size >= LOGLINE_MAX)
		size = LOGLINE_MAX - 1;
	line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	one("auto", line);
	one("postfix", line);
	one("exim", line);
	/* the reply joiner on its own, on a buffer of exactly the string's size */
	reply = strdup(line);
	if (reply) {
		logline_reply_join(reply);
		free(reply);
	}
	free(line);
	return 0;
}
