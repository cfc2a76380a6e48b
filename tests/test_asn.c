/* test_asn.c -- Team Cymru TXT parsing, hostile answers included, and lookups on a real rbldnsd.
 * The Cymru zones are served from rbldnsd generic datasets; failing answers from hostiledns.py. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "checks/asn.h"
#include "checks/qname.h"
#include "tests/harness.h"

/* ---- pure parsers ---- */

Test(asn, origin_record_fields)
{
	asn_info_t a;

	cr_assert_eq(asn_parse_origin("23028 | 216.90.108.0/24 | US | arin | 1998-09-25", &a), 0);
	cr_assert_eq(a.nasn, 1);
	cr_assert_eq(a.asn[0], 23028);
	cr_assert_str_eq(a.prefix, "216.90.108.0/24");
	cr_assert_str_eq(a.country, "US");
	cr_assert_str_eq(a.registry, "arin");
	cr_assert_str_eq(a.name, "");
	cr_assert_eq(asn_parse_origin("6939|2001:470::/32|US|arin|2002-08-15", &a), 0);
	cr_assert_str_eq(a.prefix, "2001:470::/32");
	cr_assert_eq(a.asn[0], 6939);
}

Test(asn, origin_with_several_asns_and_short_forms)
{
	asn_info_t a;

	cr_assert_eq(asn_parse_origin("15169  36040 | 8.8.8.0/24 | US | arin | 1992-12-01", &a), 0);
	cr_assert_eq(a.nasn, 2);
	cr_assert_eq(a.asn[0], 15169);
	cr_assert_eq(a.asn[1], 36040);
	/* more origins than kept: the first ASN_MAX, no error */
	cr_assert_eq(asn_parse_origin("1 2 3 4 5 6 7 8 9 10 | 192.0.2.0/24 | NL | ripencc | x", &a), 0);
	cr_assert_eq(a.nasn, ASN_MAX);
	cr_assert_eq(a.asn[ASN_MAX - 1], 8);
	cr_assert_eq(asn_parse_origin("4294967295 | 192.0.2.0/24 | | |", &a), 0);
	cr_assert_eq(a.asn[0], 4294967295u);
	cr_assert_str_eq(a.country, "");
	cr_assert_str_eq(a.registry, "");
	cr_assert_eq(asn_parse_origin("64500 | 192.0.2.0/24 | ZZ", &a), 0);
	cr_assert_str_eq(a.registry, "");
}

Test(asn, malformed_origin_records_are_rejected)
{
	static const char *const bad[] = {
		"",
		"|||",
		"23028",
		"23028 | 216.90.108.0/24",
		" | 216.90.108.0/24 | US | arin | x",
		"AS23028 | 216.90.108.0/24 | US | arin | x",
		"-1 | 216.90.108.0/24 | US | arin | x",
		"4294967296 | 216.90.108.0/24 | US | arin | x",
		"99999999999999999999999999 | 216.90.108.0/24 | US | arin | x",
		"23028 | 216.90.108.0 | US | arin | x",
		"23028 | 216.90.108.0/33 | US | arin | x",
		"23028 | 216.90.108.0/ | US | arin | x",
		"23028 | 216.90.108.0/2x | US | arin | x",
		"23028 | 2001:db8::/129 | US | arin | x",
		"23028 | 300.90.108.0/24 | US | arin | x",
		"23028 | example.com/24 | US | arin | x",
		"23028 | 216.90.108.0/24 | U\033[31mS | arin | x",
		"23028 | 216.90.108.0/24 | US<script> | arin | x",
		"23028 | 216.90.108.0/24 | UNITEDSTATES | arin | x",
		"23028 | 216.90.108.0/24 | US | arin-registry-far-too-long | x",
		"23028 | 216.90.108.0/24 | US | ar in | x",
		"23028 | 216.90.108.0/24 | US | arin | x | extra",
		"23028 | 2001:0db8:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000/32 | US | arin | x",
	};
	asn_info_t a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&a, 0x5a, sizeof(a));
		cr_assert_eq(asn_parse_origin(bad[i], &a), -1, "accepted: %s", bad[i]);
		cr_assert_eq(a.nasn, 0, "out not reset for: %s", bad[i]);
		cr_assert_str_eq(a.prefix, "");
	}
}

