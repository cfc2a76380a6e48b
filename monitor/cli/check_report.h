/* check_report.h -- prints a check run for people (problems, then targets) or programs (JSON).
 * Fed target by target from the engine's callback, so a /16 never sits whole in memory. */
#ifndef BLMON_CHECK_REPORT_H
#define BLMON_CHECK_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "checks/dnsbl.h"
#include "checks/problem.h"

typedef struct check_report check_report_t;

typedef struct {
	FILE *out;
	bool json;     /* one document, every target with its results, streamed */
	bool problems; /* one document of the problems, worst first, no per-target results */
	bool color;    /* ANSI colours (only ever set for a terminal) */
	bool verbose;  /* human: every target and every problem, however many */
	bool progress; /* human: progress line on stderr for long runs */
	const char *resolver; /* as shown in the output */
	const problem_rule_t *rules; /* [ignore] rules (borrowed, nrules of them): their
					listings are folded and never make the exit status 1 */
	size_t nrules;
} check_report_opts_t;

/* lists/states are borrowed and must outlive the report. Caller owns the result. */
check_report_t *check_report_new(const check_report_opts_t *o, catalog_list_t *const *lists, size_t nlists,
		     const dnsbl_list_state_t *states, unsigned long long total_targets);
void check_report_free(check_report_t *r);

/* Prints the header and list health (JSON: the document's start); call once
 * before the first target. */
void check_report_begin(check_report_t *r);

/* A dnsbl_target_cb: pass the report as ud. */
void check_report_target(void *ud, const target_t *t, const dnsbl_result_t *res, size_t nres);

/* A target that could not be checked at all (e.g. a host that did not
 * resolve): reported as unknown with reason. */
void check_report_unchecked(check_report_t *r, const char *name, const char *reason);

/* Prints what was gathered (people: problems, then targets) and the summary;
 * returns the exit status: 0 all clean, 1 something listed, 3 nothing listed
 * but something unknown. A listing an [ignore] rule covers is not "listed"
 * here (an ignored listing alone exits 0); the JSON documents still say what
 * the lists answered. */
int check_report_end(check_report_t *r, const dnsbl_stats_t *st, double seconds);

/* Status of a target from its results: the worst block-list verdict;
 * unknown when no block list could say anything. */
status_t check_report_target_status(catalog_list_t *const *lists, const dnsbl_result_t *res,
				      size_t nres);

#endif
