/* api_lists.c -- GET /api/v1/lists and /api/v1/asns, and the stored lists every document resolves.
 * A stored list counts only while the running configuration checks it: old state is not the truth. */
#include "web/api_int.h"

#include <ctype.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/dnsbl.h"
#include "lib/jsonx.h"
#include "lib/xmalloc.h"
#include "store/store_budget.h"

/* ---- snapshots ---- */

int api_dberr(store_t *s, char *err, size_t errlen)
{
	snprintf(err, errlen, "database: %s", store_error(s));
	return -1;
}

int api_begin(store_t *s, char *err, size_t errlen)
{
	err[0] = '\0';
	return store_begin(s) < 0 ? api_dberr(s, err, errlen) : 0;
}

void api_end(store_t *s)
{
	/* a read-only snapshot has nothing to lose: when COMMIT fails, ROLLBACK ends it */
	if (store_commit(s) < 0)
		store_rollback(s);
}

/* ---- the stored lists ---- */

/* True when the stored list with this zone is in the running configuration;
 * every list is when there is no catalog. */
static bool list_in_use(const api_ctx_t *c, const catalog_list_t *l, const char *zone)
{
	if (!c->catalog)
		return true;
	return l && l->enabled && l->zone && strcasecmp(l->zone, zone) == 0;
}

struct load {
	const api_ctx_t *c;
	api_lists_t *ls;
};

static int load_one(void *arg, const store_list_t *row)
{
	struct load *ld = arg;
	api_list_t *l;

	xgrow((void **)&ld->ls->v, &ld->ls->cap, ld->ls->n + 1, sizeof(*ld->ls->v));
	l = &ld->ls->v[ld->ls->n++];
	l->row = *row;
	l->cl = ld->c->catalog ? catalog_find(ld->c->catalog, row->zone) : NULL;
	l->in_use = list_in_use(ld->c, l->cl, row->zone);
	return 0;
}

int api_lists_load(store_t *s, const api_ctx_t *c, api_lists_t *ls, char *err, size_t errlen)
{
	struct load ld = {c, ls};

	memset(ls, 0, sizeof(*ls));
	if (store_lists_visit(s, load_one, &ld) < 0) {
		api_lists_free(ls);
		return api_dberr(s, err, errlen);
	}
	return 0;
}

