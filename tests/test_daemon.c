/* test_daemon.c -- `blmon run` against a changing rbldnsd: history, confirmation, health, restarts.
 * Each test runs the real daemon with a 1-second interval and edits zone files under it. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "tests/harness.h"

static char *dir;
static harness_server_t dns;
static char conf[1024], db[1024], logpath[1024];
static pid_t daemon_pid;

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
	snprintf(conf, sizeof(conf), "%s/blmon.conf", dir);
	snprintf(db, sizeof(db), "%s/blmon.db", dir);
	snprintf(logpath, sizeof(logpath), "%s/blmon.log", dir);
	daemon_pid = 0;
}

static void teardown(void)
{
	harness_blmon_kill(&daemon_pid);
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(daemon, .init = setup, .fini = teardown, .timeout = 90);

static void write_conf(int confirm, const char *extra_targets)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = %d\n"
		 "timeout = 300ms\nretries = 1\n"
		 "[targets]\nip = 192.0.2.10\nip = 192.0.2.20\n%s"
		 "[lists]\ndefault = no\n"
		 "[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		 "code = 127.0.0.4 Exploited host\nremoval = https://bl.test/remove?ip={target}\n"
		 "[http]\nlisten = 127.0.0.1:%d\n",
		 dns.port, db, confirm, extra_targets ? extra_targets : "", harness_free_tcp_port());
	cr_assert_eq(harness_write(dir, "blmon.conf", text), 0);
}

static void start_daemon(void)
{
	const char *args[] = {"run", "-c", conf, NULL};

	daemon_pid = harness_blmon_start(args, logpath);
	cr_assert_gt(daemon_pid, 0);
}

static int stop_daemon(void)
{
	return harness_blmon_stop(&daemon_pid, 1500);
}

/* Value of a query against the daemon's database (read-only, as the web will). */
static long long q(const char *sql)
{
	return harness_db_value(db, sql);
}

static bool wait_for(const char *sql, long long want, int ms)
{
	return harness_db_wait(db, sql, want, ms);
}

#define EV(target, to) \
	"SELECT count(*) FROM events e JOIN targets t ON t.id = e.target_id WHERE t.target = '" target \
	"' AND e.\"to\" = '" to "'"
#define ST(target) \
	"SELECT CASE s.status WHEN 'listed' THEN 2 WHEN 'unknown' THEN 1 ELSE 0 END FROM state s " \
	"JOIN targets t ON t.id = s.target_id WHERE t.target = '" target "'"

static void fail_with_log(const char *what)
{
	char *text = harness_read(logpath);
	cr_assert_fail("%s\ndaemon log:\n%s", what, text);
}

Test(daemon, listed_then_delisted_once_each)
{
	write_conf(1, NULL);
	start_daemon();
	if (!wait_for(EV("192.0.2.10", "listed"), 1, 5000))
		fail_with_log("first listing not recorded");
	cr_assert_eq(q(EV("192.0.2.20", "clean")), 1);
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n192.0.2.11\n"), 0);
	if (!wait_for(EV("192.0.2.10", "clean"), 1, 8000))
		fail_with_log("delisting not recorded");
	sleep(2); /* more cycles must not repeat anything */
	cr_assert_eq(q("SELECT count(*) FROM events"), 3, "events: exactly first-seen x2 + delisting");
	cr_assert_eq(q(ST("192.0.2.10")), 0);
	cr_assert_eq(q("SELECT count(*) FROM events WHERE \"from\" = 'listed' AND \"to\" = 'clean'"), 1);
	cr_assert_geq(q("SELECT count(*) FROM cycles WHERE ended IS NOT NULL"), 3);
	cr_assert_eq(stop_daemon(), 0, "SIGTERM must exit 0 within a second");
}

Test(daemon, confirm_two_needs_two_observations)
{
	bool saw_pending = false;

	write_conf(2, NULL);
	start_daemon();
	if (!wait_for(EV("192.0.2.10", "listed"), 1, 5000))
		fail_with_log("first listing not recorded");
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n"), 0);
	/* the first clean answer is only pending; the state stays listed meanwhile */
	for (int i = 0; i < 160 && !saw_pending; i++) {
		saw_pending = q("SELECT count(*) FROM state WHERE status = 'listed' AND pending_count = 1") == 1;
		usleep(50000);
	}
	cr_assert(saw_pending, "a change seen once was never held as pending");
	if (!wait_for(EV("192.0.2.10", "clean"), 1, 8000))
		fail_with_log("confirmed delisting not recorded");
	cr_assert_eq(stop_daemon(), 0);
}

