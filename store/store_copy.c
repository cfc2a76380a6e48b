/* store_copy.c -- a history from one database into another, table by table, in pages by key.
 * The copy is checked by reading both again: what is committed is the same row for row. */
#include "store/store_copy.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sbuf.h"
#include "lib/xmalloc.h"
#include "store/store_db.h"

#define PAGE 1000    /* rows read per query: a table is never held whole */
#define KEYS_MAX 3
#define COLS_MAX 40

/* Every table of the schema (but schema_version), parents before the rows that refer to them,
 * each with its key: the order pages are read in. */
static const struct table {
	const char *name;
	const char *key[KEYS_MAX];
	bool id; /* its key is an id the database hands out */
} tables[] = {
	{"targets", {"id"}, true},
	{"lists", {"id"}, true},
	{"list_health", {"id"}, true},
	{"state", {"target_id", "list_id"}, false},
	{"events", {"id"}, true},
	{"cycles", {"id"}, true},
	{"asn", {"target_id"}, false},
	{"drop_files", {"url"}, false},
	{"alerts", {"id"}, true},
	{"alert_state", {"name"}, false},
	{"alert_flapping", {"target_id", "list_id"}, false},
	{"logwatch_files", {"path"}, false},
	{"rejections", {"id"}, true},
	{"rejection_counts", {"provider", "kind"}, false},
	{"log_domains", {"domain"}, false},
	{"incidents", {"id"}, true},
	{"incident_domains", {"incident_id", "domain"}, false},
	{"legacy_unknown", {"id"}, true},
	{"resolver_outages", {"id"}, true},
	{"problems", {"id"}, true},
	{"dns_errors", {"list_id", "reason"}, false},
	{"snds_ips", {"ip"}, false},
	{"cluster_leases", {"shard"}, false},
	{"cluster_nodes", {"node"}, false},
	{"cluster_list_health", {"node", "list_id"}, false},
	{"list_queries", {"list_id", "day", "node"}, false},
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

/* A value read from a column, as it compares across engines. */
typedef struct {
	store_col_type_t type;
	int64_t i;
	double d;
	char *bytes; /* TEXT or BLOB (a copy) */
	size_t len;
} value_t;

static void value_read(store_stmt_t *st, int c, value_t *v)
{
	const void *p;

	free(v->bytes);
	memset(v, 0, sizeof(*v));
	v->type = st->e->col_type(st, c);
	switch (v->type) {
	case STORE_COL_INT:
		v->i = st->e->col_int64(st, c);
		break;
	case STORE_COL_FLOAT:
		v->d = st->e->col_double(st, c);
		break;
	case STORE_COL_TEXT:
	case STORE_COL_BLOB:
		p = v->type == STORE_COL_TEXT ? st->e->col_text(st, c) : st->e->col_blob(st, c, &v->len);
		if (v->type == STORE_COL_TEXT)
			v->len = p ? strlen(p) : 0;
		v->bytes = xmalloc(v->len + 1);
		memcpy(v->bytes, p ? p : "", v->len);
		v->bytes[v->len] = '\0';
		break;
	default:
		break;
	}
}

static void value_bind(store_stmt_t *st, int i, const value_t *v)
{
	switch (v->type) {
	case STORE_COL_INT:
		st->e->bind_int64(st, i, v->i);
		break;
	case STORE_COL_FLOAT:
		st->e->bind_double(st, i, v->d);
		break;
	case STORE_COL_TEXT:
		st->e->bind_text(st, i, v->bytes);
		break;
	case STORE_COL_BLOB:
		st->e->bind_blob(st, i, v->bytes, v->len);
		break;
	default:
		st->e->bind_null(st, i);
	}
}

/* The same value, whichever engine held it: a number is the same number, a text the same
 * bytes, a BLOB the same bytes of a BLOB. */
static bool value_same(const value_t *a, const value_t *b)
{
	char ta[32], tb[32];

	if (a->type == STORE_COL_NULL || b->type == STORE_COL_NULL)
		return a->type == b->type;
	if (a->type == STORE_COL_BLOB || b->type == STORE_COL_BLOB)
		return a->type == b->type && a->len == b->len && !memcmp(a->bytes, b->bytes, a->len);
	if (a->type == STORE_COL_FLOAT || b->type == STORE_COL_FLOAT)
		return (a->type == STORE_COL_FLOAT ? a->d : (double)a->i) ==
		       (b->type == STORE_COL_FLOAT ? b->d : (double)b->i);
	/* INT or TEXT: SQLite may hold a number as text where the column says otherwise */
	if (a->type == STORE_COL_INT)
		snprintf(ta, sizeof(ta), "%" PRId64, a->i);
	if (b->type == STORE_COL_INT)
		snprintf(tb, sizeof(tb), "%" PRId64, b->i);
	return !strcmp(a->type == STORE_COL_INT ? ta : a->bytes, b->type == STORE_COL_INT ? tb : b->bytes);
}

/* What is known of one table as it is copied. */
struct tcopy {
	const struct table *t;
	char *cols[COLS_MAX]; /* the source's columns, quoted */
	int ncols;
	int key[KEYS_MAX];    /* where the key columns are among them */
	int nkey;
	value_t last[KEYS_MAX]; /* the key of the last row of a page */
	bool paging;          /* a page was read: the next starts after last */
};

static void tcopy_free(struct tcopy *tc)
{
	for (int i = 0; i < tc->ncols; i++)
		free(tc->cols[i]);
	for (int i = 0; i < KEYS_MAX; i++)
		free(tc->last[i].bytes);
	memset(tc, 0, sizeof(*tc));
}

/* The source's columns of the table, and where its key is among them. 0 or -1. */
static int tcopy_cols(store_t *from, struct tcopy *tc, char *err, size_t errlen)
{
	char sql[128];
	store_stmt_t *st;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT * FROM %s LIMIT 1", tc->t->name);
	if (!(st = store_stmt_once(from, sql))) {
		snprintf(err, errlen, "%s", store_error(from));
		return -1;
	}
	rc = from->e->step(from, st);
	tc->ncols = rc < 0 ? 0 : from->e->ncols(st);
	for (int i = 0; i < tc->ncols && i < COLS_MAX; i++) {
		char q[80];
		snprintf(q, sizeof(q), "\"%s\"", from->e->col_name(st, i));
		tc->cols[i] = xstrdup(q);
	}
	if (rc < 0)
		store_fail_stmt(from, st);
	store_stmt_free(st);
	if (rc < 0 || tc->ncols > COLS_MAX) {
		snprintf(err, errlen, "reading the columns of %s: %s", tc->t->name,
			 rc < 0 ? store_error(from) : "too many");
		return -1;
	}
	for (tc->nkey = 0; tc->nkey < KEYS_MAX && tc->t->key[tc->nkey]; tc->nkey++) {
		char q[80];
		snprintf(q, sizeof(q), "\"%s\"", tc->t->key[tc->nkey]);
		tc->key[tc->nkey] = -1;
		for (int i = 0; i < tc->ncols; i++)
			if (!strcmp(tc->cols[i], q))
				tc->key[tc->nkey] = i;
		if (tc->key[tc->nkey] < 0) {
			snprintf(err, errlen, "%s has no column %s", tc->t->name, q);
			return -1;
		}
	}
	return 0;
}

/* The next page of the table in key order, on s: SELECT the source's columns, after the last
 * key seen. Caller frees (store_stmt_free); NULL with s's error. */
static store_stmt_t *page(store_t *s, struct tcopy *tc)
{
	sbuf_t q = SBUF_INIT;
	store_stmt_t *st;

	sbuf_printf(&q, "SELECT ");
	for (int i = 0; i < tc->ncols; i++)
		sbuf_printf(&q, "%s%s", i ? ", " : "", tc->cols[i]);
	sbuf_printf(&q, " FROM %s", tc->t->name);
	if (tc->paging) {
		sbuf_printf(&q, " WHERE (");
		for (int k = 0; k < tc->nkey; k++)
			sbuf_printf(&q, "%s%s", k ? ", " : "", tc->cols[tc->key[k]]);
		sbuf_printf(&q, ") > (");
		for (int k = 0; k < tc->nkey; k++)
			sbuf_printf(&q, "%s?%d", k ? ", " : "", k + 1);
		sbuf_printf(&q, ")");
	}
	sbuf_printf(&q, " ORDER BY ");
	for (int k = 0; k < tc->nkey; k++)
		sbuf_printf(&q, "%s%s", k ? ", " : "", tc->cols[tc->key[k]]);
	sbuf_printf(&q, " LIMIT %d", PAGE);
	st = store_stmt_once(s, q.p);
	sbuf_free(&q);
	for (int k = 0; st && tc->paging && k < tc->nkey; k++)
		value_bind(st, k + 1, &tc->last[k]);
	return st;
}

/* The INSERT of the table's columns, prepared once for its rows. */
static store_stmt_t *insert(store_t *to, struct tcopy *tc)
{
	sbuf_t q = SBUF_INIT;
	store_stmt_t *st;

	sbuf_printf(&q, "INSERT INTO %s (", tc->t->name);
	for (int i = 0; i < tc->ncols; i++)
		sbuf_printf(&q, "%s%s", i ? ", " : "", tc->cols[i]);
	sbuf_printf(&q, ") VALUES (");
	for (int i = 0; i < tc->ncols; i++)
		sbuf_printf(&q, "%s?%d", i ? ", " : "", i + 1);
	sbuf_printf(&q, ")");
	st = to->e->prepare(to, q.p, tc->t->name, true);
	if (!st)
		store_fail(to, "preparing the copy");
	sbuf_free(&q);
	return st;
}

/* Copies the table's rows from `from` into `to`. Returns the rows, or -1. */
static int64_t copy_table(store_t *from, store_t *to, struct tcopy *tc, char *err, size_t errlen)
{
	store_stmt_t *ins = insert(to, tc), *sel = NULL;
	value_t v = {0};
	int64_t rows = 0;
	int got, rc = 0;

	if (!ins) {
		snprintf(err, errlen, "%s: %s", tc->t->name, store_error(to));
		return -1;
	}
	tc->paging = false;
	do {
		if (!(sel = page(from, tc))) {
			snprintf(err, errlen, "reading %s: %s", tc->t->name, store_error(from));
			rows = -1;
			break;
		}
		for (got = 0; (rc = from->e->step(from, sel)) == 1; got++) {
			to->e->reset(ins);
			to->e->clear(ins);
			for (int i = 0; i < tc->ncols; i++) {
				value_read(sel, i, &v);
				value_bind(ins, i + 1, &v);
			}
			for (int k = 0; k < tc->nkey; k++)
				value_read(sel, tc->key[k], &tc->last[k]);
			if (to->e->step(to, ins) < 0) {
				store_fail(to, tc->t->name);
				snprintf(err, errlen, "writing %s: %s", tc->t->name, store_error(to));
				rows = -1;
				break;
			}
			rows++;
		}
		if (rc < 0 && rows >= 0) {
			store_fail_stmt(from, sel);
			snprintf(err, errlen, "reading %s: %s", tc->t->name, store_error(from));
			rows = -1;
		}
		store_stmt_free(sel);
		tc->paging = true;
	} while (rows >= 0 && got == PAGE);
	free(v.bytes);
	to->e->finalize(ins);
	return rows;
}

/* Reads the table page by page in both and compares them row by row. 0, or -1 with the first
 * difference in err. */
static int compare_table(store_t *from, store_t *to, struct tcopy *tc, char *err, size_t errlen)
{
	value_t a = {0}, b = {0};
	store_stmt_t *sa = NULL, *sb = NULL;
	int ra, rb, got, ret = -1;
	int64_t row = 0;

	tc->paging = false;
	do {
		if (!(sa = page(from, tc)) || !(sb = page(to, tc))) {
			snprintf(err, errlen, "comparing %s: %s", tc->t->name,
				 store_error(sa ? to : from));
			goto out;
		}
		for (got = 0;; got++, row++) {
			ra = from->e->step(from, sa);
			rb = to->e->step(to, sb);
			if (ra < 0 || rb < 0) {
				store_fail_stmt(ra < 0 ? from : to, ra < 0 ? sa : sb);
				snprintf(err, errlen, "comparing %s: %s", tc->t->name,
					 store_error(ra < 0 ? from : to));
				goto out;
			}
			if (ra != rb) {
				snprintf(err, errlen, "%s: the copy has %s rows than the original",
					 tc->t->name, rb ? "more" : "fewer");
				goto out;
			}
			if (!ra)
				break;
			for (int i = 0; i < tc->ncols; i++) {
				value_read(sa, i, &a);
				value_read(sb, i, &b);
				if (!value_same(&a, &b)) {
					snprintf(err, errlen, "%s: row %" PRId64 " differs in column %s",
						 tc->t->name, row + 1, tc->cols[i]);
					goto out;
				}
			}
			for (int k = 0; k < tc->nkey; k++)
				value_read(sa, tc->key[k], &tc->last[k]);
		}
		store_stmt_free(sa);
		store_stmt_free(sb);
		sa = sb = NULL;
		tc->paging = true;
	} while (got == PAGE);
	ret = 0;
out:
	store_stmt_free(sa);
	store_stmt_free(sb);
	free(a.bytes);
	free(b.bytes);
	return ret;
}

/* Rows in every table of s: -1 on error. */
static int64_t rows_all(store_t *s)
{
	int64_t n = 0;

	for (size_t i = 0; i < NTABLES; i++) {
		char sql[128];
		int64_t k;
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[i].name);
		if ((k = store_scalar(s, sql)) < 0)
			return -1;
		n += k;
	}
	return n;
}