const api_list_t *api_lists_get(const api_lists_t *ls, int64_t id)
{
	size_t lo = 0, hi = ls->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ls->v[mid].row.id == id)
			return &ls->v[mid];
		if (ls->v[mid].row.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void api_lists_free(api_lists_t *ls)
{
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

static const api_list_t *lists_by_zone(const api_lists_t *ls, const char *zone)
{
	for (size_t i = 0; zone && i < ls->n; i++)
		if (!strcasecmp(ls->v[i].row.zone, zone))
			return &ls->v[i];
	return NULL;
}

unsigned api_list_interval(const api_ctx_t *c, const api_list_t *l)
{
	return l->cl && l->cl->interval_s ? l->cl->interval_s : c->interval_s;
}

void api_result_from_state(result_t *r, const api_ctx_t *c, const api_list_t *l,
			   const store_state_t *st)
{
	int64_t ttl = st->ttl_until - c->now;

	store_result(r, l->cl, &l->row, st->status, &st->ans);
	r->ttl = ttl <= 0 ? 0 : ttl > UINT32_MAX ? UINT32_MAX : (uint32_t)ttl;
	r->since = st->since;
	r->checked_at = st->checked_at;
	r->stale = result_stale(st->checked_at, c->now, api_list_interval(c, l), c->grace_s);
	r->failing_since = st->failing_since;
	r->failing_reason = st->failing_reason;
}

/* The result_list_t of a stored list: the catalog's query type when it is
 * configured, else the one its scope implies. */
static void list_of_row(result_list_t *rl, const api_list_t *l)
{
	memset(rl, 0, sizeof(*rl));
	rl->list = l->cl;
	rl->zone = l->row.zone;
	rl->id = l->cl ? l->cl->id : NULL;
	rl->name = l->row.name;
	rl->kind = l->row.kind;
	rl->qtype = l->cl ? l->cl->qtype : l->row.scope == SCOPE_DOMAIN ? QTYPE_DOMAIN : QTYPE_IP;
	rl->scope = l->row.scope;
	rl->source = l->cl ? l->cl->source : SOURCE_DNS;
	rl->health = l->row.health;
	rl->detail = l->row.detail;
}

/* "advice": what to do about the list's health, or null. */
static void add_advice(cJSON *o, const catalog_list_t *l, dnsbl_health_t h)
{
	jsonx_add_text(o, "advice", result_list_advice(l, h));
}

cJSON *api_list_health_json(const api_list_t *l)
{
	result_list_t rl;
	cJSON *o;

	list_of_row(&rl, l);
	o = result_list_json(&rl);
	jsonx_add_time(o, "since", l->row.health_since);
	add_advice(o, l->cl, l->row.health);
	return o;
}

/* ---- GET /api/v1/lists ---- */

/* A code row as written in config: octets as a number, a range "a-b", or "*". */
static cJSON *code_row_json(const catalog_code_t *k)
{
	cJSON *o = cJSON_CreateObject();
	char buf[64];

	catalog_code_str(k, buf, sizeof(buf));
	cJSON_AddStringToObject(o, "answer", buf);
	cJSON_AddStringToObject(o, "class", catalog_code_class_name(k->cls));
	jsonx_add_str(o, "meaning", k->meaning);
	return o;
}

/* Planned queries per day, as the daemon's budget check counts them. */
static double queries_per_day(const catalog_list_t *l, unsigned iv, const int64_t ntype[3])
{
	unsigned long long n[3];

	for (int k = TARGET_IPV4; k <= TARGET_DOMAIN; k++)
		n[k] = ntype[k] > 0 ? (unsigned long long)ntype[k] : 0;
	return (double)dnsbl_queries_per_day(l, iv, n);
}

/* Where a list answered from data files gets them, and how old they are
 * (its stored row, when there is one); null for a DNS list. */
static void add_data(cJSON *o, const api_ctx_t *c, const catalog_list_t *l, const api_list_t *row)
{
	const store_list_t *r = row ? &row->row : NULL;
	cJSON *d;

	if (!l->dataset) {
		cJSON_AddNullToObject(o, "data");
		return;
	}
	d = cJSON_AddObjectToObject(o, "data");
	jsonx_add_text(d, "source", r ? r->data_source : NULL);
	jsonx_add_time(d, "updated_at", r ? r->data_at : 0);
	jsonx_add_num_or_null(d, "age_seconds",
			      r && c->now > r->data_at ? (double)(c->now - r->data_at) : 0,
			      r && r->data_at);
	jsonx_add_time(d, "failing_since", r ? r->data_failing_since : 0);
	jsonx_add_text(d, "error", r ? r->data_error : NULL);
}

/* One list of the catalog with its stored health (row, when enabled). */
static cJSON *catalog_list_json(const api_ctx_t *c, const catalog_list_t *l, const api_list_t *row,
				const int64_t ntype[3], int64_t today)
{
	unsigned iv = l->interval_s ? l->interval_s : c->interval_s;
	bool on = l->enabled && l->zone;
	result_list_t rl;
	cJSON *o, *codes;

	result_list_from_catalog(&rl, l, NULL);
	if (!on)
		row = NULL; /* a list not checked now: its old health is not the truth */
	if (row) {
		rl.health = row->row.health;
		rl.detail = row->row.detail;
	}
	o = result_list_json(&rl);
	cJSON_AddBoolToObject(o, "enabled", on);
	cJSON_AddBoolToObject(o, "ipv6", l->ipv6);
	cJSON_AddNumberToObject(o, "interval_seconds", iv);
	jsonx_add_time(o, "health_since", row ? row->row.health_since : 0);
	add_advice(o, l, rl.health);
	if (on && iv && l->source == SOURCE_DNS) { /* SNDS costs two downloads, no query */
		double per_day = queries_per_day(l, iv, ntype);
		cJSON_AddNumberToObject(o, "queries_per_day", per_day);
		cJSON_AddBoolToObject(o, "over_budget", l->budget && per_day > l->budget);
	} else {
		cJSON_AddNullToObject(o, "queries_per_day");
		cJSON_AddBoolToObject(o, "over_budget", false);
	}
	jsonx_add_num_or_null(o, "budget", l->budget, l->budget != 0);
	jsonx_add_num_or_null(o, "queries_today", (double)today, on && l->source == SOURCE_DNS);
	add_data(o, c, l, row);
	jsonx_add_text(o, "removal", l->removal);
	codes = cJSON_AddArrayToObject(o, "codes");
	for (size_t k = 0; k < l->ncodes; k++)
		cJSON_AddItemToArray(codes, code_row_json(&l->codes[k]));
	return o;
}

cJSON *api_lists(store_t *s, const api_ctx_t *c, char *err, size_t errlen)
{
	api_lists_t ls = {0};
	cJSON *doc = NULL, *arr;
	int64_t ntype[3], today;

	if (api_begin(s, err, errlen) < 0)
		return NULL;
	if (api_lists_load(s, c, &ls, err, errlen) < 0)
		goto out;
	if (store_targets_count(s, ntype) < 0 ||
	    (today = store_budget_used(s, 0, store_budget_day(c->now))) < 0) {
		api_dberr(s, err, errlen);
		goto out;
	}
	doc = cJSON_CreateObject();
	jsonx_add_time(doc, "generated_at", c->now);
	cJSON_AddNumberToObject(doc, "queries_today", (double)today);
	arr = cJSON_AddArrayToObject(doc, "lists");
	for (size_t i = 0; c->catalog && i < c->catalog->n; i++) {
		const catalog_list_t *l = &c->catalog->lists[i];
		const api_list_t *row = lists_by_zone(&ls, l->zone);
		int64_t sent = row ? store_budget_used(s, row->row.id, store_budget_day(c->now)) : 0;

		if (sent < 0) {
			api_dberr(s, err, errlen);
			cJSON_Delete(doc);
			doc = NULL;
			goto out;
		}
		cJSON_AddItemToArray(arr, catalog_list_json(c, l, row, ntype, sent));
	}
out:
	api_lists_free(&ls);
	api_end(s);
	return doc;
}

/* ---- GET /api/v1/asns ---- */

struct asns {
	const api_ctx_t *c;
	const api_lists_t *ls;
	cJSON *arr;              /* the document's "asns" */
	cJSON *cur;              /* the ASN being filled, or NULL */
	int64_t cur_asn;
};

/* A new ASN object in the document, from its first address's lookup. */
static cJSON *asn_open(struct asns *a, const store_asn_t *asn)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "asn", (double)asn->asn);
	jsonx_add_text(o, "name", asn->name);
	jsonx_add_text(o, "country", asn->country);
	jsonx_add_text(o, "registry", asn->registry);
	cJSON_AddArrayToObject(o, "prefixes");
	cJSON_AddArrayToObject(o, "targets");
	cJSON_AddArrayToObject(o, "listings");
	cJSON_AddItemToArray(a->arr, o);
	a->cur_asn = asn->asn;
	return o;
}

