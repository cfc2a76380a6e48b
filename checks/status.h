/* status.h -- what blmon says about a (target, list): its names and the one "worst of" order.
 * Every surface (CLI, API, metrics, alerts, Nagios) compares statuses through this file only. */
#ifndef BLMON_STATUS_H
#define BLMON_STATUS_H

/* The values are ranks: a higher status is worse (status_worse). A check made
 * now (`blmon check`) is listed, clean or unknown; the daemon's confirmed state
 * is listed, clean or unchecked (never answered yet): a failed check is not a
 * state there, its freshness says so beside the state. */
typedef enum {
	STATUS_CLEAN = 0,     /* the list answered: not listed */
	STATUS_UNCHECKED = 1, /* the daemon has no real answer yet */
	STATUS_UNKNOWN = 2,   /* nothing certain: timeout, refusal, error code, unusable list */
	STATUS_LISTED = 3,    /* the list answered with a listing code */
} status_t;

#define STATUS_COUNT 4

/* "clean", "unchecked", "unknown", "listed" (static strings). */
const char *status_name(status_t s);

/* Parses a name as status_name writes it. 0, or -1 when s is none of them. */
int status_parse(const char *s, status_t *out);

/* Whether s is a state an event may move between: listed or clean (unchecked is
 * only ever a beginning, unknown only ever a failed check). */
int status_confirmed(status_t s);

/* The worse of a and b: listed > unknown > unchecked > clean. */
status_t status_worse(status_t a, status_t b);

#endif
