/* live.h -- the live check that `blmon check` and `blmon nagios -H` share: config, lists, targets,
 * engine, test points, run. Each command only parses its options and prints its own way. */
#ifndef BLMON_LIVE_H
#define BLMON_LIVE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "checks/dnsbl.h"
#include "monitor/config.h"

/* What the command line chose. Strings are borrowed (argv). */
typedef struct {
	const char *config;    /* -c FILE, or NULL: the built-in catalog and defaults */
	const char *resolver;  /* overrides the config's */
	const char *timeout;   /* a duration (100ms..60s), or NULL */
	long retries;          /* < 0: the config's */
	long concurrency;      /* <= 0: the config's */
	const char **lists;    /* --list ZONE (id, zone or an ad-hoc zone), nlists of them */
	size_t nlists;
	bool all_lists;        /* every list that has what it needs, enabled or not */
	bool snds;             /* --snds: consult Microsoft SNDS once ([snds] keys of the config) */
	const char **datasets; /* --dataset ZONE=TYPE:PATH[,PATH...], ndatasets of them: the
				  list ZONE (made when the catalog has none) answered from
				  these files too, and checked as --list ZONE is */
	size_t ndatasets;
} live_opts_t;

typedef struct {
	config_t *cfg;                  /* owned */
	catalog_list_t **lists;         /* the run's lists (borrowed from cfg's catalog): the DNS
					   lists first, then those read from SNDS */
	size_t nlists;
	size_t ndns;                    /* how many of them the DNS engine checks */
	struct snds *snds;              /* SNDS's documents, when SNDS lists are in the run */
	dnsbl_list_state_t *states;     /* per list, after live_test */
	targetset_t ts;
	const char **hosts;             /* host names to resolve (borrowed) */
	char **host_err;                /* per host, why it could not be resolved, or NULL */
	size_t nhosts;
	dnsbl_t *dns;
	volatile sig_atomic_t *stop;    /* borrowed */
} live_t;

/* Loads the config (or the defaults), applies the overrides, picks the lists
 * (a --list zone the catalog does not know becomes an ad-hoc IP list: any
 * 127/8 answer but 127.0.0.1 is a listing; SNDS lists only with --snds or
 * when --list names one, and then the config must have an [snds] key), reads
 * the data files of the lists answered from them (a file that cannot be read
 * leaves its list without data: its test points say so, and
 * live_dataset_errors tells) and makes the engine. 0, or -1 with the message
 * in err ("--list X: ..."; config errors as FILE:LINE). lv must be freed with
 * live_free either way. */
int live_open(live_t *lv, const live_opts_t *o, volatile sig_atomic_t *stop, char *err,
	      size_t errlen);

/* Calls fn for each list of the run whose data files did not load, with the
 * zone as shown and the error ("FILE:LINE: what"). */
void live_dataset_errors(const live_t *lv, void (*fn)(void *ud, const char *zone,
						      const char *err), void *ud);

/* Adds a target given as text: an address, a network, a domain, or host:NAME
 * (resolved by live_test). 0, or -1 with what is wrong in err. */
int live_add(live_t *lv, const char *arg, char *err, size_t errlen);

/* Adds the config's [targets]. 0, or -1 when there are none. */
int live_add_config_targets(live_t *lv, char *err, size_t errlen);

/* The targets to check, hosts included (before they are resolved). */
unsigned long long live_target_count(const live_t *lv);

/* Resolves the hosts (a host that does not resolve keeps its error in
 * host_err), tests the DNS lists' RFC 5782 test points, and fetches SNDS's
 * documents once when SNDS lists are in the run (a document that could not
 * be had makes its list unreachable or refused, and its results unknown).
 * 0, or -1 when stopped. */
int live_test(live_t *lv);

/* Checks every target against every list; cb gets each target's results in
 * input order (dnsbl_run), SNDS's after the DNS lists'. 0, or -1 when stopped
 * early. */
int live_run(live_t *lv, dnsbl_target_cb cb, void *ud);

void live_free(live_t *lv);

#endif
