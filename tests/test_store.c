/* test_store.c -- the store on both engines: schema, round trips of every area, pages, the history.
 * Each ENGINES test runs twice: suite store on a SQLite file, suite store_pg on a PostgreSQL server. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "checks/reject_rules.h"
#include "checks/snds.h"
#include "store/store.h"
#include "store/store_alert.h"
#include "store/store_budget.h"
#include "store/store_cluster.h"
#include "store/store_mtalog.h"
#include "store/store_problems.h"
#include "store/store_read.h"
#include "store/store_snds.h"
#include "tests/harness.h"

static char *dir;
static char path[1300]; /* the SQLite file, or the PostgreSQL URI */
static harness_pg_t pg;

static void setup(void)
{
	dir = harness_tmpdir();
	snprintf(path, sizeof(path), "%s/s.db", dir);
}

static void setup_pg(void)
{
	dir = harness_tmpdir();
	cr_assert_eq(harness_pg_start(&pg, dir), 0, "PostgreSQL did not start");
	snprintf(path, sizeof(path), "%s", pg.uri);
}

static void teardown(void)
{
	harness_pg_stop(&pg);
	harness_tmpdir_free(dir);
}

TestSuite(store, .init = setup, .fini = teardown);
TestSuite(store_pg, .init = setup_pg, .fini = teardown, .timeout = 60);

/* A test of the store's contract: the same body on each engine. */
#define ENGINES(name)                        \
	static void name(void);              \
	Test(store, name) { name(); }        \
	Test(store_pg, name) { name(); }     \
	static void name(void)

static store_t *open_rw(void)
{
	char err[512];
	store_t *s = store_open(path, STORE_RW, err, sizeof(err));

	cr_assert_not_null(s, "%s", err);
	return s;
}

/* ---- the schema ---- */

ENGINES(creates_schema_once_and_reopens)
{
	char err[512];
	store_t *s = open_rw();

	cr_assert_geq(store_schema_version(s), 8, "%s", store_error(s));
	store_close(s);
	s = store_open(path, STORE_RW, err, sizeof(err));
	cr_assert_not_null(s, "reopening must not re-run migrations: %s", err);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM schema_version"), 1);
	store_close(s);
	/* a reader needs the database made; it never writes */
	s = store_open(path, STORE_RO, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	cr_assert_geq(store_schema_version(s), 8, "%s", store_error(s));
	store_close(s);
}

Test(store, sqlite_pragmas)
{
	store_t *s = open_rw();

	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
	cr_assert_eq(store_scalar(s, "PRAGMA foreign_keys"), 1);
	cr_assert_str_eq(store_engine_name(s), "SQLite");
	store_close(s);
}

Test(store_pg, sessions_and_schema)
{
	char err[512];
	store_t *s = open_rw(), *r;

	cr_assert_str_eq(store_engine_name(s), "PostgreSQL");
	/* texts sort byte by byte whatever the database's locale (schemas/store.pg.sql: ctext) */
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM information_schema.columns WHERE "
				     "table_name = 'targets' AND column_name = 'target' AND "
				     "domain_name = 'ctext'"), 1);
	/* a reader's session refuses writes */
	r = store_open(path, STORE_RO, err, sizeof(err));
	cr_assert_not_null(r, "%s", err);
	cr_assert_eq(store_alert_kv_set(r, "x", 1), -1);
	cr_assert(strstr(store_error(r), "read-only"), "%s", store_error(r));
	store_close(r);
	/* a second writer opening the migrated database migrates nothing */
	r = store_open(path, STORE_RW, err, sizeof(err));
	cr_assert_not_null(r, "%s", err);
	cr_assert_eq(store_scalar(r, "SELECT version FROM schema_version"), store_schema_version(s));
	store_close(r);
	store_close(s);
}

/* Every table and column of SQLite's schema, "table.column" one a line in byte order. */
static char *lite_columns(const char *file)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *out = calloc(1, 65536);

	cr_assert_eq(sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT m.name || '.' || p.name FROM sqlite_master m, "
					"pragma_table_info(m.name) p WHERE m.type = 'table' AND "
					"m.name NOT LIKE 'sqlite_%' ORDER BY 1", -1, &st, NULL),
		     SQLITE_OK, "%s", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out + strlen(out), 65536 - strlen(out), "%s\n", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* The same of PostgreSQL's. */
static char *pg_columns(void)
{
	PGconn *c = PQconnectdb(pg.uri);
	PGresult *r;
	char *out = calloc(1, 65536);

	cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
	r = PQexec(c, "SELECT x FROM (SELECT (table_name || '.' || column_name)::text AS x FROM "
		      "information_schema.columns WHERE table_schema = current_schema()) c "
		      "ORDER BY x COLLATE \"C\"");
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
	for (int i = 0; i < PQntuples(r); i++)
		snprintf(out + strlen(out), 65536 - strlen(out), "%s\n", PQgetvalue(r, i, 0));
	PQclear(r);
	PQfinish(c);
	return out;
}

/* The two schemas are one: each migration of store.sql is in store.pg.sql with the same
 * number, and leaves the same tables with the same columns. */
Test(store_pg, same_tables_and_columns_and_version_as_sqlite)
{
	char lite[1100], err[512], *a, *b;
	store_t *s = open_rw(), *l;

	snprintf(lite, sizeof(lite), "%s/s.db", dir);
	l = store_open(lite, STORE_RW, err, sizeof(err));
	cr_assert_not_null(l, "%s", err);
	cr_assert_eq(store_schema_version(s), store_schema_version(l),
		     "store.pg.sql must end at store.sql's last migration");
	store_close(l);
	store_close(s);
	a = lite_columns(lite);
	b = pg_columns();
	cr_assert_gt(strlen(a), 100);
	cr_assert_str_eq(b, a);
	free(a);
	free(b);
}

/* The shards each of n nodes holds: none held twice; the number held in all. */
static int holds_disjoint(const store_cluster_hold_t *h, int n, int *coords)
{
	int total = 0;

	*coords = 0;
	for (int k = 0; k < STORE_CLUSTER_SHARDS; k++) {
		int holders = 0;
		for (int i = 0; i < n; i++)
			holders += h[i].held[k];
		cr_assert_leq(holders, 1, "shard %d held by %d nodes", k, holders);
		total += holders;
	}
	for (int i = 0; i < n; i++)
		*coords += h[i].coordinator;
	return total;
}

struct node_run {
	const char *name;
	store_cluster_hold_t hold;
	int failed;
	pthread_barrier_t *go;
};

/* One node: its own session, renewing at the same moments as the others. */
static void *node_renews(void *arg)
{
	struct node_run *n = arg;
	char err[512];
	store_t *s = store_open(path, STORE_RW, err, sizeof(err));

	for (int round = 0; round < 4; round++) {
		pthread_barrier_wait(n->go);
		if (!s || store_cluster_renew(s, n->name, true, 1000 + round, 30, &n->hold) < 0) {
			fprintf(stderr, "%s: %s\n", n->name, s ? store_error(s) : err);
			n->failed++;
		}
	}
	store_close(s);
	return NULL;
}

/* Three nodes renewing at once: no waiting on each other's rows (SKIP LOCKED), no error, and
 * after a few rounds the shards split fairly, each held once. */
Test(store_pg, nodes_renewing_together_share_without_waiting)
{
	struct node_run n[3] = {{.name = "n1"}, {.name = "n2"}, {.name = "n3"}};
	store_cluster_hold_t h[3];
	pthread_barrier_t go;
	pthread_t th[3];
	store_t *s = open_rw(); /* migrated once, before the nodes */
	int coords;

	store_close(s);
	pthread_barrier_init(&go, NULL, 3);
	for (int i = 0; i < 3; i++) {
		n[i].go = &go;
		cr_assert_eq(pthread_create(&th[i], NULL, node_renews, &n[i]), 0);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(n[i].failed, 0, "%s failed a renewal", n[i].name);
		h[i] = n[i].hold;
	}
	cr_assert_eq(holds_disjoint(h, 3, &coords), STORE_CLUSTER_SHARDS);
	cr_assert_eq(coords, 1);
	for (int i = 0; i < 3; i++)
		cr_assert(h[i].nheld == 10 || h[i].nheld == 11, "%s holds %d", n[i].name, h[i].nheld);
}

