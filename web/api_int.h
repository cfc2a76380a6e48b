/* api_int.h -- what the API's files and /metrics share: stored lists resolved against the catalog, results.
 * Only web/api_*.c and web/metrics.c include this; http.c sees web/api.h and web/metrics.h. */
#ifndef BLMON_API_INT_H
#define BLMON_API_INT_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/result.h"
#include "store/store_cluster.h"
#include "store/store_problems.h"
#include "store/store_read.h"
#include "web/api.h"

/* A row of the lists table and what the running configuration says of it. */
typedef struct {
	store_list_t row;
	const catalog_list_t *cl; /* the catalog's row (borrowed from the context), or NULL */
	bool in_use;              /* in the running configuration: its stored state is the truth */
} api_list_t;

typedef struct {
	api_list_t *v; /* ordered by id */
	size_t n, cap;
} api_lists_t;

/* Loads every stored list into ls (caller owns; api_lists_free). 0, or -1 with
 * a message in err and ls empty. */
int api_lists_load(store_t *s, const api_ctx_t *c, api_lists_t *ls, char *err, size_t errlen);
/* The list with this id (borrowed from ls), or NULL. */
const api_list_t *api_lists_get(const api_lists_t *ls, int64_t id);
void api_lists_free(api_lists_t *ls);

/* The interval list l is checked at (its own, else the monitor's). */
unsigned api_list_interval(const api_ctx_t *c, const api_list_t *l);

/* Fills r with the state st of a target on list l, as of c->now, with its
 * freshness (borrowed: l and st must outlive r's use). */
void api_result_from_state(result_t *r, const api_ctx_t *c, const api_list_t *l,
			   const store_state_t *st);

/* The list object of a stored list with its health, since and advice
 * (defs.schema.json#/$defs/list_health). Caller owns the result. */
cJSON *api_list_health_json(const api_list_t *l);

/* A DNSBL event as the API shows it (api_events.c; used by the target
 * document too). Caller owns the result. */
cJSON *api_event_json(const api_lists_t *ls, const store_event_row_t *e);

/* Appends "&key=value" to the URL in buf (o bytes so far), value percent-encoded;
 * returns the new length. For the `next` links of paged documents. */
size_t api_url_param(char *buf, size_t len, size_t o, const char *key, const char *v);

/* A target object (defs.schema.json#/$defs/target) with its results on the
 * lists in use, its confirmed status, standing and staleness. Caller owns it. */
cJSON *api_target_json(const api_ctx_t *c, const api_lists_t *ls, const store_target_view_t *v);

/* Parts of the status document the summary shares (api_status.c): the last
 * cycle (or null) and the resolver (0 or -1), the target counts of a summary. */
int api_cycle_json(store_t *s, cJSON **out);
int api_resolver_json(store_t *s, cJSON **out);
void api_summary_counts(cJSON *o, const char *total_key, const store_summary_t *sum);

/* The items of a page so far, in bytes as served (http.c writes '<', '>' and '&'
 * as \u escapes), against its budget (API_PAGE_BYTES, API_PROBLEMS_PAGE_BYTES). */
typedef struct {
	size_t budget;
	size_t bytes; /* the items added, with their commas */
	size_t n;     /* items added */
	bool full;    /* an item did not fit: the page ends before it */
} api_page_t;

/* Adds item to the array arr as its printed text, unless arr holds an item
 * already and this one would take the page past its budget: then sets p->full
 * and returns 1. Takes ownership of item either way; 0 when added. */
int api_page_add(api_page_t *p, cJSON *arr, cJSON *item);

/* Adds member (a page of q's targets, each api_target_json, ending early when
 * the next would pass API_PAGE_BYTES) and "next" (next_base plus
 * "&cursor=...", or null on the last page) to doc. 0 or -1. */
int api_targets_page_into(store_t *s, const api_ctx_t *c, const api_lists_t *ls,
			  const store_target_query_t *q, cJSON *doc, const char *member,
			  const char *next_base);

/* Whether node n of a cluster is live: it renewed within a lease of c->now (this node's lease:
 * every node has the same config); without one (blmon alone), whether it holds a lease still
 * (api_cluster.c). /api/v1/cluster and /metrics count the same nodes live. */
bool api_node_live(const api_ctx_t *c, const store_cluster_node_t *n);

/* Snapshot helpers: store_begin with "database: ..." in err on failure (-1),
 * and the end of a snapshot (commit; a read-only one cannot fail to matter). */
int api_begin(store_t *s, char *err, size_t errlen);
void api_end(store_t *s);
/* Writes "database: <the store's error>" into err; returns -1. */
int api_dberr(store_t *s, char *err, size_t errlen);

#endif
