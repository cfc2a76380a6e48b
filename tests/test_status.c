/* test_status.c -- `blmon status` against a real daemon: what it sees, its exit status, the token
 * from the config, the alert queue of a webhook nobody answers, and a daemon that is not there. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

static char *dir;
static harness_server_t dns;
static harness_daemon_t d;
static int port;
static char conf[1100];

static const char zone_zen_a[] = ":127.0.0.2:SBL listing $\n127.0.0.2\n203.0.113.9\n";
static const char zone_zen_b[] = "203.0.113.9 :127.0.0.4:XBL listing\n";
static const char zone_l2[] = ":127.0.0.2:Net 203.0.113.0/24 is listed\n127.0.0.2\n203.0.113.0/28\n";

static void setup(void)
{
	static const char *const zones[] = {"zen.test:ip4set:zen_a", "zen.test:ip4set:zen_b",
					    "l2.test:ip4set:l2", "dead.test:ip4set:dead", NULL};

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write_zone(dir, "zen_a", zone_zen_a), 0);
	cr_assert_eq(harness_write_zone(dir, "zen_b", zone_zen_b), 0);
	cr_assert_eq(harness_write_zone(dir, "l2", zone_l2), 0);
	/* without its test point 127.0.0.2: a dead list */
	cr_assert_eq(harness_write_zone(dir, "dead", "192.0.2.200\n"), 0);
	cr_assert_eq(harness_rbldnsd_start_ttl(&dns, dir, zones, "1"), 0, "rbldnsd did not start");
	harness_daemon_init(&d, dir);
	snprintf(conf, sizeof(conf), "%s", d.conf);
}

static void teardown(void)
{
	harness_daemon_kill(&d);
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(status, .init = setup, .fini = teardown, .timeout = 60);

/* The daemon on targets, with more config after [http] (extra). */
static void start(const char *targets, const char *extra)
{
	port = harness_free_tcp_port();
	cr_assert_eq(harness_daemon_config(&d,
		"[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		"timeout = 300ms\nretries = 1\n[targets]\n%s"
		"[lists]\ndefault = no\n"
		"[list zen.test]\nname = Test ZEN\nseverity = high\ncode = 127.0.0.2 SBL: spam source\n"
		"code = 127.0.0.4 XBL: exploited host\nremoval = https://zen.test/q?ip={target}\n"
		"[list l2.test]\nname = Test L2\nscope = network\nseverity = low\n"
		"code = 127.0.0.2 Network listed\n"
		"[http]\nlisten = 127.0.0.1:%d\n%s",
		dns.port, d.db, targets, port, extra ? extra : ""), 0);
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!harness_daemon_cycles(&d, 1, 10000))
		harness_daemon_fail(&d, "no cycle");
}

static void status(harness_run_t *r, const char *const *args)
{
	const char *argv[16] = {"status"};
	int n = 1;

	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	cr_assert_eq(harness_run(r, 20, argv), 0);
}

