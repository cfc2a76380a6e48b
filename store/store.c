/* store.c -- SQLite persistence for blmon: schema migration, upserts, state, events, cycles.
 * Statements are prepared once per connection; every write goes through store_begin/commit batches. */
#include "store/store.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "store_sql.h" /* generated from schemas/store.sql: store_schema_sql */

enum {
	Q_TARGET_UPSERT,
	Q_TARGET_ID,
	Q_TARGET_RETIRE,
	Q_LIST_UPSERT,
	Q_LIST_ID,
	Q_STATE_GET,
	Q_STATE_PUT,
	Q_EVENT_ADD,
	Q_HEALTH_GET,
	Q_HEALTH_SET,
	Q_HEALTH_ADD,
	Q_CYCLE_BEGIN,
	Q_CYCLE_END,
	Q_ASN_GET,
	Q_ASN_PUT,
	Q_FILE_GET,
	Q_FILE_PUT,
	Q_FILE_CHECKED,
	Q_COUNT
};

static const char *const sqls[Q_COUNT] = {
	[Q_TARGET_UPSERT] =
		"INSERT INTO targets (target, type, discovered_from, first_seen, last_seen, active) "
		"VALUES (?1, ?2, ?3, ?4, ?4, 1) ON CONFLICT (target) DO UPDATE SET "
		"last_seen = excluded.last_seen, active = 1, "
		"discovered_from = excluded.discovered_from",
	[Q_TARGET_ID] = "SELECT id FROM targets WHERE target = ?1",
	[Q_TARGET_RETIRE] = "UPDATE targets SET active = 0 WHERE last_seen < ?1 AND active = 1",
	[Q_LIST_UPSERT] =
		"INSERT INTO lists (zone, name, kind, scope) VALUES (?1, ?2, ?3, ?4) "
		"ON CONFLICT (zone) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
		"scope = excluded.scope",
	[Q_LIST_ID] = "SELECT id FROM lists WHERE zone = ?1",
	[Q_STATE_GET] =
		"SELECT status, since, codes, txt, reason, checked_at, ttl_until, pending, "
		"pending_count FROM state WHERE target_id = ?1 AND list_id = ?2",
	[Q_STATE_PUT] =
		"INSERT OR REPLACE INTO state (target_id, list_id, status, since, codes, txt, reason, "
		"checked_at, ttl_until, pending, pending_count) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[Q_EVENT_ADD] =
		"INSERT INTO events (at, target_id, list_id, \"from\", \"to\", codes, txt, reason) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[Q_HEALTH_GET] = "SELECT health, ifnull(health_detail, '') FROM lists WHERE id = ?1",
	[Q_HEALTH_SET] =
		"UPDATE lists SET health = ?2, health_detail = ?3, health_since = ?4 WHERE id = ?1",
	[Q_HEALTH_ADD] = "INSERT INTO list_health (list_id, at, health, detail) VALUES (?1, ?2, ?3, ?4)",
	[Q_CYCLE_BEGIN] = "INSERT INTO cycles (started) VALUES (?1)",
	[Q_CYCLE_END] =
		"UPDATE cycles SET ended = ?2, lists = ?3, targets = ?4, queries = ?5, errors = ?6, "
		"listed = ?7, unknown = ?8 WHERE id = ?1",
	[Q_ASN_GET] = "SELECT ifnull(asn, -1), ifnull(prefix, ''), ifnull(country, ''), "
		      "ifnull(registry, ''), ifnull(name, ''), fetched FROM asn WHERE target_id = ?1",
	[Q_ASN_PUT] = "INSERT OR REPLACE INTO asn (target_id, asn, prefix, country, registry, name, "
		      "fetched) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[Q_FILE_GET] = "SELECT body, ifnull(etag, ''), ifnull(last_modified, ''), fetched, checked "
		       "FROM drop_files WHERE url = ?1",
	[Q_FILE_PUT] = "INSERT OR REPLACE INTO drop_files (url, body, etag, last_modified, fetched, "
		       "checked) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
	[Q_FILE_CHECKED] = "UPDATE drop_files SET checked = ?2 WHERE url = ?1",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[Q_COUNT];
	char err[512];
	bool readonly;
};

