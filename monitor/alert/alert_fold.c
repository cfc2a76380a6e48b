/* alert_fold.c -- a message's changes folded: problems from checks/problem.c, groups of other changes.
 * Keeps every affected target compactly so ranges are exact, however many targets a problem has. */
#include "monitor/alert/alert_msg.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

/* One target, compactly: an address, or a domain's name (owned). */
typedef struct {
	uint8_t type; /* target_type_t */
	uint8_t addr[16];
	char *name;   /* domains only */
} row_t;

/* The targets of one problem or group. */
typedef struct {
	row_t *v;
	size_t n, cap;
	bool sorted;
} bag_t;

typedef struct {
	alert_fold_group_t g;
	bag_t bag;
} group_t;

/* What the fold keeps of a problem besides checks/problem.c's problem_t (tag = index + 1). */
typedef struct {
	bag_t bag;
	bool have_asn;
	store_asn_t asn;
} extra_t;

struct alert_fold {
	problem_set_t *ps;
	problem_t *const *sorted; /* problem_set_sorted's, NULL after a fold */
	size_t nsorted;
	extra_t *extra;
	size_t nextra, capextra;
	group_t *groups;
	size_t ngroups, capgroups;
	bool groups_sorted;
};

/* ---- targets ---- */

static void bag_add(bag_t *b, const target_t *t)
{
	row_t *r;

	r = xpush((void **)&b->v, &b->cap, &b->n, sizeof(*b->v));
	r->type = (uint8_t)t->type;
	if (t->type == TARGET_DOMAIN)
		r->name = xstrdup(t->name);
	else
		memcpy(r->addr, t->addr, sizeof(r->addr));
	b->sorted = false;
}

static void bag_free(bag_t *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->v[i].name);
	free(b->v);
}

/* The target a row stands for; with_name: its text form too (else only what
 * target_cmp reads). */
static void row_target(const row_t *r, target_t *t, bool with_name)
{
	if (r->type == TARGET_DOMAIN) {
		memset(t, 0, sizeof(*t));
		t->type = TARGET_DOMAIN;
		snprintf(t->name, sizeof(t->name), "%s", r->name);
	} else if (with_name) {
		target_from_addr(r->type == TARGET_IPV4 ? AF_INET : AF_INET6, r->addr, t);
	} else {
		t->type = (target_type_t)r->type;
		memcpy(t->addr, r->addr, sizeof(t->addr));
	}
}

/* Numeric order is target_cmp's. */
static int row_cmp(const void *a, const void *b)
{
	target_t x, y;

	row_target(a, &x, false);
	row_target(b, &y, false);
	return target_cmp(&x, &y);
}

/* Writes the bag's distinct targets as ranges. The targets are made whole
 * (with their names) only here, for target_ranges, and freed right after. */
static void bag_ranges(bag_t *b, char *buf, size_t len)
{
	target_t *t;
	size_t n = 0;

	if (!b->sorted)
		qsort(b->v, b->n, sizeof(*b->v), row_cmp);
	b->sorted = true;
	t = xmalloc((b->n ? b->n : 1) * sizeof(*t));
	for (size_t i = 0; i < b->n; i++) {
		if (i && row_cmp(&b->v[i - 1], &b->v[i]) == 0)
			continue; /* one target changed twice in a batch */
		row_target(&b->v[i], &t[n++], true);
	}
	target_ranges(t, n, buf, len);
	free(t);
}

/* ---- the fold ---- */

alert_fold_t *alert_fold_new(void)
{
	alert_fold_t *f = xcalloc(1, sizeof(*f));

	f->ps = problem_set_new();
	return f;
}

void alert_fold_free(alert_fold_t *f)
{
	if (!f)
		return;
	problem_set_free(f->ps);
	for (size_t i = 0; i < f->nextra; i++)
		bag_free(&f->extra[i].bag);
	free(f->extra);
	for (size_t i = 0; i < f->ngroups; i++)
		bag_free(&f->groups[i].bag);
	free(f->groups);
	free(f);
}

