/* test_hardening.c -- what a hostile probe and a bad day found: config input, test points, retired targets.
 * Each test failed on the release before its fix; servers are rbldnsd and blmon itself on loopback. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "tests/harness.h"

static char *dir;
static harness_server_t dns;
static char resolver[64], conf[1100];

static void setup(void)
{
	/* zones shaped like the big domain lists: only the test entry each publishes */
	static const char *const zones[] = {"dbl.spamhaus.org:dnset:dbl", "multi.uribl.com:dnset:uribl",
					    "own.test:dnset:own", "bl.test:ip4set:bl", NULL};

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write(dir, "dbl", ":127.0.1.2:spam domain\ndbltest.com\nbad.example\n"), 0);
	cr_assert_eq(harness_write(dir, "uribl", ":127.0.0.14:black grey red\ntest.uribl.com\n"
				   ":127.0.0.2:black\nspammy.example\n"), 0);
	cr_assert_eq(harness_write(dir, "own", ":127.0.0.2:listed\nprobe.own.example\n"
				   "bad.example\n"), 0);
	cr_assert_eq(harness_write(dir, "bl", ":127.0.0.2:Spam source\n127.0.0.2\n192.0.2.10\n"), 0);
	cr_assert_eq(harness_rbldnsd_start(&dns, dir, zones), 0, "rbldnsd did not start");
	snprintf(resolver, sizeof(resolver), "127.0.0.1:%d", dns.port);
	snprintf(conf, sizeof(conf), "%s/blmon.conf", dir);
}

