/* store_read_int.h -- what the store's readers share: a target view's columns and its grouping.
 * Only store/ files include this (store_read.c, store_problems.c). */
#ifndef BLMON_STORE_READ_INT_H
#define BLMON_STORE_READ_INT_H

#include "store/store_int.h"
#include "store/store_read.h"
#include "store/store_snds_int.h"

/* A target view's columns (store_read.h: store_target_view_t): the target t's,
 * its ASN's, one state row's (with its list id), its digest, then its SNDS line. A query
 * selects these FROM a targets table or page aliased t, then STORE_TARGET_JOINS,
 * ordered by target so that a target's rows come together. */
#define STORE_TARGET_SELECT                                                                       \
	"SELECT t.id, t.target, t.type, coalesce(t.discovered_from, ''), t.active, t.first_seen, " \
	"t.last_seen, a.target_id IS NOT NULL, coalesce(a.asn, -1), coalesce(a.prefix, ''), "     \
	"coalesce(a.country, ''), coalesce(a.registry, ''), coalesce(a.name, ''), "               \
	"coalesce(a.fetched, 0), "                                                                \
	"s.list_id, " STORE_STATE_COLS("sl") ", t.standing, t.stale, t.ipkey, " STORE_SNDS_COLS " "
#define STORE_TARGET_JOINS                                                                        \
	"LEFT JOIN asn a ON a.target_id = t.id LEFT JOIN snds_ips n ON n.ip = t.target "          \
	"LEFT JOIN state s ON s.target_id = t.id LEFT JOIN lists sl ON sl.id = s.list_id "
/* Steps st (a STORE_TARGET_SELECT query, bound) and calls fn per target; the
 * visitors' convention of store_read.h. Returns how many, or -1. Resets st. */
int store_target_views(store_t *s, store_stmt_t *st, store_target_fn fn, void *arg);

#endif
