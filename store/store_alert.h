/* store_alert.h -- what the alert room reads and writes: its position, flapping pairs, the queue.
 * Typed rows for the producer (events, states, list health, provider incidents) and for delivery. */
#ifndef BLMON_STORE_ALERT_H
#define BLMON_STORE_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Conventions as in store.h: 0 (or a count, an id, 1 for "found") and -1 on a
 * database error (store_error). Rows are values the caller owns; an array
 * returned through **out is the caller's to free() (NULL when there are none).
 * A row callback returns 0 to go on, anything else to stop early; it may call
 * any store function except the one iterating. */

/* ---- the producer's position (table alert_state) ---- */

/* 1 with *v set, 0 when name was never set (*v = 0). */
int store_alert_kv_get(store_t *s, const char *name, int64_t *v);
int store_alert_kv_set(store_t *s, const char *name, int64_t v);

/* The newest events.id and list_health.id (0 when none). */
int store_alert_heads(store_t *s, int64_t *last_event, int64_t *last_health);

/* Is there anything to turn into alerts: an event after last_event, a health
 * row after last_health, an incident not yet alerted, or a flapping pair that
 * may settle? 1 yes, 0 no. Cheap: the daemon asks between cycles. */
int store_alert_work(store_t *s, int64_t last_event, int64_t last_health);

/* ---- events and states ---- */

/* A recorded change with the kind of its list. */
typedef struct {
	store_event_t ev;
	list_kind_t list_kind;
} store_alert_event_t;

typedef int (*store_alert_event_fn)(void *ud, const store_alert_event_t *e);

/* Calls fn with each event after id `after`, oldest first. */
int store_alert_events_after(store_t *s, int64_t after, store_alert_event_fn fn, void *ud);

/* A definite status (listed or clean) as an event recorded it. */
typedef struct {
	status_t status;
	uint8_t ncodes;
	uint32_t codes[RESULT_MAX_CODES];
} store_alert_def_t;

/* The last definite event of (target, list) before event id `before`: 1, or 0 when none. */
int store_alert_def_before(store_t *s, int64_t target_id, int64_t list_id, int64_t before,
			   store_alert_def_t *out);
/* The last definite event of (target, list) at or before time `at`: 1, or 0 when none. */
int store_alert_def_at(store_t *s, int64_t target_id, int64_t list_id, int64_t at,
		       store_alert_def_t *out);
/* The definite events of (target, list) after time `after` up to event id
 * `upto`, oldest first, into *out (caller frees). Returns how many. */
int store_alert_defs_between(store_t *s, int64_t target_id, int64_t list_id, int64_t after,
			     int64_t upto, store_alert_def_t **out);

/* When the listing that event id `before` ends began: the first "listed"
 * event since the last "clean" one; 0 when unknown. */
int64_t store_alert_listed_since(store_t *s, int64_t target_id, int64_t list_id, int64_t before);

/* A target, a list (zone as stored: it may hold an access key): 1, or 0 when absent. */
int store_alert_target_get(store_t *s, int64_t target_id, store_target_t *out);
int store_alert_list_get(store_t *s, int64_t list_id, store_list_t *out);

/* A target's status on one block list. */
typedef struct {
	char zone[256];
	char name[128];
	status_t status;
} store_alert_block_t;

/* The target's states on block lists, by list name, into *out (caller frees).
 * Returns how many. */
int store_alert_target_blocks(store_t *s, int64_t target_id, store_alert_block_t **out);

/* The state of an active target on a block list (the first-run summary). */
typedef struct {
	int64_t target_id, list_id;
	char zone[256];
	store_state_t state; /* status, since, checked_at and the answer; no pending part */
} store_alert_state_t;

typedef int (*store_alert_state_fn)(void *ud, const store_alert_state_t *st);

/* Calls fn with each state of an active target on a block list, by target then list name. */
int store_alert_states(store_t *s, store_alert_state_fn fn, void *ud);

/* Active targets. */
int64_t store_alert_active_targets(store_t *s);

/* ---- flapping pairs (table alert_flapping) ---- */

typedef struct {
	int64_t target_id, list_id;
	int64_t last_change; /* the last definite event's time, or when it was marked */
} store_alert_flap_t;

/* 1 when (target, list) is marked flapping, 0 when not. */
int store_alert_flap_get(store_t *s, int64_t target_id, int64_t list_id);
int store_alert_flap_add(store_t *s, int64_t target_id, int64_t list_id, int64_t now);
int store_alert_flap_del(store_t *s, int64_t target_id, int64_t list_id);
/* Every flapping pair into *out (caller frees). Returns how many. */
int store_alert_flaps(store_t *s, store_alert_flap_t **out);

/* ---- list health ---- */

/* A change of a list's health, with the one before it. */
typedef struct {
	int64_t id, list_id, at;
	dnsbl_health_t health;
	bool have_prev;             /* false: the list's first recorded health */
	dnsbl_health_t prev;
	char detail[STORE_DETAIL_MAX];
} store_alert_health_t;

/* The health rows after id `after`, oldest first, into *out (caller frees). Returns how many. */
int store_alert_health_after(store_t *s, int64_t after, store_alert_health_t **out);

/* The lists whose health now is dead, wildcard, refused or unreachable, into
 * *out (caller frees). Returns how many. */
int store_alert_lists_unhealthy(store_t *s, store_list_t **out);

/* ---- provider incidents (written by the log watcher) ---- */

#define STORE_ALERT_INCIDENTS_MAX 20 /* incidents read per production */
#define STORE_ALERT_DOMAINS_MAX 30   /* recipient domains per incident */

