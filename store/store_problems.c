/* store_problems.c -- the digest of a cycle: problems, where each target stands, list tallies.
 * Written once per cycle by the daemon; read in pages, so no reader walks every (target, list). */
#include "store/store_problems.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "lib/xmalloc.h"
#include "store/store_read_int.h"

static const store_sql_t SQL_STATE_PROBLEM = STORE_SQL(
	"UPDATE state SET problem = ?3 WHERE target_id = ?1 AND list_id = ?2");
static const store_sql_t SQL_TARGET_STANDING = STORE_SQL(
	"UPDATE targets SET standing = ?2, stale = ?3, ipkey = ?4 WHERE id = ?1");
static const store_sql_t SQL_LIST_TALLY = STORE_SQL(
	"UPDATE lists SET results = ?2, targets_listed = ?3, problems_open = ?4, results_stale = ?5, "
	"results_failing = ?6, last_answer = ?7, results_unchecked = ?8 WHERE id = ?1");
/* a problem the same as before is not rewritten (most of them, cycle after cycle); DISTINCT
 * is how each engine says "differs, NULLs included" of a row */
#define PROBLEM_PUT(DISTINCT)                                                                  \
	"INSERT INTO problems (list_id, entity, scope, severity, rank, codes, txt, affected, "  \
	"first, since, stale, ignored_by, seen) "                                              \
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "                     \
	"ON CONFLICT (list_id, entity) DO UPDATE SET scope = excluded.scope, "                 \
	"severity = excluded.severity, rank = excluded.rank, codes = excluded.codes, "         \
	"txt = excluded.txt, affected = excluded.affected, first = excluded.first, "           \
	"since = excluded.since, stale = excluded.stale, ignored_by = excluded.ignored_by, "   \
	"seen = excluded.seen WHERE (problems.scope, problems.severity, problems.rank, "       \
	"problems.codes, problems.txt, problems.affected, problems.first, problems.since, "   \
	"problems.stale, problems.ignored_by) " DISTINCT " (excluded.scope, excluded.severity, " \
	"excluded.rank, excluded.codes, excluded.txt, excluded.affected, excluded.first, "    \
	"excluded.since, excluded.stale, excluded.ignored_by)"
static const store_sql_t SQL_PROBLEM_PUT =
	STORE_SQL2(PROBLEM_PUT("IS NOT"), PROBLEM_PUT("IS DISTINCT FROM"));
static const store_sql_t SQL_PROBLEM_KEYS = STORE_SQL("SELECT id, list_id, entity FROM problems");
static const store_sql_t SQL_PROBLEM_DELETE = STORE_SQL("DELETE FROM problems WHERE id = ?1");

#define PROBLEM_COLS                                                                           \
	"SELECT p.id, p.rank, p.list_id, l.zone, l.name, p.entity, p.scope, p.severity, p.codes, " \
	"coalesce(p.txt, ''), p.affected, p.first, p.since, p.stale, coalesce(p.ignored_by, '') " \
	"FROM problems p JOIN lists l ON l.id = p.list_id "
/* the rank is unique per digest: a page starts after the last rank it showed */
static const store_sql_t SQL_PROBLEMS_PAGE = STORE_SQL(
	PROBLEM_COLS "WHERE p.rank > ?1 AND (?2 < 0 OR p.scope = ?3) AND (?4 = 0 OR p.list_id = ?4) "
	"AND (p.ignored_by IS NOT NULL) = ?5 ORDER BY p.rank LIMIT ?6");
static const store_sql_t SQL_PROBLEM_GET = STORE_SQL(PROBLEM_COLS "WHERE p.id = ?1");
/* grouped by the column itself, in the order of targets_standing: no sort of every target
 * (NULL, before the first digest, is read as unchecked) */
static const store_sql_t SQL_SUMMARY_STANDING = STORE_SQL(
	"SELECT standing, count(*), sum(stale) FROM targets WHERE active = 1 GROUP BY standing");
