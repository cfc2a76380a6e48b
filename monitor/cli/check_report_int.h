/* check_report_int.h -- the state check_report.c (counts, JSON) shares with its human half.
 * Private to check_report*.c; every other file uses check_report.h. */
#ifndef BLMON_CHECK_REPORT_INT_H
#define BLMON_CHECK_REPORT_INT_H

#include <time.h>

#include "checks/problem.h"
#include "checks/result.h"
#include "lib/timefmt.h"
#include "monitor/cli/check_report.h"

#define RED "\033[1;31m"
#define YEL "\033[33m"
#define GRN "\033[32m"
#define DIM "\033[2m"
#define BOLD "\033[1m"
#define RST "\033[0m"

/* A target worth a line of its own, kept until the end to print in numeric order. */
typedef struct {
	target_t t;
	char *text; /* the line after the name (owned) */
} check_line_t;

/* A distinct reason for unknown results, said once with how many it concerns. */
typedef struct {
	uint16_t list;
	char reason[RESULT_REASON_MAX];
	unsigned long long n;
} check_why_t;

struct check_report {
	check_report_opts_t o;
	catalog_list_t *const *lists;
	size_t nlists;
	const dnsbl_list_state_t *states;
	char checked_at[TIMEFMT_MAX];
	unsigned long long total, done;
	/* targets by what the lists said: the JSON documents' summary */
	unsigned long long listed, unknown, clean;
	/* ... and with [ignore] rules applied: people's summary, the exit status */
	unsigned long long e_listed, e_unknown, e_ignored, e_clean;
	const problem_rule_t **rule_of; /* per result of the current target: the rule that
					   ignores its listing, or NULL */
	problem_set_t *ps;              /* people and --problems: the listings folded */
	bool first_target;
	struct timespec start, last_progress;
	/* Per list, its result object for a plain NXDOMAIN, printed once by
	 * cJSON: most results of a network sweep are exactly that, and building
	 * and freeing a tree for each cost most of a sweep's CPU. */
	char **clean_json;
	/* people: the lines to sort and what was left out */
	check_line_t *lines;
	size_t nlines, caplines;
	unsigned long long hid_clean, hid_hood, hid_unknown, hid_ignored;
	check_why_t *why;
	size_t nwhy;
	unsigned long long why_more;
};

/* ANSI code when colours are on, else "". */
const char *check_report_col(const check_report_t *r, const char *code);

/* ---- the human half (check_report_human.c) ---- */

/* The header and the list-health banners. */
void check_report_human_begin(check_report_t *r);
/* Keeps what target t's results say for the end: its line when it is worth one
 * (r->rule_of set for these results), else only a count. st is its status
 * after [ignore] rules; ignored: one of its listings is ignored. */
void check_report_human_target(check_report_t *r, const target_t *t, const dnsbl_result_t *res,
			       size_t nres, status_t st, bool ignored);
/* A target that could not be checked at all. */
void check_report_human_unchecked(check_report_t *r, const char *name, const char *reason);
/* Problems, unknown reasons, targets in numeric order, and the summary line. */
void check_report_human_end(check_report_t *r, const dnsbl_stats_t *st, double seconds);
/* Frees what the human half kept. */
void check_report_human_free(check_report_t *r);

#endif
