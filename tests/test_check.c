/* test_check.c -- `blmon check` end to end against a real rbldnsd on loopback.
 * Every outcome of the verdict rules, list health, exit codes, and the JSON schema. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/harness.h"

static char *dir;
static harness_server_t dns;
static char resolver[64];

/* zen.spamhaus.org is served locally so the built-in catalog's codes apply. */
static const char zen_a[] =
	":127.0.0.2:Listed: see https://check.spamhaus.org/query/ip/$\n"
	"127.0.0.2\n"
	"192.0.2.10 :127.0.0.2:SBL listing for $\n"
	"192.0.2.11 :127.0.0.4:XBL: exploited host\n"
	"192.0.2.12 :127.255.255.254:Public resolver refused\n"
	"192.0.2.13 :127.0.0.1:loopback answer\n"
	"192.0.2.14 :176.107.178.7:hijacked zone\n"
	"192.0.2.30 :127.0.0.2:Evil \033[31mred\033[0m <script>alert(1)</script> \"><img src=x onerror=alert(2)>\n"
	"203.0.113.10 :127.0.0.2:SBL listing for $\n";
/* a second dataset of the same zone: 192.0.2.10 and 203.0.113.10 get two A records */
static const char zen_b[] = "192.0.2.10 :127.0.0.4:XBL too\n203.0.113.10 :127.0.0.4:XBL too\n";
/* a list of scope network (UCEPROTECT Level 2 style) that lists a whole /24 */
static const char l2[] = ":127.0.0.2:Net 203.0.113.0/24 is listed because abusers were seen in it\n"
			 "127.0.0.2\n203.0.113.0/24\n";
static const char wild[] = ":127.0.0.2:everything is listed\n0.0.0.0/0\n";
static const char dead[] = ":127.0.0.2:x\n192.0.2.10\n";
static const char nix6[] = ":127.0.0.2:NiX v6 listing\n::ffff:7f00:2\n2001:db8::10\n";
static const char nix4[] = ":127.0.0.2:NiX v4\n127.0.0.2\n";
/* s5h lists 2001:db8::11 but also the never-listed IPv6 test point. rbldnsd
 * answers v4-mapped names from ip4 data, so the bad answer is planted with a
 * generic dataset; IPv4 stays healthy. */
static const char s5h4[] = ":127.0.0.2:s5h\n127.0.0.2\n";
static const char s5h6[] = ":127.0.0.2:s5h v6\n2001:db8::11\n";
static const char s5hg[] = "1.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 A 127.0.0.2\n";
static const char dbl[] = ":127.0.1.2:spam domain\ndbltest.com\nbad.example\n";
static const char gen[] = "mail A 192.0.2.10\nclean A 192.0.2.99\n";

static void setup(void)
{
	static const char *const zones[] = {
		"zen.spamhaus.org:ip4set:zen_a",      "zen.spamhaus.org:ip4set:zen_b",
		"wild.test:ip4trie:wild",             "dead.test:ip4set:dead",
		"ix.dnsbl.manitu.net:ip6trie:nix6",   "ix.dnsbl.manitu.net:ip4set:nix4",
		"dbl.spamhaus.org:dnset:dbl",         "example.test:generic:gen",
		"all.s5h.net:ip4set:s5h4",            "all.s5h.net:ip6trie:s5h6",
		"all.s5h.net:generic:s5hg",           "l2.test:ip4set:l2",
		NULL};

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write(dir, "zen_a", zen_a), 0);
	cr_assert_eq(harness_write(dir, "zen_b", zen_b), 0);
	cr_assert_eq(harness_write(dir, "wild", wild), 0);
	cr_assert_eq(harness_write(dir, "dead", dead), 0);
	cr_assert_eq(harness_write(dir, "nix6", nix6), 0);
	cr_assert_eq(harness_write(dir, "nix4", nix4), 0);
	cr_assert_eq(harness_write(dir, "dbl", dbl), 0);
	cr_assert_eq(harness_write(dir, "s5h4", s5h4), 0);
	cr_assert_eq(harness_write(dir, "s5h6", s5h6), 0);
	cr_assert_eq(harness_write(dir, "s5hg", s5hg), 0);
	cr_assert_eq(harness_write(dir, "gen", gen), 0);
	cr_assert_eq(harness_write(dir, "l2", l2), 0);
	cr_assert_eq(harness_rbldnsd_start(&dns, dir, zones), 0, "rbldnsd did not start");
	snprintf(resolver, sizeof(resolver), "127.0.0.1:%d", dns.port);
}

