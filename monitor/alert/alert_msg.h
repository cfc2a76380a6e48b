/* alert_msg.h -- what an alert says: subject, plain-text body, RFC 5322 mail and webhook JSON.
 * Pure formatting over items the producers (alert*.c) gathered from the database: no I/O. */
#ifndef BLMON_ALERT_MSG_H
#define BLMON_ALERT_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/catalog.h"
#include "checks/result.h"
#include "checks/status.h"
#include "monitor/config.h"
#include "store/store.h"
#include "store/store_alert.h"

/* Detailed items per message at most; the rest are only counted. */
#define ALERT_MSG_MAX_ITEMS 100

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

typedef struct {
	alert_msg_kind_t kind;
	int64_t created;
	alert_item_t *items; /* at most ALERT_MSG_MAX_ITEMS */
	size_t n;
	/* everything the message is about, detailed or not */
	unsigned total, total_listed, total_delisted;
	/* summary: what is watched */
	unsigned ntargets, nlists, nunknown;
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
