/* test_daemon.c -- `blmon run` against a changing rbldnsd: history, confirmation, health, restarts.
 * Each test runs the real daemon with a 1-second interval and edits zone files under it. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/timefmt.h"
#include "tests/harness.h"

static char *dir;
static harness_server_t dns;
static harness_daemon_t d;
static int http_port;           /* the daemon's [http] listen port, set by write_conf */
static const char *extra_conf = ""; /* more sections, for the tests that need them */

static const char zone_a[] = ":127.0.0.2:Spam source $\n127.0.0.2\n192.0.2.10\n192.0.2.11\n";
static const char zone_b[] = "# second dataset: extra records\n";

static const char zone_ok[] = "# a second list that keeps working\n127.0.0.2\n";

static void setup(void)
{
	static const char *const zones[] = {"bl.test:ip4set:a", "bl.test:ip4set:b",
					    "ok.test:ip4set:ok", NULL};

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write_zone(dir, "a", zone_a), 0);
	cr_assert_eq(harness_write_zone(dir, "b", zone_b), 0);
	cr_assert_eq(harness_write_zone(dir, "ok", zone_ok), 0);
	extra_conf = "";
	cr_assert_eq(harness_rbldnsd_start_ttl(&dns, dir, zones, "1"), 0, "rbldnsd did not start");
	harness_daemon_init(&d, dir);
}

static void teardown(void)
{
	harness_daemon_kill(&d);
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(daemon, .init = setup, .fini = teardown, .timeout = 90);

static void write_conf(int confirm, const char *extra_targets)
{
	int r;

	http_port = harness_free_tcp_port();
	r = harness_daemon_config(&d,
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = %d\n"
		 "timeout = 300ms\nretries = 1\n"
		 "[targets]\nip = 192.0.2.10\nip = 192.0.2.20\n%s"
		 "[lists]\ndefault = no\n"
		 "[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		 "code = 127.0.0.4 Exploited host\nremoval = https://bl.test/remove?ip={target}\n"
		 "[http]\nlisten = 127.0.0.1:%d\n%s",
		 dns.port, d.db, confirm, extra_targets ? extra_targets : "", http_port, extra_conf);

	cr_assert_eq(r, 0);
}

static void start_daemon(void)
{
	cr_assert_eq(harness_daemon_start(&d), 0, "blmon run did not start");
}

static int stop_daemon(void)
{
	return harness_daemon_stop(&d, 1500);
}

/* Value of a query against the daemon's database (read-only, as the web will). */
static long long q(const char *sql)
{
	return harness_daemon_value(&d, sql);
}

#define EV(target, to) \
	"SELECT count(*) FROM events e JOIN targets t ON t.id = e.target_id WHERE t.target = '" target \
	"' AND e.\"to\" = '" to "'"
#define ST(target) \
	"SELECT CASE s.status WHEN 'listed' THEN 2 WHEN 'unchecked' THEN 1 ELSE 0 END FROM state s " \
	"JOIN targets t ON t.id = s.target_id WHERE t.target = '" target "'"

Test(daemon, listed_then_delisted_once_each)
{
	write_conf(1, NULL);
	start_daemon();
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 5000))
		harness_daemon_fail(&d, "first listing not recorded");
	cr_assert_eq(q(EV("192.0.2.20", "clean")), 1);
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n192.0.2.11\n"), 0);
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "clean"), 1, 8000))
		harness_daemon_fail(&d, "delisting not recorded");
	/* more cycles must not repeat anything */
	if (!harness_daemon_cycles(&d, 2, 5000))
		harness_daemon_fail(&d, "no more cycles after the delisting");
	cr_assert_eq(q("SELECT count(*) FROM events"), 3, "events: exactly first-seen x2 + delisting");
	cr_assert_eq(q(ST("192.0.2.10")), 0);
	cr_assert_eq(q("SELECT count(*) FROM events WHERE \"from\" = 'listed' AND \"to\" = 'clean'"), 1);
	cr_assert_geq(q("SELECT count(*) FROM cycles WHERE ended IS NOT NULL"), 3);
	cr_assert_eq(stop_daemon(), 0, "SIGTERM must exit 0 within a second");
}

Test(daemon, confirm_two_needs_two_observations)
{
	write_conf(2, NULL);
	start_daemon();
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 5000))
		harness_daemon_fail(&d, "first listing not recorded");
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n"), 0);
	/* the first clean answer is only pending; the state stays listed meanwhile */
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM state WHERE status = 'listed' AND "
				     "pending_count = 1", 1, 8000))
		harness_daemon_fail(&d, "a change seen once was never held as pending");
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "clean"), 1, 8000))
		harness_daemon_fail(&d, "confirmed delisting not recorded");
	cr_assert_eq(stop_daemon(), 0);
}

