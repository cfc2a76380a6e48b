/* query.c -- the web's reads of the daemon's database: status, targets, events, lists, ASNs, health.
 * Plain SQL on a read-only connection; TXT, reasons and names are cleaned to valid UTF-8 for JSON. */
#include "web/query.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/dnsbl.h"
#include "checks/target.h"
#include "lib/text.h"
#include "checks/verdict.h"
#include "lib/jsonx.h"
#include "lib/timefmt.h"
#include "lib/xmalloc.h"
#include "checks/reject_rules.h"

#define MAX_MEANINGS 16
#define TEXT_MAX 4096

/* ---- small helpers ---- */

static int dberr(sqlite3 *db, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "database: %s: %s", what, sqlite3_errmsg(db));
	return -1;
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		dberr(db, "prepare", err, errlen);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

static const char *col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	return v ? (const char *)v : NULL;
}

/* Reads of one document run in one transaction: one consistent snapshot. */
static int snap_begin(sqlite3 *db, char *err, size_t errlen)
{
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return dberr(db, "begin", err, errlen);
	return 0;
}

static void snap_end(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

bool query_list_in_use(const query_ctx_t *c, const char *zone)
{
	catalog_list_t *l;

	if (!c->catalog)
		return true;
	l = catalog_find(c->catalog, zone);
	return l && l->enabled && l->zone && strcasecmp(l->zone, zone) == 0;
}

const char *query_zone_shown(const query_ctx_t *c, const char *zone)
{
	catalog_list_t *l = c->catalog ? catalog_find(c->catalog, zone) : NULL;

	if (l && l->key && l->zone && strcasecmp(l->zone, zone) == 0 && strstr(l->zone_tmpl, "{key}"))
		return l->zone_tmpl;
	return zone;
}

static const char *health_advice(const char *h)
{
	if (!strcmp(h, "dead"))
		return "the list fails its test points: check the resolver; if the list is gone, "
		       "disable it in [lists]";
	if (!strcmp(h, "wildcard"))
		return "the list answers 'listed' for everything: disable it in [lists]";
	if (!strcmp(h, "refused"))
		return "the list refuses this resolver: use a local recursive resolver (unbound) "
		       "instead of a public one, or a key (DQS) for lists that need one";
	if (!strcmp(h, "unreachable"))
		return "check that the resolver is running and reachable";
	return NULL;
}

/* ---- lists of the database ---- */

static char *dup_col(sqlite3_stmt *st, int i)
{
	const char *s = col_str(st, i);
	return s ? xstrdup(s) : NULL;
}

void query_lists_free(query_lists_t *ls)
{
	for (size_t i = 0; i < ls->n; i++) {
		query_list_t *l = &ls->v[i];
		free(l->zone);
		free(l->name);
		free(l->kind);
		free(l->scope);
		free(l->health);
		free(l->detail);
	}
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

int query_lists_load(sqlite3 *db, const query_ctx_t *c, query_lists_t *ls, char *err, size_t errlen)
{
	sqlite3_stmt *st = prep(db,
				"SELECT id, zone, name, kind, scope, health, health_detail, "
				"ifnull(health_since, 0) FROM lists ORDER BY id",
				err, errlen);
	int rc;
	bool bad = false;

	memset(ls, 0, sizeof(*ls));
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		query_list_t *l;
		xgrow((void **)&ls->v, &ls->cap, ls->n + 1, sizeof(*ls->v));
		l = &ls->v[ls->n++];
		memset(l, 0, sizeof(*l));
		l->id = sqlite3_column_int64(st, 0);
		l->zone = dup_col(st, 1);
		l->name = dup_col(st, 2);
		l->kind = dup_col(st, 3);
		l->scope = dup_col(st, 4);
		l->health = dup_col(st, 5);
		l->detail = dup_col(st, 6);
		l->health_since = sqlite3_column_int64(st, 7);
		if (!l->zone || !l->name || !l->kind || !l->scope || !l->health) {
			snprintf(err, errlen, "database: list %lld has empty columns", (long long)l->id);
			bad = true;
			break;
		}
		l->cl = c->catalog ? catalog_find(c->catalog, l->zone) : NULL;
		l->in_use = query_list_in_use(c, l->zone);
	}
	if (bad || rc != SQLITE_DONE) {
		if (!bad)
			dberr(db, "reading lists", err, errlen);
		sqlite3_finalize(st);
		query_lists_free(ls);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

const query_list_t *query_lists_get(const query_lists_t *ls, int64_t id)
{
	size_t lo = 0, hi = ls->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ls->v[mid].id == id)
			return &ls->v[mid];
		if (ls->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const query_list_t *lists_by_zone(const query_lists_t *ls, const char *zone)
{
	for (size_t i = 0; zone && i < ls->n; i++)
		if (!strcasecmp(ls->v[i].zone, zone))
			return &ls->v[i];
	return NULL;
}

static cJSON *health_json(const query_ctx_t *c, const query_list_t *l)
{
	cJSON *o = cJSON_CreateObject();
	const char *advice = health_advice(l->health);

	jsonx_add_str(o, "zone", query_zone_shown(c, l->zone));
	jsonx_add_str(o, "id", l->cl && l->cl->id ? l->cl->id : l->zone);
	jsonx_add_str(o, "name", l->name);
	jsonx_add_str(o, "kind", l->kind);
	cJSON_AddStringToObject(o, "type",
				l->cl ? catalog_qtype_name(l->cl->qtype)
				      : !strcmp(l->scope, "domain") ? "domain" : "ip");
	jsonx_add_str(o, "scope", l->scope);
	jsonx_add_str(o, "health", l->health);
	jsonx_add_text(o, "detail", l->detail);
	jsonx_add_time(o, "since", l->health_since);
	if (advice)
		cJSON_AddStringToObject(o, "advice", advice);
	else
		cJSON_AddNullToObject(o, "advice");
	return o;
}

/* ---- results ---- */

typedef struct {
	const char *status, *codes, *txt, *reason;
	int64_t since, checked_at, ttl_until;
} qstate_t;

/* The codes array of a stored JSON array of A answers; fills v for meanings. */
static cJSON *codes_json(const char *json, verdict_t *v)
{
	cJSON *arr = cJSON_CreateArray(), *doc = json ? cJSON_Parse(json) : NULL, *it;

	memset(v, 0, sizeof(*v));
	cJSON_ArrayForEach(it, doc)
	{
		struct in_addr a;
		char buf[16];
		if (!cJSON_IsString(it) || inet_pton(AF_INET, it->valuestring, &a) != 1)
			continue;
		inet_ntop(AF_INET, &a, buf, sizeof(buf));
		cJSON_AddItemToArray(arr, cJSON_CreateString(buf));
		if (v->ncodes < VERDICT_MAX_CODES)
			v->codes[v->ncodes++] = ntohl(a.s_addr);
	}
	cJSON_Delete(doc);
	return arr;
}

static cJSON *meanings_json(const verdict_t *v, const catalog_list_t *cl)
{
	cJSON *arr = cJSON_CreateArray();
	const char *m[MAX_MEANINGS];
	size_t n = cl ? verdict_meanings(v, cl, m, MAX_MEANINGS) : 0;

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(m[i]));
	return arr;
}

/* TXT records as stored (a JSON array): untrusted, so every string is cleaned. */
static cJSON *txt_json(const char *json)
{
	cJSON *arr = cJSON_CreateArray(), *doc = json ? cJSON_Parse(json) : NULL, *it;

	cJSON_ArrayForEach(it, doc)
	{
		char buf[TEXT_MAX];
		if (!cJSON_IsString(it))
			continue;
		text_utf8_clean(it->valuestring, buf, sizeof(buf));
		cJSON_AddItemToArray(arr, cJSON_CreateString(buf));
	}
	cJSON_Delete(doc);
	return arr;
}

static void add_list_fields(cJSON *o, const query_ctx_t *c, const query_list_t *l)
{
	jsonx_add_str(o, "zone", query_zone_shown(c, l->zone));
	jsonx_add_str(o, "name", l->name);
}

/* One result: the fields of `blmon check --json` results, plus since and checked_at. */
static cJSON *result_json(const query_ctx_t *c, const query_list_t *l, const char *target,
			  const qstate_t *s)
{
	cJSON *o = cJSON_CreateObject();
	verdict_t v;
	char url[1024];
	int64_t ttl = s->ttl_until - c->now;

	add_list_fields(o, c, l);
	cJSON_AddStringToObject(o, "status", s->status);
	jsonx_add_str(o, "scope", l->scope);
	jsonx_add_str(o, "kind", l->kind);
	cJSON_AddItemToObject(o, "codes", codes_json(s->codes, &v));
	cJSON_AddItemToObject(o, "meanings", meanings_json(&v, l->cl));
	cJSON_AddItemToObject(o, "txt", txt_json(s->txt));
	jsonx_add_text(o, "reason", s->reason);
	if (!strcmp(s->status, "listed") && l->cl &&
	    catalog_removal_url(l->cl, target, url, sizeof(url)) == 0)
		jsonx_add_str(o, "removal_url", url);
	else
		cJSON_AddNullToObject(o, "removal_url");
	cJSON_AddNumberToObject(o, "ttl", (double)(ttl > 0 ? ttl : 0));
	jsonx_add_time(o, "since", s->since);
	jsonx_add_time(o, "checked_at", s->checked_at);
	return o;
}

const char *query_target_status(const cJSON *results)
{
	const cJSON *r;
	int worst = -1;

	cJSON_ArrayForEach(r, results)
	{
		const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "kind"));
		const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "status"));
		int v;
		if (!kind || !st || strcmp(kind, "block"))
			continue; /* allow and info lists never make a target worse */
		v = !strcmp(st, "listed") ? 2 : !strcmp(st, "unknown") ? 1 : 0;
		if (v > worst)
			worst = v;
	}
	return worst == 2 ? "listed" : worst == 0 ? "clean" : "unknown";
}

