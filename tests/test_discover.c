/* test_discover.c -- SPF term parsing, and MX + SPF discovery against a real rbldnsd.
 * Covers include chains, redirect, loops, the 10-lookup limit, dedup and hostile records. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "checks/discover.h"
#include "tests/harness.h"

/* ---- pure SPF text ---- */

Test(discover, spf_record_tag)
{
	cr_assert(discover_spf_record("v=spf1 -all"));
	cr_assert(discover_spf_record("V=SPF1"));
	cr_assert(!discover_spf_record("v=spf10 -all"));
	cr_assert(!discover_spf_record("v=spf1\t-all"));
	cr_assert(!discover_spf_record(" v=spf1 -all"));
	cr_assert(!discover_spf_record("google-site-verification=abc"));
	cr_assert(!discover_spf_record(""));
}

Test(discover, spf_terms)
{
	discover_term_t t;

	cr_assert_eq(discover_term_parse("ip4:198.51.100.0/28", &t), 0);
	cr_assert_eq(t.kind, DISCOVER_TERM_IP4);
	cr_assert_eq(t.qualifier, '+');
	cr_assert_str_eq(t.value, "198.51.100.0");
	cr_assert_eq(t.cidr4, 28);
	cr_assert_eq(discover_term_parse("-IP4:192.0.2.1", &t), 0);
	cr_assert_eq(t.qualifier, '-');
	cr_assert_eq(t.cidr4, -1);
	cr_assert_eq(discover_term_parse("ip6:2001:db8::/32", &t), 0);
	cr_assert_eq(t.kind, DISCOVER_TERM_IP6);
	cr_assert_str_eq(t.value, "2001:db8::");
	cr_assert_eq(t.cidr6, 32);
	cr_assert_eq(discover_term_parse("~include:_spf.example.test", &t), 0);
	cr_assert_eq(t.kind, DISCOVER_TERM_INCLUDE);
	cr_assert_eq(t.qualifier, '~');
	cr_assert_str_eq(t.value, "_spf.example.test");
	cr_assert_eq(discover_term_parse("a", &t), 0);
	cr_assert_eq(t.kind, DISCOVER_TERM_A);
	cr_assert_str_eq(t.value, "");
	cr_assert_eq(discover_term_parse("a:mail.example.test/24//64", &t), 0);
	cr_assert_str_eq(t.value, "mail.example.test");
	cr_assert_eq(t.cidr4, 24);
	cr_assert_eq(t.cidr6, 64);
	cr_assert_eq(discover_term_parse("mx//120", &t), 0);
	cr_assert_eq(t.kind, DISCOVER_TERM_MX);
	cr_assert_eq(t.cidr4, -1);
	cr_assert_eq(t.cidr6, 120);
	cr_assert_eq(discover_term_parse("mx/28", &t), 0);
	cr_assert_eq(t.cidr4, 28);
	cr_assert_eq(discover_term_parse("?all", &t), 0);
	cr_assert_eq(t.kind, DISCOVER_TERM_ALL);
	cr_assert_eq(discover_term_parse("ptr", &t), 0);
	cr_assert_eq(t.kind, DISCOVER_TERM_PTR);
	cr_assert_eq(discover_term_parse("exists:%{i}.x.example", &t), 0);
	cr_assert_eq(t.kind, DISCOVER_TERM_EXISTS);
	cr_assert_eq(discover_term_parse("redirect=_spf.example.test", &t), 0);
	cr_assert_eq(t.kind, DISCOVER_TERM_REDIRECT);
	cr_assert_str_eq(t.value, "_spf.example.test");
	cr_assert_eq(discover_term_parse("exp=explain.example.test", &t), 0);
	cr_assert_eq(t.kind, DISCOVER_TERM_MODIFIER);
	cr_assert_eq(discover_term_parse("x-custom.mod=whatever", &t), 0);
	cr_assert_eq(t.kind, DISCOVER_TERM_MODIFIER);
}