static const store_sql_t SQL_SUMMARY_PROBLEMS = STORE_SQL(
	"SELECT scope, ignored_by IS NOT NULL, count(*) FROM problems GROUP BY 1, 2");
/* A page of targets. The two engines differ in a few words: the filter's number (PostgreSQL
 * would read a bare parameter of CASE as text), where a substring is (instr, strpos), an
 * always-true branch (SQLite's 1 is no truth value to PostgreSQL), and the keys ?3 and ?6,
 * which PostgreSQL must be told are bytes before it meets them in "IS NULL". */
#define TARGETS_PAGE(FILTER, INSTR, TRUE, KEY3, KEY6)                                             \
	STORE_TARGET_SELECT "FROM (SELECT * FROM targets t WHERE t.active = 1 "                   \
	"AND CASE " FILTER " WHEN 1 THEN t.standing = 'own' WHEN 2 THEN t.standing = 'neighbourhood' "    \
	"WHEN 3 THEN t.standing IN ('own', 'neighbourhood') "                                     \
	"WHEN 4 THEN coalesce(t.standing, 'unchecked') = 'unchecked' "                            \
	"WHEN 5 THEN t.standing = 'clean' WHEN 6 THEN t.stale = 1 "                               \
	"WHEN 7 THEN coalesce(t.standing, 'unchecked') != 'clean' OR t.stale = 1 "                \
	"ELSE " TRUE " END "                                                                      \
	"AND (?2 = 0 OR EXISTS (SELECT 1 FROM state x WHERE x.target_id = t.id AND x.list_id = ?2 " \
	"AND x.status = 'listed')) "                                                              \
	"AND (" KEY3 " IS NULL OR t.ipkey BETWEEN ?3 AND ?4) "                                    \
	"AND (CAST(?5 AS TEXT) IS NULL OR " INSTR "(t.target, ?5) > 0) "                          \
	"AND (" KEY6 " IS NULL OR t.ipkey > ?6) "                                                 \
	"AND (?8 = 0 OR EXISTS (SELECT 1 FROM problems p JOIN state x ON x.list_id = p.list_id "  \
	"AND x.problem = p.entity WHERE p.id = ?8 AND x.target_id = t.id)) "                      \
	"ORDER BY t.ipkey LIMIT ?7) t " STORE_TARGET_JOINS "ORDER BY t.ipkey, s.list_id"
static const store_sql_t SQL_TARGETS_PAGE =
	STORE_SQL2(TARGETS_PAGE("?1", "instr", "1", "?3", "?6"),
		   TARGETS_PAGE("CAST(?1 AS INTEGER)", "strpos", "true", "CAST(?3 AS bytea)",
				"CAST(?6 AS bytea)"));

/* From the lists of scope ip or domain through state_problem to their listings only:
 * left to itself SQLite walks every target in order and each of its states (a /16 against
 * 8 lists: half a million rows, for a few thousand listings); CROSS JOIN keeps this order.
 * (PostgreSQL plans the joins itself, and its CROSS JOIN takes no ON.) */
#define OWN_LISTINGS(JOIN)                                                                       \
	"SELECT t.target, s.list_id, " STORE_STATE_COLS("l") " FROM lists l "                    \
	JOIN " state s ON s.list_id = l.id " JOIN " targets t ON t.id = s.target_id "            \
	"WHERE s.problem IS NOT NULL AND s.status = 'listed' AND l.scope IN ('ip', 'domain') "   \
	"AND t.active = 1 ORDER BY t.ipkey, s.list_id"
static const store_sql_t SQL_OWN_LISTINGS =
	STORE_SQL2(OWN_LISTINGS("CROSS JOIN"), OWN_LISTINGS("JOIN"));

/* ---- writes ---- */

int store_state_problem_set(store_t *s, int64_t target_id, int64_t list_id, const char *entity)
{
	store_stmt_t *st = store_stmt(s, &SQL_STATE_PROBLEM);

	if (!st)
		return -1;
	store_bind_int64(st, 1, target_id);
	store_bind_int64(st, 2, list_id);
	store_bind_text_or_null(st, 3, entity);
	return store_done(s, st);
}

