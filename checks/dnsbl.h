/* dnsbl.h -- the DNSBL check engine: c-ares queries, list test points, verdicts.
 * Knows nothing of scheduling, storage or HTTP; results go to a caller's callback. */
#ifndef BLMON_DNSBL_H
#define BLMON_DNSBL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/catalog.h"
#include "checks/target.h"
#include "checks/verdict.h"

typedef struct dnsbl dnsbl_t;

typedef struct {
	const char *resolver;   /* "IP[:PORT][,IP[:PORT]...]", "[v6]:port"; NULL = system's */
	unsigned concurrency;   /* queries in flight at most (default 200) */
	unsigned timeout_ms;    /* first try's timeout; c-ares doubles it per retry */
	unsigned tries;         /* attempts per query, >= 1 */
	volatile sig_atomic_t *stop; /* optional: nonzero asks a run to stop early */
	double rate;            /* A queries started per second at most; 0 = no limit */
} dnsbl_opts_t;

#define DNSBL_OPTS_DEFAULT ((dnsbl_opts_t){NULL, 200, 2000, 3, NULL, 0})

typedef enum {
	HEALTH_OK,
	HEALTH_DEAD,        /* 127.0.0.2 (or TEST) not listed */
	HEALTH_WILDCARD,    /* 127.0.0.1 (or INVALID) listed, or answers outside 127/8 */
	HEALTH_UNREACHABLE, /* test point query failed (timeout, SERVFAIL, no server) */
	HEALTH_REFUSED,     /* REFUSED, or a refusal code of the list */
	HEALTH_UNTESTED,    /* not applicable (e.g. no IPv6 target this run) */
} dnsbl_health_t;

/* Health of one list this run. fam[0]: IPv4 or domain test points, fam[1]: IPv6. */
typedef struct {
	dnsbl_health_t health; /* the worse of fam[] */
	dnsbl_health_t fam[2];
	char detail[320];      /* what was seen, and what to do; empty when ok */
} dnsbl_list_state_t;

/* One (target, list) verdict. txt holds ntxt NUL-separated TXT records
 * (possibly hostile bytes: escape before display); owned by the engine and
 * valid only during the callback. */
typedef struct {
	uint16_t list; /* index into the run's list array */
	uint8_t skipped; /* not queried: the skip callback said its answer is still fresh */
	uint16_t ntxt;
	uint32_t ttl;  /* smallest TTL of the A answer, 0 if none */
	verdict_t v;
	char *txt;
	const char *why; /* a reason in the source's own words, instead of the verdict's:
			    set by sources that are not DNS (SNDS), NULL from the engine */
} dnsbl_result_t;

typedef struct {
	uint64_t queries;   /* A queries answered or failed (final outcomes) */
	uint64_t txt_queries;
	uint64_t local;     /* (target, list) results answered from a list's data files */
	uint64_t listed, clean, unknown;
	uint64_t timeouts, errors;
	uint64_t targets;
} dnsbl_stats_t;

/* Called once per target, in input order, with its results in list order
 * (lists that do not apply to the target's type are absent). */
typedef void (*dnsbl_target_cb)(void *ud, const target_t *t, const dnsbl_result_t *res,
				size_t nres);

/* Creates an engine. Returns NULL with a message in err (bad resolver address,
 * c-ares failure). Caller owns the result; free with dnsbl_free. */
dnsbl_t *dnsbl_new(const dnsbl_opts_t *opts, char *err, size_t errlen);
void dnsbl_free(dnsbl_t *d);

/* Checks a resolver spec without creating anything: 0 or -1 with err. */
int dnsbl_resolver_check(const char *spec, char *err, size_t errlen);

/* Queries the RFC 5782 test points of each list (IPv6 ones too when v6) and
 * fills states[i] for lists[i]. Returns 0, or -1 if interrupted. */
int dnsbl_test_lists(dnsbl_t *d, catalog_list_t *const *lists, size_t n, bool v6,
		     dnsbl_list_state_t *states);

/* Resolves host (A and AAAA) and adds each address to ts as a target whose
 * `from` is host (borrowed: host must outlive ts). Returns the number of
 * addresses added, or -1 with err when the name could not be resolved. */
int dnsbl_resolve_host(dnsbl_t *d, const char *host, targetset_t *ts, char *err, size_t errlen);

