/* snds_watch.h -- the daemon's side of Microsoft SNDS: documents fetched, kept and answered from memory.
 * Internal to the daemon room: the cycle asks it when an SNDS list is due, instead of the DNS engine. */
#ifndef BLMON_SNDS_WATCH_H
#define BLMON_SNDS_WATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "checks/dnsbl.h"
#include "monitor/config.h"
#include "store/store.h"

/* SNDS asked about the same document more often than this helps nobody. */
#define SNDS_FETCH_MIN 900

typedef struct snds_watch snds_watch_t;

/* Caller owns the result (snds_watch_free; NULL is fine). */
snds_watch_t *snds_watch_new(void);
void snds_watch_free(snds_watch_t *w);

/* Brings the documents the SNDS lists (n of them, due now) read up to date,
 * for every [snds] key of c: the stored copy is loaded once (a key new to the
 * watch, or the daemon's start); SNDS is asked (conditionally) when that copy
 * was last confirmed [snds] refresh ago or more -- a restart does not ask
 * again -- and never twice within SNDS_FETCH_MIN. An answer (200 parsed whole,
 * or 304) makes the document current and its new copy stored; anything else
 * (an HTTP error, a timeout, an HTML page, a cut-off or malformed document)
 * keeps the last good copy and makes the document not current, with why (the
 * key masked). stop aborts a download. Returns 0, or -1 on a store error. */
int snds_watch_refresh(snds_watch_t *w, const config_t *c, store_t *s,
		       catalog_list_t *const *lists, size_t n, int64_t now,
		       volatile sig_atomic_t *stop);

/* List l's health after the last refresh: ok when its document is current
 * for every key, else unreachable (refused when SNDS answered 401 or 403),
 * with what failed in detail (len bytes). */
dnsbl_health_t snds_watch_health(const snds_watch_t *w, const catalog_list_t *l, char *detail,
				 size_t len);

/* What the documents say of t on SNDS list l (idx: its index in the cycle's
 * run): false when l does not apply to t. out->why and out->txt point into
 * buf (len bytes, at least 1024). *at gets when the documents were last
 * confirmed by SNDS: the time of the answer, for freshness. */
bool snds_watch_result(snds_watch_t *w, const catalog_list_t *l, const target_t *t, uint16_t idx,
		       dnsbl_result_t *out, char *buf, size_t len, int64_t *at);

#endif
