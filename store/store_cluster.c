/* store_cluster.c -- the leases of a cluster's shards: renewed, balanced and taken over in one transaction.
 * PostgreSQL takes rows with FOR UPDATE SKIP LOCKED (nodes renewing together never wait on each
 * other, never take the same row); SQLite's one writer needs no row lock. */
#include "store/store_cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "store/store_int.h"

static const store_sql_t SQL_LEASES_N = STORE_SQL("SELECT count(*) FROM cluster_leases");
static const store_sql_t SQL_LEASE_ADD = STORE_SQL(
	"INSERT INTO cluster_leases (shard) VALUES (?1) ON CONFLICT (shard) DO NOTHING");
static const store_sql_t SQL_NODE_SEEN = STORE_SQL(
	"INSERT INTO cluster_nodes (node, seen, healthy) VALUES (?1, ?2, ?3) ON CONFLICT (node) "
	"DO UPDATE SET seen = excluded.seen, healthy = excluded.healthy");
static const store_sql_t SQL_GIVE_ALL = STORE_SQL(
	"UPDATE cluster_leases SET node = NULL, expires = 0 WHERE node = ?1");
static const store_sql_t SQL_RENEW = STORE_SQL(
	"UPDATE cluster_leases SET expires = ?2, renewed = ?3 WHERE node = ?1");
static const store_sql_t SQL_LIVE = STORE_SQL(
	"SELECT count(*) FROM cluster_nodes WHERE healthy = 1 AND seen > ?1");
static const store_sql_t SQL_MINE = STORE_SQL(
	"SELECT count(*) FROM cluster_leases WHERE node = ?1 AND shard >= 0");
/* the highest shards above the fair share go back */
static const store_sql_t SQL_GIVE_SOME = STORE_SQL(
	"UPDATE cluster_leases SET node = NULL, expires = 0 WHERE shard IN (SELECT shard FROM "
	"cluster_leases WHERE node = ?1 AND shard >= 0 ORDER BY shard DESC LIMIT ?2)");
#define FREE "(node IS NULL OR expires <= ?3)"
static const store_sql_t SQL_TAKE = STORE_SQL2(
	"UPDATE cluster_leases SET node = ?1, expires = ?2, renewed = ?3 WHERE shard IN (SELECT "
	"shard FROM cluster_leases WHERE shard >= 0 AND " FREE " ORDER BY shard LIMIT ?4)",
	"UPDATE cluster_leases SET node = ?1, expires = ?2, renewed = ?3 WHERE shard IN (SELECT "
	"shard FROM cluster_leases WHERE shard >= 0 AND " FREE " ORDER BY shard LIMIT ?4 "
	"FOR UPDATE SKIP LOCKED)");
/* shard -1: STORE_CLUSTER_COORD */
static const store_sql_t SQL_TAKE_COORD = STORE_SQL2(
	"UPDATE cluster_leases SET node = ?1, expires = ?2, renewed = ?3 WHERE shard = -1 AND "
	FREE,
	"UPDATE cluster_leases SET node = ?1, expires = ?2, renewed = ?3 WHERE shard IN (SELECT "
	"shard FROM cluster_leases WHERE shard = -1 AND " FREE " FOR UPDATE SKIP LOCKED)");
static const store_sql_t SQL_HELD = STORE_SQL(
	"SELECT shard FROM cluster_leases WHERE node = ?1 AND expires > ?2");
static const store_sql_t SQL_NODES = STORE_SQL(
	"SELECT n.node, n.seen, n.healthy, "
	"(SELECT count(*) FROM cluster_leases l WHERE l.node = n.node AND l.shard >= 0 AND "
	"l.expires > ?1), "
	"(SELECT count(*) FROM cluster_leases l WHERE l.node = n.node AND l.shard = -1 AND "
	"l.expires > ?1), "
	"(SELECT coalesce(max(l.expires), 0) FROM cluster_leases l WHERE l.node = n.node AND "
	"l.expires > ?1) "
	"FROM cluster_nodes n ORDER BY n.node");
static const store_sql_t SQL_VIEW_PUT = STORE_SQL(
	"INSERT INTO cluster_list_health (node, list_id, health, detail, at) VALUES (?1, ?2, ?3, "
	"?4, ?5) ON CONFLICT (node, list_id) DO UPDATE SET health = excluded.health, "
	"detail = excluded.detail, at = excluded.at");