static void teardown(void)
{
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(check, .init = setup, .fini = teardown, .timeout = 60);

/* Runs blmon check --json with extra args; parses and schema-checks the output. */
static cJSON *check_json(harness_run_t *r, const char *const *extra)
{
	const char *args[48] = {"check", "--json", "--resolver", resolver, "--timeout", "500ms",
				"--retries", "1"};
	int n = 8;
	cJSON *doc;

	for (int i = 0; extra[i]; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	cr_assert_eq(harness_run(r, 30, args), 0);
	doc = cJSON_Parse(r->out);
	cr_assert_not_null(doc, "not JSON (exit %d): %s\nstderr: %s", r->status, r->out, r->err);
	cr_assert_eq(harness_schema_valid("check.schema.json", r->out), 0,
		     "output does not match schemas/check.schema.json: %s", r->out);
	return doc;
}

static cJSON *result(cJSON *doc, const char *target, const char *zone)
{
	cJSON *t = harness_target(doc, target), *res;

	cr_assert_not_null(t, "no target %s", target);
	res = harness_result(t, zone);
	cr_assert_not_null(res, "no result for %s on %s", target, zone);
	return res;
}

static const char *item(cJSON *res, const char *array, int i)
{
	cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItem(res, array), i);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

Test(check, listed_with_several_a_records_and_txt)
{
	harness_run_t r;
	const char *extra[] = {"--list", "zen.spamhaus.org", "192.0.2.10", NULL};
	cJSON *doc = check_json(&r, extra), *res = result(doc, "192.0.2.10", "zen.spamhaus.org");

	cr_assert_eq(r.status, 1, "exit %d, want 1 (listed)", r.status);
	cr_assert_str_eq(harness_str(harness_target(doc, "192.0.2.10"), "status"), "listed");
	cr_assert_str_eq(harness_str(harness_target(doc, "192.0.2.10"), "type"), "ipv4");
	cr_assert_str_eq(harness_str(res, "status"), "listed");
	cr_assert_str_eq(harness_str(res, "scope"), "ip");
	cr_assert_str_eq(harness_str(res, "kind"), "block");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(res, "codes")), 2,
		     "both A records count");
	cr_assert(!strcmp(item(res, "codes", 0), "127.0.0.2") || !strcmp(item(res, "codes", 1), "127.0.0.2"));
	cr_assert(!strcmp(item(res, "codes", 0), "127.0.0.4") || !strcmp(item(res, "codes", 1), "127.0.0.4"));
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(res, "meanings")), 2);
	cr_assert(strstr(r.out, "SBL: Spamhaus SBL data"));
	cr_assert(strstr(r.out, "XBL: exploited host"));
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(res, "txt")), 2);
	cr_assert(strstr(r.out, "SBL listing for 192.0.2.10"), "TXT with $ substituted: %s", r.out);
	cr_assert_str_eq(harness_str(res, "removal_url"),
			 "https://check.spamhaus.org/results/?query=192.0.2.10");
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(res, "reason")));
	cr_assert_str_eq(harness_str(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "lists"), 0), "health"), "ok");
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(check, refusal_code_loopback_and_hijack_are_unknown)
{
	harness_run_t r;
	const char *extra[] = {"--list", "zen.spamhaus.org", "192.0.2.12", "192.0.2.13", "192.0.2.14", NULL};
	cJSON *doc = check_json(&r, extra), *res;

	cr_assert_eq(r.status, 3, "exit %d, want 3 (unknown, nothing listed)", r.status);
	res = result(doc, "192.0.2.12", "zen.spamhaus.org");
	cr_assert_str_eq(harness_str(res, "status"), "unknown");
	cr_assert_str_eq(item(res, "codes", 0), "127.255.255.254");
	cr_assert(strstr(harness_str(res, "reason"), "resolver refused by Spamhaus"), "%s",
		  harness_str(res, "reason"));
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(res, "removal_url")));
	res = result(doc, "192.0.2.13", "zen.spamhaus.org");
	cr_assert_str_eq(harness_str(res, "status"), "unknown");
	cr_assert(strstr(harness_str(res, "reason"), "127.0.0.1 is never a listing"));
	res = result(doc, "192.0.2.14", "zen.spamhaus.org");
	cr_assert_str_eq(harness_str(res, "status"), "unknown");
	cr_assert(strstr(harness_str(res, "reason"), "176.107.178.7 is outside 127.0.0.0/8"));
	cr_assert_str_eq(harness_str(harness_target(doc, "192.0.2.14"), "status"), "unknown");
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(check, all_clean_exits_zero)
{
	harness_run_t r;
	const char *extra[] = {"--list", "zen.spamhaus.org", "--list", "dbl.spamhaus.org",
			       "192.0.2.99", "good.example", NULL};
	cJSON *doc = check_json(&r, extra), *res;

	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	res = result(doc, "192.0.2.99", "zen.spamhaus.org");
	cr_assert_str_eq(harness_str(res, "status"), "clean");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(res, "codes")), 0);
	/* each list only answers for what it can check */
	cr_assert_null(harness_result(harness_target(doc, "192.0.2.99"), "dbl.spamhaus.org"));
	cr_assert_null(harness_result(harness_target(doc, "good.example"), "zen.spamhaus.org"));
	cr_assert_str_eq(harness_str(result(doc, "good.example", "dbl.spamhaus.org"), "status"), "clean");
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "summary"), "clean")->valueint, 2);
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(check, wildcard_and_dead_lists_are_sidelined)
{
	harness_run_t r;
	const char *extra[] = {"--list", "wild.test", "--list", "dead.test", "--list",
			       "zen.spamhaus.org", "192.0.2.10", "192.0.2.99", NULL};
	cJSON *doc = check_json(&r, extra), *l, *res;
	const char *health[2] = {NULL, NULL};

	cJSON_ArrayForEach(l, cJSON_GetObjectItem(doc, "lists"))
	{
		if (!strcmp(harness_str(l, "zone"), "wild.test"))
			health[0] = harness_str(l, "health");
		if (!strcmp(harness_str(l, "zone"), "dead.test"))
			health[1] = harness_str(l, "health");
	}
	cr_assert_str_eq(health[0], "wildcard");
	cr_assert_str_eq(health[1], "dead");
	/* the wildcard list "lists" 192.0.2.99 but that must not count */
	res = result(doc, "192.0.2.99", "wild.test");
	cr_assert_str_eq(harness_str(res, "status"), "unknown");
	cr_assert(strstr(harness_str(res, "reason"), "wildcard"), "%s", harness_str(res, "reason"));
	/* the dead list does list 192.0.2.10, but it failed its test point */
	res = result(doc, "192.0.2.10", "dead.test");
	cr_assert_str_eq(harness_str(res, "status"), "unknown");
	cr_assert(strstr(harness_str(res, "reason"), "127.0.0.2 is not listed"), "%s",
		  harness_str(res, "reason"));
	cr_assert_str_eq(harness_str(harness_target(doc, "192.0.2.99"), "status"), "unknown");
	cr_assert_eq(r.status, 1); /* 192.0.2.10 is listed on the healthy zen */
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(check, zone_the_server_refuses)
{
	harness_run_t r;
	const char *extra[] = {"--list", "bl.spamcop.net", "192.0.2.10", NULL};
	cJSON *doc = check_json(&r, extra), *res;

	cr_assert_eq(r.status, 3);
	cr_assert_str_eq(harness_str(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "lists"), 0), "health"), "refused");
	res = result(doc, "192.0.2.10", "bl.spamcop.net");
	cr_assert_str_eq(harness_str(res, "status"), "unknown");
	cr_assert(strstr(harness_str(res, "reason"), "REFUSED"), "%s", harness_str(res, "reason"));
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(check, ipv6_listings_and_test_points)
{
	harness_run_t r;
	const char *extra[] = {"--list", "ix.dnsbl.manitu.net", "--list", "all.s5h.net",
			       "2001:db8::10", "2001:db8::11", "192.0.2.99", NULL};
	cJSON *doc = check_json(&r, extra), *res, *l;

	cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.out);
	res = result(doc, "2001:db8::10", "ix.dnsbl.manitu.net");
	cr_assert_str_eq(harness_str(res, "status"), "listed");
	cr_assert_str_eq(harness_str(harness_target(doc, "2001:db8::10"), "type"), "ipv6");
	cr_assert_str_eq(harness_str(result(doc, "2001:db8::11", "ix.dnsbl.manitu.net"), "status"), "clean");
	/* s5h fails its IPv6 test point: its IPv6 listing is not trusted */
	res = result(doc, "2001:db8::11", "all.s5h.net");
	cr_assert_str_eq(harness_str(res, "status"), "unknown");
	cr_assert(strstr(harness_str(res, "reason"), "IPv6"), "%s", harness_str(res, "reason"));
	cr_assert(strstr(harness_str(res, "reason"), "::ffff:7f00:1"), "%s", harness_str(res, "reason"));
	l = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "lists"), 1);
	cr_assert_str_eq(harness_str(l, "health"), "wildcard");
	cr_assert(strstr(harness_str(l, "detail"), "IPv6 only"), "%s", harness_str(l, "detail"));
	/* its IPv4 side passed its test points and is still trusted */
	cr_assert_str_eq(harness_str(result(doc, "192.0.2.99", "all.s5h.net"), "status"), "clean");
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(check, domain_lists_and_hosts)
{
	harness_run_t r;
	const char *extra[] = {"--list", "dbl.spamhaus.org", "--list", "zen.spamhaus.org",
			       "bad.example", "host:mail.example.test", NULL};
	cJSON *doc = check_json(&r, extra), *t;

	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(harness_str(result(doc, "bad.example", "dbl.spamhaus.org"), "status"), "listed");
	cr_assert_str_eq(item(result(doc, "bad.example", "dbl.spamhaus.org"), "meanings", 0), "DBL: spam domain");
	t = harness_target(doc, "192.0.2.10");
	cr_assert_not_null(t, "host's address checked");
	cr_assert_str_eq(harness_str(t, "discovered_from"), "mail.example.test");
	cr_assert_str_eq(harness_str(t, "status"), "listed");
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(check, unresolvable_host_is_unknown)
{
	harness_run_t r;
	const char *extra[] = {"--list", "zen.spamhaus.org", "host:nope.example.test", NULL};
	cJSON *doc = check_json(&r, extra), *t;

	cr_assert_eq(r.status, 3);
	t = harness_target(doc, "nope.example.test");
	cr_assert_not_null(t);
	cr_assert_str_eq(harness_str(t, "status"), "unknown");
	cr_assert(strstr(harness_str(t, "reason"), "could not be resolved"), "%s", harness_str(t, "reason"));
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(check, resolver_with_nothing_listening)
{
	harness_run_t r;
	char res[64];
	const char *args[] = {"check", "--json", "--resolver", res, "--timeout", "300ms",
			      "--retries", "0", "--list", "zen.spamhaus.org", "192.0.2.10", NULL};
	cJSON *doc, *l;

	snprintf(res, sizeof(res), "127.0.0.1:%d", harness_closed_port());
	cr_assert_eq(harness_run(&r, 30, args), 0);
	cr_assert_eq(r.status, 3, "exit %d: %s %s", r.status, r.out, r.err);
	doc = cJSON_Parse(r.out);
	cr_assert_not_null(doc);
	l = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "lists"), 0);
	cr_assert_str_eq(harness_str(l, "health"), "unreachable");
	cr_assert_str_eq(harness_str(harness_target(doc, "192.0.2.10"), "status"), "unknown");
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(check, server_that_never_answers_times_out_as_unknown)
{
	harness_run_t r;
	char res[64];
	int port, fd = harness_silent_udp(&port);
	const char *args[] = {"check", "--json", "--resolver", res, "--timeout", "200ms",
			      "--retries", "1", "--list", "zen.spamhaus.org", "192.0.2.10", "192.0.2.99", NULL};
	cJSON *doc, *l;

	cr_assert_geq(fd, 0);
	snprintf(res, sizeof(res), "127.0.0.1:%d", port);
	cr_assert_eq(harness_run(&r, 30, args), 0);
	close(fd);
	cr_assert_eq(r.status, 3, "a dead resolver must never give exit 0: exit %d", r.status);
	doc = cJSON_Parse(r.out);
	cr_assert_not_null(doc);
	l = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "lists"), 0);
	cr_assert_str_eq(harness_str(l, "health"), "unreachable");
	cr_assert(strstr(harness_str(l, "detail"), "timeout"), "%s", harness_str(l, "detail"));
	cr_assert_str_eq(harness_str(harness_target(doc, "192.0.2.99"), "status"), "unknown");
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "summary"), "clean")->valueint, 0);
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(check, network_targets_come_out_in_order)
{
	harness_run_t r;
	const char *extra[] = {"--list", "zen.spamhaus.org", "192.0.2.0/29", NULL};
	cJSON *doc = check_json(&r, extra);

	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "targets")), 8);
	cr_assert_str_eq(harness_str(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "targets"), 0), "target"), "192.0.2.0");
	cr_assert_str_eq(harness_str(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "targets"), 7), "target"), "192.0.2.7");
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(check, hostile_txt_is_escaped_on_a_terminal_and_in_json)
{
	harness_run_t r;
	const char *args[] = {"check", "--resolver", resolver, "--list", "zen.spamhaus.org",
			      "--color", "never", "192.0.2.30", NULL};
	cJSON *doc;
	const char *jargs[] = {"--list", "zen.spamhaus.org", "192.0.2.30", NULL};

	cr_assert_eq(harness_run(&r, 30, args), 0);
	cr_assert_eq(r.status, 1);
	cr_assert_null(strchr(r.out, '\033'), "raw ESC reached the terminal: %s", r.out);
	cr_assert(strstr(r.out, "Evil \\x1b[31mred\\x1b[0m"), "%s", r.out);
	harness_run_free(&r);
	doc = check_json(&r, jargs);
	cr_assert(strstr(r.out, "\\u001b[31m"), "JSON escapes control characters: %s", r.out);
	cr_assert(strstr(item(result(doc, "192.0.2.30", "zen.spamhaus.org"), "txt", 0), "<script>"));
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(check, human_output_shows_health_once_and_the_summary)
{
	harness_run_t r;
	const char *args[] = {"check", "--resolver", resolver, "--list", "dead.test", "--list",
			      "zen.spamhaus.org", "--color", "never", "192.0.2.10", "192.0.2.11",
			      "192.0.2.99", NULL};
	const char *p;
	int n = 0;

	cr_assert_eq(harness_run(&r, 30, args), 0);
	cr_assert_eq(r.status, 1);
	for (p = r.out; (p = strstr(p, "dead.test (dead.test) is dead")); p++)
		n++;
	cr_assert_eq(n, 1, "health banner shown %d times:\n%s", n, r.out);
	cr_assert(strstr(r.out, "2 listed, 1 unknown, 0 clean: 3 targets"), "%s", r.out);
	cr_assert(strstr(r.out, "removal: https://check.spamhaus.org/"));
	harness_run_free(&r);
}

Test(check, bad_input_exits_2_and_says_why)
{
	harness_run_t r;
	const char *bad_ip[] = {"check", "--resolver", resolver, "192.0.2.300", NULL};
	const char *big[] = {"check", "--resolver", resolver, "10.0.0.0/8", NULL};
	const char *bad_res[] = {"check", "--resolver", "resolver.example:53", "192.0.2.1", NULL};
	const char *no_list[] = {"check", "--resolver", resolver, "--list", "abusix", "192.0.2.1", NULL};
	const char *none[] = {"check", NULL};

	cr_assert_eq(harness_run(&r, 10, bad_ip), 0);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "'192.0.2.300' is not a valid IPv4 address"), "%s", r.err);
	harness_run_free(&r);
	cr_assert_eq(harness_run(&r, 10, big), 0);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "larger than the /16 allowed"), "%s", r.err);
	harness_run_free(&r);
	cr_assert_eq(harness_run(&r, 10, bad_res), 0);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "names are not accepted"), "%s", r.err);
	harness_run_free(&r);
	cr_assert_eq(harness_run(&r, 10, no_list), 0);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "needs a key"), "%s", r.err);
	harness_run_free(&r);
	cr_assert_eq(harness_run(&r, 10, none), 0);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "no targets"), "%s", r.err);
	harness_run_free(&r);
}

