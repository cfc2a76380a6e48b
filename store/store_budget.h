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

/* Takes up to want queries of list_id's budget of `day` (budget: the list's queries a day; 0:
 * none, all of want is granted) and holds them, in one transaction: the queries sent that day
 * (by every node) and those held never pass the budget. *room gets what the budget leaves
 * after the queries sent alone (what others hold comes back to it). Returns how many were
 * granted (0 when none are left), or -1. */
int64_t store_budget_take(store_t *s, int64_t list_id, int64_t day, int64_t want, int64_t budget,
			  int64_t *room);

/* After the queries: adds the `sent` ones to list_id's count of `day` and gives back the
 * `held` that store_budget_take granted. 0 or -1. */
int store_budget_settle(store_t *s, int64_t list_id, int64_t day, int64_t sent, int64_t held);

/* Marks list_id's budget of `day` spent: 1 when this call did (the first of every node to
 * find so: it tells), 0 when it was already, -1 on error. */
int store_budget_spent(store_t *s, int64_t list_id, int64_t day);

/* The queries of `day` sent to list_id (0: every list together). Returns the count (0 when
 * none), or -1. */
int64_t store_budget_used(store_t *s, int64_t list_id, int64_t day);

#endif
