/* test_drop.c -- the Spamhaus DROP module: strict NDJSON parsing, longest-prefix and ASN lookups,
 * and conditional fetches against a real HTTP server on loopback (tests/httpfixture.py). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/curlx.h"
#include "monitor/daemon/drop.h"
#include "tests/harness.h"

#define META(n) "{\"type\":\"metadata\",\"timestamp\":1700000000,\"size\":1234,\"records\":" #n "}\n"

static const char v4_good[] =
	"{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\",\"rir\":\"apnic\"}\n"
	"{\"cidr\":\"10.0.0.0/8\",\"sblid\":\"SBL1\",\"rir\":\"arin\"}\n"
	"{\"cidr\":\"10.1.0.0/16\",\"sblid\":\"SBL2\",\"rir\":\"arin\"}\n"
	"{\"cidr\":\"10.1.2.0/24\",\"sblid\":\"SBL3\",\"rir\":\"arin\"}\n"
	"{\"cidr\":\"10.1.2.3/32\",\"sblid\":\"SBL4\",\"rir\":\"arin\"}\n"
	"{\"cidr\":\"255.0.0.0/8\",\"sblid\":\"SBL5\",\"rir\":\"arin\"}\n"
	"{\"cidr\":\"0.0.0.0/8\",\"sblid\":\"SBL6\",\"rir\":\"arin\"}\n" META(7);

static const char v6_good[] =
	"{\"cidr\":\"2a06:e480::/29\",\"sblid\":\"SBL600\",\"rir\":\"ripencc\"}\n"
	"{\"cidr\":\"2001:db8::/32\",\"sblid\":\"SBL601\",\"rir\":\"ripencc\"}\n"
	"{\"cidr\":\"2001:db8:1::/48\",\"sblid\":\"SBL602\",\"rir\":\"ripencc\"}\n"
	"{\"cidr\":\"2001:db8:1::1/128\",\"sblid\":\"SBL603\",\"rir\":\"ripencc\"}\n" META(4);

static const char asn_good[] =
	"{\"asn\":208046,\"rir\":\"ripencc\",\"domain\":\"hostslick.de\",\"cc\":\"DE\","
	"\"asname\":\"ColocationX-Datacenter\"}\n"
	"{\"asn\":4294967295,\"rir\":\"arin\",\"asname\":\"TOP\"}\n"
	"{\"asn\":1,\"rir\":\"arin\"}\n" META(3);

static drop_set_t *set;
static char err[256];

static int parse(drop_kind_t kind, const char *body)
{
	err[0] = '\0';
	return drop_parse(kind, body, strlen(body), set, err, sizeof(err));
}

static target_t ip(const char *s)
{
	target_t t;
	cr_assert_eq(target_parse_ip(s, &t), 0, "bad test address %s", s);
	return t;
}

/* The SBL id ip matches, or "-" when it is not listed. */
static const char *sbl(const char *addr)
{
	const char *id = "x";
	target_t t = ip(addr);
	bool hit = drop_match_ip(set, &t, &id);
	cr_assert_eq(hit, id != NULL, "%s: match result and sblid disagree", addr);
	return hit ? id : "-";
}

static void unit_setup(void)
{
	set = drop_set_new();
}

static void unit_teardown(void)
{
	drop_set_free(set);
	set = NULL;
}

TestSuite(drop, .init = unit_setup, .fini = unit_teardown, .timeout = 60);

/* ---- parser ---- */

Test(drop, parse_v4_good)
{
	size_t n = 0;
	long long ts = 0;

	cr_assert(!drop_set_info(set, DROP_V4, NULL, NULL));
	cr_assert_eq(parse(DROP_V4, v4_good), 0, "%s", err);
	cr_assert(drop_set_info(set, DROP_V4, &n, &ts));
	cr_assert_eq(n, 7);
	cr_assert_eq(ts, 1700000000LL);
	cr_assert_str_eq(sbl("1.10.20.1"), "SBL256894");
	cr_assert(!drop_set_info(set, DROP_V6, NULL, NULL), "other kinds stay unloaded");
}

Test(drop, parse_v6_good)
{
	cr_assert_eq(parse(DROP_V6, v6_good), 0, "%s", err);
	cr_assert_str_eq(sbl("2a06:e487:ffff::1"), "SBL600");
	cr_assert_str_eq(sbl("2a06:e488::"), "-");
}