Test(daemon, code_change_is_an_event)
{
	write_conf(1, NULL);
	start_daemon();
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 5000))
		harness_daemon_fail(&d, "first listing not recorded");
	cr_assert_eq(harness_write_zone(dir, "b", "192.0.2.10 :127.0.0.4:Exploited\n"), 0);
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM events WHERE \"from\" = 'listed' AND "
				     "\"to\" = 'listed' AND codes = '[\"127.0.0.2\",\"127.0.0.4\"]'",
				 1, 8000))
		harness_daemon_fail(&d, "SBL -> SBL+XBL not recorded");
	cr_assert_eq(stop_daemon(), 0);
}

#define SINCE(target) \
	"SELECT since FROM state s JOIN targets t ON t.id = s.target_id WHERE t.target = '" target "'"

Test(daemon, restart_continues_without_duplicates)
{
	long long events, since, last;
	char sql[128];

	write_conf(1, NULL);
	start_daemon();
	if (!harness_daemon_cycles(&d, 2, 6000))
		harness_daemon_fail(&d, "no cycles");
	cr_assert_eq(stop_daemon(), 0);
	events = q("SELECT count(*) FROM events");
	since = q(SINCE("192.0.2.10"));
	last = q("SELECT max(id) FROM cycles");
	cr_assert_eq(events, 2);
	start_daemon();
	if (!harness_daemon_cycles(&d, 2, 8000))
		harness_daemon_fail(&d, "no cycles after restart");
	/* since is in whole seconds: the new run's cycles must have begun in a
	 * later second, or a state it re-recorded would not show in since */
	snprintf(sql, sizeof(sql), "SELECT min(started) FROM cycles WHERE id > %lld", last);
	cr_assert_gt(q(sql), since, "the restarted run began in the second of since");
	cr_assert_eq(q("SELECT count(*) FROM events"), events, "a restart re-recorded known state");
	cr_assert_eq(q(SINCE("192.0.2.10")), since, "since must survive a restart");
	cr_assert_eq(stop_daemon(), 0);
}

Test(daemon, sighup_reloads_and_refuses_a_bad_config)
{
	char *log;

	write_conf(1, NULL);
	start_daemon();
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 5000))
		harness_daemon_fail(&d, "first listing not recorded");
	cr_assert_eq(harness_daemon_config(&d, "[monitor]\ninterval = soon\n"), 0);
	kill(d.pid, SIGHUP);
	if (!harness_daemon_wait_log(&d, "reload of", 5000))
		harness_daemon_fail(&d, "the bad reload was not reported");
	/* the reload is refused between cycles: a cycle after it proves the daemon carried on */
	if (!harness_daemon_cycles(&d, 1, 5000))
		harness_daemon_fail(&d, "a bad reload must not stop the daemon");
	cr_assert(harness_daemon_running(&d), "a bad reload must not stop the daemon");
	log = harness_read(d.log);
	cr_assert(strstr(log, "reload of") && strstr(log, "interval"), "%s", log);
	free(log);
	write_conf(1, "ip = 192.0.2.11\n");
	kill(d.pid, SIGHUP);
	if (!harness_daemon_wait(&d, EV("192.0.2.11", "listed"), 1, 6000))
		harness_daemon_fail(&d, "target added by reload not checked");
	cr_assert_eq(stop_daemon(), 0);
}

Test(daemon, config_and_budget_errors_exit_2)
{
	harness_run_t r;
	const char *args[] = {"run", "-c", d.conf, NULL};

	cr_assert_eq(harness_daemon_config(&d, "[monitor]\nconfirm = 0\n"), 0);
	cr_assert_eq(harness_run(&r, 10, args), 0);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "blmon.conf:2: [monitor] confirm"), "%s", r.err);
	harness_run_free(&r);
	/* 256 addresses every 10 s on dnswl (100,000 queries/day) */
	cr_assert_eq(harness_daemon_config(&d, "[monitor]\ninterval = 10s\nresolver = 127.0.0.1:%d\n"
					       "database = %s\n[targets]\nnetwork = 192.0.2.0/24\n"
					       "[lists]\nonly = dnswl\n", dns.port, d.db), 0);
	cr_assert_eq(harness_run(&r, 10, args), 0);
	cr_assert_eq(r.status, 2, "budget exceeded must refuse to start");
	cr_assert(strstr(r.err, "exceed its budget of 100000/day"), "%s", r.err);
	harness_run_free(&r);
}

static off_t fsize(const char *suffix)
{
	char p[1100];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", d.db, suffix);
	return stat(p, &st) == 0 ? st.st_size : 0;
}

