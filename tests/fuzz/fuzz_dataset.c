/* fuzz_dataset.c -- libFuzzer target: any bytes as an rbldnsd data file of any type, loaded and asked.
 * A file either loads whole or fails with "FILE:LINE: what"; it never crashes, leaks or reads past the text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Addresses and names whose answers walk every structure: below, inside and
 * above the data, mapped and 6to4 IPv6, wildcard depths. */
static const char *const asks[] = {
	"0.0.0.0", "10.0.0.1", "127.0.0.2", "192.0.2.1", "255.255.255.255", "2001:db8::1",
	"::ffff:127.0.0.2", "2002:c000:201::1", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
};
static const char *const names[] = {"example.com", "a.b.c.example.com", "test", "x"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dataset_zone_t *z;
	char err[700];
	dataset_type_t t;

	if (size < 1)
		return 0;
	t = (dataset_type_t)(data[0] % DATASET_NTYPES);
	z = dataset_zone_new();
	/* the loader copies exactly size - 1 bytes: a read past them is an ASan report */
	if (dataset_zone_load_text(z, t, "fuzz", (const char *)data + 1, size - 1, err,
				   sizeof(err)) == 0) {
		for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]) + 4; i++) {
			target_t tg;
			dataset_answer_t a;
			char txt[2048];
			size_t used;

			memset(&tg, 0, sizeof(tg));
			if (i < sizeof(asks) / sizeof(asks[0])) {
				if (target_parse_ip(asks[i], &tg) < 0)
					abort();
			} else {
				tg.type = TARGET_DOMAIN;
				strcpy(tg.name, names[i - sizeof(asks) / sizeof(asks[0])]);
			}
			if (dataset_zone_query(z, &tg, &a) > 0)
				dataset_answer_txt(&a, txt, sizeof(txt), &used);
		}
	} else if (!err[0] || strncmp(err, "fuzz:", 5) != 0) {
		abort(); /* a failure always names the file and says why */
	}
	dataset_zone_free(z);
	return 0;
}