int store_target_standing_set(store_t *s, int64_t target_id, const target_t *t,
			      standing_t standing, bool stale)
{
	store_stmt_t *st = store_stmt(s, &SQL_TARGET_STANDING);

	if (!st)
		return -1;
	store_bind_int64(st, 1, target_id);
	store_bind_text(st, 2, standing_name(standing));
	store_bind_int64(st, 3, stale);
	store_bind_ipkey(st, 4, t);
	return store_done(s, st);
}

int store_list_tally_set(store_t *s, int64_t list_id, const store_list_tally_t *t)
{
	store_stmt_t *st = store_stmt(s, &SQL_LIST_TALLY);

	if (!st)
		return -1;
	store_bind_int64(st, 1, list_id);
	store_bind_int64(st, 2, t->results);
	store_bind_int64(st, 3, t->listed);
	store_bind_int64(st, 4, t->problems);
	store_bind_int64(st, 5, t->stale);
	store_bind_int64(st, 6, t->failing);
	store_bind_int64(st, 7, t->last_answer);
	store_bind_int64(st, 8, t->unchecked);
	return store_done(s, st);
}

/* The problem's lowest targets as a JSON array of names. Caller frees. */
static char *first_encode(const problem_t *p)
{
	cJSON *a = cJSON_CreateArray();
	char *out;

	for (uint8_t i = 0; i < p->nfirst; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(p->first[i].name));
	out = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return out;
}

int store_problem_put(store_t *s, int64_t list_id, const problem_t *p, int64_t rank,
		      int64_t seen)
{
	store_stmt_t *st = store_stmt(s, &SQL_PROBLEM_PUT);
	char codes[256], *first;
	int rc;

	if (!st)
		return -1;
	store_codes_encode(p->codes, p->ncodes, codes, sizeof(codes));
	first = first_encode(p);
	store_bind_int64(st, 1, list_id);
	store_bind_text(st, 2, p->entity);
	store_bind_text(st, 3, catalog_scope_name(p->scope));
	store_bind_text(st, 4, catalog_severity_name(p->severity));
	store_bind_int64(st, 5, rank);
	store_bind_text(st, 6, codes);
	store_bind_text_or_null(st, 7, p->txt);
	store_bind_int64(st, 8, (int64_t)p->affected);
	store_bind_text(st, 9, first);
	store_bind_int64(st, 10, p->since);
	store_bind_int64(st, 11, p->stale);
	store_bind_text_or_null(st, 12, p->ignored ? p->ignored->text : NULL);
	store_bind_int64(st, 13, seen);
	rc = store_done(s, st);
	cJSON_free(first);
	return rc;
}

int store_problems_prune(store_t *s, store_problem_keep_fn keep, void *arg)
{
	store_stmt_t *st = store_stmt(s, &SQL_PROBLEM_KEYS), *del = NULL;
	int64_t *gone = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (!st)
		return -1;
	while ((rc = store_row(s, st)) == 1)
		if (!keep(arg, store_col_int64(st, 1), store_col_str(st, 2)))
			*(int64_t *)xpush((void **)&gone, &cap, &n, sizeof(*gone)) =
				store_col_int64(st, 0);
	/* deleted once the read is done: no engine has to step a table it is changing */
	if (rc == 0 && n && !(del = store_stmt(s, &SQL_PROBLEM_DELETE)))
		rc = -1;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		store_bind_int64(del, 1, gone[i]);
		rc = store_done(s, del);
	}
	free(gone);
	return rc < 0 ? -1 : 0;
}

/* ---- reads ---- */