int store_copy(store_t *from, store_t *to, store_copy_fn fn, void *ud, char *err, size_t errlen)
{
	struct tcopy tc;
	int vf = store_schema_version(from), vt = store_schema_version(to);
	int64_t n;
	int ret = -1;

	memset(&tc, 0, sizeof(tc));
	if (vf != vt) {
		snprintf(err, errlen, "%s is at schema version %d and %s at %d: %s", from->path, vf,
			 to->path, vt, vf < vt ? "run this blmon on the first once, to migrate it" :
			 "the first was written by a newer blmon");
		return -1;
	}
	if (store_begin(from) < 0 || store_begin(to) < 0) {
		snprintf(err, errlen, "%s", store_error(from->err[0] ? from : to));
		goto out;
	}
	/* a table a later migration adds and tables[] does not name would be left behind */
	if ((n = store_scalar(from, from->e->ntables)) != (int64_t)NTABLES + 1) {
		snprintf(err, errlen, "%s has %" PRId64 " tables, the copy knows %zu and "
			 "schema_version: store_copy.c's list is out of date", from->path, n,
			 NTABLES);
		goto out;
	}
	if ((n = rows_all(to)) != 0) {
		snprintf(err, errlen, "%s: %s", to->path, n < 0 ? store_error(to) :
			 "not empty: blmon copies a history only into a new database");
		goto out;
	}
	for (size_t i = 0; i < NTABLES; i++) {
		int64_t rows;
		tc.t = &tables[i];
		if (tcopy_cols(from, &tc, err, errlen) < 0 ||
		    (rows = copy_table(from, to, &tc, err, errlen)) < 0)
			goto out;
		if (rows && tc.t->id && to->e->ids_follow) {
			char sql[300];
			snprintf(sql, sizeof(sql), to->e->ids_follow, tc.t->name, tc.t->name);
			if (store_exec(to, sql) < 0) {
				snprintf(err, errlen, "%s: the next ids: %s", tc.t->name, store_error(to));
				goto out;
			}
		}
		if (fn)
			fn(ud, tc.t->name, rows);
		tcopy_free(&tc);
	}
	for (size_t i = 0; i < NTABLES; i++) {
		tc.t = &tables[i];
		if (tcopy_cols(from, &tc, err, errlen) < 0 ||
		    compare_table(from, to, &tc, err, errlen) < 0)
			goto out;
		tcopy_free(&tc);
	}
	if (store_commit(to) < 0) {
		snprintf(err, errlen, "%s: %s", to->path, store_error(to));
		goto out;
	}
	ret = 0;
out:
	tcopy_free(&tc);
	store_rollback(to);
	store_rollback(from);
	return ret;
}
