/* incident.c -- provider rejections into the database: counts, recipient domains, incidents opened and closed.
 * Times are when a line was read: a tailing daemon reads within a second, and syslog stamps carry no year or zone. */
#include "monitor/mtalog/incident.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/text.h"
#include "lib/xmalloc.h"
#include "lib/log.h"
#include "checks/reject_rules.h"

#define PRUNE_EVERY 3600
#define INCIDENT_KINDS "('ip-blocklisted', 'rate-limited', 'reputation')"

enum {
	Q_REJ_ADD,
	Q_COUNT_ADD,
	Q_DOMAIN,
	Q_WINDOW,
	Q_OPEN_GET,
	Q_OPEN_ADD,
	Q_OPEN_DOMAINS,
	Q_EXTEND,
	Q_DOMAIN_ADD,
	Q_SENT,
	Q_OPEN_ALL,
	Q_CLOSE,
	Q_PRUNE,
	Q_N
};

static const char *const sqls[Q_N] = {
	[Q_REJ_ADD] = "INSERT INTO rejections (at, provider, kind, code, status, domain, relay, "
		      "sending_ip, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[Q_COUNT_ADD] = "INSERT INTO rejection_counts (provider, kind, n) VALUES (?1, ?2, 1) "
			"ON CONFLICT (provider, kind) DO UPDATE SET n = n + 1",
	[Q_DOMAIN] = "INSERT INTO log_domains (domain, provider, relay, first_seen, last_seen, sent, "
		     "rejected) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6) ON CONFLICT (domain) DO UPDATE SET "
		     "provider = CASE WHEN excluded.relay != '' THEN excluded.provider ELSE provider END, "
		     "relay = CASE WHEN excluded.relay != '' THEN excluded.relay ELSE relay END, "
		     "last_seen = excluded.last_seen, sent = sent + excluded.sent, "
		     "rejected = rejected + excluded.rejected",
	[Q_WINDOW] = "SELECT count(*) FROM rejections WHERE provider = ?1 AND kind IN " INCIDENT_KINDS
		     " AND at > ?2",
	[Q_OPEN_GET] = "SELECT id FROM incidents WHERE provider = ?1 AND closed IS NULL",
	[Q_OPEN_ADD] = "INSERT INTO incidents (provider, opened, kind, code, meaning, sending_ip, "
		       "removal, advice, sample, rejections, last_rejection) VALUES (?1, ?2, ?3, ?4, "
		       "?5, ?6, ?7, ?8, ?9, ?10, ?2)",
	[Q_OPEN_DOMAINS] = "INSERT INTO incident_domains (incident_id, domain, rejections) SELECT ?1, "
			   "domain, count(*) FROM rejections WHERE provider = ?2 AND kind IN "
			   INCIDENT_KINDS " AND at > ?3 GROUP BY domain",
	[Q_EXTEND] = "UPDATE incidents SET rejections = rejections + 1, last_rejection = ?2, "
		     "last_sent = NULL, sending_ip = ifnull(sending_ip, ?3) WHERE id = ?1",
	[Q_DOMAIN_ADD] = "INSERT INTO incident_domains (incident_id, domain, rejections) VALUES "
			 "(?1, ?2, 1) ON CONFLICT (incident_id, domain) DO UPDATE SET "
			 "rejections = rejections + 1",
	[Q_SENT] = "UPDATE incidents SET last_sent = ?2 WHERE provider = ?1 AND closed IS NULL",
	[Q_OPEN_ALL] = "SELECT id, provider, last_rejection, last_sent FROM incidents "
		       "WHERE closed IS NULL",
	[Q_CLOSE] = "UPDATE incidents SET closed = ?2 WHERE id = ?1",
	[Q_PRUNE] = "DELETE FROM rejections WHERE at < ?1",
};

struct incident {
	sqlite3 *db;
	sqlite3_stmt *st[Q_N];
	int64_t pruned;
};

