/* test_snds_daemon.c -- Microsoft SNDS in the real daemon and in `blmon check --snds`, against a loopback
 * SNDS (tests/httpfixture.py /snds/): state, events, problems, API, metrics, and what a failed fetch keeps. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/timefmt.h"
#include "tests/harness.h"

#define KEY "6f1c9b2e-1111-4a2b-9c3d-0123456789ab"
#define BLOCKED "Blocked due to user complaints or other evidence of spamming"

/* ipStatus.aspx: one address alone, and 198.51.100.8 to .15, a range with a quoted comma */
static const char ipstatus[] =
	"192.0.2.60,192.0.2.60,Yes," BLOCKED "\r\n"
	"198.51.100.8,198.51.100.15,Yes,\"Blocked, range of 8\"\r\n";
/* data.aspx: RED, YELLOW and GREEN lines; 192.0.2.99 is absent */
static const char data[] =
	"192.0.2.60,9/29/2020 8:00 AM,9/29/2020 9:00 PM,14129,14129,13025,RED,2.5%,"
	"9/29/2020 8:07 AM,9/29/2020 12:03 PM,41,mail.example.net,bounce@example.net,JMR block\r\n"
	"192.0.2.61,9/29/2020 8:00 AM,9/29/2020 9:00 PM,500,480,470,YELLOW,0.3%,,,0,"
	"\"mx, two\",,\r\n"
	"192.0.2.62,9/29/2020 8:00 AM,9/29/2020 9:00 PM,10,8,8,GREEN,< 0.1%,,,0,,,\r\n";

static char *dir, kdir[1100];
static harness_server_t dns, web;
static harness_daemon_t d;
static int http_port;

static void setup(void)
{
	static const char *const zones[] = {"bl.test:ip4set:a", "net.test:ip4set:n", NULL};
	char sub[1200];

	/* loopback only, whatever proxy the environment names */
	setenv("no_proxy", "127.0.0.1", 1);
	setenv("NO_PROXY", "127.0.0.1", 1);
	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam source\n127.0.0.2\n192.0.2.99\n"), 0);
	cr_assert_eq(harness_write_zone(dir, "n", ":127.0.0.2:Net 192.0.2.0/24 is listed\n127.0.0.2\n"
				       "192.0.2.62\n"), 0);
	cr_assert_eq(harness_rbldnsd_start_ttl(&dns, dir, zones, "1"), 0, "rbldnsd did not start");
	snprintf(sub, sizeof(sub), "%s/snds", dir);
	mkdir(sub, 0700);
	snprintf(kdir, sizeof(kdir), "snds/%s", KEY);
	snprintf(sub, sizeof(sub), "%s/%s", dir, kdir);
	mkdir(sub, 0700);
	cr_assert_eq(harness_http_start(&web, dir), 0, "http fixture did not start");
	harness_daemon_init(&d, dir);
	http_port = harness_free_tcp_port();
}

static void teardown(void)
{
	harness_daemon_kill(&d);
	harness_server_stop(&web);
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(snds_daemon, .init = setup, .fini = teardown, .timeout = 180);

/* Writes the SNDS fixture's document name (ipStatus.aspx, data.aspx), or its mode. */
static void doc(const char *name, const char *text)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", kdir, name);
	cr_assert_eq(harness_write(dir, path, text), 0);
}

/* Makes the fixture misbehave on document name (how: "500", "html", "close", "slow"), or
 * serve it again (NULL). */