Test(drop, parse_asn_good)
{
	const char *name = "x";

	cr_assert_eq(parse(DROP_ASN, asn_good), 0, "%s", err);
	cr_assert(drop_match_asn(set, 208046, &name));
	cr_assert_str_eq(name, "ColocationX-Datacenter");
	cr_assert(drop_match_asn(set, 1, &name));
	cr_assert_str_eq(name, "", "asname is optional");
}

Test(drop, parse_crlf_and_missing_final_newline)
{
	cr_assert_eq(parse(DROP_V4, "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL9\"}\r\n"
				    "{\"type\":\"metadata\",\"records\":1}"),
		     0, "%s", err);
	cr_assert_str_eq(sbl("192.0.2.77"), "SBL9");
}

Test(drop, parse_host_bits_are_masked)
{
	cr_assert_eq(parse(DROP_V4, "{\"cidr\":\"192.0.2.77/24\",\"sblid\":\"SBL9\"}\n" META(1)), 0,
		     "%s", err);
	cr_assert_str_eq(sbl("192.0.2.1"), "SBL9");
	cr_assert_str_eq(sbl("192.0.3.1"), "-");
}

Test(drop, parse_truncated_record_count)
{
	cr_assert_eq(parse(DROP_V4, "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL9\"}\n"
				    "{\"cidr\":\"198.51.100.0/24\",\"sblid\":\"SBL10\"}\n"
				    "{\"type\":\"metadata\",\"timestamp\":1,\"size\":9,\"records\":1234}\n"),
		     -1);
	cr_assert_str_eq(err, "truncated: metadata says 1234 records, got 2");
	cr_assert_eq(parse(DROP_V4, "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL9\"}\n"
				    "{\"cidr\":\"198.51.100.0/24\",\"sblid\":\"SBL10\"}\n" META(1)),
		     -1);
	cr_assert_str_eq(err, "record count mismatch: metadata says 1 records, got 2");
}

Test(drop, parse_missing_metadata)
{
	cr_assert_eq(parse(DROP_V4, "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL9\"}\n"
				    "{\"cidr\":\"198.51.100.0/24\",\"sblid\":\"SBL10\"}\n"),
		     -1);
	cr_assert_str_eq(err, "truncated: no metadata line after line 2");
	cr_assert_eq(parse(DROP_V4, ""), -1);
	cr_assert_str_eq(err, "empty body");
	/* metadata in the middle is not metadata at the end */
	cr_assert_eq(parse(DROP_V4, META(0) "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL9\"}\n"), -1);
	cr_assert_str_eq(err, "line 2: follows the metadata line");
	cr_assert_eq(parse(DROP_V4, META(0) META(0)), -1);
	cr_assert_str_eq(err, "line 2: follows the metadata line");
}

Test(drop, parse_cut_mid_line)
{
	char body[sizeof(v4_good)];
	/* cut inside line 3, as a download stopped mid-stream leaves it */
	const char *l3 = strchr(strchr(v4_good, '\n') + 1, '\n') + 1;
	size_t cut = (size_t)(l3 - v4_good) + 10;

	memcpy(body, v4_good, cut);
	body[cut] = '\0';
	cr_assert_eq(parse(DROP_V4, body), -1);
	cr_assert_str_eq(err, "truncated: line 3 is incomplete");
}

Test(drop, parse_malformed_json_line)
{
	static const char *const bad[] = {
		"{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL9\"",    /* unclosed */
		"{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL9\"} x", /* trailing garbage */
		"[\"192.0.2.0/24\",\"SBL9\"]",                      /* not an object */
		"\"192.0.2.0/24\"",
		"{'cidr':'192.0.2.0/24','sblid':'SBL9'}",
		"   ",
	};
	char body[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), "{\"cidr\":\"203.0.113.0/24\",\"sblid\":\"SBL1\"}\n%s\n" META(2),
			 bad[i]);
		cr_assert_eq(parse(DROP_V4, body), -1, "accepted: %s", bad[i]);
		cr_assert_str_eq(err, "line 2: not a JSON object", "for %s", bad[i]);
	}
	cr_assert_eq(parse(DROP_V4, "{\"cidr\":\"203.0.113.0/24\",\"sblid\":\"SBL1\"}\n\n" META(1)), -1);
	cr_assert_str_eq(err, "line 2: empty line");
}