Test(daemon, full_disk_is_reported_and_nothing_is_lost)
{
	struct rlimit lim;

	setenv("BLMON_DEBUG", "1", 1); /* the retries are debug lines (this test's process only) */
	write_conf(1, NULL);
	start_daemon();
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 5000))
		harness_daemon_fail(&d, "first listing not recorded");
	/* the first cycle is over: its writes are all in the files */
	if (!harness_daemon_cycles(&d, 1, 5000))
		harness_daemon_fail(&d, "the first cycle did not finish");
	/* the database files may not grow any more: as good as a full disk */
	lim.rlim_cur = (rlim_t)(fsize("") > fsize("-wal") ? fsize("") : fsize("-wal"));
	lim.rlim_max = RLIM_INFINITY; /* soft limit only, so it can be lifted again */
	cr_assert_eq(prlimit(d.pid, RLIMIT_FSIZE, &lim, NULL), 0);
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n192.0.2.11\n"), 0);
	/* a failed write, retried (debug lines) but logged as an error once, and on /healthz:
	 * the daemon lives on a full disk without filling what is left with its log */
	if (!harness_daemon_wait_log_n(&d, "error: database", 1, 20000))
		harness_daemon_fail(&d, "no clear error logged on a full disk");
	if (!harness_daemon_wait_log_n(&d, "(again)", 2, 20000))
		harness_daemon_fail(&d, "the write was not retried");
	cr_assert_eq(harness_daemon_wait_log_n(&d, "error: database", 2, 0), false,
		     "the same error was logged twice");
	if (!harness_daemon_wait_http(&d, http_port, "/healthz", 503, "disk I/O error", 5000))
		harness_daemon_fail(&d, "/healthz does not say the database fails");
	cr_assert(harness_daemon_running(&d), "the daemon died on a full disk");
	/* space again: the change is recorded, once */
	lim.rlim_cur = RLIM_INFINITY;
	cr_assert_eq(prlimit(d.pid, RLIMIT_FSIZE, &lim, NULL), 0);
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "clean"), 1, 20000))
		harness_daemon_fail(&d, "change not recorded once the disk had space again");
	if (!harness_daemon_wait_log(&d, "writable again", 5000))
		harness_daemon_fail(&d, "the recovery was not logged");
	if (!harness_daemon_wait_http(&d, http_port, "/healthz", 200, NULL, 5000))
		harness_daemon_fail(&d, "/healthz not 200 once the database is writable again");
	cr_assert_eq(stop_daemon(), 0);
}

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
	char **buf = ud;
	size_t old = *buf ? strlen(*buf) : 0;

	*buf = realloc(*buf, old + sz * n + 1);
	memcpy(*buf + old, p, sz * n);
	(*buf)[old + sz * n] = '\0';
	return sz * n;
}

/* GET http://127.0.0.1:port/path; the body (caller frees) or NULL. */
static char *http_get(int port, const char *path)
{
	CURL *c = curl_easy_init();
	char url[256], *body = NULL;
	long code = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	if (curl_easy_perform(c) != CURLE_OK ||
	    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code != 200) {
		free(body);
		body = NULL;
	}
	curl_easy_cleanup(c);
	return body;
}

Test(daemon, reload_restarts_the_web_server_with_the_new_config)
{
	char *body, serving[64];
	int port = harness_free_tcp_port();

	write_conf(1, NULL);
	start_daemon();
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 5000))
		harness_daemon_fail(&d, "first listing not recorded");
	/* a second list and a new HTTP port */
	cr_assert_eq(harness_daemon_config(&d,
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		 "timeout = 300ms\n[targets]\nip = 192.0.2.10\n[lists]\ndefault = no\n"
		 "[list bl.test]\n[list other.test]\n[http]\nlisten = 127.0.0.1:%d\n",
		 dns.port, d.db, port), 0);
	kill(d.pid, SIGHUP);
	/* logged once the restarted server listens */
	snprintf(serving, sizeof(serving), "on 127.0.0.1:%d (port %d)", port, port);
	if (!harness_daemon_wait_log(&d, serving, 5000))
		harness_daemon_fail(&d, "the web server was not restarted on the new port");
	body = http_get(port, "/api/v1/lists");
	if (!body || !strstr(body, "other.test"))
		harness_daemon_fail(&d, "the web server did not follow the reload");
	free(body);
	cr_assert_eq(stop_daemon(), 0);
}

/* ===== what is known survives what fails (a failed check is not a state) ===== */

#define SINCE_ON(target, zone)                                                                   \
	"SELECT s.since FROM state s JOIN targets t ON t.id = s.target_id JOIN lists l ON "      \
	"l.id = s.list_id WHERE t.target = '" target "' AND l.zone = '" zone "'"
#define FAILING_ON(target, zone)                                                                 \
	"SELECT s.failing_since > 0 FROM state s JOIN targets t ON t.id = s.target_id JOIN lists " \
	"l ON l.id = s.list_id WHERE t.target = '" target "' AND l.zone = '" zone "'"
#define STATUS_ON(target, zone, status)                                                          \
	"SELECT count(*) FROM state s JOIN targets t ON t.id = s.target_id JOIN lists l ON "      \
	"l.id = s.list_id WHERE t.target = '" target "' AND l.zone = '" zone "' AND s.status = '" \
	status "'"
#define OUTAGES_OPEN "SELECT count(*) FROM resolver_outages WHERE ended IS NULL"
#define OUTAGES "SELECT count(*) FROM resolver_outages"
#define NOT_A_STATE "SELECT count(*) FROM events WHERE \"to\" NOT IN ('listed', 'clean') OR " \
		    "ifnull(\"from\", 'listed') NOT IN ('listed', 'clean')"

