/* store_read.c -- reads for the web's documents and /metrics: lists, targets with their states, cycles.
 * A target's rows come from one join, grouped here, so a document of 65,536 targets holds one at a time. */
#include "store/store_read.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "store/store_read_int.h"

static const store_sql_t SQL_LISTS = STORE_SQL("SELECT " STORE_LIST_COLS " FROM lists ORDER BY id");

/* A target, its ASN and its state rows: one row per (target, list), grouped by target. The
 * FROM clause names the targets t (a table or a page of it), then joins these. */
#define TARGET_COLS STORE_TARGET_SELECT "FROM targets t " STORE_TARGET_JOINS
/* The digest's pass (store_targets_digest_visit): the active targets with what it reads of
 * them, and every state apart, both in target order, merged as they are stepped. The
 * select above would repeat each target's 30 columns on each of its states (a /16 against
 * 8 lists: half a million rows); and left to the index on active, SQLite would sort them
 * all first (the + keeps it to the tables' own order: nearly every target is active).
 * PostgreSQL plans the joins itself, and its CROSS JOIN takes no ON. */
static const store_sql_t SQL_DIGEST_TARGETS = STORE_SQL(
	"SELECT t.id, t.target, t.type, coalesce(t.discovered_from, ''), t.active, t.first_seen, "
	"t.last_seen, a.target_id IS NOT NULL, coalesce(a.asn, -1), t.standing, t.stale, t.ipkey "
	"FROM targets t LEFT JOIN asn a ON a.target_id = t.id WHERE +t.active = 1 ORDER BY t.id");
/* the states with their own checked_at: the sweep's is applied here (store_checked_at), which
 * costs less than the join and CASE of STORE_STATE_COLS on every row */
static const store_sql_t SQL_DIGEST_STATES = STORE_SQL(
	"SELECT s.target_id, s.list_id, " STORE_STATE_COLS_AT("s.checked_at") " FROM state s "
	"ORDER BY s.target_id, s.list_id");
static const store_sql_t SQL_DIGEST_SWEPT = STORE_SQL("SELECT id, swept_at FROM lists");
static const store_sql_t SQL_TARGETS_NAMED =
	STORE_SQL(TARGET_COLS "WHERE t.target = ?1 ORDER BY s.list_id");
static const store_sql_t SQL_TARGETS_ROUTED = STORE_SQL(
	TARGET_COLS "WHERE t.active = 1 AND a.asn IS NOT NULL ORDER BY a.asn, t.id, s.list_id");
static const store_sql_t SQL_TARGETS_COUNT = STORE_SQL(
	"SELECT type, count(*) FROM targets WHERE active = 1 GROUP BY type");

#define CYCLE_COLS \
	"SELECT id, started, ended, lists, targets, queries, errors, listed, unknown, answered FROM cycles "
static const store_sql_t SQL_CYCLE_LAST =
	STORE_SQL(CYCLE_COLS "WHERE ended IS NOT NULL ORDER BY id DESC LIMIT 1");
static const store_sql_t SQL_CYCLE_ANSWERED = STORE_SQL(
	CYCLE_COLS "WHERE ended IS NOT NULL AND (answered IS NULL OR answered > 0) "
	"ORDER BY id DESC LIMIT 1");
static const store_sql_t SQL_CYCLES_AFTER =
	STORE_SQL(CYCLE_COLS "WHERE ended IS NOT NULL AND id > ?1 ORDER BY id");
static const store_sql_t SQL_CYCLES_AFTER_NODE = STORE_SQL(
	CYCLE_COLS "WHERE ended IS NOT NULL AND id > ?1 AND node = ?2 ORDER BY id");
static const store_sql_t SQL_DNS_ERRORS = STORE_SQL(
	"SELECT list_id, reason, n FROM dns_errors ORDER BY list_id, reason");

/* ---- lists ---- */

int store_lists_visit(store_t *s, store_list_fn fn, void *arg)
{
	store_stmt_t *st = store_stmt(s, &SQL_LISTS);
	store_list_t l;
	int rc;

	if (!st)
		return -1;
	while ((rc = store_row(s, st)) == 1) {
		store_list_cols(st, 0, &l);
		if ((rc = fn(arg, &l)) != 0)
			break;
	}
	store_reset(st); /* also after an early stop: a stepped statement holds a snapshot */
	return rc < 0 ? -1 : 0;
}

/* ---- targets ---- */

/* The digest's columns of a target (standing, stale, ipkey) from column d on into v. */
static void digest_cols(store_stmt_t *st, int d, store_target_view_t *v)
{
	const void *key;
	size_t n;

	if (standing_parse(store_col_str(st, d), &v->standing) < 0)
		v->standing = STANDING_NONE;
	v->stale = store_col_int(st, d + 1) != 0;
	key = store_col_blob(st, d + 2, &n);
	v->has_ipkey = key && n > 0 && n <= STORE_IPKEY_BUF;
	v->ipkeylen = v->has_ipkey ? n : 0;
	if (v->has_ipkey)
		memcpy(v->ipkey, key, n);
}

