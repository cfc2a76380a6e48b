/* api_status.c -- GET /api/v1/status and /api/v1/targets/{target}: targets with their results.
 * Targets stream from the store one at a time; each result is the one object of checks/result.c. */
#include "web/api_int.h"

#include <stdio.h>
#include <string.h>

#include "lib/jsonx.h"

/* The target's origin AS as last looked up, or null. */
static cJSON *asn_json(const store_target_view_t *v)
{
	cJSON *o;

	if (!v->has_asn)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	jsonx_add_num_or_null(o, "asn", (double)v->asn.asn, v->asn.asn >= 0); /* -1: not routed */
	jsonx_add_text(o, "prefix", v->asn.prefix);
	jsonx_add_text(o, "country", v->asn.country);
	jsonx_add_text(o, "registry", v->asn.registry);
	jsonx_add_text(o, "name", v->asn.name);
	return o;
}

/* Microsoft SNDS's numbers of the day for the target, or null when SNDS has none.
 * HELO, sender and comments came from SNDS (and the HELO from whoever connected): jsonx
 * cleans them to UTF-8, the dashboard shows them as text only. */
static cJSON *snds_json(const store_target_view_t *v)
{
	const store_snds_t *n = &v->snds;
	cJSON *o;

	if (!v->has_snds)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "filter", snds_filter_name(n->filter));
	jsonx_add_str(o, "activity_start", n->activity_start);
	jsonx_add_str(o, "activity_end", n->activity_end);
	cJSON_AddNumberToObject(o, "rcpt_commands", (double)n->rcpt);
	cJSON_AddNumberToObject(o, "messages", (double)n->data);
	cJSON_AddNumberToObject(o, "recipients", (double)n->recipients);
	jsonx_add_text(o, "complaint_rate", n->complaint);
	cJSON_AddNumberToObject(o, "complaint_fraction", n->complaint_rate);
	jsonx_add_text(o, "trap_start", n->trap_start);
	jsonx_add_text(o, "trap_end", n->trap_end);
	cJSON_AddNumberToObject(o, "trap_hits", (double)n->trap_hits);
	jsonx_add_text(o, "sample_helo", n->helo);
	jsonx_add_text(o, "jmr_p1_sender", n->mail_from);
	jsonx_add_text(o, "comments", n->comments);
	jsonx_add_time(o, "fetched", n->fetched);
	return o;
}

cJSON *api_target_json(const api_ctx_t *c, const api_lists_t *ls, const store_target_view_t *v)
{
	cJSON *o = cJSON_CreateObject(), *results, *arr = cJSON_CreateArray();
	result_tally_t tally = RESULT_TALLY_INIT;
	bool stale = false;

	/* results on the lists in use: a list no longer checked keeps old state that is not
	 * the truth */
	for (size_t i = 0; i < v->nstates; i++) {
		const api_list_t *l = api_lists_get(ls, v->states[i].list_id);
		result_t r;

		if (!l || !l->in_use)
			continue;
		api_result_from_state(&r, c, l, &v->states[i].st);
		result_tally_add_result(&tally, &r);
		stale |= r.kind == LIST_BLOCK && r.stale;
		cJSON_AddItemToArray(arr, result_json(&r, v->t.name, RESULT_JSON_DAEMON));
	}
	jsonx_add_str(o, "target", v->t.name);
	cJSON_AddStringToObject(o, "type", target_type_name(v->t.type));
	cJSON_AddStringToObject(o, "status", status_name(result_tally_confirmed(&tally)));
	cJSON_AddStringToObject(o, "standing", standing_name(result_tally_standing(&tally)));
	cJSON_AddBoolToObject(o, "stale", stale);
	cJSON_AddBoolToObject(o, "active", v->t.active);
	jsonx_add_text(o, "discovered_from", v->t.from);
	jsonx_add_time(o, "first_seen", v->first_seen);
	jsonx_add_time(o, "last_seen", v->last_seen);
	cJSON_AddItemToObject(o, "asn", asn_json(v));
	cJSON_AddItemToObject(o, "snds", snds_json(v));
	results = arr;
	cJSON_AddItemToObject(o, "results", results);
	return o;
}