/* An incident to alert, as recorded (text from the mail log, not yet escaped). */
typedef struct {
	int64_t id, opened, closed;  /* closed 0: still open */
	bool alert_open;             /* its opening was not alerted yet */
	bool alert_close;            /* it closed and its closing was not alerted yet */
	unsigned rejections;
	char provider[256], kind[24], code[256], meaning[256], sending_ip[48];
	char removal[256], advice[600], sample[1024];
	uint16_t ndomains;
	char domains[STORE_ALERT_DOMAINS_MAX][256]; /* most rejections first */
} store_alert_incident_t;

/* Incidents with an opening or closing not alerted yet, oldest first (at most
 * STORE_ALERT_INCIDENTS_MAX), into *out (caller frees). Returns how many. */
int store_alert_incidents(store_t *s, store_alert_incident_t **out);
/* Records that the opening (closing = false) or closing of incident id was alerted at now. */
int store_alert_incident_mark(store_t *s, int64_t id, bool closing, int64_t now);
/* Records what the opening of incident id told: where its sending IP stood (context), and
 * the removal path and advice chosen by it. */
int store_alert_incident_told(store_t *s, int64_t id, const char *context, const char *removal,
			      const char *advice);

/* A listing now of an active target on a block list, with its neighbourhood. */
typedef struct {
	char target[TARGET_NAME_MAX], zone[256], name[128];
	list_scope_t scope;
	int64_t since;
	int64_t asn;                /* -1: not known or not routed */
	char as_name[160], prefix[64];
	uint32_t code;              /* its first code (0: none) */
	char txt[PROBLEM_TXT_MAX];  /* its first TXT record (untrusted), "" when none */
} store_alert_listing_t;

#define STORE_ALERT_LISTINGS_MAX 50

/* The listings of target (or of every active target when target is "") by
 * target then list name, at most STORE_ALERT_LISTINGS_MAX, into *out (caller
 * frees). Returns how many. */
int store_alert_listings(store_t *s, const char *target, store_alert_listing_t **out);

/* 1 when target is an active target, 0 when not. */
int store_alert_target_active(store_t *s, const char *target);

/* The confirmed state of active target on the list recorded with zone: 1 with
 * *status (listed, clean or unchecked) and *checked_at (its last real answer),
 * 0 when there is none. */
int store_alert_state(store_t *s, const char *target, const char *zone, status_t *status,
		      int64_t *checked_at);

/* ---- the queue (table alerts) ---- */

/* Queues one message for one destination, due now. Returns its id. */
int64_t store_alert_enqueue(store_t *s, int64_t now, const char *channel, const char *destination,
			    const char *subject, const char *payload);

/* A queued message. */
typedef struct {
	int64_t id, created;
	unsigned attempts;
	char channel[16], destination[512], subject[700];
	char *payload;              /* caller frees */
} store_alert_queued_t;

/* The first undelivered, not given up message after id `after` whose next
 * attempt is due at now: 1 with *out filled, 0 when none. */
int store_alert_due(store_t *s, int64_t now, int64_t after, store_alert_queued_t *out);
/* The same for one node of a cluster: the row is claimed by node until `until` in the same
 * statement, and no other node's claim returns it before then (PostgreSQL: FOR UPDATE SKIP
 * LOCKED, nodes never wait on each other's claims). A failed attempt ends the claim. Outside
 * a transaction: the claim is committed at once. 1 with *out filled, 0 when none, -1. */
int store_alert_claim(store_t *s, const char *node, int64_t now, int64_t until, int64_t after,
		      store_alert_queued_t *out);

/* A delivered message: one more attempt, accepted at now. */
int store_alert_mark_done(store_t *s, int64_t id, int64_t now);
/* A failed attempt at now: error (stored as is: hide secrets first), the next
 * attempt, and whether the message is given up. Counts one failure of its
 * channel (store_alert_queue_stats). */
int store_alert_mark_failed(store_t *s, int64_t id, int64_t now, const char *error, int64_t next,
			    bool give_up);

/* Deletes messages delivered or given up before `before`. */
int store_alert_prune(store_t *s, int64_t before);

/* ---- the queue as the API and /metrics show it ---- */

/* The channels of the alerts table, always in this order: "email", "webhook"
 * (NULL past the last). Borrowed static strings. */
#define STORE_ALERT_NCHANNELS 2
const char *store_alert_channel(size_t i);

typedef struct {
	int64_t queued;       /* messages waiting: neither delivered nor given up */
	int64_t failures;     /* failed attempts ever (store_alert_mark_failed), a counter that
				 pruning never lowers */
	int64_t given_up;     /* messages given up, as long as the table keeps them */
	char last_error[STORE_REASON_MAX]; /* the latest error of a message still waiting ("":
					      none of them failed) */
	int64_t last_error_at;
} store_alert_channel_stats_t;

typedef struct {
	int64_t queued;       /* of every channel */
	int64_t oldest;       /* when the oldest waiting message was made (0: none waits) */
	store_alert_channel_stats_t channel[STORE_ALERT_NCHANNELS];
} store_alert_queue_stats_t;

/* The queue now, by channel. 0 or -1. */
int store_alert_queue_stats(store_t *s, store_alert_queue_stats_t *out);

/* ---- the resolver's outages (resolver_outages) ---- */

typedef struct {
	int64_t id, started, ended; /* ended 0: still down */
	char resolver[256], reason[STORE_REASON_MAX];
	bool opening;               /* its opening is not alerted yet (else its end is) */
} store_alert_outage_t;

/* The outages whose opening or end is not alerted yet (at most 20, oldest
 * first): the count, with *out (caller frees), or -1. */
int store_alert_outages(store_t *s, store_alert_outage_t **out);
/* Marks the opening (closing false) or the end of outage id as alerted at now. */
int store_alert_outage_mark(store_t *s, int64_t id, bool closing, int64_t now);

#endif
