/* cycle_int.h -- the cycle in progress, shared by the files of one cycle: cycle.c (the run,
 * results into the store) and cycle_budget.c (the lists' daily budgets). No other file includes it. */
#ifndef BLMON_CYCLE_INT_H
#define BLMON_CYCLE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "checks/catalog.h"
#include "checks/dnsbl.h"
#include "checks/target.h"
#include "store/store.h"

#define NREASONS 256          /* verdict_t.reason is a byte: failed checks counted per value */
#define SNDS_LISTS 2          /* the SNDS lists of the catalog */

/* The cycle in progress. */
struct cycle {
	struct sched *s;
	int64_t now, id;
	catalog_list_t **run; /* DNS lists of the cycle, then the DROP pseudo-lists, then the
				 SNDS lists due */
	int64_t *run_lid;
	size_t nrun;          /* DNS lists: the engine checks run[0 .. nrun) */
	bool drop;            /* run[nrun], run[nrun + 1] are DROP and ASN-DROP */
	catalog_list_t *snds_due[SNDS_LISTS]; /* SNDS lists due, read from documents */
	size_t nsnds;
	size_t snds_at;       /* ... at run[snds_at .. snds_at + nsnds) */
	unsigned min_iv;      /* the shortest interval of the lists run */
	targetset_t ts;
	dnsbl_list_state_t *states;
	dnsbl_stats_t before;
	unsigned batch;       /* targets written in the open transaction */
	store_cycle_t rec;
	int64_t *errs;        /* failed checks per DNS list of the cycle and reason: [list][reason] */
	/* per list of the run answered from data files whose last load failed: since
	 * when, and why (its answers come from the data it had) */
	int64_t *src_failing;
	char (*src_reason)[STORE_REASON_MAX];
	/* per list answered pair by pair: its settled states (store_state_settled), sorted
	 * by target: the same answer for them again is not written (the sweep or the touch
	 * moves their checked_at). The plainest, most of a network, as bare target ids. */
	struct settled {
		int64_t *plain;
		size_t nplain, capplain;
		struct settled_fp {
			int64_t tid;
			uint64_t fp;
		} *other;
		size_t nother, capother;
	} *settled;
	uint64_t fp_plain;    /* store_answer_fp_plain() */
	struct timespec batch_t0; /* when the open batch began */
	int failed;           /* a store write failed */
	bool targets_whole;   /* every host resolved and every domain's addresses discovered */
	bool ran;             /* the run ran to its end (not stopped, every write made) */
	bool swept;           /* ... and saw every target it had to (of the config; in a
				 cluster, of the shards in `kept`): the settled states too */
	uint64_t kept;        /* in a cluster: the shards held from the cycle's start to its end
				 (store_cluster_mask), the ones whose targets it saw */
	store_target_ids_t *ids; /* the targets known at the start: their last_seen is written
				    once, after the run (store_target_ids_flush) */
	/* per DNS list of the run: its queries (test points, A, TXT) and the part of the day's
	 * budget taken for them (cycle_budget_take); counted in the store after the run */
	dnsbl_budget_t *budgets;
	int64_t *granted;
	int64_t day;          /* the UTC day they count in */
};

/* How many lists of run[] the cycle answers pair by pair: the DNS lists, then DROP's two
 * while DROP is loaded (the SNDS lists after them come from documents). */
static inline size_t answered_lists(const struct cycle *cy)
{
	return cy->nrun + (cy->drop ? 2 : 0);
}

/* Did run[i] answer every target it was given? Not a DNS list whose budget held some back
 * (cycle_budget_take): its settled pairs it did not ask were not answered again. */
static inline bool answered_all(const struct cycle *cy, size_t i)
{
	return i >= cy->nrun || !cy->budgets || !cy->budgets[i].capped;
}

/* Before any query: each DNS list with a daily budget (unless budget = warn) takes from the
 * store what this node's cycle may send it at most, from the one count every node of a
 * cluster takes from; a list whose budget is spent leaves the run. After the run,
 * cycle_budget_settle counts what each list was sent and gives back the rest. 0 or -1. */
int cycle_budget_take(struct cycle *cy);
int cycle_budget_settle(struct cycle *cy);

#endif