static void mode(const char *name, const char *how)
{
	char path[1300];

	snprintf(path, sizeof(path), "%s.mode", name);
	if (how) {
		doc(path, how);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s/%s.mode", dir, kdir, name);
	unlink(path);
}

static void write_conf(const char *extra)
{
	cr_assert_eq(harness_daemon_config(&d,
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		 "timeout = 300ms\nretries = 1\n"
		 "[targets]\nip = 192.0.2.60\nip = 192.0.2.61\nip = 192.0.2.62\nip = 192.0.2.99\n"
		 "network = 198.51.100.8/29\n"
		 "[lists]\ndefault = no\n[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		 "[list net.test]\nname = Test NET\nscope = network\ncode = 127.0.0.2 Net listed\n"
		 "[snds]\nkey = %s\nurl = http://127.0.0.1:%d/snds/\ntimeout = 2s\n"
		 "[http]\nlisten = 127.0.0.1:%d\n%s",
		 dns.port, d.db, KEY, web.port, http_port, extra ? extra : ""), 0);
}

static long long q(const char *sql)
{
	return harness_daemon_value(&d, sql);
}

#define WAIT(sql, want, ms) \
	do { \
		if (!harness_daemon_wait(&d, sql, want, ms)) { \
			char m_[700]; \
			snprintf(m_, sizeof(m_), "%s did not become %lld (is %lld)", sql, \
				 (long long)(want), q(sql)); \
			harness_daemon_fail(&d, m_); \
		} \
	} while (0)

#define ON(zone) "FROM state s JOIN lists l ON l.id = s.list_id JOIN targets t ON t.id = " \
	"s.target_id WHERE l.zone = '" zone "' "
#define BLOCK_LISTED "SELECT count(*) " ON("microsoft-snds") "AND s.status = 'listed'"
#define FILTER_LISTED "SELECT count(*) " ON("microsoft-snds-filter") "AND s.status = 'listed'"
#define SNDS_EVENTS "SELECT count(*) FROM events e JOIN lists l ON l.id = e.list_id WHERE " \
	"l.zone LIKE 'microsoft-snds%'"

/* Runs sql on the stopped daemon's database: what an hour passing would have done. */
static void db_exec(const char *sql)
{
	sqlite3 *db;
	char *e = NULL;

	cr_assert_eq(sqlite3_open(d.db, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &e), SQLITE_OK, "%s: %s", sql, e ? e : "");
	sqlite3_close(db);
}

/* Stops the daemon, lets an hour pass for SNDS (the copy was confirmed long ago: the next
 * start asks again), and starts it. */
static void an_hour_later(void)
{
	cr_assert_eq(harness_daemon_stop(&d, 5000), 0);
	db_exec("UPDATE drop_files SET checked = checked - 7200 WHERE url LIKE 'snds:%'");
	cr_assert_eq(harness_daemon_start(&d), 0);
}

static char *get(const char *path, long want)
{
	long status = 0;
	char *body = harness_http_get(http_port, path, &status);

	cr_assert_not_null(body, "GET %s: no answer", path);
	cr_assert_eq(status, want, "GET %s: %ld\n%s", path, status, body);
	return body;
}

/* The result of zone for target in GET /api/v1/targets/target (caller deletes *doc). */
static cJSON *result_of(const char *target, const char *zone, cJSON **doc)
{
	char path[200], *body;
	cJSON *r;

	snprintf(path, sizeof(path), "/api/v1/targets/%s", target);
	body = get(path, 200);
	*doc = cJSON_Parse(body);
	cr_assert_not_null(*doc, "%s", body);
	cr_assert_eq(harness_schema_valid("api/target.schema.json", body), 0, "%s", body);
	free(body);
	r = harness_result(*doc, zone);
	cr_assert_not_null(r, "%s has no result on %s", target, zone);
	return r;
}

static void no_key_anywhere(void)
{
	static const char *const paths[] = {"/api/v1/status", "/api/v1/lists", "/metrics",
					    "/api/v1/events?limit=500", "/healthz", NULL};
	char *log = harness_read(d.log);

	cr_assert_null(strstr(log, KEY), "the key is in the log:\n%s", log);
	cr_assert_null(strstr(log, "6f1c9b2e"), "a part of the key is in the log:\n%s", log);
	free(log);
	for (int i = 0; paths[i]; i++) {
		long status = 0;
		char *body = harness_http_get(http_port, paths[i], &status);
		if (!body)
			harness_daemon_fail(&d, paths[i]);
		cr_assert_null(strstr(body, "6f1c9b2e"), "the key is in %s:\n%s", paths[i], body);
		free(body);
	}
}

Test(snds_daemon, documents_become_listings_problems_api_and_metrics)
{
	char *body, *reqs;
	cJSON *doc1, *r, *t, *lists, *l;
	long long events;

	doc("ipStatus.aspx", ipstatus);
	doc("data.aspx", data);
	write_conf(NULL);
	cr_assert_eq(harness_daemon_start(&d), 0);
	/* 192.0.2.60 and the whole range 198.51.100.8-15; RED 192.0.2.60 and YELLOW 192.0.2.61 */
	WAIT(BLOCK_LISTED, 9, 10000);
	WAIT(FILTER_LISTED, 2, 10000);
	WAIT("SELECT count(*) " ON("microsoft-snds-filter") "AND s.status = 'clean' AND "
	     "t.target = '192.0.2.62'", 1, 5000);
	if (!harness_daemon_cycles(&d, 2, 10000))
		harness_daemon_fail(&d, "no cycles");
	cr_assert_eq(q("SELECT count(*) " ON("microsoft-snds") "AND s.status = 'listed' AND t.target "
		       "BETWEEN '198.51.100.8' AND '198.51.100.9'"), 2);
	cr_assert_eq(q("SELECT count(*) " ON("microsoft-snds") "AND s.status = 'clean' AND t.target = "
		       "'192.0.2.99'"), 1, "absent from the documents: clean");
	/* one event per confirmed state, codes as the catalog names them */
	cr_assert_eq(q("SELECT count(*) FROM events e JOIN lists l ON l.id = e.list_id JOIN targets "
		       "t ON t.id = e.target_id WHERE l.zone = 'microsoft-snds-filter' AND e.\"to\" = "
		       "'listed' AND t.target = '192.0.2.61' AND e.codes = '[\"127.0.0.3\"]'"), 1);
	cr_assert_eq(q("SELECT count(*) FROM events e JOIN lists l ON l.id = e.list_id WHERE l.zone = "
		       "'microsoft-snds' AND e.\"to\" = 'listed' AND e.txt LIKE '%Blocked, range of 8%'"),
		     8);
	/* problems: one per listed address, as any scope-ip list's */
	cr_assert_eq(q("SELECT count(*) FROM problems p JOIN lists l ON l.id = p.list_id WHERE "
		       "l.zone = 'microsoft-snds' AND p.ignored_by IS NULL"), 9);
	cr_assert_eq(q("SELECT count(*) FROM problems p JOIN lists l ON l.id = p.list_id WHERE "
		       "l.zone = 'microsoft-snds' AND p.entity = '192.0.2.60' AND p.severity = "
		       "'high' AND p.scope = 'ip'"), 1);
	cr_assert_eq(q("SELECT count(*) FROM snds_ips"), 3);
	cr_assert_eq(q("SELECT count(*) FROM drop_files WHERE url LIKE 'snds:%'"), 2,
		     "the last good copies are kept");
	cr_assert_eq(q("SELECT count(*) FROM drop_files WHERE url LIKE '%" KEY "%'"), 0,
		     "the key is not stored");

	/* the API: Microsoft's block beside the DNSBL results, the day's numbers on the page */
	r = result_of("192.0.2.60", "microsoft-snds", &doc1);
	cr_assert_str_eq(harness_str(r, "status"), "listed");
	cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "txt"), 0)->valuestring, BLOCKED);
	cr_assert(strstr(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "meanings"), 0)->valuestring,
			 "Outlook.com blocks mail from this address"));
	cr_assert_str_eq(harness_str(r, "removal_url"), "https://go.microsoft.com/fwlink/?LinkID=614866");
	t = cJSON_GetObjectItem(doc1, "snds");
	cr_assert_str_eq(harness_str(t, "filter"), "RED");
	cr_assert_eq(cJSON_GetObjectItem(t, "trap_hits")->valueint, 41);
	cr_assert_eq(cJSON_GetObjectItem(t, "messages")->valueint, 14129);
	cr_assert_str_eq(harness_str(t, "complaint_rate"), "2.5%");
	cJSON_Delete(doc1);
	r = result_of("192.0.2.99", "microsoft-snds", &doc1);
	cr_assert_str_eq(harness_str(r, "status"), "clean");
	cr_assert(strstr(harness_str(r, "reason"), "SNDS covers only the addresses registered to its "
						    "key"), "%s", harness_str(r, "reason"));
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(doc1, "snds")));
	cr_assert_str_eq(harness_str(harness_result(doc1, "bl.test"), "status"), "listed");
	cJSON_Delete(doc1);
	r = result_of("192.0.2.61", "microsoft-snds-filter", &doc1);
	cr_assert(strstr(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "meanings"), 0)->valuestring,
			 "YELLOW: between 10% and 90%"));
	cr_assert_str_eq(harness_str(cJSON_GetObjectItem(doc1, "snds"), "sample_helo"), "mx, two");
	cJSON_Delete(doc1);

	body = get("/api/v1/status", 200);
	cr_assert_eq(harness_schema_valid("api/status.schema.json", body), 0);
	lists = cJSON_GetObjectItem(doc1 = cJSON_Parse(body), "lists");
	cJSON_ArrayForEach(l, lists)
	{
		if (!strncmp(harness_str(l, "zone"), "microsoft-snds", 14)) {
			cr_assert_str_eq(harness_str(l, "source"), "snds");
			cr_assert_str_eq(harness_str(l, "health"), "ok");
		} else {
			cr_assert_str_eq(harness_str(l, "source"), "dns");
		}
	}
	cJSON_Delete(doc1);
	free(body);
	body = get("/api/v1/lists", 200);
	cr_assert_eq(harness_schema_valid("api/lists.schema.json", body), 0);
	free(body);

	body = get("/metrics", 200);
	cr_assert(strstr(body, "blmon_listed{target=\"192.0.2.60\",zone=\"microsoft-snds\",scope=\"ip\"} 1\n"),
		  "%s", body);
	cr_assert(strstr(body, "blmon_snds_messages{target=\"192.0.2.60\"} 14129\n"), "%s", body);
	cr_assert(strstr(body, "blmon_snds_trap_hits{target=\"192.0.2.60\"} 41\n"), "%s", body);
	cr_assert(strstr(body, "blmon_snds_complaint_rate{target=\"192.0.2.60\"} 0.025\n"), "%s", body);
	cr_assert(strstr(body, "blmon_snds_complaint_rate{target=\"192.0.2.62\"} 0\n"), "%s", body);
	cr_assert(strstr(body, "blmon_snds_filter{target=\"192.0.2.61\"} 1\n"), "%s", body);
	cr_assert_null(strstr(body, "blmon_snds_messages{target=\"192.0.2.99\""),
		       "only targets present in SNDS data");
	free(body);
	no_key_anywhere();

	/* an hour later SNDS is asked again, conditionally: 304, nothing changes */
	events = q(SNDS_EVENTS);
	an_hour_later();
	if (!harness_daemon_cycles(&d, 2, 10000))
		harness_daemon_fail(&d, "no cycles after the restart");
	reqs = harness_http_requests(&web);
	cr_assert_eq(harness_count(reqs, "/snds/ipStatus.aspx?key=" KEY " ua=blmon/"), 2, "%s", reqs);
	cr_assert(strstr(reqs, "/snds/ipStatus.aspx?key=" KEY " ua=blmon/" BLMON_VERSION " inm=\""),
		  "no conditional request:\n%s", reqs);
	free(reqs);
	cr_assert_eq(q(SNDS_EVENTS), events, "a 304 is no change");
	cr_assert_eq(q(BLOCK_LISTED), 9);
	/* a restart within the refresh period does not ask SNDS at all */
	cr_assert_eq(harness_daemon_stop(&d, 5000), 0);
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!harness_daemon_cycles(&d, 2, 10000))
		harness_daemon_fail(&d, "no cycles after the second restart");
	reqs = harness_http_requests(&web);
	cr_assert_eq(harness_count(reqs, "/snds/ipStatus.aspx"), 2, "asked again:\n%s", reqs);
	free(reqs);
	cr_assert_eq(q("SELECT count(*) " ON("microsoft-snds") "AND s.failing_since != 0"), 0);
	cr_assert_eq(harness_daemon_stop(&d, 5000), 0);
}

