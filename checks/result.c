/* result.c -- the result's JSON object, meanings, removal links, the target tally and list objects.
 * The one home of these shapes: `blmon check`, the API and the alerts all build them here. */
#include "checks/result.h"

#include <stdio.h>
#include <string.h>

#include "lib/jsonx.h"

void result_from_engine(result_t *r, const catalog_list_t *l, const dnsbl_result_t *res,
			const dnsbl_list_state_t *state, char *reason)
{
	memset(r, 0, sizeof(*r));
	r->list = l;
	r->zone = l->zone;
	r->name = l->name;
	r->scope = l->scope;
	r->kind = l->kind;
	r->status = (status_t)res->v.status;
	r->ncodes = res->v.ncodes;
	memcpy(r->codes, res->v.codes, sizeof(r->codes[0]) * res->v.ncodes);
	r->txt = res->txt;
	r->ntxt = res->ntxt;
	r->ttl = res->ttl;
	if (res->why)
		snprintf(reason, RESULT_REASON_MAX, "%s", res->why); /* a source that is not DNS */
	else
		verdict_reason(&res->v, l, reason, RESULT_REASON_MAX);
	/* a list the run did not trust: its test points say what was seen */
	if (res->v.reason >= REASON_LIST_DEAD && res->v.reason <= REASON_LIST_UNREACHABLE && state &&
	    state->detail[0])
		snprintf(reason, RESULT_REASON_MAX, "list %s is %s, not used this run: %s", l->name,
			 dnsbl_health_name(state->health), state->detail);
	r->reason = reason;
}

size_t result_meanings(const result_t *r, const char **out, size_t max)
{
	verdict_t v;

	if (!r->list)
		return 0;
	memset(&v, 0, sizeof(v));
	v.status = (uint8_t)r->status;
	v.ncodes = r->ncodes;
	memcpy(v.codes, r->codes, sizeof(r->codes[0]) * r->ncodes);
	return verdict_meanings(&v, r->list, out, max);
}

int result_removal_url(const result_t *r, const char *target, char *buf, size_t len)
{
	if (r->status != STATUS_LISTED || r->kind != LIST_BLOCK || !r->list)
		return -1;
	return catalog_removal_url(r->list, target, buf, len);
}

const char *result_zone_shown(const result_t *r)
{
	return catalog_zone_shown(r->list, r->zone);
}

void result_codes_into(cJSON *o, const uint32_t *codes, size_t ncodes, const char *const *meanings,
		       size_t nmeanings)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "codes");
	char a[16];

	for (size_t i = 0; i < ncodes; i++) {
		verdict_addr_str(codes[i], a);
		cJSON_AddItemToArray(arr, cJSON_CreateString(a));
	}
	arr = cJSON_AddArrayToObject(o, "meanings");
	for (size_t i = 0; i < nmeanings; i++)
		jsonx_push_str(arr, meanings[i]);
}

void result_json_into(cJSON *o, const result_t *r, const char *target, int form)
{
	const char *m[RESULT_MAX_MEANINGS];
	size_t nm = result_meanings(r, m, RESULT_MAX_MEANINGS);
	cJSON *arr;
	char url[512];
	const char *p = r->txt;

	jsonx_add_str(o, "zone", result_zone_shown(r));
	jsonx_add_str(o, "name", r->name ? r->name : r->list ? r->list->name : r->zone);
	if (form != RESULT_JSON_EVENT)
		cJSON_AddStringToObject(o, "status", status_name(r->status));
	cJSON_AddStringToObject(o, "scope", catalog_scope_name(r->scope));
	cJSON_AddStringToObject(o, "kind", catalog_kind_name(r->kind));
	result_codes_into(o, r->codes, r->ncodes, m, nm);
	arr = cJSON_AddArrayToObject(o, "txt");
	for (uint16_t i = 0; p && i < r->ntxt; i++) {
		jsonx_push_str(arr, p);
		p += strlen(p) + 1;
	}
	jsonx_add_text(o, "reason", r->reason);
	if (form == RESULT_JSON_EVENT)
		return;
	if (result_removal_url(r, target, url, sizeof(url)) == 0)
		jsonx_add_str(o, "removal_url", url);
	else
		cJSON_AddNullToObject(o, "removal_url");
	cJSON_AddNumberToObject(o, "ttl", r->ttl);
	if (form != RESULT_JSON_DAEMON)
		return;
	jsonx_add_time(o, "since", r->since);
	jsonx_add_time(o, "checked_at", r->checked_at);
	cJSON_AddBoolToObject(o, "stale", r->stale);
	jsonx_add_time(o, "failing_since", r->failing_since);
	jsonx_add_text(o, "failing_reason", r->failing_since ? r->failing_reason : NULL);
}

bool result_stale(int64_t checked_at, int64_t now, unsigned interval_s, unsigned grace_s)
{
	int64_t allowed = (int64_t)interval_s + (grace_s ? (int64_t)grace_s : 2 * (int64_t)interval_s);

	return checked_at > 0 && now - checked_at > allowed;
}

