/* test_target.c -- target parsing, CIDR limits and iteration over networks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "checks/target.h"

static const target_limits_t lim = {16, 112};

static int parse(const char *s, target_spec_t *spec, char *err)
{
	return target_parse(s, &lim, spec, err, 256);
}

Test(target, single_addresses_and_domains)
{
	target_spec_t s;
	char err[256];

	cr_assert_eq(parse("192.0.2.10", &s, err), 0);
	cr_assert_eq(s.first.type, TARGET_IPV4);
	cr_assert_eq(s.count, 1);
	cr_assert_eq(parse("2001:DB8::10", &s, err), 0);
	cr_assert_eq(s.first.type, TARGET_IPV6);
	cr_assert_str_eq(s.first.name, "2001:db8::10");
	cr_assert_eq(parse("Mail.Example.org", &s, err), 0);
	cr_assert_eq(s.first.type, TARGET_DOMAIN);
	cr_assert_str_eq(s.first.name, "mail.example.org");
}

Test(target, malformed_ips_say_what_is_wrong)
{
	target_spec_t s;
	char err[256];
	const char *bad[] = {"192.0.2.256", "192.0.2", "1.2.3.4.5", "192.0.2.-1", "2001:db8:::1",
			     "2001:db8::g", "::ffff:1.2.3", "", "exa mple.com", "-.com", "a..b",
			     "host\x1b[31m.com", "192.0.2.10/33", "192.0.2.0/x", "2001:db8::/129"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse(bad[i], &s, err), -1, "accepted '%s'", bad[i]);
		cr_assert_gt(strlen(err), 10, "no message for '%s'", bad[i]);
	}
	cr_assert_eq(parse("192.0.2.256", &s, err), -1);
	cr_assert(strstr(err, "not a valid IPv4 address"), "%s", err);
	cr_assert_eq(parse("single", &s, err), -1); /* a bare label is not a domain target */
}

Test(target, cidr_limits)
{
	target_spec_t s;
	char err[256];

	cr_assert_eq(parse("10.0.0.0/16", &s, err), 0, "%s", err);
	cr_assert_eq(s.count, 65536);
	cr_assert_eq(parse("10.0.0.0/15", &s, err), -1);
	cr_assert(strstr(err, "larger than the /16 allowed"), "%s", err);
	cr_assert(strstr(err, "max_network"), "%s", err);
	cr_assert_eq(parse("2001:db8::/112", &s, err), 0, "%s", err);
	cr_assert_eq(s.count, 65536);
	cr_assert_eq(parse("2001:db8::/64", &s, err), -1);
	cr_assert_eq(parse("192.0.2.1/24", &s, err), -1);
	cr_assert(strstr(err, "did you mean 192.0.2.0/24"), "%s", err);
	cr_assert_eq(parse("192.0.2.7/32", &s, err), 0);
	cr_assert_eq(s.count, 1);
	{
		target_limits_t wide = {8, 96};
		cr_assert_eq(target_parse("10.0.0.0/8", &wide, &s, err, sizeof(err)), 0, "%s", err);
		cr_assert_eq(s.count, 1u << 24);
	}
}

Test(target, network_iteration_carries_across_octets)
{
	target_spec_t s;
	target_t t;
	char err[256];

	cr_assert_eq(parse("10.0.254.0/23", &s, err), 0, "%s", err);
	target_spec_nth(&s, 0, &t);
	cr_assert_str_eq(t.name, "10.0.254.0");
	target_spec_nth(&s, 256, &t);
	cr_assert_str_eq(t.name, "10.0.255.0");
	target_spec_nth(&s, 511, &t);
	cr_assert_str_eq(t.name, "10.0.255.255");
	cr_assert_eq(parse("2001:db8::ff00/120", &s, err), 0, "%s", err);
	target_spec_nth(&s, 255, &t);
	cr_assert_str_eq(t.name, "2001:db8::ffff");
}

Test(target, set_iterates_every_target_in_order)
{
	targetset_t ts;
	targetset_iter_t it = {0, 0};
	target_spec_t s;
	target_t t;
	char err[256];
	int n = 0;

	targetset_init(&ts);
	cr_assert_eq(parse("192.0.2.0/30", &s, err), 0);
	targetset_add(&ts, &s);
	cr_assert_eq(parse("example.com", &s, err), 0);
	targetset_add(&ts, &s);
	cr_assert_eq(ts.total, 5);
	while (targetset_next(&ts, &it, &t)) {
		if (n == 3)
			cr_assert_str_eq(t.name, "192.0.2.3");
		if (n == 4)
			cr_assert_str_eq(t.name, "example.com");
		n++;
	}
	cr_assert_eq(n, 5);
	targetset_free(&ts);
}

/* Adds the address s to spans. */
static void span_add(target_spans_t *sp, const char *s)
{
	target_t t;
	char err[256];
	target_spec_t spec;

	cr_assert_eq(parse(s, &spec, err), 0, "%s: %s", s, err);
	t = spec.first;
	target_spans_add(sp, &t);
}

Test(target, spans_keep_the_lowest_addresses_as_runs)
{
	target_spans_t sp;
	char buf[400], a[32];

	/* a /24's addresses in any order are one run; families in numeric order */
	memset(&sp, 0, sizeof(sp));
	span_add(&sp, "2001:db8::1");
	for (int i = 16; i >= 1; i--) {
		snprintf(a, sizeof(a), "203.0.113.%d", i);
		span_add(&sp, a);
	}
	span_add(&sp, "203.0.113.7"); /* twice is once */
	span_add(&sp, "192.0.2.5");
	span_add(&sp, "example.com"); /* not an address */
	cr_assert_eq(target_spans_str(&sp, buf, sizeof(buf)), 3);
	cr_assert_str_eq(buf, "192.0.2.5, 203.0.113.1-203.0.113.16, 2001:db8::1");

	/* an address between two runs joins them */
	memset(&sp, 0, sizeof(sp));
	span_add(&sp, "192.0.2.1");
	span_add(&sp, "192.0.2.3");
	span_add(&sp, "192.0.2.2");
	target_spans_str(&sp, buf, sizeof(buf));
	cr_assert_str_eq(buf, "192.0.2.1-192.0.2.3");

	/* bounded: 20 scattered addresses keep the lowest 8 runs, then "..." */
	memset(&sp, 0, sizeof(sp));
	for (int i = 19; i >= 0; i--) {
		snprintf(a, sizeof(a), "198.51.100.%d", 2 * i);
		span_add(&sp, a);
	}
	span_add(&sp, "198.51.100.39"); /* above what is kept: not kept */
	span_add(&sp, "198.51.100.1");  /* joins the lowest two */
	cr_assert_eq(sp.n, TARGET_SPANS_MAX - 1);
	cr_assert_eq(target_spans_str(&sp, buf, sizeof(buf)), TARGET_SPANS_MAX - 1);
	cr_assert_str_eq(buf, "198.51.100.0-198.51.100.2, 198.51.100.4, 198.51.100.6, "
			      "198.51.100.8, 198.51.100.10, 198.51.100.12, 198.51.100.14, ...");
	/* a short buffer ends in "..." too */
	cr_assert_eq(target_spans_str(&sp, buf, 50), 2, "%s", buf);
	cr_assert_str_eq(buf, "198.51.100.0-198.51.100.2, 198.51.100.4, ...");
}
