/* digest.c -- after each cycle: listings folded into problems, where each target stands, tallies.
 * The readers (API, metrics, dashboard) then page through these instead of every (target, list). */
#include "monitor/daemon/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/problem.h"
#include "lib/log.h"
#include "lib/xmalloc.h"
#include "monitor/daemon/daemon.h"
#include "monitor/daemon/neighbourhood.h"
#include "store/store_problems.h"
#include "store/store_read.h"

/* A configured list as the digest counts it. */
struct dlist {
	const catalog_list_t *cl;
	store_list_t row;
	unsigned interval;
	store_list_tally_t tally;
};

/* A change to write once the pass is over (a read is stepping the tables meanwhile). */
struct entity_change {
	int64_t tid, lid;
	char *entity; /* NULL: none */
};

struct target_change {
	int64_t tid;
	target_t t;
	standing_t standing;
	bool stale;
};

struct digest {
	struct sched *s;
	int64_t now;
	struct dlist *lists;
	size_t nlists, caplists;
	problem_set_t *ps;
	struct entity_change *ec;
	size_t nec, capec;
	struct target_change *tc;
	size_t ntc, captc;
	size_t ntargets;      /* targets visited */
	double read_s;        /* seconds of the pass over the targets */
};

/* The list in use that row records: an enabled list of the config, or a
 * Spamhaus DROP pseudo-list while DROP is loaded; NULL for any other. */
static const catalog_list_t *in_use(const struct sched *s, const store_list_t *row)
{
	const config_t *c = s->cfg;

	for (size_t i = 0; i < c->catalog->n; i++) {
		const catalog_list_t *cl = &c->catalog->lists[i];
		if (cl->enabled && cl->zone && !strcmp(cl->zone, row->zone))
			return cl;
	}
	if (neighbourhood_drop_active(s->hood))
		for (int k = 0; k < 2; k++) {
			const catalog_list_t *cl = k ? neighbourhood_asndrop_list(s->hood)
						     : neighbourhood_drop_list(s->hood);
			if (cl->zone && !strcmp(cl->zone, row->zone))
				return cl;
		}
	return NULL;
}

static int add_list(void *arg, const store_list_t *row)
{
	struct digest *d = arg;
	const catalog_list_t *cl = in_use(d->s, row);
	struct dlist *l;

	if (!cl)
		return 0;
	l = xpush((void **)&d->lists, &d->caplists, &d->nlists, sizeof(*d->lists));
	l->cl = cl;
	l->row = *row;
	l->interval = config_list_interval(d->s->cfg, cl);
	return 0;
}

static struct dlist *list_by_id(struct digest *d, int64_t id)
{
	for (size_t i = 0; i < d->nlists; i++)
		if (d->lists[i].row.id == id)
			return &d->lists[i];
	return NULL;
}

static struct dlist *list_by_zone(struct digest *d, const char *zone)
{
	for (size_t i = 0; i < d->nlists; i++)
		if (!strcmp(d->lists[i].row.zone, zone))
			return &d->lists[i];
	return NULL;
}

/* The target a view names (its row keeps the canonical name). */
static void view_target(const store_target_view_t *v, target_t *t)
{
	if (v->t.type == TARGET_DOMAIN || target_parse_ip(v->t.name, t) < 0) {
		memset(t, 0, sizeof(*t));
		t->type = TARGET_DOMAIN;
		snprintf(t->name, sizeof(t->name), "%s", v->t.name);
	}
	t->from = v->t.from[0] ? v->t.from : NULL;
}

static void entity_changed(struct digest *d, int64_t tid, int64_t lid, const char *entity)
{
	xgrow((void **)&d->ec, &d->capec, d->nec + 1, sizeof(*d->ec));
	d->ec[d->nec].tid = tid;
	d->ec[d->nec].lid = lid;
	d->ec[d->nec].entity = entity ? xstrdup(entity) : NULL;
	d->nec++;
}

/* A block list's count of one of its results. */
static void tally_list(struct dlist *l, const store_state_t *st, bool stale)
{
	l->tally.results++;
	l->tally.stale += stale;
	l->tally.failing += st->failing_since != 0;
	l->tally.unchecked += st->status == STATUS_UNCHECKED;
	if (st->checked_at > l->tally.last_answer)
		l->tally.last_answer = st->checked_at;
}

