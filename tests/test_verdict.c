/* test_verdict.c -- answer interpretation: every rule of "listed / clean / unknown". */
#include <criterion/criterion.h>
#include <string.h>

#include "checks/catalog.h"
#include "checks/verdict.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static catalog_t *cat;

static void setup(void) { cat = catalog_new_builtin(); }
static void teardown(void) { catalog_free(cat); }

TestSuite(verdict, .init = setup, .fini = teardown);

static verdict_t judge(const char *list, dns_outcome_t o, const uint32_t *a, size_t n)
{
	verdict_t v;
	catalog_list_t *l = catalog_find(cat, list);

	cr_assert_not_null(l, "no list %s", list);
	verdict_from_answer(l, o, a, n, &v);
	return v;
}

static void reason(const char *list, const verdict_t *v, char *buf)
{
	verdict_reason(v, catalog_find(cat, list), buf, 400);
}

Test(verdict, nxdomain_is_clean)
{
	verdict_t v = judge("zen.spamhaus.org", DNS_NXDOMAIN, NULL, 0);
	cr_assert_eq(v.status, STATUS_CLEAN);
	v = judge("zen.spamhaus.org", DNS_NODATA, NULL, 0);
	cr_assert_eq(v.status, STATUS_CLEAN);
}

Test(verdict, resolver_failures_are_unknown_never_clean)
{
	dns_outcome_t fails[] = {DNS_TIMEOUT, DNS_SERVFAIL, DNS_REFUSED, DNS_CONNREFUSED, DNS_OTHER};
	char buf[400];

	for (size_t i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
		verdict_t v = judge("zen.spamhaus.org", fails[i], NULL, 0);
		cr_assert_eq(v.status, STATUS_UNKNOWN, "outcome %d", fails[i]);
		reason("zen.spamhaus.org", &v, buf);
		cr_assert_gt(strlen(buf), 10, "no reason for outcome %d", fails[i]);
	}
	verdict_t v = judge("zen.spamhaus.org", DNS_TIMEOUT, NULL, 0);
	reason("zen.spamhaus.org", &v, buf);
	cr_assert(strstr(buf, "timeout"), "%s", buf);
}

Test(verdict, listing_with_every_a_record_counted)
{
	uint32_t a[] = {IP(127, 0, 0, 2), IP(127, 0, 0, 4), IP(127, 0, 0, 10)};
	const char *m[16];
	verdict_t v = judge("zen.spamhaus.org", DNS_OK, a, 3);
	size_t n;

	cr_assert_eq(v.status, STATUS_LISTED);
	cr_assert_eq(v.ncodes, 3);
	n = verdict_meanings(&v, catalog_find(cat, "zen.spamhaus.org"), m, 16);
	cr_assert_eq(n, 3);
	cr_assert(strstr(m[0], "SBL"));
	cr_assert(strstr(m[1], "XBL"));
	cr_assert(strstr(m[2], "PBL"));
}

Test(verdict, spamhaus_refusal_codes_are_unknown_with_advice)
{
	uint32_t codes[] = {IP(127, 255, 255, 252), IP(127, 255, 255, 254), IP(127, 255, 255, 255)};
	char buf[400];

	for (size_t i = 0; i < 3; i++) {
		verdict_t v = judge("zen.spamhaus.org", DNS_OK, &codes[i], 1);
		cr_assert_eq(v.status, STATUS_UNKNOWN);
		cr_assert_eq(v.reason, REASON_ERROR_CODE);
	}
	verdict_t v = judge("zen.spamhaus.org", DNS_OK, &codes[1], 1);
	reason("zen.spamhaus.org", &v, buf);
	cr_assert(strstr(buf, "resolver refused by Spamhaus"), "%s", buf);
	cr_assert(strstr(buf, "127.255.255.254"), "%s", buf);
	cr_assert(strstr(buf, "DQS"), "%s", buf);
	/* the same code on a domain list of Spamhaus */
	v = judge("dbl.spamhaus.org", DNS_OK, &codes[1], 1);
	cr_assert_eq(v.status, STATUS_UNKNOWN);
}

Test(verdict, a_refusal_record_taints_a_listing)
{
	/* one good code and one error code: the answer as a whole is unusable */
	uint32_t a[] = {IP(127, 0, 0, 2), IP(127, 255, 255, 254)};
	verdict_t v = judge("zen.spamhaus.org", DNS_OK, a, 2);
	cr_assert_eq(v.status, STATUS_UNKNOWN);
}