cJSON *result_json(const result_t *r, const char *target, int form)
{
	cJSON *o = cJSON_CreateObject();

	result_json_into(o, r, target, form);
	return o;
}

/* ---- tally ---- */

void result_tally_add(result_tally_t *t, list_kind_t kind, status_t s)
{
	if (kind != LIST_BLOCK)
		return; /* allow and info lists never make a target worse */
	t->worst = t->block ? status_worse(t->worst, s) : s;
	t->block++;
	if ((unsigned)s < STATUS_COUNT)
		t->n[s]++;
}

void result_tally_add_result(result_tally_t *t, const result_t *r)
{
	result_tally_add(t, r->kind, r->status);
	if (r->kind != LIST_BLOCK || r->status != STATUS_LISTED)
		return;
	if (r->scope == SCOPE_NETWORK || r->scope == SCOPE_ASN)
		t->neighbourhood++;
	else
		t->own++;
}

static const char *const standing_names[STANDING_COUNT] = {"own", "neighbourhood", "unchecked",
							   "clean"};

const char *standing_name(standing_t s)
{
	return s >= 0 && s < STANDING_COUNT ? standing_names[s] : "unchecked";
}

int standing_parse(const char *s, standing_t *out)
{
	for (int i = 0; s && i < STANDING_COUNT; i++)
		if (!strcmp(s, standing_names[i])) {
			*out = (standing_t)i;
			return 0;
		}
	return -1;
}

standing_t result_tally_standing(const result_tally_t *t)
{
	if (t->own)
		return STANDING_OWN;
	if (t->neighbourhood)
		return STANDING_NEIGHBOURHOOD;
	return t->block && !t->n[STATUS_UNCHECKED] ? STANDING_CLEAN : STANDING_UNCHECKED;
}

status_t result_tally_status(const result_tally_t *t)
{
	return t->block ? t->worst : STATUS_UNKNOWN; /* nothing checked is never "clean" */
}

status_t result_tally_confirmed(const result_tally_t *t)
{
	return t->block ? t->worst : STATUS_UNCHECKED;
}

/* ---- lists ---- */

void result_list_from_catalog(result_list_t *l, const catalog_list_t *cl,
			      const dnsbl_list_state_t *state)
{
	memset(l, 0, sizeof(*l));
	l->list = cl;
	l->zone = cl->zone ? cl->zone : cl->zone_tmpl;
	l->id = cl->id;
	l->name = cl->name;
	l->kind = cl->kind;
	l->qtype = cl->qtype;
	l->scope = cl->scope;
	l->source = cl->source;
	l->health = state ? state->health : HEALTH_UNTESTED;
	l->detail = state ? state->detail : NULL;
}

cJSON *result_list_json(const result_list_t *l)
{
	cJSON *o = cJSON_CreateObject();

	jsonx_add_str(o, "zone", catalog_zone_shown(l->list, l->zone));
	jsonx_add_str(o, "id", l->id ? l->id : l->zone);
	jsonx_add_str(o, "name", l->name ? l->name : l->zone);
	cJSON_AddStringToObject(o, "kind", catalog_kind_name(l->kind));
	cJSON_AddStringToObject(o, "type", catalog_qtype_name(l->qtype));
	cJSON_AddStringToObject(o, "scope", catalog_scope_name(l->scope));
	cJSON_AddStringToObject(o, "source", catalog_source_name(l->source));
	cJSON_AddStringToObject(o, "health", dnsbl_health_name(l->health));
	jsonx_add_text(o, "detail", l->detail);
	return o;
}

const char *result_health_advice(dnsbl_health_t h)
{
	switch (h) {
	case HEALTH_DEAD:
		return "the list fails its test points: check the resolver; if the list is gone, "
		       "disable it in [lists]";
	case HEALTH_WILDCARD:
		return "the list answers 'listed' for everything: disable it in [lists]";
	case HEALTH_REFUSED:
		return "the list refuses this resolver: use a local recursive resolver (unbound) "
		       "instead of a public one, or a key (DQS) for lists that need one";
	case HEALTH_UNREACHABLE:
		return "check that the resolver is running and reachable";
	case HEALTH_OK:
	case HEALTH_UNTESTED:
		break;
	}
	return NULL;
}

const char *result_list_advice(const catalog_list_t *l, dnsbl_health_t h)
{
	if (!l || l->source != SOURCE_SNDS || h == HEALTH_OK || h == HEALTH_UNTESTED)
		return result_health_advice(h);
	if (h == HEALTH_REFUSED)
		return "SNDS refused the key: check [snds] key against the key SNDS shows on its "
		       "automated access page";
	return "SNDS's documents could not be read: check that blmon reaches [snds] url over "
	       "HTTPS (and, for an HTML page, that the key is right)";
}
