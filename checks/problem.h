/* problem.h -- what is wrong, why, and what to do: listings folded into their causes.
 * One problem per (list, entity): an address, a listed network, an AS, a domain; worst first. */
#ifndef BLMON_PROBLEM_H
#define BLMON_PROBLEM_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/catalog.h"
#include "checks/result.h"
#include "checks/target.h"

#define PROBLEM_ENTITY_MAX TARGET_NAME_MAX /* an address, a CIDR, "AS64500", a domain */
#define PROBLEM_FIRST_MAX 8                /* affected targets kept by name: the lowest */
#define PROBLEM_TXT_MAX 512                /* the first TXT record seen, as served */

/* ---- the cause of one listing ---- */

/* What a listing is about, by the list's scope: the address itself (ip), the
 * network the list names in its TXT ("Net 203.0.113.0/24 is ...") when it
 * holds the address, else the address's /24 (IPv4) or /64 (IPv6) (network),
 * the AS the TXT names ("AS64500"), else the address's origin AS (asn; asn 0:
 * not known, "AS?"), the domain (domain). Writes PROBLEM_ENTITY_MAX bytes. */
void problem_entity(const result_t *r, const target_t *t, uint32_t asn, char *entity);

/* ---- rules that ignore listings on purpose ([ignore] rule = LIST [CODE] [CIDR|DOMAIN]) ---- */

typedef struct {
	char text[300];       /* the rule as written, to say which rule ignores a problem */
	char list[256];       /* a list's id or zone (template) as written */
	bool has_code;
	catalog_code_t code;  /* every code of the listing must match it (meaning unused) */
	bool has_net;         /* an address or network ... */
	target_t net;
	unsigned prefix;
	char domain[TARGET_NAME_MAX]; /* ... or a domain and its subdomains ("": none) */
} problem_rule_t;

/* Parses "zen.spamhaus.org 127.0.0.10-11 198.51.100.0/24": a list, then
 * optionally answer codes (an address in 127.0.0.0/8, octets may be "*" or
 * "a-b"), then optionally the targets it applies to. 0, or -1 with err. */
int problem_rule_parse(const char *spec, problem_rule_t *out, char *err, size_t errlen);

/* Whether rule names list l (by id, zone or zone template). */
bool problem_rule_names(const problem_rule_t *rule, const catalog_list_t *l);

/* The first rule that ignores r's listing of t, or NULL. */
const problem_rule_t *problem_rule_match(const problem_rule_t *rules, size_t n, const result_t *r,
					 const target_t *t);

/* ---- a problem ---- */

typedef struct {
	const catalog_list_t *list; /* the catalog's row (borrowed); NULL: no longer configured */
	char zone[256];             /* as stored (may hold a key: show catalog_zone_shown) */
	char name[128];
	list_scope_t scope;
	list_severity_t severity;
	char entity[PROBLEM_ENTITY_MAX];
	uint8_t ncodes;
	uint32_t codes[RESULT_MAX_CODES]; /* every code seen, host order, sorted */
	char txt[PROBLEM_TXT_MAX];        /* the first TXT record seen ("" when none) */
	uint64_t affected;                /* targets listed through this cause */
	uint8_t nfirst;
	target_t first[PROBLEM_FIRST_MAX]; /* the lowest of them, in numeric order */
	target_spans_t spans;             /* the lowest affected addresses as runs: a listed
					     /24 is one run however many are affected */
	int64_t since;                    /* the earliest listing's since (0: not known) */
	bool stale;                       /* one of its listings is stale */
	const problem_rule_t *ignored;    /* the rule that ignores it, or NULL (borrowed) */
	size_t tag;                       /* the caller's: 0 when the set makes the problem,
					     never changed by this module */
} problem_t;

/* Worst first: own listings (ip, domain) before network before AS; then list
 * severity; then more affected targets; then newer; then by entity. <0, 0, >0. */
int problem_cmp(const problem_t *a, const problem_t *b);

/* The rank of a scope in that order (0 own, 1 network, 2 AS). */
int problem_scope_rank(list_scope_t s);

/* The meanings of the problem's codes (borrowed from the catalog). */
size_t problem_meanings(const problem_t *p, const char **out, size_t max);

/* What to do, in one or two sentences (static text or buf). */
const char *problem_advice(const problem_t *p, char *buf, size_t len);

/* The removal link, with the first affected address where the site takes one;
 * 0, or -1 when the list has none. */
int problem_removal_url(const problem_t *p, char *buf, size_t len);

/* The affected targets for people, in numeric order, consecutive addresses as
 * ranges: "203.0.113.1-203.0.113.16, 203.0.113.40"; ", ..." ends it when
 * more are affected than were kept. */
void problem_affected(const problem_t *p, char *buf, size_t len);

/* One line for people: "Spamhaus ZEN lists 192.0.2.10 (SBL: ...)",
 * "UCEPROTECT Level 2 lists 203.0.113.0/24: affects 16 of your addresses". */
void problem_headline(const problem_t *p, char *buf, size_t len);

/* The problem object of schemas/defs.schema.json (caller owns; the store adds
 * its id). */
cJSON *problem_json(const problem_t *p);

/* ---- a set of problems, built from listings ---- */

/* Problems keyed by (list, entity): memory grows with the problems, not with
 * the targets that are listed through them. */
typedef struct problem_set problem_set_t;

problem_set_t *problem_set_new(void);
void problem_set_free(problem_set_t *ps);

/* Folds r (a result of target t; asn its origin AS, 0 unknown) into its
 * problem: only listings of block lists are problems (returns 0 for others,
 * 1 when added). rules (n of them) mark the problem ignored. */
int problem_set_add(problem_set_t *ps, const result_t *r, const target_t *t, uint32_t asn,
		    const problem_rule_t *rules, size_t nrules);

/* As problem_set_add, returning the problem r was folded into (borrowed until
 * ps changes), or NULL when r is no problem: for a caller that keeps more of
 * each problem (every affected target, in its tag). */
problem_t *problem_set_fold(problem_set_t *ps, const result_t *r, const target_t *t, uint32_t asn,
			    const problem_rule_t *rules, size_t nrules);

/* The problem of list zone and entity, or NULL (borrowed until ps changes). */
const problem_t *problem_set_get(const problem_set_t *ps, const char *zone, const char *entity);

/* How many problems, ignored ones included. */
size_t problem_set_count(const problem_set_t *ps);

/* Every problem, worst first (ignored ones last). The array and the problems
 * are borrowed from ps until it changes or is freed. */
problem_t *const *problem_set_sorted(problem_set_t *ps, size_t *n);

#endif