/* a row made here before the node's first test is untested, tested at 0 */
static const store_sql_t SQL_DATA_PUT = STORE_SQL(
	"INSERT INTO cluster_list_health (node, list_id, health, at, data_at) VALUES (?1, ?2, "
	"'untested', 0, ?3) ON CONFLICT (node, list_id) DO UPDATE SET data_at = excluded.data_at");
static const store_sql_t SQL_VIEWS = STORE_SQL(
	"SELECT h.node, h.list_id, l.zone, h.health, coalesce(h.detail, ''), h.at, h.data_at FROM "
	"cluster_list_health h JOIN lists l ON l.id = h.list_id "
	"WHERE (?1 = 0 OR h.list_id = ?1) AND h.at >= ?2 ORDER BY h.list_id, h.node");
static const store_sql_t SQL_CYCLE_NODE = STORE_SQL("UPDATE cycles SET node = ?2 WHERE id = ?1");
static const store_sql_t SQL_CYCLES = STORE_SQL(
	"SELECT node, started, ended FROM cycles WHERE id IN (SELECT max(id) FROM cycles WHERE "
	"node IS NOT NULL AND ended IS NOT NULL GROUP BY node) ORDER BY node");
static const store_sql_t SQL_UNSEEN = STORE_SQL(
	"SELECT id, target FROM targets WHERE active = 1 AND last_seen < ?1");
/* store_state.c's retirement, one target at a time (its shard is known to C alone) */
static const store_sql_t SQL_RETIRE_STATES = STORE_SQL(STORE_RETIRE_STATES("target_id = ?1"));
static const store_sql_t SQL_RETIRE = STORE_SQL(
	"UPDATE targets SET active = 0 WHERE id = ?1 AND active = 1 AND last_seen < ?2");
/* bits ORed in, kept with the alert producer's position (the first run waits for them) */
static const store_sql_t SQL_SWEPT = STORE_SQL(
	"INSERT INTO alert_state (name, value) VALUES ('cluster_swept', ?1) ON CONFLICT (name) DO "
	"UPDATE SET value = alert_state.value | excluded.value RETURNING value");
static const store_sql_t SQL_NODE_DEL = STORE_SQL("DELETE FROM cluster_nodes WHERE node = ?1");

int store_cluster_shard(const char *target)
{
	uint32_t h = 2166136261u; /* FNV-1a: the same on every node and release */

	for (const unsigned char *p = (const unsigned char *)target; *p; p++)
		h = (h ^ *p) * 16777619u;
	return (int)(h % STORE_CLUSTER_SHARDS);
}

/* The first column of sql's first row with ?1 node and ?2 n (either unused), or -1. */
static int64_t count(store_t *s, const store_sql_t *sql, const char *node, int64_t n)
{
	store_stmt_t *st = store_stmt(s, sql);
	int64_t v;

	if (!st)
		return -1;
	if (node)
		store_bind_text(st, 1, node);
	else
		store_bind_int64(st, 1, n);
	if (store_row(s, st) != 1)
		return -1;
	v = store_col_int64(st, 0);
	store_reset(st);
	return v;
}

/* Runs sql with node, until, now and n as ?1 to ?4 (those it has). 0 or -1. */
static int run(store_t *s, const store_sql_t *sql, const char *node, int64_t until, int64_t now,
	       int64_t n)
{
	store_stmt_t *st = store_stmt(s, sql);

	if (!st)
		return -1;
	store_bind_text(st, 1, node);
	store_bind_int64(st, 2, until);
	store_bind_int64(st, 3, now);
	store_bind_int64(st, 4, n);
	return store_done(s, st);
}

/* The lease rows, made once: every shard and the coordinator's. */
static int leases_make(store_t *s)
{
	store_stmt_t *st;
	int64_t n = count(s, &SQL_LEASES_N, NULL, 0);

	if (n < 0)
		return -1;
	for (int shard = STORE_CLUSTER_COORD; n < STORE_CLUSTER_SHARDS + 1 &&
					      shard < STORE_CLUSTER_SHARDS; shard++) {
		if (!(st = store_stmt(s, &SQL_LEASE_ADD)))
			return -1;
		store_bind_int64(st, 1, shard);
		if (store_done(s, st) < 0)
			return -1;
	}
	return 0;
}