static int on_target(void *arg, const store_target_view_t *v)
{
	struct digest *d = arg;
	const config_t *c = d->s->cfg;
	uint32_t asn = v->has_asn && v->asn.asn > 0 ? (uint32_t)v->asn.asn : 0;
	result_tally_t tally = RESULT_TALLY_INIT;
	bool stale = false;
	standing_t standing;
	target_t t;

	d->ntargets++;
	view_target(v, &t);
	for (size_t i = 0; i < v->nstates; i++) {
		const store_state_t *st = &v->states[i].st;
		struct dlist *l = list_by_id(d, v->states[i].list_id);
		char entity[PROBLEM_ENTITY_MAX] = "";
		result_t r;

		if (v->states[i].plain) {
			/* clean, nothing else, no problem: only its freshness counts */
			if (l && l->cl->kind == LIST_BLOCK) {
				bool st_stale = result_stale(st->checked_at, d->now, l->interval,
							     c->stale_grace_s);
				result_tally_add(&tally, LIST_BLOCK, STATUS_CLEAN);
				tally_list(l, st, st_stale);
				stale |= st_stale;
			}
			continue;
		}
		if (!l || l->cl->kind != LIST_BLOCK) {
			if (st->problem[0])
				entity_changed(d, v->t.id, v->states[i].list_id, NULL);
			continue;
		}
		store_result(&r, l->cl, &l->row, st->status, &st->ans);
		r.since = st->since;
		r.checked_at = st->checked_at;
		r.stale = result_stale(st->checked_at, d->now, l->interval, c->stale_grace_s);
		result_tally_add_result(&tally, &r);
		tally_list(l, st, r.stale);
		stale |= r.stale;
		if (st->status == STATUS_LISTED) {
			l->tally.listed++;
			problem_entity(&r, &t, asn, entity);
			problem_set_add(d->ps, &r, &t, asn, c->ignore, c->nignore);
		}
		if (strcmp(entity, st->problem))
			entity_changed(d, v->t.id, v->states[i].list_id, entity);
	}
	standing = result_tally_standing(&tally);
	if (standing != v->standing || stale != v->stale || !v->has_ipkey) {
		xgrow((void **)&d->tc, &d->captc, d->ntc + 1, sizeof(*d->tc));
		d->tc[d->ntc].tid = v->t.id;
		d->tc[d->ntc].t = t;
		d->tc[d->ntc].t.from = NULL; /* borrowed from the view */
		d->tc[d->ntc].standing = standing;
		d->tc[d->ntc].stale = stale;
		d->ntc++;
	}
	return 0;
}

/* Is (list, entity) a problem of this digest? */
static bool still_a_problem(void *arg, int64_t list_id, const char *entity)
{
	struct digest *d = arg;
	const struct dlist *l = list_by_id(d, list_id);

	return l && entity && problem_set_get(d->ps, l->row.zone, entity);
}

/* Writes what the pass found, in one transaction. */
static int digest_write(struct digest *d, int64_t seen)
{
	store_t *st = d->s->store;
	problem_t *const *v;
	size_t n;

	v = problem_set_sorted(d->ps, &n);
	if (store_begin(st) < 0)
		return -1;
	for (size_t i = 0; i < d->nec; i++)
		if (store_state_problem_set(st, d->ec[i].tid, d->ec[i].lid, d->ec[i].entity) < 0)
			goto fail;
	for (size_t i = 0; i < d->ntc; i++)
		if (store_target_standing_set(st, d->tc[i].tid, &d->tc[i].t, d->tc[i].standing,
					      d->tc[i].stale) < 0)
			goto fail;
	for (size_t i = 0; i < n; i++) {
		struct dlist *l = list_by_zone(d, v[i]->zone);
		if (!l)
			continue; /* cannot happen: problems come from these lists */
		l->tally.problems++;
		if (store_problem_put(st, l->row.id, v[i], (int64_t)i + 1, seen) < 0)
			goto fail;
	}
	if (store_problems_prune(st, still_a_problem, d) < 0)
		goto fail;
	for (size_t i = 0; i < d->nlists; i++)
		if (store_list_tally_set(st, d->lists[i].row.id, &d->lists[i].tally) < 0)
			goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int digest_run(struct sched *s, int64_t now, int64_t seen)
{
	struct digest d;
	double t0 = mono_s(), t1;
	int ret = -1;

	memset(&d, 0, sizeof(d));
	d.s = s;
	d.now = now;
	d.ps = problem_set_new();
	if (store_lists_visit(s->store, add_list, &d) < 0 ||
	    store_targets_digest_visit(s->store, on_target, &d) < 0)
		goto out;
	t1 = mono_s();
	ret = digest_write(&d, seen);
	log_debug("digest %lld: %zu targets, %zu problems, %zu listings and %zu targets changed, "
		  "%.2f s (read %.2f s, write %.2f s)",
		  (long long)seen, d.ntargets, problem_set_count(d.ps), d.nec, d.ntc,
		  mono_s() - t0, t1 - t0, mono_s() - t1);
out:
	for (size_t i = 0; i < d.nec; i++)
		free(d.ec[i].entity);
	free(d.ec);
	free(d.tc);
	free(d.lists);
	problem_set_free(d.ps);
	return ret;
}