Test(snds_daemon, dashboard_shows_microsofts_block_beside_the_dnsbls, .timeout = 120)
{
	const char *root = getenv("BLMON_ROOT");
	char cmd[2048];
	int st;

	doc("ipStatus.aspx", ipstatus);
	doc("data.aspx", data);
	write_conf(NULL);
	cr_assert_eq(harness_daemon_start(&d), 0);
	WAIT(BLOCK_LISTED, 9, 10000);
	WAIT(FILTER_LISTED, 2, 10000);
	WAIT("SELECT count(*) " ON("bl.test") "AND s.status = 'listed'", 1, 10000);
	if (!harness_daemon_cycles(&d, 2, 10000)) /* the digest has seen them */
		harness_daemon_fail(&d, "no cycles");
	snprintf(cmd, sizeof(cmd), "cd '%s' && node tests/web/snds-dashboard.test.js "
		 "http://127.0.0.1:%d/ tests/artifacts 1>&2", root ? root : ".", http_port);
	st = system(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the SNDS dashboard test failed (its output "
		  "is above); screenshots in tests/artifacts/");
	cr_assert_eq(harness_daemon_stop(&d, 5000), 0);
}

/* After a failed fetch of kind how: the last known state stays, failing, with why; the
 * last good copy is what the database keeps. */
static void fails_and_keeps(const char *how, const char *content, const char *why)
{
	char sql[600];
	long long events = q(SNDS_EVENTS);

	if (how) {
		mode("ipStatus.aspx", how);
		mode("data.aspx", how);
	} else {
		doc("ipStatus.aspx", content);
		doc("data.aspx", content);
	}
	an_hour_later();
	snprintf(sql, sizeof(sql), "SELECT count(*) " ON("microsoft-snds") "AND t.target = "
		 "'192.0.2.60' AND s.failing_reason LIKE '%%%s%%'", why);
	WAIT(sql, 1, 15000);
	WAIT("SELECT count(*) FROM lists WHERE zone = 'microsoft-snds' AND health IN "
	     "('unreachable', 'refused')", 1, 5000);
	cr_assert_eq(q(BLOCK_LISTED), 9, "%s: a failure is not a state", why);
	cr_assert_eq(q(FILTER_LISTED), 2);
	cr_assert_eq(q("SELECT count(*) " ON("microsoft-snds") "AND s.status = 'clean' AND "
		       "s.failing_since > 0"), 3, "the clean ones stay clean, failing, never new clean");
	cr_assert_eq(q(SNDS_EVENTS), events, "%s: no event for a failure", why);
	cr_assert_eq(q("SELECT count(*) FROM drop_files WHERE url LIKE 'snds:%/ipStatus.aspx' AND "
		       "CAST(body AS TEXT) LIKE '%192.0.2.60,192.0.2.60,Yes%'"), 1,
		     "the last good copy was replaced");
	cr_assert_eq(q("SELECT count(*) FROM snds_ips WHERE ip = '192.0.2.60' AND filter = 'RED'"), 1);
	mode("ipStatus.aspx", NULL);
	mode("data.aspx", NULL);
}

Test(snds_daemon, a_failed_fetch_keeps_the_last_known_state_and_goes_stale)
{
	char *body;
	cJSON *doc1, *r;
	long long since;

	doc("ipStatus.aspx", ipstatus);
	doc("data.aspx", data);
	{
		char hook[200];
		snprintf(hook, sizeof(hook), "[webhook]\nurl = http://127.0.0.1:%d/hook/health\n",
			 web.port);
		write_conf(hook);
	}
	cr_assert_eq(harness_daemon_start(&d), 0);
	WAIT(BLOCK_LISTED, 9, 10000);
	WAIT(FILTER_LISTED, 2, 10000);
	since = q("SELECT s.since " ON("microsoft-snds") "AND t.target = '192.0.2.60'");

	fails_and_keeps("500", NULL, "HTTP 500 from server");
	/* the list's health is alerted once, with what to do about SNDS (not about a resolver) */
	WAIT("SELECT count(*) FROM alerts WHERE delivered IS NOT NULL AND subject LIKE "
	     "'%changed health%unreachable%'", 1, 15000);
	{
		char path[1100], *posted;
		snprintf(path, sizeof(path), "%s/hook-health.jsonl", dir);
		posted = harness_read(path);
		cr_assert(strstr(posted, "SNDS's documents could not be read"), "%s", posted);
		cr_assert(strstr(posted, "SNDS ipStatus.aspx: HTTP 500 from server"), "%s", posted);
		cr_assert_null(strstr(posted, "resolver is running"), "%s", posted);
		cr_assert_null(strstr(posted, "6f1c9b2e"), "%s", posted);
		free(posted);
	}
	/* the API: listed, since unchanged, failing beside it; /metrics keeps the listing */
	r = result_of("192.0.2.60", "microsoft-snds", &doc1);
	cr_assert_str_eq(harness_str(r, "status"), "listed");
	cr_assert(strstr(harness_str(r, "failing_reason"), "SNDS ipStatus.aspx: HTTP 500"), "%s",
		  harness_str(r, "failing_reason"));
	cr_assert_not_null(harness_str(r, "failing_since"));
	cJSON_Delete(doc1);
	cr_assert_eq(q("SELECT s.since " ON("microsoft-snds") "AND t.target = '192.0.2.60'"), since);
	body = get("/metrics", 200);
	cr_assert(strstr(body, "blmon_listed{target=\"192.0.2.60\",zone=\"microsoft-snds\",scope=\"ip\"} 1\n"));
	cr_assert(strstr(body, "blmon_list_healthy{zone=\"microsoft-snds\"} 0\n"), "%s", body);
	free(body);
	/* three hours without an answer: stale, still listed */
	mode("ipStatus.aspx", "500");
	mode("data.aspx", "500");
	cr_assert_eq(harness_daemon_stop(&d, 5000), 0);
	db_exec("UPDATE state SET checked_at = checked_at - 20000 WHERE list_id IN (SELECT id FROM "
		"lists WHERE zone LIKE 'microsoft-snds%')");
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!harness_daemon_cycles(&d, 2, 10000))
		harness_daemon_fail(&d, "no cycles");
	r = result_of("192.0.2.60", "microsoft-snds", &doc1);
	cr_assert_str_eq(harness_str(r, "status"), "listed");
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(r, "stale")), "not stale");
	cJSON_Delete(doc1);
	r = result_of("192.0.2.99", "microsoft-snds", &doc1);
	cr_assert_str_eq(harness_str(r, "status"), "clean", "stale, never turned into anything");
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(r, "stale")));
	cJSON_Delete(doc1);
	body = get("/metrics", 200);
	cr_assert(strstr(body, "blmon_list_stale_results{zone=\"microsoft-snds\"} 12\n"), "%s", body);
	free(body);
	mode("ipStatus.aspx", NULL);
	mode("data.aspx", NULL);

	/* every other way a fetch fails keeps the state just as well */
	fails_and_keeps("html", NULL, "not SNDS CSV: an HTML page");
	fails_and_keeps("close", NULL, "fetch failed");
	fails_and_keeps("slow", NULL, "timed out after 2 s");
	/* each reason differs from the one before: the wait sees the new run's, not the last */
	fails_and_keeps(NULL, "192.0.2.1,192.0.2.1,Yes,cut off here", "truncated");
	fails_and_keeps(NULL, "192.0.2.1,9/29/2020 8:00 AM\r\n", "line 1: 2 fields, 4 expected");
	no_key_anywhere();

	/* SNDS answers again, without 192.0.2.60: delisted, fresh, healthy */
	doc("ipStatus.aspx", "198.51.100.8,198.51.100.15,Yes,\"Blocked, range of 8\"\r\n");
	doc("data.aspx", data);
	an_hour_later();
	WAIT("SELECT count(*) " ON("microsoft-snds") "AND t.target = '192.0.2.60' AND s.status = "
	     "'clean' AND s.failing_since = 0", 1, 15000);
	WAIT("SELECT count(*) FROM lists WHERE zone = 'microsoft-snds' AND health = 'ok'", 1, 5000);
	cr_assert_eq(q("SELECT count(*) FROM events e JOIN lists l ON l.id = e.list_id JOIN targets "
		       "t ON t.id = e.target_id WHERE l.zone = 'microsoft-snds' AND t.target = "
		       "'192.0.2.60' AND e.\"from\" = 'listed' AND e.\"to\" = 'clean'"), 1);
	cr_assert_eq(q(BLOCK_LISTED), 8);
	cr_assert_eq(q("SELECT count(*) FROM list_health h JOIN lists l ON l.id = h.list_id WHERE "
		       "l.zone = 'microsoft-snds' AND h.health = 'unreachable'"), 1,
		     "one health change for the whole outage, not one per failure");
	cr_assert_eq(harness_daemon_stop(&d, 5000), 0);
}