Test(asn, as_name_record)
{
	asn_info_t a;

	cr_assert_eq(asn_parse_origin("23028 | 216.90.108.0/24 | US | arin | 1998-09-25", &a), 0);
	cr_assert_eq(asn_parse_name("23028 | US | arin | 2002-01-04 | TEAMCYMRU - SAUNET", &a), 0);
	cr_assert_str_eq(a.name, "TEAMCYMRU - SAUNET");
	cr_assert_str_eq(a.prefix, "216.90.108.0/24", "origin fields kept");
	/* everything after the 4th '|' is the name, '|' included */
	cr_assert_eq(asn_parse_name("23028 | US | arin | 2002-01-04 |  A | B  C |  ", &a), 0);
	cr_assert_str_eq(a.name, "A | B  C |");
	/* standalone: the AS record fills the ASN, country and registry too */
	memset(&a, 0, sizeof(a));
	cr_assert_eq(asn_parse_name("64501 | NL | ripencc | 2001-01-01 | EXAMPLE-NET", &a), 0);
	cr_assert_eq(a.nasn, 1);
	cr_assert_eq(a.asn[0], 64501);
	cr_assert_str_eq(a.country, "NL");
	cr_assert_str_eq(a.registry, "ripencc");
	cr_assert_str_eq(a.name, "EXAMPLE-NET");
}

Test(asn, hostile_as_names_are_bounded_and_printable)
{
	asn_info_t a;
	char txt[1200];

	memset(&a, 0, sizeof(a));
	a.nasn = 1;
	a.asn[0] = 1;
	cr_assert_eq(asn_parse_name("1 | US | arin | x | Evil \033[31mred\033[0m\r\n\x7f\xff", &a), 0);
	cr_assert_str_eq(a.name, "Evil ?[31mred?[0m????");
	snprintf(txt, sizeof(txt), "1 | US | arin | x | %01000d", 7);
	cr_assert_eq(asn_parse_name(txt, &a), 0);
	cr_assert_eq(strlen(a.name), sizeof(a.name) - 1, "truncated to the buffer");
	/* an answer about another AS must not name ours */
	strcpy(a.name, "kept?");
	cr_assert_eq(asn_parse_name("2 | US | arin | x | OTHER", &a), -1);
	cr_assert_str_eq(a.name, "");
	cr_assert_eq(a.asn[0], 1);
	cr_assert_eq(asn_parse_name("1 | US | arin | x", &a), -1, "no name field");
	cr_assert_eq(asn_parse_name("1 | U\nS | arin | x | N", &a), -1);
	cr_assert_eq(asn_parse_name("x1 | US | arin | x | N", &a), -1);
	cr_assert_eq(asn_parse_name("", &a), -1);
}

/* Random bytes and mutated records: every answer is either rejected or fully
 * valid, and nothing reads or writes out of bounds (ASan run). */
Test(asn, parsers_survive_random_input)
{
	static const char alphabet[] = "0123456789 |/.:abcdefUS\t\033\xff-";
	const char *seed = "23028 | 216.90.108.0/24 | US | arin | 1998-09-25";
	uint32_t x = 2463534242u;
	char buf[300];
	asn_info_t a;

	for (int iter = 0; iter < 20000; iter++) {
		size_t len;
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		if (iter % 2) {
			len = x % (sizeof(buf) - 1);
			for (size_t i = 0; i < len; i++) {
				x ^= x << 13, x ^= x >> 17, x ^= x << 5;
				buf[i] = alphabet[x % (sizeof(alphabet) - 1)];
			}
			buf[len] = '\0';
		} else {
			strcpy(buf, seed);
			len = strlen(buf);
			buf[x % len] = alphabet[(x >> 8) % (sizeof(alphabet) - 1)];
		}
		if (asn_parse_origin(buf, &a) == 0) {
			cr_assert_gt(a.nasn, 0);
			cr_assert_leq(a.nasn, ASN_MAX);
			cr_assert_not_null(strchr(a.prefix, '/'), "%s", buf);
			cr_assert_lt(strlen(a.country), sizeof(a.country));
		} else {
			cr_assert_eq(a.nasn, 0);
		}
		a.nasn = 0;
		if (asn_parse_name(buf, &a) == 0)
			for (const char *p = a.name; *p; p++)
				cr_assert(*p >= 0x20 && *p <= 0x7e, "unprintable name from %s", buf);
	}
}