Test(store_pg, a_password_never_shows)
{
	char err[512], pwfile[1200], bad[1400];
	store_t *s;
	store_db_t db;

	/* the password from a file of its own (database_password_file), not libpq's */
	unsetenv("PGPASSFILE");
	snprintf(pwfile, sizeof(pwfile), "%s/pw", dir);
	cr_assert_eq(harness_write(dir, "pw", pg.password), 0);
	db.database = path;
	db.password_file = pwfile;
	s = store_open_db(&db, STORE_RW, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	store_close(s);
	/* a wrong one: the error names the database, never a password */
	cr_assert_eq(harness_write(dir, "pw", "wrong-password\n"), 0);
	s = store_open_db(&db, STORE_RW, err, sizeof(err));
	cr_assert_null(s);
	cr_assert(strstr(err, path), "%s", err);
	cr_assert(strstr(err, "password authentication failed"), "%s", err);
	cr_assert_null(strstr(err, "wrong-password"), "%s", err);
	cr_assert_null(strstr(err, pg.password), "%s", err);
	/* no password at all */
	db.password_file = NULL;
	s = store_open_db(&db, STORE_RW, err, sizeof(err));
	cr_assert_null(s);
	snprintf(bad, sizeof(bad), "%s", err);
	cr_assert(strstr(bad, "password"), "%s", bad);
	/* a missing file says which */
	db.password_file = "/nonexistent/pw";
	cr_assert_null(store_open_db(&db, STORE_RW, err, sizeof(err)));
	cr_assert(strstr(err, "/nonexistent/pw"), "%s", err);
}

Test(store_pg, a_lost_session_is_made_again)
{
	store_t *s = open_rw();
	int64_t v;

	cr_assert_eq(store_alert_kv_set(s, "k", 7), 0);
	/* the server ends every session of blmon's role (a restart, a failover) */
	cr_assert_eq(harness_pg_exec(&pg, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
				     "WHERE usename = 'blmon'"), 0);
	/* the first statement after may fail (it learns that the session is gone) ... */
	if (store_alert_kv_get(s, "k", &v) < 0)
		cr_assert_eq(store_alert_kv_get(s, "k", &v), 1, "%s", store_error(s));
	cr_assert_eq(v, 7);
	/* ... but inside a transaction nothing is silently replaced */
	cr_assert_eq(store_begin(s), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_kv_set(s, "k", 8), 0);
	cr_assert_eq(harness_pg_exec(&pg, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
				     "WHERE usename = 'blmon'"), 0);
	cr_assert_eq(store_alert_kv_set(s, "k", 9), -1);
	cr_assert_eq(store_alert_kv_set(s, "k", 9), -1, "still inside the lost transaction");
	cr_assert_eq(store_rollback(s), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_kv_get(s, "k", &v), 1, "%s", store_error(s));
	cr_assert_eq(v, 7, "what the lost transaction wrote is gone");
	store_close(s);
}

ENGINES(transactions_commit_or_roll_back)
{
	store_t *s = open_rw();
	int64_t v;

	cr_assert_eq(store_begin(s), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_kv_set(s, "a", 1), 0);
	cr_assert_eq(store_rollback(s), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_kv_get(s, "a", &v), 0, "rolled back");
	cr_assert_eq(store_rollback(s), 0, "none open: a no-op");
	cr_assert_eq(store_begin(s), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_kv_set(s, "a", 2), 0);
	cr_assert_eq(store_alert_kv_set(s, "a", 3), 0, "an upsert replaces");
	cr_assert_eq(store_commit(s), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_kv_get(s, "a", &v), 1);
	cr_assert_eq(v, 3);
	store_close(s);
}

/* ---- the scheduler's writes ---- */

ENGINES(state_and_events_round_trip)
{
	store_t *s = open_rw();
	catalog_t *cat = catalog_new_builtin();
	target_t t;
	store_state_t st, back;
	int64_t tid, lid, ev1;

	target_parse_ip("192.0.2.10", &t);
	cr_assert_eq(store_begin(s), 0, "%s", store_error(s));
	tid = store_target_id(s, &t, 1000);
	lid = store_list_id(s, catalog_find(cat, "zen.spamhaus.org"));
	cr_assert_gt(tid, 0);
	cr_assert_gt(lid, 0);
	cr_assert_eq(store_target_id(s, &t, 2000), tid, "upsert keeps the id");
	cr_assert_eq(store_list_id(s, catalog_find(cat, "zen.spamhaus.org")), lid);
	cr_assert_eq(store_target_known(s, "192.0.2.10"), tid);
	cr_assert_eq(store_target_known(s, "192.0.2.99"), 0);
	cr_assert_eq(store_state_get(s, tid, lid, &back), 0, "%s", store_error(s));
	cr_assert(!back.present);
	memset(&st, 0, sizeof(st));
	st.present = true;
	st.status = STATUS_LISTED;
	st.since = 1000;
	st.ans.ncodes = 2;
	st.ans.codes[0] = 0x7f000002;
	st.ans.codes[1] = 0x7f000004;
	memcpy(st.ans.txt, "<script>\0second", 16);
	st.ans.ntxt = 2;
	strcpy(st.ans.reason, "why");
	st.checked_at = 2000;
	st.ttl_until = 3000;
	st.pending_count = 1;
	st.pending_status = STATUS_LISTED;
	st.pending_ncodes = 1;
	st.pending_codes[0] = 0x7f000003;
	cr_assert_eq(store_state_put(s, tid, lid, &st), 0, "%s", store_error(s));
	cr_assert_eq(store_state_get(s, tid, lid, &back), 1, "%s", store_error(s));
	cr_assert(back.present);
	cr_assert_eq(back.status, STATUS_LISTED);
	cr_assert_eq(back.since, 1000);
	cr_assert_eq(back.ans.ncodes, 2);
	cr_assert_eq(back.ans.codes[1], 0x7f000004);
	cr_assert_eq(back.ans.ntxt, 2);
	cr_assert_str_eq(back.ans.txt, "<script>");
	cr_assert_str_eq(back.ans.txt + 9, "second");
	cr_assert_str_eq(back.ans.reason, "why");
	cr_assert_eq(back.ttl_until, 3000);
	cr_assert_eq(back.pending_count, 1);
	cr_assert_eq(back.pending_status, STATUS_LISTED);
	cr_assert_eq(back.pending_ncodes, 1);
	cr_assert_eq(back.pending_codes[0], 0x7f000003);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM state WHERE codes = '[\"127.0.0.2\",\"127.0.0.4\"]' "
				     "AND txt = '[\"<script>\",\"second\"]' AND pending = 'listed:[\"127.0.0.3\"]'"),
		     1, "the stored encodings stay those of release 0.1");
	/* a failing state: the reason is kept beside it; a state put again replaces every column */
	st.failing_since = 2500;
	strcpy(st.failing_reason, "list unreachable");
	st.pending_count = 0;
	strcpy(st.problem, "192.0.2.10");
	cr_assert_eq(store_state_put(s, tid, lid, &st), 0, "%s", store_error(s));
	cr_assert_eq(store_state_get(s, tid, lid, &back), 1, "%s", store_error(s));
	cr_assert_eq(back.failing_since, 2500);
	cr_assert_str_eq(back.failing_reason, "list unreachable");
	cr_assert_eq(back.pending_count, 0);
	cr_assert_str_eq(back.problem, "192.0.2.10");
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM state WHERE pending IS NULL"), 1);
	{
		store_event_t ev;
		memset(&ev, 0, sizeof(ev));
		ev.at = 1000;
		ev.target_id = tid;
		ev.list_id = lid;
		ev.first = true;
		ev.to = STATUS_LISTED;
		ev.ans = st.ans;
		ev1 = store_event_add(s, &ev);
		cr_assert_gt(ev1, 0);
		ev.at = 1100;
		ev.first = false;
		ev.from = STATUS_LISTED;
		ev.to = STATUS_CLEAN;
		cr_assert_eq(store_event_add(s, &ev), ev1 + 1, "ids in order");
		ev.to = STATUS_UNKNOWN;
		cr_assert_eq(store_event_add(s, &ev), -1, "a failed check is no event");
	}
	cr_assert_eq(store_list_health(s, lid, HEALTH_OK, "", 1000), 1);
	cr_assert_eq(store_list_health(s, lid, HEALTH_OK, "", 1100), 0, "same health is not a change");
	cr_assert_eq(store_list_health(s, lid, HEALTH_DEAD, "127.0.0.2 NXDOMAIN", 1200), 1);
	cr_assert_eq(store_commit(s), 0, "%s", store_error(s));
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM events"), 2);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM list_health"), 2);
	/* retention prunes cycles, never state or events */
	cr_assert_gt(store_cycle_begin(s, 10), 0, "%s", store_error(s));
	cr_assert_eq(store_prune(s, 5000), 0, "%s", store_error(s));
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM cycles"), 0);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM state"), 1);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM events"), 2);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM list_health"), 1, "the latest health stays");
	/* retired and back */
	cr_assert_eq(store_targets_retire(s, 3000), 0, "%s", store_error(s));
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM targets WHERE active = 1"), 0);
	cr_assert_eq(store_target_id(s, &t, 4000), tid, "%s", store_error(s));
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM targets WHERE active = 1"), 1);
	catalog_free(cat);
	store_close(s);
}

struct settled_seen {
	int64_t tid[8], lid[8];
	uint64_t fp[8];
	int n;
};

static void settled_seen(void *arg, int64_t list_id, int64_t target_id, uint64_t fp)
{
	struct settled_seen *p = arg;

	if (p->n < 8) {
		p->lid[p->n] = list_id;
		p->tid[p->n] = target_id;
		p->fp[p->n] = fp;
	}
	p->n++;
}

static uint64_t settled_fp(const struct settled_seen *p, int64_t tid)
{
	for (int i = 0; i < p->n && i < 8; i++)
		if (p->tid[i] == tid)
			return p->fp[i];
	return 0;
}

static int list_data_seen(void *arg, const store_list_t *l)
{
	store_list_t *out = arg;

	if (!strcmp(l->zone, "zen.spamhaus.org"))
		*out = *l;
	return 0;
}

/* The cycle's shortcut for answers the same again, and a list's data files (migration 9). */
ENGINES(settled_states_and_list_data)
{
	store_t *s = open_rw();
	catalog_t *cat = catalog_new_builtin();
	target_t t;
	store_state_t st, listed;
	store_list_t l;
	struct settled_seen seen = {0};
	int64_t tid[5], lid;
	static const char *const ips[5] = {"192.0.2.3", "192.0.2.1", "192.0.2.2", "192.0.2.4",
					   "192.0.2.5"};

	cr_assert_eq(store_begin(s), 0, "%s", store_error(s));
	lid = store_list_id(s, catalog_find(cat, "zen.spamhaus.org"));
	for (int i = 0; i < 5; i++) {
		target_parse_ip(ips[i], &t);
		tid[i] = store_target_id(s, &t, 1000);
	}
	/* states written last target first: the order they are read in is not the writes' */
	for (int i = 4; i >= 0; i--) {
		memset(&st, 0, sizeof(st));
		st.present = true;
		st.status = STATUS_CLEAN;
		st.since = st.checked_at = 1000;
		if (i == 1) { /* listed, with TXT: settled, by its own fingerprint */
			st.status = STATUS_LISTED;
			st.ans.ncodes = 1;
			st.ans.codes[0] = 0x7f000002;
			st.ans.ntxt = 1;
			snprintf(st.ans.txt, sizeof(st.ans.txt), "https://www.spamhaus.org/sbl/");
			listed = st;
		}
		if (i == 3) { /* a change waiting for confirmation: not settled */
			st.pending_status = STATUS_LISTED;
			st.pending_count = 1;
		}
		if (i == 4) /* failing: not settled */
			st.failing_since = 1500;
		cr_assert_eq(store_state_put(s, tid[i], lid, &st), 0, "%s", store_error(s));
	}
	cr_assert_eq(store_commit(s), 0, "%s", store_error(s));
	cr_assert_eq(store_state_settled(s, settled_seen, &seen), 0, "%s", store_error(s));
	cr_assert_eq(seen.n, 3);
	cr_assert_eq(seen.lid[0], lid);
	cr_assert_eq(settled_fp(&seen, tid[0]), store_answer_fp_plain());
	cr_assert_eq(settled_fp(&seen, tid[2]), store_answer_fp_plain());
	cr_assert_eq(settled_fp(&seen, tid[1]), store_answer_fp(STATUS_LISTED, &listed.ans));
	cr_assert_neq(store_answer_fp_plain(), store_answer_fp(STATUS_LISTED, &listed.ans));
	/* another TXT is another answer */
	listed.ans.txt[0] = 'H';
	cr_assert_neq(settled_fp(&seen, tid[1]), store_answer_fp(STATUS_LISTED, &listed.ans));
	/* only the targets seen at 2000 move (two of them: the plain one and the listed one) */
	for (int i = 1; i <= 2; i++) {
		target_parse_ip(ips[i], &t);
		cr_assert_eq(store_target_id(s, &t, 2000), tid[i]);
	}
	cr_assert_eq(store_state_settled_touch(s, lid, 2000), 0, "%s", store_error(s));
	cr_assert_eq(store_state_get(s, tid[2], lid, &st), 1);
	cr_assert_eq(st.checked_at, 2000);
	cr_assert_eq(store_state_get(s, tid[1], lid, &st), 1);
	cr_assert_eq(st.checked_at, 2000);
	cr_assert_eq(store_state_get(s, tid[0], lid, &st), 1);
	cr_assert_eq(st.checked_at, 1000);

	cr_assert_eq(store_list_data(s, lid, "mirror", 1500, 1600, "rsync: connection refused"), 0,
		     "%s", store_error(s));
	cr_assert_eq(store_lists_visit(s, list_data_seen, &l), 0, "%s", store_error(s));
	cr_assert_str_eq(l.data_source, "mirror");
	cr_assert_eq(l.data_at, 1500);
	cr_assert_eq(l.data_failing_since, 1600);
	cr_assert_str_eq(l.data_error, "rsync: connection refused");
	cr_assert_eq(store_list_data(s, lid, NULL, 1500, 1600, "x"), 0, "%s", store_error(s));
	cr_assert_eq(store_lists_visit(s, list_data_seen, &l), 0, "%s", store_error(s));
	cr_assert_str_eq(l.data_source, "");
	cr_assert_eq(l.data_at, 0);
	cr_assert_str_eq(l.data_error, "");
	catalog_free(cat);
	store_close(s);
}