Test(verdict, loopback_answer_is_never_a_listing)
{
	uint32_t a = IP(127, 0, 0, 1);
	char buf[400];
	verdict_t v = judge("bl.spamcop.net", DNS_OK, &a, 1);

	cr_assert_eq(v.status, STATUS_UNKNOWN);
	cr_assert_eq(v.reason, REASON_LOOPBACK);
	reason("bl.spamcop.net", &v, buf);
	cr_assert(strstr(buf, "127.0.0.1"), "%s", buf);
	/* URIBL's catalog says what 127.0.0.1 means there */
	v = judge("multi.uribl.com", DNS_OK, &a, 1);
	cr_assert_eq(v.status, STATUS_UNKNOWN);
}

Test(verdict, answer_outside_127_is_a_hijack_not_a_listing)
{
	uint32_t a[] = {IP(127, 0, 0, 2), IP(176, 107, 178, 7)};
	char buf[400];
	verdict_t v = judge("bl.spamcop.net", DNS_OK, a, 2);

	cr_assert_eq(v.status, STATUS_UNKNOWN);
	cr_assert_eq(v.reason, REASON_OUTSIDE_127);
	reason("bl.spamcop.net", &v, buf);
	cr_assert(strstr(buf, "176.107.178.7"), "%s", buf);
}

Test(verdict, mailspike_good_reputation_is_not_a_listing)
{
	uint32_t good = IP(127, 0, 0, 18), neutral = IP(127, 0, 0, 15), bad = IP(127, 0, 0, 10);

	cr_assert_eq(judge("rep.mailspike.net", DNS_OK, &good, 1).status, STATUS_CLEAN);
	cr_assert_eq(judge("rep.mailspike.net", DNS_OK, &neutral, 1).status, STATUS_CLEAN);
	cr_assert_eq(judge("rep.mailspike.net", DNS_OK, &bad, 1).status, STATUS_LISTED);
}

Test(verdict, dnswl_codes_carry_category_and_trust)
{
	uint32_t a = IP(127, 0, 5, 2), blocked = IP(127, 0, 0, 255);
	const char *m[16];
	verdict_t v = judge("list.dnswl.org", DNS_OK, &a, 1);
	size_t n = verdict_meanings(&v, catalog_find(cat, "dnswl"), m, 16);

	cr_assert_eq(v.status, STATUS_LISTED); /* listed on an allow list: good news */
	cr_assert_eq(catalog_find(cat, "dnswl")->kind, LIST_ALLOW);
	cr_assert_eq(n, 2);
	cr_assert(strstr(m[0], "service/network providers"), "%s", m[0]);
	cr_assert(strstr(m[1], "trust: medium"), "%s", m[1]);
	cr_assert_eq(judge("list.dnswl.org", DNS_OK, &blocked, 1).status, STATUS_UNKNOWN);
}

Test(verdict, unknown_code_inside_127_is_still_a_listing)
{
	uint32_t a = IP(127, 0, 0, 77);
	const char *m[4];
	verdict_t v = judge("bl.spamcop.net", DNS_OK, &a, 1);

	cr_assert_eq(v.status, STATUS_LISTED);
	cr_assert_eq(verdict_meanings(&v, catalog_find(cat, "spamcop"), m, 4), 1);
	cr_assert(strstr(m[0], "not in the catalog"));
}

Test(verdict, user_codes_and_errors)
{
	catalog_list_t *l = catalog_add(cat, "bl.example.net");
	char err[300];
	uint32_t listed = IP(127, 0, 0, 3), refused = IP(127, 0, 0, 250), ok = IP(127, 0, 0, 20);
	verdict_t v;

	cr_assert_eq(catalog_code_add(l, "127.0.0.2-9 Spam source", CODE_LISTED, err, sizeof(err)), 0);
	cr_assert_eq(catalog_code_add(l, "127.0.0.250 Over quota", CODE_ERROR, err, sizeof(err)), 0);
	cr_assert_eq(catalog_code_add(l, "127.0.0.20 Known good", CODE_NEUTRAL, err, sizeof(err)), 0);
	verdict_from_answer(l, DNS_OK, &listed, 1, &v);
	cr_assert_eq(v.status, STATUS_LISTED);
	verdict_from_answer(l, DNS_OK, &refused, 1, &v);
	cr_assert_eq(v.status, STATUS_UNKNOWN);
	verdict_from_answer(l, DNS_OK, &ok, 1, &v);
	cr_assert_eq(v.status, STATUS_CLEAN);
	cr_assert_eq(catalog_code_add(l, "127.0.0 Missing octet", CODE_LISTED, err, sizeof(err)), -1);
	cr_assert_eq(catalog_code_add(l, "127.0.0.300 Too big", CODE_LISTED, err, sizeof(err)), -1);
	cr_assert_eq(catalog_code_add(l, "127.0.0.9-2 Backwards", CODE_LISTED, err, sizeof(err)), -1);
	cr_assert_eq(catalog_code_add(l, "127.0.0.2", CODE_LISTED, err, sizeof(err)), -1);
	cr_assert(strstr(err, "meaning"), "%s", err);
}