Test(check, config_targets_and_errors)
{
	harness_run_t r;
	char conf[1024], text[1024];
	const char *args[] = {"check", "-c", conf, "--json", NULL};
	const char *test_args[] = {"config-test", conf, NULL};
	cJSON *doc;

	snprintf(conf, sizeof(conf), "%s/blmon.conf", dir);
	snprintf(text, sizeof(text),
		 "[monitor]\nresolver = %s\ntimeout = 500ms\n"
		 "[targets]\nip = 192.0.2.11\nnetwork = 192.0.2.12/31\n"
		 "[lists]\nonly = zen.spamhaus.org\n", resolver);
	cr_assert_eq(harness_write(dir, "blmon.conf", text), 0);
	cr_assert_eq(harness_run(&r, 30, args), 0);
	cr_assert_eq(r.status, 1, "%s", r.err);
	doc = cJSON_Parse(r.out);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "targets")), 3);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "lists")), 1);
	cJSON_Delete(doc);
	harness_run_free(&r);
	cr_assert_eq(harness_run(&r, 10, test_args), 0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "OK"));
	harness_run_free(&r);

	cr_assert_eq(harness_write(dir, "blmon.conf", "[targets]\nip = 192.0.2.1\nnetwork = 10.0.0.0/8\n"), 0);
	cr_assert_eq(harness_run(&r, 10, test_args), 0);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "blmon.conf:3: [targets] network:"), "%s", r.err);
	harness_run_free(&r);
	cr_assert_eq(harness_write(dir, "blmon.conf", ""), 0);
	cr_assert_eq(harness_run(&r, 10, test_args), 0);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "no targets"), "%s", r.err);
	harness_run_free(&r);
}