/* GETs path and asserts status and that the body holds each needle (NULL-ended). */
static void http_expect(const char *path, long want, ...)
{
	long status;
	char *body = harness_http_get(http_port, path, &status);
	va_list ap;

	cr_assert_not_null(body, "GET %s: no answer", path);
	cr_assert_eq(status, want, "GET %s: %ld, want %ld: %s", path, status, want, body);
	va_start(ap, want);
	for (const char *n = va_arg(ap, const char *); n; n = va_arg(ap, const char *))
		cr_assert(strstr(body, n), "GET %s: no %s in\n%s", path, n, body);
	va_end(ap);
	free(body);
}

/* `blmon nagios --url` (daemon mode) on target: its exit status; *out gets its line. */
static int nagios(const char *target, char *out, size_t len)
{
	char url[64];
	const char *args[] = {"nagios", "--url", url, "-H", target, NULL};
	harness_run_t r;
	int st;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", http_port);
	cr_assert_eq(harness_run(&r, 10, args), 0);
	snprintf(out, len, "%s", r.out);
	st = r.status;
	harness_run_free(&r);
	return st;
}

#define LISTED_10 "blmon_listed{target=\"192.0.2.10\",zone=\"bl.test\",scope=\"ip\"} 1\n"

Test(daemon, a_resolver_outage_changes_nothing_known)
{
	long long events, since10, since20;
	char line[1024], hook[160];

	/* a webhook nobody answers: what is queued is what would be sent */
	snprintf(hook, sizeof(hook), "[webhook]\nurl = http://127.0.0.1:%d/hook\n",
		 harness_closed_port());
	extra_conf = hook;
	write_conf(1, NULL);
	start_daemon();
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 5000) ||
	    !harness_daemon_wait(&d, EV("192.0.2.20", "clean"), 1, 5000))
		harness_daemon_fail(&d, "first observations not recorded");
	if (!harness_daemon_wait_http(&d, http_port, "/healthz", 200, NULL, 5000))
		harness_daemon_fail(&d, "/healthz not 200 with the resolver up");
	events = q("SELECT count(*) FROM events");
	since10 = q(SINCE_ON("192.0.2.10", "bl.test"));
	since20 = q(SINCE_ON("192.0.2.20", "bl.test"));

	kill(dns.pid, SIGSTOP); /* the resolver stops answering */
	if (!harness_daemon_wait(&d, OUTAGES_OPEN, 1, 10000)) {
		kill(dns.pid, SIGCONT);
		harness_daemon_fail(&d, "no resolver outage recorded");
	}
	if (!harness_daemon_wait_http(&d, http_port, "/healthz", 503, "does not answer", 5000)) {
		kill(dns.pid, SIGCONT);
		harness_daemon_fail(&d, "/healthz did not turn 503 with the resolver down");
	}
	/* stale after the interval and two more: every target, still as last confirmed */
	if (!harness_daemon_wait_http(&d, http_port, "/api/v1/status", 200,
				      "\"summary\":{\"targets\":2,\"listed\":1,\"own\":1,\"neighbourhood\":0,\"clean\":1,"
				      "\"unchecked\":0,\"stale\":2}", 10000)) {
		kill(dns.pid, SIGCONT);
		harness_daemon_fail(&d, "the listing did not stay listed, and stale, through the outage");
	}
	http_expect("/api/v1/status", 200, "\"resolver\":{\"state\":\"down\"", NULL);
	http_expect("/api/v1/targets/192.0.2.10", 200, "\"status\":\"listed\"",
		    "\"stale\":true", "\"failing_reason\":\"", NULL);
	http_expect("/metrics", 200, LISTED_10, "blmon_resolver_up 0\n", "blmon_targets_stale 2\n",
		    "blmon_targets{standing=\"own\"} 1\n", NULL);
	/* Nagios: a stale listing stays CRITICAL, as of when; stale clean data is WARNING */
	cr_assert_eq(nagios("192.0.2.10", line, sizeof(line)), 2, "%s", line);
	cr_assert(strstr(line, "as of") && strstr(line, "ago"), "%s", line);
	cr_assert_eq(nagios("192.0.2.20", line, sizeof(line)), 1, "%s", line);
	cr_assert(strstr(line, "BLMON WARNING") && strstr(line, "checks failing"), "%s", line);

	/* a restart in the middle of the outage: nothing known is lost, no second outage */
	cr_assert_eq(stop_daemon(), 0);
	start_daemon();
	if (!harness_daemon_cycles(&d, 2, 10000)) {
		kill(dns.pid, SIGCONT);
		harness_daemon_fail(&d, "no cycles after a restart during the outage");
	}
	cr_assert_eq(q(OUTAGES), 1, "a restart opened a second outage");
	cr_assert_eq(q(STATUS_ON("192.0.2.10", "bl.test", "listed")), 1);

	kill(dns.pid, SIGCONT); /* back */
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM resolver_outages WHERE ended IS NOT NULL",
				 1, 10000))
		harness_daemon_fail(&d, "the outage was not closed when the resolver came back");
	if (!harness_daemon_wait(&d, FAILING_ON("192.0.2.10", "bl.test"), 0, 5000))
		harness_daemon_fail(&d, "the listing is still failing after the resolver came back");
	if (!harness_daemon_wait_http(&d, http_port, "/healthz", 200, NULL, 5000))
		harness_daemon_fail(&d, "/healthz not 200 again after the outage");
	if (!harness_daemon_wait_http(&d, http_port, "/api/v1/status", 200,
				      "\"unchecked\":0,\"stale\":0}", 5000))
		harness_daemon_fail(&d, "results not fresh again after the outage");
	http_expect("/metrics", 200, LISTED_10, "blmon_resolver_up 1\n", NULL);
	cr_assert_eq(nagios("192.0.2.10", line, sizeof(line)), 2, "%s", line);
	cr_assert_null(strstr(line, "as of"), "%s", line);

	/* the history is as if nothing had happened but the outage */
	cr_assert_eq(q("SELECT count(*) FROM events"), events, "the outage wrote per-target events");
	cr_assert_eq(q(NOT_A_STATE), 0);
	cr_assert_eq(q(SINCE_ON("192.0.2.10", "bl.test")), since10, "the listing's since changed");
	cr_assert_eq(q(SINCE_ON("192.0.2.20", "bl.test")), since20, "clean's since changed");
	cr_assert_eq(q(OUTAGES), 1, "exactly one resolver outage");
	cr_assert_eq(q("SELECT count(*) FROM list_health WHERE health != 'ok'"), 0,
		     "the resolver's fault was recorded on the list");
	/* alerts: the first summary, then one when the outage began and one when it ended */
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM alerts WHERE payload LIKE "
				     "'%\"kind\":\"resolver\"%'", 2, 5000))
		harness_daemon_fail(&d, "no alert when the outage began and ended");
	cr_assert_eq(q("SELECT count(*) FROM alerts"), 3, "alerts other than the resolver's");
	cr_assert_eq(stop_daemon(), 0);
}