Test(daemon, code_change_is_an_event)
{
	write_conf(1, NULL);
	start_daemon();
	if (!wait_for(EV("192.0.2.10", "listed"), 1, 5000))
		fail_with_log("first listing not recorded");
	cr_assert_eq(harness_write_zone(dir, "b", "192.0.2.10 :127.0.0.4:Exploited\n"), 0);
	if (!wait_for("SELECT count(*) FROM events WHERE \"from\" = 'listed' AND \"to\" = 'listed' "
		      "AND codes = '[\"127.0.0.2\",\"127.0.0.4\"]'", 1, 8000))
		fail_with_log("SBL -> SBL+XBL not recorded");
	cr_assert_eq(stop_daemon(), 0);
}

Test(daemon, dead_list_gives_unknown_then_recovers)
{
	write_conf(1, NULL);
	start_daemon();
	if (!wait_for(EV("192.0.2.10", "listed"), 1, 5000))
		fail_with_log("first listing not recorded");
	/* the list loses its test point: dead, and its answers are not trusted */
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n192.0.2.10\n"), 0);
	if (!wait_for("SELECT count(*) FROM list_health WHERE health = 'dead'", 1, 8000))
		fail_with_log("dead list not recorded");
	if (!wait_for(EV("192.0.2.10", "unknown"), 1, 5000))
		fail_with_log("verdicts of a dead list must become unknown");
	cr_assert_eq(q(EV("192.0.2.10", "clean")), 0, "a dead list never makes a listing clean");
	cr_assert_eq(q(EV("192.0.2.20", "unknown")), 1);
	cr_assert_eq(harness_write_zone(dir, "a", zone_a), 0);
	if (!wait_for("SELECT count(*) FROM list_health WHERE health = 'ok'", 2, 8000))
		fail_with_log("recovered list not recorded");
	if (!wait_for("SELECT count(*) FROM events WHERE \"from\" = 'unknown' AND \"to\" = 'listed'", 1, 5000))
		fail_with_log("unknown -> listed not recorded");
	cr_assert_eq(stop_daemon(), 0);
}

Test(daemon, resolver_down_is_unknown_never_clean)
{
	write_conf(1, NULL);
	start_daemon();
	if (!wait_for(EV("192.0.2.10", "listed"), 1, 5000))
		fail_with_log("first listing not recorded");
	kill(dns.pid, SIGSTOP); /* the resolver stops answering */
	if (!wait_for(EV("192.0.2.10", "unknown"), 1, 10000)) {
		kill(dns.pid, SIGCONT);
		fail_with_log("resolver down: listing did not become unknown");
	}
	cr_assert_eq(q(EV("192.0.2.10", "clean")), 0);
	kill(dns.pid, SIGCONT);
	if (!wait_for("SELECT count(*) FROM events WHERE \"from\" = 'unknown' AND \"to\" = 'listed'", 1, 10000))
		fail_with_log("listing not back after the resolver returned");
	cr_assert_eq(stop_daemon(), 0);
}

Test(daemon, restart_continues_without_duplicates)
{
	long long events, since;

	write_conf(1, NULL);
	start_daemon();
	if (!wait_for("SELECT count(*) FROM cycles WHERE ended IS NOT NULL", 2, 6000))
		fail_with_log("no cycles");
	cr_assert_eq(stop_daemon(), 0);
	events = q("SELECT count(*) FROM events");
	since = q("SELECT since FROM state s JOIN targets t ON t.id = s.target_id WHERE t.target = '192.0.2.10'");
	cr_assert_eq(events, 2);
	sleep(1);
	start_daemon();
	if (!wait_for("SELECT count(*) FROM cycles WHERE ended IS NOT NULL", 4, 8000))
		fail_with_log("no cycles after restart");
	cr_assert_eq(q("SELECT count(*) FROM events"), events, "a restart re-recorded known state");
	cr_assert_eq(q("SELECT since FROM state s JOIN targets t ON t.id = s.target_id WHERE t.target = '192.0.2.10'"),
		     since, "since must survive a restart");
	cr_assert_eq(stop_daemon(), 0);
}