/* ---- targets ---- */

#define TARGET_COLS                                                                              \
	"SELECT t.id, t.target, t.type, t.discovered_from, t.active, t.first_seen, t.last_seen, " \
	"a.target_id IS NOT NULL, a.asn, a.prefix, a.country, a.registry, a.name, "               \
	"s.list_id, s.status, s.since, s.codes, s.txt, s.reason, s.checked_at, s.ttl_until "      \
	"FROM targets t LEFT JOIN asn a ON a.target_id = t.id "                                    \
	"LEFT JOIN state s ON s.target_id = t.id "

static cJSON *asn_json(sqlite3_stmt *st)
{
	cJSON *o;

	if (!sqlite3_column_int(st, 7))
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	if (sqlite3_column_type(st, 8) == SQLITE_NULL)
		cJSON_AddNullToObject(o, "asn");
	else
		cJSON_AddNumberToObject(o, "asn", (double)sqlite3_column_int64(st, 8));
	jsonx_add_text(o, "prefix", col_str(st, 9));
	jsonx_add_text(o, "country", col_str(st, 10));
	jsonx_add_text(o, "registry", col_str(st, 11));
	jsonx_add_text(o, "name", col_str(st, 12));
	return o;
}

static cJSON *target_head(sqlite3_stmt *st)
{
	cJSON *o = cJSON_CreateObject();

	jsonx_add_str(o, "target", col_str(st, 1));
	jsonx_add_str(o, "type", col_str(st, 2));
	cJSON_AddStringToObject(o, "status", "unknown"); /* set once the results are in */
	cJSON_AddBoolToObject(o, "active", sqlite3_column_int(st, 4) != 0);
	jsonx_add_text(o, "discovered_from", col_str(st, 3));
	jsonx_add_time(o, "first_seen", sqlite3_column_int64(st, 5));
	jsonx_add_time(o, "last_seen", sqlite3_column_int64(st, 6));
	cJSON_AddItemToObject(o, "asn", asn_json(st));
	cJSON_AddArrayToObject(o, "results");
	return o;
}