/* Each node's own data of a list, beside its own test (migration 17): the one does not
 * overwrite the other, and a node's data recorded before its first test is untested. */
/* A cycle's last_seen, written per run of ids all seen: not for a target between them that
 * was not active at the start, nor for an active one the cycle did not see. */
ENGINES(target_ids_write_last_seen_for_the_targets_seen_alone)
{
	store_t *s = open_rw();
	store_target_ids_t *m;
	target_t t;
	char ip[32], sql[200];
	/* .1 .. .5: .2 leaves before the cycle, .4 is not seen by it */
	static const int64_t want[5] = {2000, 1000, 2000, 1500, 2000};

	cr_assert_eq(store_begin(s), 0, "%s", store_error(s));
	for (int i = 1; i <= 5; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		target_parse_ip(ip, &t);
		cr_assert_gt(store_target_id(s, &t, i == 2 ? 1000 : 1500), 0, "%s", store_error(s));
	}
	cr_assert_eq(store_commit(s), 0, "%s", store_error(s));
	cr_assert_eq(store_targets_retire(s, 1200), 0, "%s", store_error(s));
	m = store_target_ids_load(s);
	cr_assert_not_null(m, "%s", store_error(s));
	for (int i = 1; i <= 5; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		target_parse_ip(ip, &t);
		if (i != 2 && i != 4)
			cr_assert_gt(store_target_ids_get(s, m, &t, 2000, true), 0, "%s", store_error(s));
	}
	cr_assert_eq(store_target_ids_flush(s, m, 2000), 0, "%s", store_error(s));
	for (int i = 1; i <= 5; i++) {
		snprintf(sql, sizeof(sql), "SELECT last_seen FROM targets WHERE target = '192.0.2.%d'", i);
		cr_assert_eq(store_scalar(s, sql), want[i - 1], "192.0.2.%d", i);
	}
	store_target_ids_free(m);
	store_close(s);
}

ENGINES(cluster_nodes_data_of_a_list)
{
	store_t *s = open_rw();
	catalog_t *cat = catalog_new_builtin();
	store_cluster_view_t *v = NULL;
	int64_t lid;

	lid = store_list_id(s, catalog_find(cat, "zen.spamhaus.org"));
	cr_assert_gt(lid, 0, "%s", store_error(s));
	cr_assert_eq(store_cluster_list_data(s, "n1", lid, 1500), 0, "%s", store_error(s));
	cr_assert_eq(store_cluster_list_views(s, lid, 0, &v), 1, "%s", store_error(s));
	cr_assert_eq(v[0].health, HEALTH_UNTESTED);
	cr_assert_eq(v[0].at, 0);
	cr_assert_eq(v[0].data_at, 1500);
	free(v);
	/* not tested yet: no view for the nodes' agreement */
	cr_assert_eq(store_cluster_list_views(s, lid, 1, &v), 0, "%s", store_error(s));
	cr_assert_eq(store_cluster_list_seen(s, "n1", lid, HEALTH_OK, "", 2000), 0, "%s",
		     store_error(s));
	cr_assert_eq(store_cluster_list_data(s, "n2", lid, 900), 0, "%s", store_error(s));
	cr_assert_eq(store_cluster_list_seen(s, "n2", lid, HEALTH_DEAD, "no 127.0.0.2", 2000), 0,
		     "%s", store_error(s));
	cr_assert_eq(store_cluster_list_views(s, lid, 1, &v), 2, "%s", store_error(s));
	cr_assert_str_eq(v[0].node, "n1");
	cr_assert_eq(v[0].health, HEALTH_OK);
	cr_assert_eq(v[0].data_at, 1500, "the test keeps the node's data time");
	cr_assert_str_eq(v[1].node, "n2");
	cr_assert_eq(v[1].health, HEALTH_DEAD);
	cr_assert_eq(v[1].data_at, 900);
	free(v);
	cr_assert_eq(store_cluster_list_data(s, "n1", lid, 2500), 0, "%s", store_error(s));
	cr_assert_eq(store_cluster_list_views(s, lid, 1, &v), 2, "%s", store_error(s));
	cr_assert_eq(v[0].health, HEALTH_OK, "the data time keeps the node's test");
	cr_assert_eq(v[0].at, 2000);
	cr_assert_eq(v[0].data_at, 2500);
	cr_assert_eq(v[1].data_at, 900, "each node its own");
	free(v);
	catalog_free(cat);
	store_close(s);
}

/* Two writers read the same state: the second one's write is refused, not lost over the first. */
ENGINES(state_cas_writes_only_over_what_was_read)
{
	store_t *s = open_rw();
	catalog_t *cat = catalog_new_builtin();
	target_t t;
	store_state_t st, a, b;
	int64_t tid, lid;

	target_parse_ip("192.0.2.7", &t);
	tid = store_target_id(s, &t, 1000);
	lid = store_list_id(s, catalog_find(cat, "zen.spamhaus.org"));
	cr_assert_eq(store_state_get(s, tid, lid, &st), 0);
	cr_assert_eq(st.version, 0);
	st.present = true;
	st.status = STATUS_CLEAN;
	st.since = st.checked_at = 1000;
	cr_assert_eq(store_state_cas(s, tid, lid, &st), 0, "%s", store_error(s));
	cr_assert_eq(store_state_cas(s, tid, lid, &st), 1, "written since version 0 was read");
	cr_assert_eq(store_state_get(s, tid, lid, &a), 1);
	cr_assert_eq(a.version, 1);
	b = a;
	a.status = STATUS_LISTED;
	a.since = 2000;
	b.checked_at = 2000;
	cr_assert_eq(store_state_cas(s, tid, lid, &a), 0, "%s", store_error(s));
	cr_assert_eq(store_state_cas(s, tid, lid, &b), 1, "the second writer read version 1");
	cr_assert_eq(store_state_get(s, tid, lid, &st), 1);
	cr_assert_eq(st.status, STATUS_LISTED);
	cr_assert_eq(st.since, 2000);
	cr_assert_eq(st.version, 2);
	/* a plain put writes whatever was there, and counts too */
	cr_assert_eq(store_state_put(s, tid, lid, &b), 0, "%s", store_error(s));
	cr_assert_eq(store_state_get(s, tid, lid, &st), 1);
	cr_assert_eq(st.version, 3);
	cr_assert_eq(st.status, STATUS_CLEAN);
	catalog_free(cat);
	store_close(s);
}

/* Leases by the clock: shares as nodes come, a silent node's shards taken after one lease,
 * an unhealthy node's at once, a clean stop's at once. */
ENGINES(cluster_leases_split_and_hand_over)
{
	store_t *s = open_rw();
	store_cluster_hold_t h[3];
	int coords;

	cr_assert_eq(store_cluster_renew(s, "n1", true, 1000, 30, &h[0]), 0, "%s", store_error(s));
	cr_assert_eq(h[0].nheld, STORE_CLUSTER_SHARDS);
	cr_assert(h[0].coordinator);
	cr_assert_eq(store_cluster_renew(s, "n2", true, 1001, 30, &h[1]), 0, "%s", store_error(s));
	cr_assert_eq(h[1].nheld, 0, "nothing free yet");
	cr_assert(!h[1].coordinator);
	cr_assert_eq(store_cluster_renew(s, "n1", true, 1010, 30, &h[0]), 0);
	cr_assert_eq(h[0].nheld, 16, "n1 gave back what is above its share");
	cr_assert_eq(store_cluster_renew(s, "n2", true, 1011, 30, &h[1]), 0);
	cr_assert_eq(h[1].nheld, 16);
	cr_assert_eq(store_cluster_renew(s, "n3", true, 1012, 30, &h[2]), 0);
	cr_assert_eq(store_cluster_renew(s, "n1", true, 1020, 30, &h[0]), 0);
	cr_assert_eq(store_cluster_renew(s, "n2", true, 1021, 30, &h[1]), 0);
	cr_assert_eq(store_cluster_renew(s, "n3", true, 1022, 30, &h[2]), 0);
	cr_assert_eq(h[2].live, 3);
	cr_assert_eq(holds_disjoint(h, 3, &coords), STORE_CLUSTER_SHARDS);
	cr_assert_eq(coords, 1);
	cr_assert_eq(h[0].nheld, 11);
	cr_assert_eq(h[1].nheld, 11);
	cr_assert_eq(h[2].nheld, 10);
	/* n1 stops renewing (killed): within the lease nobody takes its shards ... */
	cr_assert_eq(store_cluster_renew(s, "n2", true, 1040, 30, &h[1]), 0);
	cr_assert_eq(h[1].nheld, 11);
	cr_assert(!h[1].coordinator);
	/* ... after it, the two others share them, and one becomes the coordinator */
	cr_assert_eq(store_cluster_renew(s, "n2", true, 1051, 30, &h[1]), 0);
	cr_assert_eq(store_cluster_renew(s, "n3", true, 1052, 30, &h[2]), 0);
	cr_assert_eq(h[2].live, 2);
	memset(&h[0], 0, sizeof(h[0]));
	cr_assert_eq(holds_disjoint(h, 3, &coords), STORE_CLUSTER_SHARDS);
	cr_assert_eq(coords, 1);
	cr_assert_eq(h[1].nheld, 16);
	cr_assert_eq(h[2].nheld, 16);
	/* n3 cannot check: it gives everything back at once, and n2 takes it */
	cr_assert_eq(store_cluster_renew(s, "n3", false, 1060, 30, &h[2]), 0);
	cr_assert_eq(h[2].nheld, 0);
	cr_assert(!h[2].coordinator);
	cr_assert_eq(store_cluster_renew(s, "n2", true, 1061, 30, &h[1]), 0);
	cr_assert_eq(h[1].live, 1);
	cr_assert_eq(h[1].nheld, STORE_CLUSTER_SHARDS);
	cr_assert(h[1].coordinator);
	/* a clean stop frees everything for the next one */
	cr_assert_eq(store_cluster_release(s, "n2"), 0, "%s", store_error(s));
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM cluster_leases WHERE node IS NOT NULL"), 0);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM cluster_nodes"), 2, "n1 and n3 are still known");
	cr_assert_eq(store_cluster_shard("192.0.2.1"), store_cluster_shard("192.0.2.1"));
	cr_assert_lt(store_cluster_shard("192.0.2.1"), STORE_CLUSTER_SHARDS);
	store_close(s);
}

