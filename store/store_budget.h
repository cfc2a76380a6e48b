/* store_budget.h -- each list's queries per UTC day, counted by every node together, and its
 * daily budget taken from them before the queries are sent (a cluster asks as one blmon). */
#ifndef BLMON_STORE_BUDGET_H
#define BLMON_STORE_BUDGET_H

#include <stdint.h>

#include "store/store.h"

/* The UTC day of now: its first second, the key of a day's count. */
static inline int64_t store_budget_day(int64_t now)
{
	return now - ((now % 86400) + 86400) % 86400;
}

/* node is the node's name ("" for blmon alone) in every call below. */

/* Takes up to want queries of list_id's budget of `day` (budget: the list's queries a day; 0:
 * none, all of want is granted) and holds them for node, in one transaction with the list
 * locked: the queries sent that day (by every node) and those held never pass the budget. The
 * holds of another node count while it renews (cluster_nodes.seen at live_after or later): a
 * node that died holding holds nothing after a lease. *room gets what the budget leaves after
 * the queries sent alone (what others hold comes back to it). Returns how many were granted
 * (0 when none are left), or -1. */
int64_t store_budget_take(store_t *s, int64_t list_id, int64_t day, const char *node,
			  int64_t want, int64_t budget, int64_t live_after, int64_t *room);

/* After the queries: adds the `sent` ones to node's count of list_id on `day` and gives back
 * the `held` that store_budget_take granted it. 0 or -1. */
int store_budget_settle(store_t *s, int64_t list_id, int64_t day, const char *node, int64_t sent,
			int64_t held);

/* Drops every hold of node (a start: whatever it held was for cycles that will not end). 0 or
 * -1. */
int store_budget_release(store_t *s, const char *node);

/* Marks list_id's budget of `day` spent for node: 1 when it is the first of every node to do
 * so (it tells), 0 when another did already, -1 on error. */
int store_budget_spent(store_t *s, int64_t list_id, int64_t day, const char *node);

/* The queries of `day` sent to list_id (0: every list together) by every node. Returns the
 * count (0 when none), or -1. */
int64_t store_budget_used(store_t *s, int64_t list_id, int64_t day);

/* Forgets the counts of the days that ended before `before` (store_prune's retention). 0 or
 * -1. */
int store_budget_prune(store_t *s, int64_t before);

#endif
