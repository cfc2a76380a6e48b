/* test_daemon.c -- `blmon run` against a changing rbldnsd: history, confirmation, health, restarts.
 * Each test runs the real daemon with a 1-second interval and edits zone files under it. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>

#include "tests/harness.h"

static char *dir;
static harness_server_t dns;
static harness_daemon_t d;

static const char zone_a[] = ":127.0.0.2:Spam source $\n127.0.0.2\n192.0.2.10\n192.0.2.11\n";
static const char zone_b[] = "# second dataset: extra records\n";

static void setup(void)
{
	static const char *const zones[] = {"bl.test:ip4set:a", "bl.test:ip4set:b", NULL};

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write_zone(dir, "a", zone_a), 0);
	cr_assert_eq(harness_write_zone(dir, "b", zone_b), 0);
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
	int r = harness_daemon_config(&d,
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = %d\n"
		 "timeout = 300ms\nretries = 1\n"
		 "[targets]\nip = 192.0.2.10\nip = 192.0.2.20\n%s"
		 "[lists]\ndefault = no\n"
		 "[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		 "code = 127.0.0.4 Exploited host\nremoval = https://bl.test/remove?ip={target}\n"
		 "[http]\nlisten = 127.0.0.1:%d\n",
		 dns.port, d.db, confirm, extra_targets ? extra_targets : "", harness_free_tcp_port());

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
#define UNKNOWN_TO_LISTED "SELECT count(*) FROM events WHERE \"from\" = 'unknown' AND \"to\" = 'listed'"
#define ST(target) \
	"SELECT CASE s.status WHEN 'listed' THEN 2 WHEN 'unknown' THEN 1 ELSE 0 END FROM state s " \
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

Test(daemon, dead_list_gives_unknown_then_recovers)
{
	write_conf(1, NULL);
	start_daemon();
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 5000))
		harness_daemon_fail(&d, "first listing not recorded");
	/* the list loses its test point: dead, and its answers are not trusted */
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n192.0.2.10\n"), 0);
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM list_health WHERE health = 'dead'", 1,
				 8000))
		harness_daemon_fail(&d, "dead list not recorded");
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "unknown"), 1, 5000))
		harness_daemon_fail(&d, "verdicts of a dead list must become unknown");
	cr_assert_eq(q(EV("192.0.2.10", "clean")), 0, "a dead list never makes a listing clean");
	cr_assert_eq(q(EV("192.0.2.20", "unknown")), 1);
	cr_assert_eq(harness_write_zone(dir, "a", zone_a), 0);
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM list_health WHERE health = 'ok'", 2, 8000))
		harness_daemon_fail(&d, "recovered list not recorded");
	if (!harness_daemon_wait(&d, UNKNOWN_TO_LISTED, 1, 5000))
		harness_daemon_fail(&d, "unknown -> listed not recorded");
	cr_assert_eq(stop_daemon(), 0);
}

Test(daemon, resolver_down_is_unknown_never_clean)
{
	write_conf(1, NULL);
	start_daemon();
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 5000))
		harness_daemon_fail(&d, "first listing not recorded");
	kill(dns.pid, SIGSTOP); /* the resolver stops answering */
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "unknown"), 1, 10000)) {
		kill(dns.pid, SIGCONT);
		harness_daemon_fail(&d, "resolver down: listing did not become unknown");
	}
	cr_assert_eq(q(EV("192.0.2.10", "clean")), 0);
	kill(dns.pid, SIGCONT);
	if (!harness_daemon_wait(&d, UNKNOWN_TO_LISTED, 1, 10000))
		harness_daemon_fail(&d, "listing not back after the resolver returned");
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
	/* a failed write, and another one cycle later: the daemon lives on a full disk */
	if (!harness_daemon_wait_log_n(&d, "error: database", 2, 20000))
		harness_daemon_fail(&d, "no clear error logged on a full disk, twice");
	cr_assert(harness_daemon_running(&d), "the daemon died on a full disk");
	/* space again: the change is recorded, once */
	lim.rlim_cur = RLIM_INFINITY;
	cr_assert_eq(prlimit(d.pid, RLIMIT_FSIZE, &lim, NULL), 0);
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "clean"), 1, 80000))
		harness_daemon_fail(&d, "change not recorded once the disk had space again");
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
