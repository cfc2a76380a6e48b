/* api_health.c -- GET /healthz: can the monitor still tell the truth?
 * A probe's answer: unhealthy when cycles stopped, when nothing could be checked for too long,
 * when the resolver is down, or when the daemon reports a problem its database cannot show. */
#include "web/api_int.h"

#include <stdio.h>

#include "lib/jsonx.h"
#include "lib/timefmt.h"

/* The document; ended/answered 0: none; reason "" when healthy. */
static cJSON *health_json(const api_ctx_t *c, int64_t ended, int64_t answered, unsigned max_age,
			  const store_outage_t *down, const char *reason)
{
	cJSON *doc = cJSON_CreateObject(), *res;

	cJSON_AddStringToObject(doc, "status", *reason ? "unhealthy" : "ok");
	jsonx_add_time(doc, "generated_at", c->now);
	jsonx_add_time(doc, "last_cycle_ended", ended);
	jsonx_add_num_or_null(doc, "age_seconds", (double)(c->now - ended), ended != 0);
	jsonx_add_time(doc, "last_answer", answered);
	cJSON_AddNumberToObject(doc, "max_age_seconds", (double)max_age);
	res = cJSON_AddObjectToObject(doc, "resolver");
	cJSON_AddStringToObject(res, "state", down && down->id ? "down" : "up");
	jsonx_add_time(res, "since", down && down->id ? down->started : 0);
	jsonx_add_text(res, "reason", down && down->id ? down->reason : NULL);
	jsonx_add_text(doc, "reason", reason);
	return doc;
}

/* Why the monitor is unhealthy, in order of what an admin must fix first;
 * "" when it is not. */
static void judge(const api_ctx_t *c, const store_cycle_row_t *last,
		  const store_cycle_row_t *answered, const store_outage_t *down, unsigned max_age,
		  const char *problem, char *reason, size_t len)
{
	char t[TIMEFMT_MAX];

	reason[0] = '\0';
	if (problem && *problem) {
		snprintf(reason, len, "%s", problem);
	} else if (down->id) {
		timefmt_rfc3339(down->started, t);
		snprintf(reason, len, "%s: nothing could be checked since %s", down->reason, t);
	} else if (!last->ended) {
		snprintf(reason, len, "no check cycle has finished yet");
	} else if (c->now - last->ended > max_age) {
		snprintf(reason, len,
			 "the last check cycle ended %llds ago, more than %us: the monitor is stuck "
			 "or stopped", (long long)(c->now - last->ended), max_age);
	} else if (!answered->ended || c->now - answered->ended > max_age) {
		if (answered->ended)
			timefmt_rfc3339(answered->ended, t);
		snprintf(reason, len, "nothing could be checked %s%s (more than %us): every query "
			 "failed", answered->ended ? "since " : "yet", answered->ended ? t : "", max_age);
	}
}

int api_health(store_t *s, const api_ctx_t *c, unsigned max_age, const char *problem, cJSON **out,
	       char *err, size_t errlen)
{
	store_cycle_row_t last, answered;
	store_outage_t down;
	char reason[700];

	*out = NULL;
	if (store_cycle_last(s, &last) < 0 || store_cycle_last_answered(s, &answered) < 0 ||
	    store_outage_open_get(s, &down) < 0)
		return api_dberr(s, err, errlen);
	judge(c, &last, &answered, &down, max_age, problem, reason, sizeof(reason));
	*out = health_json(c, last.ended, answered.ended, max_age, &down, reason);
	return reason[0] ? 0 : 1;
}

cJSON *api_health_unreadable(const api_ctx_t *c, unsigned max_age, const char *why)
{
	return health_json(c, 0, 0, max_age, NULL, why && *why ? why : "database: unreadable");
}