static void target_finish(cJSON *t)
{
	cJSON_ReplaceItemInObjectCaseSensitive(
		t, "status",
		cJSON_CreateString(query_target_status(cJSON_GetObjectItemCaseSensitive(t, "results"))));
}

/* Appends to arr every target the statement yields (rows grouped by target
 * id), with its results on lists in use. Returns 0 or -1. */
static int targets_read(sqlite3 *db, const query_ctx_t *c, const query_lists_t *ls, sqlite3_stmt *st,
			cJSON *arr, char *err, size_t errlen)
{
	int64_t cur = -1;
	cJSON *t = NULL;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const query_list_t *l;
		qstate_t s;

		if (id != cur) {
			if (t)
				target_finish(t);
			t = target_head(st);
			cJSON_AddItemToArray(arr, t);
			cur = id;
		}
		if (sqlite3_column_type(st, 13) == SQLITE_NULL)
			continue; /* no state yet */
		l = query_lists_get(ls, sqlite3_column_int64(st, 13));
		if (!l || !l->in_use)
			continue; /* a list no longer checked: its old state is not the truth */
		s.status = col_str(st, 14);
		s.since = sqlite3_column_int64(st, 15);
		s.codes = col_str(st, 16);
		s.txt = col_str(st, 17);
		s.reason = col_str(st, 18);
		s.checked_at = sqlite3_column_int64(st, 19);
		s.ttl_until = sqlite3_column_int64(st, 20);
		if (!s.status)
			continue;
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(t, "results"),
				     result_json(c, l, col_str(st, 1), &s));
	}
	if (t)
		target_finish(t);
	if (rc != SQLITE_DONE)
		return dberr(db, "reading targets", err, errlen);
	return 0;
}

static cJSON *cycle_json(sqlite3 *db, char *err, size_t errlen, int *ret)
{
	sqlite3_stmt *st = prep(db,
				"SELECT id, started, ended, lists, targets, queries, errors, listed, "
				"unknown FROM cycles WHERE ended IS NOT NULL ORDER BY id DESC LIMIT 1",
				err, errlen);
	cJSON *o = NULL;
	int rc;

	*ret = -1;
	if (!st)
		return NULL;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		static const char *const cols[] = {"lists", "targets", "queries", "errors", "listed",
						   "unknown"};
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)sqlite3_column_int64(st, 0));
		jsonx_add_time(o, "started", sqlite3_column_int64(st, 1));
		jsonx_add_time(o, "ended", sqlite3_column_int64(st, 2));
		cJSON_AddNumberToObject(o, "duration_seconds",
					(double)(sqlite3_column_int64(st, 2) - sqlite3_column_int64(st, 1)));
		for (int i = 0; i < 6; i++)
			cJSON_AddNumberToObject(o, cols[i], (double)sqlite3_column_int64(st, 3 + i));
		*ret = 0;
	} else if (rc == SQLITE_DONE) {
		o = cJSON_CreateNull();
		*ret = 0;
	} else {
		dberr(db, "reading cycles", err, errlen);
	}
	sqlite3_finalize(st);
	return o;
}

