/* store_read.h -- the readers' side of the store: typed rows for the API documents and /metrics.
 * Nothing here writes; large reads stream through visitors, so no caller holds a table in memory. */
#ifndef BLMON_STORE_READ_H
#define BLMON_STORE_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_snds.h"

/* Visitors: a read calls fn once per row (or per target) with arg. fn returns
 * 0 to go on, 1 to stop early (not an error: the read returns 0) or -1 to fail
 * (the read returns -1; fn keeps its own message, store_error() says nothing).
 * Everything a visitor is handed is borrowed: valid only during that call.
 * A visitor may call other reads on the same connection, but not the read
 * that is calling it (its statement is in use). */

/* ---- lists, targets and their states (store_read.c) ---- */

typedef int (*store_list_fn)(void *arg, const store_list_t *l);

/* Every row of the lists table, by id (names as recorded; kind, scope and
 * health parsed; health_since 0 when never tested). 0 or -1. */
int store_lists_visit(store_t *s, store_list_fn fn, void *arg);

/* The state of a target on one list. */
typedef struct {
	int64_t list_id;
	store_state_t st;  /* what the readers need: status, since, checked_at, ttl_until,
			      the answer; the confirmation's pending change is not read (zero) */
	bool plain;        /* store_targets_digest_visit only: the plainest settled state
			      (clean, nothing else: most of a network); of st only status,
			      checked_at and failing_since (0) are set, the rest is not even
			      zeroed */
} store_target_state_t;

/* A target as the readers see it: its row, its ASN, its state on every list and its SNDS line. */
typedef struct {
	store_target_t t;
	int64_t first_seen, last_seen;
	bool has_asn;                     /* an ASN lookup is stored (asn.asn -1: not routed) */
	store_asn_t asn;
	size_t nstates;
	const store_target_state_t *states; /* by list id; nstates of them */
	standing_t standing;              /* as of the last digest (STANDING_NONE: none yet) */
	bool stale;                       /* ... a block-list result of it was stale */
	bool has_ipkey;
	uint8_t ipkey[STORE_IPKEY_BUF];   /* its place in numeric order (store_ipkey) */
	size_t ipkeylen;
	bool has_snds;                    /* SNDS's data.aspx names it (store_snds.h) */
	store_snds_t snds;
} store_target_view_t;

typedef int (*store_target_fn)(void *arg, const store_target_view_t *v);

typedef enum {
	STORE_TARGETS_NAMED,  /* the target called name, active or retired: one call or none */
	STORE_TARGETS_ROUTED, /* active targets with a routed ASN, by ASN, then id */
} store_targets_t;

/* Calls fn once per target of the set `which` (name: only for
 * STORE_TARGETS_NAMED, else NULL). Returns how many targets were visited, or -1. */
int store_targets_visit(store_t *s, store_targets_t which, const char *name, store_target_fn fn,
			void *arg);
/* Calls fn once per active target, by id, with what the digest reads: the
 * ASN's number but not its details (zero), and no SNDS line. Returns how many
 * targets were visited, or -1. */
int store_targets_digest_visit(store_t *s, store_target_fn fn, void *arg);

/* Active targets by type: n[TARGET_IPV4], n[TARGET_IPV6], n[TARGET_DOMAIN]. 0 or -1. */
int store_targets_count(store_t *s, int64_t n[3]);

/* ---- cycles (store_read.c) ---- */

/* A check cycle as recorded. */
typedef struct {
	int64_t id, started, ended; /* ended 0: still running */
	store_cycle_t n;
} store_cycle_row_t;

typedef int (*store_cycle_fn)(void *arg, const store_cycle_row_t *c);

/* The last finished cycle: 1 with *out filled, 0 when none finished (out zeroed), -1. */
int store_cycle_last(store_t *s, store_cycle_row_t *out);
/* The last finished cycle in which something answered (n.answered > 0, or -1
 * for a cycle of release 0.1, which did not count): 1 found, 0 none, -1 error. */
int store_cycle_last_answered(store_t *s, store_cycle_row_t *out);
/* The finished cycles with an id above `after`, in order: every node's (node NULL), or only
 * those the node of a cluster called node ran (store_cluster_cycle). 0 or -1. */
int store_cycles_visit_after(store_t *s, int64_t after, const char *node, store_cycle_fn fn,
			     void *arg);

/* Checks that failed, counted since the database was made, per list and reason
 * (table dns_errors; reason as verdict_error_class writes it, borrowed for the call). */
typedef int (*store_dns_error_fn)(void *arg, int64_t list_id, const char *reason, int64_t n);
/* Every count, by list id then reason. 0 or -1. */
int store_dns_errors_visit(store_t *s, store_dns_error_fn fn, void *arg);


