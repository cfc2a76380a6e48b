/* test_problem.c -- listings folded into problems: entities, ignore rules, order, ranges.
 * The 20-address scenario of issue 14: a /24 listed on UCEPROTECT L2 is one problem, SBL+XBL first. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/catalog.h"
#include "checks/problem.h"
#include "checks/target.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static catalog_t *cat;

static void setup(void) { cat = catalog_new_builtin(); }
static void teardown(void) { catalog_free(cat); }

TestSuite(problem, .init = setup, .fini = teardown);

static target_t ip(const char *s)
{
	target_t t;

	cr_assert_eq(target_parse_ip(s, &t), 0, "%s", s);
	return t;
}

/* A listing of list (by id) with one code and an optional TXT record. */
static result_t listing(const char *id, uint32_t code, const char *txt)
{
	result_t r;
	catalog_list_t *l = catalog_find(cat, id);

	cr_assert_not_null(l, "%s", id);
	memset(&r, 0, sizeof(r));
	r.list = l;
	r.zone = l->zone;
	r.name = l->name;
	r.scope = l->scope;
	r.kind = l->kind;
	r.status = STATUS_LISTED;
	r.ncodes = 1;
	r.codes[0] = code;
	if (txt) {
		r.txt = txt;
		r.ntxt = 1;
	}
	return r;
}

Test(problem, the_entity_follows_the_scope)
{
	char e[PROBLEM_ENTITY_MAX];
	target_t t = ip("203.0.113.77"), t6 = ip("2001:db8:1:2::5");
	result_t r = listing("uceprotect-2", IP(127, 0, 0, 2), NULL);

	problem_entity(&r, &t, 0, e);
	cr_assert_str_eq(e, "203.0.113.0/24", "no network named: the /24");
	problem_entity(&r, &t6, 0, e);
	cr_assert_str_eq(e, "2001:db8:1:2::/64", "IPv6: the /64");
	r = listing("uceprotect-2", IP(127, 0, 0, 2),
		    "Net 203.0.112.0/23 is UCEPROTECT-Level2 listed because 5 abusers are in it.");
	problem_entity(&r, &t, 0, e);
	cr_assert_str_eq(e, "203.0.112.0/23", "the network the TXT names");
	r = listing("uceprotect-2", IP(127, 0, 0, 2), "Net 198.51.100.0/24 is listed");
	problem_entity(&r, &t, 0, e);
	cr_assert_str_eq(e, "203.0.113.0/24", "a TXT naming another network is not believed");
	r = listing("uceprotect-3", IP(127, 0, 0, 2), "Your ISP AS14061 is UCEPROTECT-Level3 listed");
	problem_entity(&r, &t, 64500, e);
	cr_assert_str_eq(e, "AS14061", "the AS the TXT names");
	r = listing("uceprotect-3", IP(127, 0, 0, 2), "BASIS64500 is no AS");
	problem_entity(&r, &t, 64500, e);
	cr_assert_str_eq(e, "AS64500", "else the origin AS");
	problem_entity(&r, &t, 0, e);
	cr_assert_str_eq(e, "AS?");
	r = listing("spamhaus-zen", IP(127, 0, 0, 2), NULL);
	problem_entity(&r, &t, 64500, e);
	cr_assert_str_eq(e, "203.0.113.77");
}