/* The last finished cycle, or null. 0 or -1. */
static int cycle_json(store_t *s, cJSON **out)
{
	store_cycle_row_t cy;
	cJSON *o;
	int rc = store_cycle_last(s, &cy);

	*out = NULL;
	if (rc < 0)
		return -1;
	if (rc == 0) {
		*out = cJSON_CreateNull();
		return 0;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)cy.id);
	jsonx_add_time(o, "started", cy.started);
	jsonx_add_time(o, "ended", cy.ended);
	cJSON_AddNumberToObject(o, "duration_seconds", (double)(cy.ended - cy.started));
	cJSON_AddNumberToObject(o, "lists", (double)cy.n.lists);
	cJSON_AddNumberToObject(o, "targets", (double)cy.n.targets);
	cJSON_AddNumberToObject(o, "queries", (double)cy.n.queries);
	cJSON_AddNumberToObject(o, "errors", (double)cy.n.errors);
	cJSON_AddNumberToObject(o, "listed", (double)cy.n.listed);
	cJSON_AddNumberToObject(o, "failed", (double)cy.n.unknown);
	*out = o;
	return 0;
}

/* The resolver: up, or down since when and why (its open outage). 0 or -1. */
static int resolver_json(store_t *s, cJSON **out)
{
	store_outage_t o;
	int rc = store_outage_open_get(s, &o);

	*out = NULL;
	if (rc < 0)
		return -1;
	*out = cJSON_CreateObject();
	cJSON_AddStringToObject(*out, "state", rc ? "down" : "up");
	jsonx_add_time(*out, "since", rc ? o.started : 0);
	jsonx_add_text(*out, "reason", rc ? o.reason : NULL);
	return 0;
}

/* ---- GET /api/v1/status ---- */

int api_cycle_json(store_t *s, cJSON **out)
{
	return cycle_json(s, out);
}

int api_resolver_json(store_t *s, cJSON **out)
{
	return resolver_json(s, out);
}

void api_summary_counts(cJSON *o, const char *total_key, const store_summary_t *sum)
{
	cJSON_AddNumberToObject(o, total_key, (double)sum->targets);
	cJSON_AddNumberToObject(o, "listed", (double)(sum->standing[STANDING_OWN] +
						       sum->standing[STANDING_NEIGHBOURHOOD]));
	cJSON_AddNumberToObject(o, "own", (double)sum->standing[STANDING_OWN]);
	cJSON_AddNumberToObject(o, "neighbourhood", (double)sum->standing[STANDING_NEIGHBOURHOOD]);
	cJSON_AddNumberToObject(o, "clean", (double)sum->standing[STANDING_CLEAN]);
	cJSON_AddNumberToObject(o, "unchecked", (double)sum->standing[STANDING_UNCHECKED]);
	cJSON_AddNumberToObject(o, "stale", (double)sum->stale);
}

struct page {
	const api_ctx_t *c;
	const api_lists_t *ls;
	cJSON *targets;
	api_page_t bytes;
	uint8_t last[STORE_IPKEY_BUF]; /* the last target's ipkey: the next page's cursor */
	size_t lastlen;
};

static int page_target(void *arg, const store_target_view_t *v)
{
	struct page *p = arg;

	if (api_page_add(&p->bytes, p->targets, api_target_json(p->c, p->ls, v)))
		return 1; /* the page is full: it ends before this target */
	memcpy(p->last, v->ipkey, v->ipkeylen);
	p->lastlen = v->ipkeylen;
	return 0;
}

int api_targets_page_into(store_t *s, const api_ctx_t *c, const api_lists_t *ls,
			  const store_target_query_t *q, cJSON *doc, const char *member,
			  const char *next_base)
{
	struct page p = {c, ls, NULL, {API_PAGE_BYTES, 0, 0, false}, {0}, 0};
	char url[1400], cur[2 * STORE_IPKEY_BUF + 1];
	bool more;

	p.targets = cJSON_AddArrayToObject(doc, member);
	if (store_targets_page(s, q, page_target, &p, &more) < 0)
		return -1;
	more |= p.bytes.full;
	if (!more) {
		cJSON_AddNullToObject(doc, "next");
		return 0;
	}
	api_cursor_write(p.last, p.lastlen, cur, sizeof(cur));
	api_url_param(url, sizeof(url), (size_t)snprintf(url, sizeof(url), "%s", next_base),
		      "cursor", cur);
	jsonx_add_str(doc, "next", url);
	return 0;
}

