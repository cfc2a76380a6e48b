/* status.h -- what blmon says about a (target, list): its names and the one "worst of" order.
 * Every surface (CLI, API, metrics, alerts, Nagios) compares statuses through this file only. */
#ifndef BLMON_STATUS_H
#define BLMON_STATUS_H

/* The values are ranks: a higher status is worse (status_worse). */
typedef enum {
	STATUS_CLEAN = 0,   /* the list answered: not listed */
	STATUS_UNKNOWN = 1, /* nothing certain: timeout, refusal, error code, unusable list */
	STATUS_LISTED = 2,  /* the list answered with a listing code */
} status_t;

#define STATUS_COUNT 3

/* "clean", "unknown", "listed" (static strings). */
const char *status_name(status_t s);

/* Parses a name as status_name writes it. 0, or -1 when s is none of them. */
int status_parse(const char *s, status_t *out);

/* The worse of a and b: listed > unknown > clean. */
status_t status_worse(status_t a, status_t b);

#endif
