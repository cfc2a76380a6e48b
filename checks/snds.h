/* snds.h -- Microsoft SNDS documents: their URLs, a strict CSV parse, and results for a target.
 * Pure functions over the documents' text: fetching and keeping them is the caller's (daemon, blmon check). */
#ifndef BLMON_SNDS_H
#define BLMON_SNDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/catalog.h"
#include "checks/dnsbl.h"
#include "checks/target.h"

/* The base of SNDS's automated access; documents are NAME.aspx?key=KEY under it. */
#define SNDS_URL_DEFAULT "https://sendersupport.olc.protection.outlook.com/snds/"
/* A document larger than this is refused (one line per IP: a /16 is about 10 MiB). */
#define SNDS_BODY_MAX (16u * 1024 * 1024)
/* A record longer than this is refused (real ones are under 300 bytes). */
#define SNDS_LINE_MAX 8192
/* Bytes kept of a text field (details, HELO, sender, comments, times). */
#define SNDS_TEXT_MAX 256
/* An account id (snds_account_id): "snds:" and 16 hex digits. */
#define SNDS_ACCOUNT_MAX 24

/* The two documents of a key. */
typedef enum {
	SNDS_IPSTATUS, /* ipStatus.aspx: the ranges Outlook.com blocks */
	SNDS_DATA,     /* data.aspx: one line per IP that sent to Outlook.com that day */
} snds_doc_t;

#define SNDS_NDOCS 2

/* "ipStatus.aspx", "data.aspx" (static). */
const char *snds_doc_name(snds_doc_t d);

/* The ids of the two SNDS lists of the catalog (catalog_data.c). */
#define SNDS_LIST_BLOCK "microsoft-snds"
#define SNDS_LIST_FILTER "microsoft-snds-filter"

/* The document a list of SNDS source reads: data.aspx for the filter result,
 * ipStatus.aspx for the blocklist. */
snds_doc_t snds_list_doc(const catalog_list_t *l);

/* A list's health when its document could not be had: refused when the server
 * answered 401 or 403 (the key), else unreachable. */
dnsbl_health_t snds_fetch_health(long http_code);

/* Whether key looks like an SNDS key (a GUID: 8 to 128 letters, digits and
 * dashes). Nothing else is ever put into a URL. */
bool snds_key_valid(const char *key);

/* The document's URL for key under base ("/" added when base lacks it):
 * BASE/ipStatus.aspx?key=KEY. It holds the key: show it only through
 * curlx_url_shown. 0, or -1 when it does not fit in len bytes. */
int snds_url(const char *base, snds_doc_t doc, const char *key, char *buf, size_t len);

/* A name for what a key's documents are stored under that identifies the key
 * without holding it: "snds:" and a 64-bit digest in hex (SNDS_ACCOUNT_MAX bytes). */
void snds_account_id(const char *key, char *buf);

/* SNDS's filter result of an IP's mail on a day. */
typedef enum { SNDS_GREEN, SNDS_YELLOW, SNDS_RED } snds_filter_t;

/* "GREEN", "YELLOW", "RED" (static). */
const char *snds_filter_name(snds_filter_t f);

/* One line of data.aspx: an IP's traffic to Outlook.com on a day. Strings are
 * borrowed from the set that holds the line (valid until it next changes) and
 * are as SNDS wrote them, control bytes replaced by '?'. */
typedef struct {
	char ip[48];                      /* canonical address */
	const char *activity_start, *activity_end; /* "9/29/2020 8:00 AM" */
	uint64_t rcpt, data, recipients;  /* RCPT and DATA commands, message recipients */
	snds_filter_t filter;
	const char *complaint;            /* "< 0.1%", "2.1%", or "" */
	double complaint_rate;            /* the same as a fraction (0.021); "< x%" counts as 0 */
	const char *trap_start, *trap_end; /* the trap message period, "" when none */
	uint64_t trap_hits;
	const char *helo, *mail_from, *comments; /* sample HELO, JMR P1 sender, comments */
} snds_row_t;

/* The documents of every configured key, as last parsed, and whether each is
 * current: its latest fetch answered (200 or 304), so this copy is the truth
 * now. A document that is not current keeps its last good copy, but results
 * that would need it are failures, never clean. */
typedef struct snds snds_t;

/* A set for naccounts keys (at least 1), every document absent and not
 * current. Caller owns it (snds_free; NULL is fine). */
snds_t *snds_new(size_t naccounts);
void snds_free(snds_t *s);

size_t snds_accounts(const snds_t *s);

/* Parses body (len bytes, not NUL-terminated) as document doc of account i
 * and replaces that document with it only when it is whole and valid: a
 * header-free CSV (quoted fields may hold commas, quotes doubled), every
 * record ended by a line end, ipStatus.aspx records of at least 4 fields,
 * data.aspx of at least 14 (more are ignored; fewer are an error). An HTML
 * page (an error or login page, even with status 200) or a cut-off document
 * is refused. Returns 0, or -1 with err ("line 3: 13 fields, 14 expected ...")
 * and the document left as it was. Does not change whether it is current. */
int snds_parse(snds_t *s, size_t i, snds_doc_t doc, const char *body, size_t len, char *err,
	       size_t errlen);

/* Whether document doc of account i was ever loaded (snds_parse succeeded). */
bool snds_loaded(const snds_t *s, size_t i, snds_doc_t doc);

/* Marks document doc of account i current (why NULL: its fetch answered and
 * it is loaded) or failing, with why (copied: a text without secrets). */
void snds_set_current(snds_t *s, size_t i, snds_doc_t doc, const char *why);

/* Whether doc is current for every account; else *why (borrowed, may be
 * NULL) gets the first failing account's reason. */
bool snds_current(const snds_t *s, snds_doc_t doc, const char **why);

/* The lines of data.aspx of account i: how many, and the n-th. */
size_t snds_rows(const snds_t *s, size_t i);
void snds_row(const snds_t *s, size_t i, size_t n, snds_row_t *out);

/* The data.aspx line of address t in a current document (the first account
 * that has it): true with *out, false when none has it. */
bool snds_find(const snds_t *s, const target_t *t, snds_row_t *out);

/* What the documents say of IPv4 or IPv6 address t for a list of SNDS source:
 * SNDS_IPSTATUS for the blocklist (a blocked range holding t: listed, code
 * 127.0.0.2, its details as TXT), SNDS_DATA for the filter result (RED:
 * listed, 127.0.0.2; YELLOW: listed, 127.0.0.3; GREEN: clean; its comments,
 * when any, as TXT). An address no current document names is clean, with the
 * reason that SNDS covers only the addresses registered to its key -- unless
 * a key's document is not current: then nothing is known (status unknown,
 * the fetch's failure as reason), never clean. out->list is set to list;
 * out->why and out->txt point into buf (len bytes, at least 1024): valid
 * until buf is reused. */
void snds_result(const snds_t *s, snds_doc_t doc, const target_t *t, uint16_t list,
		 dnsbl_result_t *out, char *buf, size_t len);

#endif