Test(verdict, catalog_has_every_reference_list_and_no_dead_one)
{
	const char *need[] = {"zen.spamhaus.org", "dbl.spamhaus.org", "zrd.spamhaus.org",
			      "zen.dq.spamhaus.net", "dbl.dq.spamhaus.net", "zrd.dq.spamhaus.net",
			      "dnsbl-1.uceprotect.net", "dnsbl-2.uceprotect.net",
			      "dnsbl-3.uceprotect.net", "b.barracudacentral.org", "bl.spamcop.net",
			      "bl.mailspike.net", "rep.mailspike.net", "all.spamrats.com",
			      "psbl.surriel.com", "dnsbl.dronebl.org", "ix.dnsbl.manitu.net",
			      "all.s5h.net", "combined.mail.abusix.zone", "list.dnswl.org",
			      "multi.uribl.com"};
	const char *dead[] = {"sorbs", "ahbl", "dul.ru", "dsbl", "spamcannibal", "burnt-tech"};

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		cr_assert_not_null(catalog_find(cat, need[i]), "missing %s", need[i]);
	for (size_t i = 0; i < cat->n; i++)
		for (size_t k = 0; k < sizeof(dead) / sizeof(dead[0]); k++)
			cr_assert_null(strstr(cat->lists[i].zone_tmpl, dead[k]), "dead list %s",
				       cat->lists[i].zone_tmpl);
	/* keyed lists stay off until a key is given */
	cr_assert_null(catalog_find(cat, "abusix")->zone);
	cr_assert_eq(catalog_find(cat, "abusix")->enabled, false);
	cr_assert_eq(catalog_find(cat, "uceprotect-3")->scope, SCOPE_ASN);
	cr_assert_eq(catalog_find(cat, "uceprotect-2")->scope, SCOPE_NETWORK);
}

Test(verdict, removal_url_substitutes_the_target)
{
	char url[256];

	cr_assert_eq(catalog_removal_url(catalog_find(cat, "uceprotect-1"), "192.0.2.20", url,
					 sizeof(url)), 0);
	cr_assert_str_eq(url, "https://www.uceprotect.net/en/rblcheck.php?ipr=192.0.2.20");
	cr_assert_eq(catalog_removal_url(catalog_find(cat, "zen.spamhaus.org"), "192.0.2.20", url,
					 sizeof(url)), 0);
	cr_assert_str_eq(url, "https://check.spamhaus.org/results/?query=192.0.2.20");
}

Test(verdict, failures_have_a_bounded_label_answers_none)
{
	cr_assert_null(verdict_error_class(REASON_LISTED));
	cr_assert_null(verdict_error_class(REASON_NXDOMAIN));
	cr_assert_null(verdict_error_class(REASON_NOT_RUN), "no check, no error");
	cr_assert_str_eq(verdict_error_class(REASON_TIMEOUT), "timeout");
	cr_assert_str_eq(verdict_error_class(REASON_ERROR_CODE), "error_code");
	cr_assert_str_eq(verdict_error_class(REASON_LOOPBACK), "bad_answer");
	cr_assert_str_eq(verdict_error_class(REASON_LIST_DEAD), "list_dead");
	cr_assert_str_eq(verdict_error_class(REASON_BADNAME), "other");
	for (int r = 0; r <= REASON_TCP_CLOSED; r++) {
		const char *c = verdict_error_class((verdict_reason_t)r);
		for (const char *p = c; p && *p; p++)
			cr_assert((*p >= 'a' && *p <= 'z') || *p == '_', "%s", c);
	}
}