/* A node retires, of the targets not seen since a time, only those of the shards it swept. */
ENGINES(cluster_retire_takes_only_the_shards_swept)
{
	store_t *s = open_rw();
	const char *names[3] = {"192.0.2.1", NULL, "192.0.2.3"};
	char other[32];
	target_t t;

	/* a second address in another shard than 192.0.2.1's */
	for (int i = 2; !names[1] && i < 255; i++) {
		snprintf(other, sizeof(other), "198.51.100.%d", i);
		if (store_cluster_shard(other) != store_cluster_shard(names[0]) &&
		    store_cluster_shard(other) != store_cluster_shard(names[2]))
			names[1] = other;
	}
	cr_assert_not_null(names[1]);
	for (int i = 0; i < 3; i++) {
		target_parse_ip(names[i], &t);
		cr_assert_gt(store_target_id(s, &t, i == 2 ? 2000 : 1000), 0, "%s", store_error(s));
	}
	/* swept: the shards of .1 and .3; .3 was seen, .1 not; the other's shard was not swept */
	cr_assert_eq(store_cluster_retire(s, 2000, (uint64_t)1 << store_cluster_shard(names[0]) |
						       (uint64_t)1 << store_cluster_shard(names[2])),
		     0, "%s", store_error(s));
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM targets WHERE active = 0"), 1);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM targets WHERE active = 0 AND "
				  "target = '192.0.2.1'"), 1);
	cr_assert_eq(store_cluster_retire(s, 2000, 0), 0, "no shard swept: nothing retired");
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM targets WHERE active = 0"), 1);
	store_close(s);
}

/* A list's daily budget, taken by two nodes from one count: never more than the budget held and
 * sent together; what was held and not sent comes back; the days apart. */
ENGINES(budgets_are_taken_from_one_count_per_list_and_day)
{
	store_t *s = open_rw();
	catalog_t *cat = catalog_new_builtin();
	int64_t lid, day = store_budget_day(86400 * 3 + 5000), room;
	store_cluster_hold_t h;

	cr_assert_eq(day, 86400 * 3);
	lid = store_list_id(s, catalog_find(cat, "zen.spamhaus.org"));
	cr_assert_gt(lid, 0, "%s", store_error(s));
	/* n1 and n2 renew: their holds count */
	cr_assert_eq(store_cluster_renew(s, "n1", true, 1000, 30, &h), 0, "%s", store_error(s));
	cr_assert_eq(store_cluster_renew(s, "n2", true, 1000, 30, &h), 0, "%s", store_error(s));
	/* n1 takes 60 of 100, n2 asks 60 and gets the 40 left */
	cr_assert_eq(store_budget_take(s, lid, day, "n1", 60, 100, 990, &room), 60, "%s",
		     store_error(s));
	cr_assert_eq(room, 100);
	cr_assert_eq(store_budget_take(s, lid, day, "n2", 60, 100, 990, &room), 40, "%s",
		     store_error(s));
	cr_assert_eq(store_budget_take(s, lid, day, "n2", 10, 100, 990, &room), 0, "all held");
	cr_assert_eq(room, 100, "but nothing sent yet");
	/* n1 sent 20 of its 60, n2 its 40 */
	cr_assert_eq(store_budget_settle(s, lid, day, "n1", 20, 60), 0, "%s", store_error(s));
	cr_assert_eq(store_budget_settle(s, lid, day, "n2", 40, 40), 0, "%s", store_error(s));
	cr_assert_eq(store_budget_used(s, lid, day), 60);
	/* n1 takes 30 and dies holding them: they count while it could renew, not after */
	cr_assert_eq(store_budget_take(s, lid, day, "n1", 30, 100, 990, &room), 30);
	cr_assert_eq(store_budget_take(s, lid, day, "n2", 50, 100, 990, &room), 10);
	cr_assert_eq(store_budget_settle(s, lid, day, "n2", 0, 10), 0);
	cr_assert_eq(store_budget_take(s, lid, day, "n2", 50, 100, 1001, &room), 40, "n1 is gone");
	cr_assert_eq(room, 40);
	cr_assert_eq(store_budget_settle(s, lid, day, "n2", 40, 40), 0);
	cr_assert_eq(store_budget_release(s, "n1"), 0, "n1 starts again: it holds nothing");
	cr_assert_eq(store_budget_take(s, lid, day, "n1", 5, 100, 990, &room), 0, "spent");
	cr_assert_eq(room, 0);
	cr_assert_eq(store_budget_spent(s, lid, day, "n1"), 1, "the first to find it spent says so");
	cr_assert_eq(store_budget_spent(s, lid, day, "n2"), 0, "the others do not");
	/* no budget: everything granted, and counted; blmon alone is node "" */
	cr_assert_eq(store_budget_take(s, lid, day + 86400, "", 500, 0, 0, &room), 500);
	cr_assert_eq(store_budget_settle(s, lid, day + 86400, "", 7, 500), 0);
	cr_assert_eq(store_budget_used(s, lid, day + 86400), 7, "another day");
	cr_assert_eq(store_budget_used(s, 0, day), 100, "every list");
	cr_assert_eq(store_budget_used(s, lid, day + 2 * 86400), 0);
	/* the history kept: a day is forgotten once it ended before the retention's start */
	cr_assert_eq(store_prune(s, day + 86400 - 1), 0, "%s", store_error(s));
	cr_assert_eq(store_budget_used(s, lid, day), 100, "its last second is still kept");
	cr_assert_eq(store_prune(s, day + 86400 + 10), 0, "%s", store_error(s));
	cr_assert_eq(store_budget_used(s, lid, day), 0);
	cr_assert_eq(store_budget_used(s, lid, day + 86400), 7);
	catalog_free(cat);
	store_close(s);
}

/* The shards swept by the nodes add up, until every one has been. */
ENGINES(cluster_sweeps_add_up_to_every_shard)
{
	store_t *s = open_rw();
	uint64_t all;

	cr_assert_eq(store_cluster_swept(s, 0, &all), 0, "%s", store_error(s));
	cr_assert_eq(all, 0);
	cr_assert_eq(store_cluster_swept(s, 0x0000ffffu, &all), 0, "%s", store_error(s));
	cr_assert_eq(store_cluster_swept(s, 0x00ff00f0u, &all), 0, "%s", store_error(s));
	cr_assert_eq(all, 0x00ffffffu);
	cr_assert_neq(all, STORE_CLUSTER_ALL);
	cr_assert_eq(store_cluster_swept(s, 0xff000000u, &all), 0, "%s", store_error(s));
	cr_assert_eq(all, STORE_CLUSTER_ALL);
	store_close(s);
}

static int count_cycle(void *arg, const store_cycle_row_t *c)
{
	int *n = arg;

	(*n)++;
	cr_assert_eq(c->n.queries, 40);
	return 0;
}

static int dns_error(void *arg, int64_t list_id, const char *reason, int64_t n)
{
	char *out = arg;

	sprintf(out + strlen(out), "%lld:%s:%lld;", (long long)list_id, reason, (long long)n);
	return 0;
}

ENGINES(cycles_outages_and_counters)
{
	store_t *s = open_rw();
	catalog_t *cat = catalog_new_builtin();
	store_cycle_t c = {.lists = 2, .targets = 3, .queries = 40, .errors = 1, .listed = 1,
			   .unknown = 2, .answered = 0};
	store_cycle_row_t row;
	store_outage_t o;
	int64_t id1, id2, lid;
	char errs[256] = "";
	int n = 0;

	id1 = store_cycle_begin(s, 100);
	cr_assert_gt(id1, 0);
	cr_assert_eq(store_cycle_last(s, &row), 0, "none finished yet");
	cr_assert_eq(store_cycle_end(s, id1, 110, &c), 0, "%s", store_error(s));
	id2 = store_cycle_begin(s, 200);
	cr_assert_eq(id2, id1 + 1);
	c.answered = 5;
	cr_assert_eq(store_cycle_end(s, id2, 210, &c), 0, "%s", store_error(s));
	cr_assert_eq(store_cycle_last(s, &row), 1, "%s", store_error(s));
	cr_assert_eq(row.id, id2);
	cr_assert_eq(row.ended, 210);
	cr_assert_eq(row.n.answered, 5);
	c.answered = 0;
	cr_assert_eq(store_cycle_end(s, id2, 210, &c), 0, "%s", store_error(s));
	cr_assert_eq(store_cycle_last_answered(s, &row), 0, "nothing answered in either");
	cr_assert_eq(store_cycles_visit_after(s, 0, NULL, count_cycle, &n), 0, "%s", store_error(s));
	cr_assert_eq(n, 2);
	/* a cluster node's own cycles: what its /metrics counts */
	cr_assert_eq(store_cluster_cycle(s, id1, "n1"), 0, "%s", store_error(s));
	n = 0;
	cr_assert_eq(store_cycles_visit_after(s, 0, "n1", count_cycle, &n), 0, "%s", store_error(s));
	cr_assert_eq(n, 1, "n1 ran one of the two");
	n = 0;
	cr_assert_eq(store_cycles_visit_after(s, 0, "n2", count_cycle, &n), 0, "%s", store_error(s));
	cr_assert_eq(n, 0);

	lid = store_list_id(s, catalog_find(cat, "zen.spamhaus.org"));
	cr_assert_eq(store_dns_errors_add(s, lid, "timeout", 3), 0);
	cr_assert_eq(store_dns_errors_add(s, lid, "timeout", 4), 0);
	cr_assert_eq(store_dns_errors_add(s, lid, "servfail", 1), 0);
	cr_assert_eq(store_dns_errors_visit(s, dns_error, errs), 0, "%s", store_error(s));
	{
		char want[128];
		snprintf(want, sizeof(want), "%lld:servfail:1;%lld:timeout:7;", (long long)lid,
			 (long long)lid);
		cr_assert_str_eq(errs, want);
	}

	cr_assert_eq(store_outage_open_get(s, &o), 0, "%s", store_error(s));
	cr_assert_gt(store_outage_open(s, 300, "127.0.0.1:53", "no answer"), 0);
	cr_assert_eq(store_outage_open_get(s, &o), 1, "%s", store_error(s));
	cr_assert_eq(o.started, 300);
	cr_assert_str_eq(o.resolver, "127.0.0.1:53");
	cr_assert_eq(store_outage_close(s, 400), 0, "%s", store_error(s));
	cr_assert_eq(store_outage_open_get(s, &o), 0, "%s", store_error(s));
	catalog_free(cat);
	store_close(s);
}

/* ---- the neighbourhood and SNDS ---- */

static int snds_row_seen(void *arg, const store_snds_t *r)
{
	char *out = arg;

	sprintf(out + strlen(out), "%s %s %lld %.3f %s|", r->ip, r->helo, (long long)r->rcpt,
		r->complaint_rate, r->filter == SNDS_RED ? "RED" : "other");
	return 0;
}

