/* api_events.c -- GET /api/v1/events: DNSBL changes and provider incidents in one history, paged.
 * `next` carries the cursor of the last entry shown and every filter, so a page never repeats or skips. */
#include "web/api_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "checks/reject_rules.h"
#include "lib/jsonx.h"
#include "lib/timefmt.h"

/* ---- sources ---- */

static const char *const source_names[] = {
	[API_SOURCE_ANY] = "",
	[API_SOURCE_DNSBL] = "dnsbl",
	[API_SOURCE_INCIDENT] = "incident",
};

const char *api_source_name(api_source_t src)
{
	return (unsigned)src <= API_SOURCE_INCIDENT ? source_names[src] : "";
}

int api_source_parse(const char *s, api_source_t *out)
{
	for (int i = API_SOURCE_DNSBL; s && i <= API_SOURCE_INCIDENT; i++)
		if (!strcmp(s, source_names[i])) {
			*out = (api_source_t)i;
			return 0;
		}
	return -1;
}

/* ---- entries ---- */

/* The result part of an event on list l (NULL: a list the store no longer
 * has, impossible with foreign keys on; the document stays valid). */
static void event_result(result_t *r, const api_list_t *l, const store_event_row_t *e)
{
	memset(r, 0, sizeof(*r));
	if (l) {
		r->list = l->cl;
		r->zone = l->row.zone;
		r->name = l->row.name;
		r->scope = l->row.scope;
		r->kind = l->row.kind;
	} else {
		r->zone = r->name = "";
		r->scope = SCOPE_IP;
		r->kind = LIST_BLOCK;
	}
	r->status = e->ev.to;
	store_answer_to_result(&e->ev.ans, r);
}

cJSON *api_event_json(const api_lists_t *ls, const store_event_row_t *e)
{
	cJSON *o = cJSON_CreateObject();
	result_t r;

	cJSON_AddStringToObject(o, "source", api_source_name(API_SOURCE_DNSBL));
	cJSON_AddNumberToObject(o, "id", (double)e->ev.id);
	jsonx_add_time(o, "at", e->ev.at);
	jsonx_add_str(o, "target", e->target);
	event_result(&r, api_lists_get(ls, e->ev.list_id), e);
	result_json_into(o, &r, e->target, RESULT_JSON_EVENT);
	jsonx_add_text(o, "from", e->ev.first ? NULL : status_name(e->ev.from));
	cJSON_AddStringToObject(o, "to", status_name(e->ev.to));
	return o;
}

/* An incident's opening or closing as an entry of the history. */
static cJSON *incident_event_json(const store_incident_t *in, store_history_kind_t kind)
{
	cJSON *o = cJSON_CreateObject();
	bool closed = kind == STORE_HISTORY_CLOSED;

	cJSON_AddStringToObject(o, "source", api_source_name(API_SOURCE_INCIDENT));
	cJSON_AddNumberToObject(o, "incident_id", (double)in->id);
	jsonx_add_time(o, "at", closed ? in->closed : in->opened);
	jsonx_add_str(o, "provider", in->provider);
	jsonx_add_str(o, "provider_name", reject_provider_name(in->provider ? in->provider : ""));
	cJSON_AddStringToObject(o, "to", closed ? "closed" : "open");
	jsonx_add_str(o, "kind", in->kind);
	jsonx_add_str(o, "code", in->code);
	jsonx_add_str(o, "meaning", in->meaning);
	jsonx_add_text(o, "sending_ip", in->sending_ip);
	return o;
}

/* ---- a page ---- */

struct page {
	const api_lists_t *ls;
	unsigned limit, n;
	cJSON *arr;
	bool more;                /* an entry beyond the page exists */
	int64_t last_at, last_id; /* the cursor of the last entry shown */
	int last_seq;
};

static int page_entry(void *arg, const store_history_t *h)
{
	struct page *p = arg;

	if (p->n == p->limit) {
		p->more = true;
		return 1;
	}
	p->last_at = h->at;
	p->last_seq = (int)h->kind;
	p->last_id = h->id;
	cJSON_AddItemToArray(p->arr, h->event ? api_event_json(p->ls, h->event)
					      : incident_event_json(h->incident, h->kind));
	p->n++;
	return 0;
}