incident_t *incident_new(sqlite3 *db, char *err, size_t errlen)
{
	incident_t *in = xcalloc(1, sizeof(*in));

	in->db = db;
	for (int i = 0; i < Q_N; i++)
		if (sqlite3_prepare_v3(db, sqls[i], -1, SQLITE_PREPARE_PERSISTENT, &in->st[i], NULL) !=
		    SQLITE_OK) {
			snprintf(err, errlen, "logwatch: %s", sqlite3_errmsg(db));
			incident_free(in);
			return NULL;
		}
	return in;
}

void incident_free(incident_t *in)
{
	if (!in)
		return;
	for (int i = 0; i < Q_N; i++)
		sqlite3_finalize(in->st[i]);
	free(in);
}

static sqlite3_stmt *q(incident_t *in, int which)
{
	sqlite3_reset(in->st[which]);
	sqlite3_clear_bindings(in->st[which]);
	return in->st[which];
}

static void bt(sqlite3_stmt *st, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else if (v)
		sqlite3_bind_text(st, i, "", 0, SQLITE_STATIC);
}

/* Runs a statement to its end: 0, or -1 (logged). */
static int run(incident_t *in, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	log_error("logwatch: database: %s", sqlite3_errmsg(in->db));
	return -1;
}

/* The first column of the first row: 1 found, 0 none, -1 error. */
static int one(incident_t *in, sqlite3_stmt *st, int64_t *v)
{
	int rc = sqlite3_step(st);

	*v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc == SQLITE_ROW;
	log_error("logwatch: database: %s", sqlite3_errmsg(in->db));
	return -1;
}

static int domain_seen(incident_t *in, const logline_t *e, const reject_t *r, bool rejected,
		       int64_t now)
{
	sqlite3_stmt *st;

	if (!e->domain[0])
		return 0;
	st = q(in, Q_DOMAIN);
	bt(st, 1, e->domain);
	bt(st, 2, r->provider);
	bt(st, 3, e->relay);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int(st, 5, e->status == LOGLINE_SENT);
	sqlite3_bind_int(st, 6, rejected);
	return run(in, st);
}

/* A provider's name for the log: relay domains come from the (hostile) log. */
static const char *shown(const char *provider, char *buf, size_t len)
{
	text_escape_term(reject_provider_name(provider), buf, len);
	return buf;
}

static int open_or_extend(incident_t *in, const incident_rules_t *rules, const logline_t *e,
			  const reject_t *r, const char *sample, int64_t now)
{
	sqlite3_stmt *st;
	int64_t id, n;
	int found;
	char name[300];

	st = q(in, Q_OPEN_GET);
	bt(st, 1, r->provider);
	if ((found = one(in, st, &id)) < 0)
		return -1;
	if (found) {
		st = q(in, Q_EXTEND);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, now);
		if (r->sending_ip[0])
			bt(st, 3, r->sending_ip);
		if (run(in, st) < 0)
			return -1;
		if (!e->domain[0])
			return 0;
		st = q(in, Q_DOMAIN_ADD);
		sqlite3_bind_int64(st, 1, id);
		bt(st, 2, e->domain);
		return run(in, st);
	}
	st = q(in, Q_WINDOW);
	bt(st, 1, r->provider);
	sqlite3_bind_int64(st, 2, now - (int64_t)rules->window_s);
	if (one(in, st, &n) < 0)
		return -1;
	if (n < (int64_t)rules->threshold)
		return 0;
	st = q(in, Q_OPEN_ADD);
	bt(st, 1, r->provider);
	sqlite3_bind_int64(st, 2, now);
	bt(st, 3, reject_kind_name(r->kind));
	bt(st, 4, r->code);
	bt(st, 5, r->meaning);
	if (r->sending_ip[0])
		bt(st, 6, r->sending_ip);
	bt(st, 7, r->removal);
	bt(st, 8, r->advice);
	bt(st, 9, sample);
	sqlite3_bind_int64(st, 10, n);
	if (run(in, st) < 0)
		return -1;
	id = sqlite3_last_insert_rowid(in->db);
	st = q(in, Q_OPEN_DOMAINS);
	sqlite3_bind_int64(st, 1, id);
	bt(st, 2, r->provider);
	sqlite3_bind_int64(st, 3, now - (int64_t)rules->window_s);
	if (run(in, st) < 0)
		return -1;
	log_warn("provider incident %lld opened: %s rejects mail%s%s (%s%s%s, %s): %lld rejections "
		 "within %us", (long long)id, shown(r->provider, name, sizeof(name)),
		 r->sending_ip[0] ? " from " : "", r->sending_ip, r->code, r->code[0] ? ": " : "",
		 r->meaning, reject_kind_name(r->kind), (long long)n, rules->window_s);
	return 0;
}