/* ---- blmon check --snds ---- */

static void check_conf(char *conf, size_t len)
{
	snprintf(conf, len, "%s/check.conf", dir);
	{
		char text[512];
		snprintf(text, sizeof(text), "[snds]\nkey = %s\nurl = http://127.0.0.1:%d/snds\n"
			 "timeout = 2s\n", KEY, web.port);
		cr_assert_eq(harness_write(dir, "check.conf", text), 0);
	}
}

Test(snds_daemon, check_consults_snds_once)
{
	harness_run_t r;
	char conf[1200];
	const char *both[] = {"check", "-c", conf, "--list", "microsoft-snds", "--list",
			      "microsoft-snds-filter", "--json", "192.0.2.60", "192.0.2.99",
			      "198.51.100.12", NULL};
	const char *block[] = {"check", "-c", conf, "--list", "microsoft-snds", "--json",
			       "192.0.2.99", NULL};
	const char *nokey[] = {"check", "-c", conf, "--snds", "192.0.2.60", NULL};
	cJSON *doc1, *t;
	char *reqs;

	doc("ipStatus.aspx", ipstatus);
	doc("data.aspx", data);
	check_conf(conf, sizeof(conf));
	/* SNDS's lists alone: the documents answer, no resolver is asked */
	cr_assert_eq(harness_run(&r, 30, both), 0);
	cr_assert_eq(r.status, 1, "listed: exit 1\n%s%s", r.out, r.err);
	cr_assert_eq(harness_schema_valid("check.schema.json", r.out), 0, "%s", r.out);
	doc1 = cJSON_Parse(r.out);
	t = harness_target(doc1, "192.0.2.60");
	cr_assert_str_eq(harness_str(harness_result(t, "microsoft-snds"), "status"), "listed");
	cr_assert_str_eq(harness_str(harness_result(t, "microsoft-snds-filter"), "status"), "listed");
	t = harness_target(doc1, "198.51.100.12");
	cr_assert_str_eq(harness_str(harness_result(t, "microsoft-snds"), "status"), "listed");
	t = harness_target(doc1, "192.0.2.99");
	cr_assert_str_eq(harness_str(harness_result(t, "microsoft-snds"), "status"), "clean");
	cJSON_Delete(doc1);
	cr_assert_null(strstr(r.out, "6f1c9b2e"));
	cr_assert_null(strstr(r.err, "6f1c9b2e"));
	harness_run_free(&r);
	reqs = harness_http_requests(&web);
	cr_assert_eq(harness_count(reqs, "/snds/ipStatus.aspx?key=" KEY " ua=blmon/"), 1, "once:\n%s",
		     reqs);
	cr_assert_eq(harness_count(reqs, "/snds/data.aspx?key=" KEY " ua=blmon/"), 1, "once:\n%s",
		     reqs);
	free(reqs);

	/* SNDS failing: unknown (exit 3), never clean; the list says why */
	mode("ipStatus.aspx", "500");
	cr_assert_eq(harness_run(&r, 30, block), 0);
	cr_assert_eq(r.status, 3, "%s%s", r.out, r.err);
	doc1 = cJSON_Parse(r.out);
	t = harness_result(harness_target(doc1, "192.0.2.99"), "microsoft-snds");
	cr_assert_str_eq(harness_str(t, "status"), "unknown");
	cr_assert(strstr(harness_str(t, "reason"), "HTTP 500"), "%s", r.out);
	cr_assert(strstr(r.out, "\"health\":\"unreachable\""), "%s", r.out);
	cJSON_Delete(doc1);
	harness_run_free(&r);
	mode("ipStatus.aspx", NULL);

	/* no key in the config: --snds says what is missing */
	cr_assert_eq(harness_write(dir, "nokey.conf", "[monitor]\ntimeout = 1s\n"), 0);
	snprintf(conf, sizeof(conf), "%s/nokey.conf", dir);
	cr_assert_eq(harness_run(&r, 30, nokey), 0);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "--snds: SNDS needs a key: key = in [snds]"), "%s", r.err);
	harness_run_free(&r);
}