Test(asn, origin_query_names)
{
	target_t t;
	char buf[QNAME_MAX];

	cr_assert_eq(target_parse_ip("216.90.108.31", &t), 0);
	cr_assert_gt(asn_origin_qname(&t, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "31.108.90.216.origin.asn.cymru.com");
	cr_assert_eq(target_parse_ip("2001:db8::1", &t), 0);
	cr_assert_gt(asn_origin_qname(&t, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
			      ".origin6.asn.cymru.com");
	cr_assert_eq(asn_origin_qname(&t, buf, 20), -1, "does not fit");
	memset(&t, 0, sizeof(t));
	t.type = TARGET_DOMAIN;
	strcpy(t.name, "example.org");
	cr_assert_eq(asn_origin_qname(&t, buf, sizeof(buf)), -1);
}

/* ---- lookups against rbldnsd ---- */

static char *dir;
static harness_server_t dns;
static dnsbl_t *eng;

static const char origin[] =
	"31.108.90.216 TXT \"23028 | 216.90.108.0/24 | US | arin | 1998-09-25\"\n"
	/* overlapping announcements: the /24 wins over the /16, whatever the order */
	"10.2.0.192 TXT \"64500 | 192.0.0.0/16 | US | arin | 2000-01-01\"\n"
	"10.2.0.192 TXT \"64501 64502 | 192.0.2.0/24 | NL | ripencc | 2001-01-01\"\n"
	"10.2.0.192 TXT \"64503 | 192.0.2.0/20 | US | arin | 2000-01-01\"\n"
	/* an AS with no AS record: the origin answer stands without a name */
	"11.2.0.192 TXT \"64999 | 192.0.2.0/24 | NL | ripencc | 2001-01-01\"\n"
	/* garbage and a record for somebody else's prefix: nothing usable */
	"20.2.0.192 TXT \"garbage \033[31m | <script>\"\n"
	"20.2.0.192 TXT \"64504 | 198.51.100.0/24 | US | arin | 2000-01-01\"\n"
	/* garbage beside a good record: the good one is used */
	"21.2.0.192 TXT \"||||||||\"\n"
	"21.2.0.192 TXT \"23028 | 192.0.2.0/24 | US | arin | 1998-09-25\"\n";
static const char asnames[] =
	"AS23028 TXT \"23028 | US | arin | 2002-01-04 | TEAMCYMRU - SAUNET\"\n"
	"AS64501 TXT \"64501 | NL | ripencc | 2001-01-01 | EXAMPLE-NET | with pipe\"\n"
	"AS64510 TXT \"64510 | DE | ripencc | 2005-01-01 | EXAMPLE-V6\"\n";

static void setup(void)
{
	static const char *const zones[] = {"origin.asn.cymru.com:generic:origin",
					    "origin6.asn.cymru.com:generic:origin6",
					    "asn.cymru.com:generic:asnames", NULL};
	char o6[512], rev[QNAME_MAX], err[256];
	target_t t;

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(target_parse_ip("2001:db8::1", &t), 0);
	cr_assert_gt(qname_reverse(&t, rev, sizeof(rev)), 0);
	snprintf(o6, sizeof(o6), "%s TXT \"64510 | 2001:db8::/32 | DE | ripencc | 2005-01-01\"\n", rev);
	cr_assert_eq(harness_write(dir, "origin", origin), 0);
	cr_assert_eq(harness_write(dir, "origin6", o6), 0);
	cr_assert_eq(harness_write(dir, "asnames", asnames), 0);
	cr_assert_eq(harness_rbldnsd_start(&dns, dir, zones), 0, "rbldnsd did not start");
	eng = harness_dnsbl_new(dns.port, 500, 2, err, sizeof(err));
	cr_assert_not_null(eng, "%s", err);
}

static void teardown(void)
{
	dnsbl_free(eng);
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

static int lookup(const char *ip, asn_info_t *a, char *err)
{
	target_t t;

	cr_assert_eq(target_parse_ip(ip, &t), 0);
	err[0] = '\0';
	return asn_lookup(eng, &t, a, err, 256);
}

Test(asn, lookup_ipv4_with_name, .init = setup, .fini = teardown, .timeout = 60)
{
	asn_info_t a;
	char err[256];

	cr_assert_eq(lookup("216.90.108.31", &a, err), 1, "%s", err);
	cr_assert_eq(a.nasn, 1);
	cr_assert_eq(a.asn[0], 23028);
	cr_assert_str_eq(a.prefix, "216.90.108.0/24");
	cr_assert_str_eq(a.country, "US");
	cr_assert_str_eq(a.registry, "arin");
	cr_assert_str_eq(a.name, "TEAMCYMRU - SAUNET");
}

Test(asn, lookup_keeps_the_most_specific_prefix, .init = setup, .fini = teardown, .timeout = 60)
{
	asn_info_t a;
	char err[256];

	cr_assert_eq(lookup("192.0.2.10", &a, err), 1, "%s", err);
	cr_assert_str_eq(a.prefix, "192.0.2.0/24");
	cr_assert_eq(a.nasn, 2);
	cr_assert_eq(a.asn[0], 64501);
	cr_assert_eq(a.asn[1], 64502);
	cr_assert_str_eq(a.country, "NL");
	cr_assert_str_eq(a.name, "EXAMPLE-NET | with pipe");
}

Test(asn, lookup_ipv6, .init = setup, .fini = teardown, .timeout = 60)
{
	asn_info_t a;
	char err[256];

	cr_assert_eq(lookup("2001:db8::1", &a, err), 1, "%s", err);
	cr_assert_eq(a.asn[0], 64510);
	cr_assert_str_eq(a.prefix, "2001:db8::/32");
	cr_assert_str_eq(a.country, "DE");
	cr_assert_str_eq(a.name, "EXAMPLE-V6");
	cr_assert_eq(lookup("2001:db8::2", &a, err), 0, "unrouted v6: %s", err);
}

Test(asn, unrouted_missing_name_and_bad_answers, .init = setup, .fini = teardown, .timeout = 60)
{
	asn_info_t a;
	char err[256];
	target_t dom = {.type = TARGET_DOMAIN, .name = "example.org"};

	cr_assert_eq(lookup("192.0.2.99", &a, err), 0, "NXDOMAIN is not routed: %s", err);
	cr_assert_eq(a.nasn, 0);
	cr_assert_eq(lookup("192.0.2.11", &a, err), 1, "%s", err);
	cr_assert_eq(a.asn[0], 64999);
	cr_assert_str_eq(a.name, "", "no AS record: no name, still found");
	cr_assert_eq(lookup("192.0.2.20", &a, err), ASN_UNUSABLE, "the address's answer, not the resolver");
	cr_assert(strstr(err, "1 malformed, 1 for other addresses"), "%s", err);
	cr_assert_eq(a.nasn, 0);
	cr_assert_eq(lookup("192.0.2.21", &a, err), 1, "%s", err);
	cr_assert_str_eq(a.name, "TEAMCYMRU - SAUNET");
	cr_assert_eq(asn_lookup(eng, &dom, &a, err, sizeof(err)), ASN_UNUSABLE);
	cr_assert(strstr(err, "needs an IP address"), "%s", err);
}

Test(asn, resolver_that_never_answers, .timeout = 60)
{
	int port, fd = harness_silent_udp(&port);
	char err[256];
	dnsbl_t *d;
	asn_info_t a;
	target_t t;

	cr_assert_geq(fd, 0);
	d = harness_dnsbl_new(port, 200, 1, err, sizeof(err));
	cr_assert_not_null(d, "%s", err);
	cr_assert_eq(target_parse_ip("216.90.108.31", &t), 0);
	cr_assert_eq(asn_lookup(d, &t, &a, err, sizeof(err)), ASN_RESOLVER_FAILED);
	cr_assert(strstr(err, "timeout"), "%s", err);
	cr_assert_eq(a.nasn, 0);
	dnsbl_free(d);
	close(fd);
}

/* Whom a failure concerns (issue 16.7): an unusable answer is the address's own, the
 * next address may be fine; no answer would fail any address asked now. */
Test(asn, failures_say_whom_they_concern, .timeout = 60)
{
	static const struct {
		const char *ip;
		asn_status_t want;
		const char *needle;
	} cases[] = {
		{"198.18.0.1", ASN_UNUSABLE, "1 malformed"},
		{"198.18.0.2", ASN_RESOLVER_FAILED, "timeout"},
		{"198.18.0.3", ASN_RESOLVER_FAILED, "SERVFAIL"},
		{"198.18.0.4", ASN_RESOLVER_FAILED, "REFUSED"},
		{"198.18.0.5", ASN_UNROUTED, NULL},
		{"198.51.100.7", ASN_FOUND, NULL},
	};
	char *hdir = harness_tmpdir(), err[256];
	harness_server_t hd;
	asn_info_t a;
	target_t t;
	dnsbl_t *d;

	cr_assert_not_null(hdir);
	cr_assert_eq(harness_hostile_dns_start(&hd, hdir), 0, "hostiledns.py did not start");
	d = harness_dnsbl_new(hd.port, 300, 1, err, sizeof(err));
	cr_assert_not_null(d, "%s", err);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(target_parse_ip(cases[i].ip, &t), 0);
		err[0] = '\0';
		cr_assert_eq(asn_lookup(d, &t, &a, err, sizeof(err)), cases[i].want, "%s: %s",
			     cases[i].ip, err);
		if (cases[i].needle)
			cr_assert(strstr(err, cases[i].needle) && strstr(err, cases[i].ip), "%s", err);
	}
	cr_assert_eq(a.asn[0], 64501);
	cr_assert_str_eq(a.name, "EXAMPLE-B");
	dnsbl_free(d);
	harness_server_stop(&hd);
	harness_tmpdir_free(hdir);
}
