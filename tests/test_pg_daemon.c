/* test_pg_daemon.c -- `blmon run` on PostgreSQL, and `blmon db migrate` of a daemon's SQLite history.
 * The real daemon against rbldnsd on loopback, with a PostgreSQL server of the test's own. */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

static char *dir;
static harness_server_t dns;
static harness_daemon_t d;
static harness_pg_t pg;
static int http_port;

static const char zone_a[] = ":127.0.0.2:Spam source $\n127.0.0.2\n192.0.2.10\n192.0.2.11\n";

static void setup(void)
{
	static const char *const zones[] = {"bl.test:ip4set:a", NULL};

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write_zone(dir, "a", zone_a), 0);
	cr_assert_eq(harness_rbldnsd_start_ttl(&dns, dir, zones, "1"), 0, "rbldnsd did not start");
	cr_assert_eq(harness_pg_start(&pg, dir), 0, "PostgreSQL did not start");
	harness_daemon_init(&d, dir);
}

static void teardown(void)
{
	harness_daemon_kill(&d);
	harness_pg_stop(&pg);
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(pg_daemon, .init = setup, .fini = teardown, .timeout = 90);

/* The daemon's config on database (a file or the URI); mail to a closed port queues alerts. */
static void write_conf(const char *database)
{
	http_port = harness_free_tcp_port();
	cr_assert_eq(harness_daemon_config(&d,
		"[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		"timeout = 300ms\nretries = 1\n"
		"[targets]\nip = 192.0.2.10\nip = 192.0.2.20\n"
		"[lists]\ndefault = no\n"
		"[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		"removal = https://bl.test/remove?ip={target}\n"
		"[email]\nsmtp = smtp://127.0.0.1:%d\nfrom = blmon@example.org\nto = admin@example.org\n"
		"[alerts]\nbatch = 0\n"
		"[http]\nlisten = 127.0.0.1:%d\n",
		dns.port, database, harness_closed_port(), http_port), 0);
}

#define EV(target, to) \
	"SELECT count(*) FROM events e JOIN targets t ON t.id = e.target_id WHERE t.target = '" target \
	"' AND e.\"to\" = '" to "'"

Test(pg_daemon, zone_edits_are_recorded_once_on_postgresql)
{
	char *log, *body;
	long status;

	snprintf(d.db, sizeof(d.db), "%s", pg.uri); /* the waits read PostgreSQL */
	write_conf(pg.uri);
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 10000))
		harness_daemon_fail(&d, "first listing not recorded");
	cr_assert_eq(harness_daemon_value(&d, EV("192.0.2.20", "clean")), 1);
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n192.0.2.11\n"), 0);
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "clean"), 1, 10000))
		harness_daemon_fail(&d, "delisting not recorded");
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n192.0.2.10\n"), 0);
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 2, 10000))
		harness_daemon_fail(&d, "listing again not recorded");
	/* more cycles repeat nothing */
	if (!harness_daemon_cycles(&d, 2, 8000))
		harness_daemon_fail(&d, "no more cycles after the edits");
	cr_assert_eq(harness_daemon_value(&d, "SELECT count(*) FROM events"), 4,
		     "first-seen x2, delisting, listing again: once each");
	cr_assert_eq(harness_daemon_value(&d, "SELECT count(*) FROM state WHERE status = 'listed'"), 1);
	/* the alert producer queued a mail per change on PostgreSQL too */
	if (!harness_daemon_wait(&d, "SELECT count(*) > 0 FROM alerts", 1, 8000))
		harness_daemon_fail(&d, "no alert queued");
	/* the web server reads the same database */
	if (!harness_daemon_wait_http(&d, http_port, "/api/v1/targets/192.0.2.10", 200, "listed", 8000))
		harness_daemon_fail(&d, "the API does not show the listing");
	body = harness_http_get(http_port, "/metrics", &status);
	cr_assert_eq(status, 200);
	free(body);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0, "SIGTERM must exit 0");
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM events"), 4);
	log = harness_read(d.log);
	cr_assert_null(strstr(log, pg.password), "the password is in the log:\n%s", log);
	cr_assert(strstr(log, "127.0.0.1"), "%s", log);
	free(log);
}

