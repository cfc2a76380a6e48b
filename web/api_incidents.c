/* api_incidents.c -- GET /api/v1/incidents: provider incidents read from the MTA's log, newest first.
 * Everything here came from a mail log: jsonx cleans every string to UTF-8 before it reaches a document. */
#include "web/api_int.h"

#include "checks/reject_rules.h"
#include "lib/jsonx.h"

#define DOMAINS_MAX 200 /* recipient domains shown per incident */

static int domain_json(void *arg, const char *domain, const char *unused, int64_t rejections)
{
	cJSON *o = cJSON_CreateObject();

	(void)unused;
	jsonx_add_str(o, "domain", domain);
	cJSON_AddNumberToObject(o, "rejections", (double)rejections);
	cJSON_AddItemToArray(arg, o);
	return 0;
}

struct incidents {
	store_t *s;
	cJSON *arr;
};

static int incident_json(void *arg, const store_incident_t *in)
{
	struct incidents *x = arg;
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToArray(x->arr, o);
	cJSON_AddNumberToObject(o, "id", (double)in->id);
	jsonx_add_str(o, "provider", in->provider);
	jsonx_add_str(o, "provider_name", reject_provider_name(in->provider ? in->provider : ""));
	cJSON_AddStringToObject(o, "state", in->closed ? "closed" : "open");
	jsonx_add_time(o, "opened", in->opened);
	jsonx_add_time(o, "closed", in->closed);
	jsonx_add_str(o, "kind", in->kind);
	jsonx_add_str(o, "code", in->code);
	jsonx_add_str(o, "meaning", in->meaning);
	jsonx_add_text(o, "sending_ip", in->sending_ip);
	jsonx_add_str(o, "removal", in->removal);
	jsonx_add_str(o, "advice", in->advice);
	jsonx_add_text(o, "context", in->context);
	jsonx_add_str(o, "sample", in->sample);
	cJSON_AddNumberToObject(o, "rejections", (double)in->rejections);
	jsonx_add_time(o, "last_rejection", in->last_rejection);
	jsonx_add_time(o, "last_delivery", in->last_sent);
	return store_incident_domains_visit(x->s, in->id, DOMAINS_MAX, domain_json,
					    cJSON_AddArrayToObject(o, "domains"));
}

cJSON *api_incidents(store_t *s, const api_ctx_t *c, unsigned limit, char *err, size_t errlen)
{
	struct incidents x = {s, NULL};
	cJSON *doc;

	if (api_begin(s, err, errlen) < 0)
		return NULL;
	doc = cJSON_CreateObject();
	jsonx_add_time(doc, "generated_at", c->now);
	x.arr = cJSON_AddArrayToObject(doc, "incidents");
	if (store_incidents_visit(s, limit, incident_json, &x) < 0) {
		api_dberr(s, err, errlen);
		cJSON_Delete(doc);
		doc = NULL;
	}
	api_end(s);
	return doc;
}