/* The columns 0..8 of either select: the target's, and whether it has an ASN and which. */
static void target_head_cols(store_stmt_t *st, store_target_view_t *v)
{
	memset(&v->t, 0, sizeof(v->t));
	v->t.id = store_col_int64(st, 0);
	store_col_copy(st, 1, v->t.name, sizeof(v->t.name));
	v->t.type = store_type_parse(store_col_str(st, 2));
	store_col_copy(st, 3, v->t.from, sizeof(v->t.from));
	v->t.active = store_col_int(st, 4) != 0;
	v->first_seen = store_col_int64(st, 5);
	v->last_seen = store_col_int64(st, 6);
	v->has_asn = store_col_int(st, 7) != 0;
	memset(&v->asn, 0, sizeof(v->asn));
	v->asn.asn = store_col_int64(st, 8);
}

/* The target's own columns (0..13, and its digest and SNDS line after the state's) into v. */
static void target_cols(store_stmt_t *st, store_target_view_t *v)
{
	target_head_cols(st, v);
	store_col_copy(st, 9, v->asn.prefix, sizeof(v->asn.prefix));
	store_col_copy(st, 10, v->asn.country, sizeof(v->asn.country));
	store_col_copy(st, 11, v->asn.registry, sizeof(v->asn.registry));
	store_col_copy(st, 12, v->asn.name, sizeof(v->asn.name));
	v->asn.fetched = store_col_int64(st, 13);
	digest_cols(st, 15 + STORE_STATE_NCOLS, v);
	v->has_snds = store_snds_cols(st, 15 + STORE_STATE_NCOLS + 3, &v->snds) == 1;
}

/* The state columns (14: its list, then STORE_STATE_COLS) into x; 0 when the row has none. */
static int state_cols(store_stmt_t *st, store_target_state_t *x)
{
	if (store_col_null(st, 14))
		return 0;
	x->list_id = store_col_int64(st, 14);
	x->plain = false;
	return store_state_cols(st, 15, &x->st);
}

int store_target_views(store_t *s, store_stmt_t *st, store_target_fn fn, void *arg)
{
	store_target_view_t v;
	store_target_state_t *states = NULL;
	size_t cap = 0;
	int64_t cur = -1;
	int rc, stop = 0, visited = 0;

	memset(&v, 0, sizeof(v));
	while ((rc = store_row(s, st)) == 1) {
		int64_t id = store_col_int64(st, 0);

		if (id != cur) {
			if (cur >= 0) {
				visited++;
				v.states = states;
				if ((stop = fn(arg, &v)) != 0)
					break;
			}
			target_cols(st, &v);
			v.nstates = 0;
			cur = id;
		}
		xgrow((void **)&states, &cap, v.nstates + 1, sizeof(*states));
		v.nstates += (size_t)state_cols(st, &states[v.nstates]);
	}
	if (rc == 0 && cur >= 0) {
		visited++;
		v.states = states;
		stop = fn(arg, &v);
	}
	store_reset(st);
	free(states);
	if (rc < 0 || stop < 0)
		return -1;
	return visited;
}

/* Each list's swept_at, by id. */
struct swept {
	int64_t id, at;
};

static int swept_load(store_t *s, struct swept **out, size_t *n)
{
	store_stmt_t *st = store_stmt(s, &SQL_DIGEST_SWEPT);
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return -1;
	while ((rc = store_row(s, st)) == 1) {
		struct swept *w = xpush((void **)out, &cap, n, sizeof(**out));
		w->id = store_col_int64(st, 0);
		w->at = store_col_int64(st, 1);
	}
	return rc < 0 ? -1 : 0;
}

static int64_t swept_at(const struct swept *w, size_t n, int64_t list_id)
{
	for (size_t i = 0; i < n; i++) /* a handful of lists */
		if (w[i].id == list_id)
			return w[i].at;
	return 0;
}