cJSON *api_status(store_t *s, const api_ctx_t *c, const api_status_q_t *q, char *err,
		  size_t errlen)
{
	api_lists_t ls = {0};
	store_summary_t sum;
	store_target_query_t tq;
	cJSON *doc = NULL, *cyc = NULL, *lists, *resolver = NULL;
	char base[200];

	if (api_begin(s, err, errlen) < 0)
		return NULL;
	if (api_lists_load(s, c, &ls, err, errlen) < 0)
		goto out;
	if (cycle_json(s, &cyc) < 0 || resolver_json(s, &resolver) < 0 || store_summary(s, &sum) < 0) {
		cJSON_Delete(cyc);
		cJSON_Delete(resolver);
		api_dberr(s, err, errlen);
		goto out;
	}
	doc = cJSON_CreateObject();
	jsonx_add_time(doc, "generated_at", c->now);
	cJSON_AddNumberToObject(doc, "interval_seconds", c->interval_s);
	cJSON_AddItemToObject(doc, "last_cycle", cyc);
	cJSON_AddItemToObject(doc, "resolver", resolver);
	api_summary_counts(cJSON_AddObjectToObject(doc, "summary"), "targets", &sum);
	lists = cJSON_AddArrayToObject(doc, "lists");
	for (size_t i = 0; i < ls.n; i++)
		if (ls.v[i].in_use)
			cJSON_AddItemToArray(lists, api_list_health_json(&ls.v[i]));
	memset(&tq, 0, sizeof(tq));
	tq.filter = q->only_problems ? STORE_TF_PROBLEMS : STORE_TF_ANY;
	tq.after = q->afterlen ? q->after : NULL;
	tq.afterlen = q->afterlen;
	tq.limit = q->limit;
	snprintf(base, sizeof(base), "/api/v1/status?limit=%u%s", q->limit,
		 q->only_problems ? "&only=problems" : "");
	if (api_targets_page_into(s, c, &ls, &tq, doc, "targets", base) < 0) {
		api_dberr(s, err, errlen);
		cJSON_Delete(doc);
		doc = NULL;
	}
out:
	api_lists_free(&ls);
	api_end(s);
	return doc;
}

/* ---- GET /api/v1/targets/NAME ---- */

struct target {
	const api_ctx_t *c;
	const api_lists_t *ls;
	cJSON *doc;    /* the target, once found */
	cJSON *events; /* its "events" */
};

static int target_found(void *arg, const store_target_view_t *v)
{
	struct target *t = arg;

	t->doc = api_target_json(t->c, t->ls, v);
	return 0;
}

static int target_event(void *arg, const store_event_row_t *e)
{
	struct target *t = arg;

	cJSON_AddItemToArray(t->events, api_event_json(t->ls, e));
	return 0;
}

int api_target(store_t *s, const api_ctx_t *c, const char *name, cJSON **out, char *err,
	       size_t errlen)
{
	api_lists_t ls = {0};
	struct target t = {c, &ls, NULL, NULL};
	int ret = -1, n;

	*out = NULL;
	if (api_begin(s, err, errlen) < 0)
		return -1;
	if (api_lists_load(s, c, &ls, err, errlen) < 0)
		goto out;
	n = store_targets_visit(s, STORE_TARGETS_NAMED, name, target_found, &t);
	if (n <= 0) {
		ret = n < 0 ? api_dberr(s, err, errlen) : 0;
		goto out;
	}
	t.events = cJSON_AddArrayToObject(t.doc, "events");
	if (store_events_of_target(s, name, target_event, &t) < 0) {
		api_dberr(s, err, errlen);
		goto out;
	}
	jsonx_add_time(t.doc, "generated_at", c->now);
	*out = t.doc;
	t.doc = NULL;
	ret = 1;
out:
	cJSON_Delete(t.doc);
	api_lists_free(&ls);
	api_end(s);
	return ret;
}
