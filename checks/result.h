/* result.h -- one (target, list) result as every surface shows it, and its one JSON form.
 * The engine and the store fill a result_t; the CLI, the API, metrics and alerts print it here. */
#ifndef BLMON_RESULT_H
#define BLMON_RESULT_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/catalog.h"
#include "checks/dnsbl.h"
#include "checks/status.h"
#include "checks/verdict.h"

#define RESULT_MAX_CODES VERDICT_MAX_CODES
#define RESULT_MAX_MEANINGS 16

/* Every pointer is borrowed from whoever filled the result (engine, store row,
 * catalog) and must outlive its use. */
typedef struct {
	const catalog_list_t *list; /* the catalog's row: meanings, removal link, masked zone;
				       NULL when the list is not (or no longer) configured */
	const char *zone;    /* as queried or stored (may hold an access key: never shown as is) */
	const char *name;    /* display name; NULL: the list's, else the zone */
	list_scope_t scope;
	list_kind_t kind;
	status_t status;
	uint8_t ncodes;
	uint32_t codes[RESULT_MAX_CODES]; /* the A records, host order, sorted */
	const char *txt;     /* ntxt NUL-separated TXT records (untrusted); NULL when none */
	uint16_t ntxt;
	const char *reason;  /* why, for people; NULL or "" when there is nothing to say */
	uint32_t ttl;        /* seconds the answer is still fresh */
	int64_t since;       /* the daemon's: when this status began (0: not known) */
	int64_t checked_at;  /* the daemon's: the last real answer (0: never) */
	bool stale;          /* the daemon's: the last answer is older than the list allows */
	int64_t failing_since;      /* the daemon's: its checks fail since (0: they answer) */
	const char *failing_reason; /* ... and why; NULL or "" when they answer */
} result_t;

/* Is a state whose last real answer was at checked_at stale at now? Its list
 * is checked every interval_s; grace_s more are allowed (0: two intervals).
 * A state never answered (checked_at 0) is unchecked, not stale. */
bool result_stale(int64_t checked_at, int64_t now, unsigned interval_s, unsigned grace_s);

/* Fills r from the engine's result res for list l (borrowed: res, l). Its
 * reason is the verdict's; for a list the run sidelined (failed test points),
 * the list's own detail from state (may be NULL). reason must hold RESULT_REASON_MAX. */
#define RESULT_REASON_MAX 400
void result_from_engine(result_t *r, const catalog_list_t *l, const dnsbl_result_t *res,
			const dnsbl_list_state_t *state, char *reason);

/* The meanings of r's codes on its list (borrowed from the catalog; a code
 * the catalog does not know says so). Returns how many were written. */
size_t result_meanings(const result_t *r, const char **out, size_t max);

/* The removal link of a listing for target; 0, or -1 when r is not a listing
 * of a block list or the list has none. */
int result_removal_url(const result_t *r, const char *target, char *buf, size_t len);

/* The zone to show: a keyed zone as its template. Borrowed. */
const char *result_zone_shown(const result_t *r);

/* Which members result_json writes. */
enum {
	RESULT_JSON_CHECK = 1,  /* `blmon check --json`, alerts: ... plus removal_url and ttl */
	RESULT_JSON_DAEMON = 2, /* the API: the check members plus since, checked_at, stale,
				   failing_since and failing_reason */
	RESULT_JSON_EVENT = 3,  /* a recorded change: zone, name, scope, kind, codes, meanings, txt,
				   reason (the caller adds from, to and the event's own members) */
};

/* Adds "codes" (the A records as dotted quads) and "meanings" arrays to o:
 * the one way a result and a problem write them. */
void result_codes_into(cJSON *o, const uint32_t *codes, size_t ncodes, const char *const *meanings,
		       size_t nmeanings);

/* Adds r's members to object o, as schemas/defs.schema.json describes a result
 * (or, for RESULT_JSON_EVENT, the result part of an event). target is the
 * address or domain, for the removal link. */
void result_json_into(cJSON *o, const result_t *r, const char *target, int form);
/* A new object with result_json_into's members (caller owns; cJSON_Delete). */
cJSON *result_json(const result_t *r, const char *target, int form);

/* ---- a target's status over its results ---- */

/* Counts results; a target's status is the worst of its block-list results,
 * unknown when no block list says anything. Allow and info lists never make a
 * target worse. Start from RESULT_TALLY_INIT. */
typedef struct {
	unsigned block;                /* block-list results counted */
	unsigned n[STATUS_COUNT];      /* block-list results by status */
	status_t worst;
	unsigned own, neighbourhood;   /* listings of the address or domain / of its network or
					  AS (counted by result_tally_add_result) */
} result_tally_t;

#define RESULT_TALLY_INIT ((result_tally_t){0, {0}, STATUS_CLEAN, 0, 0})

void result_tally_add(result_tally_t *t, list_kind_t kind, status_t s);
/* The same for a whole result, counting own and neighbourhood listings too. */
void result_tally_add_result(result_tally_t *t, const result_t *r);

/* Where a target stands, worst first: an own listing (its address or domain
 * is listed), listed only through its network or AS, unchecked (a block list
 * has not answered yet, or none applies), clean. */
typedef enum {
	STANDING_OWN,
	STANDING_NEIGHBOURHOOD,
	STANDING_UNCHECKED,
	STANDING_CLEAN,
	STANDING_COUNT,
	STANDING_NONE = -1, /* not known */
} standing_t;

/* "own", "neighbourhood", "unchecked", "clean" (static). */
const char *standing_name(standing_t s);
/* 0, or -1 when s is none of them. */
int standing_parse(const char *s, standing_t *out);
/* The daemon's confirmed view of a target (results added with _add_result). */
standing_t result_tally_standing(const result_tally_t *t);
/* A check made now: the worst, unknown when no block list said anything. */
status_t result_tally_status(const result_tally_t *t);
/* The daemon's confirmed view: the worst, unchecked when no block list answered yet. */
status_t result_tally_confirmed(const result_tally_t *t);

/* ---- lists ---- */

/* A list as every surface shows it, with its health. */
typedef struct {
	const catalog_list_t *list; /* may be NULL (a stored list no longer configured) */
	const char *zone, *id, *name;
	list_kind_t kind;
	list_qtype_t qtype;
	list_scope_t scope;
	list_source_t source;       /* DNS, or SNDS's documents */
	dnsbl_health_t health;
	const char *detail;         /* what the test points (or SNDS's fetch) showed; NULL or ""
				       when ok */
} result_list_t;

/* Fills l from a catalog row and its health this run (state may be NULL: untested). */
void result_list_from_catalog(result_list_t *l, const catalog_list_t *cl,
			      const dnsbl_list_state_t *state);

/* The list object of schemas/defs.schema.json: zone (masked), id, name, kind,
 * type, scope, source, health, detail. Caller owns the result. */
cJSON *result_list_json(const result_list_t *l);

/* What to do about a list in this health, in one sentence; NULL when ok or untested. */
const char *result_health_advice(dnsbl_health_t h);
/* The same for list l (may be NULL: a DNS list), in the words of its source:
 * an SNDS list fails by its documents, not by test points or a resolver. */
const char *result_list_advice(const catalog_list_t *l, dnsbl_health_t h);

#endif
