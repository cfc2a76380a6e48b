/* query_incidents.c -- provider incidents as JSON (GET /api/v1/incidents) and as Prometheus families.
 * Everything here came from a mail log: strings are cleaned to UTF-8 before they reach a document. */
#include "query_incidents.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../checks/text.h"
#include "../checks/xmalloc.h"
#include "../monitor/reject_rules.h"
#include "metrics.h"
#include "query.h"

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
	char buf[32];

	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	query_time_str(sqlite3_column_int64(st, col), buf);
	cJSON_AddStringToObject(o, key, buf);
}

cJSON *query_incidents(sqlite3 *db, int64_t now, unsigned limit, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL, *d = NULL;
	cJSON *doc = cJSON_CreateObject(), *arr;
	char ts[32];
	int rc;
	bool ok = false;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		goto dberr;
	query_time_str(now, ts);
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

typedef struct {
	char *s;
	size_t n, cap;
} mbuf_t;

__attribute__((format(printf, 2, 3))) static void mprintf(mbuf_t *b, const char *fmt, ...)
{
	va_list ap;
	int need;

	va_start(ap, fmt);
	need = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (need < 0)
		return;
	xgrow((void **)&b->s, &b->cap, b->n + (size_t)need + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	b->n += (size_t)need;
}

char *query_incidents_metrics(sqlite3 *db, char *err, size_t errlen)
{
	mbuf_t b = {NULL, 0, 0};
	sqlite3_stmt *st = NULL;
	int rc;

	mprintf(&b, "# HELP blmon_provider_rejections_total Rejections read in the MTA's log "
		    "([logwatch]), by provider and kind (ip-blocklisted, rate-limited, reputation, "
		    "policy, other).\n# TYPE blmon_provider_rejections_total counter\n");
	if (sqlite3_prepare_v2(db, "SELECT provider, kind, n FROM rejection_counts ORDER BY 1, 2", -1,
			       &st, NULL) != SQLITE_OK)
		goto dberr;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char pl[600], kl[64];
		metrics_label_escape((const char *)sqlite3_column_text(st, 0), pl, sizeof(pl), 200);
		metrics_label_escape((const char *)sqlite3_column_text(st, 1), kl, sizeof(kl), 20);
		mprintf(&b, "blmon_provider_rejections_total{provider=\"%s\",kind=\"%s\"} %lld\n", pl,
			kl, (long long)sqlite3_column_int64(st, 2));
	}
	if (rc != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;
	mprintf(&b, "# HELP blmon_provider_incident 1 while a provider incident is open (the "
		    "provider rejects our mail), else 0.\n# TYPE blmon_provider_incident gauge\n");
	if (sqlite3_prepare_v2(db,
			       "SELECT provider, max(closed IS NULL) FROM incidents GROUP BY provider "
			       "ORDER BY provider",
			       -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char pl[600];
		metrics_label_escape((const char *)sqlite3_column_text(st, 0), pl, sizeof(pl), 200);
		mprintf(&b, "blmon_provider_incident{provider=\"%s\"} %d\n", pl,
			sqlite3_column_int(st, 1));
	}
	if (rc != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	return b.s;
dberr:
	snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	free(b.s);
	return NULL;
}
