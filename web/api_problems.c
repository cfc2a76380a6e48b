/* api_problems.c -- GET /api/v1/summary, /api/v1/problems, /api/v1/problems/{id}, /api/v1/targets.
 * What is wrong, worst first, and targets in numeric order: bounded pages read from the last digest. */
#include "web/api_int.h"

#include <stdio.h>
#include <string.h>

#include "lib/jsonx.h"
#include "store/store_alert.h"

/* The list a zone or list id names among the stored lists, or NULL. */
static const api_list_t *list_named(const api_lists_t *ls, const char *name)
{
	for (size_t i = 0; i < ls->n; i++) {
		const api_list_t *l = &ls->v[i];
		if (!strcmp(l->row.zone, name) || (l->cl && l->cl->id && !strcmp(l->cl->id, name)) ||
		    (l->cl && l->cl->zone_tmpl && !strcmp(l->cl->zone_tmpl, name)))
			return l;
	}
	return NULL;
}

/* A stored problem as the API shows it: problem_json's members plus its id and rank. */
static cJSON *problem_row_json(const api_lists_t *ls, const store_problem_row_t *row)
{
	store_problem_row_t r = *row;
	const api_list_t *l = api_lists_get(ls, r.list_id);
	char url[64];
	cJSON *o;

	r.p.list = l ? l->cl : NULL;
	r.p.ignored = r.rule.text[0] ? &r.rule : NULL; /* the copy's own rule */
	o = problem_json(&r.p);
	cJSON_AddNumberToObject(o, "id", (double)r.id);
	cJSON_AddNumberToObject(o, "rank", (double)r.rank);
	snprintf(url, sizeof(url), "/api/v1/problems/%lld", (long long)r.id);
	cJSON_AddStringToObject(o, "url", url);
	return o;
}

/* ---- GET /api/v1/summary ---- */

static cJSON *list_tally_json(const api_list_t *l)
{
	cJSON *o = api_list_health_json(l);

	cJSON_AddStringToObject(o, "severity", catalog_severity_name(l->row.severity));
	cJSON_AddNumberToObject(o, "listed", (double)l->row.tally.listed);
	cJSON_AddNumberToObject(o, "problems", (double)l->row.tally.problems);
	cJSON_AddNumberToObject(o, "results", (double)l->row.tally.results);
	cJSON_AddNumberToObject(o, "stale", (double)l->row.tally.stale);
	cJSON_AddNumberToObject(o, "failing", (double)l->row.tally.failing);
	cJSON_AddNumberToObject(o, "unchecked", (double)l->row.tally.unchecked);
	jsonx_add_time(o, "last_answer", l->row.tally.last_answer);
	return o;
}

/* The alert queue: what waits, since when, and why a channel fails. */
static cJSON *alerts_json(const store_alert_queue_stats_t *q, int64_t now)
{
	cJSON *o = cJSON_CreateObject(), *chs;

	cJSON_AddNumberToObject(o, "queued", (double)q->queued);
	jsonx_add_time(o, "oldest_queued_at", q->oldest);
	jsonx_add_num_or_null(o, "oldest_queued_seconds",
			      (double)(now > q->oldest ? now - q->oldest : 0), q->oldest > 0);
	chs = cJSON_AddObjectToObject(o, "channels");
	for (size_t i = 0; i < STORE_ALERT_NCHANNELS; i++) {
		const store_alert_channel_stats_t *ch = &q->channel[i];
		cJSON *x = cJSON_AddObjectToObject(chs, store_alert_channel(i));
		cJSON_AddNumberToObject(x, "queued", (double)ch->queued);
		cJSON_AddNumberToObject(x, "failed_deliveries", (double)ch->failures);
		cJSON_AddNumberToObject(x, "given_up", (double)ch->given_up);
		jsonx_add_text(x, "last_error", ch->last_error);
		jsonx_add_time(x, "last_error_at", ch->last_error[0] ? ch->last_error_at : 0);
	}
	return o;
}

