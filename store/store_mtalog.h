/* store_mtalog.h -- the mail-log room's data: where each log was read up to, rejections, recipient domains, incidents.
 * monitor/mtalog writes them on the scheduler's connection inside its transactions; `blmon reroute` reads the domains. */
#ifndef BLMON_STORE_MTALOG_H
#define BLMON_STORE_MTALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/reject_rules.h"
#include "store/store.h"

/* Errors as in store.h: -1 with the message in store_error(). Strings in the
 * rows given to these functions are borrowed for the call only. */

/* The schema migration that made these tables (schemas/store.sql). */
#define STORE_MTALOG_SCHEMA 3

/* ---- followed files (logwatch_files) ---- */

/* Where a followed file was read up to. */
typedef struct {
	int64_t inode;
	int64_t size;    /* the file's size when the offset was saved */
	int64_t offset;  /* just after the last complete line consumed */
	int64_t updated; /* when it was saved */
} store_logfile_t;

/* 1 with *out filled, 0 when path was never saved (*out zeroed), -1. */
int store_logfile_get(store_t *s, const char *path, store_logfile_t *out);
/* Saves (replaces) path's position. */
int store_logfile_put(store_t *s, const char *path, const store_logfile_t *in);

/* ---- what the log's delivery results showed ---- */

/* A recipient domain as one delivery result showed it. */
typedef struct {
	const char *domain;   /* lower case, not "" */
	const char *provider; /* who answered for it (reject_t's provider) */
	const char *relay;    /* the remote host; "" keeps the provider and relay already known */
	bool sent;            /* the mail was delivered */
	bool rejected;        /* a deferral or bounce with the remote server's reply */
} store_log_domain_t;

/* Records d as seen at now: first and last seen, sent and rejected counts. */
int store_log_domain_seen(store_t *s, const store_log_domain_t *d, int64_t now);

/* The recipient domains seen (untrusted text from the log), in name order, at
 * most max. On success *out holds *n NUL-terminated names (NULL when none);
 * caller owns them (store_log_domains_free). On failure *out is NULL, *n 0. */
int store_log_domains(store_t *s, size_t max, char ***out, size_t *n);
void store_log_domains_free(char **domains, size_t n);

/* One rejection: a deferral or bounce that carried the remote server's reply. */
typedef struct {
	int64_t at;             /* when the line was read */
	const reject_t *reject; /* what the reply means: provider, kind, code, sending IP */
	bool bounced;           /* else deferred */
	const char *domain;     /* recipient domain ("" when unknown) */
	const char *relay;      /* remote host ("" when unknown) */
	const char *line;       /* the log line, already escaped and bounded by the caller */
} store_rejection_t;

/* Appends a rejection and counts it in the provider's per-kind totals
 * (rejection_counts, which pruning never lowers). */
int store_rejection_add(store_t *s, const store_rejection_t *rej);

/* How many rejections of provider after since are of a kind that counts
 * towards an incident (reject_kind_incident). The count, or -1. */
int64_t store_rejections_recent(store_t *s, const char *provider, int64_t since);

/* Deletes rejection rows from before `before` (the totals stay). */
int store_rejections_prune(store_t *s, int64_t before);

/* ---- provider incidents ---- */

#define STORE_PROVIDER_MAX 128 /* as reject_t's provider */

/* An open incident as the rule that closes it sees it. */
typedef struct {
	int64_t id;
	char provider[STORE_PROVIDER_MAX];
	int64_t last_rejection;
	int64_t last_sent; /* the last delivery to the provider after last_rejection */
} store_incident_open_t;

/* The id of provider's open incident: 1 with *id set, 0 none (*id 0), -1. */
int store_incident_open_get(store_t *s, const char *provider, int64_t *id);

/* Opens an incident of r->provider at now with r's kind, code, meaning,
 * sending IP, removal path and advice, sample (escaped log line) and
 * `rejections` so far; the recipient domains are those of the provider's
 * incident-kind rejections after since. Returns the new id, or -1. */
int64_t store_incident_open(store_t *s, const reject_t *r, const char *sample,
			    int64_t rejections, int64_t since, int64_t now);

/* Counts one more rejection in incident id at now: it is no longer quiet
 * (its last delivery is forgotten), sending_ip fills the incident's when that
 * is not known yet ("" none), and domain ("" none) is added to its domains. */
int store_incident_extend(store_t *s, int64_t id, const char *sending_ip, const char *domain,
			  int64_t now);

/* Mail to provider was delivered at now: notes it on its open incident (if any). */
int store_incident_delivered(store_t *s, const char *provider, int64_t now);

/* The open incidents quiet since `since` (no rejection after it) with a
 * delivery after their last rejection: at most max of them into out. The
 * number found, or -1. */
int store_incidents_quiet(store_t *s, int64_t since, store_incident_open_t *out, size_t max);

/* Closes incident id at now. */
int store_incident_close(store_t *s, int64_t id, int64_t now);

#endif