static void prefix_add(cJSON *prefixes, const char *prefix)
{
	const cJSON *p;

	if (!*prefix)
		return;
	cJSON_ArrayForEach(p, prefixes)
	{
		if (!strcmp(p->valuestring, prefix))
			return;
	}
	jsonx_push_str(prefixes, prefix);
}

/* One address: its entry, and its listings of the network or AS (the neighbourhood's). */
static int asn_target(void *arg, const store_target_view_t *v)
{
	struct asns *a = arg;
	result_tally_t tally = RESULT_TALLY_INIT;
	cJSON *t, *listings;

	if (!a->cur || v->asn.asn != a->cur_asn)
		a->cur = asn_open(a, &v->asn);
	prefix_add(cJSON_GetObjectItemCaseSensitive(a->cur, "prefixes"), v->asn.prefix);
	listings = cJSON_GetObjectItemCaseSensitive(a->cur, "listings");
	for (size_t i = 0; i < v->nstates; i++) {
		const api_list_t *l = api_lists_get(a->ls, v->states[i].list_id);
		result_t r;
		cJSON *o;

		if (!l || !l->in_use)
			continue;
		api_result_from_state(&r, a->c, l, &v->states[i].st);
		result_tally_add(&tally, r.kind, r.status);
		if (r.status != STATUS_LISTED || r.scope == SCOPE_IP || r.scope == SCOPE_DOMAIN)
			continue;
		o = result_json(&r, v->t.name, RESULT_JSON_DAEMON);
		jsonx_add_str(o, "target", v->t.name);
		cJSON_AddItemToArray(listings, o);
	}
	t = cJSON_CreateObject();
	jsonx_add_str(t, "target", v->t.name);
	jsonx_add_text(t, "prefix", v->asn.prefix);
	cJSON_AddStringToObject(t, "status", status_name(result_tally_status(&tally)));
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(a->cur, "targets"), t);
	return 0;
}