/* ---- events, the merged history and provider incidents (store_read_events.c) ---- */

/* A confirmed change, with its target's name. */
typedef struct {
	store_event_t ev;   /* a status the store cannot read is reported as unknown */
	char target[TARGET_NAME_MAX];
} store_event_row_t;

typedef int (*store_event_fn)(void *arg, const store_event_row_t *e);

/* The events of the target called name, newest first. 0 or -1. */
int store_events_of_target(store_t *s, const char *name, store_event_fn fn, void *arg);
/* Adds to n[STATUS_CLEAN], n[STATUS_UNKNOWN], n[STATUS_LISTED] how many events after
 * *last_id went to each status, and sets *last_id to the newest event's id: start
 * with 0 and zeros, then each call counts only what was added since the last.
 * When the newest id is below *last_id (another database file), n is zeroed and
 * counted again from the start. 0, or -1 with n and *last_id as they were or zero. */
int store_events_count(store_t *s, int64_t *last_id, int64_t n[STATUS_COUNT]);

/* A provider incident (a row of incidents). Strings are borrowed; NULL only
 * where the column may be NULL (sending_ip). */
typedef struct {
	int64_t id, opened, closed;  /* closed 0: still open */
	const char *provider, *kind, *code, *meaning, *sending_ip, *removal, *advice, *sample;
	int64_t rejections, last_rejection, last_sent; /* last_sent 0: no delivery since */
	const char *context; /* where the sending IP stood when the opening was told (DNSBLs,
				SNDS), NULL before */
} store_incident_t;

typedef int (*store_incident_fn)(void *arg, const store_incident_t *in);
/* A name with a count: a recipient domain and its rejections, a provider and
 * kind and their rejections, a provider and whether an incident is open (n 0 or 1). */
typedef int (*store_count_fn)(void *arg, const char *name, const char *sub, int64_t n);

/* The last `limit` incidents, newest first. 0 or -1. */
int store_incidents_visit(store_t *s, unsigned limit, store_incident_fn fn, void *arg);
/* The recipient domains of an incident, most rejected first (name: domain,
 * sub: NULL, n: rejections), at most max. 0 or -1. */
int store_incident_domains_visit(store_t *s, int64_t incident_id, unsigned max, store_count_fn fn,
				 void *arg);
/* Rejections read in the MTA's log by provider and kind (name, sub, n), in that order. 0 or -1. */
int store_rejection_counts_visit(store_t *s, store_count_fn fn, void *arg);
/* Every provider that had an incident (name), and n 1 when one is open now. 0 or -1. */
int store_incident_providers_visit(store_t *s, store_count_fn fn, void *arg);

/* The merged history: DNSBL events and incidents opened and closed, in one
 * order: time, then kind (closed > opened > event), then id, newest first. */
typedef enum {
	STORE_HISTORY_EVENT = 0,  /* id: the event's */
	STORE_HISTORY_OPENED = 1, /* id: the incident's */
	STORE_HISTORY_CLOSED = 2,
} store_history_kind_t;

typedef enum {
	STORE_HISTORY_ALL,
	STORE_HISTORY_EVENTS,    /* DNSBL events only */
	STORE_HISTORY_INCIDENTS, /* incidents opened and closed only */
} store_history_source_t;

typedef struct {
	int64_t since;          /* entries at or after this time; 0: all */
	const char *target;     /* only this target's events (and no incidents); NULL: any */
	const char *zone;       /* only events of the list with this zone (case-insensitive, no
				   incidents); NULL: any */
	store_history_source_t source;
	bool changes;           /* leave out first observations that found a target clean: a new
				   /16's 65,536 of them would fill every page */
	/* the cursor: entries strictly below (at, kind, id) in the order above */
	int64_t cursor_id;      /* 0: from the newest */
	int64_t cursor_at;
	store_history_kind_t cursor_kind;
	unsigned limit;         /* entries at most */
} store_history_q_t;

/* One entry of the history: exactly one of event and incident is set. */
typedef struct {
	store_history_kind_t kind;
	int64_t at, id;
	const store_event_row_t *event;
	const store_incident_t *incident;
} store_history_t;

typedef int (*store_history_fn)(void *arg, const store_history_t *h);

int store_history_visit(store_t *s, const store_history_q_t *q, store_history_fn fn, void *arg);

/* Where a bare event id (a cursor written before incidents joined the
 * history) continues: the event's time, else that of the newest event below
 * it, else 0. 0 or -1. */
int store_history_event_at(store_t *s, int64_t event_id, int64_t *at);

#endif
