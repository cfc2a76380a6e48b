/* alert_msg.h -- what an alert says: subject, plain-text body, RFC 5322 mail and webhook JSON.
 * Pure formatting over items and the fold of them the producers (alert*.c) gathered: no I/O. */
#ifndef BLMON_ALERT_MSG_H
#define BLMON_ALERT_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/catalog.h"
#include "checks/problem.h"
#include "checks/result.h"
#include "checks/status.h"
#include "monitor/config.h"
#include "store/store.h"
#include "store/store_alert.h"

/* Detailed items per message at most; the rest are only counted. */
#define ALERT_MSG_MAX_ITEMS 100
/* Problems a message details at most (a paragraph each in the text, an object
 * each in the webhook's "problems"); the rest are only counted. */
#define ALERT_MSG_MAX_PROBLEMS 25
/* A subject is cut to this many bytes (the worst problem's headline gives way). */
#define ALERT_MSG_SUBJECT_MAX 160

typedef enum {
	ALERT_ITEM_LISTED,   /* clean (or never seen) -> listed */
	ALERT_ITEM_DELISTED, /* listed -> clean */
	ALERT_ITEM_CHANGED,  /* listed -> listed with other codes */
	ALERT_ITEM_EXISTING, /* first-run summary: already listed */
	ALERT_ITEM_FLAPPING, /* too many changes: reported once, then quiet */
	ALERT_ITEM_SETTLED,  /* a flapping pair that stopped changing */
	ALERT_ITEM_LIST_PROBLEM, /* a list went dead, wildcard, refused or unreachable */
	ALERT_ITEM_LIST_OK,      /* ... and is ok again */
	ALERT_ITEM_INCIDENT_OPEN,   /* a provider rejects our mail (the MTA log, incident.c) */
	ALERT_ITEM_INCIDENT_CLOSED, /* ... and accepts it again */
	ALERT_ITEM_RESOLVER_DOWN,   /* the resolver does not answer: nothing can be checked */
	ALERT_ITEM_RESOLVER_UP,     /* ... and answers again */
} alert_item_kind_t;

typedef enum {
	ALERT_MSG_CHANGES,
	ALERT_MSG_SUMMARY,
	ALERT_MSG_HEALTH,
	ALERT_MSG_INCIDENT, /* one provider incident, opened or closed */
	ALERT_MSG_RESOLVER, /* the resolver's outage began or ended: one message, not one per target */
	ALERT_MSG_TEST,     /* `blmon alert test`: proves a channel works; never queued */
} alert_msg_kind_t;

/* One thing that happened, with what a person needs to act on it. */
typedef struct {
	alert_item_kind_t kind;
	int64_t at;         /* when it was recorded */
	int64_t since;      /* the current status's start (0: unknown) */
	int64_t prev_since; /* delisting: when the listing began (0: unknown) */
	store_target_t target;      /* name, type, the host or domain it was found through */
	store_list_t list;          /* as stored; its zone as shown (an access key masked) */
	const catalog_list_t *cat;  /* the config's list (borrowed); NULL when not configured */
	status_t to;                /* the status now */
	store_answer_t ans;         /* what the list answered: codes, TXT (untrusted), reason */
	bool have_prev;             /* false for a first observation, a summary, a settling */
	store_alert_def_t prev;     /* the previous definite status (`from`) and its codes */
	/* neighbourhood (IP targets) */
	bool have_asn;
	store_asn_t asn;            /* asn -1: not routed */
	/* the target's overall state now, over the block lists in use */
	result_tally_t tally;
	char listed_on[512];        /* names of the lists it is listed on */
	/* flapping */
	unsigned changes, window_s;
	/* list health */
	dnsbl_health_t health;
	bool have_prev_health;      /* false: the list's first recorded health */
	dnsbl_health_t prev_health;
	char detail[STORE_DETAIL_MAX];
	/* provider incident: what the incidents row says (sample escaped already) */
	int64_t incident_id, closed;
	unsigned rejections;
	char provider[128], provider_name[128], rkind[24], rcode[32], sending_ip[48];
	char meaning[256], removal[256], advice[600], sample[1024];
	char domains[1024]; /* recipient domains, ", "-separated */
	char dnsbl[1024];   /* the sending IP's DNSBL listings now, for people */
	/* resolver outage: at is when it began, closed when it ended (0: not yet) */
	char resolver[256];
} alert_item_t;

/* ---- a message's changes folded (alert_fold.c): listings as problems, the rest grouped ---- */

