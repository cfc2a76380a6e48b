/* fuzz_config.c -- libFuzzer target: any bytes as a config file, through the whole loader.
 * A config either loads whole or fails with a message; it never crashes, leaks or reads past the text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes: any read past the text is an ASan report */
	char *text = malloc(size ? size : 1);
	char err[4096];
	config_t *c = NULL;

	if (!text)
		return 0;
	if (size)
		memcpy(text, data, size);
	if (config_load_string("fuzz.conf", text, size, &c, err, sizeof(err)) == 0) {
		char report[1024];
		/* what `blmon config-test` goes on to ask of a loaded config */
		config_runnable(c, err, sizeof(err));
		config_budget_check(c, report, sizeof(report));
	} else if (!err[0] || c) {
		abort(); /* a failure always says why, and hands back nothing */
	}
	config_free(c);
	free(text);
	return 0;
}