Test(drop, parse_bad_cidr)
{
	static const char *const bad4[] = {
		"1.2.3.0/33", "1.2.3/24",      "1.2.3.0",    "1.2.3.0/",      "/24",
		"1.2.3.0/24x", " 1.2.3.0/24",  "1.2.3.0/-1", "1.2.3.0/+24",  "01.2.3.0/24",
		"2001:db8::/32", "1.2.3.256/24", "1.2.3.0/0024", "",          "1.2.3.0/24/24",
	};
	static const char *const bad6[] = {"2001:db8::/129", "2001:db8:::/32", "192.0.2.0/24",
					   "2001:db8::", "gggg::/32"};
	char body[512];

	for (size_t i = 0; i < sizeof(bad4) / sizeof(bad4[0]); i++) {
		snprintf(body, sizeof(body), "{\"cidr\":\"%s\",\"sblid\":\"SBL1\"}\n" META(1), bad4[i]);
		cr_assert_eq(parse(DROP_V4, body), -1, "accepted v4 %s", bad4[i]);
		cr_assert_str_eq(err, "line 1: bad cidr", "for %s", bad4[i]);
	}
	for (size_t i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
		snprintf(body, sizeof(body), "{\"cidr\":\"%s\",\"sblid\":\"SBL1\"}\n" META(1), bad6[i]);
		cr_assert_eq(parse(DROP_V6, body), -1, "accepted v6 %s", bad6[i]);
		cr_assert_str_eq(err, "line 1: bad cidr", "for %s", bad6[i]);
	}
	/* a corrupt world-wide entry must not list everything */
	cr_assert_eq(parse(DROP_V4, "{\"cidr\":\"0.0.0.0/0\",\"sblid\":\"SBL1\"}\n" META(1)), -1);
	cr_assert_str_eq(err, "line 1: bad cidr (wider than /8)");
	cr_assert_eq(parse(DROP_V6, "{\"cidr\":\"::/0\",\"sblid\":\"SBL1\"}\n" META(1)), -1);
	cr_assert_str_eq(err, "line 1: bad cidr (wider than /16)");
}

Test(drop, parse_missing_or_mistyped_fields)
{
	static const struct {
		drop_kind_t kind;
		const char *line, *msg;
	} cases[] = {
		{DROP_V4, "{\"sblid\":\"SBL1\"}", "line 1: missing cidr"},
		{DROP_V4, "{\"cidr\":167772160,\"sblid\":\"SBL1\"}", "line 1: missing cidr"},
		{DROP_V4, "{\"cidr\":\"10.0.0.0/8\"}", "line 1: missing sblid"},
		{DROP_V4, "{\"cidr\":\"10.0.0.0/8\",\"sblid\":1}", "line 1: missing sblid"},
		{DROP_V4, "{\"cidr\":\"10.0.0.0/8\",\"sblid\":\"\"}", "line 1: bad sblid"},
		{DROP_V4, "{\"cidr\":\"10.0.0.0/8\",\"sblid\":\"SBL 1\"}", "line 1: bad sblid"},
		{DROP_V4, "{\"cidr\":\"10.0.0.0/8\",\"sblid\":\"\\u001b[31m\"}", "line 1: bad sblid"},
		{DROP_V4, "{\"type\":\"other\"}", "line 1: unknown type"},
		{DROP_V4, "{\"type\":1}", "line 1: unknown type"},
		{DROP_V4, "{\"type\":\"metadata\"}", "line 1: metadata without a valid records count"},
		{DROP_V4, "{\"type\":\"metadata\",\"records\":-1}",
		 "line 1: metadata without a valid records count"},
		{DROP_V4, "{\"type\":\"metadata\",\"records\":1.5}",
		 "line 1: metadata without a valid records count"},
		{DROP_V4, "{\"type\":\"metadata\",\"records\":\"0\"}",
		 "line 1: metadata without a valid records count"},
		{DROP_ASN, "{\"asname\":\"X\"}", "line 1: missing asn"},
		{DROP_ASN, "{\"asn\":\"208046\"}", "line 1: missing asn"},
		{DROP_ASN, "{\"asn\":0}", "line 1: bad asn"},
		{DROP_ASN, "{\"asn\":-5}", "line 1: bad asn"},
		{DROP_ASN, "{\"asn\":1.5}", "line 1: bad asn"},
		{DROP_ASN, "{\"asn\":4294967296}", "line 1: bad asn"},
		{DROP_ASN, "{\"asn\":1e300}", "line 1: bad asn"},
		{DROP_ASN, "{\"asn\":5,\"asname\":7}", "line 1: bad asname"},
		{DROP_ASN, "{\"cidr\":\"10.0.0.0/8\",\"sblid\":\"SBL1\"}", "line 1: missing asn"},
		{DROP_V6, "{\"asn\":5}", "line 1: missing cidr"},
	};
	char body[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "%s\n" META(1), cases[i].line);
		cr_assert_eq(parse(cases[i].kind, body), -1, "accepted %s", cases[i].line);
		cr_assert_str_eq(err, cases[i].msg, "for %s", cases[i].line);
	}
}

