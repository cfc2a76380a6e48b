/* store_mtalog.c -- the mail log's rows: followed files' positions, rejections, recipient domains, provider incidents.
 * Which rejection kinds make an incident is reject_rules' decision: the queries take the kinds as parameters. */
#include "store/store_mtalog.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "store/store_int.h"

/* "kind IN (...)" with one parameter per reject kind from ?10 on: the kinds
 * that count towards an incident are bound, the others left NULL (matching
 * nothing). See bind_incident_kinds. */
#define KINDS_FIRST 10
#define INCIDENT_KINDS_IN "kind IN (?10, ?11, ?12, ?13, ?14)"
_Static_assert(REJECT_KINDS == 5, "INCIDENT_KINDS_IN needs one parameter per reject kind");

static const store_sql_t SQL_LOGFILE_GET = STORE_SQL(
	"SELECT inode, size, \"offset\", updated FROM logwatch_files WHERE path = ?1");
static const store_sql_t SQL_LOGFILE_PUT = STORE_SQL(
	"INSERT INTO logwatch_files (path, inode, size, \"offset\", updated) "
	"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (path) DO UPDATE SET inode = excluded.inode, "
	"size = excluded.size, \"offset\" = excluded.\"offset\", updated = excluded.updated");
static const store_sql_t SQL_DOMAIN_SEEN = STORE_SQL(
	"INSERT INTO log_domains (domain, provider, relay, first_seen, last_seen, sent, rejected) "
	"VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6) ON CONFLICT (domain) DO UPDATE SET "
	"provider = CASE WHEN excluded.relay != '' THEN excluded.provider ELSE log_domains.provider END, "
	"relay = CASE WHEN excluded.relay != '' THEN excluded.relay ELSE log_domains.relay END, "
	"last_seen = excluded.last_seen, sent = log_domains.sent + excluded.sent, "
	"rejected = log_domains.rejected + excluded.rejected");
static const store_sql_t SQL_DOMAINS =
	STORE_SQL("SELECT domain FROM log_domains ORDER BY domain LIMIT ?1");