ENGINES(neighbourhood_files_and_snds)
{
	store_t *s = open_rw();
	target_t t;
	store_asn_t a = {.asn = 64500, .prefix = "192.0.2.0/24", .country = "ZZ",
			 .registry = "test", .name = "EXAMPLE-AS", .fetched = 10}, back;
	store_file_t f;
	static const char body[] = "; DROP\n\x01\xff\xfe 192.0.2.0/24 ; SBL1\n";
	const size_t blen = sizeof(body) - 1;
	snds_t *set = snds_new(1);
	char err[256], seen[512] = "";
	static const char data[] =
		"192.0.2.60,9/29/2020 8:00 AM,9/29/2020 9:00 PM,14129,14129,13025,RED,2.5%,"
		"9/29/2020 8:07 AM,9/29/2020 12:03 PM,41,mail.example.net,bounce@example.net,JMR\r\n";
	const char *keep[] = {"acct-b"};
	int64_t tid;

	target_parse_ip("192.0.2.60", &t);
	tid = store_target_id(s, &t, 1);
	cr_assert_eq(store_asn_get(s, tid, &back), 0, "%s", store_error(s));
	cr_assert_eq(store_asn_put(s, tid, &a), 0, "%s", store_error(s));
	cr_assert_eq(store_asn_get(s, tid, &back), 1, "%s", store_error(s));
	cr_assert_eq(back.asn, 64500);
	cr_assert_str_eq(back.name, "EXAMPLE-AS");
	a.asn = -1; /* not routed: NULL */
	a.prefix[0] = '\0';
	cr_assert_eq(store_asn_put(s, tid, &a), 0, "%s", store_error(s));
	cr_assert_eq(store_asn_get(s, tid, &back), 1, "%s", store_error(s));
	cr_assert_eq(back.asn, -1);
	cr_assert_str_eq(back.prefix, "");

	/* a downloaded file: its bytes as they came, any byte */
	cr_assert_eq(store_file_get(s, "https://x/drop.txt", &f), 0);
	cr_assert_eq(store_file_put(s, "https://x/drop.txt", body, blen, "\"etag\"", NULL, 50), 0);
	cr_assert_eq(store_file_put(s, "https://x/drop.txt", NULL, 0, NULL, NULL, 60), 0);
	cr_assert_eq(store_file_get(s, "https://x/drop.txt", &f), 1);
	cr_assert_eq(f.len, blen);
	cr_assert_eq(memcmp(f.body, body, blen), 0);
	cr_assert_str_eq(f.etag, "\"etag\"");
	cr_assert_str_eq(f.last_modified, "");
	cr_assert_eq(f.fetched, 50);
	cr_assert_eq(f.checked, 60);
	free(f.body);

	cr_assert_eq(snds_parse(set, 0, SNDS_DATA, data, strlen(data), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(store_snds_replace(s, "acct-a", set, 0, 70), 0);
	cr_assert_eq(store_snds_replace(s, "acct-a", set, 0, 80), 0, "replaced whole");
	cr_assert_eq(store_snds_targets_visit(s, snds_row_seen, seen), 0, "%s", store_error(s));
	cr_assert_str_eq(seen, "192.0.2.60 mail.example.net 14129 0.025 RED|");
	cr_assert_eq(store_scalar(s, "SELECT fetched FROM snds_ips"), 80);
	cr_assert_eq(store_snds_retain(s, keep, 1), 0, "%s", store_error(s));
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM snds_ips"), 0, "acct-a is gone");
	snds_free(set);
	store_close(s);
}

/* ---- the digest and the pages read from it ---- */

/* Makes a target and, for a listing, its state on lid (entity: its problem); standing set. */
static int64_t put_target(store_t *s, const char *name, int64_t lid, status_t status,
			  const char *entity, standing_t standing)
{
	target_t t;
	store_state_t st;
	int64_t tid;

	if (target_parse_ip(name, &t) < 0) {
		memset(&t, 0, sizeof(t));
		t.type = TARGET_DOMAIN;
		snprintf(t.name, sizeof(t.name), "%s", name);
	}
	tid = store_target_id(s, &t, 100);
	cr_assert_gt(tid, 0);
	memset(&st, 0, sizeof(st));
	st.present = true;
	st.status = status;
	st.since = 50;
	st.checked_at = 100;
	if (status == STATUS_LISTED) {
		st.ans.ncodes = 1;
		st.ans.codes[0] = 0x7f000002;
		snprintf(st.problem, sizeof(st.problem), "%s", entity);
	}
	cr_assert_eq(store_state_put(s, tid, lid, &st), 0, "%s", store_error(s));
	cr_assert_eq(store_target_standing_set(s, tid, &t, standing, false), 0, "%s", store_error(s));
	return tid;
}

struct names {
	char buf[1024];
	int n;
};

static int name_seen(void *arg, const store_target_view_t *v)
{
	struct names *w = arg;

	sprintf(w->buf + strlen(w->buf), "%s%s", w->n++ ? " " : "", v->t.name);
	return 0;
}

static int listing_seen(void *arg, const store_listing_t *l)
{
	struct names *w = arg;

	sprintf(w->buf + strlen(w->buf), "%s%s", w->n++ ? " " : "", l->target);
	return 0;
}

static bool keep_only_10_0_0_1(void *arg, int64_t list_id, const char *entity)
{
	(void)arg;
	(void)list_id;
	return !strcmp(entity, "10.0.0.1");
}

static int problem_seen(void *arg, const store_problem_row_t *r)
{
	struct names *w = arg;

	sprintf(w->buf + strlen(w->buf), "%s%s", w->n++ ? " " : "", r->p.entity);
	return 0;
}

/* The names a page of targets holds, in order. */
static const char *page(store_t *s, store_target_query_t *q, bool *more)
{
	static struct names w;

	memset(&w, 0, sizeof(w));
	cr_assert_geq(store_targets_page(s, q, name_seen, &w, more), 0, "%s", store_error(s));
	return w.buf;
}

ENGINES(targets_in_numeric_order_paged_and_filtered)
{
	store_t *s = open_rw();
	catalog_t *cat = catalog_new_builtin();
	const catalog_list_t *zen = catalog_find(cat, "zen.spamhaus.org");
	int64_t lid = store_list_id(s, zen), other;
	store_target_query_t q;
	target_t net, t;
	struct names w;
	store_summary_t sum;
	bool more;
	uint8_t after[STORE_IPKEY_BUF];

	cr_assert_eq(store_begin(s), 0, "%s", store_error(s));
	/* inserted out of order: pages come in numeric order (ipkey), not as text sorts */
	put_target(s, "192.0.2.10", lid, STATUS_LISTED, "192.0.2.10", STANDING_OWN);
	put_target(s, "192.0.2.9", lid, STATUS_CLEAN, "", STANDING_CLEAN);
	put_target(s, "10.0.0.1", lid, STATUS_LISTED, "10.0.0.1", STANDING_OWN);
	put_target(s, "2001:db8::1", lid, STATUS_CLEAN, "", STANDING_CLEAN);
	put_target(s, "Mail.Example.ORG", lid, STATUS_CLEAN, "", STANDING_UNCHECKED);
	other = put_target(s, "example.com", lid, STATUS_CLEAN, "", STANDING_NEIGHBOURHOOD);
	cr_assert_eq(store_commit(s), 0, "%s", store_error(s));

	memset(&q, 0, sizeof(q));
	q.limit = 10;
	cr_assert_str_eq(page(s, &q, &more),
			 "10.0.0.1 192.0.2.9 192.0.2.10 2001:db8::1 Mail.Example.ORG example.com");
	cr_assert(!more);
	q.limit = 2;
	cr_assert_str_eq(page(s, &q, &more), "10.0.0.1 192.0.2.9");
	cr_assert(more);
	/* the next page starts after the last key shown */
	target_parse_ip("192.0.2.9", &t);
	q.afterlen = store_ipkey(&t, after);
	q.after = after;
	cr_assert_str_eq(page(s, &q, &more), "192.0.2.10 2001:db8::1");
	q.after = NULL;
	q.limit = 10;
	/* a network: one range of keys */
	target_parse_ip("192.0.2.0", &net);
	store_target_query_prefix(&q, &net, 24);
	cr_assert_str_eq(page(s, &q, &more), "192.0.2.9 192.0.2.10");
	q.has_range = false;
	/* a substring, as written (case matters, as SQLite's instr) */
	q.q = "Example";
	cr_assert_str_eq(page(s, &q, &more), "Mail.Example.ORG");
	q.q = NULL;
	q.filter = STORE_TF_OWN;
	cr_assert_str_eq(page(s, &q, &more), "10.0.0.1 192.0.2.10");
	q.filter = STORE_TF_PROBLEMS;
	cr_assert_str_eq(page(s, &q, &more), "10.0.0.1 192.0.2.10 Mail.Example.ORG example.com");
	q.filter = STORE_TF_ANY;
	q.list_id = lid;
	cr_assert_str_eq(page(s, &q, &more), "10.0.0.1 192.0.2.10", "listed by the list");

	/* the problems of the digest, worst first, paged by rank */
	{
		problem_t p;
		problem_rule_t rule = {.text = "zen 192.0.2.10"};
		store_problem_query_t pq = {.scope = -1, .limit = 1};
		store_problem_row_t row;

		memset(&p, 0, sizeof(p));
		snprintf(p.zone, sizeof(p.zone), "zen.spamhaus.org");
		p.scope = SCOPE_IP;
		p.severity = SEVERITY_HIGH;
		p.ncodes = 1;
		p.codes[0] = 0x7f000002;
		p.affected = 1;
		p.nfirst = 1;
		p.since = 50;
		snprintf(p.txt, sizeof(p.txt), "https://check.spamhaus.org/");
		snprintf(p.entity, sizeof(p.entity), "10.0.0.1");
		target_parse_ip("10.0.0.1", &p.first[0]);
		cr_assert_eq(store_problem_put(s, lid, &p, 1, 7), 0, "%s", store_error(s));
		snprintf(p.entity, sizeof(p.entity), "192.0.2.10");
		target_parse_ip("192.0.2.10", &p.first[0]);
		cr_assert_eq(store_problem_put(s, lid, &p, 2, 7), 0, "%s", store_error(s));
		snprintf(p.entity, sizeof(p.entity), "192.0.2.99");
		p.ignored = &rule;
		cr_assert_eq(store_problem_put(s, lid, &p, 3, 7), 0, "%s", store_error(s));
		memset(&w, 0, sizeof(w));
		cr_assert_eq(store_problems_visit(s, &pq, problem_seen, &w, &more), 1, "%s", store_error(s));
		cr_assert(more);
		pq.after_rank = 1;
		cr_assert_eq(store_problems_visit(s, &pq, problem_seen, &w, &more), 1, "%s", store_error(s));
		cr_assert(!more, "the ignored one is not on these pages");
		cr_assert_str_eq(w.buf, "10.0.0.1 192.0.2.10");
		pq.ignored = true;
		pq.after_rank = 0;
		pq.scope = SCOPE_IP;
		pq.list_id = lid;
		memset(&w, 0, sizeof(w));
		cr_assert_eq(store_problems_visit(s, &pq, problem_seen, &w, &more), 1, "%s", store_error(s));
		cr_assert_str_eq(w.buf, "192.0.2.99");
		pq.scope = SCOPE_NETWORK;
		cr_assert_eq(store_problems_visit(s, &pq, problem_seen, &w, &more), 0, "%s", store_error(s));
		cr_assert_eq(store_scalar(s, "SELECT id FROM problems WHERE entity = '192.0.2.10'") > 0, 1);
		cr_assert_eq(store_problem_get(s, store_scalar(s, "SELECT id FROM problems WHERE "
							       "entity = '192.0.2.10'"), &row), 1);
		cr_assert_str_eq(row.p.name, zen->name);
		cr_assert_eq(row.p.nfirst, 1);
		cr_assert_str_eq(row.p.first[0].name, "192.0.2.10");
		cr_assert_null(row.p.ignored);
		/* the targets of one problem */
		q.list_id = 0;
		q.problem_id = row.id;
		cr_assert_str_eq(page(s, &q, &more), "192.0.2.10");
		q.problem_id = 0;
		cr_assert_eq(store_summary(s, &sum), 0, "%s", store_error(s));
		cr_assert_eq(sum.targets, 6);
		cr_assert_eq(sum.standing[STANDING_OWN], 2);
		cr_assert_eq(sum.standing[STANDING_NEIGHBOURHOOD], 1);
		cr_assert_eq(sum.problems, 2);
		cr_assert_eq(sum.by_scope[SCOPE_IP], 2);
		cr_assert_eq(sum.ignored, 1);
		/* the same problem again is not rewritten; a change is */
		cr_assert_eq(store_problem_put(s, lid, &p, 3, 8), 0, "%s", store_error(s));
		cr_assert_eq(store_scalar(s, "SELECT seen FROM problems WHERE entity = '192.0.2.99'"), 7);
		p.affected = 2;
		cr_assert_eq(store_problem_put(s, lid, &p, 3, 8), 0, "%s", store_error(s));
		cr_assert_eq(store_scalar(s, "SELECT seen FROM problems WHERE entity = '192.0.2.99'"), 8);
		cr_assert_eq(store_scalar(s, "SELECT affected FROM problems WHERE entity = '192.0.2.99'"), 2);
		/* the digest's set says which stay */
		cr_assert_eq(store_problems_prune(s, keep_only_10_0_0_1, NULL), 0, "%s", store_error(s));
		cr_assert_eq(store_scalar(s, "SELECT count(*) FROM problems"), 1);
		cr_assert_eq(store_scalar(s, "SELECT count(*) FROM problems WHERE entity = '10.0.0.1'"), 1);
	}
	/* own listings by target in numeric order */
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_own_listings_visit(s, listing_seen, &w), 0, "%s", store_error(s));
	cr_assert_str_eq(w.buf, "10.0.0.1 192.0.2.10");
	/* every active target, the named one, the routed ones */
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_targets_visit(s, STORE_TARGETS_NAMED, "example.com", name_seen, &w), 1);
	cr_assert_str_eq(w.buf, "example.com");
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_targets_digest_visit(s, name_seen, &w), 6, "%s", store_error(s));
	{
		store_asn_t a = {.asn = 64500, .fetched = 1};
		int64_t n[3];
		cr_assert_eq(store_asn_put(s, other, &a), 0, "%s", store_error(s));
		memset(&w, 0, sizeof(w));
		cr_assert_eq(store_targets_visit(s, STORE_TARGETS_ROUTED, NULL, name_seen, &w), 1, "%s", store_error(s));
		cr_assert_eq(store_targets_count(s, n), 0, "%s", store_error(s));
		cr_assert_eq(n[TARGET_IPV4], 3);
		cr_assert_eq(n[TARGET_IPV6], 1);
		cr_assert_eq(n[TARGET_DOMAIN], 2);
	}
	{
		store_list_tally_t tally = {.results = 6, .listed = 2, .problems = 2, .last_answer = 100};
		cr_assert_eq(store_list_tally_set(s, lid, &tally), 0, "%s", store_error(s));
		cr_assert_eq(store_state_problem_set(s, other, lid, "example.com"), 0);
		cr_assert_eq(store_state_problem_set(s, other, lid, NULL), 0, "%s", store_error(s));
		cr_assert_eq(store_scalar(s, "SELECT count(*) FROM state WHERE problem IS NOT NULL"), 2);
	}
	catalog_free(cat);
	store_close(s);
}

