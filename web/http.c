/* http.c -- the daemon's HTTP server on libmicrohttpd: routing, headers, auth, the embedded dashboard.
 * Handlers read the store through pooled read-only connections; they never see the scheduler. */
#include "web/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "checks/target.h"
#include "lib/text.h"
#include "lib/timefmt.h"
#include "lib/xmalloc.h"
#include "store/store_read.h"
#include "web/api.h"
#include "web/http_guard.h"
#include "web/metrics.h"
#include "web_assets.h" /* generated from web/assets/: web_asset_* arrays */

#define POOL_MAX 8     /* idle database connections kept */
#define THREADS 4      /* libmicrohttpd's thread pool */
/* Slow clients (http_guard.c): a request must arrive whole within REQUEST_TIMEOUT, and
 * SPARE_CONNS stay free per address and overall, so a probe is answered however many
 * connections trickle. PER_IP_CONNS leaves one address (a reverse proxy) room for its
 * keep-alive pool while no single address can crowd out the others. */
#define MAX_CONNS 256
#define PER_IP_CONNS 64
#define SPARE_CONNS 8
#define REQUEST_TIMEOUT 15 /* seconds; as long as the idle timeout: keep-alive is unchanged */
#define CONN_TIMEOUT 15 /* seconds a client may idle, e.g. while its response goes out */
#define CONN_MEMORY (32 * 1024) /* per connection: request line, headers, I/O buffers */

#define CSP "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
#define JSON_TYPE "application/json; charset=utf-8"
#define CSV_TYPE "text/csv; charset=utf-8; header=present"

struct http {
	struct MHD_Daemon *d;
	http_guard_t *guard; /* slow clients */
	char *database, *password_file, *token;
	unsigned interval_s, grace_s;
	unsigned health_max_age; /* /healthz: the seconds nothing may go unchecked */
	int (*problem)(void *ud, char *buf, size_t len);
	void *problem_ud;
	catalog_t *catalog;
	int port;
	metrics_t *metrics;
	pthread_mutex_t lock; /* guards pool */
	store_t *pool[POOL_MAX]; /* STORE_RO connections, one per thread while in use */
	size_t npool;
	char *tls_cert, *tls_key; /* PEM text, alive as long as the daemon */
	char *node;               /* [cluster] node, NULL alone */
	unsigned lease_s;         /* [cluster] lease, 0 alone */
};

/* One request being answered. */
typedef struct {
	http_t *h;
	struct MHD_Connection *conn;
	const char *path;
	store_t *db; /* acquired on first use */
	api_ctx_t ctx;
	/* the response */
	unsigned status;
	char *body; /* malloc'd, or NULL for asset */
	size_t len;
	const void *asset;
	const char *ctype;
	const char *allow, *www_auth;
	char *link; /* a Link header (malloc'd), or NULL */
	char bad_param[128];
} req_t;

/* ---- database pool ---- */

/* The path names another file (or none): the database was deleted or replaced
 * under the daemon, which opens the path again. The pooled connections read the
 * old file: drop them all. Called with h->lock held. */
static void db_file_changed(http_t *h)
{
	for (size_t i = 0; i < h->npool; i++)
		store_close(h->pool[i]);
	h->npool = 0;
}

static store_t *db_get(req_t *r, char *err, size_t errlen)
{
	http_t *h = r->h;

	if (r->db)
		return r->db;
	pthread_mutex_lock(&h->lock);
	if (h->npool)
		r->db = h->pool[--h->npool];
	/* one stat(2) per request: what is served is the file at the path */
	if (r->db && store_check_file(r->db) != 0) {
		store_close(r->db);
		r->db = NULL;
		db_file_changed(h);
	}
	pthread_mutex_unlock(&h->lock);
	if (!r->db)
		r->db = store_open_db(&(store_db_t){h->database, h->password_file}, STORE_RO, err,
				      errlen);
	return r->db;
}

static void db_put(req_t *r)
{
	http_t *h = r->h;

	if (!r->db)
		return;
	store_rollback(r->db); /* a snapshot a builder left open must not pin old pages */
	pthread_mutex_lock(&h->lock);
	if (h->npool < POOL_MAX) {
		h->pool[h->npool++] = r->db;
		r->db = NULL;
	}
	pthread_mutex_unlock(&h->lock);
	store_close(r->db); /* the pool was full */
	r->db = NULL;
}

/* ---- responses ---- */

