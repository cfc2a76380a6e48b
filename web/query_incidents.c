/* query_incidents.c -- provider incidents as JSON (GET /api/v1/incidents) and as Prometheus families.
 * Everything here came from a mail log: strings are cleaned to UTF-8 before they reach a document. */
#include "web/query_incidents.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/text.h"
#include "lib/sbuf.h"
#include "lib/timefmt.h"
#include "lib/xmalloc.h"
#include "checks/reject_rules.h"
#include "web/prom.h"
#include "web/query.h"

static void add_str(cJSON *o, const char *key, const unsigned char *v)
{
	char clean[2048];

	if (!v) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	text_utf8_clean((const char *)v, clean, sizeof(clean));
	cJSON_AddStringToObject(o, key, clean);
}

static void add_time(cJSON *o, const char *key, sqlite3_stmt *st, int col)
{
	char buf[TIMEFMT_MAX];

	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	timefmt_rfc3339(sqlite3_column_int64(st, col), buf);
	cJSON_AddStringToObject(o, key, buf);
}

cJSON *query_incidents(sqlite3 *db, int64_t now, unsigned limit, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL, *d = NULL;
	cJSON *doc = cJSON_CreateObject(), *arr;
	char ts[TIMEFMT_MAX];
	int rc;
	bool ok = false;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		goto dberr;
	timefmt_rfc3339(now, ts);
	cJSON_AddStringToObject(doc, "generated_at", ts);
	arr = cJSON_AddArrayToObject(doc, "incidents");
	if (sqlite3_prepare_v2(db,
			       "SELECT id, provider, opened, closed, kind, code, meaning, sending_ip, "
			       "removal, advice, sample, rejections, last_rejection, last_sent "
			       "FROM incidents ORDER BY id DESC LIMIT ?1",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "SELECT domain, rejections FROM incident_domains WHERE incident_id = ?1 "
			       "ORDER BY rejections DESC, domain LIMIT 200",
			       -1, &d, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int(st, 1, (int)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject(), *doms;
		const char *prov = (const char *)sqlite3_column_text(st, 1);

		cJSON_AddItemToArray(arr, o);
		cJSON_AddNumberToObject(o, "id", (double)sqlite3_column_int64(st, 0));
		add_str(o, "provider", (const unsigned char *)prov);
		add_str(o, "provider_name",
			(const unsigned char *)reject_provider_name(prov ? prov : ""));
		cJSON_AddStringToObject(o, "state",
					sqlite3_column_type(st, 3) == SQLITE_NULL ? "open" : "closed");
		add_time(o, "opened", st, 2);
		add_time(o, "closed", st, 3);
		add_str(o, "kind", sqlite3_column_text(st, 4));
		add_str(o, "code", sqlite3_column_text(st, 5));
		add_str(o, "meaning", sqlite3_column_text(st, 6));
		add_str(o, "sending_ip", sqlite3_column_text(st, 7));
		add_str(o, "removal", sqlite3_column_text(st, 8));
		add_str(o, "advice", sqlite3_column_text(st, 9));
		add_str(o, "sample", sqlite3_column_text(st, 10));
		cJSON_AddNumberToObject(o, "rejections", (double)sqlite3_column_int64(st, 11));
		add_time(o, "last_rejection", st, 12);
		add_time(o, "last_delivery", st, 13);
		doms = cJSON_AddArrayToObject(o, "domains");
		sqlite3_reset(d);
		sqlite3_bind_int64(d, 1, sqlite3_column_int64(st, 0));
		while ((rc = sqlite3_step(d)) == SQLITE_ROW) {
			cJSON *x = cJSON_CreateObject();
			add_str(x, "domain", sqlite3_column_text(d, 0));
			cJSON_AddNumberToObject(x, "rejections", (double)sqlite3_column_int64(d, 1));
			cJSON_AddItemToArray(doms, x);
		}
		if (rc != SQLITE_DONE)
			goto dberr;
	}
	if (rc != SQLITE_DONE)
		goto dberr;
	ok = true;
	goto done;
dberr:
	snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
done:
	sqlite3_finalize(st);
	sqlite3_finalize(d);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (!ok) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

char *query_incidents_metrics(sqlite3 *db, char *err, size_t errlen)
{
	sbuf_t b = SBUF_INIT;
	sqlite3_stmt *st = NULL;
	int rc;

	sbuf_printf(&b, "# HELP blmon_provider_rejections_total Rejections read in the MTA's log "
		    "([logwatch]), by provider and kind (ip-blocklisted, rate-limited, reputation, "
		    "policy, other).\n# TYPE blmon_provider_rejections_total counter\n");
	if (sqlite3_prepare_v2(db, "SELECT provider, kind, n FROM rejection_counts ORDER BY 1, 2", -1,
			       &st, NULL) != SQLITE_OK)
		goto dberr;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char pl[600], kl[64];
		prom_label_escape((const char *)sqlite3_column_text(st, 0), pl, sizeof(pl), 200);
		prom_label_escape((const char *)sqlite3_column_text(st, 1), kl, sizeof(kl), 20);
		sbuf_printf(&b, "blmon_provider_rejections_total{provider=\"%s\",kind=\"%s\"} %lld\n", pl,
			kl, (long long)sqlite3_column_int64(st, 2));
	}
	if (rc != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;
	sbuf_printf(&b, "# HELP blmon_provider_incident 1 while a provider incident is open (the "
		    "provider rejects our mail), else 0.\n# TYPE blmon_provider_incident gauge\n");
	if (sqlite3_prepare_v2(db,
			       "SELECT provider, max(closed IS NULL) FROM incidents GROUP BY provider "
			       "ORDER BY provider",
			       -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char pl[600];
		prom_label_escape((const char *)sqlite3_column_text(st, 0), pl, sizeof(pl), 200);
		sbuf_printf(&b, "blmon_provider_incident{provider=\"%s\"} %d\n", pl,
			sqlite3_column_int(st, 1));
	}
	if (rc != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	return sbuf_take(&b);
dberr:
	snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sbuf_free(&b);
	return NULL;
}
