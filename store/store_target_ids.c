/* store_target_ids.c -- a cycle's target ids without a statement per target: the active targets
 * read once, their last_seen written once per target at the end instead of an upsert per visit. */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

static const store_sql_t SQL_ACTIVE_IDS = STORE_SQL(
	"SELECT id, target, type, coalesce(discovered_from, '') FROM targets WHERE active = 1");
/* a run of ids all seen: the ids between them that were not active when the cycle began stay
 * as they are (a target created since has a higher id, one reactivated since was seen then) */
static const store_sql_t SQL_SEEN = STORE_SQL(
	"UPDATE targets SET last_seen = ?1 WHERE id BETWEEN ?2 AND ?3 AND active = 1");

struct known {
	char *name, *from;
	int64_t id;
	target_type_t type;
	bool seen;
};

struct store_target_ids {
	struct known *v;
	size_t n, cap;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct known *)a)->name, ((const struct known *)b)->name);
}

store_target_ids_t *store_target_ids_load(store_t *s)
{
	store_stmt_t *st = store_stmt(s, &SQL_ACTIVE_IDS);
	store_target_ids_t *m;
	int rc;

	if (!st)
		return NULL;
	m = xcalloc(1, sizeof(*m));
	while ((rc = store_row(s, st)) == 1) {
		struct known *k;

		xgrow((void **)&m->v, &m->cap, m->n + 1, sizeof(*m->v));
		k = &m->v[m->n++];
		k->id = store_col_int64(st, 0);
		k->name = xstrdup(store_col_str(st, 1));
		k->from = xstrdup(store_col_str(st, 3));
		k->type = store_type_parse(store_col_str(st, 2));
		k->seen = false;
	}
	if (rc < 0) {
		store_target_ids_free(m);
		return NULL;
	}
	if (m->n) /* no targets yet: no array, and qsort's base must not be NULL */
		qsort(m->v, m->n, sizeof(*m->v), by_name);
	return m;
}

int64_t store_target_ids_get(store_t *s, store_target_ids_t *m, const target_t *t, int64_t now,
			     bool seen)
{
	struct known key = {.name = (char *)t->name};
	struct known *k = m && m->n ? bsearch(&key, m->v, m->n, sizeof(*m->v), by_name) : NULL;

	/* the row as this visit would write it: nothing to write now but last_seen */
	if (k && k->type == t->type && !strcmp(k->from, t->from ? t->from : "")) {
		k->seen |= seen;
		return k->id;
	}
	return store_target_id(s, t, now);
}

static int by_id(const void *a, const void *b)
{
	int64_t x = (*(const struct known *const *)a)->id, y = (*(const struct known *const *)b)->id;

	return x < y ? -1 : x > y;
}

int store_target_ids_flush(store_t *s, store_target_ids_t *m, int64_t now)
{
	store_stmt_t *st = store_stmt(s, &SQL_SEEN);
	struct known **o;
	int rc = 0;

	if (!m || !m->n)
		return 0;
	if (!st || store_begin(s) < 0)
		return -1;
	/* in id order, a statement per run of targets all seen: one for a whole network, not
	 * one per address */
	o = xcalloc(m->n, sizeof(*o));
	for (size_t i = 0; i < m->n; i++)
		o[i] = &m->v[i];
	qsort(o, m->n, sizeof(*o), by_id);
	for (size_t i = 0; i < m->n && rc == 0;) {
		size_t j = i;

		if (!o[i]->seen) {
			i++;
			continue;
		}
		while (j + 1 < m->n && o[j + 1]->seen)
			j++;
		store_bind_int64(st, 1, now);
		store_bind_int64(st, 2, o[i]->id);
		store_bind_int64(st, 3, o[j]->id);
		rc = store_done(s, st);
		for (; i <= j; i++)
			o[i]->seen = false;
	}
	free(o);
	if (rc < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s);
}

void store_target_ids_free(store_target_ids_t *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].from);
	}
	free(m->v);
	free(m);
}