cJSON *query_status(sqlite3 *db, const query_ctx_t *c, bool only_problems, char *err,
		    size_t errlen)
{
	cJSON *doc = NULL, *targets, *lists, *sum, *t, *next, *cyc;
	sqlite3_stmt *st = NULL;
	query_lists_t ls = {0};
	long long n[3] = {0, 0, 0}; /* listed, unknown, clean */
	int ret;

	err[0] = '\0';
	if (snap_begin(db, err, errlen) < 0)
		return NULL;
	if (query_lists_load(db, c, &ls, err, errlen) < 0)
		goto done;
	cyc = cycle_json(db, err, errlen, &ret);
	if (ret < 0)
		goto done;
	doc = cJSON_CreateObject();
	jsonx_add_time(doc, "generated_at", c->now);
	cJSON_AddNumberToObject(doc, "interval_seconds", c->interval_s);
	cJSON_AddItemToObject(doc, "last_cycle", cyc);
	sum = cJSON_AddObjectToObject(doc, "summary");
	lists = cJSON_AddArrayToObject(doc, "lists");
	for (size_t i = 0; i < ls.n; i++)
		if (ls.v[i].in_use)
			cJSON_AddItemToArray(lists, health_json(c, &ls.v[i]));
	targets = cJSON_AddArrayToObject(doc, "targets");
	st = prep(db, TARGET_COLS "WHERE t.active = 1 ORDER BY t.id, s.list_id", err, errlen);
	if (!st || targets_read(db, c, &ls, st, targets, err, errlen) < 0) {
		cJSON_Delete(doc);
		doc = NULL;
		goto done;
	}
	for (t = targets->child; t; t = next) {
		const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "status"));
		int k = !strcmp(s, "listed") ? 0 : !strcmp(s, "unknown") ? 1 : 2;
		next = t->next;
		n[k]++;
		if (only_problems && k == 2)
			cJSON_Delete(cJSON_DetachItemViaPointer(targets, t));
	}
	cJSON_AddNumberToObject(sum, "targets", (double)(n[0] + n[1] + n[2]));
	cJSON_AddNumberToObject(sum, "listed", (double)n[0]);
	cJSON_AddNumberToObject(sum, "unknown", (double)n[1]);
	cJSON_AddNumberToObject(sum, "clean", (double)n[2]);
done:
	sqlite3_finalize(st);
	query_lists_free(&ls);
	snap_end(db);
	return doc;
}

/* An event row (columns from 0: id, at, target, list_id, from, to, codes, txt, reason). */
static cJSON *event_json(const query_ctx_t *c, const query_lists_t *ls, sqlite3_stmt *st)
{
	cJSON *o = cJSON_CreateObject();
	const query_list_t *l = query_lists_get(ls, sqlite3_column_int64(st, 3));
	verdict_t v;

	cJSON_AddStringToObject(o, "source", "dnsbl");
	cJSON_AddNumberToObject(o, "id", (double)sqlite3_column_int64(st, 0));
	jsonx_add_time(o, "at", sqlite3_column_int64(st, 1));
	jsonx_add_str(o, "target", col_str(st, 2));
	if (l) {
		add_list_fields(o, c, l);
		jsonx_add_str(o, "scope", l->scope);
		jsonx_add_str(o, "kind", l->kind);
	} else { /* cannot happen with foreign keys on; keep the document valid */
		cJSON_AddStringToObject(o, "zone", "");
		cJSON_AddStringToObject(o, "name", "");
		cJSON_AddStringToObject(o, "scope", "ip");
		cJSON_AddStringToObject(o, "kind", "block");
	}
	jsonx_add_text(o, "from", col_str(st, 4));
	jsonx_add_str(o, "to", col_str(st, 5));
	cJSON_AddItemToObject(o, "codes", codes_json(col_str(st, 6), &v));
	cJSON_AddItemToObject(o, "meanings", meanings_json(&v, l ? l->cl : NULL));
	cJSON_AddItemToObject(o, "txt", txt_json(col_str(st, 7)));
	jsonx_add_text(o, "reason", col_str(st, 8));
	return o;
}

#define EVENT_COLS                                                                     \
	"SELECT e.id, e.at, t.target, e.list_id, e.\"from\", e.\"to\", e.codes, e.txt, " \
	"e.reason FROM events e JOIN targets t ON t.id = e.target_id "

int query_target(sqlite3 *db, const query_ctx_t *c, const char *name, cJSON **out, char *err,
		 size_t errlen)
{
	sqlite3_stmt *st = NULL;
	query_lists_t ls = {0};
	cJSON *arr = NULL, *events;
	int ret = -1, rc;

	*out = NULL;
	err[0] = '\0';
	if (snap_begin(db, err, errlen) < 0)
		return -1;
	if (query_lists_load(db, c, &ls, err, errlen) < 0)
		goto done;
	st = prep(db, TARGET_COLS "WHERE t.target = ?1 ORDER BY s.list_id", err, errlen);
	if (!st)
		goto done;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	arr = cJSON_CreateArray();
	if (targets_read(db, c, &ls, st, arr, err, errlen) < 0)
		goto done;
	if (!arr->child) {
		ret = 0;
		goto done;
	}
	sqlite3_finalize(st);
	st = prep(db, EVENT_COLS "WHERE t.target = ?1 ORDER BY e.id DESC", err, errlen);
	if (!st)
		goto done;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	events = cJSON_AddArrayToObject(arr->child, "events");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cJSON_AddItemToArray(events, event_json(c, &ls, st));
	if (rc != SQLITE_DONE) {
		dberr(db, "reading events", err, errlen);
		goto done;
	}
	*out = cJSON_DetachItemViaPointer(arr, arr->child);
	jsonx_add_time(*out, "generated_at", c->now);
	ret = 1;
done:
	cJSON_Delete(arr);
	sqlite3_finalize(st);
	query_lists_free(&ls);
	snap_end(db);
	return ret;
}

