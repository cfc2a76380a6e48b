/* store_problems.h -- problems, where each target stands, list tallies: the digest of a cycle.
 * The daemon writes them once per cycle; readers page through them without walking every result. */
#ifndef BLMON_STORE_PROBLEMS_H
#define BLMON_STORE_PROBLEMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/problem.h"
#include "store/store.h"
#include "store/store_read.h"

/* ---- the digest's writes (the daemon's connection, inside one transaction) ---- */

/* Sets the problem entity of a listing (NULL or "": none). */
int store_state_problem_set(store_t *s, int64_t target_id, int64_t list_id, const char *entity);
/* Sets where target t (its row id) stands, whether a result of it is stale,
 * and its place in numeric order. */
int store_target_standing_set(store_t *s, int64_t target_id, const target_t *t,
			      standing_t standing, bool stale);
/* Sets a list's tallies. */
int store_list_tally_set(store_t *s, int64_t list_id, const store_list_tally_t *t);
/* Upserts problem p of list list_id at rank (1: the worst), found by digest `seen`; a row
 * that already says all this is left as it is (its seen too). */
int store_problem_put(store_t *s, int64_t list_id, const problem_t *p, int64_t rank,
		      int64_t seen);
/* Deletes the problems for which keep(arg, list_id, entity) is false (the digest's
 * set no longer has them). 0 or -1. */
typedef bool (*store_problem_keep_fn)(void *arg, int64_t list_id, const char *entity);
int store_problems_prune(store_t *s, store_problem_keep_fn keep, void *arg);

/* ---- reads ---- */

/* A stored problem. p.list is NULL (the reader knows the catalog: set it);
 * p.ignored points at rule (its text only) when ignored_by is set, so a copy
 * of the row must set it again. */
typedef struct {
	int64_t id, rank, list_id;
	problem_t p;
	problem_rule_t rule;
} store_problem_row_t;

typedef int (*store_problem_fn)(void *arg, const store_problem_row_t *r);

/* Which problems, worst first. */
typedef struct {
	int scope;           /* a list_scope_t, or -1: any */
	int64_t list_id;     /* 0: any list */
	bool ignored;        /* the ignored problems instead of the others */
	int64_t after_rank;  /* the page after this rank (0: from the worst) */
	size_t limit;
} store_problem_query_t;

/* Visits a page of problems; returns how many were visited, or -1. *more is
 * set when problems follow the page. */
int store_problems_visit(store_t *s, const store_problem_query_t *q, store_problem_fn fn,
			 void *arg, bool *more);
/* One problem by id: 1 found, 0 none, -1. */
int store_problem_get(store_t *s, int64_t id, store_problem_row_t *out);

/* A listing of an active target's own address or domain (a block list of
 * scope ip or domain), as the last digest marked it: what needs a series per
 * target, where the network's and the AS's listings are one problem each. */
typedef struct {
	const char *target;     /* its name */
	int64_t list_id;
	const store_state_t *st;
} store_listing_t;

typedef int (*store_listing_fn)(void *arg, const store_listing_t *l);

/* Every such listing, by target in numeric order, then list. 0 or -1. */
int store_own_listings_visit(store_t *s, store_listing_fn fn, void *arg);

/* Counts as of the last digest. */
typedef struct {
	int64_t targets;                  /* active */
	int64_t standing[STANDING_COUNT]; /* active targets by standing (undigested: unchecked) */
	int64_t stale;                    /* active targets with a stale block-list result */
	int64_t problems;                 /* not ignored */
	int64_t by_scope[4];              /* ... by list_scope_t */
	int64_t ignored;                  /* ignored problems */
} store_summary_t;

int store_summary(store_t *s, store_summary_t *out);

/* Which targets a page holds (as of the last digest). */
typedef enum {
	STORE_TF_ANY,
	STORE_TF_OWN,           /* an own listing */
	STORE_TF_NEIGHBOURHOOD, /* listed only through the network or AS */
	STORE_TF_LISTED,        /* either */
	STORE_TF_UNCHECKED,
	STORE_TF_CLEAN,
	STORE_TF_STALE,         /* a block-list result is stale */
	STORE_TF_PROBLEMS,      /* not clean, or stale */
} store_target_filter_t;

/* Parses a filter's name: "own", "neighbourhood", "listed", "unchecked",
 * "clean", "stale", "problems". 0, or -1. */
int store_target_filter_parse(const char *s, store_target_filter_t *out);

/* A page of active targets in numeric order, with their states. */
typedef struct {
	store_target_filter_t filter;
	int64_t list_id;          /* 0: any; else only targets this list lists */
	bool has_range;           /* only targets whose ipkey lies in [lo, hi] */
	uint8_t lo[STORE_IPKEY_BUF], hi[STORE_IPKEY_BUF];
	size_t lolen, hilen;
	const char *q;            /* only targets whose name contains q (NULL: any) */
	int64_t problem_id;       /* only the targets this problem affects (0: any) */
	const uint8_t *after;     /* the page after this ipkey (NULL: from the first) */
	size_t afterlen;
	size_t limit;
} store_target_query_t;

/* Sets q's range to the network net/prefix (an address: itself). */
void store_target_query_prefix(store_target_query_t *q, const target_t *net, unsigned prefix);

int store_targets_page(store_t *s, const store_target_query_t *q, store_target_fn fn, void *arg,
		       bool *more);

#endif