/* ---- the history ---- */

static int history_seen(void *arg, const store_history_t *h)
{
	struct names *w = arg;

	if (h->event)
		sprintf(w->buf + strlen(w->buf), "%se%lld@%lld:%s", w->n++ ? " " : "",
			(long long)h->id, (long long)h->at, h->event->target);
	else
		sprintf(w->buf + strlen(w->buf), "%s%c%lld@%lld:%s", w->n++ ? " " : "",
			h->kind == STORE_HISTORY_OPENED ? 'o' : 'c', (long long)h->id,
			(long long)h->at, h->incident->provider);
	return 0;
}

static int event_seen(void *arg, const store_event_row_t *e)
{
	struct names *w = arg;

	sprintf(w->buf + strlen(w->buf), "%s%lld:%s", w->n++ ? " " : "", (long long)e->ev.id,
		e->ev.first ? "first" : status_name(e->ev.from));
	return 0;
}

static int count_seen(void *arg, const char *name, const char *sub, int64_t n)
{
	struct names *w = arg;

	sprintf(w->buf + strlen(w->buf), "%s%s/%s/%lld", w->n++ ? " " : "", name, sub ? sub : "-",
		(long long)n);
	return 0;
}

static int incident_seen(void *arg, const store_incident_t *in)
{
	struct names *w = arg;

	sprintf(w->buf + strlen(w->buf), "%s%lld:%s:%s", w->n++ ? " " : "", (long long)in->id,
		in->provider, in->sending_ip ? in->sending_ip : "-");
	return 0;
}

/* An event of (tid, lid) at `at`; first when from is STATUS_UNKNOWN. */
static int64_t event(store_t *s, int64_t tid, int64_t lid, int64_t at, status_t from, status_t to)
{
	store_event_t ev;

	memset(&ev, 0, sizeof(ev));
	ev.at = at;
	ev.target_id = tid;
	ev.list_id = lid;
	ev.first = from == STATUS_UNKNOWN;
	ev.from = from;
	ev.to = to;
	return store_event_add(s, &ev);
}

ENGINES(history_merges_events_and_incidents)
{
	store_t *s = open_rw();
	catalog_t *cat = catalog_new_builtin();
	int64_t lid = store_list_id(s, catalog_find(cat, "zen.spamhaus.org"));
	int64_t a = put_target(s, "192.0.2.1", lid, STATUS_CLEAN, "", STANDING_CLEAN);
	int64_t b = put_target(s, "192.0.2.2", lid, STATUS_CLEAN, "", STANDING_CLEAN);
	reject_t r = {.provider = "microsoft", .kind = REJECT_IP_BLOCKLISTED, .code = "S3150",
		      .sending_ip = "192.0.2.1", .meaning = "blocked", .removal = "https://x",
		      .advice = "ask"};
	store_history_q_t q = {.limit = 10};
	struct names w;
	int64_t inc, last = 0, n[STATUS_COUNT] = {0}, at;

	event(s, a, lid, 100, STATUS_UNKNOWN, STATUS_CLEAN);
	event(s, b, lid, 100, STATUS_UNKNOWN, STATUS_CLEAN);
	event(s, a, lid, 200, STATUS_CLEAN, STATUS_LISTED);
	inc = store_incident_open(s, &r, "a line", 3, 0, 150);
	cr_assert_gt(inc, 0, "%s", store_error(s));
	cr_assert_eq(store_incident_close(s, inc, 250), 0, "%s", store_error(s));

	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_history_visit(s, &q, history_seen, &w), 0, "%s", store_error(s));
	cr_assert_str_eq(w.buf, "c1@250:microsoft e3@200:192.0.2.1 o1@150:microsoft "
				"e2@100:192.0.2.2 e1@100:192.0.2.1");
	/* the next page after a cursor */
	q.cursor_id = 1;
	q.cursor_at = 150;
	q.cursor_kind = STORE_HISTORY_OPENED;
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_history_visit(s, &q, history_seen, &w), 0, "%s", store_error(s));
	cr_assert_str_eq(w.buf, "e2@100:192.0.2.2 e1@100:192.0.2.1");
	q.cursor_id = 0;
	/* changes only; one zone (any case); one target; incidents only */
	q.changes = true;
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_history_visit(s, &q, history_seen, &w), 0, "%s", store_error(s));
	cr_assert_str_eq(w.buf, "c1@250:microsoft e3@200:192.0.2.1 o1@150:microsoft");
	q.changes = false;
	q.zone = "ZEN.Spamhaus.org";
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_history_visit(s, &q, history_seen, &w), 0, "%s", store_error(s));
	cr_assert_str_eq(w.buf, "e3@200:192.0.2.1 e2@100:192.0.2.2 e1@100:192.0.2.1");
	q.zone = NULL;
	q.target = "192.0.2.2";
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_history_visit(s, &q, history_seen, &w), 0, "%s", store_error(s));
	cr_assert_str_eq(w.buf, "e2@100:192.0.2.2");
	q.target = NULL;
	q.source = STORE_HISTORY_INCIDENTS;
	q.since = 200;
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_history_visit(s, &q, history_seen, &w), 0, "%s", store_error(s));
	cr_assert_str_eq(w.buf, "c1@250:microsoft");

	cr_assert_eq(store_history_event_at(s, 3, &at), 0, "%s", store_error(s));
	cr_assert_eq(at, 200);
	cr_assert_eq(store_history_event_at(s, 99, &at), 0, "%s", store_error(s));
	cr_assert_eq(at, 200, "past the newest: the newest's time");
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_events_of_target(s, "192.0.2.1", event_seen, &w), 0);
	cr_assert_str_eq(w.buf, "3:clean 1:first");
	cr_assert_eq(store_events_count(s, &last, n), 0, "%s", store_error(s));
	cr_assert_eq(last, 3);
	cr_assert_eq(n[STATUS_CLEAN], 2);
	cr_assert_eq(n[STATUS_LISTED], 1);
	event(s, b, lid, 300, STATUS_CLEAN, STATUS_LISTED);
	cr_assert_eq(store_events_count(s, &last, n), 0, "%s", store_error(s));
	cr_assert_eq(n[STATUS_LISTED], 2, "only what was added since");
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_incidents_visit(s, 5, incident_seen, &w), 0, "%s", store_error(s));
	cr_assert_str_eq(w.buf, "1:microsoft:192.0.2.1");
	catalog_free(cat);
	store_close(s);
}