cJSON *api_asns(store_t *s, const api_ctx_t *c, char *err, size_t errlen)
{
	api_lists_t ls = {0};
	struct asns a = {c, &ls, NULL, NULL, -1};
	cJSON *doc = NULL;

	if (api_begin(s, err, errlen) < 0)
		return NULL;
	if (api_lists_load(s, c, &ls, err, errlen) < 0)
		goto out;
	doc = cJSON_CreateObject();
	jsonx_add_time(doc, "generated_at", c->now);
	a.arr = cJSON_AddArrayToObject(doc, "asns");
	if (store_targets_visit(s, STORE_TARGETS_ROUTED, NULL, asn_target, &a) < 0) {
		api_dberr(s, err, errlen);
		cJSON_Delete(doc);
		doc = NULL;
	}
out:
	api_lists_free(&ls);
	api_end(s);
	return doc;
}

int api_page_add(api_page_t *p, cJSON *arr, cJSON *item)
{
	char *text = cJSON_PrintUnformatted(item);
	size_t len = 1; /* its comma, or the closing bracket */
	cJSON *raw;

	cJSON_Delete(item);
	if (!text) { /* out of memory: end the page here */
		p->full = true;
		return 1;
	}
	for (const char *c = text; *c; c++)
		len += strchr("<>&", *c) ? 6 : 1;
	if (p->n && p->bytes + len > p->budget) {
		p->full = true;
		cJSON_free(text);
		return 1;
	}
	/* the text, not the tree: a page of objects is a few times larger as cJSON items */
	raw = cJSON_CreateRaw(text);
	cJSON_free(text);
	cJSON_AddItemToArray(arr, raw);
	p->bytes += len;
	p->n++;
	return 0;
}

/* Appends "&key=value" with value percent-encoded. */
size_t api_url_param(char *buf, size_t len, size_t o, const char *key, const char *v)
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

void api_cursor_write(const uint8_t *key, size_t len, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < len && o + 2 < outlen; i++) {
		out[o++] = hex[key[i] >> 4];
		out[o++] = hex[key[i] & 15];
	}
	if (outlen)
		out[o] = '\0';
}

static int hexval(int ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

int api_cursor_parse(const char *s, uint8_t *key, size_t *len)
{
	size_t n = strlen(s);

	if (n == 0 || n % 2 || n / 2 > API_CURSOR_MAX)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}
