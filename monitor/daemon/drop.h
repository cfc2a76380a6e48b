/* drop.h -- Spamhaus DROP lists (IPv4, IPv6, ASN): conditional HTTP fetch, strict NDJSON parse, lookups.
 * Storage of the last good copy is the caller's: fetch hands back body + validators, parse reads a stored body. */
#ifndef BLMON_DROP_H
#define BLMON_DROP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "checks/target.h"
#include "lib/curlx.h"

#define DROP_URL_V4  "https://www.spamhaus.org/drop/drop_v4.json"
#define DROP_URL_V6  "https://www.spamhaus.org/drop/drop_v6.json"
#define DROP_URL_ASN "https://www.spamhaus.org/drop/asndrop.json"

/* Spamhaus firewalls clients that download more often than this. */
#define DROP_FETCH_INTERVAL_MIN 3600
/* A body larger than this is refused by fetch and parse (real files are ~100 KiB). */
#define DROP_BODY_MAX (16u * 1024 * 1024)
/* A line longer than this is refused by parse (real lines are under 200 bytes). */
#define DROP_LINE_MAX 4096
/* Networks wider than these are refused: a corrupt 0.0.0.0/0 must not list the world. */
#define DROP_MIN_PREFIX_V4 8
#define DROP_MIN_PREFIX_V6 16

typedef enum { DROP_V4, DROP_V6, DROP_ASN } drop_kind_t;

/* The three lists in memory; each kind is replaced independently by
 * drop_parse. Read-only between parses: lookups may run concurrently with each
 * other but not with drop_parse on the same set (the caller locks). */
typedef struct drop_set drop_set_t;

/* Returns an empty set; caller owns it (drop_set_free). Never NULL. */
drop_set_t *drop_set_new(void);
/* Frees set and every string lookups handed out; accepts NULL. */
void drop_set_free(drop_set_t *set);

/* Whether kind has been loaded; if so, *records and *timestamp (the metadata
 * line's, seconds since the epoch) are set when non-NULL. */
bool drop_set_info(const drop_set_t *set, drop_kind_t kind, size_t *records, long long *timestamp);

/* Parses a whole NDJSON body of kind into set, replacing that kind only.
 * Strict: every line must be a JSON object with the required fields (v4/v6:
 * "cidr" as a network of that family no wider than DROP_MIN_PREFIX_*, and
 * "sblid" as 1..63 printable ASCII; ASN: "asn" as an integer 1..4294967295,
 * and "asname" a string if present), no empty lines except a final newline,
 * and the last line must be {"type":"metadata",...} whose "records" equals the
 * number of data lines. Host bits set in a cidr are masked, not refused.
 * body need not be NUL-terminated; it is borrowed for the call only.
 * Returns 0, or -1 with a message in err ("line 17: bad cidr", "truncated:
 * metadata says 1234 records, got 1000") and set left exactly as it was. */
int drop_parse(drop_kind_t kind, const char *body, size_t len, drop_set_t *set, char *err,
	       size_t errlen);

/* Longest-prefix match of an IPv4 or IPv6 target (a domain never matches)
 * against the list of its family. True if listed; *sblid_out (if non-NULL) gets
 * the SBL id, borrowed from set and valid until the next drop_parse of that
 * kind or drop_set_free, or NULL when not listed. No allocation. */
bool drop_match_ip(const drop_set_t *set, const target_t *ip, const char **sblid_out);

/* Exact match of an AS number against the ASN-DROP list. True if listed;
 * *asname_out (if non-NULL) gets the AS name ("" when the file had none),
 * borrowed as for drop_match_ip, or NULL when not listed. The name is
 * untrusted text: escape it before display (text_escape_term). */
bool drop_match_asn(const drop_set_t *set, uint32_t asn, const char **asname_out);

/* True when a download is allowed: at least DROP_FETCH_INTERVAL_MIN seconds
 * since the last attempt (successful or not; 0 = never), or the clock went back. */
bool drop_fetch_due(time_t last_attempt, time_t now);

/* curlx_get of a DROP file (lib/curlx.h): conditional on etag and last_modified
 * when non-NULL, giving up after timeout_s seconds (0 = 60); a body over
 * DROP_BODY_MAX is an error. 0 (CURLX_GET_NEW or _NOT_MODIFIED) or -1 (message
 * in err). The result's strings are owned by *result: release with
 * curlx_get_free, on every path. */
int drop_fetch(const char *url, const char *etag, const char *last_modified, int timeout_s,
	       curlx_get_t *result, char *err, size_t errlen);

#endif