/* The zone a `zone` parameter names: a list id or zone template names the zone queried. */
static const char *zone_queried(const api_ctx_t *c, const char *zone)
{
	catalog_list_t *cl = zone && c->catalog ? catalog_find(c->catalog, zone) : NULL;

	return cl && cl->zone ? cl->zone : zone;
}

/* The store's query for q: its filters and cursor. A bare event id (a `next`
 * from before incidents were events) continues below that event. 0 or -1. */
static int history_query(store_t *s, const api_ctx_t *c, const api_events_t *q,
			 store_history_q_t *hq)
{
	static const store_history_source_t sources[] = {
		[API_SOURCE_ANY] = STORE_HISTORY_ALL,
		[API_SOURCE_DNSBL] = STORE_HISTORY_EVENTS,
		[API_SOURCE_INCIDENT] = STORE_HISTORY_INCIDENTS,
	};

	memset(hq, 0, sizeof(*hq));
	hq->since = q->since;
	hq->target = q->target;
	hq->zone = zone_queried(c, q->zone);
	hq->source = sources[q->source];
	hq->changes = q->changes;
	hq->cursor_id = q->before;
	hq->cursor_at = q->before_at;
	hq->cursor_kind = (store_history_kind_t)q->before_seq;
	hq->limit = q->limit + 1; /* one more: is there a next page? */
	if (q->before && !q->before_at) {
		if (store_history_event_at(s, q->before, &hq->cursor_at) < 0)
			return -1;
		hq->cursor_kind = STORE_HISTORY_EVENT;
		if (hq->cursor_at <= 0)
			hq->cursor_at = 1; /* nothing below: an empty page */
	}
	return 0;
}

/* "next": the URL of the page after p with q's filters, or null on the last page. */
static void next_json(cJSON *doc, const api_events_t *q, const struct page *p)
{
	char url[2048], ts[TIMEFMT_MAX];
	size_t o;

	if (!p->more) {
		cJSON_AddNullToObject(doc, "next");
		return;
	}
	o = (size_t)snprintf(url, sizeof(url), "/api/v1/events?limit=%u&before=%lld.%d.%lld",
			     q->limit, (long long)p->last_at, p->last_seq, (long long)p->last_id);
	if (q->since) {
		timefmt_rfc3339(q->since, ts);
		o = api_url_param(url, sizeof(url), o, "since", ts);
	}
	if (q->target)
		o = api_url_param(url, sizeof(url), o, "target", q->target);
	if (q->zone)
		o = api_url_param(url, sizeof(url), o, "zone", q->zone);
	if (q->source != API_SOURCE_ANY)
		o = api_url_param(url, sizeof(url), o, "source", api_source_name(q->source));
	if (q->changes)
		api_url_param(url, sizeof(url), o, "changes", "yes");
	jsonx_add_str(doc, "next", url);
}

cJSON *api_events(store_t *s, const api_ctx_t *c, const api_events_t *q, char *err,
		  size_t errlen)
{
	api_lists_t ls = {0};
	struct page p = {&ls, q->limit, 0, NULL, false, 0, 0, 0};
	store_history_q_t hq;
	cJSON *doc = NULL;

	if (api_begin(s, err, errlen) < 0)
		return NULL;
	if (api_lists_load(s, c, &ls, err, errlen) < 0)
		goto out;
	if (history_query(s, c, q, &hq) < 0) {
		api_dberr(s, err, errlen);
		goto out;
	}
	doc = cJSON_CreateObject();
	jsonx_add_time(doc, "generated_at", c->now);
	p.arr = cJSON_AddArrayToObject(doc, "events");
	if (store_history_visit(s, &hq, page_entry, &p) < 0) {
		api_dberr(s, err, errlen);
		cJSON_Delete(doc);
		doc = NULL;
		goto out;
	}
	next_json(doc, q, &p);
out:
	api_lists_free(&ls);
	api_end(s);
	return doc;
}