Test(daemon, sighup_reloads_and_refuses_a_bad_config)
{
	char *log;

	write_conf(1, NULL);
	start_daemon();
	if (!wait_for(EV("192.0.2.10", "listed"), 1, 5000))
		fail_with_log("first listing not recorded");
	cr_assert_eq(harness_write(dir, "blmon.conf", "[monitor]\ninterval = soon\n"), 0);
	kill(daemon_pid, SIGHUP);
	sleep(2);
	cr_assert_eq(harness_wait_exit(daemon_pid, 0), -1, "a bad reload must not stop the daemon");
	log = harness_read(logpath);
	cr_assert(strstr(log, "reload of") && strstr(log, "interval"), "%s", log);
	free(log);
	write_conf(1, "ip = 192.0.2.11\n");
	kill(daemon_pid, SIGHUP);
	if (!wait_for(EV("192.0.2.11", "listed"), 1, 6000))
		fail_with_log("target added by reload not checked");
	cr_assert_eq(stop_daemon(), 0);
}

Test(daemon, config_and_budget_errors_exit_2)
{
	harness_run_t r;
	const char *args[] = {"run", "-c", conf, NULL};
	char text[512];

	cr_assert_eq(harness_write(dir, "blmon.conf", "[monitor]\nconfirm = 0\n"), 0);
	cr_assert_eq(harness_run(&r, 10, args), 0);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "blmon.conf:2: [monitor] confirm"), "%s", r.err);
	harness_run_free(&r);
	/* 256 addresses every 10 s on dnswl (100,000 queries/day) */
	snprintf(text, sizeof(text),
		 "[monitor]\ninterval = 10s\nresolver = 127.0.0.1:%d\ndatabase = %s\n"
		 "[targets]\nnetwork = 192.0.2.0/24\n[lists]\nonly = dnswl\n", dns.port, db);
	cr_assert_eq(harness_write(dir, "blmon.conf", text), 0);
	cr_assert_eq(harness_run(&r, 10, args), 0);
	cr_assert_eq(r.status, 2, "budget exceeded must refuse to start");
	cr_assert(strstr(r.err, "exceed its budget of 100000/day"), "%s", r.err);
	harness_run_free(&r);
}

static off_t fsize(const char *suffix)
{
	char p[1100];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", db, suffix);
	return stat(p, &st) == 0 ? st.st_size : 0;
}

Test(daemon, full_disk_is_reported_and_nothing_is_lost)
{
	struct rlimit lim;
	char *text;

	write_conf(1, NULL);
	start_daemon();
	if (!wait_for(EV("192.0.2.10", "listed"), 1, 5000))
		fail_with_log("first listing not recorded");
	sleep(1);
	/* the database files may not grow any more: as good as a full disk */
	lim.rlim_cur = (rlim_t)(fsize("") > fsize("-wal") ? fsize("") : fsize("-wal"));
	lim.rlim_max = RLIM_INFINITY; /* soft limit only, so it can be lifted again */
	cr_assert_eq(prlimit(daemon_pid, RLIMIT_FSIZE, &lim, NULL), 0);
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n192.0.2.11\n"), 0);
	sleep(4);
	cr_assert_eq(harness_wait_exit(daemon_pid, 0), -1, "the daemon died on a full disk");
	text = harness_read(logpath);
	cr_assert(strstr(text, "error: database"), "no clear error logged:\n%s", text);
	free(text);
	/* space again: the change is recorded, once */
	lim.rlim_cur = RLIM_INFINITY;
	cr_assert_eq(prlimit(daemon_pid, RLIMIT_FSIZE, &lim, NULL), 0);
	if (!wait_for(EV("192.0.2.10", "clean"), 1, 80000))
		fail_with_log("change not recorded once the disk had space again");
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
	char text[1024], *body = NULL;
	int port = harness_free_tcp_port();

	write_conf(1, NULL);
	start_daemon();
	if (!wait_for(EV("192.0.2.10", "listed"), 1, 5000))
		fail_with_log("first listing not recorded");
	/* a second list and a new HTTP port */
	snprintf(text, sizeof(text),
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		 "timeout = 300ms\n[targets]\nip = 192.0.2.10\n[lists]\ndefault = no\n"
		 "[list bl.test]\n[list other.test]\n[http]\nlisten = 127.0.0.1:%d\n",
		 dns.port, db, port);
	cr_assert_eq(harness_write(dir, "blmon.conf", text), 0);
	kill(daemon_pid, SIGHUP);
	for (int i = 0; i < 100 && !(body && strstr(body, "other.test")); i++) {
		free(body);
		usleep(50000);
		body = http_get(port, "/api/v1/lists");
	}
	if (!body || !strstr(body, "other.test"))
		fail_with_log("the web server did not follow the reload");
	free(body);
	cr_assert_eq(stop_daemon(), 0);
}