int incident_record(incident_t *in, const incident_rules_t *rules, const logline_t *e,
		    const char *line, int64_t now)
{
	reject_t r;
	sqlite3_stmt *st;
	char sample[INCIDENT_SAMPLE_MAX];
	bool rejected = e->status != LOGLINE_SENT && e->reply[0];

	reject_rules_classify(e->relay, e->domain, rejected ? e->reply : NULL, &r);
	if (domain_seen(in, e, &r, rejected, now) < 0)
		return -1;
	if (e->status == LOGLINE_SENT) {
		st = q(in, Q_SENT);
		bt(st, 1, r.provider);
		sqlite3_bind_int64(st, 2, now);
		return run(in, st);
	}
	if (!rejected)
		return 0; /* no remote answer (connection failed, DNS): not the provider's word */
	/* logs are hostile: control bytes and invalid UTF-8 escaped, length bounded */
	text_escape_term(line, sample, sizeof(sample));
	st = q(in, Q_REJ_ADD);
	sqlite3_bind_int64(st, 1, now);
	bt(st, 2, r.provider);
	bt(st, 3, reject_kind_name(r.kind));
	bt(st, 4, r.code);
	bt(st, 5, e->status == LOGLINE_BOUNCED ? "bounced" : "deferred");
	bt(st, 6, e->domain);
	bt(st, 7, e->relay);
	if (r.sending_ip[0])
		bt(st, 8, r.sending_ip);
	bt(st, 9, sample);
	if (run(in, st) < 0)
		return -1;
	st = q(in, Q_COUNT_ADD);
	bt(st, 1, r.provider);
	bt(st, 2, reject_kind_name(r.kind));
	if (run(in, st) < 0)
		return -1;
	if (!reject_kind_incident(r.kind))
		return 0;
	return open_or_extend(in, rules, e, &r, sample, now);
}

int incident_tick(incident_t *in, const incident_rules_t *rules, int64_t now)
{
	sqlite3_stmt *st = q(in, Q_OPEN_ALL);
	int64_t close[64];
	size_t n = 0;
	int rc;
	char name[300];

	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 64) {
		int64_t last_rej = sqlite3_column_int64(st, 2);
		if (sqlite3_column_type(st, 3) != SQLITE_NULL &&
		    now - last_rej >= (int64_t)rules->quiet_s) {
			close[n++] = sqlite3_column_int64(st, 0);
			log_info("provider incident %lld closed: no rejection from %s for %us and mail "
				 "to it was delivered since", (long long)close[n - 1],
				 shown((const char *)sqlite3_column_text(st, 1), name, sizeof(name)),
				 rules->quiet_s);
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_error("logwatch: database: %s", sqlite3_errmsg(in->db));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		st = q(in, Q_CLOSE);
		sqlite3_bind_int64(st, 1, close[i]);
		sqlite3_bind_int64(st, 2, now);
		if (run(in, st) < 0)
			return -1;
	}
	if (now - in->pruned >= PRUNE_EVERY && rules->retention_s) {
		in->pruned = now;
		st = q(in, Q_PRUNE);
		sqlite3_bind_int64(st, 1, now - (int64_t)rules->retention_s);
		return run(in, st);
	}
	return 0;
}