/* A table of each database as text, row by row in key order, "\N" for NULL: SQLite's ... */
static char *lite_dump(const char *file, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	size_t cap = 1 << 20, len = 0;
	char *out = calloc(1, cap);

	cr_assert_eq(sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
		     sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);
			len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "|" : "", v ? v : "\\N");
		}
		len += (size_t)snprintf(out + len, cap - len, "\n");
		cr_assert_lt(len, cap - 1, "dump too big");
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* ... and PostgreSQL's. */
static char *pg_dump(const char *sql)
{
	PGconn *c = PQconnectdb(pg.uri);
	PGresult *r;
	size_t cap = 1 << 20, len = 0;
	char *out = calloc(1, cap);

	cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
	r = PQexec(c, sql);
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
	for (int row = 0; row < PQntuples(r); row++) {
		for (int i = 0; i < PQnfields(r); i++)
			len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "|" : "",
						PQgetisnull(r, row, i) ? "\\N" : PQgetvalue(r, row, i));
		len += (size_t)snprintf(out + len, cap - len, "\n");
		cr_assert_lt(len, cap - 1, "dump too big");
	}
	PQclear(r);
	PQfinish(c);
	return out;
}

/* The same rows in both: what `blmon db migrate` promises, read here without its code
 * (pgsql: PostgreSQL's spelling of sql where the dialects differ, else NULL). */
static void same_rows2(const char *file, const char *sql, const char *pgsql, int at_least)
{
	char *a = lite_dump(file, sql), *b = pg_dump(pgsql ? pgsql : sql);
	int rows = harness_count(a, "\n");

	cr_assert_geq(rows, at_least, "%s: %d rows in SQLite", sql, rows);
	cr_assert_str_eq(b, a, "%s differs", sql);
	free(a);
	free(b);
}

static void same_rows(const char *file, const char *sql, int at_least)
{
	same_rows2(file, sql, NULL, at_least);
}

