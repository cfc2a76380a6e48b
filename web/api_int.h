/* api_int.h -- what the API's files and /metrics share: stored lists resolved against the catalog, results.
 * Only web/api_*.c and web/metrics.c include this; http.c sees web/api.h and web/metrics.h. */
#ifndef BLMON_API_INT_H
#define BLMON_API_INT_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/result.h"
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

/* Snapshot helpers: store_begin with "database: ..." in err on failure (-1),
 * and the end of a snapshot (commit; a read-only one cannot fail to matter). */
int api_begin(store_t *s, char *err, size_t errlen);
void api_end(store_t *s);
/* Writes "database: <the store's error>" into err; returns -1. */
int api_dberr(store_t *s, char *err, size_t errlen);

#endif