Test(status, a_listed_daemon_with_its_worst_problems_health_and_queue)
{
	harness_run_t r;
	char extra[300], want[200];

	snprintf(extra, sizeof(extra), "token = s3cret-token\n[webhook]\n"
		 "url = http://127.0.0.1:%d/hook/t0ken\n[alerts]\nbatch = 0s\n"
		 "[list dead.test]\nname = Dead BL\n", harness_closed_port());
	start("ip = 203.0.113.9\nip = 203.0.113.3\nip = 192.0.2.1\n", extra);
	if (!harness_daemon_wait(&d, "SELECT count(*) > 0 FROM alerts WHERE attempts > 0", 1, 10000))
		harness_daemon_fail(&d, "no delivery attempted");

	/* the token comes from the config; the URL from [http] listen */
	status(&r, (const char *[]){"-c", conf, NULL});
	cr_assert_eq(r.status, 1, "exit %d: %s%s", r.status, r.out, r.err);
	snprintf(want, sizeof(want), "LISTED: blmon at http://127.0.0.1:%d\n", port);
	cr_assert(!strncmp(r.out, want, strlen(want)), "%s", r.out);
	cr_assert(strstr(r.out, "Problems: 2, worst first (ip 1, network 1, asn 0, domain 0; 0 ignored)"),
		  "%s", r.out);
	cr_assert(strstr(r.out, "  1. Test ZEN lists 203.0.113.9\n     zen.test, severity high, since "),
		  "%s", r.out);
	cr_assert(strstr(r.out, "     removal: https://zen.test/q?ip=203.0.113.9\n"), "%s", r.out);
	cr_assert(strstr(r.out, "  2. Test L2 lists 203.0.113.0/24: affects 2 of your addresses\n"),
		  "%s", r.out);
	/* 192.0.2.1 is clean where lists answer, but the dead one never did: unchecked */
	cr_assert(strstr(r.out, "Targets:    3: 1 listed themselves, 1 through their network or AS, "
				"0 clean, 1 unchecked, 0 stale\n"), "%s", r.out);
	cr_assert(strstr(r.out, "Lists:      3 in use, 1 not healthy:\n            Dead BL (dead.test): "
				"dead: "), "%s", r.out);
	cr_assert(strstr(r.out, "              what to do: "), "%s", r.out);
	cr_assert(strstr(r.out, "Resolver:   up\n"), "%s", r.out);
	cr_assert(strstr(r.out, "Last cycle: ended "), "%s", r.out);
	cr_assert(strstr(r.out, " waiting for delivery, the oldest made "), "%s", r.out);
	cr_assert(strstr(r.out, "            webhook: "), "%s", r.out);
	cr_assert(strstr(r.out, "              last attempt failed "), "%s", r.out);
	cr_assert_null(strstr(r.out, "t0ken"), "a webhook's path is its token: %s", r.out);
	cr_assert_null(strstr(r.out, "email:"), "a channel with nothing to say is not shown");
	harness_run_free(&r);

	/* -n 1: the worst, and how many more */
	status(&r, (const char *[]){"-c", conf, "-n", "1", NULL});
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.out, "  1. Test ZEN lists 203.0.113.9\n"), "%s", r.out);
	cr_assert(strstr(r.out, "     ... 1 more: blmon status -n 2, or the dashboard\n"), "%s", r.out);
	harness_run_free(&r);

	/* --json: the summary and the problems, one document */
	status(&r, (const char *[]){"-c", conf, "--json", NULL});
	cr_assert_eq(r.status, 1);
	cr_assert_eq(harness_schema_valid("status.schema.json", r.out), 0, "%s", r.out);
	cr_assert(strstr(r.out, "\"status\":\t\"listed\""), "%s", r.out);
	harness_run_free(&r);

	/* without the token: the daemon refuses, and status says what it needs */
	snprintf(want, sizeof(want), "http://127.0.0.1:%d", port);
	status(&r, (const char *[]){"--url", want, NULL});
	cr_assert_eq(r.status, 3, "%s", r.err);
	cr_assert(strstr(r.err, "HTTP 401") && strstr(r.err, "give its config with -c"), "%s", r.err);
	harness_run_free(&r);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);

	/* nobody there: unknown, and why */
	status(&r, (const char *[]){"-c", conf, NULL});
	cr_assert_eq(r.status, 3);
	cr_assert(strstr(r.err, "is `blmon run` running"), "%s", r.err);
	harness_run_free(&r);
}

Test(status, a_clean_daemon_exits_zero)
{
	harness_run_t r;

	start("ip = 192.0.2.1\nip = 192.0.2.2\n", NULL);
	status(&r, (const char *[]){"-c", conf, NULL});
	cr_assert_eq(r.status, 0, "exit %d: %s%s", r.status, r.out, r.err);
	cr_assert(!strncmp(r.out, "CLEAN: blmon at ", 16), "%s", r.out);
	cr_assert(strstr(r.out, "Lists:      2 in use, all healthy\n"), "%s", r.out);
	cr_assert(strstr(r.out, "No problems: nothing monitored is listed.\n"), "%s", r.out);
	cr_assert(strstr(r.out, "Alerts:     nothing waiting for delivery\n"), "%s", r.out);
	harness_run_free(&r);
	status(&r, (const char *[]){"-c", conf, "--json", "-n", "0", NULL});
	cr_assert_eq(r.status, 0);
	cr_assert_eq(harness_schema_valid("status.schema.json", r.out), 0, "%s", r.out);
	cr_assert(strstr(r.out, "\"status\":\t\"clean\""), "%s", r.out);
	harness_run_free(&r);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
}

Test(status, usage_errors_exit_2)
{
	harness_run_t r;

	status(&r, (const char *[]){"--url", "ftp://x", NULL});
	cr_assert_eq(r.status, 2);
	harness_run_free(&r);
	status(&r, (const char *[]){"-n", "many", NULL});
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--problems: 'many'"), "%s", r.err);
	harness_run_free(&r);
	status(&r, (const char *[]){"--jsno", NULL});
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "did you mean --json?"), "%s", r.err);
	harness_run_free(&r);
	status(&r, (const char *[]){"-c", "/nonexistent/blmon.conf", NULL});
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "/nonexistent/blmon.conf"), "%s", r.err);
	harness_run_free(&r);
}