Test(discover, malformed_spf_terms_are_rejected)
{
	static const char *const bad[] = {
		"", "+", "-", "foo", "allx", "all:x", "all/24", "include", "include:", "ip4",
		"ip4:", "ip4/24", "ip4:192.0.2.0/33", "ip4:192.0.2.0/", "ip4:192.0.2.0/24/1",
		"ip4:192.0.2.0/2x", "ip6:2001:db8::/129", "ip6:2001:db8::/1234", "a:", "a:/24",
		"a/33", "a//129", "a/24/64", "a///64", "mx:h.example/", "ptr/24", "exists",
		"redirect=", "=x", "-redirect=x", "1x=y", "bad name=x", "ip5:192.0.2.1",
		"include:x" /* followed by too long a name below */,
	};
	char longname[400];
	discover_term_t t;

	for (size_t i = 0; i + 1 < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&t, 0x5a, sizeof(t));
		cr_assert_eq(discover_term_parse(bad[i], &t), -1, "accepted: '%s'", bad[i]);
		cr_assert_str_eq(t.value, "", "out not reset for '%s'", bad[i]);
	}
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "include:", 8);
	longname[sizeof(longname) - 1] = '\0';
	cr_assert_eq(discover_term_parse(longname, &t), -1);
	memcpy(longname, "redirect=", 9);
	cr_assert_eq(discover_term_parse(longname, &t), -1);
	memcpy(longname, "a:aaaaaaa", 9);
	cr_assert_eq(discover_term_parse(longname, &t), -1);
}

/* ---- discovery against rbldnsd ---- */

static char *dir;
static harness_server_t dns;
static dnsbl_t *eng;

static const char zone[] =
	"@ MX 10 mail.example.test\n"
	"@ MX 20 mail2.example.test\n"
	"mail A 192.0.2.10\n"
	"mail2 A 192.0.2.11\n"
	"mail2 A 198.51.100.5\n" /* inside the SPF /28: folded into it */
	"@ TXT \"google-site-verification=not-spf\"\n"
	"@ TXT \"v=spf1 ip4:198.51.100.0/28 include:_spf.example.test -all\"\n"
	"_spf TXT \"v=spf1 ip4:192.0.2.10 ip6:2001:db8::/124 include:_spf2.example.test ~all\"\n"
	"_spf2 TXT \"v=spf1 a:mail2.example.test -ip4:203.0.113.1 ip4:10.0.0.0/8 "
	"ip4:203.0.113.77/26 ?ip4:203.0.113.200 bogus:x mx:mx.example.test\"\n"
	"mx MX 5 mail.example.test\n"
	/* include loop */
	"loop TXT \"v=spf1 ip4:192.0.2.50 include:loop2.example.test -all\"\n"
	"loop2 TXT \"v=spf1 ip4:192.0.2.51 include:LOOP.example.test. -all\"\n"
	/* redirect, used without all and ignored with it */
	"redir TXT \"v=spf1 ip4:192.0.2.60 redirect=rt.example.test\"\n"
	"redirall TXT \"v=spf1 ip4:192.0.2.62 -all redirect=rt.example.test\"\n"
	"rt TXT \"v=spf1 ip4:192.0.2.61 -all\"\n"
	/* two SPF records: a permerror, none used */
	"two TXT \"v=spf1 ip4:192.0.2.70 -all\"\n"
	"two TXT \"v=spf1 ip4:192.0.2.71 -all\"\n"
	/* hostile: macros, garbage names, control bytes, a missing include */
	"evil TXT \"v=spf1 include:%{ir}.%{v}.example.test include:bad..name "
	"include:\033[31mred ip4:192.0.2.80 include:missing.example.test -all\"\n"
	/* implicit MX: no MX record, an address of its own */
	"nomx A 192.0.2.90\n"
	"nomx TXT \"v=spf1 a -all\"\n";

/* chain.example.test includes c1, c1 includes c2, ... up to c12 */
static void write_zone(void)
{
	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof(text), "%s", zone);

	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "chain TXT \"v=spf1 include:c1.example.test -all\"\n");
	for (int i = 1; i <= 12; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "c%d TXT \"v=spf1 ip4:203.0.113.%d include:c%d.example.test -all\"\n",
				      i, i, i + 1);
	cr_assert_lt(n, sizeof(text));
	cr_assert_eq(harness_write(dir, "zone", text), 0);
}