static void reply_json(req_t *r, unsigned status, cJSON *doc)
{
	char *s = cJSON_PrintUnformatted(doc), *o;
	size_t n = 0;

	cJSON_Delete(doc);
	/* '<', '>' and '&' only occur inside strings: written as \u escapes, no
	 * TXT record reads as markup even to a sniffing or careless client */
	for (const char *p = s; *p; p++)
		n += strchr("<>&", *p) ? 6 : 1;
	r->body = o = xmalloc(n + 2);
	for (const char *p = s; *p; p++) {
		if (strchr("<>&", *p)) {
			snprintf(o, 7, "\\u%04x", (unsigned)*p);
			o += 6;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\n';
	*o = '\0';
	cJSON_free(s);
	r->len = n + 1;
	r->status = status;
	r->ctype = JSON_TYPE;
}

/* {"error": msg, "status": status}; msg may quote request input, so it is cleaned. */
static void reply_error(req_t *r, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void reply_error(req_t *r, unsigned status, const char *fmt, ...)
{
	char msg[1024], clean[1024];
	cJSON *doc = cJSON_CreateObject();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	text_utf8_clean(msg, clean, sizeof(clean));
	cJSON_AddStringToObject(doc, "error", clean);
	cJSON_AddNumberToObject(doc, "status", status);
	reply_json(r, status, doc);
}

static void reply_doc(req_t *r, cJSON *doc, const char *err)
{
	if (doc)
		reply_json(r, 200, doc);
	else
		reply_error(r, 503, "%s", err);
}

/* ---- parameters ---- */

static const char *param(req_t *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

struct param_check {
	const char *allowed; /* space-separated */
	char *bad;
	size_t badlen;
};

static enum MHD_Result check_param(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct param_check *pc = cls;
	size_t n = strlen(key);
	const char *p = pc->allowed;

	(void)kind;
	(void)value;
	while (p && *p) {
		size_t w = strcspn(p, " ");
		if (w == n && !strncmp(p, key, n))
			return MHD_YES;
		p += w + (p[w] == ' ');
	}
	if (!pc->bad[0])
		snprintf(pc->bad, pc->badlen, "%.100s", key);
	return MHD_YES;
}

/* Parses a decimal integer in [lo, hi]. 0 or -1. */
static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* The stored form of a target name: canonical address, or lower-case domain
 * without a trailing dot. */
static void target_canonical(const char *in, char *out, size_t len)
{
	target_t t;
	size_t n;

	if (target_parse_ip(in, &t) == 0) {
		snprintf(out, len, "%s", t.name);
		return;
	}
	snprintf(out, len, "%s", in);
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	n = strlen(out);
	if (n > 1 && out[n - 1] == '.')
		out[n - 1] = '\0';
}

/* ---- handlers ---- */

/* limit and cursor of a paged document; 0, or -1 after answering 400. */
static int page_params(req_t *r, api_page_q_t *pg)
{
	const char *limit = param(r, "limit"), *cursor = param(r, "cursor");
	long long v;

	pg->limit = API_PAGE_DEFAULT;
	pg->afterlen = 0;
	if (limit) {
		if (parse_int(limit, 1, API_PAGE_MAX, &v) < 0) {
			reply_error(r, 400, "limit: must be an integer from 1 to %d", API_PAGE_MAX);
			return -1;
		}
		pg->limit = (unsigned)v;
	}
	if (cursor && api_cursor_parse(cursor, pg->after, &pg->afterlen) < 0) {
		reply_error(r, 400, "cursor: must be a cursor as given in `next`");
		return -1;
	}
	return 0;
}

static void h_status(req_t *r)
{
	char err[512];
	const char *only = param(r, "only");
	api_status_q_t q;
	api_page_q_t pg;
	store_t *db;

	if (only && strcmp(only, "problems")) {
		reply_error(r, 400, "only: must be 'problems' (targets listed, unchecked or stale)");
		return;
	}
	if (page_params(r, &pg) < 0)
		return;
	memset(&q, 0, sizeof(q));
	q.only_problems = only != NULL;
	q.limit = pg.limit;
	memcpy(q.after, pg.after, pg.afterlen);
	q.afterlen = pg.afterlen;
	if (!(db = db_get(r, err, sizeof(err)))) {
		reply_error(r, 503, "database: %s", err);
		return;
	}
	reply_doc(r, api_status(db, &r->ctx, &q, err, sizeof(err)), err);
}

static void h_summary(req_t *r)
{
	char err[512];
	store_t *db = db_get(r, err, sizeof(err));

	if (!db) {
		reply_error(r, 503, "database: %s", err);
		return;
	}
	reply_doc(r, api_summary(db, &r->ctx, err, sizeof(err)), err);
}

/* Does the request want CSV: ?format=csv, or no format and an Accept that
 * names text/csv? 1 yes, 0 no (JSON), -1 after answering 400. */
static int wants_csv(req_t *r)
{
	const char *f = param(r, "format"), *acc;

	if (f) {
		if (strcmp(f, "csv") && strcmp(f, "json")) {
			reply_error(r, 400, "format: must be json or csv");
			return -1;
		}
		return !strcmp(f, "csv");
	}
	acc = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept");
	return acc && strcasestr(acc, "text/csv") != NULL;
}

/* A page doc as CSV (csv: api_csv_targets or api_csv_problems); its `next`
 * becomes a Link header with rel="next" (RFC 8288), asking for CSV again. */
static void reply_csv(req_t *r, cJSON *doc, char *(*csv)(const cJSON *, size_t *))
{
	const char *next = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "next"));
	size_t n;

	if (next) {
		n = strlen(next) + 32;
		r->link = xmalloc(n);
		snprintf(r->link, n, "<%s&format=csv>; rel=\"next\"", next);
	}
	r->body = csv(doc, &r->len);
	r->status = 200;
	r->ctype = CSV_TYPE;
	cJSON_Delete(doc);
}

/* Answers a builder's (rc, doc): 1 the document, 0 not found (what), -1 503. */
static void reply_found(req_t *r, int rc, cJSON *doc, const char *err, const char *what)
{
	if (rc < 0)
		reply_error(r, 503, "%s", err);
	else if (rc == 0)
		reply_error(r, 404, "%s", what);
	else
		reply_json(r, 200, doc);
}

/* zone: a list's zone or id; 0, or -1 after answering 400. */
static int zone_param(req_t *r, const char **zone)
{
	*zone = param(r, "zone");
	if (*zone && (!**zone || strlen(*zone) > 255)) {
		reply_error(r, 400, "zone: must be a list's zone or id");
		return -1;
	}
	return 0;
}

static void h_problems(req_t *r)
{
	char err[512], what[400];
	const char *scope = param(r, "scope"), *cursor = param(r, "cursor"),
		   *ignored = param(r, "ignored"), *limit = param(r, "limit");
	api_problems_q_t q = {-1, NULL, false, 0, API_PAGE_DEFAULT};
	list_scope_t sc;
	long long v;
	cJSON *doc;
	store_t *db;
	int rc, csv;

	if ((csv = wants_csv(r)) < 0)
		return;
	if (scope) {
		if (catalog_scope_parse(scope, &sc) < 0) {
			reply_error(r, 400, "scope: must be ip, network, asn or domain");
			return;
		}
		q.scope = (int)sc;
	}
	if (limit) {
		if (parse_int(limit, 1, API_PAGE_MAX, &v) < 0) {
			reply_error(r, 400, "limit: must be an integer from 1 to %d", API_PAGE_MAX);
			return;
		}
		q.limit = (unsigned)v;
	}
	if (cursor) {
		if (parse_int(cursor, 1, INT64_MAX, &v) < 0) {
			reply_error(r, 400, "cursor: must be a cursor as given in `next`");
			return;
		}
		q.after_rank = v;
	}
	if (ignored) {
		if (strcmp(ignored, "yes") && strcmp(ignored, "no")) {
			reply_error(r, 400, "ignored: must be yes or no");
			return;
		}
		q.ignored = !strcmp(ignored, "yes");
	}
	if (zone_param(r, &q.zone) < 0)
		return;
	if (!(db = db_get(r, err, sizeof(err)))) {
		reply_error(r, 503, "database: %s", err);
		return;
	}
	rc = api_problems(db, &r->ctx, &q, &doc, err, sizeof(err));
	snprintf(what, sizeof(what), "zone: no list '%.300s'", q.zone ? q.zone : "");
	if (rc == 1 && csv)
		reply_csv(r, doc, api_csv_problems);
	else
		reply_found(r, rc, doc, err, what);
}

static void h_problem(req_t *r)
{
	char err[512], what[400];
	const char *raw = r->path + strlen("/api/v1/problems/");
	api_page_q_t pg;
	long long id;
	cJSON *doc;
	store_t *db;
	int rc;

	snprintf(what, sizeof(what), "no problem '%.300s' (solved, or never one)", raw);
	if (parse_int(raw, 1, INT64_MAX, &id) < 0) {
		reply_error(r, 404, "%s", what);
		return;
	}
	if (page_params(r, &pg) < 0)
		return;
	if (!(db = db_get(r, err, sizeof(err)))) {
		reply_error(r, 503, "database: %s", err);
		return;
	}
	rc = api_problem(db, &r->ctx, id, &pg, &doc, err, sizeof(err));
	reply_found(r, rc, doc, err, what);
}

static void h_targets(req_t *r)
{
	char err[512], what[400];
	const char *status = param(r, "status"), *prefix = param(r, "prefix"), *q = param(r, "q");
	api_targets_q_t tq;
	target_spec_t spec;
	cJSON *doc;
	store_t *db;
	int rc, csv;

	if ((csv = wants_csv(r)) < 0)
		return;
	memset(&tq, 0, sizeof(tq));
	if (status && store_target_filter_parse(status, &tq.filter) < 0) {
		reply_error(r, 400, "status: must be own, neighbourhood, listed, unchecked, clean, "
			    "stale or problems");
		return;
	}
	tq.status = status;
	if (prefix) {
		if (target_parse(prefix, &(target_limits_t){0, 0}, &spec, err, sizeof(err)) < 0 ||
		    spec.first.type == TARGET_DOMAIN) {
			reply_error(r, 400, "prefix: must be an address or a network (CIDR)");
			return;
		}
		tq.has_prefix = true;
		tq.net = spec.first;
		tq.prefix = spec.prefix ? spec.prefix : spec.first.type == TARGET_IPV4 ? 32 : 128;
	}
	if (q && (!*q || strlen(q) > 253)) {
		reply_error(r, 400, "q: must be part of a target's name");
		return;
	}
	tq.q = q;
	if (zone_param(r, &tq.zone) < 0 || page_params(r, &tq.page) < 0)
		return;
	if (!(db = db_get(r, err, sizeof(err)))) {
		reply_error(r, 503, "database: %s", err);
		return;
	}
	rc = api_targets(db, &r->ctx, &tq, &doc, err, sizeof(err));
	snprintf(what, sizeof(what), "zone: no list '%.300s'", tq.zone ? tq.zone : "");
	if (rc == 1 && csv)
		reply_csv(r, doc, api_csv_targets);
	else
		reply_found(r, rc, doc, err, what);
}

static void h_target(req_t *r)
{
	char err[512], name[TARGET_NAME_MAX];
	const char *raw = r->path + strlen("/api/v1/targets/");
	store_t *db;
	cJSON *doc;
	int rc;

	if (!*raw || strlen(raw) >= TARGET_NAME_MAX || strchr(raw, '/')) {
		reply_error(r, 404, "no monitored target '%.300s'", raw);
		return;
	}
	target_canonical(raw, name, sizeof(name));
	if (!(db = db_get(r, err, sizeof(err)))) {
		reply_error(r, 503, "database: %s", err);
		return;
	}
	rc = api_target(db, &r->ctx, name, &doc, err, sizeof(err));
	if (rc < 0)
		reply_error(r, 503, "%s", err);
	else if (rc == 0)
		reply_error(r, 404, "no monitored target '%.300s'", name);
	else
		reply_json(r, 200, doc);
}

/* `before`: AT.SEQ.ID as written in `next`, or a bare event id (older `next` URLs). */
static int events_cursor(const char *s, api_events_t *q)
{
	char buf[96], *dot1, *dot2;
	long long v;

	if (!strchr(s, '.')) {
		if (parse_int(s, 1, INT64_MAX, &v) < 0)
			return -1;
		q->before = v;
		return 0;
	}
	if (strlen(s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	dot1 = strchr(buf, '.');
	*dot1++ = '\0';
	if (!(dot2 = strchr(dot1, '.')))
		return -1;
	*dot2++ = '\0';
	if (parse_int(buf, 1, INT64_MAX, &v) < 0)
		return -1;
	q->before_at = v;
	if (parse_int(dot1, 0, 2, &v) < 0)
		return -1;
	q->before_seq = (int)v;
	if (parse_int(dot2, 1, INT64_MAX, &v) < 0)
		return -1;
	q->before = v;
	return 0;
}

static void h_events(req_t *r)
{
	char err[512], target[TARGET_NAME_MAX];
	api_events_t q = {0, 0, API_EVENTS_DEFAULT, NULL, NULL, API_SOURCE_ANY, 0, 0, false};
	const char *since = param(r, "since"), *limit = param(r, "limit"),
		   *before = param(r, "before"), *t = param(r, "target"), *zone = param(r, "zone"),
		   *source = param(r, "source"), *changes = param(r, "changes");
	long long v;
	store_t *db;

	if (since && timefmt_parse_rfc3339(since, &q.since) < 0) {
		reply_error(r, 400, "since: not an RFC 3339 date-time (e.g. 2026-01-02T03:04:05Z)");
		return;
	}
	if (limit) {
		if (parse_int(limit, 1, API_EVENTS_MAX, &v) < 0) {
			reply_error(r, 400, "limit: must be an integer from 1 to %d", API_EVENTS_MAX);
			return;
		}
		q.limit = (unsigned)v;
	}
	if (before && events_cursor(before, &q) < 0) {
		reply_error(r, 400, "before: must be a cursor as given in `next` (or an event id)");
		return;
	}
	if (source && api_source_parse(source, &q.source) < 0) {
		reply_error(r, 400, "source: must be dnsbl or incident");
		return;
	}
	if (changes) {
		if (strcmp(changes, "yes") && strcmp(changes, "no")) {
			reply_error(r, 400, "changes: must be yes (leave out first answers that found "
				    "a target clean) or no");
			return;
		}
		q.changes = !strcmp(changes, "yes");
	}
	if (t) {
		if (!*t || strlen(t) >= TARGET_NAME_MAX) {
			reply_error(r, 400, "target: must be an address or domain name");
			return;
		}
		target_canonical(t, target, sizeof(target));
		q.target = target;
	}
	if (zone) {
		if (!*zone || strlen(zone) > 255) {
			reply_error(r, 400, "zone: must be a list's zone or id");
			return;
		}
		q.zone = zone;
	}
	if (!(db = db_get(r, err, sizeof(err)))) {
		reply_error(r, 503, "database: %s", err);
		return;
	}
	reply_doc(r, api_events(db, &r->ctx, &q, err, sizeof(err)), err);
}

static void h_lists(req_t *r)
{
	char err[512];
	store_t *db = db_get(r, err, sizeof(err));

	if (!db) {
		reply_error(r, 503, "database: %s", err);
		return;
	}
	reply_doc(r, api_lists(db, &r->ctx, err, sizeof(err)), err);
}

static void h_asns(req_t *r)
{
	char err[512];
	store_t *db = db_get(r, err, sizeof(err));

	if (!db) {
		reply_error(r, 503, "database: %s", err);
		return;
	}
	reply_doc(r, api_asns(db, &r->ctx, err, sizeof(err)), err);
}

static void h_cluster(req_t *r)
{
	char err[512];
	store_t *db = db_get(r, err, sizeof(err));

	if (!db) {
		reply_error(r, 503, "database: %s", err);
		return;
	}
	reply_doc(r, api_cluster(db, &r->ctx, err, sizeof(err)), err);
}

static void h_incidents(req_t *r)
{
	char err[512];
	const char *limit = param(r, "limit");
	long long v = API_INCIDENTS_DEFAULT;
	store_t *db;

	if (limit && parse_int(limit, 1, API_INCIDENTS_MAX, &v) < 0) {
		reply_error(r, 400, "limit: must be an integer from 1 to %d", API_INCIDENTS_MAX);
		return;
	}
	if (!(db = db_get(r, err, sizeof(err)))) {
		reply_error(r, 503, "database: %s", err);
		return;
	}
	reply_doc(r, api_incidents(db, &r->ctx, (unsigned)v, err, sizeof(err)), err);
}

static void h_health(req_t *r)
{
	char err[512], why[600], problem[512] = "";
	store_t *db = db_get(r, err, sizeof(err));
	cJSON *doc = NULL;
	int rc = -1;

	/* the daemon's own word first: a failing database cannot tell about itself */
	if (r->h->problem && r->h->problem(r->h->problem_ud, problem, sizeof(problem)) <= 0)
		problem[0] = '\0';
	if (db)
		rc = api_health(db, &r->ctx, r->h->health_max_age, problem, &doc, err, sizeof(err));
	if (rc < 0) {
		snprintf(why, sizeof(why), "%s%s", db ? "" : "database: ", err);
		doc = api_health_unreadable(&r->ctx, r->h->health_max_age, problem[0] ? problem : why);
	}
	reply_json(r, rc == 1 ? 200 : 503, doc);
}

static void h_metrics(req_t *r)
{
	char err[512];
	store_t *db = db_get(r, err, sizeof(err));
	size_t len;
	char *text;

	if (!db) {
		reply_error(r, 503, "database: %s", err);
		return;
	}
	text = metrics_render(r->h->metrics, db, &r->ctx, &len, err, sizeof(err));
	if (!text) {
		reply_error(r, 503, "%s", err);
		return;
	}
	r->body = text;
	r->len = len;
	r->status = 200;
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
}

/* The dashboard's files, compiled in. */
static const struct asset {
	const char *path;
	const unsigned char *data;
	size_t len;
	const char *ctype;
} assets[] = {
	{"/", web_asset_index_html, sizeof(web_asset_index_html), "text/html; charset=utf-8"},
	{"/index.html", web_asset_index_html, sizeof(web_asset_index_html),
	 "text/html; charset=utf-8"},
	{"/app.js", web_asset_app_js, sizeof(web_asset_app_js), "text/javascript; charset=utf-8"},
	{"/style.css", web_asset_style_css, sizeof(web_asset_style_css), "text/css; charset=utf-8"},
	{"/favicon.svg", web_asset_favicon_svg, sizeof(web_asset_favicon_svg), "image/svg+xml"},
};

static void h_asset(req_t *r)
{
	for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)
		if (!strcmp(r->path, assets[i].path)) {
			r->asset = assets[i].data;
			r->len = assets[i].len;
			r->ctype = assets[i].ctype;
			r->status = 200;
			return;
		}
}

enum { R_AUTH = 1, R_PREFIX = 2 };

static const struct route {
	const char *path;
	int flags;
	const char *params; /* the query parameters it takes, space-separated */
	void (*fn)(req_t *r);
} routes[] = {
	{"/api/v1/status", R_AUTH, "only limit cursor", h_status},
	{"/api/v1/summary", R_AUTH, "", h_summary},
	{"/api/v1/problems", R_AUTH, "scope zone ignored limit cursor format", h_problems},
	{"/api/v1/problems/", R_AUTH | R_PREFIX, "limit cursor", h_problem},
	{"/api/v1/targets", R_AUTH, "status zone prefix q limit cursor format", h_targets},
	{"/api/v1/targets/", R_AUTH | R_PREFIX, "", h_target},
	{"/api/v1/events", R_AUTH, "since limit before target zone source changes", h_events},
	{"/api/v1/lists", R_AUTH, "", h_lists},
	{"/api/v1/asns", R_AUTH, "", h_asns},
	{"/api/v1/incidents", R_AUTH, "limit", h_incidents},
	{"/api/v1/cluster", R_AUTH, "", h_cluster},
	{"/healthz", 0, "", h_health},
	{"/metrics", R_AUTH, "", h_metrics},
	{"/", 0, NULL, h_asset},
	{"/index.html", 0, NULL, h_asset},
	{"/app.js", 0, NULL, h_asset},
	{"/style.css", 0, NULL, h_asset},
	{"/favicon.svg", 0, NULL, h_asset},
};

static const struct route *route_find(const char *path)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *rt = &routes[i];
		if (rt->flags & R_PREFIX ? !strncmp(path, rt->path, strlen(rt->path))
					 : !strcmp(path, rt->path))
			return rt;
	}
	return NULL;
}

/* Constant-time comparison of the Authorization header with the token: the
 * time taken depends only on the token's length. */
static bool auth_ok(const http_t *h, const char *hdr)
{
	const char *given;
	size_t glen, tlen = strlen(h->token);
	unsigned char diff;

	if (!hdr || strncasecmp(hdr, "Bearer ", 7))
		return false;
	given = hdr + 7;
	while (*given == ' ')
		given++;
	glen = strlen(given);
	diff = glen != tlen;
	for (size_t i = 0; i < tlen; i++)
		diff |= (unsigned char)(h->token[i] ^ (i < glen ? given[i] : 0));
	return diff == 0;
}

static void dispatch(req_t *r, const char *method)
{
	const struct route *rt = route_find(r->path);
	struct param_check pc = {NULL, r->bad_param, sizeof(r->bad_param)};

	if (!rt) {
		reply_error(r, 404, "no such resource: %.300s", r->path);
		return;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		r->allow = "GET, HEAD";
		reply_error(r, 405, "method %.20s not allowed on %.300s: use GET", method, r->path);
		return;
	}
	if ((rt->flags & R_AUTH) && r->h->token &&
	    !auth_ok(r->h, MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization"))) {
		r->www_auth = "Bearer realm=\"blmon\"";
		reply_error(r, 401, "this server needs Authorization: Bearer TOKEN ([http] token)");
		return;
	}
	if (rt->params) {
		pc.allowed = rt->params;
		MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_param, &pc);
		if (r->bad_param[0]) {
			if (rt->params[0])
				reply_error(r, 400, "%s: unknown parameter (known: %s)", r->bad_param,
					    rt->params);
			else
				reply_error(r, 400, "%s: unknown parameter (%s takes none)",
					    r->bad_param, rt->path);
			return;
		}
	}
	rt->fn(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	static int seen; /* marks a request whose headers were seen */
	req_t r;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	if (!*con_cls) {
		*con_cls = &seen;
		/* GET and HEAD are answered once the request is complete, so the
		 * connection can stay open; anything else is refused at once */
		if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
			return MHD_YES;
	} else if (*upload_data_size) {
		*upload_data_size = 0; /* a body on GET: ignored */
		return MHD_YES;
	}
	memset(&r, 0, sizeof(r));
	r.h = cls;
	r.conn = conn;
	r.path = url;
	r.ctx.catalog = r.h->catalog;
	r.ctx.interval_s = r.h->interval_s;
	r.ctx.grace_s = r.h->grace_s;
	r.ctx.node = r.h->node;
	r.ctx.lease_s = r.h->lease_s;
	r.ctx.now = time(NULL);
	dispatch(&r, method);
	db_put(&r);
	if (!r.status)
		reply_error(&r, 500, "no response");
	if (r.asset)
		resp = MHD_create_response_from_buffer(r.len, (void *)r.asset, MHD_RESPMEM_PERSISTENT);
	else
		resp = MHD_create_response_from_buffer(r.len, r.body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(r.body);
		free(r.link);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", r.ctype);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", r.asset ? "no-cache" : "no-store");
	if (r.allow)
		MHD_add_response_header(resp, "Allow", r.allow);
	if (r.www_auth)
		MHD_add_response_header(resp, "WWW-Authenticate", r.www_auth);
	if (r.link)
		MHD_add_response_header(resp, "Link", r.link);
	/* the same URL answers JSON or CSV by Accept: caches must tell them apart */
	if (!strcmp(r.path, "/api/v1/targets") || !strcmp(r.path, "/api/v1/problems"))
		MHD_add_response_header(resp, "Vary", "Accept");
	free(r.link);
	http_guard_answering(r.h->guard, conn);
	ret = MHD_queue_response(conn, r.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- lifecycle ---- */

/* Binds and listens on "IP:PORT" / "[IPv6]:PORT". Returns the socket or -1. */
static int listen_on(const char *spec, int *port, char *err, size_t errlen)
{
	char host[128];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, one = 1, rc;
	size_t hl;

	if (!colon || colon == spec) {
		snprintf(err, errlen, "%s: not IP:PORT", spec);
		return -1;
	}
	hl = (size_t)(colon - spec);
	if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') {
		spec++;
		hl -= 2;
	}
	if (hl >= sizeof(host)) {
		snprintf(err, errlen, "%s: not IP:PORT", spec);
		return -1;
	}
	memcpy(host, spec, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "%s: %s", spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: socket: %s", spec, strerror(errno));
		goto fail;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", spec, strerror(errno));
		goto fail;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						       : ((struct sockaddr_in *)&ss)->sin_port);
	freeaddrinfo(ai);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return -1;
}

/* How often cycles run: the shortest interval of an enabled list. */
static unsigned shortest_interval(const http_opts_t *o)
{
	unsigned iv = 0;

	for (size_t i = 0; o->catalog && i < o->catalog->n; i++) {
		const catalog_list_t *l = &o->catalog->lists[i];
		unsigned li = l->interval_s ? l->interval_s : o->interval_s;
		if (l->enabled && l->zone && (!iv || li < iv))
			iv = li;
	}
	return iv ? iv : o->interval_s;
}

/* A PEM file's text (caller frees), or NULL with a message naming the file. */
static char *read_pem(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(64 * 1024 + 1);
	n = fread(buf, 1, 64 * 1024, f);
	fclose(f);
	buf[n] = '\0';
	if (n == 0 || n == 64 * 1024 || !strstr(buf, "-----BEGIN ")) {
		snprintf(err, errlen, "%s: not a PEM file (or larger than 64 KiB)", path);
		free(buf);
		return NULL;
	}
	return buf;
}

http_t *http_start(const http_opts_t *o, char *err, size_t errlen)
{
	http_t *h = xcalloc(1, sizeof(*h));
	http_guard_opts_t guard = {MAX_CONNS, PER_IP_CONNS, SPARE_CONNS, 0};
	store_t *db;
	int fd;

	pthread_mutex_init(&h->lock, NULL);
	h->database = xstrdup(o->database);
	h->password_file = o->database_password_file ? xstrdup(o->database_password_file) : NULL;
	h->token = o->token && *o->token ? xstrdup(o->token) : NULL;
	h->interval_s = o->interval_s;
	h->grace_s = o->stale_grace_s;
	h->node = o->cluster_node ? xstrdup(o->cluster_node) : NULL;
	h->lease_s = o->cluster_node ? o->cluster_lease_s : 0;
	h->health_max_age = o->healthz_max_age_s ? o->healthz_max_age_s : 2 * shortest_interval(o);
	if (h->health_max_age < API_HEALTH_MIN_AGE)
		h->health_max_age = API_HEALTH_MIN_AGE; /* second-long test intervals: a slow cycle */
	h->problem = o->problem;
	h->problem_ud = o->problem_ud;
	h->catalog = o->catalog;
	db = store_open_db(&(store_db_t){h->database, h->password_file}, STORE_RO, err, errlen);
	if (!db)
		goto fail;
	h->metrics = metrics_new(db);
	h->pool[h->npool++] = db;
	if ((o->cert && *o->cert) != (o->key && *o->key)) {
		snprintf(err, errlen, "HTTPS needs both cert and key");
		goto fail;
	}
	if (o->cert && *o->cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "this libmicrohttpd was built without TLS support");
			goto fail;
		}
		if (!(h->tls_cert = read_pem(o->cert, err, errlen)) ||
		    !(h->tls_key = read_pem(o->key, err, errlen)))
			goto fail;
	}
	guard.deadline_s = o->request_timeout_s ? o->request_timeout_s : REQUEST_TIMEOUT;
	if (!(h->guard = http_guard_new(&guard))) {
		snprintf(err, errlen, "%s: cannot start the HTTP server's timer thread", o->listen);
		goto fail;
	}
	fd = listen_on(o->listen, &h->port, err, errlen);
	if (fd < 0)
		goto fail;
	{
		struct MHD_OptionItem opt[] = {
			{MHD_OPTION_LISTEN_SOCKET, fd, NULL},
			{MHD_OPTION_THREAD_POOL_SIZE, THREADS, NULL},
			{MHD_OPTION_CONNECTION_LIMIT, MAX_CONNS, NULL},
			{MHD_OPTION_PER_IP_CONNECTION_LIMIT, PER_IP_CONNS, NULL},
			/* an idle timeout only: any byte restarts it, hence the guard */
			{MHD_OPTION_CONNECTION_TIMEOUT, CONN_TIMEOUT, NULL},
			{MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_MEMORY, NULL},
			{MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)http_guard_notify, h->guard},
			{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)http_guard_completed, h->guard},
			{MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert}, /* HTTPS only: the last two */
			{MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key},
			{MHD_OPTION_END, 0, NULL},
		};
		size_t nopt = sizeof(opt) / sizeof(opt[0]);

		if (!h->tls_cert)
			opt[nopt - 3].option = MHD_OPTION_END;
		h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
						(h->tls_cert ? MHD_USE_TLS : 0),
					0, NULL, NULL, on_request, h, MHD_OPTION_ARRAY, opt,
					MHD_OPTION_END);
	}
	if (!h->d) {
		snprintf(err, errlen, "%s: the HTTP server (libmicrohttpd) did not start", o->listen);
		if (fcntl(fd, F_GETFD) != -1)
			close(fd);
		goto fail;
	}
	return h;
fail:
	http_stop(h);
	return NULL;
}

void http_stop(http_t *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d); /* joins the threads and closes the listening socket */
	http_guard_free(h->guard); /* after: libmicrohttpd notifies it of every closing */
	for (size_t i = 0; i < h->npool; i++)
		store_close(h->pool[i]);
	metrics_free(h->metrics);
	pthread_mutex_destroy(&h->lock);
	free(h->tls_cert);
	free(h->tls_key);
	free(h->database);
	free(h->password_file);
	free(h->node);
	free(h->token);
	free(h);
}

int http_port(const http_t *h)
{
	return h->port;
}