Test(daemon, one_failing_list_is_that_lists_health)
{
	long long events, since;

	extra_conf = "[list ok.test]\nname = OK BL\ncode = 127.0.0.2 Spam\n";
	write_conf(1, NULL);
	start_daemon();
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 5000) ||
	    !harness_daemon_wait(&d, "SELECT count(*) FROM events", 4, 5000))
		harness_daemon_fail(&d, "first observations not recorded");
	events = q("SELECT count(*) FROM events");
	since = q(SINCE_ON("192.0.2.10", "bl.test"));
	/* bl.test loses its test point (dead) while ok.test keeps answering */
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n192.0.2.10\n"), 0);
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM lists WHERE zone = 'bl.test' AND "
				     "health = 'dead'", 1, 8000))
		harness_daemon_fail(&d, "dead list not recorded");
	if (!harness_daemon_wait(&d, FAILING_ON("192.0.2.10", "bl.test"), 1, 5000))
		harness_daemon_fail(&d, "the dead list's results are not marked failing");
	if (!harness_daemon_cycles(&d, 2, 5000))
		harness_daemon_fail(&d, "no cycles with the dead list");
	cr_assert_eq(q(STATUS_ON("192.0.2.10", "bl.test", "listed")), 1, "a dead list unlisted");
	cr_assert_eq(q(FAILING_ON("192.0.2.10", "ok.test")), 0, "the working list is failing too");
	cr_assert_eq(q(OUTAGES), 0, "one list's fault was put on the resolver");
	http_expect("/healthz", 200, NULL);
	http_expect("/api/v1/status", 200, "\"resolver\":{\"state\":\"up\"", NULL);
	cr_assert_eq(harness_write_zone(dir, "a", zone_a), 0);
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM list_health WHERE health = 'ok' AND "
				     "list_id = (SELECT id FROM lists WHERE zone = 'bl.test')", 2, 8000))
		harness_daemon_fail(&d, "recovered list not recorded");
	if (!harness_daemon_wait(&d, FAILING_ON("192.0.2.10", "bl.test"), 0, 5000))
		harness_daemon_fail(&d, "the recovered list's results are still failing");
	cr_assert_eq(q("SELECT count(*) FROM events"), events, "the dead list wrote per-target events");
	cr_assert_eq(q(SINCE_ON("192.0.2.10", "bl.test")), since);
	cr_assert_eq(stop_daemon(), 0);
}

