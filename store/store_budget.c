/* store_budget.c -- each list's queries per UTC day, all nodes together: counted, and taken from
 * its daily budget before they are sent. The list's row is locked while a node takes its part
 * or marks it spent (PostgreSQL: FOR UPDATE; SQLite: its one writer), so two nodes never take
 * the same queries, nor both say it is spent. */
#include "store/store_budget.h"

#include "store/store_int.h"

/* the days wholly before the history kept */
static const store_sql_t SQL_PRUNE = STORE_SQL("DELETE FROM list_queries WHERE day + 86400 <= ?1");
static const store_sql_t SQL_LOCK = STORE_SQL2(
	"SELECT id FROM lists WHERE id = ?1",
	"SELECT id FROM lists WHERE id = ?1 FOR UPDATE");
/* what every node sent, and what they hold: this node's, and a live node's */
static const store_sql_t SQL_SUMS = STORE_SQL(
	"SELECT coalesce(sum(queries), 0), coalesce(sum(CASE WHEN node = ?3 OR node IN (SELECT "
	"node FROM cluster_nodes WHERE seen >= ?4) THEN held ELSE 0 END), 0) FROM list_queries "
	"WHERE list_id = ?1 AND day = ?2");
/* ?4 queries sent, ?5 held (either may be negative) */
static const store_sql_t SQL_ADD = STORE_SQL(
	"INSERT INTO list_queries (list_id, day, node, queries, held) VALUES (?1, ?2, ?3, ?4, "
	"CASE WHEN ?5 > 0 THEN ?5 ELSE 0 END) ON CONFLICT (list_id, day, node) DO UPDATE SET "
	"queries = list_queries.queries + excluded.queries, held = CASE WHEN list_queries.held + ?5 "
	"> 0 THEN list_queries.held + ?5 ELSE 0 END");
static const store_sql_t SQL_RELEASE = STORE_SQL(
	"UPDATE list_queries SET held = 0 WHERE node = ?1 AND held <> 0");
static const store_sql_t SQL_SPENT_BY = STORE_SQL(
	"SELECT count(*) FROM list_queries WHERE list_id = ?1 AND day = ?2 AND spent = 1");
static const store_sql_t SQL_SPENT = STORE_SQL(
	"INSERT INTO list_queries (list_id, day, node, spent) VALUES (?1, ?2, ?3, 1) "
	"ON CONFLICT (list_id, day, node) DO UPDATE SET spent = 1");
static const store_sql_t SQL_USED = STORE_SQL(
	"SELECT coalesce(sum(queries), 0) FROM list_queries WHERE (?1 = 0 OR list_id = ?1) AND "
	"day = ?2");

/* Binds list_id, day and node as ?1 to ?3. */
static store_stmt_t *stmt(store_t *s, const store_sql_t *sql, int64_t list_id, int64_t day,
			  const char *node)
{
	store_stmt_t *st = store_stmt(s, sql);

	if (st) {
		store_bind_int64(st, 1, list_id);
		store_bind_int64(st, 2, day);
		if (node)
			store_bind_text(st, 3, node);
	}
	return st;
}

/* Adds sent and held to node's row. 0 or -1. */
static int add(store_t *s, int64_t list_id, int64_t day, const char *node, int64_t sent,
	       int64_t held)
{
	store_stmt_t *st = stmt(s, &SQL_ADD, list_id, day, node);

	if (!st)
		return -1;
	store_bind_int64(st, 4, sent);
	store_bind_int64(st, 5, held);
	return store_done(s, st);
}

/* The list's row, locked until the transaction ends. 0 or -1. */
static int lock(store_t *s, int64_t list_id)
{
	store_stmt_t *st = store_stmt(s, &SQL_LOCK);
	int rc;

	if (!st)
		return -1;
	store_bind_int64(st, 1, list_id);
	if ((rc = store_row(s, st)) == 1)
		store_reset(st);
	return rc == 1 ? 0 : -1;
}

int64_t store_budget_take(store_t *s, int64_t list_id, int64_t day, const char *node,
			  int64_t want, int64_t budget, int64_t live_after, int64_t *room)
{
	store_stmt_t *st;
	int64_t sent, held, grant;

	*room = 0;
	if (want <= 0)
		return 0;
	if (store_begin(s) < 0)
		return -1;
	if (lock(s, list_id) < 0 || !(st = stmt(s, &SQL_SUMS, list_id, day, node)))
		goto fail;
	store_bind_int64(st, 4, live_after);
	if (store_row(s, st) != 1)
		goto fail;
	sent = store_col_int64(st, 0);
	held = store_col_int64(st, 1);
	store_reset(st);
	grant = want;
	*room = want;
	if (budget > 0) {
		int64_t left = budget - sent - held;
		*room = budget > sent ? budget - sent : 0;
		if (grant > left)
			grant = left > 0 ? left : 0;
	}
	if ((grant && add(s, list_id, day, node, 0, grant) < 0) || store_commit(s) < 0)
		goto fail;
	return grant;
fail:
	store_rollback(s);
	return -1;
}

int store_budget_settle(store_t *s, int64_t list_id, int64_t day, const char *node, int64_t sent,
			int64_t held)
{
	return sent || held ? add(s, list_id, day, node, sent, -held) : 0;
}

int store_budget_release(store_t *s, const char *node)
{
	store_stmt_t *st = store_stmt(s, &SQL_RELEASE);

	if (!st)
		return -1;
	store_bind_text(st, 1, node);
	return store_done(s, st);
}

int store_budget_spent(store_t *s, int64_t list_id, int64_t day, const char *node)
{
	store_stmt_t *st;
	int64_t already;

	if (store_begin(s) < 0)
		return -1;
	if (lock(s, list_id) < 0 || !(st = stmt(s, &SQL_SPENT_BY, list_id, day, NULL)) ||
	    store_row(s, st) != 1)
		goto fail;
	already = store_col_int64(st, 0);
	store_reset(st);
	if ((!already && (!(st = stmt(s, &SQL_SPENT, list_id, day, node)) ||
			  store_done(s, st) < 0)) ||
	    store_commit(s) < 0)
		goto fail;
	return already ? 0 : 1;
fail:
	store_rollback(s);
	return -1;
}

int64_t store_budget_used(store_t *s, int64_t list_id, int64_t day)
{
	store_stmt_t *st = stmt(s, &SQL_USED, list_id, day, NULL);
	int64_t v;

	if (!st)
		return -1;
	if (store_row(s, st) != 1)
		return -1;
	v = store_col_int64(st, 0);
	store_reset(st);
	return v;
}

int store_budget_prune(store_t *s, int64_t before)
{
	store_stmt_t *st = store_stmt(s, &SQL_PRUNE);

	if (!st)
		return -1;
	store_bind_int64(st, 1, before);
	return store_done(s, st);
}