/* The 20 addresses: 16 of 203.0.113.0/24 on L2, one of them also on ZEN (SBL+XBL). */
Test(problem, twenty_addresses_give_two_problems_worst_first)
{
	problem_set_t *ps = problem_set_new();
	problem_t *const *v;
	size_t n;
	result_t l2 = listing("uceprotect-2", IP(127, 0, 0, 2), NULL);
	result_t zen = listing("spamhaus-zen", IP(127, 0, 0, 2), NULL);
	char buf[400];

	zen.ncodes = 2;
	zen.codes[1] = IP(127, 0, 0, 4);
	/* config order: the /24's addresses before the one ZEN lists, numbers as strings */
	for (int i = 16; i >= 1; i--) {
		char a[32];
		target_t t;
		snprintf(a, sizeof(a), "203.0.113.%d", i);
		t = ip(a);
		cr_assert_eq(problem_set_add(ps, &l2, &t, 64500, NULL, 0), 1);
	}
	{
		target_t t = ip("203.0.113.9");
		cr_assert_eq(problem_set_add(ps, &zen, &t, 64500, NULL, 0), 1);
	}
	/* a clean result and an allow list are no problems */
	{
		target_t t = ip("198.51.100.1");
		result_t clean = zen;
		result_t allow = listing("dnswl", IP(127, 0, 5, 2), NULL);
		clean.status = STATUS_CLEAN;
		cr_assert_eq(problem_set_add(ps, &clean, &t, 0, NULL, 0), 0);
		cr_assert_eq(problem_set_add(ps, &allow, &t, 0, NULL, 0), 0);
	}
	v = problem_set_sorted(ps, &n);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(v[0]->entity, "203.0.113.9", "the address's own listing comes first");
	cr_assert_eq(v[0]->ncodes, 2);
	cr_assert_eq(v[0]->affected, 1);
	cr_assert_str_eq(v[1]->entity, "203.0.113.0/24");
	cr_assert_eq(v[1]->affected, 16);
	cr_assert_eq(v[1]->nfirst, PROBLEM_FIRST_MAX);
	cr_assert_str_eq(v[1]->first[0].name, "203.0.113.1", "numeric order, not string order");
	cr_assert_str_eq(v[1]->first[1].name, "203.0.113.2");
	problem_headline(v[1], buf, sizeof(buf));
	cr_assert_str_eq(buf, "UCEPROTECT Level 2 lists 203.0.113.0/24: affects 16 of your addresses");
	problem_affected(v[1], buf, sizeof(buf));
	cr_assert_str_eq(buf, "203.0.113.1-203.0.113.16", "all 16, as one range, not the first 8");
	problem_affected(v[0], buf, sizeof(buf));
	cr_assert_str_eq(buf, "203.0.113.9");
	cr_assert_eq(problem_removal_url(v[1], buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "https://www.uceprotect.net/en/rblcheck.php?ipr=203.0.113.1");
	cr_assert_eq(problem_removal_url(v[0], buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "https://check.spamhaus.org/results/?query=203.0.113.9");
	problem_set_free(ps);
}

Test(problem, order_is_scope_then_severity_then_size_then_newest)
{
	problem_t a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.scope = SCOPE_NETWORK;
	a.severity = SEVERITY_HIGH;
	a.affected = 200;
	b.scope = SCOPE_IP;
	b.severity = SEVERITY_LOW;
	b.affected = 1;
	cr_assert_gt(problem_cmp(&a, &b), 0, "an own listing before a network's, whatever its size");
	a.scope = SCOPE_IP;
	cr_assert_lt(problem_cmp(&a, &b), 0, "then severity");
	b.severity = SEVERITY_HIGH;
	cr_assert_lt(problem_cmp(&a, &b), 0, "then more addresses");
	b.affected = 200;
	a.since = 100;
	b.since = 200;
	cr_assert_gt(problem_cmp(&a, &b), 0, "then the newer");
	b.ignored = &(problem_rule_t){.text = "x"};
	cr_assert_lt(problem_cmp(&a, &b), 0, "ignored ones last");
}

Test(problem, ignore_rules_need_every_code_and_the_target)
{
	problem_rule_t r;
	char err[300];
	target_t in = ip("198.51.100.7"), out = ip("192.0.2.7");
	result_t pbl = listing("spamhaus-zen", IP(127, 0, 0, 10), NULL);
	result_t mixed = pbl;

	cr_assert_eq(problem_rule_parse("zen.spamhaus.org 127.0.0.10-11 198.51.100.0/24", &r, err,
					sizeof(err)), 0, "%s", err);
	cr_assert(r.has_code && r.has_net);
	cr_assert_eq(problem_rule_match(&r, 1, &pbl, &in), &r);
	cr_assert_null(problem_rule_match(&r, 1, &pbl, &out), "outside the network");
	mixed.ncodes = 2;
	mixed.codes[1] = IP(127, 0, 0, 2);
	cr_assert_null(problem_rule_match(&r, 1, &mixed, &in), "SBL beside PBL is not ignored");
	cr_assert_eq(problem_rule_parse("spamhaus-zen", &r, err, sizeof(err)), 0);
	cr_assert_eq(problem_rule_match(&r, 1, &mixed, &out), &r, "by id, every code, anywhere");
	cr_assert_eq(problem_rule_parse("dbl.spamhaus.org example.com", &r, err, sizeof(err)), 0);
	cr_assert_str_eq(r.domain, "example.com");
	cr_assert_neq(problem_rule_parse("zen.spamhaus.org 127.0.0.300", &r, err, sizeof(err)), 0);
	cr_assert(strstr(err, "127.0.0.300"), "%s", err);
	cr_assert_neq(problem_rule_parse("zen.spamhaus.org a b c", &r, err, sizeof(err)), 0);
	cr_assert_neq(problem_rule_parse("", &r, err, sizeof(err)), 0);
}

Test(problem, an_ignored_problem_is_kept_folded_with_its_rule)
{
	problem_set_t *ps = problem_set_new();
	problem_rule_t r;
	char err[300];
	problem_t *const *v;
	size_t n;
	result_t pbl = listing("spamhaus-zen", IP(127, 0, 0, 10), NULL);
	result_t sbl = listing("spamcop", IP(127, 0, 0, 2), NULL);
	target_t a = ip("198.51.100.7");

	cr_assert_eq(problem_rule_parse("zen.spamhaus.org 127.0.0.10-11", &r, err, sizeof(err)), 0);
	problem_set_add(ps, &pbl, &a, 0, &r, 1);
	problem_set_add(ps, &sbl, &a, 0, &r, 1);
	v = problem_set_sorted(ps, &n);
	cr_assert_eq(n, 2);
	cr_assert_null(v[0]->ignored);
	cr_assert_eq(v[1]->ignored, &r);
	{
		cJSON *j = problem_json(v[1]);
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(j, "ignored_by")), r.text);
		cJSON_Delete(j);
	}
	problem_set_free(ps);
}

Test(problem, addresses_are_written_as_ranges_in_numeric_order)
{
	const char *in[] = {"192.0.2.10", "192.0.2.9", "192.0.2.1", "192.0.2.2", "192.0.2.3",
			    "192.0.2.200", "192.0.2.11", "2001:db8::1", "2001:db8::2"};
	target_t t[9];
	char buf[200];

	for (int i = 0; i < 9; i++)
		t[i] = ip(in[i]);
	qsort(t, 9, sizeof(t[0]), (int (*)(const void *, const void *))target_cmp);
	cr_assert_eq(target_ranges(t, 9, buf, sizeof(buf)), 9);
	cr_assert_str_eq(buf, "192.0.2.1-192.0.2.3, 192.0.2.9-192.0.2.11, 192.0.2.200, "
			      "2001:db8::1-2001:db8::2");
	cr_assert_eq(target_ranges(t, 9, buf, 40), 3, "a short buffer ends in ...: %s", buf);
	cr_assert_str_eq(buf, "192.0.2.1-192.0.2.3, ...");
	cr_assert(strstr(buf, "..."), "%s", buf);
}
