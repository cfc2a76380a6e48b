/* cycle_budget.c -- the lists' daily query budgets in a cycle: taken before the queries from the
 * one count per list and day every node of a cluster shares, settled after them. */
#include "monitor/daemon/cycle_int.h"

#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/timefmt.h"
#include "monitor/daemon/daemon.h"
#include "store/store_budget.h"

/* This node's name in the budgets' counts: "" for blmon alone. */
static const char *budget_node(const struct cycle *cy)
{
	return cy->s->cfg->cluster ? cy->s->cfg->cluster_node : "";
}

/* The targets of the run this node asks, by type: all of them, or in a cluster those of the
 * shards it holds now. */
static void owned_by_type(const struct cycle *cy, unsigned long long n[3])
{
	targetset_iter_t it = {0, 0};
	target_t t;

	n[TARGET_IPV4] = n[TARGET_IPV6] = n[TARGET_DOMAIN] = 0;
	if (!cy->s->cfg->cluster) {
		for (size_t i = 0; i < cy->ts.n; i++)
			n[cy->ts.specs[i].first.type] += cy->ts.specs[i].count;
		return;
	}
	while (targetset_next(&cy->ts, &it, &t))
		n[t.type] += sched_owns(cy->s, t.name);
}

/* Takes DNS list run[i] out of the cycle (before its test points). */
static void list_drop(struct cycle *cy, size_t i)
{
	memmove(&cy->run[i], &cy->run[i + 1], (cy->nrun - i - 1) * sizeof(*cy->run));
	memmove(&cy->run_lid[i], &cy->run_lid[i + 1], (cy->nrun - i - 1) * sizeof(*cy->run_lid));
	cy->nrun--;
	cy->rec.lists--;
}

/* List run[i]'s budget is spent for today: it leaves the run, and is not due before the next
 * UTC day. Its pairs keep their confirmed state (and grow stale); the list says why, once for
 * the cluster (the node that finds it first records it in the list's health). 0 or -1. */
static int budget_spent(struct cycle *cy, size_t i)
{
	struct sched *s = cy->s;
	const catalog_list_t *l = cy->run[i];
	int64_t used;
	char detail[STORE_DETAIL_MAX], until[TIMEFMT_MAX];
	int ch, first;

	s->next_due[l - s->cfg->catalog->lists] = cy->day + 86400;
	if ((first = store_budget_spent(s->store, cy->run_lid[i], cy->day, budget_node(cy))) < 0)
		return -1;
	if (!first) {
		list_drop(cy, i);
		return 0; /* said already */
	}
	if ((used = store_budget_used(s->store, cy->run_lid[i], cy->day)) < 0)
		return -1;
	timefmt_rfc3339(cy->day + 86400, until);
	snprintf(detail, sizeof(detail), "budget: its %u queries a day are spent (%lld sent today%s); "
		 "not asked again before %s, its results stay as last confirmed", l->budget,
		 (long long)used, s->cfg->cluster ? " by the nodes together" : "", until);
	ch = store_list_health(s->store, cy->run_lid[i], HEALTH_UNTESTED, detail, cy->now);
	if (ch < 0)
		return -1;
	if (ch > 0)
		log_warn("list %s (%s): %s", l->name, catalog_zone_shown(l, l->zone), detail);
	list_drop(cy, i);
	return 0;
}

/* Before any query: each DNS list with a daily budget (unless budget = warn) takes from the
 * store what this node's cycle may send it at most (its test points, and a query and its TXT
 * for each target it asks), from the one count every node of a cluster takes from. The engine
 * asks no more than was granted (dnsbl_budget_t.cap). A list granted too little for its test
 * points and one target sits this cycle out; when the queries already sent leave no more room
 * than that, its budget is spent for today. 0 or -1. */
int cycle_budget_take(struct cycle *cy)
{
	struct sched *s = cy->s;
	unsigned long long n[3];
	bool counted = false, v6 = false;

	/* as test_lists asks the test points: IPv6 ones when any target is IPv6 */
	for (size_t i = 0; i < cy->ts.n; i++)
		v6 |= cy->ts.specs[i].first.type == TARGET_IPV6;
	cy->day = store_budget_day(cy->now);
	for (size_t i = 0; i < cy->nrun;) {
		const catalog_list_t *l = cy->run[i];
		unsigned tests;
		int64_t want, grant, room;

		if (l->dataset || !l->budget || s->cfg->budget_warn) {
			i++;
			continue; /* counted after the run, not held back */
		}
		if (!counted)
			owned_by_type(cy, n);
		counted = true;
		want = tests = dnsbl_test_queries(l, v6);
		for (int k = TARGET_IPV4; k <= TARGET_DOMAIN; k++)
			if (dnsbl_list_applies(l, (target_type_t)k))
				want += 2 * (int64_t)n[k];
		grant = store_budget_take(s->store, cy->run_lid[i], cy->day, budget_node(cy), want,
					  l->budget, cy->now - (int64_t)s->cfg->cluster_lease_s, &room);
		if (grant < 0)
			return -1;
		if (grant >= tests + 2 || grant == want) {
			cy->granted[i] = grant;
			cy->budgets[i++].cap = (uint64_t)grant;
			continue;
		}
		if (store_budget_settle(s->store, cy->run_lid[i], cy->day, budget_node(cy), 0, grant) < 0)
			return -1;
		if (room < tests + 2 && room < want) {
			if (budget_spent(cy, i) < 0)
				return -1;
			continue;
		}
		/* the others hold the rest for their cycles: this one asks it next time */
		log_debug("list %s: this cycle sits out, the other nodes hold what is left of its "
			  "budget", l->name);
		list_drop(cy, i);
	}
	return 0;
}

/* After the run: what each DNS list was sent joins the day's count, and what was taken and not
 * sent goes back. A list that could not ask every target for its budget is not a whole sweep.
 * 0 or -1. */
int cycle_budget_settle(struct cycle *cy)
{
	struct sched *s = cy->s;

	for (size_t i = 0; cy->budgets && i < cy->nrun; i++) {
		if (store_budget_settle(s->store, cy->run_lid[i], cy->day, budget_node(cy),
					(int64_t)cy->budgets[i].sent, cy->granted[i]) < 0)
			return -1;
		cy->budgets[i].sent = 0;
		cy->granted[i] = 0;
		if (cy->budgets[i].capped)
			log_debug("list %s: %llu targets not asked this cycle: its budget is nearly "
				  "spent", cy->run[i]->name, (unsigned long long)cy->budgets[i].capped);
	}
	return 0;
}