Test(drop, parse_hostile_long_line)
{
	size_t n = 10 * 1024 * 1024;
	char *body = malloc(n + 200);

	cr_assert_not_null(body);
	strcpy(body, "{\"cidr\":\"");
	memset(body + 9, 'A', n);
	strcpy(body + 9 + n, "/24\",\"sblid\":\"SBL1\"}\n" META(1));
	cr_assert_eq(parse(DROP_V4, body), -1);
	cr_assert_str_eq(err, "line 1: longer than 4096 bytes");
	free(body);

	/* a whole body over the cap is refused before any line is read */
	cr_assert_eq(drop_parse(DROP_V4, "", (size_t)DROP_BODY_MAX + 1, set, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "body of 16777217 bytes exceeds the 16 MiB limit");
}

Test(drop, parse_hostile_binary)
{
	static const char nul[] = "{\"cidr\":\"10.0.0.0/8\",\"sblid\":\"SBL1\"}\n{\"cidr\":\"10.0.0.0/8\0\"}\n";
	char deep[4000], utf[128];
	unsigned char rnd[8192];
	uint32_t x = 12345;

	cr_assert_eq(drop_parse(DROP_V4, nul, sizeof(nul) - 1, set, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "line 2: binary data (NUL byte)");

	/* nesting deeper than cJSON's limit */
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	cr_assert_eq(parse(DROP_V4, deep), -1);

	/* invalid UTF-8 and control bytes in an id are refused, not stored for display */
	snprintf(utf, sizeof(utf), "{\"cidr\":\"10.0.0.0/8\",\"sblid\":\"SBL\xff\xfe\"}\n" META(1));
	cr_assert_eq(parse(DROP_V4, utf), -1);
	cr_assert_str_eq(err, "line 1: bad sblid");

	/* random bytes, many times: refused without crashing (ASan watches) */
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(rnd); i++) {
			x = x * 1103515245u + 12345u;
			rnd[i] = (unsigned char)(x >> 16);
		}
		for (int k = 0; k < 3; k++)
			cr_assert_eq(drop_parse((drop_kind_t)k, (const char *)rnd, sizeof(rnd), set, err,
						sizeof(err)),
				     -1);
	}
	cr_assert(!drop_set_info(set, DROP_V4, NULL, NULL));
}

Test(drop, parse_refused_keeps_previous_set)
{
	size_t n = 0;

	cr_assert_eq(parse(DROP_V4, v4_good), 0, "%s", err);
	cr_assert_eq(parse(DROP_V6, v6_good), 0, "%s", err);
	cr_assert_eq(parse(DROP_V4, "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL9\"}\n" META(1000)), -1);
	cr_assert_eq(parse(DROP_V4, "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL9\"}\nbad\n" META(2)), -1);
	cr_assert(drop_set_info(set, DROP_V4, &n, NULL));
	cr_assert_eq(n, 7);
	cr_assert_str_eq(sbl("1.10.16.0"), "SBL256894");
	cr_assert_str_eq(sbl("192.0.2.1"), "-");
	cr_assert_str_eq(sbl("2001:db8::5"), "SBL601", "the v6 list is untouched");

	/* an accepted body replaces the list of its kind whole */
	cr_assert_eq(parse(DROP_V4, "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL9\"}\n" META(1)), 0);
	cr_assert_str_eq(sbl("192.0.2.1"), "SBL9");
	cr_assert_str_eq(sbl("1.10.16.0"), "-");
	cr_assert_eq(parse(DROP_V4, META(0)), 0, "an empty list is valid");
	cr_assert_str_eq(sbl("192.0.2.1"), "-");
}

