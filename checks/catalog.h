/* catalog.h -- the blocklists blmon knows: DNS zones (and Microsoft SNDS), return codes and what they mean.
 * Built-in rows live in catalog_data.c; config may add lists, codes and keys. */
#ifndef BLMON_CATALOG_H
#define BLMON_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/dataset.h"

typedef enum { LIST_BLOCK, LIST_ALLOW, LIST_INFO } list_kind_t;
typedef enum { SCOPE_IP, SCOPE_NETWORK, SCOPE_ASN, SCOPE_DOMAIN } list_scope_t;
typedef enum { QTYPE_IP, QTYPE_DOMAIN } list_qtype_t;
/* Where a list's answers come from. DNS lists are queried by the c-ares engine
 * (checks/dnsbl.c) with their test points; SNDS lists are read from the
 * documents of Microsoft's SNDS automated access ([snds] key, checks/snds.c)
 * and never reach the DNS engine. Both give the same results (result_t). */
typedef enum { SOURCE_DNS, SOURCE_SNDS } list_source_t;
/* How much mail a listing costs: problems are ordered by it (most first). */
typedef enum { SEVERITY_HIGH, SEVERITY_MEDIUM, SEVERITY_LOW } list_severity_t;

/* What an A answer matching a code row means. */
typedef enum {
	CODE_LISTED,  /* a listing */
	CODE_NEUTRAL, /* an answer that is not a listing (e.g. a good-reputation grade) */
	CODE_ERROR,   /* a refusal or error code: the answer says nothing about the target */
} code_class_t;

/* A code row: each octet of the answer must lie in [lo, hi]. */
typedef struct {
	uint8_t lo[4], hi[4];
	code_class_t cls;
	char *meaning;
} catalog_code_t;

typedef struct {
	char *id;        /* short stable name, e.g. "spamhaus-zen" */
	char *zone_tmpl; /* zone as written, may hold "{key}" */
	char *zone;      /* zone queried ({key} substituted), NULL while a key is missing */
	char *name;      /* display name */
	char *removal;   /* removal URL template ("{target}" substituted), or NULL */
	char *key;       /* access key for keyed zones, or NULL */
	list_kind_t kind;
	list_qtype_t qtype;
	list_scope_t scope;
	list_severity_t severity; /* default medium for a [list] of the config */
	list_source_t source;     /* DNS for every [list] of the config */
	bool ipv4, ipv6;
	bool builtin;
	bool enabled;          /* in the run set (after [lists] and config rules) */
	unsigned budget;       /* free-use queries per day, 0 = none known */
	unsigned interval_s;   /* per-list check interval, 0 = the monitor's */
	double rate;           /* queries per second at most, 0 = no limit */
	char *test_listed;     /* the published entry that must be listed (an address or a
				  name), or NULL: RFC 5782's 127.0.0.2 / TEST */
	char *test_clean;      /* ... that must not be listed, or NULL: 127.0.0.1 / INVALID */
	catalog_code_t *codes;
	size_t ncodes, capcodes;
	dataset_zone_t *dataset; /* the data files that answer this list instead of DNS
				    (config `dataset`; owned), or NULL: DNS. A list with
				    datasets never sends a query, whether its data loaded or not */
} catalog_list_t;

/* Default pace of built-in keyless lists, queries per second. */
#define CATALOG_PUBLIC_RATE 100.0

typedef struct {
	catalog_list_t *lists;
	size_t n, cap;
} catalog_t;

/* Returns a new catalog with every built-in list (caller owns; catalog_free).
 * Keyless DNS lists start enabled; keyed ones and SNDS lists disabled (zone
 * NULL) until a key is given. */
catalog_t *catalog_new_builtin(void);

/* Makes the SNDS lists usable (zone set, enabled): the config has an [snds]
 * key. [lists] rules apply after this. */
void catalog_snds_enable(catalog_t *c);
void catalog_free(catalog_t *c);

/* Finds a list by id, zone template, or queried zone. Borrowed pointer, valid
 * until the catalog changes; NULL when none matches. */
catalog_list_t *catalog_find(catalog_t *c, const char *name);

/* Adds an empty user list for zone (defaults: block, ip, scope ip, IPv4 only).
 * Returns it (borrowed; valid until the next catalog_add). */
catalog_list_t *catalog_add(catalog_t *c, const char *zone);

/* Parses "127.0.0.2 Meaning text" (octets may be "*" or "a-b") and appends
 * the row to l. Returns 0, or -1 with a message in err. */
int catalog_code_add(catalog_list_t *l, const char *spec, code_class_t cls,
		     char *err, size_t errlen);

/* Parses the address part of a code row ("127.0.0.10-11", "127.0.2.*"; addrlen
 * bytes of addr) into out (no class, no meaning). 0, or -1 when it is none. */
int catalog_code_parse(const char *addr, size_t addrlen, catalog_code_t *out);

/* A code row as written in config ("127.0.0.2", "127.0.0.10-13", "127.0.2.*"). */
void catalog_code_str(const catalog_code_t *k, char *buf, size_t len);
/* "listed", "neutral", "error". */
const char *catalog_code_class_name(code_class_t cls);

/* Sets l's key and resolves l->zone; 0 or -1 if the template has no {key}. */
int catalog_set_key(catalog_list_t *l, const char *key, char *err, size_t errlen);

/* Finds the rows matching a (host-order) IPv4 answer. Writes up to max row
 * pointers (borrowed) into out; returns how many matched. */
size_t catalog_codes_match(const catalog_list_t *l, uint32_t a, const catalog_code_t **out,
			   size_t max);

/* The zone as it may be shown (logs, mail, webhooks, API, metrics): a keyed
 * zone shows its template ("{key}.zen.dq.spamhaus.net"), never the key. zone is
 * the zone as queried or stored; l (may be NULL) the list it belongs to, or
 * the catalog is searched when c is given. Borrowed from l or zone. */
const char *catalog_zone_shown(const catalog_list_t *l, const char *zone);
const char *catalog_zone_shown_in(catalog_t *c, const char *zone);

/* Writes the removal URL for target into buf; returns 0, or -1 if none. */
int catalog_removal_url(const catalog_list_t *l, const char *target, char *buf, size_t len);

const char *catalog_kind_name(list_kind_t k);
const char *catalog_scope_name(list_scope_t s);
const char *catalog_qtype_name(list_qtype_t q);
const char *catalog_severity_name(list_severity_t s);
const char *catalog_source_name(list_source_t s); /* "dns", "snds" */
int catalog_kind_parse(const char *s, list_kind_t *out);
int catalog_scope_parse(const char *s, list_scope_t *out);
int catalog_qtype_parse(const char *s, list_qtype_t *out);
int catalog_severity_parse(const char *s, list_severity_t *out);

/* ---- the built-in table (catalog_data.c, the one place maintainers edit) ---- */

struct catalog_code_def {
	const char *spec; /* "127.0.0.2 Meaning", octets may be "*" or "a-b" */
	code_class_t cls;
};

struct catalog_def {
	const char *id, *zone, *name;
	list_kind_t kind;
	list_qtype_t qtype;
	list_scope_t scope;
	bool ipv6;
	unsigned budget;
	const char *removal;
	const struct catalog_code_def *codes; /* terminated by a NULL spec */
	const char *test_listed, *test_clean;  /* NULL: RFC 5782's */
	list_severity_t severity;
	list_source_t source;                  /* left out: DNS */
};

extern const struct catalog_def catalog_builtin[];
extern const size_t catalog_builtin_count;

#endif