/* ---- provider incidents from the mail log cite SNDS ---- */

/* Appends n Postfix S3150 bounces of mail from ip to domain through relay. */
static void s3150(const char *ip, const char *domain, const char *relay, int n)
{
	char path[1100];
	FILE *f;

	snprintf(path, sizeof(path), "%s/mail.log", dir);
	f = fopen(path, "a");
	cr_assert_not_null(f);
	for (int i = 0; i < n; i++)
		fprintf(f, "Jun 20 13:43:%02d mail1 postfix/smtp[2318]: 4F1A%04X: to=<user%d@%s>, "
			"relay=%s[192.0.2.10]:25, delay=7.5, delays=2.2/0/0.28/5.1, dsn=5.7.1, "
			"status=bounced (host %s[192.0.2.10] said: 550 5.7.1 Unfortunately, messages "
			"from [%s] weren't sent. Please contact your Internet service provider since "
			"part of their network is on our block list (S3150). You can also refer your "
			"provider to http://mail.live.com/mail/troubleshooting.aspx#errors. (in reply "
			"to MAIL FROM command))\n", i, (unsigned)i, i, domain, relay, relay, ip);
	fclose(f);
}

/* Starts the daemon following DIR/mail.log with incidents POSTed to the fixture's
 * /hook/inc, once SNDS's documents are in. */
