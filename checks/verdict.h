/* verdict.h -- turns one DNS answer from one list into listed / clean / unknown.
 * Pure functions over the catalog: no I/O, so every rule is unit-tested. */
#ifndef BLMON_VERDICT_H
#define BLMON_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/answer.h"
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
	REASON_UNUSABLE,     /* records, but no usable A record for the name asked (flaw says why) */
	REASON_TCP_CLOSED,   /* the server closed the TCP connection the query was on */
	REASON_NO_DATA,      /* the list is answered from data files, and none is loaded */
} verdict_reason_t;

/* Distinct codes kept per verdict; every record is judged, whatever the count. */
#define VERDICT_MAX_CODES 16

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
	DNS_UNUSABLE,    /* NOERROR with records, none of them a usable A record */
	DNS_TCP_CLOSED,  /* the server closed the TCP connection mid-query */
} dns_outcome_t;

typedef struct {
	uint8_t status;  /* status_t */
	uint8_t reason;  /* verdict_reason_t */
	uint8_t ncodes;
	uint8_t more;    /* more distinct codes were answered than codes[] holds */
	uint8_t flaw;    /* answer_flaw_t, for REASON_UNUSABLE */
	uint32_t bad;    /* the address that made the answer unusable (outside 127/8,
			    127.0.0.1 or an error code), for the reason */
	uint32_t codes[VERDICT_MAX_CODES]; /* the distinct A answers, host order, sorted */
} verdict_t;

/* Interprets the A records (host order) of an answer for list l. */
void verdict_from_answer(const catalog_list_t *l, dns_outcome_t outcome, const uint32_t *addrs,
			 size_t naddrs, verdict_t *out);

/* Interprets a raw answer (the DNS message buf of len bytes, as the resolver
 * sent it) when outcome is DNS_OK; other outcomes as verdict_from_answer.
 * Every A record is read, however many. *ttl gets the smallest TTL of the
 * usable records (0 when none). */
void verdict_from_packet(const catalog_list_t *l, dns_outcome_t outcome, const unsigned char *buf,
			 size_t len, verdict_t *out, uint32_t *ttl);

/* Building a verdict one record at a time: start, add every A record (in any
 * order), finish. verdict_add has the shape of an answer_a_cb. */
typedef struct {
	const catalog_list_t *l;
	verdict_t *v;
	bool listed;
	verdict_reason_t bad;
} verdict_acc_t;

void verdict_start(verdict_acc_t *acc, const catalog_list_t *l, verdict_t *out);
void verdict_add(void *acc, uint32_t addr);
void verdict_finish(verdict_acc_t *acc);

/* Writes the human reason for v on list l into buf (e.g. "resolver refused by
 * Spamhaus ... (127.255.255.254)"); empty for plain listings and clean. */
void verdict_reason(const verdict_t *v, const catalog_list_t *l, char *buf, size_t len);

/* Appends to out (up to max, borrowed from the catalog) the meanings of v's codes. */
size_t verdict_meanings(const verdict_t *v, const catalog_list_t *l, const char **out,
			size_t max);

/* Why a check got no usable answer, as one word of a small fixed set (a
 * metric's label: bounded): "timeout", "servfail", "refused",
 * "connection_refused", "tcp_closed", "error_code" (the list's refusal code),
 * "bad_answer" (127.0.0.1, outside 127/8, no usable A record), "list_dead",
 * "list_wildcard", "list_refused", "list_unreachable" (the list failed its
 * test points), "other"; NULL for a reason that is an answer (listed, clean)
 * or no check at all (REASON_NOT_RUN). */
const char *verdict_error_class(verdict_reason_t r);

/* Short text for a DNS outcome ("NXDOMAIN", "timeout", "REFUSED", ...). */
const char *verdict_outcome_name(dns_outcome_t o);

/* Formats a host-order IPv4 address. buf must hold 16 bytes. */
void verdict_addr_str(uint32_t a, char *buf);

#endif