Test(check, lists_command_prints_the_catalog)
{
	harness_run_t r;
	const char *args[] = {"lists", "--json", NULL};
	cJSON *doc;

	cr_assert_eq(harness_run(&r, 10, args), 0);
	cr_assert_eq(r.status, 0);
	doc = cJSON_Parse(r.out);
	cr_assert(cJSON_IsArray(doc));
	cr_assert_geq(cJSON_GetArraySize(doc), 21);
	cr_assert(strstr(r.out, "\"zone\":\t\"dnsbl-3.uceprotect.net\"") || strstr(r.out, "dnsbl-3.uceprotect.net"));
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(check, per_list_rate_is_never_exceeded)
{
	harness_run_t r;
	char conf[1024];
	struct timespec t0, t1;
	double secs;
	const char *args[] = {"check", "-c", conf, "--resolver", resolver, "--list", "zen.spamhaus.org",
			      "--json", "198.51.100.0/26", NULL};

	snprintf(conf, sizeof(conf), "%s/rate.conf", dir);
	cr_assert_eq(harness_write(dir, "rate.conf", "[list zen.spamhaus.org]\nrate = 50/s\n"), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(harness_run(&r, 30, args), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(r.status, 0, "%s", r.err);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* with a burst allowance of 1, query k may start at (k - 2) / 50 s: the 64th
	 * not before 62/50 s. A lower bound holds however loaded the machine is. */
	cr_assert_geq(secs, 1.24, "64 queries at 50/s took only %.2f s", secs);
	harness_run_free(&r);
}

/* ---- issue 14: problems, not rows ---- */

/* The network-scope list of the 20-address scenario, and optional [ignore] rules. */
static void twenty_config(char *conf, size_t len, const char *name, const char *ignore)
{
	char text[1024];

	snprintf(conf, len, "%s/%s", dir, name);
	snprintf(text, sizeof(text),
		 "[list l2.test]\nname = UCEPROTECT-like L2\nscope = network\nseverity = low\n"
		 "code = 127.0.0.2 network listed: abusers in it\n%s%s",
		 ignore ? "[ignore]\n" : "", ignore ? ignore : "");
	cr_assert_eq(harness_write(dir, name, text), 0);
}

/* Runs blmon check over the 20 addresses: 16 of 203.0.113.0/24 (listed as a
 * network by l2.test; .10 also on ZEN as SBL+XBL), given in string order, and
 * 4 clean ones. mode: NULL (people), "--json" or "--problems". */
static void run_twenty(harness_run_t *r, const char *conf, const char *mode)
{
	const char *args[48] = {"check", "-c", conf, "--resolver", resolver, "--timeout", "500ms",
				"--list", "zen.spamhaus.org", "--list", "l2.test", "--color", "never"};
	int n = 13;
	char addr[16][32];

	if (mode)
		args[n++] = mode;
	args[n++] = "198.51.100.20";
	args[n++] = "192.0.2.99";
	for (int i = 0; i < 16; i++) { /* 1, 10, 11, ..., 16, 2, 3, ..., 9 */
		int k = i == 0 ? 1 : i <= 7 ? 9 + i : i - 6;
		snprintf(addr[i], sizeof(addr[i]), "203.0.113.%d", k);
		args[n++] = addr[i];
	}
	args[n++] = "198.51.100.7";
	args[n++] = "192.0.2.98";
	args[n] = NULL;
	cr_assert_eq(harness_run(r, 30, args), 0);
}

/* Where needle first occurs in text; fails the test when it does not. */
static const char *at(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);

	cr_assert_not_null(p, "no \"%s\" in:\n%s", needle, text);
	return p;
}

Test(check, twenty_addresses_read_as_two_problems_worst_first)
{
	harness_run_t r;
	char conf[1024];

	twenty_config(conf, sizeof(conf), "twenty.conf", NULL);
	run_twenty(&r, conf, NULL);
	cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.err);
	/* the address's own listing before its network's */
	cr_assert_lt(at(r.out, "Problems: 2, worst first"), at(r.out, "1. Spamhaus ZEN lists 203.0.113.10\n"));
	cr_assert_lt(at(r.out, "1. Spamhaus ZEN lists 203.0.113.10\n"),
		     at(r.out, "2. UCEPROTECT-like L2 lists 203.0.113.0/24: affects 16 of your addresses\n"));
	/* the /24 once, not once per address */
	cr_assert_eq(harness_count(r.out, "203.0.113.0/24: affects"), 1, "%s", r.out);
	cr_assert_eq(harness_count(r.out, "abusers were seen in it"), 1, "TXT once: %s", r.out);
	cr_assert_eq(harness_count(r.out, "network listed: abusers in it"), 1, "%s", r.out);
	at(r.out, "   addresses: 203.0.113.1-203.0.113.16\n");
	/* the SBL+XBL listing: both codes with their meanings, the TXT, what to do, the link */
	at(r.out, "   127.0.0.2       SBL: ");
	at(r.out, "   127.0.0.4       XBL: ");
	at(r.out, "   TXT: SBL listing for 203.0.113.10\n");
	at(r.out, "   what to do: Find what made 203.0.113.10 send spam");
	at(r.out, "   removal: https://check.spamhaus.org/results/?query=203.0.113.10\n");
	/* targets in numeric order, each once */
	cr_assert_lt(at(r.out, "Targets: 20, in numeric order"), at(r.out, "\n  192.0.2.98 "));
	cr_assert_lt(at(r.out, "\n  192.0.2.98 "), at(r.out, "\n  192.0.2.99 "));
	cr_assert_lt(at(r.out, "\n  198.51.100.7 "), at(r.out, "\n  198.51.100.20 "));
	cr_assert_lt(at(r.out, "\n  198.51.100.20 "), at(r.out, "\n  203.0.113.1 "));
	cr_assert_lt(at(r.out, "\n  203.0.113.2 "), at(r.out, "\n  203.0.113.10 "));
	cr_assert_lt(at(r.out, "\n  203.0.113.9 "), at(r.out, "\n  203.0.113.10 "));
	cr_assert_lt(at(r.out, "\n  203.0.113.10 "), at(r.out, "\n  203.0.113.16 "));
	at(r.out, "\n  203.0.113.2    listed through its network\n");
	at(r.out, "\n  203.0.113.10   LISTED: Spamhaus ZEN; also through its network\n");
	at(r.out, "\n  192.0.2.99     clean\n");
	cr_assert_eq(harness_count(r.out, "\n  203.0.113.1"), 8, "%s", r.out); /* .1, .10-.16 */
	at(r.out, "\n16 listed, 0 unknown, 4 clean: 20 targets, ");
	harness_run_free(&r);
}

Test(check, problems_document_is_worst_first_and_valid)
{
	harness_run_t r;
	char conf[1024];
	cJSON *doc, *p, *s;

	twenty_config(conf, sizeof(conf), "twenty.conf", NULL);
	run_twenty(&r, conf, "--problems");
	cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.err);
	cr_assert_eq(harness_schema_valid("check-problems.schema.json", r.out), 0,
		     "output does not match schemas/check-problems.schema.json: %s", r.out);
	doc = cJSON_Parse(r.out);
	cr_assert_not_null(doc);
	cr_assert_null(cJSON_GetObjectItem(doc, "targets"), "no per-target results");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "problems")), 2);
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "problems"), 0);
	cr_assert_str_eq(harness_str(p, "entity"), "203.0.113.10");
	cr_assert_str_eq(harness_str(p, "scope"), "ip");
	cr_assert_str_eq(harness_str(p, "severity"), "high");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(p, "codes")), 2, "SBL+XBL in one problem");
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(p, "ignored_by")));
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "problems"), 1);
	cr_assert_str_eq(harness_str(p, "entity"), "203.0.113.0/24", "the network the TXT names");
	cr_assert_str_eq(harness_str(p, "scope"), "network");
	cr_assert_eq(cJSON_GetObjectItem(p, "affected")->valueint, 16);
	cr_assert_str_eq(harness_str(p, "headline"),
			 "UCEPROTECT-like L2 lists 203.0.113.0/24: affects 16 of your addresses");
	cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "targets"), 1)->valuestring,
			 "203.0.113.2", "numeric order");
	s = cJSON_GetObjectItem(doc, "summary");
	cr_assert_eq(cJSON_GetObjectItem(s, "targets")->valueint, 20);
	cr_assert_eq(cJSON_GetObjectItem(s, "listed")->valueint, 16);
	cr_assert_eq(cJSON_GetObjectItem(s, "clean")->valueint, 4);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "lists")), 2);
	cJSON_Delete(doc);
	harness_run_free(&r);

	/* one document or the other, never both */
	run_twenty(&r, conf, "--problems");
	harness_run_free(&r);
	{
		const char *both[] = {"check", "--json", "--problems", "192.0.2.1", NULL};
		cr_assert_eq(harness_run(&r, 10, both), 0);
		cr_assert_eq(r.status, 2);
		cr_assert(strstr(r.err, "choose one"), "%s", r.err);
		harness_run_free(&r);
	}
}