static void start_with_logwatch(void)
{
	char extra[1600];

	doc("ipStatus.aspx", ipstatus);
	doc("data.aspx", data);
	cr_assert_eq(harness_write(dir, "mail.log", ""), 0);
	snprintf(extra, sizeof(extra),
		 "[webhook]\nurl = http://127.0.0.1:%d/hook/inc\n[alerts]\nbatch = 0s\n"
		 "[logwatch]\nfile = %s/mail.log\nformat = postfix\nthreshold = 3 in 1m\n"
		 "quiet = 30m\n", web.port, dir);
	write_conf(extra);
	cr_assert_eq(harness_daemon_start(&d), 0);
	WAIT(BLOCK_LISTED, 9, 10000);
	WAIT("SELECT count(*) FROM logwatch_files", 1, 10000);
}

/* The webhook document of the incident's opening, as the receiver got it. */
static char *incident_posted(void)
{
	char path[1100], *all;

	if (!harness_daemon_wait(&d, "SELECT count(*) FROM alerts WHERE delivered IS NOT NULL AND "
				     "subject LIKE '%REJECTS mail%'", 1, 15000))
		harness_daemon_fail(&d, "no incident alert delivered");
	snprintf(path, sizeof(path), "%s/hook-inc.jsonl", dir);
	all = harness_read(path);
	cr_assert(strstr(all, "REJECTS mail"), "%s", all);
	return all;
}

