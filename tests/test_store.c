/* test_store.c -- the SQLite store: schema creation, migration idempotence, round trips. */
#include <criterion/criterion.h>
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