/* Appends "&key=value" with value percent-encoded. */
static size_t url_param(char *buf, size_t len, size_t o, const char *key, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";

	if (o < len)
		o += (size_t)snprintf(buf + o, len - o, "&%s=", key);
	for (const unsigned char *p = (const unsigned char *)v; *p && o + 4 < len; p++) {
		if (isalnum(*p) || strchr("-._~:", *p)) {
			buf[o++] = (char)*p;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[*p >> 4];
			buf[o++] = hex[*p & 15];
		}
	}
	if (o < len)
		buf[o] = '\0';
	return o;
}

/* An incident opening (seq 1) or closing (seq 2) as an event (columns from 0: id, opened,
 * closed, provider, kind, code, meaning, sending_ip). */
static cJSON *incident_event_json(sqlite3_stmt *st, int seq)
{
	cJSON *o = cJSON_CreateObject();
	const char *prov = col_str(st, 3);

	cJSON_AddStringToObject(o, "source", "incident");
	cJSON_AddNumberToObject(o, "incident_id", (double)sqlite3_column_int64(st, 0));
	jsonx_add_time(o, "at", sqlite3_column_int64(st, seq == 2 ? 2 : 1));
	jsonx_add_str(o, "provider", prov);
	jsonx_add_str(o, "provider_name", reject_provider_name(prov ? prov : ""));
	cJSON_AddStringToObject(o, "to", seq == 2 ? "closed" : "open");
	jsonx_add_str(o, "kind", col_str(st, 4));
	jsonx_add_str(o, "code", col_str(st, 5));
	jsonx_add_str(o, "meaning", col_str(st, 6));
	jsonx_add_text(o, "sending_ip", col_str(st, 7));
	return o;
}

/* The merged history, in one order over both sources: at DESC, seq DESC, id DESC, where seq is
 * 0 for a DNSBL event (id: the event's), 1 for an incident opened, 2 for one closed (id: the
 * incident's). The cursor is the (at, seq, id) of the last row shown; the next page starts below
 * it, so rows added meanwhile (all newer) neither repeat nor shift a page. Each branch is
 * limited on its own index before the merge. ?1 target, ?2 zone, ?3 since, ?4 cursor id (0:
 * none), ?5 limit, ?6 cursor at, ?7 cursor seq, ?8 source. */
#define EVENTS_MERGED                                                                               \
	"SELECT at, seq, id FROM ("                                                                \
	"SELECT * FROM (SELECT e.at AS at, 0 AS seq, e.id AS id FROM events e "                    \
	"JOIN targets t ON t.id = e.target_id JOIN lists l ON l.id = e.list_id "                  \
	"WHERE (?8 IS NULL OR ?8 = 'dnsbl') AND (?1 IS NULL OR t.target = ?1) "                    \
	"AND (?2 IS NULL OR l.zone = ?2 COLLATE NOCASE) AND e.at >= ?3 "                           \
	"AND (?4 = 0 OR (e.at, 0, e.id) < (?6, ?7, ?4)) ORDER BY e.at DESC, e.id DESC LIMIT ?5) "  \
	"UNION ALL SELECT * FROM (SELECT i.opened, 1, i.id FROM incidents i "                      \
	"WHERE (?8 IS NULL OR ?8 = 'incident') AND ?1 IS NULL AND ?2 IS NULL AND i.opened >= ?3 "  \
	"AND (?4 = 0 OR (i.opened, 1, i.id) < (?6, ?7, ?4)) ORDER BY i.opened DESC, i.id DESC "    \
	"LIMIT ?5) "                                                                               \
	"UNION ALL SELECT * FROM (SELECT i.closed, 2, i.id FROM incidents i "                      \
	"WHERE (?8 IS NULL OR ?8 = 'incident') AND ?1 IS NULL AND ?2 IS NULL "                     \
	"AND i.closed IS NOT NULL AND i.closed >= ?3 "                                             \
	"AND (?4 = 0 OR (i.closed, 2, i.id) < (?6, ?7, ?4)) ORDER BY i.closed DESC, i.id DESC "    \
	"LIMIT ?5)) ORDER BY at DESC, seq DESC, id DESC LIMIT ?5"

