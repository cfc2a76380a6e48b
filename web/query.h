/* query.h -- the web's reads of the daemon's database, built into JSON documents.
 * Read-only SQLite connections of their own: nothing here touches the scheduler's memory. */
#ifndef BLMON_QUERY_H
#define BLMON_QUERY_H

#include <cJSON.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/catalog.h"

/* What every document builder needs besides the database. */
typedef struct {
	catalog_t *catalog;  /* borrowed, only read: names, code meanings, removal links; may be NULL */
	unsigned interval_s; /* the monitor's interval ([monitor] interval) */
	int64_t now;         /* unix seconds of the request */
} query_ctx_t;

/* Opens the database at path read-only (WAL readers never block the writer).
 * Returns NULL with a message in err. Caller owns the result (query_close). */
sqlite3 *query_open(const char *path, char *err, size_t errlen);
void query_close(sqlite3 *db);

/* Every builder below returns a new cJSON document (caller owns; cJSON_Delete),
 * or NULL with a message in err when the database could not be read. Each
 * reads inside one transaction, so a document is one consistent snapshot. */

/* GET /api/v1/status: last cycle, summary, list health, every active target
 * with its results. only_problems leaves clean targets out of "targets". */
cJSON *query_status(sqlite3 *db, const query_ctx_t *c, bool only_problems, char *err,
		    size_t errlen);

/* GET /api/v1/targets/NAME: one target (active or not) and its whole history.
 * Returns 1 with *out set, 0 when no such target was ever monitored, -1 on error. */
int query_target(sqlite3 *db, const query_ctx_t *c, const char *name, cJSON **out, char *err,
		 size_t errlen);

typedef struct {
	int64_t since;      /* events at or after this time; 0: all */
	int64_t before;     /* the `next` cursor's id; 0: from the newest */
	unsigned limit;     /* 1..QUERY_EVENTS_MAX */
	const char *target; /* only this target's DNSBL events; NULL: any (and incidents) */
	const char *zone;   /* only this list's DNSBL events (zone or list id); NULL: any */
	const char *source; /* "dnsbl" or "incident": only those; NULL: both */
	int64_t before_at;  /* the cursor's time; 0: `before` is a bare DNSBL event id (old URLs) */
	int before_seq;     /* the cursor's source: 0 DNSBL, 1 incident opened, 2 incident closed */
} query_events_t;

#define QUERY_EVENTS_DEFAULT 50
#define QUERY_EVENTS_MAX 500

/* GET /api/v1/events: DNSBL state changes and provider incidents opened and
 * closed, newest first (by time, then source, then id), and `next`, the URL of
 * the following page (null on the last). */
cJSON *query_events(sqlite3 *db, const query_ctx_t *c, const query_events_t *q, char *err,
		    size_t errlen);

/* GET /api/v1/lists: the catalog with health, codes, planned queries per day
 * against each list's budget, and the queries of today's cycles. */
cJSON *query_lists(sqlite3 *db, const query_ctx_t *c, char *err, size_t errlen);

/* GET /api/v1/asns: the ASNs of the monitored addresses, their addresses and
 * network/ASN-scope listings. Empty until ASN data exists. */
cJSON *query_asns(sqlite3 *db, const query_ctx_t *c, char *err, size_t errlen);

/* GET /healthz: healthy when the last cycle ended within two intervals
 * (interval_s: the shortest list interval, i.e. how often cycles run), and
 * never less than QUERY_HEALTH_MIN_AGE seconds. Returns 1 healthy, 0 not (the
 * document's "reason" says why), -1 on error; *out is set unless -1. */
#define QUERY_HEALTH_MIN_AGE 10
int query_health(sqlite3 *db, const query_ctx_t *c, unsigned interval_s, cJSON **out, char *err,
		 size_t errlen);

/* True when list (a row of the lists table, by zone) is in the running
 * configuration; every list is when there is no catalog. */
bool query_list_in_use(const query_ctx_t *c, const char *zone);

/* The zone as shown: a keyed zone's key is replaced by "{key}" so API and
 * metrics never publish it. Borrowed (catalog or zone); valid while both are. */
const char *query_zone_shown(const query_ctx_t *c, const char *zone);

/* The lists table, each row resolved against the catalog. */
typedef struct {
	int64_t id;
	char *zone, *name, *kind, *scope, *health, *detail;
	int64_t health_since;
	catalog_list_t *cl; /* the catalog's row (borrowed), or NULL */
	bool in_use;        /* in the running configuration (query_list_in_use) */
} query_list_t;

typedef struct {
	query_list_t *v; /* ordered by id */
	size_t n, cap;
} query_lists_t;

/* Loads every row of the lists table into ls (caller owns; query_lists_free).
 * 0, or -1 with a message in err and ls empty. */
int query_lists_load(sqlite3 *db, const query_ctx_t *c, query_lists_t *ls, char *err,
		     size_t errlen);
/* The row with this id (borrowed from ls), or NULL. */
const query_list_t *query_lists_get(const query_lists_t *ls, int64_t id);
void query_lists_free(query_lists_t *ls);

/* The worst block-list status in a target's results array ("listed" >
 * "unknown" > "clean"; "unknown" when no block list applies, as in
 * `blmon check`). A static string. */
const char *query_target_status(const cJSON *results);

/* What the status document depends on: the last finished cycle and the last
 * event. Equal keys mean an equal document (but for generated_at). 0 or -1. */
int query_status_key(sqlite3 *db, int64_t *cycle, int64_t *event);

#endif
