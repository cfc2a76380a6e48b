/* metrics.c -- /metrics: the database as Prometheus text exposition, HELP and TYPE on every family.
 * Label values come from DNS zones (TXT) and config: cleaned to UTF-8 and escaped per the format. */
#include "web/metrics.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/text.h"
#include "checks/verdict.h"
#include "lib/sbuf.h"
#include "lib/xmalloc.h"
#include "web/prom.h"
#include "web/query_incidents.h"

#define REASON_MAX 300 /* bytes of TXT kept in a label: a label is not a document */

struct metrics {
	pthread_mutex_t lock;
	int64_t last_cycle;         /* cycles up to this id are counted */
	long long answered, failed; /* queries of the cycles counted */
};

/* ---- lifecycle ---- */

metrics_t *metrics_new(sqlite3 *db)
{
	metrics_t *m = xcalloc(1, sizeof(*m));
	sqlite3_stmt *st = NULL;

	pthread_mutex_init(&m->lock, NULL);
	if (db && sqlite3_prepare_v2(db, "SELECT ifnull(max(id), 0) FROM cycles WHERE ended IS NOT NULL",
				     -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		m->last_cycle = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return m;
}

void metrics_free(metrics_t *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* Adds the queries of cycles ended since the last call to the counters. */
static int count_cycles(metrics_t *m, sqlite3 *db, long long *answered, long long *failed)
{
	sqlite3_stmt *st = NULL;
	int rc;

	pthread_mutex_lock(&m->lock);
	rc = sqlite3_prepare_v2(db,
				"SELECT id, queries, errors FROM cycles WHERE ended IS NOT NULL AND "
				"id > ?1 ORDER BY id",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, m->last_cycle);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			long long q = sqlite3_column_int64(st, 1), e = sqlite3_column_int64(st, 2);
			m->last_cycle = sqlite3_column_int64(st, 0);
			if (e > q)
				e = q;
			m->answered += q - e;
			m->failed += e;
		}
	}
	*answered = m->answered;
	*failed = m->failed;
	pthread_mutex_unlock(&m->lock);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- rendering ---- */

/* The reason of a listing for a label: its TXT records, else the meanings of its codes. */
static void listing_reason(const query_list_t *l, const char *txt, const char *codes, char *out,
			   size_t len)
{
	cJSON *doc = txt ? cJSON_Parse(txt) : NULL, *it;
	size_t o = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(it, doc)
	{
		if (cJSON_IsString(it) && o + 3 < len)
			o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "; " : "", it->valuestring);
	}
	cJSON_Delete(doc);
	if (o || !l->cl)
		return;
	doc = codes ? cJSON_Parse(codes) : NULL;
	{
		verdict_t v;
		const char *m[8];
		size_t nm;
		memset(&v, 0, sizeof(v));
		cJSON_ArrayForEach(it, doc)
		{
			struct in_addr a;
			if (cJSON_IsString(it) && inet_pton(AF_INET, it->valuestring, &a) == 1 &&
			    v.ncodes < VERDICT_MAX_CODES)
				v.codes[v.ncodes++] = ntohl(a.s_addr);
		}
		nm = verdict_meanings(&v, l->cl, m, 8);
		for (size_t i = 0; i < nm && o + 3 < len; i++)
			o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "; " : "", m[i]);
	}
	cJSON_Delete(doc);
}