/* Memory grows with the targets folded in (32 bytes each, kept for their
 * ranges; a whole target each for one problem while its ranges are written),
 * never with the text: a whole /16 is one problem and its ranges. Every
 * target is kept, so ranges are exact; what is written of them is bounded by
 * the caller's buffer. */
typedef struct alert_fold alert_fold_t;

/* A group of changes that are not new listings: one kind (delisted, changed,
 * flapping, settled) on one list (and, for settled, one state). */
typedef struct {
	alert_item_kind_t kind;
	char list[128];       /* the list's name */
	char zone[256];       /* as shown (an access key masked) */
	status_t to;          /* the state now */
	unsigned count;       /* changes in it */
	int64_t first_at, last_at;
	long item;            /* the message's detailed item of its first change, -1: none */
} alert_fold_group_t;

/* An empty fold (caller owns; alert_fold_free). */
alert_fold_t *alert_fold_new(void);
void alert_fold_free(alert_fold_t *f);

/* Folds a listing, r of target t, into its problem; asn (may be NULL) is the
 * target's origin AS as looked up: the AS of an asn-scope listing when its
 * TXT names none, and the provider a network or AS problem names. Listings
 * ignored by [ignore] rules are the caller's to leave out. Returns 1 when r
 * is a problem (a listing of a block list), else 0. */
int alert_fold_listing(alert_fold_t *f, const result_t *r, const target_t *t, const store_asn_t *asn);

/* Folds another change of target t, described by one (count, first_at and
 * last_at are set here; at is one->first_at), into the group of its kind,
 * zone and state. */
void alert_fold_change(alert_fold_t *f, const alert_fold_group_t *one, const target_t *t);

/* The problems, worst first (problem_set_sorted). Borrowed until f changes. */
problem_t *const *alert_fold_problems(alert_fold_t *f, size_t *n);

/* The origin AS of p's first affected target that had one, or NULL (borrowed). */
const store_asn_t *alert_fold_problem_asn(const alert_fold_t *f, const problem_t *p);

/* How many groups; the i-th (i < that) in order delisted, changed, flapping,
 * settled, then by list name. Borrowed until f changes. */
size_t alert_fold_ngroups(alert_fold_t *f);
const alert_fold_group_t *alert_fold_group(alert_fold_t *f, size_t i);

/* The targets of problem p (one of f's) or of group i as ranges in numeric
 * order, "203.0.113.1-203.0.113.16, 203.0.113.20" (target_ranges): at most
 * len - 1 bytes, ending in "..." when not all fit. */
void alert_fold_problem_ranges(alert_fold_t *f, const problem_t *p, char *buf, size_t len);
void alert_fold_group_ranges(alert_fold_t *f, size_t i, char *buf, size_t len);

/* ---- a message ---- */

typedef struct {
	alert_msg_kind_t kind;
	int64_t created;
	alert_item_t *items; /* at most ALERT_MSG_MAX_ITEMS */
	size_t n;
	/* everything the message is about, detailed or not */
	unsigned total, total_listed, total_delisted;
	/* changes, summary: every change of the message folded, listings into
	 * problems (above); NULL: the items alone are told. The producer's. */
	alert_fold_t *fold;
	/* summary: what is watched, and the listings [ignore] rules leave out */
	unsigned ntargets, nlists, nunknown, nignored;
	/* test: the host `blmon alert test` ran on and the config it read (borrowed) */
	const char *test_host, *test_config;
} alert_msg_t;

/* The subject without prefix, e.g. "192.0.2.20 LISTED on UCEPROTECT Level 1". */
void alert_msg_subject(const alert_msg_t *m, char *buf, size_t len);

/* The plain-text body (UTF-8, "\n" line ends). Caller frees. */
char *alert_msg_text(const alert_msg_t *m);

/* The webhook document (schemas/alert.schema.json), unformatted. Caller frees. */
char *alert_msg_json(const alert_msg_t *m);

/* A whole RFC 5322 message (CRLF line ends) from c's from and subject_prefix,
 * to the recipients `to` (the email channel's destination, alert_email_destination);
 * msgid_token makes the Message-ID unique. Caller frees. */
char *alert_msg_email(const alert_msg_t *m, const config_t *c, const char *to,
		      const char *msgid_token);

/* ---- building blocks, tested on their own ---- */

/* Quoted-printable (RFC 2045) of text with "\n" line ends: CRLF lines of at
 * most 76 characters. Caller frees. */
char *alert_qp_encode(const char *text);

/* "Name: value" for a header, value as RFC 2047 encoded words when it is not
 * plain ASCII, folded so no line passes 78 characters; no trailing CRLF. */
void alert_header(const char *name, const char *value, char *buf, size_t len);

#endif
