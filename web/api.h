/* api.h -- the JSON API: one document builder per resource, read from the store (schemas/api/).
 * http.c calls these on its read-only store connections; nothing here touches the scheduler. */
#ifndef BLMON_API_H
#define BLMON_API_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/catalog.h"
#include "store/store.h"
#include "store/store_problems.h"

/* What every document builder needs besides the store. */
typedef struct {
	catalog_t *catalog;  /* borrowed, only read: names, code meanings, removal links; may be
				NULL (then every stored list counts as in use) */
	unsigned interval_s; /* the monitor's interval ([monitor] interval) */
	int64_t now;         /* unix seconds of the request */
	unsigned grace_s;    /* [monitor] stale_grace: a state is stale after its list's
				interval plus this (0: two intervals) */
	const char *node;    /* [cluster] node: this node's name (borrowed); NULL when blmon
				runs alone. /metrics labels what this node counts with it */
	unsigned lease_s;    /* [cluster] lease (0 alone): a node that has not renewed for
				this long is lost */
} api_ctx_t;

/* Every builder returns a new cJSON document (caller owns; cJSON_Delete), or
 * NULL with a message in err when the store could not be read. s is borrowed
 * (a STORE_RO connection of the calling thread); each builder reads inside one
 * store_begin/store_commit, so a document is one consistent snapshot. */

/* Page sizes of the paged documents (status, targets, a problem's targets, problems). */
#define API_PAGE_DEFAULT 500
#define API_PAGE_MAX 5000
/* A page also ends, with its "next", before its items would pass these many bytes of JSON
 * (the first item always fits): a page of 500 targets is 500 x the lists in use results,
 * about 1.4 MB with 8 lists, and a problem holds its advice and TXT. What surrounds the
 * items (a status page's summary and lists, a problem) stays within the rest of 1 MiB and
 * 256 KiB. */
#define API_PAGE_BYTES (1024 * 1024 - 64 * 1024)        /* targets */
#define API_PROBLEMS_PAGE_BYTES (256 * 1024 - 16 * 1024) /* problems */
#define API_CURSOR_MAX (1 + 256) /* bytes of a decoded cursor (an ipkey) */

/* GET /api/v1/status (api_status.c): last cycle, resolver, summary (as of the
 * last digest), list health, and a page of active targets in numeric order
 * with their results ("next": the following page's URL, or null).
 * only_problems leaves clean, fresh targets out of the page. */
typedef struct {
	bool only_problems;
	unsigned limit;                  /* 1..API_PAGE_MAX */
	uint8_t after[API_CURSOR_MAX];   /* the cursor: the page after this target */
	size_t afterlen;                 /* 0: the first page */
} api_status_q_t;

cJSON *api_status(store_t *s, const api_ctx_t *c, const api_status_q_t *q, char *err,
		  size_t errlen);

/* A page cursor: an ipkey written as hex ("" when len is 0), and read back.
 * The parse returns 0, or -1 when s is not such a cursor. */
void api_cursor_write(const uint8_t *key, size_t len, char *out, size_t outlen);
int api_cursor_parse(const char *s, uint8_t *key, size_t *len);

/* A page of targets: at most limit (1..API_PAGE_MAX), after the cursor. */
typedef struct {
	unsigned limit;
	uint8_t after[API_CURSOR_MAX];
	size_t afterlen; /* 0: the first page */
} api_page_q_t;

/* GET /api/v1/summary (api_problems.c): targets by standing, problems by
 * scope and ignored, each list in use with its tallies and health, the
 * resolver and the last cycle, as of the last digest; and the alert queue now. */
cJSON *api_summary(store_t *s, const api_ctx_t *c, char *err, size_t errlen);

/* GET /api/v1/problems (api_problems.c): a page of problems worst first. */
typedef struct {
	int scope;          /* a list_scope_t, or -1: any */
	const char *zone;   /* a list's zone or id, or NULL: any */
	bool ignored;       /* the ignored problems instead */
	int64_t after_rank; /* the cursor: the page after this rank (0: the first) */
	unsigned limit;     /* 1..API_PAGE_MAX */
} api_problems_q_t;

/* The document and the next page's URL. 1 with *out set, 0 when zone names no
 * list, -1 with err. */
int api_problems(store_t *s, const api_ctx_t *c, const api_problems_q_t *q, cJSON **out,
		 char *err, size_t errlen);

/* GET /api/v1/problems/{id}: the problem and a page of the targets it
 * affects. 1 with *out, 0 when there is no such problem (any more), -1. */
int api_problem(store_t *s, const api_ctx_t *c, int64_t id, const api_page_q_t *q, cJSON **out,
		char *err, size_t errlen);

/* GET /api/v1/targets: a page of active targets in numeric order. */
typedef struct {
	store_target_filter_t filter;
	const char *status; /* as given, for the next link (NULL: any) */
	const char *zone;   /* only targets this list lists (zone or id), or NULL */
	bool has_prefix;    /* only addresses in net/prefix */
	target_t net;
	unsigned prefix;
	const char *q;      /* only targets whose name contains q, or NULL */
	api_page_q_t page;
} api_targets_q_t;