int alert_fold_listing(alert_fold_t *f, const result_t *r, const target_t *t, const store_asn_t *asn)
{
	uint32_t origin = asn && asn->asn > 0 && asn->asn <= UINT32_MAX ? (uint32_t)asn->asn : 0;
	problem_t *p = problem_set_fold(f->ps, r, t, origin, NULL, 0);
	extra_t *x;

	if (!p)
		return 0;
	f->sorted = NULL;
	if (!p->tag) {
		xpush((void **)&f->extra, &f->capextra, &f->nextra, sizeof(*f->extra));
		p->tag = f->nextra;
	}
	x = &f->extra[p->tag - 1];
	bag_add(&x->bag, t);
	if (!x->have_asn && asn && asn->asn >= 0) {
		x->have_asn = true;
		x->asn = *asn;
	}
	return 1;
}

void alert_fold_change(alert_fold_t *f, const alert_fold_group_t *one, const target_t *t)
{
	group_t *g = NULL;

	for (size_t i = 0; i < f->ngroups && !g; i++) {
		alert_fold_group_t *k = &f->groups[i].g;
		if (k->kind == one->kind && !strcmp(k->zone, one->zone) &&
		    (k->kind != ALERT_ITEM_SETTLED || k->to == one->to))
			g = &f->groups[i];
	}
	if (!g) {
		g = xpush((void **)&f->groups, &f->capgroups, &f->ngroups, sizeof(*f->groups));
		g->g = *one;
		g->g.count = 0;
		g->g.last_at = one->first_at;
		f->groups_sorted = false;
	}
	g->g.count++;
	if (one->first_at < g->g.first_at)
		g->g.first_at = one->first_at;
	if (one->first_at > g->g.last_at)
		g->g.last_at = one->first_at;
	bag_add(&g->bag, t);
}

problem_t *const *alert_fold_problems(alert_fold_t *f, size_t *n)
{
	if (!f->sorted)
		f->sorted = problem_set_sorted(f->ps, &f->nsorted);
	*n = f->nsorted;
	return f->sorted;
}

const store_asn_t *alert_fold_problem_asn(const alert_fold_t *f, const problem_t *p)
{
	const extra_t *x = p->tag && p->tag <= f->nextra ? &f->extra[p->tag - 1] : NULL;

	return x && x->have_asn ? &x->asn : NULL;
}

void alert_fold_problem_ranges(alert_fold_t *f, const problem_t *p, char *buf, size_t len)
{
	if (!p->tag || p->tag > f->nextra) {
		if (len)
			buf[0] = '\0';
		return;
	}
	bag_ranges(&f->extra[p->tag - 1].bag, buf, len);
}

/* delisted, changed, flapping, settled: what ended before what moves */
static int kind_rank(alert_item_kind_t k)
{
	return k == ALERT_ITEM_DELISTED ? 0 : k == ALERT_ITEM_CHANGED ? 1 : k == ALERT_ITEM_FLAPPING ? 2 : 3;
}

static int group_cmp(const void *a, const void *b)
{
	const alert_fold_group_t *x = &((const group_t *)a)->g, *y = &((const group_t *)b)->g;
	int d = kind_rank(x->kind) - kind_rank(y->kind);

	if (d)
		return d;
	if ((d = strcmp(x->list, y->list)) != 0)
		return d;
	if ((d = strcmp(x->zone, y->zone)) != 0)
		return d;
	return (int)x->to - (int)y->to;
}

size_t alert_fold_ngroups(alert_fold_t *f)
{
	if (!f->groups_sorted && f->ngroups)
		qsort(f->groups, f->ngroups, sizeof(*f->groups), group_cmp);
	f->groups_sorted = true;
	return f->ngroups;
}

const alert_fold_group_t *alert_fold_group(alert_fold_t *f, size_t i)
{
	alert_fold_ngroups(f);
	return &f->groups[i].g;
}

void alert_fold_group_ranges(alert_fold_t *f, size_t i, char *buf, size_t len)
{
	alert_fold_ngroups(f);
	bag_ranges(&f->groups[i].bag, buf, len);
}