Test(daemon, a_lying_resolver_is_one_root_cause)
{
	harness_server_t liar;
	char conf[1024];

	/* NXDOMAIN for everything, test points included, for both lists */
	cr_assert_eq(harness_hostile_dns_start(&liar, dir), 0, "hostiledns did not start");
	snprintf(conf, sizeof(conf),
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		 "timeout = 300ms\nretries = 1\n[targets]\nip = 192.0.2.10\n[lists]\ndefault = no\n"
		 "[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		 "[list ok.test]\nname = OK BL\ncode = 127.0.0.2 Spam\n"
		 "[http]\nlisten = 127.0.0.1:%d\n",
		 liar.port, d.db, http_port = harness_free_tcp_port());
	cr_assert_eq(harness_daemon_config(&d, "%s", conf), 0);
	start_daemon();
	if (!harness_daemon_wait(&d, OUTAGES_OPEN, 1, 8000)) {
		harness_server_stop(&liar);
		harness_daemon_fail(&d, "a resolver that lies for every list is not the resolver's fault");
	}
	if (!harness_daemon_cycles(&d, 2, 5000)) {
		harness_server_stop(&liar);
		harness_daemon_fail(&d, "no cycles");
	}
	harness_server_stop(&liar);
	cr_assert_eq(q(OUTAGES), 1);
	cr_assert_eq(q("SELECT count(*) FROM list_health WHERE health != 'ok'"), 0,
		     "the lists were blamed for the resolver");
	cr_assert_eq(q("SELECT count(*) FROM events"), 0, "NXDOMAIN from a liar read as clean");
	cr_assert_eq(q(STATUS_ON("192.0.2.10", "bl.test", "unchecked")), 1);
	cr_assert_eq(q(FAILING_ON("192.0.2.10", "bl.test")), 1);
	/* one banner's worth: the resolver down, the lists untested, /healthz says so */
	http_expect("/api/v1/status", 200, "\"resolver\":{\"state\":\"down\"",
		    "answers NXDOMAIN for every list", "\"health\":\"untested\"", NULL);
	http_expect("/healthz", 503, "answers NXDOMAIN", NULL);
	{
		char *log = harness_read(d.log);
		int n = harness_count(log, "answers NXDOMAIN for every list");
		free(log);
		cr_assert_eq(n, 1, "the outage was logged %d times, not once", n);
	}
	cr_assert_eq(stop_daemon(), 0);
}

/* ===== a database that cannot be written: back off, say it once, show it on /healthz ===== */

Test(daemon, a_read_only_database_backs_off_and_says_so_once)
{
	char newdb[1200], sql[1400], *log;
	struct passwd *pw = getpwnam("nobody");
	int lines;

	cr_assert_not_null(pw);
	setenv("BLMON_DEBUG", "1", 1); /* each retry is a debug line: they are counted below */
	/* as root, the daemon runs as nobody in a directory nobody owns */
	d.user = "nobody";
	if (geteuid() == 0)
		cr_assert_eq(chown(dir, pw->pw_uid, pw->pw_gid), 0);
	cr_assert_eq(chmod(dir, 0755), 0);
	write_conf(1, NULL);
	start_daemon();
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 5000))
		harness_daemon_fail(&d, "first listing not recorded");
	/* the database is replaced by a read-only copy in a read-only directory */
	snprintf(newdb, sizeof(newdb), "%s.ro", d.db);
	snprintf(sql, sizeof(sql), "VACUUM INTO '%s'", newdb);
	harness_daemon_value(&d, sql);
	cr_assert_eq(chmod(newdb, 0444), 0);
	if (geteuid() == 0)
		cr_assert_eq(chown(newdb, pw->pw_uid, pw->pw_gid), 0);
	cr_assert_eq(rename(newdb, d.db), 0);
	cr_assert_eq(chmod(dir, 0555), 0);
	if (!harness_daemon_wait_log_n(&d, "(again)", 3, 20000)) {
		chmod(dir, 0755);
		harness_daemon_fail(&d, "the failing writes were not retried");
	}
	if (!harness_daemon_wait_http(&d, http_port, "/healthz", 503, "readonly", 5000)) {
		chmod(dir, 0755);
		harness_daemon_fail(&d, "/healthz does not say the database cannot be written");
	}
	chmod(dir, 0755);
	cr_assert(harness_daemon_running(&d), "the daemon died on a read-only database");
	log = harness_read(d.log);
	lines = harness_count(log, "\n");
	cr_assert_eq(harness_count(log, "error: database"), 1, "logged more than once:\n%s", log);
	/* a tight loop wrote millions of lines in seconds; a few per retry is the bound */
	cr_assert_lt(lines, 60, "%d log lines:\n%s", lines, log);
	free(log);
	cr_assert_eq(stop_daemon(), 0);
}

/* ===== the database deleted or replaced under the running daemon ===== */

#define INTACT "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"

/* d.db with suffix ("", "-wal", "-shm") into p. */
static const char *db_file(char *p, size_t len, const char *suffix)
{
	snprintf(p, len, "%s%s", d.db, suffix);
	return p;
}

/* The inode of d.db with suffix, 0 when there is none. */
static ino_t db_inode(const char *suffix)
{
	char p[1100];
	struct stat st;

	return stat(db_file(p, sizeof(p), suffix), &st) == 0 ? st.st_ino : 0;
}