/* ---- the mail log ---- */

ENGINES(mail_log_rows)
{
	store_t *s = open_rw();
	store_logfile_t lf = {.inode = 42, .size = 1000, .offset = 900, .updated = 5}, back;
	store_log_domain_t d = {.domain = "hotmail.com", .provider = "microsoft",
				.relay = "mx.hotmail.com", .sent = true};
	reject_t r = {.provider = "microsoft", .kind = REJECT_IP_BLOCKLISTED, .code = "S3150",
		      .meaning = "blocked", .removal = "https://x", .advice = "ask"};
	reject_t pol = r;
	store_rejection_t rej = {.at = 100, .reject = &r, .domain = "hotmail.com",
				 .relay = "mx.hotmail.com", .line = "a line"};
	store_incident_open_t quiet[4];
	char **domains;
	size_t nd;
	struct names w;
	int64_t id, got;

	cr_assert_eq(store_logfile_get(s, "/var/log/mail.log", &back), 0);
	cr_assert_eq(store_logfile_put(s, "/var/log/mail.log", &lf), 0);
	lf.offset = 950;
	cr_assert_eq(store_logfile_put(s, "/var/log/mail.log", &lf), 0);
	cr_assert_eq(store_logfile_get(s, "/var/log/mail.log", &back), 1);
	cr_assert_eq(back.offset, 950);
	cr_assert_eq(back.inode, 42);

	cr_assert_eq(store_log_domain_seen(s, &d, 10), 0, "%s", store_error(s));
	d.relay = ""; /* keeps the relay known */
	d.provider = "other";
	d.sent = false;
	d.rejected = true;
	cr_assert_eq(store_log_domain_seen(s, &d, 20), 0, "%s", store_error(s));
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM log_domains WHERE provider = 'microsoft' "
				     "AND relay = 'mx.hotmail.com' AND sent = 1 AND rejected = 1 "
				     "AND first_seen = 10 AND last_seen = 20"), 1);
	d.domain = "gmail.com";
	cr_assert_eq(store_log_domain_seen(s, &d, 20), 0, "%s", store_error(s));
	cr_assert_eq(store_log_domains(s, 10, &domains, &nd), 0, "%s", store_error(s));
	cr_assert_eq(nd, 2);
	cr_assert_str_eq(domains[0], "gmail.com");
	store_log_domains_free(domains, nd);

	cr_assert_eq(store_rejection_add(s, &rej), 0, "%s", store_error(s));
	rej.at = 110;
	cr_assert_eq(store_rejection_add(s, &rej), 0, "%s", store_error(s));
	pol.kind = REJECT_POLICY; /* no incident kind: not counted towards one */
	rej.reject = &pol;
	rej.domain = "outlook.com";
	cr_assert_eq(store_rejection_add(s, &rej), 0, "%s", store_error(s));
	cr_assert_eq(store_rejections_recent(s, "microsoft", 50), 2);
	cr_assert_eq(store_rejections_recent(s, "microsoft", 105), 1);
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_rejection_counts_visit(s, count_seen, &w), 0, "%s", store_error(s));
	cr_assert_str_eq(w.buf, "microsoft/ip-blocklisted/2 microsoft/policy/1");

	cr_assert_eq(store_incident_open_get(s, "microsoft", &got), 0);
	id = store_incident_open(s, &r, "sample line", 2, 50, 120);
	cr_assert_gt(id, 0, "%s", store_error(s));
	cr_assert_eq(store_incident_open_get(s, "microsoft", &got), 1);
	cr_assert_eq(got, id);
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_incident_domains_visit(s, id, 10, count_seen, &w), 0, "%s", store_error(s));
	cr_assert_str_eq(w.buf, "hotmail.com/-/2");
	cr_assert_eq(store_incident_extend(s, id, "192.0.2.7", "live.com", 130), 0);
	cr_assert_eq(store_incident_extend(s, id, "192.0.2.8", "live.com", 131), 0);
	cr_assert_eq(store_scalar(s, "SELECT rejections FROM incidents"), 4);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM incidents WHERE sending_ip = '192.0.2.7'"), 1,
		     "the first address named stays");
	cr_assert_eq(store_scalar(s, "SELECT rejections FROM incident_domains WHERE domain = 'live.com'"), 2);
	cr_assert_eq(store_incidents_quiet(s, 200, quiet, 4), 0, "no delivery since");
	cr_assert_eq(store_incident_delivered(s, "microsoft", 140), 0);
	cr_assert_eq(store_incidents_quiet(s, 120, quiet, 4), 0, "rejected after 120");
	cr_assert_eq(store_incidents_quiet(s, 200, quiet, 4), 1, "%s", store_error(s));
	cr_assert_eq(quiet[0].id, id);
	cr_assert_eq(quiet[0].last_sent, 140);
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_incident_providers_visit(s, count_seen, &w), 0, "%s", store_error(s));
	cr_assert_str_eq(w.buf, "microsoft/-/1");
	cr_assert_eq(store_incident_close(s, id, 300), 0, "%s", store_error(s));
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_incident_providers_visit(s, count_seen, &w), 0, "%s", store_error(s));
	cr_assert_str_eq(w.buf, "microsoft/-/0");
	cr_assert_eq(store_rejections_prune(s, 105), 0, "%s", store_error(s));
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM rejections"), 2);
	cr_assert_eq(store_scalar(s, "SELECT sum(n) FROM rejection_counts"), 3, "totals stay");
	store_close(s);
}

/* ---- the alert room ---- */

static int alert_event_seen(void *ud, const store_alert_event_t *e)
{
	struct names *w = ud;

	sprintf(w->buf + strlen(w->buf), "%s%lld:%s:%s", w->n++ ? " " : "", (long long)e->ev.id,
		status_name(e->ev.to), catalog_kind_name(e->list_kind));
	return 0;
}

static int alert_state_seen(void *ud, const store_alert_state_t *st)
{
	struct names *w = ud;

	sprintf(w->buf + strlen(w->buf), "%s%lld:%s", w->n++ ? " " : "", (long long)st->target_id,
		status_name(st->state.status));
	return 0;
}

/* The queue as a cluster's outbox: a claimed message is no other node's until its claim ends. */
ENGINES(alert_outbox_claims)
{
	store_t *s = open_rw();
	store_alert_queued_t q;
	int64_t a, b;

	a = store_alert_enqueue(s, 100, "email", "x@example.org", "one", "p1");
	b = store_alert_enqueue(s, 100, "email", "x@example.org", "two", "p2");
	cr_assert_gt(b, a);
	cr_assert_eq(store_alert_claim(s, "n1", 100, 220, 0, &q), 1, "%s", store_error(s));
	cr_assert_eq(q.id, a);
	cr_assert_str_eq(q.payload, "p1");
	free(q.payload);
	cr_assert_eq(store_alert_claim(s, "n2", 100, 220, 0, &q), 1, "%s", store_error(s));
	cr_assert_eq(q.id, b, "n1's claim is skipped");
	free(q.payload);
	cr_assert_eq(store_alert_claim(s, "n3", 150, 270, 0, &q), 0, "both claimed");
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM alerts WHERE claimed_by = 'n2'"), 1);
	/* n2 delivers; n1 dies mid-send: after its claim another node sends it */
	cr_assert_eq(store_alert_mark_done(s, b, 120), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_claim(s, "n3", 221, 341, 0, &q), 1, "%s", store_error(s));
	cr_assert_eq(q.id, a);
	free(q.payload);
	/* a failed attempt ends the claim: due again at its next attempt, for any node */
	cr_assert_eq(store_alert_mark_failed(s, a, 222, "refused", 230, false), 0, "%s",
		     store_error(s));
	cr_assert_eq(store_alert_claim(s, "n1", 225, 345, 0, &q), 0, "not due yet");
	cr_assert_eq(store_alert_claim(s, "n1", 230, 350, 0, &q), 1, "%s", store_error(s));
	cr_assert_eq(q.id, a);
	cr_assert_eq(q.attempts, 1);
	free(q.payload);
	store_close(s);
}