static void setup(void)
{
	static const char *const zones[] = {"example.test:generic:zone", NULL};
	char err[256];

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	write_zone();
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

/* tests that need the zone served: one rbldnsd each, so they run in parallel */
#define WITH_ZONE .init = setup, .fini = teardown, .timeout = 60


/* Writes "name" or "name/prefix" of each entry, space-separated, into buf and
 * checks every entry's `from` is domain itself (the same pointer). */
static const char *entries(const targetset_t *ts, const char *domain, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ts->n; i++) {
		const target_spec_t *s = &ts->specs[i];
		cr_assert_eq(s->first.from, domain, "entry %zu: from not the caller's string", i);
		if (s->count > 1)
			used += (size_t)snprintf(buf + used, len - used, "%s%s/%u", i ? " " : "",
						 s->first.name, s->prefix);
		else
			used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " " : "",
						 s->first.name);
	}
	return buf;
}

static int discover(const char *domain, targetset_t *ts, char *warn, char *err)
{
	static const target_limits_t lim = {16, 112};

	targetset_init(ts);
	err[0] = '\0';
	return discover_domain(eng, domain, &lim, ts, warn, 2048, err, 256);
}

Test(discover, mx_and_spf_with_includes, WITH_ZONE)
{
	const char *domain = "example.test";
	targetset_t ts;
	char warn[2048], err[256], got[1024];
	int n = discover(domain, &ts, warn, err);

	cr_assert_eq(n, 5, "%d: %s\nwarn: %s\nerr: %s", n, entries(&ts, domain, got, sizeof(got)),
		     warn, err);
	/* MX first in preference order; 198.51.100.5 is folded into the SPF /28;
	 * 192.0.2.10 (MX and ip4) and the a:/mx: repeats are there once */
	cr_assert_str_eq(entries(&ts, domain, got, sizeof(got)),
			 "192.0.2.10 192.0.2.11 198.51.100.0/28 2001:db8::/124 203.0.113.64/26");
	cr_assert_eq(ts.total, 1 + 1 + 16 + 16 + 64);
	cr_assert(strstr(warn, "10.0.0.0/8 skipped: larger than the /16 allowed"), "%s", warn);
	cr_assert(strstr(warn, "malformed term 'bogus:x'"), "%s", warn);
	cr_assert_null(strstr(warn, "203.0.113.200"), "neutral ?ip4 is not a sender, silently");
	cr_assert_null(strstr(warn, "loop"), "%s", warn);
	targetset_free(&ts);
}

Test(discover, include_loop_is_cut, WITH_ZONE)
{
	const char *domain = "loop.example.test";
	targetset_t ts;
	char warn[2048], err[256], got[1024];
	int n = discover(domain, &ts, warn, err);

	cr_assert_eq(n, 2, "%d: %s", n, err);
	cr_assert_str_eq(entries(&ts, domain, got, sizeof(got)), "192.0.2.50 192.0.2.51");
	cr_assert(strstr(warn, "SPF loop: loop.example.test is already being followed"), "%s", warn);
	cr_assert(strstr(warn, "loop.example.test has no MX record and no address"), "%s", warn);
	targetset_free(&ts);
}

Test(discover, lookup_limit_stops_the_chain, WITH_ZONE)
{
	const char *domain = "chain.example.test";
	targetset_t ts;
	char warn[2048], err[256], got[1024];
	int n = discover(domain, &ts, warn, err);

	/* chain->c1 is lookup 1, ..., c9->c10 is lookup 10: c10's include is the 11th */
	cr_assert_eq(n, 10, "%d: %s / %s", n, entries(&ts, domain, got, sizeof(got)), warn);
	cr_assert_str_eq(ts.specs[0].first.name, "203.0.113.1");
	cr_assert_str_eq(ts.specs[9].first.name, "203.0.113.10");
	cr_assert(strstr(warn, "SPF of c10.example.test: limit of 10 DNS-querying terms reached at "
			       "'include:c11.example.test'"),
		  "%s", warn);
	targetset_free(&ts);
}

Test(discover, redirect_only_without_all, WITH_ZONE)
{
	targetset_t ts;
	char warn[2048], err[256], got[1024];

	cr_assert_eq(discover("redir.example.test", &ts, warn, err), 2, "%s", warn);
	cr_assert_str_eq(entries(&ts, ts.specs[0].first.from, got, sizeof(got)),
			 "192.0.2.60 192.0.2.61");
	targetset_free(&ts);
	cr_assert_eq(discover("redirall.example.test", &ts, warn, err), 1, "%s", warn);
	cr_assert_str_eq(ts.specs[0].first.name, "192.0.2.62");
	targetset_free(&ts);
}

