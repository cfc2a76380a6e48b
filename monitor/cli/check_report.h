/* check_report.h -- prints a check run for people (tables) or programs (JSON, streamed).
 * Fed target by target from the engine's callback, so a /16 never sits whole in memory. */
#ifndef BLMON_CHECK_REPORT_H
#define BLMON_CHECK_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "checks/dnsbl.h"

typedef struct check_report check_report_t;

typedef struct {
	FILE *out;
	bool json;
	bool color;    /* ANSI colours (only ever set for a terminal) */
	bool verbose;  /* human: show clean lists too */
	bool progress; /* human: progress line on stderr for long runs */
	const char *resolver; /* as shown in the output */
} check_report_opts_t;

/* lists/states are borrowed and must outlive the report. Caller owns the result. */
check_report_t *check_report_new(const check_report_opts_t *o, catalog_list_t *const *lists, size_t nlists,
		     const dnsbl_list_state_t *states, unsigned long long total_targets);
void check_report_free(check_report_t *r);

/* Prints the header and list health; call once before the first target. */
void check_report_begin(check_report_t *r);

/* A dnsbl_target_cb: pass the report as ud. */
void check_report_target(void *ud, const target_t *t, const dnsbl_result_t *res, size_t nres);

/* A target that could not be checked at all (e.g. a host that did not
 * resolve): reported as unknown with reason. */
void check_report_unchecked(check_report_t *r, const char *name, const char *reason);

/* Prints the summary; returns the exit status: 0 all clean, 1 something
 * listed, 3 nothing listed but something unknown. */
int check_report_end(check_report_t *r, const dnsbl_stats_t *st, double seconds);

/* Status of a target from its results: the worst block-list verdict;
 * unknown when no block list could say anything. */
status_t check_report_target_status(catalog_list_t *const *lists, const dnsbl_result_t *res,
				      size_t nres);

#endif
