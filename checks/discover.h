/* discover.h -- the addresses that handle a domain's mail: its MX hosts and its SPF record.
 * Follows SPF include:/redirect= within RFC 7208's limit of 10 DNS-querying terms. */
#ifndef BLMON_DISCOVER_H
#define BLMON_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/dnsbl.h"
#include "checks/target.h"

#define DISCOVER_SPF_LIMIT 10 /* RFC 7208 4.6.4: include a mx ptr exists redirect */
#define DISCOVER_MX_HOSTS 10  /* hosts looked at per SPF mx mechanism (RFC 7208 4.6.4) */

/* Adds to out the IP targets of domain: the A/AAAA addresses of its MX hosts
 * (of the domain itself when it has no MX: RFC 5321 implicit MX), then the
 * pass ("+" or no qualifier) ip4:/ip6:/a/mx terms of its SPF record, following
 * include: and redirect= depth first. SPF stops following DNS terms at the
 * DISCOVER_SPF_LIMIT-th, and loops are cut; both are reported in warn. A CIDR
 * becomes a network target, checked against lim (NULL: TARGET_LIMITS_DEFAULT);
 * a larger one is skipped with a warning. Entries added by this call are
 * unique: an address or network inside one already added is left out.
 * Each added target's `from` is domain (borrowed: domain must outlive out).
 * warn receives "\n"-separated printable-ASCII lines about what was skipped
 * (may be NULL if warnlen is 0). Synchronous; never call from a dnsbl_run
 * callback. Returns the number of entries (addresses or networks) added,
 * possibly 0, or -1 with err when domain is not a valid name, does not exist,
 * neither its MX nor its TXT lookup got an answer, or the run was interrupted
 * (entries added so far stay in out). */
int discover_domain(dnsbl_t *d, const char *domain, const target_limits_t *lim, targetset_t *out,
		    char *warn, size_t warnlen, char *err, size_t errlen);

/* ---- SPF text, pure functions (exposed for tests) ---- */

/* True if txt is an SPF record: "v=spf1" alone or followed by a space. */
bool discover_spf_record(const char *txt);

typedef enum {
	DISCOVER_TERM_ALL,
	DISCOVER_TERM_INCLUDE,
	DISCOVER_TERM_A,
	DISCOVER_TERM_MX,
	DISCOVER_TERM_PTR,
	DISCOVER_TERM_IP4,
	DISCOVER_TERM_IP6,
	DISCOVER_TERM_EXISTS,
	DISCOVER_TERM_REDIRECT,
	DISCOVER_TERM_MODIFIER, /* exp= or an unknown modifier: ignored */
} discover_term_kind_t;

/* One SPF term, a plain value. */
typedef struct {
	discover_term_kind_t kind;
	char qualifier;              /* '+', '-', '~' or '?' ('+' when absent) */
	char value[TARGET_NAME_MAX]; /* domain-spec or address, without CIDR; "" if none */
	int cidr4, cidr6;            /* CIDR lengths given (ip4: cidr4, ip6: cidr6), else -1 */
} discover_term_t;

/* Parses one space-free SPF term ("-ip4:192.0.2.0/24", "a:h.example/24//64",
 * "redirect=_spf.example"). txt may be hostile: names are not validated here,
 * only bounded. Returns 0, or -1 for an unknown mechanism, a missing or
 * too-long value, or a bad CIDR length (out zeroed). */
int discover_term_parse(const char *term, discover_term_t *out);

#endif