/* The stored names of the lowest targets back into targets. */
static void first_decode(const char *json, problem_t *p)
{
	cJSON *a = cJSON_Parse(json ? json : "[]"), *it;

	p->nfirst = 0;
	cJSON_ArrayForEach(it, a)
	{
		if (p->nfirst == PROBLEM_FIRST_MAX || !cJSON_IsString(it))
			break;
		if (target_parse_ip(it->valuestring, &p->first[p->nfirst]) == 0) {
			p->nfirst++;
		} else { /* a domain: its name is its place */
			memset(&p->first[p->nfirst], 0, sizeof(p->first[0]));
			p->first[p->nfirst].type = TARGET_DOMAIN;
			snprintf(p->first[p->nfirst].name, TARGET_NAME_MAX, "%s", it->valuestring);
			p->nfirst++;
		}
	}
	cJSON_Delete(a);
}

static void problem_cols(store_stmt_t *st, store_problem_row_t *r)
{
	problem_t *p = &r->p;
	memset(r, 0, sizeof(*r));
	r->id = store_col_int64(st, 0);
	r->rank = store_col_int64(st, 1);
	r->list_id = store_col_int64(st, 2);
	store_col_copy(st, 3, p->zone, sizeof(p->zone));
	store_col_copy(st, 4, p->name, sizeof(p->name));
	store_col_copy(st, 5, p->entity, sizeof(p->entity));
	if (catalog_scope_parse(store_col_str(st, 6), &p->scope) < 0)
		p->scope = SCOPE_IP;
	if (catalog_severity_parse(store_col_str(st, 7), &p->severity) < 0)
		p->severity = SEVERITY_MEDIUM;
	p->ncodes = (uint8_t)store_codes_decode(store_col_str(st, 8), p->codes, RESULT_MAX_CODES);
	store_col_copy(st, 9, p->txt, sizeof(p->txt));
	p->affected = (uint64_t)store_col_int64(st, 10);
	first_decode(store_col_str(st, 11), p);
	p->since = store_col_int64(st, 12);
	p->stale = store_col_int(st, 13) != 0;
	store_col_copy(st, 14, r->rule.text, sizeof(r->rule.text));
	p->ignored = r->rule.text[0] ? &r->rule : NULL;
}

int store_problems_visit(store_t *s, const store_problem_query_t *q, store_problem_fn fn,
			 void *arg, bool *more)
{
	store_stmt_t *st = store_stmt(s, &SQL_PROBLEMS_PAGE);
	store_problem_row_t r;
	int rc, stop = 0, n = 0;

	*more = false;
	if (!st)
		return -1;
	store_bind_int64(st, 1, q->after_rank);
	store_bind_int64(st, 2, q->scope);
	store_bind_text(st, 3, q->scope >= 0 ? catalog_scope_name((list_scope_t)q->scope) : "");
	store_bind_int64(st, 4, q->list_id);
	store_bind_int64(st, 5, q->ignored);
	store_bind_int64(st, 6, (int64_t)q->limit + 1); /* one more: is there a next page? */
	while ((rc = store_row(s, st)) == 1) {
		if ((size_t)n == q->limit) {
			*more = true;
			break;
		}
		problem_cols(st, &r);
		n++;
		if ((stop = fn(arg, &r)) != 0)
			break;
	}
	store_reset(st);
	return rc < 0 || stop < 0 ? -1 : n;
}

int store_problem_get(store_t *s, int64_t id, store_problem_row_t *out)
{
	store_stmt_t *st = store_stmt(s, &SQL_PROBLEM_GET);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	store_bind_int64(st, 1, id);
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	problem_cols(st, out);
	store_reset(st);
	return 1;
}

/* Counts visits up to limit and stops one past it: the page and "is there more". */
struct paged {
	store_target_fn fn;
	void *arg;
	size_t limit, n;
	bool more;
};

static int paged_one(void *arg, const store_target_view_t *v)
{
	struct paged *p = arg;

	if (p->n == p->limit) {
		p->more = true;
		return 1;
	}
	p->n++;
	return p->fn(p->arg, v);
}