/* The daemon checks its file when a cycle begins: right after one ended, the
 * next is the first to see what the test does. The resolver is stopped until
 * resume_dns, so that cycle lasts (its queries time out) and what /healthz says
 * during it can be seen; confirm = 2 keeps that one failing cycle from being
 * a resolver outage. */
static void between_cycles_hold_dns(void)
{
	if (!harness_daemon_cycles(&d, 1, 5000))
		harness_daemon_fail(&d, "no cycle finished");
	kill(dns.pid, SIGSTOP);
}

static void resume_dns(void)
{
	kill(dns.pid, SIGCONT);
}

/* Waits for /healthz to answer 503 naming the database and why, while the
 * first cycle on the new file runs. */
static void healthz_names_the_database(const char *why)
{
	long status;
	char *body;

	if (!harness_daemon_wait_http(&d, http_port, "/healthz", 503, why, 5000)) {
		resume_dns();
		harness_daemon_fail(&d, "/healthz does not say what happened to the database");
	}
	body = harness_http_get(http_port, "/healthz", &status);
	resume_dns();
	cr_assert(body && strstr(body, d.db), "/healthz does not name the database: %s", body);
	free(body);
}

/* Does path answer with the last cycle the file at the path has? The web must
 * read the new file, not the old one it may still have open. */
static bool serves_the_last_cycle(const char *path, const char *key)
{
	char want[128], t[TIMEFMT_MAX], *body;
	long status;
	bool ok;

	timefmt_rfc3339(q("SELECT max(ended) FROM cycles"), t);
	snprintf(want, sizeof(want), "\"%s\":\"%s\"", key, t);
	body = harness_http_get(http_port, path, &status);
	ok = body && status == 200 && strstr(body, want);
	free(body);
	return ok;
}

/* After the new file's first cycle /healthz is 200 again, and what the web
 * shows is the new file's, as the daemon writes on. */
static void healthy_on_the_new_file(void)
{
	bool fresh = false;

	if (!harness_daemon_wait_http(&d, http_port, "/healthz", 200, NULL, 15000))
		harness_daemon_fail(&d, "/healthz not 200 again on the new database");
	cr_assert_geq(q("SELECT count(*) FROM cycles WHERE ended IS NOT NULL"), 1,
		      "/healthz was 200 before a cycle finished on the new file");
	if (!harness_daemon_cycles(&d, 2, 10000))
		harness_daemon_fail(&d, "no cycles written to the new database");
	/* a cycle may end between the two reads: ask again, for a few cycles at most */
	for (int i = 0; i < 250 && !fresh; i++) {
		fresh = serves_the_last_cycle("/healthz", "last_cycle_ended") &&
			serves_the_last_cycle("/api/v1/status", "ended");
		if (!fresh)
			usleep(20000);
	}
	if (!fresh) {
		long status;
		char *body = harness_http_get(http_port, "/healthz", &status);
		cr_log_error("/healthz: %s", body);
		free(body);
		harness_daemon_fail(&d, "the web does not show what the new database holds");
	}
	http_expect("/api/v1/status", 200, "\"listed\":1", NULL);
}

Test(daemon, a_deleted_database_is_said_and_made_again)
{
	char p[1100], kept[1200], *log;
	long long cycles;
	ino_t old;

	write_conf(2, NULL);
	start_daemon();
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 5000))
		harness_daemon_fail(&d, "first listing not recorded");
	if (!harness_daemon_wait_http(&d, http_port, "/healthz", 200, NULL, 5000))
		harness_daemon_fail(&d, "/healthz not 200 before the deletion");
	/* a second name keeps the old file's inode from being reused by the new one */
	snprintf(kept, sizeof(kept), "%s.kept", d.db);
	cr_assert_eq(link(d.db, kept), 0);
	old = db_inode("");
	between_cycles_hold_dns();
	cr_assert_eq(unlink(db_file(p, sizeof(p), "")), 0);
	unlink(db_file(p, sizeof(p), "-wal"));
	unlink(db_file(p, sizeof(p), "-shm"));
	if (!harness_daemon_wait_log(&d, "was deleted under the running daemon", 5000)) {
		resume_dns();
		harness_daemon_fail(&d, "the deletion was not logged");
	}
	healthz_names_the_database("was deleted under the running daemon");
	healthy_on_the_new_file();
	cr_assert_neq(db_inode(""), old, "no new database at the path");
	cr_assert_eq(q(INTACT), 1, "the new database is damaged");
	/* what the old file held is gone: the new one starts over, each target seen anew */
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM events WHERE \"from\" IS NULL", 2, 5000))
		harness_daemon_fail(&d, "the targets were not recorded again in the new database");
	log = harness_read(d.log);
	cr_assert_eq(harness_count(log, "was deleted under the running daemon"), 1, "%s", log);
	cr_assert(strstr(log, "restored from a backup"), "%s", log);
	free(log);
	cycles = q("SELECT count(*) FROM cycles WHERE ended IS NOT NULL");
	cr_assert_eq(stop_daemon(), 0);
	/* what was written is in the file at the path, whole, once the daemon is gone */
	cr_assert_eq(q(INTACT), 1, "the new database is damaged");
	cr_assert_geq(q("SELECT count(*) FROM cycles WHERE ended IS NOT NULL"), cycles);
}