cJSON *query_events(sqlite3 *db, const query_ctx_t *c, const query_events_t *q, char *err,
		    size_t errlen)
{
	sqlite3_stmt *st = NULL, *ev = NULL, *inc = NULL;
	query_lists_t ls = {0};
	cJSON *doc = NULL, *arr;
	const char *zone = q->zone;
	catalog_list_t *cl = zone && c->catalog ? catalog_find(c->catalog, zone) : NULL;
	int64_t last_at = 0, last_id = 0, before_at = q->before_at;
	int last_seq = 0, before_seq = q->before_seq;
	unsigned n = 0;
	int rc;

	err[0] = '\0';
	if (cl && cl->zone)
		zone = cl->zone; /* a list id or zone template names the zone queried */
	if (snap_begin(db, err, errlen) < 0)
		return NULL;
	if (query_lists_load(db, c, &ls, err, errlen) < 0)
		goto done;
	if (q->before && !before_at) {
		/* a bare event id (a `next` from before incidents were events): continue below it */
		st = prep(db,
			  "SELECT coalesce((SELECT at FROM events WHERE id = ?1), "
			  "(SELECT max(at) FROM events WHERE id < ?1), 0)",
			  err, errlen);
		if (!st)
			goto done;
		sqlite3_bind_int64(st, 1, q->before);
		if (sqlite3_step(st) != SQLITE_ROW) {
			dberr(db, "reading events", err, errlen);
			goto done;
		}
		before_at = sqlite3_column_int64(st, 0);
		before_seq = 0;
		sqlite3_finalize(st);
		if (before_at <= 0)
			before_at = 1; /* nothing below: an empty page */
	}
	st = prep(db, EVENTS_MERGED, err, errlen);
	ev = prep(db, EVENT_COLS "WHERE e.id = ?1", err, errlen);
	inc = prep(db,
		   "SELECT id, opened, closed, provider, kind, code, meaning, sending_ip FROM incidents "
		   "WHERE id = ?1",
		   err, errlen);
	if (!st || !ev || !inc)
		goto done;
	if (q->target)
		sqlite3_bind_text(st, 1, q->target, -1, SQLITE_STATIC);
	if (zone)
		sqlite3_bind_text(st, 2, zone, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, q->since);
	sqlite3_bind_int64(st, 4, q->before);
	sqlite3_bind_int64(st, 5, (int64_t)q->limit + 1); /* one more: is there a next page? */
	sqlite3_bind_int64(st, 6, before_at);
	sqlite3_bind_int(st, 7, before_seq);
	if (q->source)
		sqlite3_bind_text(st, 8, q->source, -1, SQLITE_STATIC);
	doc = cJSON_CreateObject();
	jsonx_add_time(doc, "generated_at", c->now);
	arr = cJSON_AddArrayToObject(doc, "events");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_stmt *one;
		if (n == q->limit)
			break;
		last_at = sqlite3_column_int64(st, 0);
		last_seq = sqlite3_column_int(st, 1);
		last_id = sqlite3_column_int64(st, 2);
		one = last_seq ? inc : ev;
		sqlite3_reset(one);
		sqlite3_bind_int64(one, 1, last_id);
		if (sqlite3_step(one) != SQLITE_ROW) {
			rc = SQLITE_ERROR;
			break;
		}
		cJSON_AddItemToArray(arr, last_seq ? incident_event_json(one, last_seq)
						   : event_json(c, &ls, one));
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		dberr(db, "reading events", err, errlen);
		cJSON_Delete(doc);
		doc = NULL;
		goto done;
	}
	if (rc == SQLITE_ROW) {
		char url[2048], ts[TIMEFMT_MAX];
		size_t o = (size_t)snprintf(url, sizeof(url),
					    "/api/v1/events?limit=%u&before=%lld.%d.%lld", q->limit,
					    (long long)last_at, last_seq, (long long)last_id);
		if (q->since) {
			timefmt_rfc3339(q->since, ts);
			o = url_param(url, sizeof(url), o, "since", ts);
		}
		if (q->target)
			o = url_param(url, sizeof(url), o, "target", q->target);
		if (q->zone)
			o = url_param(url, sizeof(url), o, "zone", q->zone);
		if (q->source)
			url_param(url, sizeof(url), o, "source", q->source);
		jsonx_add_str(doc, "next", url);
	} else {
		cJSON_AddNullToObject(doc, "next");
	}
done:
	sqlite3_finalize(st);
	sqlite3_finalize(ev);
	sqlite3_finalize(inc);
	query_lists_free(&ls);
	snap_end(db);
	return doc;
}

/* ---- lists ---- */

static cJSON *code_row_json(const catalog_code_t *k)
{
	cJSON *o = cJSON_CreateObject();
	char buf[64];
	size_t off = 0;

	for (int i = 0; i < 4; i++) {
		if (k->lo[i] == 0 && k->hi[i] == 255)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s*", i ? "." : "");
		else if (k->lo[i] == k->hi[i])
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%u", i ? "." : "",
						k->lo[i]);
		else
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%u-%u", i ? "." : "",
						k->lo[i], k->hi[i]);
	}
	cJSON_AddStringToObject(o, "answer", buf);
	cJSON_AddStringToObject(o, "class", k->cls == CODE_LISTED    ? "listed"
					    : k->cls == CODE_NEUTRAL ? "neutral"
								     : "error");
	jsonx_add_str(o, "meaning", k->meaning);
	return o;
}

static void add_health(cJSON *o, const query_ctx_t *c, const query_list_t *row)
{
	const char *advice;

	(void)c;
	jsonx_add_str(o, "health", row ? row->health : "untested");
	jsonx_add_text(o, "detail", row ? row->detail : NULL);
	jsonx_add_time(o, "health_since", row ? row->health_since : 0);
	advice = row ? health_advice(row->health) : NULL;
	if (advice)
		cJSON_AddStringToObject(o, "advice", advice);
	else
		cJSON_AddNullToObject(o, "advice");
}

