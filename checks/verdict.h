/* verdict.h -- turns one DNS answer from one list into listed / clean / unknown.
 * Pure functions over the catalog: no I/O, so every rule is unit-tested. */
#ifndef BLMON_VERDICT_H
#define BLMON_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "checks/catalog.h"
#include "checks/status.h"

/* Why a verdict is what it is; formatted by verdict_reason(). */
typedef enum {
	REASON_NONE = 0,
	REASON_NXDOMAIN,     /* clean: not listed */
	REASON_NODATA,       /* clean: name exists but has no A record */
	REASON_NEUTRAL,      /* clean: answered only with non-listing codes */
	REASON_LISTED,       /* listed */
	REASON_ERROR_CODE,   /* a refusal/error code of the list */
	REASON_OUTSIDE_127,  /* an answer outside 127.0.0.0/8: hijacked or expired zone */
	REASON_LOOPBACK,     /* 127.0.0.1 is never a listing */
	REASON_TIMEOUT,
	REASON_SERVFAIL,
	REASON_REFUSED,
	REASON_CONNREFUSED,
	REASON_DNS_OTHER,    /* any other resolver failure */
	REASON_BADNAME,      /* the query name could not be built */
	REASON_LIST_DEAD,    /* the list failed its test points this run */
	REASON_LIST_WILDCARD,
	REASON_LIST_REFUSED,
	REASON_LIST_UNREACHABLE,
	REASON_NOT_RUN,      /* the run stopped before this query */
} verdict_reason_t;

#define VERDICT_MAX_CODES 8

/* The DNS-level outcome of one A query, independent of the resolver library. */
typedef enum {
	DNS_OK,          /* NOERROR with answers */
	DNS_NXDOMAIN,
	DNS_NODATA,
	DNS_TIMEOUT,
	DNS_SERVFAIL,
	DNS_REFUSED,
	DNS_CONNREFUSED,
	DNS_OTHER,
} dns_outcome_t;

typedef struct {
	uint8_t status;  /* status_t */
	uint8_t reason;  /* verdict_reason_t */
	uint8_t ncodes;
	uint32_t codes[VERDICT_MAX_CODES]; /* A answers, host order, all of them (up to 8) */
} verdict_t;

/* Interprets the A records (host order) of an answer for list l. */
void verdict_from_answer(const catalog_list_t *l, dns_outcome_t outcome, const uint32_t *addrs,
			 size_t naddrs, verdict_t *out);

/* Writes the human reason for v on list l into buf (e.g. "resolver refused by
 * Spamhaus ... (127.255.255.254)"); empty for plain listings and clean. */
void verdict_reason(const verdict_t *v, const catalog_list_t *l, char *buf, size_t len);

/* Appends to out (up to max, borrowed from the catalog) the meanings of v's codes. */
size_t verdict_meanings(const verdict_t *v, const catalog_list_t *l, const char **out,
			size_t max);

/* Short text for a DNS outcome ("NXDOMAIN", "timeout", "REFUSED", ...). */
const char *verdict_outcome_name(dns_outcome_t o);

/* Formats a host-order IPv4 address. buf must hold 16 bytes. */
void verdict_addr_str(uint32_t a, char *buf);

#endif
