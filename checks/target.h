/* target.h -- what blmon checks: IPv4/IPv6 addresses, CIDR networks, domains.
 * Parses user input into specs and iterates a set of specs one target at a time. */
#ifndef BLMON_TARGET_H
#define BLMON_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TARGET_NAME_MAX 256 /* a domain is at most 253 characters */

typedef enum { TARGET_IPV4, TARGET_IPV6, TARGET_DOMAIN } target_type_t;

/* One thing to look up. addr holds the address in network order (IPv4 in
 * addr[0..3]); name is its text form (canonical address or lower-case domain). */
typedef struct {
	target_type_t type;
	uint8_t addr[16];
	char name[TARGET_NAME_MAX];
	const char *from; /* host it was discovered from, or NULL; borrowed */
} target_t;

/* A parsed target argument: a single target or a network of count addresses. */
typedef struct {
	target_t first;
	uint64_t count; /* 1 for a single address or domain */
	unsigned prefix; /* prefix length for networks, else 0 */
} target_spec_t;

/* Network size limits: the longest allowed CIDR prefix is compared against. */
typedef struct {
	unsigned min_prefix_v4; /* default 16: refuse networks larger than /16 */
	unsigned min_prefix_v6; /* default 112 */
} target_limits_t;

#define TARGET_LIMITS_DEFAULT ((target_limits_t){16, 112})

/* Parses "192.0.2.1", "2001:db8::1", "192.0.2.0/24", "2001:db8::/120" or a
 * domain name. Returns 0, or -1 with a message in err naming what is wrong. */
int target_parse(const char *s, const target_limits_t *lim, target_spec_t *out,
		 char *err, size_t errlen);

/* Parses an IPv4 or IPv6 literal only (no CIDR, no names). 0 or -1. */
int target_parse_ip(const char *s, target_t *out);

/* Fills out with the i-th address of spec (i < spec->count). */
void target_spec_nth(const target_spec_t *spec, uint64_t i, target_t *out);

/* Makes a target from a raw address (family AF_INET or AF_INET6). */
void target_from_addr(int family, const void *addr, target_t *out);

/* True if s is a syntactically valid domain name (letters, digits, '-', '_',
 * dots; labels of 1..63, at most 253 characters). */
bool target_domain_valid(const char *s, bool need_dot);

/* A growable list of specs, iterated in order. */
typedef struct {
	target_spec_t *specs;
	size_t n, cap;
	uint64_t total; /* number of targets over all specs */
} targetset_t;

typedef struct {
	size_t spec;
	uint64_t idx;
} targetset_iter_t;

void targetset_init(targetset_t *ts);
void targetset_free(targetset_t *ts);
void targetset_add(targetset_t *ts, const target_spec_t *spec);
/* Next target into out; returns false at the end. */
bool targetset_next(const targetset_t *ts, targetset_iter_t *it, target_t *out);

const char *target_type_name(target_type_t t);

/* ---- order, networks and ranges ---- */

/* Numeric order: IPv4 before IPv6 before domains; addresses by value, domains
 * by name. <0, 0, >0. */
int target_cmp(const target_t *a, const target_t *b);

/* Whether address t lies in net/prefix (false for another family or a domain). */
bool target_in_prefix(const target_t *t, const target_t *net, unsigned prefix);

/* net gets t's network of prefix bits: host bits cleared, name "203.0.113.0/24". */
void target_network(const target_t *t, unsigned prefix, target_t *net);

/* Writes addresses (sorted by target_cmp) as ranges of consecutive ones:
 * "192.0.2.1-192.0.2.4, 192.0.2.9". A short buf ends in "..." . Returns how
 * many addresses were written. */
size_t target_ranges(const target_t *sorted, size_t n, char *buf, size_t len);

/* ---- a bounded summary of many addresses ---- */

#define TARGET_SPANS_MAX 8

typedef struct {
	target_type_t type; /* IPv4 or IPv6 */
	uint8_t lo[16], hi[16];
} target_span_t;

/* The lowest addresses added, in any order, kept as at most TARGET_SPANS_MAX
 * runs of consecutive ones: a whole /24 costs one run, a /16 swept address by
 * address never more than the array. Start zeroed. */
typedef struct {
	uint8_t n;
	bool cut;                /* addresses at or above cut_addr were not kept */
	target_type_t cut_type;
	uint8_t cut_addr[16];
	target_span_t v[TARGET_SPANS_MAX];
} target_spans_t;

/* Adds address t (a domain is not an address: nothing is kept). */
void target_spans_add(target_spans_t *s, const target_t *t);

/* Writes the runs as target_ranges does ("192.0.2.1-192.0.2.16, 192.0.2.20"),
 * ending in ", ..." when addresses above them were not kept or buf is short.
 * Returns how many runs were written. */
size_t target_spans_str(const target_spans_t *s, char *buf, size_t len);

#endif