static const store_sql_t SQL_REJECTION_ADD = STORE_SQL(
	"INSERT INTO rejections (at, provider, kind, code, status, domain, relay, sending_ip, line) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
static const store_sql_t SQL_REJECTION_COUNT = STORE_SQL(
	"INSERT INTO rejection_counts (provider, kind, n) VALUES (?1, ?2, 1) "
	"ON CONFLICT (provider, kind) DO UPDATE SET n = rejection_counts.n + 1");
static const store_sql_t SQL_REJECTIONS_RECENT = STORE_SQL(
	"SELECT count(*) FROM rejections WHERE provider = ?1 AND " INCIDENT_KINDS_IN " AND at > ?2");
static const store_sql_t SQL_REJECTIONS_PRUNE = STORE_SQL("DELETE FROM rejections WHERE at < ?1");
static const store_sql_t SQL_INCIDENT_OPEN_GET = STORE_SQL(
	"SELECT id FROM incidents WHERE provider = ?1 AND closed IS NULL");
static const store_sql_t SQL_INCIDENT_OPEN = STORE_SQL(
	"INSERT INTO incidents (provider, opened, kind, code, meaning, sending_ip, removal, advice, "
	"sample, rejections, last_rejection) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?2) "
	"RETURNING id");
static const store_sql_t SQL_INCIDENT_DOMAINS = STORE_SQL(
	"INSERT INTO incident_domains (incident_id, domain, rejections) "
	"SELECT CAST(?1 AS BIGINT), domain, count(*) "
	"FROM rejections WHERE provider = ?2 AND " INCIDENT_KINDS_IN " AND at > ?3 GROUP BY domain");
static const store_sql_t SQL_INCIDENT_EXTEND = STORE_SQL(
	"UPDATE incidents SET rejections = rejections + 1, last_rejection = ?2, last_sent = NULL, "
	"sending_ip = coalesce(sending_ip, ?3) WHERE id = ?1");
static const store_sql_t SQL_INCIDENT_DOMAIN_ADD = STORE_SQL(
	"INSERT INTO incident_domains (incident_id, domain, rejections) VALUES (?1, ?2, 1) "
	"ON CONFLICT (incident_id, domain) DO UPDATE SET "
	"rejections = incident_domains.rejections + 1");
static const store_sql_t SQL_INCIDENT_DELIVERED = STORE_SQL(
	"UPDATE incidents SET last_sent = ?2 WHERE provider = ?1 AND closed IS NULL");
static const store_sql_t SQL_INCIDENTS_QUIET = STORE_SQL(
	"SELECT id, provider, last_rejection, last_sent FROM incidents WHERE closed IS NULL AND "
	"last_sent IS NOT NULL AND last_rejection <= ?1 ORDER BY id LIMIT ?2");
static const store_sql_t SQL_INCIDENT_CLOSE =
	STORE_SQL("UPDATE incidents SET closed = ?2 WHERE id = ?1");

/* Binds the kinds that count towards an incident to INCIDENT_KINDS_IN. */
static void bind_incident_kinds(store_stmt_t *st)
{
	for (int k = 0; k < REJECT_KINDS; k++)
		if (reject_kind_incident((reject_kind_t)k))
			store_bind_text(st, KINDS_FIRST + k, reject_kind_name((reject_kind_t)k));
}

/* ---- followed files ---- */

int store_logfile_get(store_t *s, const char *path, store_logfile_t *out)
{
	store_stmt_t *st = store_stmt(s, &SQL_LOGFILE_GET);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	store_bind_text(st, 1, path);
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	out->inode = store_col_int64(st, 0);
	out->size = store_col_int64(st, 1);
	out->offset = store_col_int64(st, 2);
	out->updated = store_col_int64(st, 3);
	store_reset(st);
	return 1;
}

int store_logfile_put(store_t *s, const char *path, const store_logfile_t *in)
{
	store_stmt_t *st = store_stmt(s, &SQL_LOGFILE_PUT);

	if (!st)
		return -1;
	store_bind_text(st, 1, path);
	store_bind_int64(st, 2, in->inode);
	store_bind_int64(st, 3, in->size);
	store_bind_int64(st, 4, in->offset);
	store_bind_int64(st, 5, in->updated);
	return store_done(s, st);
}

/* ---- recipient domains ---- */

int store_log_domain_seen(store_t *s, const store_log_domain_t *d, int64_t now)
{
	store_stmt_t *st = store_stmt(s, &SQL_DOMAIN_SEEN);

	if (!st)
		return -1;
	store_bind_text(st, 1, d->domain);
	store_bind_text(st, 2, d->provider);
	store_bind_text(st, 3, d->relay);
	store_bind_int64(st, 4, now);
	store_bind_int64(st, 5, d->sent);
	store_bind_int64(st, 6, d->rejected);
	return store_done(s, st);
}

int store_log_domains(store_t *s, size_t max, char ***out, size_t *n)
{
	store_stmt_t *st = store_stmt(s, &SQL_DOMAINS);
	char **names = NULL;
	size_t count = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return -1;
	store_bind_int64(st, 1, (int64_t)max);
	while ((rc = store_row(s, st)) == 1) {
		const char *name = store_col_str(st, 0);
		if (!name)
			continue;
		xgrow((void **)&names, &cap, count + 1, sizeof(*names));
		names[count++] = xstrdup(name);
	}
	if (rc < 0) {
		store_log_domains_free(names, count);
		return -1;
	}
	*out = names;
	*n = count;
	return 0;
}

void store_log_domains_free(char **domains, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(domains[i]);
	free(domains);
}

/* ---- rejections ---- */

int store_rejection_add(store_t *s, const store_rejection_t *rej)
{
	const reject_t *r = rej->reject;
	store_stmt_t *st = store_stmt(s, &SQL_REJECTION_ADD);

	if (!st)
		return -1;
	store_bind_int64(st, 1, rej->at);
	store_bind_text(st, 2, r->provider);
	store_bind_text(st, 3, reject_kind_name(r->kind));
	store_bind_text(st, 4, r->code);
	store_bind_text(st, 5, rej->bounced ? "bounced" : "deferred");
	store_bind_text(st, 6, rej->domain);
	store_bind_text(st, 7, rej->relay);
	store_bind_text_or_null(st, 8, r->sending_ip); /* NULL: the reply did not name it */
	store_bind_text(st, 9, rej->line);
	if (store_done(s, st) < 0 || !(st = store_stmt(s, &SQL_REJECTION_COUNT)))
		return -1;
	store_bind_text(st, 1, r->provider);
	store_bind_text(st, 2, reject_kind_name(r->kind));
	return store_done(s, st);
}

int64_t store_rejections_recent(store_t *s, const char *provider, int64_t since)
{
	store_stmt_t *st = store_stmt(s, &SQL_REJECTIONS_RECENT);
	int64_t n;
	int rc;

	if (!st)
		return -1;
	store_bind_text(st, 1, provider);
	store_bind_int64(st, 2, since);
	bind_incident_kinds(st);
	rc = store_row(s, st);
	if (rc <= 0)
		return rc; /* an error, or (never, for a count) no row */
	n = store_col_int64(st, 0);
	store_reset(st);
	return n;
}

int store_rejections_prune(store_t *s, int64_t before)
{
	store_stmt_t *st = store_stmt(s, &SQL_REJECTIONS_PRUNE);

	if (!st)
		return -1;
	store_bind_int64(st, 1, before);
	return store_done(s, st);
}

/* ---- provider incidents ---- */

int store_incident_open_get(store_t *s, const char *provider, int64_t *id)
{
	store_stmt_t *st = store_stmt(s, &SQL_INCIDENT_OPEN_GET);
	int rc;

	*id = 0;
	if (!st)
		return -1;
	store_bind_text(st, 1, provider);
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	*id = store_col_int64(st, 0);
	store_reset(st);
	return 1;
}

int64_t store_incident_open(store_t *s, const reject_t *r, const char *sample,
			    int64_t rejections, int64_t since, int64_t now)
{
	store_stmt_t *st = store_stmt(s, &SQL_INCIDENT_OPEN);
	int64_t id;

	if (!st)
		return -1;
	store_bind_text(st, 1, r->provider);
	store_bind_int64(st, 2, now);
	store_bind_text(st, 3, reject_kind_name(r->kind));
	store_bind_text(st, 4, r->code);
	store_bind_text(st, 5, r->meaning);
	store_bind_text_or_null(st, 6, r->sending_ip);
	store_bind_text(st, 7, r->removal);
	store_bind_text(st, 8, r->advice);
	store_bind_text(st, 9, sample);
	store_bind_int64(st, 10, rejections);
	if ((id = store_insert_id(s, st)) < 0)
		return -1;
	if (!(st = store_stmt(s, &SQL_INCIDENT_DOMAINS)))
		return -1;
	store_bind_int64(st, 1, id);
	store_bind_text(st, 2, r->provider);
	store_bind_int64(st, 3, since);
	bind_incident_kinds(st);
	if (store_done(s, st) < 0)
		return -1;
	return id;
}

int store_incident_extend(store_t *s, int64_t id, const char *sending_ip, const char *domain,
			  int64_t now)
{
	store_stmt_t *st = store_stmt(s, &SQL_INCIDENT_EXTEND);

	if (!st)
		return -1;
	store_bind_int64(st, 1, id);
	store_bind_int64(st, 2, now);
	store_bind_text_or_null(st, 3, sending_ip);
	if (store_done(s, st) < 0)
		return -1;
	if (!domain || !domain[0])
		return 0;
	if (!(st = store_stmt(s, &SQL_INCIDENT_DOMAIN_ADD)))
		return -1;
	store_bind_int64(st, 1, id);
	store_bind_text(st, 2, domain);
	return store_done(s, st);
}

int store_incident_delivered(store_t *s, const char *provider, int64_t now)
{
	store_stmt_t *st = store_stmt(s, &SQL_INCIDENT_DELIVERED);

	if (!st)
		return -1;
	store_bind_text(st, 1, provider);
	store_bind_int64(st, 2, now);
	return store_done(s, st);
}

int store_incidents_quiet(store_t *s, int64_t since, store_incident_open_t *out, size_t max)
{
	store_stmt_t *st = store_stmt(s, &SQL_INCIDENTS_QUIET);
	size_t n = 0;
	int rc = 0;

	if (!st)
		return -1;
	store_bind_int64(st, 1, since);
	store_bind_int64(st, 2, (int64_t)max);
	while (n < max && (rc = store_row(s, st)) == 1) {
		store_incident_open_t *o = &out[n++];
		o->id = store_col_int64(st, 0);
		store_col_copy(st, 1, o->provider, sizeof(o->provider));
		o->last_rejection = store_col_int64(st, 2);
		o->last_sent = store_col_int64(st, 3);
	}
	if (rc < 0)
		return -1;
	store_reset(st); /* stopped at max: the rest waits for the next call */
	return (int)n;
}

int store_incident_close(store_t *s, int64_t id, int64_t now)
{
	store_stmt_t *st = store_stmt(s, &SQL_INCIDENT_CLOSE);

	if (!st)
		return -1;
	store_bind_int64(st, 1, id);
	store_bind_int64(st, 2, now);
	return store_done(s, st);
}