static void teardown(void)
{
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(hardening, .init = setup, .fini = teardown, .timeout = 60);

static cJSON *find_list(cJSON *doc, const char *zone)
{
	cJSON *l;

	cJSON_ArrayForEach(l, cJSON_GetObjectItem(doc, "lists"))
	{
		if (!strcmp(harness_str(l, "zone"), zone))
			return l;
	}
	return NULL;
}

Test(hardening, domain_lists_are_tested_with_their_published_test_entries)
{
	const char *args[] = {"check", "--json", "--resolver", resolver, "--list", "spamhaus-dbl",
			      "--list", "uribl", "bad.example", "spammy.example", "good.example", NULL};
	harness_run_t r;
	cJSON *doc;

	cr_assert_eq(harness_run(&r, 20, args), 0);
	doc = cJSON_Parse(r.out);
	cr_assert_not_null(doc, "%s", r.err);
	cr_assert_str_eq(harness_str(find_list(doc, "dbl.spamhaus.org"), "health"), "ok",
			 "DBL lists dbltest.com, not TEST: %s",
			 harness_str(find_list(doc, "dbl.spamhaus.org"), "detail"));
	cr_assert_str_eq(harness_str(find_list(doc, "multi.uribl.com"), "health"), "ok",
			 "URIBL lists test.uribl.com: %s",
			 harness_str(find_list(doc, "multi.uribl.com"), "detail"));
	cr_assert_str_eq(harness_str(harness_result(harness_target(doc, "bad.example"),
						    "dbl.spamhaus.org"), "status"), "listed");
	cr_assert_str_eq(harness_str(harness_result(harness_target(doc, "spammy.example"),
						    "multi.uribl.com"), "status"), "listed");
	cr_assert_str_eq(harness_str(harness_result(harness_target(doc, "good.example"),
						    "multi.uribl.com"), "status"), "clean");
	cr_assert_eq(r.status, 1);
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(hardening, a_list_section_names_its_own_test_entries)
{
	const char *args[] = {"check", "--json", "-c", conf, "bad.example", NULL};
	char text[1024];
	harness_run_t r;
	cJSON *doc;

	snprintf(text, sizeof(text),
		 "[monitor]\nresolver = %s\n[lists]\ndefault = no\n"
		 "[list own.test]\ntype = domain\nscope = domain\ntest_listed = probe.own.example\n"
		 "test_clean = never.own.example\n", resolver);
	cr_assert_eq(harness_write(dir, "blmon.conf", text), 0);
	cr_assert_eq(harness_run(&r, 20, args), 0);
	doc = cJSON_Parse(r.out);
	cr_assert_not_null(doc, "%s", r.err);
	cr_assert_str_eq(harness_str(find_list(doc, "own.test"), "health"), "ok", "%s",
			 harness_str(find_list(doc, "own.test"), "detail"));
	cr_assert_str_eq(harness_str(harness_result(harness_target(doc, "bad.example"), "own.test"),
				     "status"), "listed");
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(hardening, control_characters_in_values_are_refused_with_their_line)
{
	const char *args[] = {"config-test", conf, NULL};
	harness_run_t r;

	cr_assert_eq(harness_write(dir, "blmon.conf",
				   "[monitor]\ndatabase = x.db\n[targets]\nip = 192.0.2.1\n"
				   "[webhook]\nurl = http://127.0.0.1:9/h\nheader = X-A: abc\rX-Injected: yes\n"),
		     0);
	cr_assert_eq(harness_run(&r, 10, args), 0);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(strstr(r.err, "blmon.conf:7: [webhook] header: control character"), "%s", r.err);
	harness_run_free(&r);
}

/* Values that hold secrets are not quoted back in config errors: config-test's
 * output and the reload error in the daemon's log end up in tickets and chats. */
Test(hardening, config_errors_do_not_quote_secrets)
{
	static const char *const secrets[] = {"SmtpUrlSecret1", "HookUrlSecret3", "HdrSecret4",
					      "HookPathSecret7", NULL};
	const char *args[] = {"config-test", conf, NULL};
	harness_run_t r;

	cr_assert_eq(harness_write(dir, "blmon.conf",
				   "[monitor]\ndatabase = x.db\n[targets]\nip = 192.0.2.1\n"
				   "[email]\nsmtp = smtq://mailer:SmtpUrlSecret1@127.0.0.1:25\n"
				   "[webhook]\nurl = htp://hook:HookUrlSecret3@127.0.0.1/hook/HookPathSecret7\n"
				   "header = Authorization Bearer HdrSecret4\n"), 0);
	cr_assert_eq(harness_run(&r, 10, args), 0);
	cr_assert_eq(r.status, 2, "%s", r.out);
	/* each error still names its line and key, and what is wrong */
	cr_assert(strstr(r.err, "blmon.conf:6: [email] smtp: ") &&
		  strstr(r.err, "is not a URL starting with smtp://"), "%s", r.err);
	cr_assert(strstr(r.err, "blmon.conf:8: [webhook] url: "), "%s", r.err);
	cr_assert(strstr(r.err, "blmon.conf:9: [webhook] header: "), "%s", r.err);
	for (const char *const *s = secrets; *s; s++)
		cr_assert_null(strstr(r.err, *s), "config-test quotes the secret %s:\n%s", *s, r.err);
	harness_run_free(&r);
}

/* A keyed list's zone holds the key: `blmon check` shows the template, also
 * in the reason a list the server refuses is not used. */
Test(hardening, check_never_shows_a_lists_key)
{
	const char *text_args[] = {"check", "-c", conf, "192.0.2.10", NULL};
	const char *json_args[] = {"check", "--json", "-c", conf, "192.0.2.10", NULL};
	char text[512];
	harness_run_t r;

	/* rbldnsd refuses a zone it does not serve */
	snprintf(text, sizeof(text), "[monitor]\nresolver = %s\ntimeout = 300ms\n[lists]\ndefault = no\n"
		 "[list {key}.kr.test]\nname = Refused BL\nkey = DqsKeySecret6\n", resolver);
	cr_assert_eq(harness_write(dir, "blmon.conf", text), 0);
	cr_assert_eq(harness_run(&r, 20, text_args), 0);
	cr_assert(strstr(r.out, "Refused BL ({key}.kr.test) is refused"), "%s", r.out);
	cr_assert_null(strstr(r.out, "DqsKeySecret6"), "%s", r.out);
	cr_assert_null(strstr(r.err, "DqsKeySecret6"), "%s", r.err);
	harness_run_free(&r);
	cr_assert_eq(harness_run(&r, 20, json_args), 0);
	cr_assert(strstr(r.out, "\"health\":\"refused\""), "%s", r.out);
	cr_assert_null(strstr(r.out, "DqsKeySecret6"), "%s", r.out);
	harness_run_free(&r);
}

Test(hardening, config_test_refuses_what_run_refuses)
{
	const char *args[] = {"config-test", conf, NULL};
	const char *run[] = {"run", "--once", "-c", conf, NULL};
	char text[512];
	harness_run_t r;

	/* no list enabled */
	cr_assert_eq(harness_write(dir, "blmon.conf", "[monitor]\ndatabase = x.db\n[targets]\n"
				   "ip = 192.0.2.1\n[lists]\ndefault = no\n"), 0);
	cr_assert_eq(harness_run(&r, 10, args), 0);
	cr_assert_eq(r.status, 2, "config-test passed a config without lists:\n%s", r.out);
	cr_assert(strstr(r.err, "no lists enabled"), "%s", r.err);
	harness_run_free(&r);
	/* a daily budget exceeded: run refuses, so must config-test */
	snprintf(text, sizeof(text), "[monitor]\ninterval = 10s\nresolver = %s\ndatabase = %s/x.db\n"
		 "[targets]\nnetwork = 192.0.2.0/24\n[lists]\nonly = dnswl\n", resolver, dir);
	cr_assert_eq(harness_write(dir, "blmon.conf", text), 0);
	cr_assert_eq(harness_run(&r, 10, run), 0);
	cr_assert_eq(r.status, 2);
	harness_run_free(&r);
	cr_assert_eq(harness_run(&r, 10, args), 0);
	cr_assert_eq(r.status, 2, "config-test passed what run refuses:\n%s", r.out);
	cr_assert(strstr(r.err, "exceed its budget of 100000/day"), "%s", r.err);
	harness_run_free(&r);
}

Test(hardening, a_target_removed_from_the_config_is_retired_and_comes_back)
{
	char text[1024], db[1100], logp[1100];
	const char *args[] = {"run", "-c", conf, NULL};
	pid_t pid;

	snprintf(db, sizeof(db), "%s/blmon.db", dir);
	snprintf(logp, sizeof(logp), "%s/blmon.log", dir);
#define CONF "[monitor]\ninterval = 1s\nresolver = %s\ndatabase = %s\nconfirm = 1\ntimeout = 300ms\n" \
	     "[targets]\nip = 192.0.2.20\n%s[lists]\ndefault = no\n[list bl.test]\n"          \
	     "[http]\nlisten = 127.0.0.1:%d\n"
	int port = harness_free_tcp_port();

	snprintf(text, sizeof(text), CONF, resolver, db, "ip = 192.0.2.10\n", port);
	cr_assert_eq(harness_write(dir, "blmon.conf", text), 0);
	pid = harness_blmon_start(args, logp);
	cr_assert(harness_db_wait(db, "SELECT count(*) FROM events", 2, 8000), "%s", harness_read(logp));
	/* 192.0.2.10 (listed) leaves the config */
	snprintf(text, sizeof(text), CONF, resolver, db, "", port);
	cr_assert_eq(harness_write(dir, "blmon.conf", text), 0);
	kill(pid, SIGHUP);
	cr_assert(harness_db_wait(db, "SELECT count(*) FROM targets WHERE target = '192.0.2.10' AND "
				  "active = 0", 1, 8000), "a removed target stays current:\n%s",
		  harness_read(logp));
	cr_assert_eq(harness_db_value(db, "SELECT active FROM targets WHERE target = '192.0.2.20'"), 1);
	cr_assert_eq(harness_db_value(db, "SELECT count(*) FROM events e JOIN targets t ON t.id = "
				      "e.target_id WHERE t.target = '192.0.2.10'"), 1,
		     "its history is kept");
	/* re-added: back, with its history and no second first-seen event */
	snprintf(text, sizeof(text), CONF, resolver, db, "ip = 192.0.2.10\n", port);
	cr_assert_eq(harness_write(dir, "blmon.conf", text), 0);
	kill(pid, SIGHUP);
	cr_assert(harness_db_wait(db, "SELECT active FROM targets WHERE target = '192.0.2.10'", 1, 8000));
	cr_assert(harness_db_wait(db, "SELECT count(*) FROM cycles WHERE ended IS NOT NULL AND "
				  "started >= (SELECT last_seen FROM targets WHERE target = '192.0.2.10')",
				  1, 8000));
	cr_assert_eq(harness_db_value(db, "SELECT count(*) FROM events e JOIN targets t ON t.id = "
				      "e.target_id WHERE t.target = '192.0.2.10'"), 1,
		     "re-adding a target must not re-record what is known");
	cr_assert_eq(harness_blmon_stop(&pid, 3000), 0);
#undef CONF
}