Test(daemon, a_replaced_database_is_said_and_used)
{
	char copy[1200], sql[1300], kept[1200], wal[1100], *log;
	long long events, since, cycles;
	ino_t old_wal;

	write_conf(2, NULL);
	start_daemon();
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 5000) ||
	    !harness_daemon_wait(&d, "SELECT count(*) FROM events", 2, 5000))
		harness_daemon_fail(&d, "first observations not recorded");
	if (!harness_daemon_wait_http(&d, http_port, "/healthz", 200, NULL, 5000))
		harness_daemon_fail(&d, "/healthz not 200 before the replacement");
	/* a backup restored over the path: another file, one the daemon can use */
	snprintf(copy, sizeof(copy), "%s.restored", d.db);
	snprintf(sql, sizeof(sql), "VACUUM INTO '%s'", copy);
	harness_daemon_value(&d, sql);
	events = q("SELECT count(*) FROM events");
	since = q(SINCE("192.0.2.10"));
	old_wal = db_inode("-wal");
	cr_assert_neq(old_wal, 0);
	snprintf(kept, sizeof(kept), "%s-wal.kept", d.db); /* its inode cannot be reused */
	cr_assert_eq(link(db_file(wal, sizeof(wal), "-wal"), kept), 0);
	between_cycles_hold_dns();
	/* as `mv` does: the old file's -wal and -shm stay beside the new one */
	cr_assert_eq(rename(copy, d.db), 0);
	if (!harness_daemon_wait_log(&d, "was replaced under the running daemon", 5000)) {
		resume_dns();
		harness_daemon_fail(&d, "the replacement was not logged");
	}
	healthz_names_the_database("was replaced under the running daemon");
	healthy_on_the_new_file();
	/* the old file's WAL would be read as the restored file's pages */
	cr_assert_neq(db_inode("-wal"), old_wal, "the restored file is paired with the old -wal");
	/* the restored history goes on: nothing recorded twice, since kept */
	cr_assert_eq(q("SELECT count(*) FROM events"), events, "the restored states were recorded again");
	cr_assert_eq(q(SINCE("192.0.2.10")), since);
	log = harness_read(d.log);
	cr_assert_eq(harness_count(log, "was replaced under the running daemon"), 1, "%s", log);
	free(log);
	cycles = q("SELECT count(*) FROM cycles WHERE ended IS NOT NULL");
	cr_assert_eq(stop_daemon(), 0);
	/* what was written went into the restored file, whole: not into the old
	 * file's -wal, which still lay beside it */
	cr_assert_eq(q(INTACT), 1, "the restored database is damaged");
	cr_assert_geq(q("SELECT count(*) FROM cycles WHERE ended IS NOT NULL"), cycles,
		      "cycles written after the restore are not in the restored file");
	cr_assert_eq(q("SELECT count(*) FROM events"), events);
}

Test(daemon, a_database_replaced_by_something_else_is_said_once_until_it_is_back)
{
	char junk[1200], *log;

	setenv("BLMON_DEBUG", "1", 1); /* each retry is a debug line: waited for below */
	write_conf(1, NULL);
	start_daemon();
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 5000))
		harness_daemon_fail(&d, "first listing not recorded");
	/* something that is no database where the database was */
	snprintf(junk, sizeof(junk), "%s.junk", d.db);
	cr_assert_eq(harness_write(dir, "blmon.db.junk", "not a database, only text\n"), 0);
	cr_assert_eq(rename(junk, d.db), 0);
	if (!harness_daemon_wait_http(&d, http_port, "/healthz", 503, "not a database", 8000))
		harness_daemon_fail(&d, "/healthz does not say the database cannot be opened");
	/* the daemon tries again (a debug line each time) without saying it all again */
	if (!harness_daemon_wait_log_n(&d, "(again)", 2, 10000))
		harness_daemon_fail(&d, "opening the path was not retried");
	cr_assert(harness_daemon_running(&d), "the daemon died on a file that is no database");
	log = harness_read(d.log);
	cr_assert_eq(harness_count(log, "was replaced under the running daemon"), 1, "%s", log);
	cr_assert_eq(harness_count(log, "error: database"), 1, "%s", log);
	/* what runs between cycles (alerts, the mail log) waits for the database */
	cr_assert_null(strstr(log, "alerts: database"), "%s", log);
	free(log);
	/* the junk goes away: a new database, and the daemon is well again */
	cr_assert_eq(unlink(d.db), 0);
	if (!harness_daemon_wait_http(&d, http_port, "/healthz", 200, NULL, 10000))
		harness_daemon_fail(&d, "/healthz not 200 once the path could be opened again");
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 5000))
		harness_daemon_fail(&d, "nothing recorded in the new database");
	cr_assert_eq(stop_daemon(), 0);
}
