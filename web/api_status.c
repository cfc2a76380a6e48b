/* api_status.c -- GET /api/v1/status and /api/v1/targets/{target}: targets with their results.
 * Targets stream from the store one at a time; each result is the one object of checks/result.c. */
#include "web/api_int.h"

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

/* The target's confirmed status over its results on the lists in use, and
 * whether any of its block-list results is stale. */
static status_t target_status(const api_ctx_t *c, const api_lists_t *ls,
			      const store_target_view_t *v, bool *stale)
{
	result_tally_t tally = RESULT_TALLY_INIT;

	*stale = false;
	for (size_t i = 0; i < v->nstates; i++) {
		const api_list_t *l = api_lists_get(ls, v->states[i].list_id);
		const store_state_t *st = &v->states[i].st;
		if (!l || !l->in_use)
			continue;
		result_tally_add(&tally, l->row.kind, st->status);
		*stale |= l->row.kind == LIST_BLOCK &&
			  result_stale(st->checked_at, c->now, api_list_interval(c, l), c->grace_s);
	}
	return result_tally_confirmed(&tally);
}

/* A target object (defs.schema.json#/$defs/target) with its results on the
 * lists in use: a list no longer checked keeps old state that is not the truth. */
static cJSON *target_json(const api_ctx_t *c, const api_lists_t *ls, const store_target_view_t *v,
			  status_t status, bool stale)
{
	cJSON *o = cJSON_CreateObject(), *results;

	jsonx_add_str(o, "target", v->t.name);
	cJSON_AddStringToObject(o, "type", target_type_name(v->t.type));
	cJSON_AddStringToObject(o, "status", status_name(status));
	cJSON_AddBoolToObject(o, "stale", stale);
	cJSON_AddBoolToObject(o, "active", v->t.active);
	jsonx_add_text(o, "discovered_from", v->t.from);
	jsonx_add_time(o, "first_seen", v->first_seen);
	jsonx_add_time(o, "last_seen", v->last_seen);
	cJSON_AddItemToObject(o, "asn", asn_json(v));
	results = cJSON_AddArrayToObject(o, "results");
	for (size_t i = 0; i < v->nstates; i++) {
		const api_list_t *l = api_lists_get(ls, v->states[i].list_id);
		result_t r;

		if (!l || !l->in_use)
			continue;
		api_result_from_state(&r, c, l, &v->states[i].st);
		cJSON_AddItemToArray(results, result_json(&r, v->t.name, RESULT_JSON_DAEMON));
	}
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

struct status {
	const api_ctx_t *c;
	const api_lists_t *ls;
	bool only_problems;
	cJSON *targets;
	long long n[STATUS_COUNT]; /* targets by status */
	long long stale;           /* targets with a stale block-list result */
};

static int status_target(void *arg, const store_target_view_t *v)
{
	struct status *st = arg;
	bool stale;
	status_t status = target_status(st->c, st->ls, v, &stale);

	st->n[status]++;
	st->stale += stale;
	if (st->only_problems && status == STATUS_CLEAN && !stale)
		return 0;
	cJSON_AddItemToArray(st->targets, target_json(st->c, st->ls, v, status, stale));
	return 0;
}

static void summary_json(cJSON *sum, const struct status *st)
{
	cJSON_AddNumberToObject(sum, "targets", (double)(st->n[STATUS_LISTED] + st->n[STATUS_CLEAN] +
							  st->n[STATUS_UNCHECKED]));
	cJSON_AddNumberToObject(sum, "listed", (double)st->n[STATUS_LISTED]);
	cJSON_AddNumberToObject(sum, "clean", (double)st->n[STATUS_CLEAN]);
	cJSON_AddNumberToObject(sum, "unchecked", (double)st->n[STATUS_UNCHECKED]);
	cJSON_AddNumberToObject(sum, "stale", (double)st->stale);
}

cJSON *api_status(store_t *s, const api_ctx_t *c, bool only_problems, char *err, size_t errlen)
{
	api_lists_t ls = {0};
	struct status st = {c, &ls, only_problems, NULL, {0}, 0};
	cJSON *doc = NULL, *cyc, *sum, *lists, *resolver;

	if (api_begin(s, err, errlen) < 0)
		return NULL;
	if (api_lists_load(s, c, &ls, err, errlen) < 0)
		goto out;
	if (cycle_json(s, &cyc) < 0) {
		api_dberr(s, err, errlen);
		goto out;
	}
	if (resolver_json(s, &resolver) < 0) {
		cJSON_Delete(cyc);
		api_dberr(s, err, errlen);
		goto out;
	}
	doc = cJSON_CreateObject();
	jsonx_add_time(doc, "generated_at", c->now);
	cJSON_AddNumberToObject(doc, "interval_seconds", c->interval_s);
	cJSON_AddItemToObject(doc, "last_cycle", cyc);
	cJSON_AddItemToObject(doc, "resolver", resolver);
	sum = cJSON_AddObjectToObject(doc, "summary");
	lists = cJSON_AddArrayToObject(doc, "lists");
	for (size_t i = 0; i < ls.n; i++)
		if (ls.v[i].in_use)
			cJSON_AddItemToArray(lists, api_list_health_json(&ls.v[i]));
	st.targets = cJSON_AddArrayToObject(doc, "targets");
	if (store_targets_visit(s, STORE_TARGETS_ACTIVE, NULL, status_target, &st) < 0) {
		api_dberr(s, err, errlen);
		cJSON_Delete(doc);
		doc = NULL;
		goto out;
	}
	summary_json(sum, &st);
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

	bool stale;
	status_t status = target_status(t->c, t->ls, v, &stale);

	t->doc = target_json(t->c, t->ls, v, status, stale);
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
