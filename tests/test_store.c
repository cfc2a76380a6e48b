/* test_store.c -- the SQLite store: schema creation, migration idempotence, round trips. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"
#include "tests/harness.h"

static char *dir;
static char path[1024];

static void setup(void)
{
	dir = harness_tmpdir();
	snprintf(path, sizeof(path), "%s/s.db", dir);
}

static void teardown(void) { harness_tmpdir_free(dir); }

TestSuite(store, .init = setup, .fini = teardown);

Test(store, creates_schema_once_and_reopens)
{
	char err[512];
	store_t *s = store_open(path, STORE_RW, err, sizeof(err));

	cr_assert_not_null(s, "%s", err);
	cr_assert_geq(store_schema_version(s), 1);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
	store_close(s);
	s = store_open(path, STORE_RW, err, sizeof(err));
	cr_assert_not_null(s, "reopening must not re-run migrations: %s", err);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM schema_version"), 1);
	cr_assert_eq(store_scalar(s, "PRAGMA foreign_keys"), 1);
	store_close(s);
}

Test(store, state_and_events_round_trip)
{
	char err[512];
	store_t *s = store_open(path, STORE_RW, err, sizeof(err));
	catalog_t *cat = catalog_new_builtin();
	target_t t;
	store_state_t st, back;
	int64_t tid, lid;

	cr_assert_not_null(s, "%s", err);
	target_parse_ip("192.0.2.10", &t);
	cr_assert_eq(store_begin(s), 0);
	tid = store_target_id(s, &t, 1000);
	lid = store_list_id(s, catalog_find(cat, "zen.spamhaus.org"));
	cr_assert_gt(tid, 0);
	cr_assert_gt(lid, 0);
	cr_assert_eq(store_target_id(s, &t, 2000), tid, "upsert keeps the id");
	cr_assert_eq(store_state_get(s, tid, lid, &back), 0);
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
	cr_assert_eq(store_state_put(s, tid, lid, &st), 0);
	cr_assert_eq(store_state_get(s, tid, lid, &back), 1);
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
	{
		store_event_t ev;
		memset(&ev, 0, sizeof(ev));
		ev.at = 1000;
		ev.target_id = tid;
		ev.list_id = lid;
		ev.first = true;
		ev.to = STATUS_LISTED;
		ev.ans = st.ans;
		cr_assert_gt(store_event_add(s, &ev), 0);
	}
	cr_assert_eq(store_list_health(s, lid, HEALTH_OK, "", 1000), 1);
	cr_assert_eq(store_list_health(s, lid, HEALTH_OK, "", 1100), 0, "same health is not a change");
	cr_assert_eq(store_list_health(s, lid, HEALTH_DEAD, "127.0.0.2 NXDOMAIN", 1200), 1);
	cr_assert_eq(store_commit(s), 0);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM events"), 1);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM list_health"), 2);
	/* retention prunes cycles, never state or events */
	cr_assert_gt(store_cycle_begin(s, 10), 0);
	cr_assert_eq(store_prune(s, 5000), 0);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM cycles"), 0);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM state"), 1);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM events"), 1);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM list_health"), 1, "the latest health stays");
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

/* A database written by 0.1 (tests/fixtures/release-0.1.sql: two resolver outages
 * recorded as unknown states and events, a delisting between them, a listing
 * after) is migrated to "a failed check is not a state": the unknown periods are
 * kept aside, the events read as if only the outages had happened, and every
 * state and since is the one before the outage. */
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
	cr_assert_geq(store_schema_version(s), 4);
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
	cr_assert_eq(store_state_get(s, 1, 1, &st), 1);
	cr_assert_eq(st.status, STATUS_CLEAN);
	cr_assert_eq(st.since, 1796535591);
	cr_assert_eq(st.failing_since, 1796535595);
	cr_assert(strstr(st.failing_reason, "list unreachable"), "%s", st.failing_reason);
	/* 192.0.2.10 on net.test: listed since the first check, through both outages */
	cr_assert_eq(store_state_get(s, 1, 2, &st), 1);
	cr_assert_eq(st.status, STATUS_LISTED);
	cr_assert_eq(st.since, 1796535581);
	cr_assert_eq(st.ans.ncodes, 1);
	/* 192.0.2.30 on bl.test: listed since the listing between the outages, with its TXT */
	cr_assert_eq(store_state_get(s, 3, 1, &st), 1);
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