cJSON *query_lists(sqlite3 *db, const query_ctx_t *c, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	query_lists_t ls = {0};
	cJSON *doc = NULL, *arr;
	long long ntype[3] = {0, 0, 0}; /* ipv4, ipv6, domain */
	int rc;

	err[0] = '\0';
	if (snap_begin(db, err, errlen) < 0)
		return NULL;
	if (query_lists_load(db, c, &ls, err, errlen) < 0)
		goto done;
	st = prep(db, "SELECT type, count(*) FROM targets WHERE active = 1 GROUP BY type", err,
		  errlen);
	if (!st)
		goto done;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *ty = col_str(st, 0);
		int k = !ty ? -1 : !strcmp(ty, "ipv4") ? 0 : !strcmp(ty, "ipv6") ? 1 : 2;
		if (k >= 0)
			ntype[k] = sqlite3_column_int64(st, 1);
	}
	if (rc != SQLITE_DONE) {
		dberr(db, "counting targets", err, errlen);
		goto done;
	}
	sqlite3_finalize(st);
	st = prep(db, "SELECT ifnull(sum(queries), 0) FROM cycles WHERE started >= ?1", err,
		  errlen);
	if (!st)
		goto done;
	sqlite3_bind_int64(st, 1, c->now - c->now % 86400);
	if (sqlite3_step(st) != SQLITE_ROW) {
		dberr(db, "summing cycles", err, errlen);
		goto done;
	}
	doc = cJSON_CreateObject();
	jsonx_add_time(doc, "generated_at", c->now);
	cJSON_AddNumberToObject(doc, "queries_today", (double)sqlite3_column_int64(st, 0));
	arr = cJSON_AddArrayToObject(doc, "lists");
	for (size_t i = 0; c->catalog && i < c->catalog->n; i++) {
		const catalog_list_t *l = &c->catalog->lists[i];
		const query_list_t *row = lists_by_zone(&ls, l->zone);
		cJSON *o = cJSON_CreateObject(), *codes;
		unsigned iv = l->interval_s ? l->interval_s : c->interval_s;
		bool on = l->enabled && l->zone;

		jsonx_add_str(o, "zone", l->zone ? query_zone_shown(c, l->zone) : l->zone_tmpl);
		jsonx_add_str(o, "id", l->id ? l->id : l->zone_tmpl);
		jsonx_add_str(o, "name", l->name);
		cJSON_AddStringToObject(o, "kind", catalog_kind_name(l->kind));
		cJSON_AddStringToObject(o, "type", catalog_qtype_name(l->qtype));
		cJSON_AddStringToObject(o, "scope", catalog_scope_name(l->scope));
		cJSON_AddBoolToObject(o, "enabled", on);
		cJSON_AddBoolToObject(o, "ipv6", l->ipv6);
		cJSON_AddNumberToObject(o, "interval_seconds", iv);
		add_health(o, c, on ? row : NULL);
		if (on && iv) {
			/* as the daemon's budget check: applicable targets plus 4 test points a cycle */
			long long per_cycle = 4;
			double per_day;
			for (int k = 0; k < 3; k++)
				if (dnsbl_list_applies(l, (target_type_t)(k == 0   ? TARGET_IPV4
									  : k == 1 ? TARGET_IPV6
										   : TARGET_DOMAIN)))
					per_cycle += ntype[k];
			per_day = (double)per_cycle * (double)((86400ULL + iv - 1) / iv);
			cJSON_AddNumberToObject(o, "queries_per_day", per_day);
			cJSON_AddBoolToObject(o, "over_budget", l->budget && per_day > l->budget);
		} else {
			cJSON_AddNullToObject(o, "queries_per_day");
			cJSON_AddBoolToObject(o, "over_budget", false);
		}
		if (l->budget)
			cJSON_AddNumberToObject(o, "budget", l->budget);
		else
			cJSON_AddNullToObject(o, "budget");
		jsonx_add_text(o, "removal", l->removal);
		codes = cJSON_AddArrayToObject(o, "codes");
		for (size_t k = 0; k < l->ncodes; k++)
			cJSON_AddItemToArray(codes, code_row_json(&l->codes[k]));
		cJSON_AddItemToArray(arr, o);
	}
done:
	sqlite3_finalize(st);
	query_lists_free(&ls);
	snap_end(db);
	return doc;
}

/* ---- ASNs ---- */