static void seterr(store_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

const char *store_error(const store_t *s)
{
	return s->err;
}

static int dberr(store_t *s, const char *what)
{
	seterr(s, "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

static int exec(store_t *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		seterr(s, "%s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int store_schema_version(store_t *s)
{
	sqlite3_stmt *st;
	int v = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT version FROM schema_version", -1, &st, NULL) != SQLITE_OK)
		return 0; /* no table yet: an empty database */
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Applies each "-- migration N" block of the embedded schema with N above the
 * database's version, each in its own transaction. */
static int migrate(store_t *s)
{
	const char *p = store_schema_sql;
	int have = store_schema_version(s);

	while ((p = strstr(p, "-- migration "))) {
		int n = atoi(p + 13);
		const char *next = strstr(p + 13, "-- migration ");
		size_t len = next ? (size_t)(next - p) : strlen(p);
		char *block, upd[64];

		if (n <= have) {
			p += len;
			continue;
		}
		block = xmalloc(len + 1);
		memcpy(block, p, len);
		block[len] = '\0';
		snprintf(upd, sizeof(upd), "UPDATE schema_version SET version = %d;", n);
		if (exec(s, "BEGIN IMMEDIATE") < 0 || exec(s, block) < 0 || exec(s, upd) < 0) {
			char e[512];
			snprintf(e, sizeof(e), "%s", s->err);
			exec(s, "ROLLBACK");
			seterr(s, "schema migration %d failed: %s", n, e);
			free(block);
			return -1;
		}
		free(block);
		if (exec(s, "COMMIT") < 0)
			return -1;
		p += len;
	}
	return 0;
}

static store_t *open_db(const char *path, bool readonly, char *err, size_t errlen)
{
	store_t *s = xcalloc(1, sizeof(*s));
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	s->readonly = readonly;
	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (!readonly && (exec(s, "PRAGMA journal_mode = WAL") < 0 ||
			  exec(s, "PRAGMA synchronous = NORMAL") < 0)) {
		snprintf(err, errlen, "%s: %s", path, s->err);
		goto fail;
	}
	if (exec(s, "PRAGMA foreign_keys = ON") < 0) {
		snprintf(err, errlen, "%s: %s", path, s->err);
		goto fail;
	}
	if (!readonly && migrate(s) < 0) {
		snprintf(err, errlen, "%s: %s", path, s->err);
		goto fail;
	}
	for (int i = 0; i < Q_COUNT && !readonly; i++)
		if (sqlite3_prepare_v3(s->db, sqls[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) !=
		    SQLITE_OK) {
			snprintf(err, errlen, "%s: preparing statement %d: %s", path, i,
				 sqlite3_errmsg(s->db));
			goto fail;
		}
	return s;
fail:
	store_close(s);
	return NULL;
}

store_t *store_open(const char *path, char *err, size_t errlen)
{
	return open_db(path, false, err, errlen);
}

store_t *store_open_readonly(const char *path, char *err, size_t errlen)
{
	return open_db(path, true, err, errlen);
}

void store_close(store_t *s)
{
	if (!s)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s);
}

int store_begin(store_t *s) { return exec(s, "BEGIN IMMEDIATE"); }
int store_commit(store_t *s) { return exec(s, "COMMIT"); }
int store_rollback(store_t *s) { return exec(s, "ROLLBACK"); }

/* Runs a prepared statement to completion (no rows expected). */
static int run(store_t *s, int q)
{
	int rc = sqlite3_step(s->st[q]);

	sqlite3_reset(s->st[q]);
	sqlite3_clear_bindings(s->st[q]);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return dberr(s, sqls[q]);
	return 0;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Looks up an id by one text key with a prepared SELECT. */
static int64_t id_by(store_t *s, int q, const char *key)
{
	int64_t id = -1;
	int rc;

	bind_text(s->st[q], 1, key);
	rc = sqlite3_step(s->st[q]);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s->st[q], 0);
	else if (rc != SQLITE_DONE)
		dberr(s, sqls[q]);
	sqlite3_reset(s->st[q]);
	return id;
}

int64_t store_target_id(store_t *s, const target_t *t, int64_t now)
{
	sqlite3_stmt *st = s->st[Q_TARGET_UPSERT];

	bind_text(st, 1, t->name);
	bind_text(st, 2, target_type_name(t->type));
	bind_text(st, 3, t->from);
	sqlite3_bind_int64(st, 4, now);
	if (run(s, Q_TARGET_UPSERT) < 0)
		return -1;
	return id_by(s, Q_TARGET_ID, t->name);
}

int64_t store_target_known(store_t *s, const char *name)
{
	return id_by(s, Q_TARGET_ID, name);
}

int store_targets_retire(store_t *s, int64_t before)
{
	sqlite3_bind_int64(s->st[Q_TARGET_RETIRE], 1, before);
	return run(s, Q_TARGET_RETIRE);
}

int64_t store_list_id(store_t *s, const catalog_list_t *l)
{
	sqlite3_stmt *st = s->st[Q_LIST_UPSERT];

	bind_text(st, 1, l->zone);
	bind_text(st, 2, l->name);
	bind_text(st, 3, catalog_kind_name(l->kind));
	bind_text(st, 4, catalog_scope_name(l->scope));
	if (run(s, Q_LIST_UPSERT) < 0)
		return -1;
	return id_by(s, Q_LIST_ID, l->zone);
}

static void col_copy(sqlite3_stmt *st, int i, char *dst, size_t len)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	snprintf(dst, len, "%s", v ? (const char *)v : "");
}

int store_state_get(store_t *s, int64_t target_id, int64_t list_id, store_state_t *out)
{
	sqlite3_stmt *st = s->st[Q_STATE_GET];
	int rc, ret = 0;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_int64(st, 1, target_id);
	sqlite3_bind_int64(st, 2, list_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_copy(st, 0, out->status, sizeof(out->status));
		out->since = sqlite3_column_int64(st, 1);
		col_copy(st, 2, out->codes, sizeof(out->codes));
		col_copy(st, 3, out->txt, sizeof(out->txt));
		col_copy(st, 4, out->reason, sizeof(out->reason));
		out->checked_at = sqlite3_column_int64(st, 5);
		out->ttl_until = sqlite3_column_int64(st, 6);
		col_copy(st, 7, out->pending, sizeof(out->pending));
		out->pending_count = sqlite3_column_int(st, 8);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = dberr(s, "reading state");
	}
	sqlite3_reset(st);
	return ret;
}

int store_state_put(store_t *s, int64_t target_id, int64_t list_id, const store_state_t *in)
{
	sqlite3_stmt *st = s->st[Q_STATE_PUT];

	sqlite3_bind_int64(st, 1, target_id);
	sqlite3_bind_int64(st, 2, list_id);
	bind_text(st, 3, in->status);
	sqlite3_bind_int64(st, 4, in->since);
	bind_text(st, 5, in->codes[0] ? in->codes : "[]");
	bind_text(st, 6, in->txt[0] ? in->txt : "[]");
	bind_text(st, 7, in->reason[0] ? in->reason : NULL);
	sqlite3_bind_int64(st, 8, in->checked_at);
	sqlite3_bind_int64(st, 9, in->ttl_until);
	bind_text(st, 10, in->pending[0] ? in->pending : NULL);
	sqlite3_bind_int(st, 11, in->pending_count);
	return run(s, Q_STATE_PUT);
}

int64_t store_event_add(store_t *s, const store_event_t *ev)
{
	sqlite3_stmt *st = s->st[Q_EVENT_ADD];

	sqlite3_bind_int64(st, 1, ev->at);
	sqlite3_bind_int64(st, 2, ev->target_id);
	sqlite3_bind_int64(st, 3, ev->list_id);
	bind_text(st, 4, ev->from);
	bind_text(st, 5, ev->to);
	bind_text(st, 6, ev->codes ? ev->codes : "[]");
	bind_text(st, 7, ev->txt ? ev->txt : "[]");
	bind_text(st, 8, ev->reason && ev->reason[0] ? ev->reason : NULL);
	if (run(s, Q_EVENT_ADD) < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

int store_list_health(store_t *s, int64_t list_id, const char *health, const char *detail,
		      int64_t now)
{
	sqlite3_stmt *st = s->st[Q_HEALTH_GET];
	char old[32] = "", olddet[512] = "";
	int rc;

	sqlite3_bind_int64(st, 1, list_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_copy(st, 0, old, sizeof(old));
		col_copy(st, 1, olddet, sizeof(olddet));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dberr(s, "reading list health");
	/* only the state counts as a change; a new wording of the same problem does not */
	if (!strcmp(old, health))
		return 0;
	st = s->st[Q_HEALTH_SET];
	sqlite3_bind_int64(st, 1, list_id);
	bind_text(st, 2, health);
	bind_text(st, 3, detail && *detail ? detail : NULL);
	sqlite3_bind_int64(st, 4, now);
	if (run(s, Q_HEALTH_SET) < 0)
		return -1;
	st = s->st[Q_HEALTH_ADD];
	sqlite3_bind_int64(st, 1, list_id);
	sqlite3_bind_int64(st, 2, now);
	bind_text(st, 3, health);
	bind_text(st, 4, detail && *detail ? detail : NULL);
	if (run(s, Q_HEALTH_ADD) < 0)
		return -1;
	return 1;
}

int64_t store_cycle_begin(store_t *s, int64_t now)
{
	sqlite3_bind_int64(s->st[Q_CYCLE_BEGIN], 1, now);
	if (run(s, Q_CYCLE_BEGIN) < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

int store_cycle_end(store_t *s, int64_t id, int64_t now, const store_cycle_t *c)
{
	sqlite3_stmt *st = s->st[Q_CYCLE_END];

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, c->lists);
	sqlite3_bind_int64(st, 4, c->targets);
	sqlite3_bind_int64(st, 5, c->queries);
	sqlite3_bind_int64(st, 6, c->errors);
	sqlite3_bind_int64(st, 7, c->listed);
	sqlite3_bind_int64(st, 8, c->unknown);
	return run(s, Q_CYCLE_END);
}

int store_prune(store_t *s, int64_t before)
{
	char sql[160];

	snprintf(sql, sizeof(sql),
		 "DELETE FROM cycles WHERE started < %lld; DELETE FROM list_health WHERE at < %lld "
		 "AND id NOT IN (SELECT max(id) FROM list_health GROUP BY list_id)",
		 (long long)before, (long long)before);
	return exec(s, sql);
}

int store_asn_get(store_t *s, int64_t target_id, store_asn_t *out)
{
	sqlite3_stmt *st = s->st[Q_ASN_GET];
	int rc, ret = 0;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_int64(st, 1, target_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->asn = sqlite3_column_int64(st, 0);
		col_copy(st, 1, out->prefix, sizeof(out->prefix));
		col_copy(st, 2, out->country, sizeof(out->country));
		col_copy(st, 3, out->registry, sizeof(out->registry));
		col_copy(st, 4, out->name, sizeof(out->name));
		out->fetched = sqlite3_column_int64(st, 5);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = dberr(s, "reading asn");
	}
	sqlite3_reset(st);
	return ret;
}

int store_asn_put(store_t *s, int64_t target_id, const store_asn_t *in)
{
	sqlite3_stmt *st = s->st[Q_ASN_PUT];

	sqlite3_bind_int64(st, 1, target_id);
	if (in->asn >= 0)
		sqlite3_bind_int64(st, 2, in->asn);
	else
		sqlite3_bind_null(st, 2);
	bind_text(st, 3, in->prefix[0] ? in->prefix : NULL);
	bind_text(st, 4, in->country[0] ? in->country : NULL);
	bind_text(st, 5, in->registry[0] ? in->registry : NULL);
	bind_text(st, 6, in->name[0] ? in->name : NULL);
	sqlite3_bind_int64(st, 7, in->fetched);
	return run(s, Q_ASN_PUT);
}

int store_file_get(store_t *s, const char *url, char **body, size_t *len, char *etag,
		   char *last_modified, int64_t *fetched, int64_t *checked)
{
	sqlite3_stmt *st = s->st[Q_FILE_GET];
	int rc, ret = 0;

	*body = NULL;
	*len = 0;
	etag[0] = last_modified[0] = '\0';
	*fetched = *checked = 0;
	bind_text(st, 1, url);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int n = sqlite3_column_bytes(st, 0);
		const void *b = sqlite3_column_blob(st, 0);
		*body = xmalloc((size_t)n + 1);
		if (n)
			memcpy(*body, b, (size_t)n);
		(*body)[n] = '\0';
		*len = (size_t)n;
		col_copy(st, 1, etag, 256);
		col_copy(st, 2, last_modified, 256);
		*fetched = sqlite3_column_int64(st, 3);
		*checked = sqlite3_column_int64(st, 4);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = dberr(s, "reading stored file");
	}
	sqlite3_reset(st);
	return ret;
}

int store_file_put(store_t *s, const char *url, const char *body, size_t len, const char *etag,
		   const char *last_modified, int64_t now)
{
	sqlite3_stmt *st;

	if (!body) {
		st = s->st[Q_FILE_CHECKED];
		bind_text(st, 1, url);
		sqlite3_bind_int64(st, 2, now);
		return run(s, Q_FILE_CHECKED);
	}
	st = s->st[Q_FILE_PUT];
	bind_text(st, 1, url);
	sqlite3_bind_blob(st, 2, body, (int)len, SQLITE_TRANSIENT);
	bind_text(st, 3, etag);
	bind_text(st, 4, last_modified);
	sqlite3_bind_int64(st, 5, now);
	return run(s, Q_FILE_PUT);
}

int64_t store_scalar(store_t *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return dberr(s, sql);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}
