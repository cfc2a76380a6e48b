/* fuzz_answer.c -- libFuzzer target: any bytes as the DNS answer to an A query, into a verdict.
 * Answers come from whatever the resolver is; reading them must be bounded and the verdict sane. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/answer.h"
#include "checks/catalog.h"
#include "checks/verdict.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The catalog, made once: libFuzzer passes no context to a run, and making
 * every built-in list again would be most of the time spent per input. Read
 * only after LLVMFuzzerInitialize; reachable at exit, so not a leak. */
static catalog_t *catalog;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	catalog = catalog_new_builtin();
	return 0;
}

static void count(void *ud, uint32_t addr)
{
	(void)addr;
	(*(unsigned *)ud)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a list with listing, neutral and error codes, as blmon ships it */
	const catalog_list_t *l = catalog_find(catalog, "zen.spamhaus.org");
	unsigned char *buf = malloc(size ? size : 1);
	unsigned seen = 0;
	answer_info_t info;
	answer_status_t st;
	verdict_t v;
	uint32_t ttl;
	char reason[1024];
	const char *meanings[VERDICT_MAX_CODES * 2];

	if (!l || !buf)
		abort();
	memcpy(buf, data, size); /* exactly size bytes: a read past the answer is an ASan report */
	st = answer_read_a(buf, size, count, &seen, &info);
	/* the callback saw every usable record, and only an OK answer has any */
	if (seen != info.usable || (st == ANSWER_OK) != (seen > 0) ||
	    (st == ANSWER_EMPTY && info.flaw != ANSWER_FLAW_NONE))
		abort();
	answer_flaw_text(info.flaw);
	verdict_from_packet(l, DNS_OK, buf, size, &v, &ttl);
	if (v.status >= STATUS_COUNT || v.status == STATUS_UNCHECKED || v.ncodes > VERDICT_MAX_CODES ||
	    (v.status == STATUS_LISTED && st != ANSWER_OK))
		abort();
	for (size_t i = 1; i < v.ncodes; i++)
		if (v.codes[i - 1] >= v.codes[i])
			abort(); /* distinct and sorted */
	verdict_reason(&v, l, reason, sizeof(reason));
	verdict_meanings(&v, l, meanings, sizeof(meanings) / sizeof(meanings[0]));
	free(buf);
	return 0;
}