/* 1 with *out, 0 when zone names no list, -1 with err. */
int api_targets(store_t *s, const api_ctx_t *c, const api_targets_q_t *q, cJSON **out, char *err,
		size_t errlen);

/* ?format=csv (or Accept: text/csv) of GET /api/v1/targets and /api/v1/problems
 * (api_csv.c): the page doc (as api_targets and api_problems made it) as CSV,
 * RFC 4180 with CRLF line ends and a header row: a target per row (its lists
 * joined with "; "), a problem per row. Returns the text (caller frees) and
 * its length. The next page is the caller's to tell (a Link header). */
char *api_csv_targets(const cJSON *doc, size_t *len);
char *api_csv_problems(const cJSON *doc, size_t *len);

/* GET /api/v1/targets/NAME (api_status.c): one target (active or not) and its
 * whole history. Returns 1 with *out set (caller owns), 0 when no such target
 * was ever monitored, -1 with a message in err. */
int api_target(store_t *s, const api_ctx_t *c, const char *name, cJSON **out, char *err,
	       size_t errlen);

/* GET /api/v1/events (api_events.c). */
typedef enum { API_SOURCE_ANY, API_SOURCE_DNSBL, API_SOURCE_INCIDENT } api_source_t;

typedef struct {
	int64_t since;      /* events at or after this time; 0: all */
	int64_t before;     /* the `next` cursor's id; 0: from the newest */
	unsigned limit;     /* 1..API_EVENTS_MAX */
	const char *target; /* only this target's DNSBL events; NULL: any (and incidents) */
	const char *zone;   /* only this list's DNSBL events (zone or list id); NULL: any */
	api_source_t source;
	int64_t before_at;  /* the cursor's time; 0: `before` is a bare DNSBL event id (old URLs) */
	int before_seq;     /* the cursor's source: 0 DNSBL, 1 incident opened, 2 incident closed */
	bool changes;       /* real changes only: no first answer that found a target clean */
} api_events_t;

#define API_EVENTS_DEFAULT 50
#define API_EVENTS_MAX 500

/* "dnsbl" or "incident" as the `source` parameter spells it; "" for API_SOURCE_ANY. */
const char *api_source_name(api_source_t src);
/* Parses a `source` parameter. 0, or -1 when it is neither name. */
int api_source_parse(const char *s, api_source_t *out);

/* DNSBL state changes and provider incidents opened and closed, newest first
 * (by time, then source, then id), and `next`, the URL of the following page
 * (null on the last). */
cJSON *api_events(store_t *s, const api_ctx_t *c, const api_events_t *q, char *err,
		  size_t errlen);

/* GET /api/v1/lists (api_lists.c): the catalog with health, codes, planned
 * queries per day against each list's budget, and the queries of today's cycles. */
cJSON *api_lists(store_t *s, const api_ctx_t *c, char *err, size_t errlen);

/* GET /api/v1/asns (api_lists.c): the ASNs of the monitored addresses, their
 * addresses and network/ASN-scope listings. Empty until ASN data exists. */
cJSON *api_asns(store_t *s, const api_ctx_t *c, char *err, size_t errlen);

/* GET /api/v1/cluster (api_cluster.c): the nodes of a cluster ([cluster]), each with its
 * last renewal, whether it can check, its shards and whether it coordinates; no nodes when
 * blmon runs alone. */
cJSON *api_cluster(store_t *s, const api_ctx_t *c, char *err, size_t errlen);

/* GET /api/v1/incidents (api_incidents.c): provider incidents newest first (at
 * most limit), each with its recipient domains. */
#define API_INCIDENTS_DEFAULT 50
#define API_INCIDENTS_MAX 500
cJSON *api_incidents(store_t *s, const api_ctx_t *c, unsigned limit, char *err, size_t errlen);

/* GET /healthz (api_health.c): healthy unless no cycle has finished yet, the
 * last one ended more than max_age seconds ago (the monitor is stuck or
 * stopped), nothing could be checked for longer than max_age (the last cycle
 * with a real answer is older), the resolver is down (an open outage), or the
 * daemon reports a problem (problem: its text, "" when none). Returns 1
 * healthy, 0 not (the document's "reason" says why), -1 on error; *out is set
 * (caller owns) unless -1. */
#define API_HEALTH_MIN_AGE 10
int api_health(store_t *s, const api_ctx_t *c, unsigned max_age, const char *problem, cJSON **out,
	       char *err, size_t errlen);
/* The unhealthy document for when the store cannot be read at all (why: the
 * reason shown, e.g. "database: ..."). Caller owns the result. */
cJSON *api_health_unreadable(const api_ctx_t *c, unsigned max_age, const char *why);

#endif