Test(discover, implicit_mx_and_a_mechanism, WITH_ZONE)
{
	const char *domain = "NoMX.example.test.";
	targetset_t ts;
	char warn[2048], err[256], got[1024];

	cr_assert_eq(discover(domain, &ts, warn, err), 1, "%s %s", warn, err);
	cr_assert_str_eq(entries(&ts, domain, got, sizeof(got)), "192.0.2.90");
	cr_assert(strstr(warn, "nomx.example.test has no MX record: its own address is its mail host"),
		  "%s", warn);
	targetset_free(&ts);
}

Test(discover, two_spf_records_are_a_permerror, WITH_ZONE)
{
	targetset_t ts;
	char warn[2048], err[256];

	cr_assert_eq(discover("two.example.test", &ts, warn, err), 0, "%s", err);
	cr_assert(strstr(warn, "2 SPF records (RFC 7208 permerror): none used"), "%s", warn);
	targetset_free(&ts);
}

Test(discover, hostile_record_gives_printable_warnings, WITH_ZONE)
{
	targetset_t ts;
	char warn[2048], err[256];

	cr_assert_eq(discover("evil.example.test", &ts, warn, err), 1, "%s %s", warn, err);
	cr_assert_str_eq(ts.specs[0].first.name, "192.0.2.80");
	cr_assert(strstr(warn, "SPF macros need a sender"), "%s", warn);
	cr_assert(strstr(warn, "'include:bad..name': not a valid domain name"), "%s", warn);
	cr_assert(strstr(warn, "'include:?[31mred': not a valid domain name"), "%s", warn);
	cr_assert(strstr(warn, "missing.example.test has no SPF record (no such domain)"), "%s", warn);
	for (const char *p = warn; *p; p++)
		cr_assert(*p == '\n' || (*p >= 0x20 && *p <= 0x7e), "unprintable byte in warnings");
	targetset_free(&ts);
}

Test(discover, targets_are_appended_and_warnings_bounded, WITH_ZONE)
{
	static const target_limits_t lim = {16, 112};
	const char *domain = "example.test";
	targetset_t ts;
	target_spec_t spec;
	char warn[40], err[256];

	/* the caller's entries stay untouched: dedup is within one call */
	targetset_init(&ts);
	cr_assert_eq(target_parse("192.0.2.10", &lim, &spec, err, sizeof(err)), 0);
	targetset_add(&ts, &spec);
	cr_assert_eq(discover_domain(eng, domain, NULL, &ts, warn, sizeof(warn), err, sizeof(err)), 5);
	cr_assert_eq(ts.n, 6);
	cr_assert_null(ts.specs[0].first.from);
	cr_assert_eq(ts.specs[1].first.from, domain);
	cr_assert_lt(strlen(warn), sizeof(warn), "warnings cut to the buffer");
	cr_assert_eq(discover_domain(eng, domain, NULL, &ts, NULL, 0, err, sizeof(err)), 5,
		     "no warning buffer is fine");
	cr_assert_eq(ts.n, 11);
	targetset_free(&ts);
}

Test(discover, bad_and_missing_domains, WITH_ZONE)
{
	targetset_t ts;
	char warn[2048], err[256];

	cr_assert_eq(discover("nope.example.test", &ts, warn, err), -1);
	cr_assert(strstr(err, "nope.example.test does not exist"), "%s", err);
	cr_assert_eq(discover("not a domain", &ts, warn, err), -1);
	cr_assert(strstr(err, "is not a valid domain name"), "%s", err);
	cr_assert_eq(discover("localhost", &ts, warn, err), -1, "a domain needs a dot");
	cr_assert_eq(ts.n, 0);
	targetset_free(&ts);
}

Test(discover, resolver_that_never_answers, .timeout = 60)
{
	int port, fd = harness_silent_udp(&port);
	char err[256], warn[512];
	dnsbl_t *d;
	targetset_t ts;

	cr_assert_geq(fd, 0);
	d = harness_dnsbl_new(port, 200, 1, err, sizeof(err));
	cr_assert_not_null(d, "%s", err);
	targetset_init(&ts);
	cr_assert_eq(discover_domain(d, "example.test", NULL, &ts, warn, sizeof(warn), err,
				     sizeof(err)), -1);
	cr_assert(strstr(err, "no answer from DNS (MX: timeout, TXT: timeout)"), "%s", err);
	cr_assert(strstr(warn, "MX lookup failed: timeout"), "%s", warn);
	targetset_free(&ts);
	dnsbl_free(d);
	close(fd);
}