cJSON *query_asns(sqlite3 *db, const query_ctx_t *c, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL, *sst = NULL;
	query_lists_t ls = {0};
	cJSON *doc = NULL, *arr, *cur = NULL;
	int64_t cur_asn = -1;
	int rc;

	err[0] = '\0';
	if (snap_begin(db, err, errlen) < 0)
		return NULL;
	if (query_lists_load(db, c, &ls, err, errlen) < 0)
		goto done;
	st = prep(db,
		  "SELECT a.asn, a.prefix, a.country, a.registry, a.name, t.target, t.id "
		  "FROM asn a JOIN targets t ON t.id = a.target_id "
		  "WHERE t.active = 1 AND a.asn IS NOT NULL ORDER BY a.asn, t.id",
		  err, errlen);
	sst = prep(db,
		   "SELECT list_id, status, since, codes, txt, reason, checked_at, ttl_until "
		   "FROM state WHERE target_id = ?1 ORDER BY list_id",
		   err, errlen);
	if (!st || !sst)
		goto done;
	doc = cJSON_CreateObject();
	jsonx_add_time(doc, "generated_at", c->now);
	arr = cJSON_AddArrayToObject(doc, "asns");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t asn = sqlite3_column_int64(st, 0);
		const char *target = col_str(st, 5), *prefix = col_str(st, 1);
		cJSON *tobj, *results = cJSON_CreateArray(), *r, *prefixes, *p;
		bool have = false;
		int src;

		if (asn != cur_asn) {
			cur = cJSON_CreateObject();
			cJSON_AddNumberToObject(cur, "asn", (double)asn);
			jsonx_add_text(cur, "name", col_str(st, 4));
			jsonx_add_text(cur, "country", col_str(st, 2));
			jsonx_add_text(cur, "registry", col_str(st, 3));
			cJSON_AddArrayToObject(cur, "prefixes");
			cJSON_AddArrayToObject(cur, "targets");
			cJSON_AddArrayToObject(cur, "listings");
			cJSON_AddItemToArray(arr, cur);
			cur_asn = asn;
		}
		prefixes = cJSON_GetObjectItemCaseSensitive(cur, "prefixes");
		cJSON_ArrayForEach(p, prefixes)
		{
			have |= prefix && !strcmp(p->valuestring, prefix);
		}
		if (prefix && *prefix && !have) {
			char buf[128];
			text_utf8_clean(prefix, buf, sizeof(buf));
			cJSON_AddItemToArray(prefixes, cJSON_CreateString(buf));
		}
		sqlite3_reset(sst);
		sqlite3_bind_int64(sst, 1, sqlite3_column_int64(st, 6));
		while ((src = sqlite3_step(sst)) == SQLITE_ROW) {
			const query_list_t *l = query_lists_get(&ls, sqlite3_column_int64(sst, 0));
			qstate_t s = {col_str(sst, 1), col_str(sst, 3), col_str(sst, 4), col_str(sst, 5),
				      sqlite3_column_int64(sst, 2), sqlite3_column_int64(sst, 6),
				      sqlite3_column_int64(sst, 7)};
			if (!l || !l->in_use || !s.status)
				continue;
			cJSON_AddItemToArray(results, result_json(c, l, target, &s));
		}
		if (src != SQLITE_DONE) {
			cJSON_Delete(results);
			rc = src;
			break;
		}
		tobj = cJSON_CreateObject();
		jsonx_add_str(tobj, "target", target);
		jsonx_add_text(tobj, "prefix", prefix);
		cJSON_AddStringToObject(tobj, "status", query_target_status(results));
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(cur, "targets"), tobj);
		/* the neighbourhood: listings of the network or AS, not only the address */
		for (r = results->child; r;) {
			cJSON *nx = r->next;
			const char *scope =
				cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "scope"));
			const char *status =
				cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "status"));
			if (scope && status && strcmp(scope, "ip") && strcmp(scope, "domain") &&
			    !strcmp(status, "listed")) {
				cJSON *item = cJSON_DetachItemViaPointer(results, r);
				cJSON_AddItemToObject(item, "target", cJSON_CreateString(target));
				cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(cur, "listings"),
						     item);
			}
			r = nx;
		}
		cJSON_Delete(results);
	}
	if (rc != SQLITE_DONE) {
		dberr(db, "reading ASNs", err, errlen);
		cJSON_Delete(doc);
		doc = NULL;
	}
done:
	sqlite3_finalize(st);
	sqlite3_finalize(sst);
	query_lists_free(&ls);
	snap_end(db);
	return doc;
}

/* ---- health ---- */

int query_health(sqlite3 *db, const query_ctx_t *c, unsigned interval_s, cJSON **out, char *err,
		 size_t errlen)
{
	sqlite3_stmt *st;
	cJSON *doc;
	int rc, ret;
	int64_t ended = 0, age = 0, max_age = 2 * (int64_t)interval_s;
	char reason[256] = "";

	*out = NULL;
	if (max_age < QUERY_HEALTH_MIN_AGE)
		max_age = QUERY_HEALTH_MIN_AGE; /* second-long test intervals: allow for a slow cycle */
	st = prep(db, "SELECT ended FROM cycles WHERE ended IS NOT NULL ORDER BY id DESC LIMIT 1",
		  err, errlen);
	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ended = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dberr(db, "reading cycles", err, errlen);
	if (!ended) {
		snprintf(reason, sizeof(reason), "no check cycle has finished yet");
	} else {
		age = c->now - ended;
		if (age > max_age)
			snprintf(reason, sizeof(reason),
				 "the last check cycle ended %llds ago, more than two intervals "
				 "(%llds): the monitor is stuck or stopped",
				 (long long)age, (long long)max_age);
	}
	ret = reason[0] ? 0 : 1;
	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "status", ret ? "ok" : "unhealthy");
	jsonx_add_time(doc, "generated_at", c->now);
	jsonx_add_time(doc, "last_cycle_ended", ended);
	if (ended)
		cJSON_AddNumberToObject(doc, "age_seconds", (double)age);
	else
		cJSON_AddNullToObject(doc, "age_seconds");
	cJSON_AddNumberToObject(doc, "max_age_seconds", (double)max_age);
	jsonx_add_text(doc, "reason", reason);
	*out = doc;
	return ret;
}

/* ---- connection ---- */

sqlite3 *query_open(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 2000);
	return db;
}

void query_close(sqlite3 *db)
{
	sqlite3_close(db);
}

int query_status_key(sqlite3 *db, int64_t *cycle, int64_t *event)
{
	char err[256];
	sqlite3_stmt *st = prep(db,
				"SELECT (SELECT ifnull(max(id), 0) FROM cycles WHERE ended IS NOT NULL), "
				"(SELECT ifnull(max(id), 0) FROM events)",
				err, sizeof(err));
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*cycle = sqlite3_column_int64(st, 0);
		*event = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}