/* ---- lookups ---- */

Test(drop, match_longest_prefix)
{
	cr_assert_eq(parse(DROP_V4, v4_good), 0, "%s", err);
	cr_assert_str_eq(sbl("10.9.9.9"), "SBL1");
	cr_assert_str_eq(sbl("10.1.9.9"), "SBL2");
	cr_assert_str_eq(sbl("10.1.2.4"), "SBL3");
	cr_assert_str_eq(sbl("10.1.2.3"), "SBL4");
	cr_assert_str_eq(sbl("11.0.0.0"), "-");
}

Test(drop, match_boundaries_v4)
{
	cr_assert_eq(parse(DROP_V4, v4_good), 0, "%s", err);
	cr_assert_str_eq(sbl("1.10.15.255"), "-");
	cr_assert_str_eq(sbl("1.10.16.0"), "SBL256894");
	cr_assert_str_eq(sbl("1.10.31.255"), "SBL256894");
	cr_assert_str_eq(sbl("1.10.32.0"), "-");
	cr_assert_str_eq(sbl("0.0.0.0"), "SBL6");
	cr_assert_str_eq(sbl("0.255.255.255"), "SBL6");
	cr_assert_str_eq(sbl("1.0.0.0"), "-");
	cr_assert_str_eq(sbl("254.255.255.255"), "-");
	cr_assert_str_eq(sbl("255.255.255.255"), "SBL5");
	cr_assert_str_eq(sbl("10.1.2.2"), "SBL3");
	cr_assert_str_eq(sbl("10.1.1.255"), "SBL2");
	cr_assert_str_eq(sbl("10.1.3.0"), "SBL2");
}