static int paged_run(store_t *s, store_stmt_t *st, int limit_param, size_t limit,
		     store_target_fn fn, void *arg, bool *more)
{
	struct paged p = {fn, arg, limit, 0, false};
	int rc;

	store_bind_int64(st, limit_param, (int64_t)limit + 1);
	rc = store_target_views(s, st, paged_one, &p);
	*more = p.more;
	return rc < 0 ? -1 : (int)p.n;
}

int store_summary(store_t *s, store_summary_t *out)
{
	store_stmt_t *st = store_stmt(s, &SQL_SUMMARY_STANDING);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	while ((rc = store_row(s, st)) == 1) {
		standing_t k;
		int64_t n = store_col_int64(st, 1);
		if (standing_parse(store_col_str(st, 0), &k) < 0)
			k = STANDING_UNCHECKED;
		out->standing[k] += n;
		out->targets += n;
		out->stale += store_col_int64(st, 2);
	}
	if (rc < 0 || !(st = store_stmt(s, &SQL_SUMMARY_PROBLEMS)))
		return -1;
	while ((rc = store_row(s, st)) == 1) {
		list_scope_t sc;
		int64_t n = store_col_int64(st, 2);
		if (store_col_int(st, 1)) {
			out->ignored += n;
			continue;
		}
		if (catalog_scope_parse(store_col_str(st, 0), &sc) < 0)
			sc = SCOPE_IP;
		out->by_scope[sc] += n;
		out->problems += n;
	}
	return rc < 0 ? -1 : 0;
}

int store_own_listings_visit(store_t *s, store_listing_fn fn, void *arg)
{
	store_stmt_t *st = store_stmt(s, &SQL_OWN_LISTINGS);
	store_state_t state;
	store_listing_t l = {NULL, 0, &state};
	int rc, stop = 0;

	if (!st)
		return -1;
	while ((rc = store_row(s, st)) == 1) {
		l.target = store_col_str(st, 0);
		l.list_id = store_col_int64(st, 1);
		if (!store_state_cols(st, 2, &state))
			continue;
		if ((stop = fn(arg, &l)) != 0)
			break;
	}
	store_reset(st);
	return rc < 0 || stop < 0 ? -1 : 0;
}

int store_target_filter_parse(const char *s, store_target_filter_t *out)
{
	static const char *const names[] = {"", "own", "neighbourhood", "listed", "unchecked",
					    "clean", "stale", "problems"};

	for (size_t i = 1; s && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*out = (store_target_filter_t)i;
			return 0;
		}
	return -1;
}

void store_target_query_prefix(store_target_query_t *q, const target_t *net, unsigned prefix)
{
	target_t hi = *net;
	size_t bytes = net->type == TARGET_IPV4 ? 4 : 16;

	/* the last address of the network: every host bit set */
	for (size_t i = 0; i < bytes && net->type != TARGET_DOMAIN; i++) {
		unsigned bits = prefix > i * 8 ? prefix - (unsigned)i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		hi.addr[i] = (uint8_t)(net->addr[i] | (uint8_t)~mask);
	}
	q->has_range = true;
	q->lolen = store_ipkey(net, q->lo);
	q->hilen = store_ipkey(&hi, q->hi);
}

int store_targets_page(store_t *s, const store_target_query_t *q, store_target_fn fn, void *arg,
		       bool *more)
{
	store_stmt_t *st = store_stmt(s, &SQL_TARGETS_PAGE);

	*more = false;
	if (!st)
		return -1;
	store_bind_int64(st, 1, (int)q->filter);
	store_bind_int64(st, 2, q->list_id);
	if (q->has_range) {
		store_bind_blob(st, 3, q->lo, q->lolen);
		store_bind_blob(st, 4, q->hi, q->hilen);
	}
	store_bind_text_or_null(st, 5, q->q);
	if (q->after)
		store_bind_blob(st, 6, q->after, q->afterlen);
	store_bind_int64(st, 8, q->problem_id);
	return paged_run(s, st, 7, q->limit, fn, arg, more);
}
