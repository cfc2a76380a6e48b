/* fuzz_snds.c -- libFuzzer target: any bytes as an SNDS document (ipStatus.aspx, then data.aspx), into results.
 * SNDS's answer comes over the network: a refused document must leave the last good one, results stay sane. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/snds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The last good copies the fuzzed bodies must never spoil. */
static const char good_status[] = "192.0.2.60,192.0.2.60,Yes,Blocked\r\n";
static const char good_data[] =
	"192.0.2.60,9/29/2020 8:00 AM,9/29/2020 9:00 PM,1,1,1,RED,2%,,,0,,,\r\n";

static void results(const snds_t *s, const char *addr)
{
	char buf[1024];
	dnsbl_result_t r;
	target_t t;

	if (target_parse_ip(addr, &t) < 0)
		abort();
	for (int d = 0; d < SNDS_NDOCS; d++) {
		snds_result(s, (snds_doc_t)d, &t, 1, &r, buf, sizeof(buf));
		if (r.v.status != STATUS_LISTED && r.v.status != STATUS_CLEAN)
			abort(); /* both documents are current */
		if (r.ntxt && strlen(r.txt) >= sizeof(buf) / 2)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	snds_t *s = snds_new(1);
	char *buf = malloc(size ? size : 1), err[300];
	snds_row_t row;
	size_t n;

	if (!buf)
		abort();
	memcpy(buf, data, size); /* exactly size bytes: a read past the body is an ASan report */
	if (snds_parse(s, 0, SNDS_IPSTATUS, good_status, strlen(good_status), err, sizeof(err)) < 0 ||
	    snds_parse(s, 0, SNDS_DATA, good_data, strlen(good_data), err, sizeof(err)) < 0)
		abort();
	for (int d = 0; d < SNDS_NDOCS; d++) {
		err[0] = '\0';
		if (snds_parse(s, 0, (snds_doc_t)d, buf, size, err, sizeof(err)) < 0 && !err[0])
			abort(); /* a refusal always says why */
	}
	snds_set_current(s, 0, SNDS_IPSTATUS, NULL);
	snds_set_current(s, 0, SNDS_DATA, NULL);
	n = snds_rows(s, 0);
	for (size_t i = 0; i < n; i++) {
		snds_row(s, 0, i, &row);
		if (strlen(row.helo) >= SNDS_TEXT_MAX || strlen(row.comments) >= SNDS_TEXT_MAX)
			abort();
	}
	results(s, "192.0.2.60");
	results(s, "203.0.113.7");
	snds_free(s);
	free(buf);
	return 0;
}