Test(snds_daemon, s3150_burst_for_an_address_snds_blocks_is_one_incident_naming_both)
{
	char *posted;

	start_with_logwatch();
	s3150("192.0.2.60", "hotmail.com", "eur.olc.protection.outlook.com", 4);
	WAIT("SELECT count(*) FROM incidents WHERE provider = 'microsoft' AND code = 'S3150' AND "
	     "sending_ip = '192.0.2.60'", 1, 10000);
	posted = incident_posted();
	cr_assert_eq(q("SELECT count(*) FROM incidents"), 1, "a burst is one incident");
	/* Microsoft's own word first, then the public lists' */
	cr_assert(strstr(posted, "Outlook.com blocks 192.0.2.60 (SNDS: blocked since "), "%s", posted);
	cr_assert(strstr(posted, "'" BLOCKED "'); SNDS filter result RED for 192.0.2.60 since "),
		  "%s", posted);
	cr_assert(strstr(posted, "; no public DNSBL lists it"), "%s", posted);
	/* consumer Outlook.com: the sender support request form, not the Office 365 portal */
	cr_assert(strstr(posted, "Outlook.com sender support request form "
				 "(https://go.microsoft.com/fwlink/?LinkID=614866)"), "%s", posted);
	cr_assert(strstr(posted, "\\\"removal\\\":\\\"https://go.microsoft.com/fwlink/?LinkID=614866"),
		  "%s", posted);
	cr_assert_null(strstr(posted, "6f1c9b2e"));
	free(posted);
	/* the API (and the dashboard's incident card) says what the alert said */
	posted = get("/api/v1/incidents", 200);
	cr_assert_eq(harness_schema_valid("api/incidents.schema.json", posted), 0, "%s", posted);
	cr_assert(strstr(posted, "\"context\":\"Outlook.com blocks 192.0.2.60 (SNDS: blocked since "),
		  "%s", posted);
	cr_assert(strstr(posted, "\"removal\":\"https://go.microsoft.com/fwlink/?LinkID=614866\""),
		  "%s", posted);
	free(posted);
	cr_assert_eq(harness_daemon_stop(&d, 5000), 0);
}