Test(pg_daemon, db_migrate_copies_a_daemons_history_exactly)
{
	harness_run_t r;
	char file[1100], bad[1400];
	long long events;

	/* a history made by the daemon on SQLite: first-seen, a delisting, health, queued mail */
	snprintf(file, sizeof(file), "%s", d.db);
	write_conf(file);
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 10000))
		harness_daemon_fail(&d, "first listing not recorded");
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n192.0.2.11\n"), 0);
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "clean"), 1, 10000))
		harness_daemon_fail(&d, "delisting not recorded");
	if (!harness_daemon_wait(&d, "SELECT count(*) > 0 FROM alerts WHERE attempts > 0", 1, 10000))
		harness_daemon_fail(&d, "no alert queued and tried");
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);

	/* refused: a URI holding a password (never printed), and a file for --to */
	snprintf(bad, sizeof(bad), "postgresql://blmon:%s@127.0.0.1:%d/blmon", pg.password, pg.port);
	cr_assert_eq(harness_run(&r, 30, (const char *const[]){"db", "migrate", "--from", file, "--to",
							     bad, NULL}), 0);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "password"), "%s", r.err);
	cr_assert_null(strstr(r.err, pg.password), "%s", r.err);
	harness_run_free(&r);

	cr_assert_eq(harness_run(&r, 60, (const char *const[]){"db", "migrate", "--from", file, "--to",
							     pg.uri, NULL}), 0);
	cr_assert_eq(r.status, 0, "stdout:\n%s\nstderr:\n%s", r.out, r.err);
	cr_assert(strstr(r.out, "every row is the same"), "%s", r.out);
	cr_assert(strstr(r.out, "events"), "%s", r.out);
	harness_run_free(&r);

	/* compared here by other means than the copy's own check */
	same_rows2(file, "SELECT id, target, type, first_seen, last_seen, active, hex(ipkey) "
			 "FROM targets ORDER BY id",
		   "SELECT id, target, type, first_seen, last_seen, active, upper(encode(ipkey, 'hex')) "
		   "FROM targets ORDER BY id", 2);
	same_rows(file, "SELECT target_id, list_id, status, since, codes, txt, reason, checked_at, "
			"ttl_until, pending, pending_count, failing_since, failing_reason, problem "
			"FROM state ORDER BY target_id, list_id", 2);
	same_rows(file, "SELECT id, at, target_id, list_id, \"from\", \"to\", codes, txt, reason "
			"FROM events ORDER BY id", 3);
	same_rows(file, "SELECT id, list_id, at, health, detail FROM list_health ORDER BY id", 1);
	same_rows(file, "SELECT id, zone, name, health, health_since FROM lists ORDER BY id", 1);
	same_rows(file, "SELECT id, created, channel, destination, subject, payload, attempts, "
			"next_attempt, last_attempt, last_error, delivered, gave_up FROM alerts "
			"ORDER BY id", 1);
	same_rows(file, "SELECT name, value FROM alert_state ORDER BY name", 1);
	same_rows(file, "SELECT id, started, ended, queries FROM cycles ORDER BY id", 2);

	/* a second copy into the same database is refused, and changes nothing */
	cr_assert_eq(harness_run(&r, 60, (const char *const[]){"db", "migrate", "--from", file, "--to",
							     pg.uri, NULL}), 0);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err, "not empty"), "%s", r.err);
	harness_run_free(&r);

	/* the daemon goes on from there on PostgreSQL: the next change once, with the next id */
	events = harness_pg_value(&pg, "SELECT count(*) FROM events");
	snprintf(d.db, sizeof(d.db), "%s", pg.uri);
	write_conf(pg.uri);
	cr_assert_eq(harness_write_zone(dir, "a", zone_a), 0);
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 2, 10000))
		harness_daemon_fail(&d, "the listing after the move not recorded");
	if (!harness_daemon_cycles(&d, 2, 8000))
		harness_daemon_fail(&d, "no more cycles");
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM events"), events + 1,
		     "one event more, nothing recorded again");
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM events e WHERE e.id > (SELECT "
				      "max(id) FROM events WHERE \"to\" = 'clean')"), 1,
		     "the new event's id follows the copied ones");
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
}

/* PostgreSQL goes away for a while (a restart, a failover): the daemon says so, keeps what it
 * knew, and once the server is back records what changed meanwhile, once. */
Test(pg_daemon, postgresql_down_for_a_while_loses_and_repeats_nothing)
{
	snprintf(d.db, sizeof(d.db), "%s", pg.uri);
	write_conf(pg.uri);
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "listed"), 1, 10000))
		harness_daemon_fail(&d, "first listing not recorded");
	cr_assert_eq(harness_pg_stop(&pg), 0);
	if (!harness_daemon_wait_log(&d, "state kept as it was", 10000))
		harness_daemon_fail(&d, "the lost database was not said");
	cr_assert(harness_daemon_running(&d), "the daemon must outlive its database");
	/* delisted while nothing can be written */
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n192.0.2.11\n"), 0);
	cr_assert_eq(harness_pg_resume(&pg), 0, "PostgreSQL did not come back");
	if (!harness_daemon_wait_log(&d, "writable again", 20000))
		harness_daemon_fail(&d, "the database back was not said");
	if (!harness_daemon_wait(&d, EV("192.0.2.10", "clean"), 1, 10000))
		harness_daemon_fail(&d, "the delisting was not recorded once back");
	if (!harness_daemon_cycles(&d, 2, 8000))
		harness_daemon_fail(&d, "no more cycles");
	cr_assert_eq(harness_daemon_value(&d, "SELECT count(*) FROM events"), 3,
		     "first-seen x2 and the delisting, once each");
	cr_assert_eq(harness_daemon_value(&d, "SELECT count(*) FROM state WHERE status = 'listed'"), 0);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
}
