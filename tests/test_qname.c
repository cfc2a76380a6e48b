/* test_qname.c -- RFC 5782 query names: IPv4, IPv6 (no zero compression), v4-mapped, domains. */
#include <criterion/criterion.h>
#include <string.h>

#include "checks/qname.h"

static const char *build(const char *target, const char *zone)
{
	static char buf[QNAME_MAX];
	target_spec_t spec;
	char err[256];

	cr_assert_eq(target_parse(target, &(target_limits_t){16, 112}, &spec, err, sizeof(err)), 0,
		     "%s: %s", target, err);
	cr_assert_gt(qname_build(&spec.first, zone, buf, sizeof(buf)), 0);
	return buf;
}

Test(qname, ipv4_reversed_octets)
{
	cr_assert_str_eq(build("192.0.2.99", "bl.example"), "99.2.0.192.bl.example");
	cr_assert_str_eq(build("10.0.0.1", "zen.spamhaus.org"), "1.0.0.10.zen.spamhaus.org");
	cr_assert_str_eq(build("255.255.255.255", "z"), "255.255.255.255.z");
}

Test(qname, ipv6_all_32_nibbles)
{
	cr_assert_str_eq(build("2001:db8:1:2:3:4:567:89ab", "bl.example"),
			 "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.example");
	/* zero compression is expanded: every nibble is present */
	cr_assert_str_eq(build("2001:db8::1", "z"),
			 "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.z");
	cr_assert_str_eq(build("::", "z"),
			 "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.z");
}

Test(qname, v4_mapped_stays_ipv6)
{
	/* RFC 5782: the IPv6 test point ::FFFF:7F00:2 is queried as IPv6 */
	cr_assert_str_eq(build("::ffff:127.0.0.2", "z"),
			 "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.z");
	cr_assert_str_eq(build("::FFFF:7F00:2", "z"),
			 "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.z");
}

Test(qname, domains)
{
	cr_assert_str_eq(build("Example.COM", "dbl.spamhaus.org"), "example.com.dbl.spamhaus.org");
	cr_assert_str_eq(build("mail.example.net.", "z"), "mail.example.net.z");
}

Test(qname, too_long_is_refused_not_truncated)
{
	target_t t;
	char buf[QNAME_MAX], zone[300];

	memset(&t, 0, sizeof(t));
	t.type = TARGET_DOMAIN;
	memset(t.name, 'a', 63);
	memcpy(t.name + 63, ".", 1);
	memset(t.name + 64, 'b', 63);
	memcpy(t.name + 127, ".", 1);
	memset(t.name + 128, 'c', 63);
	t.name[191] = '\0';
	memset(zone, 'z', 62);
	strcpy(zone + 62, ".example");
	cr_assert_eq(qname_build(&t, zone, buf, sizeof(buf)), -1); /* 191+1+70 > 253 */
	cr_assert_eq(qname_build(&t, "x.y", buf, 10), -1);         /* buffer too small */
}