Test(check, ignored_listings_are_folded_and_do_not_make_exit_1)
{
	harness_run_t r;
	char conf[1024];
	cJSON *doc, *p;

	/* ZEN's listing accepted: folded; the network's listing still exits 1 */
	twenty_config(conf, sizeof(conf), "ign1.conf", "rule = zen.spamhaus.org 203.0.113.10\n");
	run_twenty(&r, conf, NULL);
	cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.out);
	at(r.out, "Problems: 1, worst first");
	cr_assert_lt(at(r.out, "1. UCEPROTECT-like L2 lists 203.0.113.0/24"),
		     at(r.out, "Ignored on purpose: 1, by [ignore] rules\n"));
	at(r.out, "  - Spamhaus ZEN lists 203.0.113.10; ignored by rule 'zen.spamhaus.org 203.0.113.10'\n");
	cr_assert_null(strstr(r.out, "SBL listing for"), "an ignored problem has no paragraph: %s", r.out);
	at(r.out, "\n  203.0.113.10   listed through its network; ignored: Spamhaus ZEN\n");
	harness_run_free(&r);

	/* every listing accepted: exit 0, with the folded lines */
	twenty_config(conf, sizeof(conf), "ign2.conf",
		      "rule = zen.spamhaus.org 203.0.113.10\nrule = l2.test 203.0.113.0/24\n");
	run_twenty(&r, conf, NULL);
	cr_assert_eq(r.status, 0, "an ignored listing alone exits 0: %d\n%s", r.status, r.out);
	cr_assert_null(strstr(r.out, "Problems:"), "%s", r.out);
	at(r.out, "Ignored on purpose: 2, by [ignore] rules\n");
	at(r.out, "  - UCEPROTECT-like L2 lists 203.0.113.0/24: affects 16 of your addresses; "
		  "ignored by rule 'l2.test 203.0.113.0/24'\n");
	at(r.out, "\n  203.0.113.2    ignored: its network's listing\n");
	at(r.out, "\n0 listed, 16 ignored, 0 unknown, 4 clean: 20 targets, ");
	harness_run_free(&r);

	/* the JSON documents say what the lists answered, and which rule accepts it */
	run_twenty(&r, conf, "--problems");
	cr_assert_eq(r.status, 0);
	cr_assert_eq(harness_schema_valid("check-problems.schema.json", r.out), 0, "%s", r.out);
	doc = cJSON_Parse(r.out);
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "problems"), 1);
	cr_assert_str_eq(harness_str(p, "ignored_by"), "l2.test 203.0.113.0/24");
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "summary"), "listed")->valueint, 16);
	cJSON_Delete(doc);
	harness_run_free(&r);
	run_twenty(&r, conf, "--json");
	cr_assert_eq(r.status, 0);
	cr_assert_eq(harness_schema_valid("check.schema.json", r.out), 0, "%s", r.out);
	doc = cJSON_Parse(r.out);
	cr_assert_str_eq(harness_str(harness_target(doc, "203.0.113.10"), "status"), "listed");
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(check, a_large_run_lists_only_what_is_wrong)
{
	harness_run_t r;
	char conf[1024];
	const char *args[] = {"check", "-c", conf, "--resolver", resolver, "--list",
			      "zen.spamhaus.org", "--list", "l2.test", "--color", "never",
			      "203.0.112.0/22", NULL};

	twenty_config(conf, sizeof(conf), "twenty.conf", NULL);
	cr_assert_eq(harness_run(&r, 30, args), 0);
	cr_assert_eq(r.status, 1, "%s", r.err);
	at(r.out, "2. UCEPROTECT-like L2 lists 203.0.113.0/24: affects 256 of your addresses\n");
	at(r.out, "   addresses: 203.0.113.0-203.0.113.255\n");
	at(r.out, "Targets: 1 of 1024, in numeric order\n");
	at(r.out, "\n  203.0.113.10  LISTED: Spamhaus ZEN; also through its network\n");
	at(r.out, "(1023 targets not shown: 768 clean; 255 listed only through their network or AS");
	cr_assert_lt(harness_count(r.out, "\n"), 40, "bounded: %s", r.out);
	at(r.out, "\n256 listed, 0 unknown, 768 clean: 1024 targets, ");
	harness_run_free(&r);
}

Test(check, unknown_results_say_why_once)
{
	harness_run_t r;
	const char *args[] = {"check", "--resolver", resolver, "--list", "zen.spamhaus.org",
			      "--color", "never", "192.0.2.12", "192.0.2.13", "192.0.2.99", NULL};

	cr_assert_eq(harness_run(&r, 30, args), 0);
	cr_assert_eq(r.status, 3, "%s", r.out);
	cr_assert_null(strstr(r.out, "Problems:"), "%s", r.out);
	at(r.out, "\n  192.0.2.12  UNKNOWN: Spamhaus ZEN (resolver refused by Spamhaus)\n");
	at(r.out, "\n  192.0.2.13  UNKNOWN: Spamhaus ZEN (answer 127.0.0.1 is never a listing (RFC 5782))\n");
	at(r.out, "Why some results are unknown\n");
	cr_assert_eq(harness_count(r.out, "(127.255.255.254)"), 1, "the full reason once: %s", r.out);
	at(r.out, "\n0 listed, 2 unknown, 1 clean: 3 targets");
	harness_run_free(&r);
}
