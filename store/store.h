/* store.h -- blmon's history in SQLite: targets, lists, confirmed state, events, cycles.
 * The interface between the scheduler (writer) and the web and alert modules (readers). */
#ifndef BLMON_STORE_H
#define BLMON_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "checks/catalog.h"
#include "checks/target.h"

typedef struct store store_t;

#define STORE_CODES_MAX 256
#define STORE_TXT_MAX 2048
#define STORE_REASON_MAX 512

/* The stored state of one (target, list). status is "listed", "clean",
 * "unknown", or "" when never observed. pending is "status:codes" of a
 * change seen pending_count times but not yet confirmed, or "". */
typedef struct {
	char status[8];
	int64_t since;
	char codes[STORE_CODES_MAX]; /* JSON array */
	char txt[STORE_TXT_MAX];     /* JSON array */
	char reason[STORE_REASON_MAX];
	int64_t checked_at;
	int64_t ttl_until;
	char pending[STORE_CODES_MAX + 16];
	int pending_count;
} store_state_t;

typedef struct {
	int64_t at;
	int64_t target_id, list_id;
	const char *from; /* NULL for a first observation */
	const char *to;
	const char *codes, *txt, *reason; /* JSON arrays and text; reason may be NULL */
} store_event_t;

typedef struct {
	int64_t lists, targets, queries, errors, listed, unknown;
} store_cycle_t;

/* Opens (creating and migrating) the database at path for writing: WAL mode,
 * busy timeout, foreign keys. Returns NULL with a message in err. Caller owns
 * the result; store_close frees it. */
store_t *store_open(const char *path, char *err, size_t errlen);
/* Opens an existing database read-only (for the web and alert readers). */
store_t *store_open_readonly(const char *path, char *err, size_t errlen);
void store_close(store_t *s);

/* Last error message (borrowed; valid until the next call). */
const char *store_error(const store_t *s);

/* Transactions: a cycle's writes are grouped so a crash loses at most the
 * open batch, never half a change. 0 or -1. */
int store_begin(store_t *s);
int store_commit(store_t *s);
int store_rollback(store_t *s);

/* Upserts a target (marks it active, updates last_seen and discovered_from)
 * and returns its id, or -1. */
int64_t store_target_id(store_t *s, const target_t *t, int64_t now);
/* The id of a known target, or -1 when it was never stored (or on error). */
int64_t store_target_known(store_t *s, const char *name);
/* Marks every target not seen since `before` inactive. */
int store_targets_retire(store_t *s, int64_t before);
/* Upserts a list by zone and returns its id, or -1. */
int64_t store_list_id(store_t *s, const catalog_list_t *l);

/* Loads the state of (target, list): 1 found, 0 none (out zeroed), -1 error. */
int store_state_get(store_t *s, int64_t target_id, int64_t list_id, store_state_t *out);
int store_state_put(store_t *s, int64_t target_id, int64_t list_id, const store_state_t *st);

/* Appends an event; returns its id or -1. */
int64_t store_event_add(store_t *s, const store_event_t *ev);

/* Records a list's health at time now when it differs from the stored one.
 * Returns 1 if it changed, 0 if not, -1 on error. */
int store_list_health(store_t *s, int64_t list_id, const char *health, const char *detail,
		      int64_t now);

int64_t store_cycle_begin(store_t *s, int64_t now);
int store_cycle_end(store_t *s, int64_t id, int64_t now, const store_cycle_t *c);

/* Deletes cycle and list-health rows older than before; never state or events. */
int store_prune(store_t *s, int64_t before);

/* Origin ASN of a target as last looked up; asn is -1 when not routed. */
typedef struct {
	int64_t asn;
	char prefix[64], country[8], registry[16], name[160];
	int64_t fetched;
} store_asn_t;

/* 1 found, 0 never looked up, -1 error. */
int store_asn_get(store_t *s, int64_t target_id, store_asn_t *out);
int store_asn_put(store_t *s, int64_t target_id, const store_asn_t *in);

/* The last good copy of a downloaded file (Spamhaus DROP) and when the
 * server was last asked. store_file_get returns 1 with *body (caller frees)
 * or 0 when none; etag/last_modified get "" when absent (256 bytes each). */
int store_file_get(store_t *s, const char *url, char **body, size_t *len, char *etag,
		   char *last_modified, int64_t *fetched, int64_t *checked);
/* Saves a new good copy (body non-NULL) or only the time asked (body NULL). */
int store_file_put(store_t *s, const char *url, const char *body, size_t len, const char *etag,
		   const char *last_modified, int64_t now);

/* Runs a read query for tests and tools: the first column of the first row
 * as an integer, or -1. */
int64_t store_scalar(store_t *s, const char *sql);

/* Schema version of the open database. */
int store_schema_version(store_t *s);

#endif