int store_targets_digest_visit(store_t *s, store_target_fn fn, void *arg)
{
	store_stmt_t *tq = store_stmt(s, &SQL_DIGEST_TARGETS), *sq = NULL;
	store_target_view_t v;
	store_target_state_t *states = NULL;
	struct swept *sw = NULL;
	size_t cap = 0, nsw = 0;
	int rt = 0, rs = 1, stop = 0, visited = 0;
	bool held = false; /* sq's current row is the next target's, not yet taken */

	if (!tq || swept_load(s, &sw, &nsw) < 0 || !(sq = store_stmt(s, &SQL_DIGEST_STATES))) {
		free(sw);
		return -1;
	}
	memset(&v, 0, sizeof(v));
	while (!stop && (rt = store_row(s, tq)) == 1) {
		target_head_cols(tq, &v);
		digest_cols(tq, 9, &v);
		v.nstates = 0;
		/* rs stays 0 once sq is done: stepping it again would start it over */
		while (held || (rs == 1 && (rs = store_row(s, sq)) == 1)) {
			int64_t tid = store_col_int64(sq, 0);
			store_target_state_t *x;

			if ((held = tid > v.t.id))
				break;
			if (tid < v.t.id)
				continue; /* a retired target's */
			xgrow((void **)&states, &cap, v.nstates + 1, sizeof(*states));
			x = &states[v.nstates];
			x->list_id = store_col_int64(sq, 1);
			/* the plain half million of a /16 are read as two numbers: not one of
			 * them is worth a state's kilobytes of zeroes and text */
			if ((x->plain = store_state_cols_plain(sq, 2))) {
				int64_t at = store_col_int64(sq, 2 + 5), w = swept_at(sw, nsw, x->list_id);
				x->st.present = true;
				x->st.status = STATUS_CLEAN;
				x->st.checked_at = w > at ? w : at; /* settled: store_checked_at */
				x->st.failing_since = 0;
				v.nstates++;
			} else if (store_state_cols(sq, 2, &x->st)) {
				x->st.checked_at =
					store_checked_at(&x->st, swept_at(sw, nsw, x->list_id));
				v.nstates++;
			}
		}
		if (rs < 0)
			break;
		visited++;
		v.states = states;
		stop = fn(arg, &v);
	}
	store_reset(tq);
	store_reset(sq);
	free(states);
	free(sw);
	if (rt < 0 || rs < 0 || stop < 0)
		return -1;
	return visited;
}

int store_targets_visit(store_t *s, store_targets_t which, const char *name, store_target_fn fn,
			void *arg)
{
	const store_sql_t *sql = which == STORE_TARGETS_NAMED ? &SQL_TARGETS_NAMED
							      : &SQL_TARGETS_ROUTED;
	store_stmt_t *st = store_stmt(s, sql);

	if (!st)
		return -1;
	if (which == STORE_TARGETS_NAMED)
		store_bind_text(st, 1, name);
	return store_target_views(s, st, fn, arg);
}

int store_targets_count(store_t *s, int64_t n[3])
{
	store_stmt_t *st = store_stmt(s, &SQL_TARGETS_COUNT);
	int rc;

	n[TARGET_IPV4] = n[TARGET_IPV6] = n[TARGET_DOMAIN] = 0;
	if (!st)
		return -1;
	while ((rc = store_row(s, st)) == 1)
		n[store_type_parse(store_col_str(st, 0))] = store_col_int64(st, 1);
	return rc;
}

/* ---- cycles ---- */

static void cycle_cols(store_stmt_t *st, store_cycle_row_t *c)
{
	c->id = store_col_int64(st, 0);
	c->started = store_col_int64(st, 1);
	c->ended = store_col_int64(st, 2);
	c->n.lists = store_col_int64(st, 3);
	c->n.targets = store_col_int64(st, 4);
	c->n.queries = store_col_int64(st, 5);
	c->n.errors = store_col_int64(st, 6);
	/* cycles of release 0.1 did not count real answers: as if every result had been one */
	c->n.answered = store_col_null(st, 9) ? -1 : store_col_int64(st, 9);
	c->n.listed = store_col_int64(st, 7);
	c->n.unknown = store_col_int64(st, 8);
}

static int cycle_one(store_t *s, const store_sql_t *sql, store_cycle_row_t *out)
{
	store_stmt_t *st = store_stmt(s, sql);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	cycle_cols(st, out);
	store_reset(st);
	return 1;
}

int store_cycle_last(store_t *s, store_cycle_row_t *out)
{
	return cycle_one(s, &SQL_CYCLE_LAST, out);
}

int store_cycle_last_answered(store_t *s, store_cycle_row_t *out)
{
	return cycle_one(s, &SQL_CYCLE_ANSWERED, out);
}

int store_cycles_visit_after(store_t *s, int64_t after, const char *node, store_cycle_fn fn,
			     void *arg)
{
	store_stmt_t *st = store_stmt(s, node ? &SQL_CYCLES_AFTER_NODE : &SQL_CYCLES_AFTER);
	store_cycle_row_t c;
	int rc;

	if (!st)
		return -1;
	store_bind_int64(st, 1, after);
	if (node)
		store_bind_text(st, 2, node);
	while ((rc = store_row(s, st)) == 1) {
		cycle_cols(st, &c);
		if ((rc = fn(arg, &c)) != 0)
			break;
	}
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

/* ---- failed checks (dns_errors) ---- */

int store_dns_errors_visit(store_t *s, store_dns_error_fn fn, void *arg)
{
	store_stmt_t *st = store_stmt(s, &SQL_DNS_ERRORS);
	int rc;

	if (!st)
		return -1;
	while ((rc = store_row(s, st)) == 1) {
		const char *reason = store_col_str(st, 1);
		if ((rc = fn(arg, store_col_int64(st, 0), reason ? reason : "other",
			     store_col_int64(st, 2))) != 0) {
			store_reset(st);
			return 0;
		}
	}
	return rc < 0 ? -1 : 0;
}