cJSON *api_summary(store_t *s, const api_ctx_t *c, char *err, size_t errlen)
{
	store_alert_queue_stats_t q;
	api_lists_t ls = {0};
	store_summary_t sum;
	cJSON *doc = NULL, *cyc = NULL, *resolver = NULL, *o, *lists;

	if (api_begin(s, err, errlen) < 0)
		return NULL;
	if (api_lists_load(s, c, &ls, err, errlen) < 0)
		goto out;
	if (store_summary(s, &sum) < 0 || store_alert_queue_stats(s, &q) < 0 ||
	    api_cycle_json(s, &cyc) < 0 || api_resolver_json(s, &resolver) < 0) {
		cJSON_Delete(cyc);
		cJSON_Delete(resolver);
		api_dberr(s, err, errlen);
		goto out;
	}
	doc = cJSON_CreateObject();
	jsonx_add_time(doc, "generated_at", c->now);
	cJSON_AddNumberToObject(doc, "interval_seconds", c->interval_s);
	o = cJSON_AddObjectToObject(doc, "targets");
	api_summary_counts(o, "total", &sum);
	o = cJSON_AddObjectToObject(doc, "problems");
	cJSON_AddNumberToObject(o, "total", (double)sum.problems);
	{
		cJSON *by = cJSON_AddObjectToObject(o, "by_scope");
		for (int k = SCOPE_IP; k <= SCOPE_DOMAIN; k++)
			cJSON_AddNumberToObject(by, catalog_scope_name((list_scope_t)k),
						(double)sum.by_scope[k]);
	}
	cJSON_AddNumberToObject(o, "ignored", (double)sum.ignored);
	lists = cJSON_AddArrayToObject(doc, "lists");
	for (size_t i = 0; i < ls.n; i++)
		if (ls.v[i].in_use)
			cJSON_AddItemToArray(lists, list_tally_json(&ls.v[i]));
	cJSON_AddItemToObject(doc, "resolver", resolver);
	cJSON_AddItemToObject(doc, "last_cycle", cyc);
	cJSON_AddItemToObject(doc, "alerts", alerts_json(&q, c->now));
out:
	api_lists_free(&ls);
	api_end(s);
	return doc;
}

/* ---- GET /api/v1/problems ---- */

struct problems {
	const api_lists_t *ls;
	cJSON *arr;
	api_page_t bytes;
	int64_t last_rank;
};

static int problem_one(void *arg, const store_problem_row_t *r)
{
	struct problems *p = arg;

	if (api_page_add(&p->bytes, p->arr, problem_row_json(p->ls, r)))
		return 1; /* the page is full: it ends before this problem */
	p->last_rank = r->rank;
	return 0;
}

int api_problems(store_t *s, const api_ctx_t *c, const api_problems_q_t *q, cJSON **out,
		 char *err, size_t errlen)
{
	api_lists_t ls = {0};
	store_problem_query_t sq = {q->scope, 0, q->ignored, q->after_rank, q->limit};
	struct problems p = {&ls, NULL, {API_PROBLEMS_PAGE_BYTES, 0, 0, false}, 0};
	char url[1200];
	size_t o;
	bool more;
	int ret = -1;

	*out = NULL;
	if (api_begin(s, err, errlen) < 0)
		return -1;
	if (api_lists_load(s, c, &ls, err, errlen) < 0)
		goto out;
	if (q->zone) {
		const api_list_t *l = list_named(&ls, q->zone);
		if (!l) {
			ret = 0;
			goto out;
		}
		sq.list_id = l->row.id;
	}
	*out = cJSON_CreateObject();
	jsonx_add_time(*out, "generated_at", c->now);
	p.arr = cJSON_AddArrayToObject(*out, "problems");
	if (store_problems_visit(s, &sq, problem_one, &p, &more) < 0) {
		cJSON_Delete(*out);
		*out = NULL;
		api_dberr(s, err, errlen);
		goto out;
	}
	if (more || p.bytes.full) {
		o = (size_t)snprintf(url, sizeof(url), "/api/v1/problems?limit=%u&cursor=%lld",
				     q->limit, (long long)p.last_rank);
		if (q->scope >= 0)
			o = api_url_param(url, sizeof(url), o, "scope",
					  catalog_scope_name((list_scope_t)q->scope));
		if (q->zone)
			o = api_url_param(url, sizeof(url), o, "zone", q->zone);
		if (q->ignored)
			api_url_param(url, sizeof(url), o, "ignored", "yes");
		jsonx_add_str(*out, "next", url);
	} else {
		cJSON_AddNullToObject(*out, "next");
	}
	ret = 1;
out:
	api_lists_free(&ls);
	api_end(s);
	return ret;
}

