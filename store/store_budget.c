/* store_budget.c -- each list's queries per UTC day, all nodes together: counted, and taken from
 * its daily budget before they are sent. The row of a (list, day) is locked while a node takes
 * its part (PostgreSQL: FOR UPDATE; SQLite: its one writer), so two nodes never take the same. */
#include "store/store_budget.h"

#include "store/store_int.h"

static const store_sql_t SQL_ROW = STORE_SQL(
	"INSERT INTO list_queries (list_id, day) VALUES (?1, ?2) "
	"ON CONFLICT (list_id, day) DO NOTHING");
static const store_sql_t SQL_GET = STORE_SQL2(
	"SELECT queries, held FROM list_queries WHERE list_id = ?1 AND day = ?2",
	"SELECT queries, held FROM list_queries WHERE list_id = ?1 AND day = ?2 FOR UPDATE");
/* ?3 queries sent, ?4 held (either may be negative) */
static const store_sql_t SQL_ADD = STORE_SQL(
	"INSERT INTO list_queries (list_id, day, queries, held) VALUES (?1, ?2, ?3, ?4) "
	"ON CONFLICT (list_id, day) DO UPDATE SET queries = list_queries.queries + excluded.queries, "
	"held = CASE WHEN list_queries.held + excluded.held > 0 THEN list_queries.held + "
	"excluded.held ELSE 0 END");
static const store_sql_t SQL_SPENT = STORE_SQL(
	"UPDATE list_queries SET spent = 1 WHERE list_id = ?1 AND day = ?2 AND spent = 0 "
	"RETURNING spent");
static const store_sql_t SQL_USED = STORE_SQL(
	"SELECT coalesce(sum(queries), 0) FROM list_queries WHERE (?1 = 0 OR list_id = ?1) AND "
	"day = ?2");

/* Runs sql with list_id, day and the two counts as ?1 to ?4 (those it has). 0 or -1. */
static int run(store_t *s, const store_sql_t *sql, int64_t list_id, int64_t day, int64_t sent,
	       int64_t held)
{
	store_stmt_t *st = store_stmt(s, sql);

	if (!st)
		return -1;
	store_bind_int64(st, 1, list_id);
	store_bind_int64(st, 2, day);
	if (sql == &SQL_ADD) {
		store_bind_int64(st, 3, sent);
		store_bind_int64(st, 4, held);
	}
	return store_done(s, st);
}

int64_t store_budget_take(store_t *s, int64_t list_id, int64_t day, int64_t want, int64_t budget,
			  int64_t *room)
{
	store_stmt_t *st;
	int64_t sent, held, grant;

	*room = 0;
	if (want <= 0)
		return 0;
	if (store_begin(s) < 0)
		return -1;
	if (run(s, &SQL_ROW, list_id, day, 0, 0) < 0 || !(st = store_stmt(s, &SQL_GET)))
		goto fail;
	store_bind_int64(st, 1, list_id);
	store_bind_int64(st, 2, day);
	if (store_row(s, st) != 1)
		goto fail;
	sent = store_col_int64(st, 0);
	held = store_col_int64(st, 1);
	store_reset(st);
	grant = want;
	if (budget > 0) {
		int64_t left = budget - sent - held;
		*room = budget > sent ? budget - sent : 0;
		if (grant > left)
			grant = left > 0 ? left : 0;
	} else {
		*room = want;
	}
	if ((grant && run(s, &SQL_ADD, list_id, day, 0, grant) < 0) || store_commit(s) < 0)
		goto fail;
	return grant;
fail:
	store_rollback(s);
	return -1;
}

int store_budget_settle(store_t *s, int64_t list_id, int64_t day, int64_t sent, int64_t held)
{
	return sent || held ? run(s, &SQL_ADD, list_id, day, sent, -held) : 0;
}

int store_budget_spent(store_t *s, int64_t list_id, int64_t day)
{
	store_stmt_t *st = store_stmt(s, &SQL_SPENT);
	int rc;

	if (!st)
		return -1;
	store_bind_int64(st, 1, list_id);
	store_bind_int64(st, 2, day);
	rc = store_row(s, st);
	if (rc == 1)
		store_reset(st);
	return rc;
}

int64_t store_budget_used(store_t *s, int64_t list_id, int64_t day)
{
	store_stmt_t *st = store_stmt(s, &SQL_USED);
	int64_t v;

	if (!st)
		return -1;
	store_bind_int64(st, 1, list_id);
	store_bind_int64(st, 2, day);
	if (store_row(s, st) != 1)
		return -1;
	v = store_col_int64(st, 0);
	store_reset(st);
	return v;
}