char *metrics_render(metrics_t *m, sqlite3 *db, const query_ctx_t *c, size_t *len, char *err,
		     size_t errlen)
{
	sbuf_t out = SBUF_INIT, listed = SBUF_INIT, unknown = SBUF_INIT, since = SBUF_INIT,
	       info = SBUF_INIT;
	query_lists_t ls = {0};
	sqlite3_stmt *st = NULL;
	long long answered = 0, failed = 0, nstatus[3] = {0, 0, 0}, events[3] = {0};
	int64_t cur = -1, cyc_started = 0, cyc_ended = 0;
	int worst = -1, rc;
	bool ok = false;
	static const char *const tos[] = {"listed", "unknown", "clean"};

	err[0] = '\0';
	*len = 0;
	if (count_cycles(m, db, &answered, &failed) < 0) {
		snprintf(err, errlen, "database: reading cycles: %s", sqlite3_errmsg(db));
		return NULL;
	}
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
		return NULL;
	}
	if (query_lists_load(db, c, &ls, err, errlen) < 0)
		goto done;

	/* per (target, list) state */
	if (sqlite3_prepare_v2(db,
			       "SELECT t.id, t.target, s.list_id, s.status, s.since, s.codes, s.txt "
			       "FROM targets t LEFT JOIN state s ON s.target_id = t.id "
			       "WHERE t.active = 1 ORDER BY t.id, s.list_id",
			       -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *target = (const char *)sqlite3_column_text(st, 1);
		const char *status = (const char *)sqlite3_column_text(st, 3);
		const query_list_t *l;
		char tl[1024], zl[600], sl[32];
		int v;

		if (id != cur) {
			if (cur >= 0)
				nstatus[worst == 2 ? 0 : worst == 0 ? 2 : 1]++;
			worst = -1;
			cur = id;
		}
		if (!target || !status || sqlite3_column_type(st, 2) == SQLITE_NULL)
			continue;
		l = query_lists_get(&ls, sqlite3_column_int64(st, 2));
		if (!l || !l->in_use || strcmp(l->kind, "block"))
			continue; /* allow and info lists are no listing to alert on */
		v = !strcmp(status, "listed") ? 2 : !strcmp(status, "unknown") ? 1 : 0;
		if (v > worst)
			worst = v;
		prom_label_escape(target, tl, sizeof(tl), 255);
		prom_label_escape(query_zone_shown(c, l->zone), zl, sizeof(zl), 255);
		prom_label_escape(l->scope, sl, sizeof(sl), 16);
		sbuf_printf(&listed, "blmon_listed{target=\"%s\",zone=\"%s\",scope=\"%s\"} %d\n", tl, zl, sl,
			v == 2);
		sbuf_printf(&unknown, "blmon_unknown{target=\"%s\",zone=\"%s\"} %d\n", tl, zl, v == 1);
		if (v == 2) {
			char reason[REASON_MAX + 1], rl[4 * REASON_MAX], url[1024], ul[2048];
			listing_reason(l, (const char *)sqlite3_column_text(st, 6),
				       (const char *)sqlite3_column_text(st, 5), reason, sizeof(reason));
			if (!l->cl || catalog_removal_url(l->cl, target, url, sizeof(url)) < 0)
				url[0] = '\0';
			prom_label_escape(reason, rl, sizeof(rl), REASON_MAX);
			prom_label_escape(url, ul, sizeof(ul), 1000);
			sbuf_printf(&since, "blmon_listing_since_seconds{target=\"%s\",zone=\"%s\"} %lld\n",
				tl, zl, (long long)sqlite3_column_int64(st, 4));
			sbuf_printf(&info,
				"blmon_listing_info{target=\"%s\",zone=\"%s\",reason=\"%s\","
				"removal_url=\"%s\"} 1\n",
				tl, zl, rl, ul);
		}
	}
	if (rc != SQLITE_DONE)
		goto dberr;
	if (cur >= 0)
		nstatus[worst == 2 ? 0 : worst == 0 ? 2 : 1]++;
	sqlite3_finalize(st);
	st = NULL;

	/* last cycle, events */
	if (sqlite3_prepare_v2(db,
			       "SELECT started, ended FROM cycles WHERE ended IS NOT NULL "
			       "ORDER BY id DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		cyc_started = sqlite3_column_int64(st, 0);
		cyc_ended = sqlite3_column_int64(st, 1);
	} else if (rc != SQLITE_DONE) {
		goto dberr;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT \"to\", count(*) FROM events GROUP BY \"to\"", -1, &st,
			       NULL) != SQLITE_OK)
		goto dberr;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *to = (const char *)sqlite3_column_text(st, 0);
		for (int i = 0; to && i < 3; i++)
			if (!strcmp(to, tos[i]))
				events[i] = sqlite3_column_int64(st, 1);
	}
	if (rc != SQLITE_DONE)
		goto dberr;

	prom_family(&out, "blmon_listed", "gauge",
	       "1 when the target is listed on the block list, else 0 (unknown is 0 here and 1 in "
	       "blmon_unknown). Allow and info lists are not included.");
	if (listed.len)
		sbuf_add(&out, listed.p, listed.len);
	prom_family(&out, "blmon_unknown", "gauge",
	       "1 when the target's status on the block list is unknown: the list or the resolver "
	       "failed, so neither listed nor clean is known.");
	if (unknown.len)
		sbuf_add(&out, unknown.p, unknown.len);
	prom_family(&out, "blmon_listing_since_seconds", "gauge",
	       "Unix time the current listing of the target on the list began.");
	if (since.len)
		sbuf_add(&out, since.p, since.len);
	prom_family(&out, "blmon_listing_info", "gauge",
	       "A current listing with the list's reason (TXT, untrusted text, else the meaning of "
	       "its codes) and removal link. Always 1.");
	if (info.len)
		sbuf_add(&out, info.p, info.len);
	prom_family(&out, "blmon_list_healthy", "gauge",
	       "1 when the list passed its test points in its last cycle (health ok), else 0.");
	for (size_t i = 0; i < ls.n; i++) {
		char zl[600];
		if (!ls.v[i].in_use)
			continue;
		prom_label_escape(query_zone_shown(c, ls.v[i].zone), zl, sizeof(zl), 255);
		sbuf_printf(&out, "blmon_list_healthy{zone=\"%s\"} %d\n", zl,
			!strcmp(ls.v[i].health, "ok"));
	}
	prom_family(&out, "blmon_targets", "gauge", "Monitored targets by their worst block-list status.");
	for (int i = 0; i < 3; i++)
		sbuf_printf(&out, "blmon_targets{status=\"%s\"} %lld\n", tos[i], nstatus[i]);
	prom_family(&out, "blmon_last_cycle_timestamp_seconds", "gauge",
	       "Unix time the last check cycle ended.");
	if (cyc_ended)
		sbuf_printf(&out, "blmon_last_cycle_timestamp_seconds %lld\n", (long long)cyc_ended);
	prom_family(&out, "blmon_cycle_duration_seconds", "gauge", "Duration of the last check cycle.");
	if (cyc_ended)
		sbuf_printf(&out, "blmon_cycle_duration_seconds %lld\n",
			(long long)(cyc_ended - cyc_started));
	prom_family(&out, "blmon_dns_queries_total", "counter",
	       "DNS queries (A and TXT, test points excluded) of the check cycles ended since the "
	       "server started, by outcome: answered, or failed (timeout or resolver error).");
	sbuf_printf(&out, "blmon_dns_queries_total{outcome=\"answered\"} %lld\n", answered);
	sbuf_printf(&out, "blmon_dns_queries_total{outcome=\"failed\"} %lld\n", failed);
	prom_family(&out, "blmon_events_total", "counter",
	       "Confirmed state changes recorded in the database, by the new status.");
	for (int i = 0; i < 3; i++)
		sbuf_printf(&out, "blmon_events_total{to=\"%s\"} %lld\n", tos[i], events[i]);
	{
		/* provider rejections and incidents from the MTA log ([logwatch]) */
		char *inc = query_incidents_metrics(db, err, errlen);
		if (!inc)
			goto done;
		sbuf_printf(&out, "%s", inc);
		free(inc);
	}
	ok = true;
	goto done;
dberr:
	snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
done:
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	query_lists_free(&ls);
	sbuf_free(&listed);
	sbuf_free(&unknown);
	sbuf_free(&since);
	sbuf_free(&info);
	if (!ok) {
		sbuf_free(&out);
		return NULL;
	}
	*len = out.len;
	return sbuf_take(&out);
}
