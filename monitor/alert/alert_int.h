/* alert_int.h -- what the alert room's files share: the alert's fields, gathering items, queueing.
 * Only monitor/alert/ includes this; the scheduler and the CLI see alert.h. */
#ifndef BLMON_ALERT_INT_H
#define BLMON_ALERT_INT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "monitor/alert/alert.h"
#include "monitor/alert/alert_msg.h"
#include "store/store_alert.h"

struct alert {
	const config_t *cfg;         /* borrowed; replaced by alert_set_config */
	store_t *store;              /* borrowed: the scheduler's connection */
	volatile sig_atomic_t *stop; /* borrowed, may be NULL */
	int64_t pruned;              /* when the queue was last pruned */
	bool failed;                 /* a store call failed in this production or delivery */
};

/* ---- alert.c: what every producer shares ---- */

/* Passes rc of a store call through; a failure (negative) is logged once per
 * production or delivery and remembered in a->failed. */
int64_t alert_db(alert_t *a, int64_t rc);

/* Is zone one of the lists the config checks now (or a DROP list in use)? */
bool alert_zone_in_use(const config_t *c, const char *zone);
/* How many lists the config checks now. */
unsigned alert_lists_in_use(const config_t *c);

/* A new, zeroed item of kind in m (its array grows, cap is its capacity), or
 * NULL when m already details ALERT_MSG_MAX_ITEMS (the item is then only
 * counted). Borrowed: valid until the next alert_item_add on m. */
alert_item_t *alert_item_add(alert_msg_t *m, size_t *cap, alert_item_kind_t kind);
/* Fills it's list (zone as shown) and the config's list of it. */
void alert_item_list(alert_t *a, alert_item_t *it, int64_t list_id);
/* Fills it's target, neighbourhood and overall status over the block lists in use. */
void alert_item_target(alert_t *a, alert_item_t *it, int64_t target_id);

/* ---- alert.c: a (target, list) pair for problems and [ignore] rules ---- */

typedef struct {
	store_target_t row;
	target_t t;                 /* the target as the checks see it (from: NULL) */
	store_list_t list;          /* as stored: its zone may hold an access key */
	const catalog_list_t *cat;  /* the config's list (borrowed), NULL when not in use */
} alert_pair_t;

/* Loads the target and the list of a pair. 0, or -1 on a database error. */
int alert_pair_load(alert_t *a, int64_t target_id, int64_t list_id, alert_pair_t *p);
/* Does an [ignore] rule cover a listing of p with these codes? */
bool alert_pair_ignored(alert_t *a, const alert_pair_t *p, const uint32_t *codes, uint8_t ncodes);
/* Folds a listing of p (what it answered, since when, whether stale) into m's
 * problems; the origin AS is looked up for network and AS scopes only. */
void alert_pair_fold_listing(alert_t *a, alert_msg_t *m, const alert_pair_t *p,
			     const store_answer_t *ans, int64_t since, bool stale);
/* Folds another change of p (kind, the state now, when) into m's groups; it is
 * its detailed item, or NULL when m details no more. */
void alert_pair_fold_change(alert_t *a, alert_msg_t *m, const alert_pair_t *p, alert_item_kind_t kind,
			    status_t to, int64_t at, const alert_item_t *it);

/* ---- alert_changes.c: confirmed changes ---- */

/* Queues the flapping pairs that settled and the batches of changes after
 * event *last whose window has closed; advances *last past what it consumed.
 * Returns rows queued. */
int alert_changes_produce(alert_t *a, int64_t now, int64_t *last);

/* ---- alert_incident.c: provider incidents ---- */

/* Queues one message per incident opened or closed and not alerted yet, and
 * marks it alerted. Returns rows queued. */
int alert_incident_produce(alert_t *a, int64_t now);

/* The resolver's outages not told yet: one message when one begins, one when
 * it ends (alert_resolver.c). Returns rows queued. */
int alert_resolver_produce(alert_t *a, int64_t now);

/* ---- alert_queue.c: the queue ---- */

/* Queues m (m->created = now) once per configured channel destination.
 * Returns rows queued. */
int alert_queue_add(alert_t *a, alert_msg_t *m, int64_t now);
/* Deletes rows delivered or given up longer than the retention ago, at most
 * once an hour. */
void alert_queue_prune(alert_t *a, int64_t now);
/* A unique Message-ID token into buf: time, a sequence and random bytes. */
void alert_queue_token(char *buf, size_t len, int64_t now, int64_t seq);

#endif