ENGINES(alert_room_and_queue)
{
	store_t *s = open_rw();
	catalog_t *cat = catalog_new_builtin();
	int64_t lid = store_list_id(s, catalog_find(cat, "zen.spamhaus.org"));
	int64_t a = put_target(s, "192.0.2.1", lid, STATUS_LISTED, "192.0.2.1", STANDING_OWN);
	int64_t e1, e2, e3, id1, id2, v, ev, hl;
	store_alert_def_t def, *defs;
	store_alert_queued_t q;
	store_alert_queue_stats_t qs;
	store_alert_flap_t *flaps;
	store_alert_health_t *hs;
	store_alert_block_t *blocks;
	store_alert_listing_t *lst;
	store_alert_outage_t *os;
	store_alert_incident_t *incs;
	store_list_t *lists, lrow;
	store_target_t trow;
	status_t status;
	struct names w;
	int n;

	cr_assert_eq(store_alert_kv_get(s, "last_event", &v), 0);
	cr_assert_eq(store_alert_heads(s, &ev, &hl), 0, "%s", store_error(s));
	cr_assert_eq(ev, 0);
	cr_assert_eq(store_alert_work(s, 0, 0), 0, "%s", store_error(s));
	e1 = event(s, a, lid, 100, STATUS_UNKNOWN, STATUS_CLEAN);
	e2 = event(s, a, lid, 200, STATUS_CLEAN, STATUS_LISTED);
	cr_assert_eq(e2, e1 + 1);
	e3 = event(s, a, lid, 300, STATUS_LISTED, STATUS_CLEAN);
	cr_assert_eq(store_alert_work(s, 0, 0), 1, "%s", store_error(s));
	cr_assert_eq(store_alert_work(s, e3, 0), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_heads(s, &ev, &hl), 0, "%s", store_error(s));
	cr_assert_eq(ev, e3);
	cr_assert_eq(store_alert_kv_set(s, "last_event", e3), 0);
	cr_assert_eq(store_alert_kv_get(s, "last_event", &v), 1);
	cr_assert_eq(v, e3);
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_alert_events_after(s, e1, alert_event_seen, &w), 0, "%s", store_error(s));
	cr_assert_str_eq(w.buf, "2:listed:block 3:clean:block");
	cr_assert_eq(store_alert_def_before(s, a, lid, e3, &def), 1, "%s", store_error(s));
	cr_assert_eq(def.status, STATUS_LISTED);
	cr_assert_eq(store_alert_def_at(s, a, lid, 150, &def), 1, "%s", store_error(s));
	cr_assert_eq(def.status, STATUS_CLEAN);
	cr_assert_eq(store_alert_def_at(s, a, lid, 50, &def), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_defs_between(s, a, lid, 100, e3, &defs), 2, "%s", store_error(s));
	free(defs);
	cr_assert_eq(store_alert_listed_since(s, a, lid, e3), 200, "%s", store_error(s));
	cr_assert_eq(store_alert_target_get(s, a, &trow), 1, "%s", store_error(s));
	cr_assert_str_eq(trow.name, "192.0.2.1");
	cr_assert(trow.active);
	cr_assert_eq(store_alert_list_get(s, lid, &lrow), 1, "%s", store_error(s));
	cr_assert_str_eq(lrow.zone, "zen.spamhaus.org");
	cr_assert_eq(store_alert_target_blocks(s, a, &blocks), 1, "%s", store_error(s));
	cr_assert_eq(blocks[0].status, STATUS_LISTED);
	free(blocks);
	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_alert_states(s, alert_state_seen, &w), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_active_targets(s), 1, "%s", store_error(s));
	cr_assert_eq(store_alert_listings(s, "", &lst), 1);
	cr_assert_str_eq(lst[0].target, "192.0.2.1");
	cr_assert_eq(lst[0].asn, -1);
	cr_assert_eq(lst[0].code, 0x7f000002);
	free(lst);
	cr_assert_eq(store_alert_listings(s, "192.0.2.99", &lst), 0);
	cr_assert_eq(store_alert_target_active(s, "192.0.2.1"), 1);
	cr_assert_eq(store_alert_target_active(s, "192.0.2.99"), 0);
	cr_assert_eq(store_alert_state(s, "192.0.2.1", "zen.spamhaus.org", &status, &v), 1);
	cr_assert_eq(status, STATUS_LISTED);

	/* flapping pairs */
	cr_assert_eq(store_alert_flap_get(s, a, lid), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_flap_add(s, a, lid, 400), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_flap_add(s, a, lid, 410), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_flap_get(s, a, lid), 1, "%s", store_error(s));
	cr_assert_eq(store_alert_flaps(s, &flaps), 1, "%s", store_error(s));
	cr_assert_eq(flaps[0].last_change, 300, "the last definite event's time");
	free(flaps);
	cr_assert_eq(store_alert_work(s, e3, 0), 1, "a flapping pair may settle");
	cr_assert_eq(store_alert_flap_del(s, a, lid), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_flaps(s, &flaps), 0, "%s", store_error(s));

	/* list health */
	cr_assert_eq(store_list_health(s, lid, HEALTH_OK, NULL, 10), 1, "%s", store_error(s));
	cr_assert_eq(store_list_health(s, lid, HEALTH_DEAD, "gone", 20), 1);
	cr_assert_eq(store_alert_health_after(s, 0, &hs), 2, "%s", store_error(s));
	cr_assert(!hs[0].have_prev);
	cr_assert(hs[1].have_prev);
	cr_assert_eq(hs[1].prev, HEALTH_OK);
	cr_assert_str_eq(hs[1].detail, "gone");
	free(hs);
	cr_assert_eq(store_alert_lists_unhealthy(s, &lists), 1, "%s", store_error(s));
	cr_assert_eq(lists[0].health, HEALTH_DEAD);
	free(lists);

	/* outages and incidents to tell */
	cr_assert_gt(store_outage_open(s, 500, "system", "no answer"), 0);
	cr_assert_eq(store_alert_outages(s, &os), 1, "%s", store_error(s));
	cr_assert(os[0].opening);
	cr_assert_eq(store_alert_outage_mark(s, os[0].id, false, 510), 0, "%s", store_error(s));
	free(os);
	cr_assert_eq(store_alert_outages(s, &os), 0, "%s", store_error(s));
	cr_assert_eq(store_outage_close(s, 600), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_outages(s, &os), 1, "%s", store_error(s));
	cr_assert(!os[0].opening);
	cr_assert_eq(os[0].ended, 600);
	free(os);
	{
		reject_t r = {.provider = "google", .kind = REJECT_RATE_LIMITED, .code = "4.7.28",
			      .meaning = "rate", .removal = "", .advice = "slow down"};
		int64_t inc = store_incident_open(s, &r, "s", 1, 0, 700);
		cr_assert_eq(store_alert_incidents(s, &incs), 1, "%s", store_error(s));
		cr_assert(incs[0].alert_open);
		cr_assert(!incs[0].alert_close);
		cr_assert_str_eq(incs[0].sending_ip, "");
		free(incs);
		cr_assert_eq(store_alert_incident_mark(s, inc, false, 710), 0, "%s", store_error(s));
		cr_assert_eq(store_alert_incident_told(s, inc, "{}", "r", "a"), 0);
		cr_assert_eq(store_alert_incidents(s, &incs), 0, "%s", store_error(s));
	}

	/* the queue */
	id1 = store_alert_enqueue(s, 1000, "email", "a@example.org", "subject one", "payload\n1");
	id2 = store_alert_enqueue(s, 1001, "webhook", "https://example.org/h", "subject two", "{}");
	cr_assert_gt(id1, 0);
	cr_assert_eq(id2, id1 + 1);
	cr_assert_eq(store_alert_due(s, 999, 0, &q), 0, "not yet due");
	cr_assert_eq(store_alert_due(s, 1000, 0, &q), 1, "%s", store_error(s));
	cr_assert_eq(q.id, id1);
	cr_assert_str_eq(q.payload, "payload\n1");
	free(q.payload);
	cr_assert_eq(store_alert_mark_failed(s, id1, 1002, "421 busy", 1010, false), 0);
	cr_assert_eq(store_alert_due(s, 1005, 0, &q), 1, "%s", store_error(s));
	cr_assert_eq(q.id, id2, "the failed one waits for its next attempt");
	free(q.payload);
	cr_assert_eq(store_alert_mark_done(s, id2, 1006), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_queue_stats(s, &qs), 0, "%s", store_error(s));
	cr_assert_eq(qs.queued, 1);
	cr_assert_eq(qs.oldest, 1000);
	cr_assert_eq(qs.channel[0].queued, 1);
	cr_assert_eq(qs.channel[0].failures, 1);
	cr_assert_str_eq(qs.channel[0].last_error, "421 busy");
	cr_assert_eq(qs.channel[1].queued, 0);
	cr_assert_eq(store_alert_mark_failed(s, id1, 1020, "550 no", 1020, true), 0);
	cr_assert_eq(store_alert_queue_stats(s, &qs), 0, "%s", store_error(s));
	cr_assert_eq(qs.queued, 0);
	cr_assert_eq(qs.channel[0].given_up, 1);
	cr_assert_eq(qs.channel[0].failures, 2);
	cr_assert_eq(store_alert_due(s, 5000, 0, &q), 0, "%s", store_error(s));
	cr_assert_eq(store_alert_prune(s, 1010), 0, "%s", store_error(s));
	n = (int)store_scalar(s, "SELECT count(*) FROM alerts");
	cr_assert_eq(n, 1, "the delivered one is pruned, the one given up at 1020 stays");
	catalog_free(cat);
	store_close(s);
}

Test(store, unopenable_path_is_a_clear_error)
{
	char err[512];
	store_t *s = store_open("/nonexistent/dir/blmon.db", STORE_RW, err, sizeof(err));

	cr_assert_null(s);
	cr_assert(strstr(err, "/nonexistent/dir/blmon.db"), "%s", err);
}

Test(store, unreachable_server_is_a_clear_error)
{
	char err[512], uri[128];
	store_t *s;

	snprintf(uri, sizeof(uri), "postgresql://blmon@127.0.0.1:%d/blmon?connect_timeout=2",
		 harness_free_tcp_port());
	s = store_open(uri, STORE_RW, err, sizeof(err));
	cr_assert_null(s);
	cr_assert(strstr(err, uri), "%s", err);
	cr_assert(strstr(err, "refused") || strstr(err, "connect"), "%s", err);
}

/* A database written by 0.1 (tests/fixtures/release-0.1.sql: two resolver outages
 * recorded as unknown states and events, a delisting between them, a listing
 * after) is migrated to "a failed check is not a state": the unknown periods are
 * kept aside, the events read as if only the outages had happened, and every
 * state and since is the one before the outage. (SQLite only: no PostgreSQL
 * database was ever written by 0.1.) */
Test(store, release_0_1_database_migrates_without_losing_what_was_known)
{
	const char *root = getenv("BLMON_ROOT");
	char fx[1024], err[512], *sql;
	sqlite3 *db;
	store_t *s;
	store_state_t st;

	snprintf(fx, sizeof(fx), "%s/tests/fixtures/release-0.1.sql", root ? root : ".");
	sql = harness_read(fx);
	cr_assert(strstr(sql, "CREATE TABLE"), "fixture %s not read", fx);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	free(sql);

	s = store_open(path, STORE_RW, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	cr_assert_geq(store_schema_version(s), 4, "%s", store_error(s));
	/* no unknown anywhere, nothing lost: the unknown periods are kept aside */
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM events WHERE \"to\" = 'unknown' OR "
				     "\"from\" = 'unknown'"), 0);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM state WHERE status NOT IN "
				     "('listed', 'clean', 'unchecked')"), 0);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM legacy_unknown"), 12);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM legacy_unknown WHERE ended IS NULL"), 6,
		     "the outage still going on when 0.1 stopped");
	/* the history: first observations, the delisting and the listing; the outages and
	 * their "unknown -> listed" returns are gone */
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM events"), 8);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM events WHERE id IN (1,2,3,4,5,6,19,20)"), 8);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM events WHERE id = 19 AND \"from\" = "
				     "'listed' AND \"to\" = 'clean'"), 1);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM events WHERE id = 20 AND \"from\" = "
				     "'clean' AND \"to\" = 'listed'"), 1);

	/* 192.0.2.10 on bl.test: clean since the delisting, failing since the second outage */
	cr_assert_eq(store_state_get(s, 1, 1, &st), 1, "%s", store_error(s));
	cr_assert_eq(st.status, STATUS_CLEAN);
	cr_assert_eq(st.since, 1796535591);
	cr_assert_eq(st.failing_since, 1796535595);
	cr_assert(strstr(st.failing_reason, "list unreachable"), "%s", st.failing_reason);
	/* 192.0.2.10 on net.test: listed since the first check, through both outages */
	cr_assert_eq(store_state_get(s, 1, 2, &st), 1, "%s", store_error(s));
	cr_assert_eq(st.status, STATUS_LISTED);
	cr_assert_eq(st.since, 1796535581);
	cr_assert_eq(st.ans.ncodes, 1);
	/* 192.0.2.30 on bl.test: listed since the listing between the outages, with its TXT */
	cr_assert_eq(store_state_get(s, 3, 1, &st), 1, "%s", store_error(s));
	cr_assert_eq(st.status, STATUS_LISTED);
	cr_assert_eq(st.since, 1796535591);
	cr_assert_eq(st.ans.ntxt, 1);
	cr_assert_str_eq(st.ans.txt, "Spam source 192.0.2.30");
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM state WHERE failing_since = 1796535595"), 6);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM resolver_outages"), 0);
	store_close(s);

	/* and opening it again changes nothing */
	s = store_open(path, STORE_RW, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM events"), 8);
	store_close(s);
}