/* What node holds now, into out. 0 or -1. */
static int held(store_t *s, const char *node, int64_t now, store_cluster_hold_t *out)
{
	store_stmt_t *st = store_stmt(s, &SQL_HELD);
	int rc;

	if (!st)
		return -1;
	store_bind_text(st, 1, node);
	store_bind_int64(st, 2, now);
	while ((rc = store_row(s, st)) == 1) {
		int shard = store_col_int(st, 0);
		if (shard == STORE_CLUSTER_COORD)
			out->coordinator = true;
		else if (shard >= 0 && shard < STORE_CLUSTER_SHARDS) {
			out->held[shard] = true;
			out->nheld++;
		}
	}
	return rc < 0 ? -1 : 0;
}

int store_cluster_renew(store_t *s, const char *node, bool healthy, int64_t now, int64_t lease_s,
			store_cluster_hold_t *out)
{
	int64_t until = now + lease_s, live, mine, fair;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (store_begin(s) < 0)
		return -1;
	if (leases_make(s) < 0)
		goto out;
	{
		store_stmt_t *st = store_stmt(s, &SQL_NODE_SEEN);
		if (!st)
			goto out;
		store_bind_text(st, 1, node);
		store_bind_int64(st, 2, now);
		store_bind_int64(st, 3, healthy ? 1 : 0);
		if (store_done(s, st) < 0)
			goto out;
	}
	if (!healthy) {
		/* it cannot check: a healthy node takes its work at its next renewal */
		if (run(s, &SQL_GIVE_ALL, node, 0, 0, 0) < 0)
			goto out;
	} else {
		if (run(s, &SQL_RENEW, node, until, now, 0) < 0 ||
		    (live = count(s, &SQL_LIVE, NULL, now - lease_s)) < 0 ||
		    (mine = count(s, &SQL_MINE, node, 0)) < 0)
			goto out;
		if (live < 1)
			live = 1; /* itself, whatever the clocks say */
		out->live = (int)live;
		fair = (STORE_CLUSTER_SHARDS + live - 1) / live;
		if (mine > fair && run(s, &SQL_GIVE_SOME, node, mine - fair, 0, 0) < 0)
			goto out;
		if (mine < fair && run(s, &SQL_TAKE, node, until, now, fair - mine) < 0)
			goto out;
		if (run(s, &SQL_TAKE_COORD, node, until, now, 0) < 0)
			goto out;
	}
	if (held(s, node, now, out) < 0 || store_commit(s) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0) {
		char e[512];
		snprintf(e, sizeof(e), "%s", store_error(s));
		store_rollback(s);
		store_seterr(s, "cluster leases: %s", e);
		memset(out, 0, sizeof(*out));
	}
	return ret;
}