Test(snds_daemon, s3150_when_the_network_is_listed_points_to_the_provider)
{
	char *posted;

	start_with_logwatch();
	/* 192.0.2.62: SNDS does not block it (GREEN); its network is on Test NET (the NinerNet case) */
	s3150("192.0.2.62", "contoso.example", "contoso-example.mail.protection.outlook.com", 4);
	WAIT("SELECT count(*) FROM incidents WHERE sending_ip = '192.0.2.62'", 1, 10000);
	posted = incident_posted();
	cr_assert(strstr(posted, "SNDS does not show 192.0.2.62 as blocked (as of "), "%s", posted);
	cr_assert(strstr(posted, "Test NET lists 192.0.2.62 since"), "%s", posted);
	cr_assert(strstr(posted, "only the provider can get that lifted"), "%s", posted);
	cr_assert_null(strstr(posted, "no public DNSBL lists it"), "%s", posted);
	free(posted);
	cr_assert_eq(harness_daemon_stop(&d, 5000), 0);
}

/* ---- blmon nagios, daemon mode: SNDS's freshness is the daemon's word ---- */

/* A status document with 192.0.2.60 blocked by SNDS, last answered 90 minutes ago (SNDS is
 * asked hourly), stale or not, and a fresh clean DNS result, for a daemon of 30 min. */
/* What a daemon serves for 192.0.2.60 (GET /api/v1/targets/192.0.2.60) and its summary, with
 * the SNDS listing last answered 90 minutes ago: fresh by the daemon's word, or stale. */
static void status_doc(bool stale)
{
	char doc1[2048], old[TIMEFMT_MAX], fresh[TIMEFMT_MAX], sub[1100];

	timefmt_rfc3339(time(NULL) - 5400, old);
	timefmt_rfc3339(time(NULL) - 60, fresh);
	snprintf(doc1, sizeof(doc1),
		 "{\"target\":\"192.0.2.60\",\"type\":\"ipv4\","
		 "\"status\":\"listed\",\"results\":["
		 "{\"zone\":\"microsoft-snds\",\"name\":\"Microsoft SNDS blocklist (Outlook.com)\","
		 "\"status\":\"listed\",\"scope\":\"ip\",\"kind\":\"block\",\"codes\":[\"127.0.0.2\"],"
		 "\"meanings\":[],\"txt\":[],\"reason\":null,\"removal_url\":null,\"ttl\":0,"
		 "\"since\":\"%s\",\"checked_at\":\"%s\",\"stale\":%s,\"failing_since\":null,"
		 "\"failing_reason\":null},"
		 "{\"zone\":\"bl.test\",\"name\":\"Test BL\",\"status\":\"clean\",\"scope\":\"ip\","
		 "\"kind\":\"block\",\"codes\":[],\"meanings\":[],\"txt\":[],\"reason\":null,"
		 "\"removal_url\":null,\"ttl\":0,\"since\":\"%s\",\"checked_at\":\"%s\",\"stale\":false,"
		 "\"failing_since\":null,\"failing_reason\":null}]}",
		 old, old, stale ? "true" : "false", fresh, fresh);
	snprintf(sub, sizeof(sub), "%s/api", dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/api/v1", dir);
	mkdir(sub, 0755);
	cr_assert_eq(harness_write(sub, "summary", "{\"interval_seconds\":1800}"), 0);
	snprintf(sub, sizeof(sub), "%s/api/v1/targets", dir);
	mkdir(sub, 0755);
	cr_assert_eq(harness_write(sub, "192.0.2.60", doc1), 0);
}

Test(snds_daemon, nagios_daemon_mode_takes_snds_freshness_from_the_daemon)
{
	char url[64];
	const char *args[] = {"nagios", "--url", url, "-H", "192.0.2.60", NULL};
	harness_run_t r;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", web.port);
	status_doc(false);
	cr_assert_eq(harness_run(&r, 30, args), 0);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(!strncmp(r.out, "BLMON CRITICAL - 192.0.2.60 listed on 1 of 2 lists: Microsoft SNDS "
			   "blocklist (Outlook.com)", 85), "%s", r.out);
	cr_assert_null(strstr(r.out, " ago"), "an hourly document is not old data: %s", r.out);
	harness_run_free(&r);
	status_doc(true);
	cr_assert_eq(harness_run(&r, 30, args), 0);
	cr_assert(strstr(r.out, "; as of 90 min ago"), "the daemon called it stale: %s", r.out);
	harness_run_free(&r);
}