/* Synchronous lookups on the engine's resolver, for what surrounds a check
 * (ASN via Team Cymru TXT, MX and SPF discovery). On success *out holds *n
 * strings (TXT: one per record, chunks joined; MX: exchange names sorted by
 * preference) that the caller frees with dnsbl_strings_free; *outcome says
 * what DNS answered (DNS_NXDOMAIN / DNS_NODATA give 0 strings). Returns 0, or
 * -1 when interrupted. Never call from inside a dnsbl_run callback. */
int dnsbl_lookup_txt(dnsbl_t *d, const char *name, char ***out, size_t *n,
		     dns_outcome_t *outcome);
int dnsbl_lookup_mx(dnsbl_t *d, const char *name, char ***out, size_t *n,
		    dns_outcome_t *outcome);
void dnsbl_strings_free(char **v, size_t n);

/* Checks every target of ts against every applicable list. Lists whose state
 * is not HEALTH_OK for the target's family give `unknown` without a query.
 * A list with datasets (catalog_list_t.dataset) is answered from its data,
 * through the same verdict rules, without a query, a rate or a window.
 * states may be NULL (all lists trusted: used by tests of the raw engine).
 * Returns 0, or -1 if stopped early (remaining verdicts: unknown/not run). */
int dnsbl_run(dnsbl_t *d, catalog_list_t *const *lists, size_t n,
	      const dnsbl_list_state_t *states, const targetset_t *ts, dnsbl_target_cb cb,
	      void *ud);

/* Changes the query rate limit for the next runs (0 = none). */
void dnsbl_set_rate(dnsbl_t *d, double per_second);
/* This engine is one of n sharing each list's own rate (catalog_list_t.rate: several nodes of
 * a cluster asking the same lists): each list is asked at most its rate / n. 0 or 1: alone. */
void dnsbl_set_list_share(dnsbl_t *d, unsigned n);

/* A list's queries in the next runs and test points (dnsbl_set_budgets): `sent` counts those
 * sent (test points, A and TXT; a query asked again after a closed TCP connection twice); with
 * a `cap` (0: none), no A query starts that could take `sent` past it with its TXT, and the
 * targets not asked for it count in `capped` (their results are skipped, as a fresh answer's:
 * nothing is learned). */
typedef struct {
	uint64_t cap, sent, capped;
} dnsbl_budget_t;
/* b: one per list of the array the next runs and test points are given (borrowed until set
 * again; NULL: none). */
void dnsbl_set_budgets(dnsbl_t *d, dnsbl_budget_t *b);

/* The test-point queries dnsbl_test_lists sends list l: a positive and a negative one for IPv4
 * (or domains), and for IPv6 too when v6 and the list answers it; none from data files. */
unsigned dnsbl_test_queries(const catalog_list_t *l, bool v6);

/* Lets the caller veto queries: when skip returns true for (target, index of
 * the list in the run's array), no query is sent and the result has
 * skipped = 1 (status unknown, reason not run). Used to honour answer TTLs. */
typedef bool (*dnsbl_skip_cb)(void *ud, const target_t *t, size_t list);
void dnsbl_set_skip(dnsbl_t *d, dnsbl_skip_cb skip, void *ud);

/* Counters since dnsbl_new (borrowed). */
const dnsbl_stats_t *dnsbl_stats(const dnsbl_t *d);

/* Does list l apply to target type t at all? */
bool dnsbl_list_applies(const catalog_list_t *l, target_type_t t);

/* Test-point queries a list costs per cycle (positive and negative, IPv4 and IPv6);
 * a list answered from data files costs none. */
#define DNSBL_TEST_QUERIES 4

/* The queries a day list l costs when checked every interval_s seconds with
 * targets[TARGET_IPV4], [TARGET_IPV6], [TARGET_DOMAIN] targets of each type:
 * the applicable targets plus the test points, every cycle; 0 for a list
 * answered from data files. The one formula of the budget check and the
 * lists API. */
unsigned long long dnsbl_queries_per_day(const catalog_list_t *l, unsigned interval_s,
					 const unsigned long long targets[3]);

const char *dnsbl_health_name(dnsbl_health_t h);
/* Parses a name as dnsbl_health_name writes it; 0, or -1 when it is none. */
int dnsbl_health_parse(const char *s, dnsbl_health_t *out);

#endif