/* Adds a page of tq's targets as member of *out (and its next link); on a
 * store error *out is dropped and err says why. 1 or -1. */
static int add_page(store_t *s, const api_ctx_t *c, const api_lists_t *ls,
		    const store_target_query_t *tq, cJSON **out, const char *member, const char *base,
		    char *err, size_t errlen)
{
	if (api_targets_page_into(s, c, ls, tq, *out, member, base) == 0)
		return 1;
	cJSON_Delete(*out);
	*out = NULL;
	return api_dberr(s, err, errlen);
}

/* ---- GET /api/v1/problems/{id} ---- */

int api_problem(store_t *s, const api_ctx_t *c, int64_t id, const api_page_q_t *q, cJSON **out,
		char *err, size_t errlen)
{
	api_lists_t ls = {0};
	store_problem_row_t row;
	store_target_query_t tq;
	char base[96];
	int ret = -1, rc;

	*out = NULL;
	if (api_begin(s, err, errlen) < 0)
		return -1;
	if (api_lists_load(s, c, &ls, err, errlen) < 0)
		goto out;
	rc = store_problem_get(s, id, &row);
	if (rc <= 0) {
		ret = rc < 0 ? api_dberr(s, err, errlen) : 0;
		goto out;
	}
	*out = problem_row_json(&ls, &row);
	jsonx_add_time(*out, "generated_at", c->now);
	memset(&tq, 0, sizeof(tq));
	tq.problem_id = id;
	tq.after = q->afterlen ? q->after : NULL;
	tq.afterlen = q->afterlen;
	tq.limit = q->limit;
	snprintf(base, sizeof(base), "/api/v1/problems/%lld?limit=%u", (long long)id, q->limit);
	/* "targets" are the problem's lowest few by name; the page is of whole targets */
	ret = add_page(s, c, &ls, &tq, out, "affected_targets", base, err, errlen);
out:
	api_lists_free(&ls);
	api_end(s);
	return ret;
}

/* ---- GET /api/v1/targets ---- */

int api_targets(store_t *s, const api_ctx_t *c, const api_targets_q_t *q, cJSON **out, char *err,
		size_t errlen)
{
	api_lists_t ls = {0};
	store_target_query_t tq;
	char base[1200];
	size_t o;
	int ret = -1;

	*out = NULL;
	if (api_begin(s, err, errlen) < 0)
		return -1;
	if (api_lists_load(s, c, &ls, err, errlen) < 0)
		goto out;
	memset(&tq, 0, sizeof(tq));
	tq.filter = q->filter;
	if (q->zone) {
		const api_list_t *l = list_named(&ls, q->zone);
		if (!l) {
			ret = 0;
			goto out;
		}
		tq.list_id = l->row.id;
	}
	if (q->has_prefix)
		store_target_query_prefix(&tq, &q->net, q->prefix);
	tq.q = q->q;
	tq.after = q->page.afterlen ? q->page.after : NULL;
	tq.afterlen = q->page.afterlen;
	tq.limit = q->page.limit;
	o = (size_t)snprintf(base, sizeof(base), "/api/v1/targets?limit=%u", q->page.limit);
	if (q->status)
		o = api_url_param(base, sizeof(base), o, "status", q->status);
	if (q->zone)
		o = api_url_param(base, sizeof(base), o, "zone", q->zone);
	if (q->has_prefix) {
		char net[TARGET_NAME_MAX + 8];
		/* the network as asked, its length too: page 2 of a /16 is not one address */
		snprintf(net, sizeof(net), "%s/%u", q->net.name, q->prefix);
		o = api_url_param(base, sizeof(base), o, "prefix", net);
	}
	if (q->q)
		api_url_param(base, sizeof(base), o, "q", q->q);
	*out = cJSON_CreateObject();
	jsonx_add_time(*out, "generated_at", c->now);
	ret = add_page(s, c, &ls, &tq, out, "targets", base, err, errlen);
out:
	api_lists_free(&ls);
	api_end(s);
	return ret;
}
