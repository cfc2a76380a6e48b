/* qname.h -- DNSBL query names per RFC 5782.
 * IPv4: reversed octets; IPv6: 32 reversed nibbles; domains: name.zone. */
#ifndef BLMON_QNAME_H
#define BLMON_QNAME_H

#include <stddef.h>

#include "checks/target.h"

#define QNAME_MAX 1025 /* 253-byte names plus room for nibble forms */

/* Writes the query name of t under zone into buf (NUL-terminated, no trailing
 * dot). Returns its length, or -1 if it does not fit in len or exceeds the
 * 253-character DNS limit. Allocates nothing: safe on the hot path. */
int qname_build(const target_t *t, const char *zone, char *buf, size_t len);

/* Writes the reversed form alone (no zone), as used by origin.asn.cymru.com. */
int qname_reverse(const target_t *t, char *buf, size_t len);

#endif
