/* api_health.c -- GET /healthz: is the monitor still finishing check cycles?
 * A probe's answer: healthy while the last cycle ended within two intervals of the shortest list. */
#include "web/api_int.h"

#include <stdio.h>

#include "lib/jsonx.h"

/* The age past which the monitor is stuck: two intervals, never less than
 * API_HEALTH_MIN_AGE (second-long test intervals: allow for a slow cycle). */
static int64_t max_age(unsigned interval_s)
{
	int64_t m = 2 * (int64_t)interval_s;

	return m < API_HEALTH_MIN_AGE ? API_HEALTH_MIN_AGE : m;
}

/* The document; ended 0: no cycle finished; reason "" when healthy. */
static cJSON *health_json(const api_ctx_t *c, int64_t ended, int64_t max, const char *reason)
{
	cJSON *doc = cJSON_CreateObject();

	cJSON_AddStringToObject(doc, "status", *reason ? "unhealthy" : "ok");
	jsonx_add_time(doc, "generated_at", c->now);
	jsonx_add_time(doc, "last_cycle_ended", ended);
	jsonx_add_num_or_null(doc, "age_seconds", (double)(c->now - ended), ended != 0);
	cJSON_AddNumberToObject(doc, "max_age_seconds", (double)max);
	jsonx_add_text(doc, "reason", reason);
	return doc;
}

int api_health(store_t *s, const api_ctx_t *c, unsigned interval_s, cJSON **out, char *err,
	       size_t errlen)
{
	store_cycle_row_t cy;
	int64_t max = max_age(interval_s), age;
	char reason[256] = "";

	*out = NULL;
	if (store_cycle_last(s, &cy) < 0)
		return api_dberr(s, err, errlen);
	age = c->now - cy.ended;
	if (!cy.ended)
		snprintf(reason, sizeof(reason), "no check cycle has finished yet");
	else if (age > max)
		snprintf(reason, sizeof(reason),
			 "the last check cycle ended %llds ago, more than two intervals (%llds): the "
			 "monitor is stuck or stopped",
			 (long long)age, (long long)max);
	*out = health_json(c, cy.ended, max, reason);
	return reason[0] ? 0 : 1;
}

cJSON *api_health_unreadable(const api_ctx_t *c, unsigned interval_s, const char *why)
{
	return health_json(c, 0, max_age(interval_s), why && *why ? why : "database: unreadable");
}