Test(drop, match_ipv6)
{
	target_t dom;

	cr_assert_eq(parse(DROP_V4, v4_good), 0, "%s", err);
	cr_assert_eq(parse(DROP_V6, v6_good), 0, "%s", err);
	cr_assert_str_eq(sbl("2001:db8::"), "SBL601");
	cr_assert_str_eq(sbl("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), "SBL601");
	cr_assert_str_eq(sbl("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"), "-");
	cr_assert_str_eq(sbl("2001:db9::"), "-");
	cr_assert_str_eq(sbl("2001:db8:1:ffff::"), "SBL602");
	cr_assert_str_eq(sbl("2001:db8:1::1"), "SBL603");
	cr_assert_str_eq(sbl("2001:db8:1::2"), "SBL602");
	cr_assert_str_eq(sbl("2a06:e480::"), "SBL600");
	cr_assert_str_eq(sbl("2a06:e47f:ffff::"), "-");
	/* the families do not mix: 10.0.0.0/8 does not cover its v4-mapped form */
	cr_assert_str_eq(sbl("::ffff:10.1.2.3"), "-");
	memset(&dom, 0, sizeof(dom));
	dom.type = TARGET_DOMAIN;
	snprintf(dom.name, sizeof(dom.name), "example.com");
	cr_assert(!drop_match_ip(set, &dom, NULL));
}

Test(drop, match_empty_set)
{
	const char *out = "x";
	target_t t = ip("10.1.2.3");

	cr_assert(!drop_match_ip(set, &t, &out));
	cr_assert_null(out);
	out = "x";
	cr_assert(!drop_match_asn(set, 208046, &out));
	cr_assert_null(out);
	cr_assert(!drop_match_ip(NULL, &t, NULL));
}

Test(drop, match_asn)
{
	const char *name = "x";

	cr_assert_eq(parse(DROP_ASN, asn_good), 0, "%s", err);
	cr_assert(drop_match_asn(set, 4294967295u, &name));
	cr_assert_str_eq(name, "TOP");
	cr_assert(!drop_match_asn(set, 208045, &name));
	cr_assert_null(name);
	cr_assert(!drop_match_asn(set, 208047, NULL));
	cr_assert(!drop_match_asn(set, 0, NULL));
}

/* 1,500 prefixes of mixed lengths, 65,536 lookups (a whole /16), checked
 * against a linear scan and timed. */
Test(drop, match_65536_lookups)
{
	enum { NPFX = 1500 };
	static uint32_t net[NPFX];
	static unsigned plen[NPFX];
	size_t cap = NPFX * 64 + 64, len = 0, hits = 0;
	char *body = malloc(cap);
	uint32_t x = 777;
	struct timespec a, b;

	cr_assert_not_null(body);
	for (int i = 0; i < NPFX; i++) {
		x = x * 1103515245u + 12345u;
		plen[i] = 16 + (x >> 8) % 17; /* /16 .. /32 */
		/* half of them inside 198.18.0.0/16 so the scan hits often */
		net[i] = (i % 2 ? 0xC6120000u : (x & 0xFFFF0000u) | 0x01000000u) | ((x >> 3) & 0xFFFFu);
		net[i] &= plen[i] ? ~0u << (32 - plen[i]) : 0;
		len += (size_t)snprintf(body + len, cap - len,
					"{\"cidr\":\"%u.%u.%u.%u/%u\",\"sblid\":\"SBL%d\"}\n",
					net[i] >> 24, (net[i] >> 16) & 255, (net[i] >> 8) & 255,
					net[i] & 255, plen[i], i);
	}
	snprintf(body + len, cap - len, "{\"type\":\"metadata\",\"records\":%d}\n", NPFX);
	cr_assert_eq(parse(DROP_V4, body), 0, "%s", err);
	free(body);

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (uint32_t i = 0; i < 65536; i++) {
		target_t t;
		uint32_t addr = 0xC6120000u | i;
		uint8_t raw[4] = {addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255, addr & 255};
		const char *id;
		target_from_addr(AF_INET, raw, &t);
		hits += drop_match_ip(set, &t, &id);
		if (i % 97 == 0) {
			/* reference: the longest covering prefix by linear scan */
			int best = -1;
			for (int k = 0; k < NPFX; k++) {
				uint32_t m = plen[k] ? ~0u << (32 - plen[k]) : 0;
				if ((addr & m) == net[k] && (best < 0 || plen[k] > plen[best]))
					best = k;
			}
			if (best < 0) {
				cr_assert_null(id, "%08x", addr);
			} else {
				char want[16];
				snprintf(want, sizeof(want), "SBL%d", best);
				cr_assert_not_null(id, "%08x", addr);
				/* equal prefixes may appear twice: compare the prefix, not the id */
				cr_assert_eq(plen[atoi(id + 3)], plen[best], "%08x: %s vs %s", addr, id, want);
				cr_assert_eq(net[atoi(id + 3)], net[best], "%08x: %s vs %s", addr, id, want);
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	cr_assert_gt(hits, 0);
	cr_assert_lt((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000, 2000,
		     "65,536 lookups took over 2 s");
}

Test(drop, fetch_due_hourly)
{
	cr_assert(drop_fetch_due(0, 1700000000));
	cr_assert(!drop_fetch_due(1700000000, 1700000000 + 3599));
	cr_assert(drop_fetch_due(1700000000, 1700000000 + 3600));
	cr_assert(drop_fetch_due(1700000000, 1700000000 - 10), "clock went back");
}

Test(drop, fetch_refuses_other_schemes)
{
	static const char *const urls[] = {"file:///etc/passwd", "ftp://127.0.0.1/drop_v4.json",
					   "gopher://127.0.0.1/", "127.0.0.1/drop_v4.json", "", NULL};
	curlx_get_t r;

	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		cr_assert_eq(drop_fetch(urls[i], NULL, NULL, 1, &r, err, sizeof(err)), -1);
		cr_assert_eq(r.status, CURLX_GET_ERROR);
		cr_assert_null(r.body);
		cr_assert_str_eq(err, "unsupported URL: only http:// and https:// are fetched");
		curlx_get_free(&r);
	}
	/* a stored validator must not inject headers */
	cr_assert_eq(drop_fetch("http://127.0.0.1:1/x", "\"a\"\r\nX-Evil: 1", NULL, 1, &r, err,
				sizeof(err)),
		     -1);
	cr_assert_str_eq(err, "stored ETag or Last-Modified is not a valid header value");
	curlx_get_free(&r);
	curlx_get_free(NULL);
}

/* ---- fetching from a real HTTP server on loopback ---- */

static char *dir;
static harness_server_t http;

/* Runs after the suite's unit_setup, which made set. */
static void http_setup(void)
{
	/* loopback only, whatever proxy the environment names */
	setenv("no_proxy", "127.0.0.1", 1);
	setenv("NO_PROXY", "127.0.0.1", 1);
	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write(dir, "drop_v4.json", v4_good), 0);
	cr_assert_eq(harness_write(dir, "drop_v6.json", v6_good), 0);
	cr_assert_eq(harness_write(dir, "asndrop.json", asn_good), 0);
	/* complete on the wire, but the metadata says more records were meant */
	cr_assert_eq(harness_write(dir, "short.json",
				   "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL9\"}\n" META(5)),
		     0);
	cr_assert_eq(harness_http_start(&http, dir), 0, "httpfixture did not start");
}

static void http_teardown(void)
{
	harness_server_stop(&http);
	harness_tmpdir_free(dir);
	dir = NULL;
}

static const char *url(const char *path)
{
	static char buf[256];
	snprintf(buf, sizeof(buf), "http://127.0.0.1:%d/%s", http.port, path);
	return buf;
}

/* Fetches path unconditionally and loads it into set as kind. */
static void load(const char *path, drop_kind_t kind, curlx_get_t *r)
{
	cr_assert_eq(drop_fetch(url(path), NULL, NULL, 10, r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(r->status, CURLX_GET_NEW);
	cr_assert_eq(drop_parse(kind, r->body, r->len, set, err, sizeof(err)), 0, "%s", err);
}

Test(drop, http_good_200, .init = http_setup, .fini = http_teardown)
{
	curlx_get_t r;
	char *log;

	load("drop_v4.json", DROP_V4, &r);
	cr_assert_eq(r.http_code, 200);
	cr_assert_eq(r.len, strlen(v4_good));
	cr_assert_str_eq(r.body, v4_good);
	cr_assert_not_null(r.etag);
	cr_assert_eq(r.etag[0], '"');
	cr_assert_not_null(r.last_modified);
	cr_assert(strstr(r.last_modified, "GMT"));
	cr_assert_str_eq(sbl("10.1.2.3"), "SBL4");
	curlx_get_free(&r);
	cr_assert_null(r.body);

	load("drop_v6.json", DROP_V6, &r);
	curlx_get_free(&r);
	load("asndrop.json", DROP_ASN, &r);
	curlx_get_free(&r);
	cr_assert_str_eq(sbl("2001:db8:1::1"), "SBL603");
	cr_assert(drop_match_asn(set, 208046, NULL));

	log = harness_http_requests(&http);
	cr_assert(strstr(log, "/drop_v4.json ua=" CURLX_USER_AGENT " inm=None ims=None\n"), "%s", log);
	free(log);
}

Test(drop, http_304_with_etag, .init = http_setup, .fini = http_teardown)
{
	curlx_get_t r, r2;
	char *log, want[700];

	load("drop_v4.json", DROP_V4, &r);
	cr_assert_eq(drop_fetch(url("drop_v4.json"), r.etag, r.last_modified, 10, &r2, err,
				sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(r2.status, CURLX_GET_NOT_MODIFIED);
	cr_assert_eq(r2.http_code, 304);
	cr_assert_null(r2.body);
	cr_assert_null(r2.etag);
	curlx_get_free(&r2);

	/* Last-Modified alone also gives 304 */
	cr_assert_eq(drop_fetch(url("drop_v4.json"), NULL, r.last_modified, 10, &r2, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(r2.status, CURLX_GET_NOT_MODIFIED);
	curlx_get_free(&r2);

	log = harness_http_requests(&http);
	snprintf(want, sizeof(want), "/drop_v4.json ua=" CURLX_USER_AGENT " inm=%s ims=%s\n", r.etag,
		 r.last_modified);
	cr_assert(strstr(log, want), "want %s in\n%s", want, log);
	free(log);
	curlx_get_free(&r);
	cr_assert_str_eq(sbl("1.10.16.1"), "SBL256894");
}

Test(drop, http_changed_file_is_new, .init = http_setup, .fini = http_teardown)
{
	curlx_get_t r, r2;

	load("drop_v4.json", DROP_V4, &r);
	cr_assert_eq(harness_write(dir, "drop_v4.json",
				   "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL9\"}\n" META(1)),
		     0);
	cr_assert_eq(drop_fetch(url("drop_v4.json"), r.etag, NULL, 10, &r2, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(r2.status, CURLX_GET_NEW);
	cr_assert_str_neq(r2.etag, r.etag);
	cr_assert_eq(drop_parse(DROP_V4, r2.body, r2.len, set, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(sbl("192.0.2.1"), "SBL9");
	curlx_get_free(&r);
	curlx_get_free(&r2);
}

Test(drop, http_500_keeps_previous_set, .init = http_setup, .fini = http_teardown)
{
	curlx_get_t r;

	load("drop_v4.json", DROP_V4, &r);
	curlx_get_free(&r);
	cr_assert_eq(drop_fetch(url("500"), NULL, NULL, 10, &r, err, sizeof(err)), -1);
	cr_assert_eq(r.status, CURLX_GET_ERROR);
	cr_assert_eq(r.http_code, 500);
	cr_assert_null(r.body);
	cr_assert_str_eq(err, "HTTP 500 from server");
	curlx_get_free(&r);
	cr_assert_str_eq(sbl("10.1.2.3"), "SBL4");

	cr_assert_eq(drop_fetch(url("absent.json"), NULL, NULL, 10, &r, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "HTTP 404 from server");
	curlx_get_free(&r);
}

Test(drop, http_truncated_body_parse_refused, .init = http_setup, .fini = http_teardown)
{
	curlx_get_t r;

	load("drop_v4.json", DROP_V4, &r);
	curlx_get_free(&r);
	cr_assert_eq(drop_fetch(url("short.json"), NULL, NULL, 10, &r, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(r.status, CURLX_GET_NEW);
	cr_assert_eq(drop_parse(DROP_V4, r.body, r.len, set, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "truncated: metadata says 5 records, got 1");
	curlx_get_free(&r);
	cr_assert_str_eq(sbl("10.1.2.3"), "SBL4");
	cr_assert_str_eq(sbl("192.0.2.1"), "-");
}

Test(drop, http_closed_mid_body, .init = http_setup, .fini = http_teardown)
{
	curlx_get_t r;

	cr_assert_eq(drop_fetch(url("close/drop_v4.json"), NULL, NULL, 10, &r, err, sizeof(err)), -1);
	cr_assert_eq(r.status, CURLX_GET_ERROR);
	cr_assert_null(r.body);
	cr_assert(!strncmp(err, "fetch failed: ", 14), "%s", err);
	curlx_get_free(&r);
}

Test(drop, http_connection_refused, .init = http_setup, .fini = http_teardown)
{
	curlx_get_t r;
	char u[64];

	snprintf(u, sizeof(u), "http://127.0.0.1:%d/drop_v4.json", harness_closed_port());
	cr_assert_eq(drop_fetch(u, NULL, NULL, 5, &r, err, sizeof(err)), -1);
	cr_assert_eq(r.status, CURLX_GET_ERROR);
	cr_assert_eq(r.http_code, 0);
	cr_assert(!strncmp(err, "fetch failed: ", 14), "%s", err);
	curlx_get_free(&r);
}

Test(drop, http_timeout, .init = http_setup, .fini = http_teardown)
{
	curlx_get_t r;
	time_t t0 = time(NULL);

	cr_assert_eq(drop_fetch(url("slow"), NULL, NULL, 1, &r, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "timed out after 1 s");
	cr_assert_lt(time(NULL) - t0, 5);
	curlx_get_free(&r);
}

Test(drop, http_body_over_cap, .init = http_setup, .fini = http_teardown)
{
	curlx_get_t r;

	cr_assert_eq(drop_fetch(url("endless"), NULL, NULL, 30, &r, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "body exceeds the 16 MiB limit");
	cr_assert_null(r.body);
	curlx_get_free(&r);
}
