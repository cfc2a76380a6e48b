/* asn.h -- who routes an address: origin ASN, BGP prefix, country, registry and AS name.
 * Asks Team Cymru's DNS service (origin[6].asn.cymru.com, asn.cymru.com) and parses its TXT. */
#ifndef BLMON_ASN_H
#define BLMON_ASN_H

#include <stddef.h>
#include <stdint.h>

#include "checks/dnsbl.h"
#include "checks/target.h"

#define ASN_MAX 8 /* origin ASNs kept per prefix (multi-origin prefixes list several) */

#define ASN_ORIGIN_ZONE "origin.asn.cymru.com"
#define ASN_ORIGIN6_ZONE "origin6.asn.cymru.com"
#define ASN_NAME_ZONE "asn.cymru.com"

/* What is known about the route of one address. Plain value: no pointers, the
 * caller owns it. Every string is NUL-terminated printable ASCII (bytes outside
 * 0x20..0x7e are replaced by '?'), possibly empty. */
typedef struct {
	uint32_t asn[ASN_MAX]; /* origin ASNs in answer order; asn[0] names the AS */
	size_t nasn;           /* 0..ASN_MAX */
	char prefix[64];       /* announced prefix, "216.90.108.0/24" or "2001:db8::/32" */
	char country[8];       /* ISO code of the prefix, "US"; may be empty */
	char registry[16];     /* "arin", "ripencc", ...; may be empty */
	char name[160];        /* AS name of asn[0], "TEAMCYMRU - SAUNET"; truncated if longer */
} asn_info_t;

/* Writes the origin query name of ip ("31.108.90.216.origin.asn.cymru.com", or
 * 32 nibbles under origin6.asn.cymru.com) into buf. Returns its length, or -1
 * if ip is not an address or the name does not fit in len. */
int asn_origin_qname(const target_t *ip, char *buf, size_t len);

/* Parses one origin TXT record, "23028 | 216.90.108.0/24 | US | arin | 1998-09-25"
 * (ASN field: one or more ASNs separated by spaces; beyond ASN_MAX are
 * ignored; registry and date may be absent). txt is untrusted network data.
 * Returns 0 and fills out (name left empty), or -1 on any malformed field with
 * out zeroed. Never reads past txt's NUL. */
int asn_parse_origin(const char *txt, asn_info_t *out);

/* Parses one AS TXT record, "23028 | US | arin | 2002-01-04 | TEAMCYMRU - SAUNET";
 * the name is everything after the 4th '|', trimmed. out normally holds an
 * origin answer: then the record's ASN must equal out->asn[0], and only
 * out->name is written. With out->nasn == 0, asn[0], country and registry are
 * filled too. Returns 0, or -1 on a malformed or mismatched record, with
 * out->name emptied and the rest of out untouched. */
int asn_parse_name(const char *txt, asn_info_t *out);

/* What asn_lookup found. The two failures differ in whom they concern: an
 * unusable answer is this address's (the next address may well be fine); a
 * resolver failure would hit any address asked now. */
typedef enum {
	ASN_INTERRUPTED = -3,     /* the engine is stopping: nothing was learnt */
	ASN_RESOLVER_FAILED = -2, /* no answer: timeout, SERVFAIL, REFUSED (a resolver refuses a
				     zone, not a name), connection refused */
	ASN_UNUSABLE = -1,        /* an answer, but no usable record for this address (malformed,
				     or only for other addresses), or not an address at all */
	ASN_UNROUTED = 0,         /* NXDOMAIN or no TXT: the address is not announced */
	ASN_FOUND = 1,
} asn_status_t;

/* Looks up ip (IPv4 or IPv6) on d's resolver: its origin record (of several,
 * the most specific prefix that contains ip; others are ignored), then the AS
 * name of asn[0] (left empty if that second query fails). Synchronous; never
 * call from a dnsbl_run callback. Returns ASN_FOUND with out filled, else out
 * zeroed and, for the failures, a message in err naming the address. */
asn_status_t asn_lookup(dnsbl_t *d, const target_t *ip, asn_info_t *out, char *err, size_t errlen);

#endif