int store_cluster_release(store_t *s, const char *node)
{
	store_stmt_t *st;

	if (store_begin(s) < 0)
		return -1;
	if (run(s, &SQL_GIVE_ALL, node, 0, 0, 0) < 0 || !(st = store_stmt(s, &SQL_NODE_DEL)))
		goto fail;
	store_bind_text(st, 1, node);
	if (store_done(s, st) < 0 || store_commit(s) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(s);
	return -1;
}

int store_cluster_nodes(store_t *s, int64_t now, store_cluster_node_t **out)
{
	store_stmt_t *st = store_stmt(s, &SQL_NODES);
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if (!st)
		return -1;
	store_bind_int64(st, 1, now);
	while ((rc = store_row(s, st)) == 1) {
		store_cluster_node_t *v = xpush((void **)out, &cap, &n, sizeof(**out));

		store_col_copy(st, 0, v->node, sizeof(v->node));
		v->seen = store_col_int64(st, 1);
		v->healthy = store_col_int(st, 2) != 0;
		v->shards = store_col_int(st, 3);
		v->coordinator = store_col_int(st, 4) > 0;
		v->expires = store_col_int64(st, 5);
	}
	if (rc < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return (int)n;
}

int store_cluster_list_seen(store_t *s, const char *node, int64_t list_id, dnsbl_health_t health,
			    const char *detail, int64_t now)
{
	store_stmt_t *st = store_stmt(s, &SQL_VIEW_PUT);

	if (!st)
		return -1;
	store_bind_text(st, 1, node);
	store_bind_int64(st, 2, list_id);
	store_bind_text(st, 3, dnsbl_health_name(health));
	store_bind_text_or_null(st, 4, detail);
	store_bind_int64(st, 5, now);
	return store_done(s, st);
}

int store_cluster_list_data(store_t *s, const char *node, int64_t list_id, int64_t data_at)
{
	store_stmt_t *st = store_stmt(s, &SQL_DATA_PUT);

	if (!st)
		return -1;
	store_bind_text(st, 1, node);
	store_bind_int64(st, 2, list_id);
	store_bind_int64(st, 3, data_at);
	return store_done(s, st);
}

int store_cluster_list_views(store_t *s, int64_t list_id, int64_t since,
			     store_cluster_view_t **out)
{
	store_stmt_t *st = store_stmt(s, &SQL_VIEWS);
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if (!st)
		return -1;
	store_bind_int64(st, 1, list_id);
	store_bind_int64(st, 2, since);
	while ((rc = store_row(s, st)) == 1) {
		store_cluster_view_t *v = xpush((void **)out, &cap, &n, sizeof(**out));

		store_col_copy(st, 0, v->node, sizeof(v->node));
		v->list_id = store_col_int64(st, 1);
		store_col_copy(st, 2, v->zone, sizeof(v->zone));
		if (dnsbl_health_parse(store_col_str(st, 3), &v->health) < 0)
			v->health = HEALTH_UNTESTED;
		store_col_copy(st, 4, v->detail, sizeof(v->detail));
		v->at = store_col_int64(st, 5);
		v->data_at = store_col_int64(st, 6);
	}
	if (rc < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return (int)n;
}

uint64_t store_cluster_mask(const store_cluster_hold_t *h)
{
	uint64_t m = 0;

	_Static_assert(STORE_CLUSTER_SHARDS <= 64, "a shard mask is 64 bits");
	for (int i = 0; i < STORE_CLUSTER_SHARDS; i++)
		if (h->held[i])
			m |= (uint64_t)1 << i;
	return m;
}

int store_cluster_retire(store_t *s, int64_t before, uint64_t shards)
{
	store_stmt_t *st;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc, ret = -1;

	if (!shards)
		return 0;
	if (store_begin(s) < 0)
		return -1;
	if (!(st = store_stmt(s, &SQL_UNSEEN)))
		goto out;
	store_bind_int64(st, 1, before);
	while ((rc = store_row(s, st)) == 1)
		if (shards >> store_cluster_shard(store_col_str(st, 1)) & 1) {
			int64_t *id = xpush((void **)&ids, &cap, &n, sizeof(*ids));
			*id = store_col_int64(st, 0);
		}
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!(st = store_stmt(s, &SQL_RETIRE_STATES)))
			goto out;
		store_bind_int64(st, 1, ids[i]);
		if (store_done(s, st) < 0 || !(st = store_stmt(s, &SQL_RETIRE)))
			goto out;
		store_bind_int64(st, 1, ids[i]);
		store_bind_int64(st, 2, before);
		if (store_done(s, st) < 0)
			goto out;
	}
	ret = store_commit(s);
out:
	if (ret < 0)
		store_rollback(s);
	free(ids);
	return ret;
}

int store_cluster_swept(store_t *s, uint64_t shards, uint64_t *all)
{
	store_stmt_t *st = store_stmt(s, &SQL_SWEPT);

	*all = 0;
	if (!st)
		return -1;
	store_bind_int64(st, 1, (int64_t)shards);
	if (store_row(s, st) != 1)
		return -1;
	*all = (uint64_t)store_col_int64(st, 0);
	store_reset(st);
	return 0;
}

int store_cluster_cycle(store_t *s, int64_t cycle_id, const char *node)
{
	store_stmt_t *st = store_stmt(s, &SQL_CYCLE_NODE);

	if (!st)
		return -1;
	store_bind_int64(st, 1, cycle_id);
	store_bind_text(st, 2, node);
	return store_done(s, st);
}

int store_cluster_cycles(store_t *s, store_cluster_cycle_t **out)
{
	store_stmt_t *st = store_stmt(s, &SQL_CYCLES);
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if (!st)
		return -1;
	while ((rc = store_row(s, st)) == 1) {
		store_cluster_cycle_t *c = xpush((void **)out, &cap, &n, sizeof(**out));

		store_col_copy(st, 0, c->node, sizeof(c->node));
		c->started = store_col_int64(st, 1);
		c->ended = store_col_int64(st, 2);
	}
	if (rc < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return (int)n;
}
