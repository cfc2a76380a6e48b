/* store_db.c -- the store's connections on either engine: opening, migrations, transactions,
 * the per-connection statement cache, and the values of statements handed to the engine. */
#include "store/store_db.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

int store_seterr(store_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return -1;
}

const char *store_error(const store_t *s)
{
	return s->err;
}

/* What a statement does, for an error an admin reads: "writing lists",
 * "reading state" (the SQL itself says more than it helps). */
static void sql_what(const char *sql, char *out, size_t len)
{
	static const struct {
		const char *verb, *table_after, *says;
	} kinds[] = {
		{"INSERT", " INTO ", "writing"}, {"REPLACE", " INTO ", "writing"},
		{"UPDATE", " ", "writing"},      {"DELETE", " FROM ", "deleting from"},
		{"SELECT", " FROM ", "reading"}, {"WITH", " FROM ", "reading"},
	};
	size_t n;

	for (size_t i = 0; sql && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *t;
		if (strncmp(sql, kinds[i].verb, strlen(kinds[i].verb)))
			continue;
		t = strstr(sql + strlen(kinds[i].verb), kinds[i].table_after);
		if (!t)
			break;
		t += strlen(kinds[i].table_after);
		if (!strncmp(t, "OR ", 3)) /* INSERT OR REPLACE INTO */
			t = strstr(t, " INTO ") ? strstr(t, " INTO ") + 6 : t;
		n = strcspn(t, " (;");
		snprintf(out, len, "%s %.*s", kinds[i].says, (int)n, t);
		return;
	}
	snprintf(out, len, "%.40s", sql ? sql : "?");
}

/* The engine's message for the last failure (it may live in s->err itself). */
static void engine_msg(store_t *s, char *buf, size_t len)
{
	const char *m = s->e->errmsg(s);

	snprintf(buf, len, "%s", m && *m ? m : "unknown error");
}

int store_fail(store_t *s, const char *what)
{
	char m[sizeof(s->err)];

	engine_msg(s, m, sizeof(m));
	store_seterr(s, "%s: %s", what, m);
	return -1;
}

int store_fail_stmt(store_t *s, store_stmt_t *st)
{
	char what[64];

	sql_what(st->what, what, sizeof(what));
	return store_fail(s, what);
}

int store_exec(store_t *s, const char *sql)
{
	char m[sizeof(s->err)];

	if (s->e->exec(s, sql) < 0) {
		engine_msg(s, m, sizeof(m));
		store_seterr(s, "%s", m);
		return -1;
	}
	return 0;
}

/* ---- statements ---- */

store_stmt_t *store_stmt(store_t *s, const store_sql_t *sql)
{
	store_stmt_t *st;
	char m[sizeof(s->err)];

	for (size_t i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql) {
			s->e->reset(s->cache[i].st);
			s->e->clear(s->cache[i].st);
			return s->cache[i].st;
		}
	if (s->ncache == STORE_STMT_MAX) {
		store_seterr(s, "statement cache full (%d): raise STORE_STMT_MAX", STORE_STMT_MAX);
		return NULL;
	}
	if (!(st = s->e->prepare(s, s->e->pg_dialect ? sql->pg : sql->lite, sql->lite, true))) {
		engine_msg(s, m, sizeof(m));
		store_seterr(s, "preparing \"%.80s\": %s", sql->lite, m);
		return NULL;
	}
	s->cache[s->ncache].sql = sql;
	s->cache[s->ncache++].st = st;
	return st;
}

store_stmt_t *store_stmt_once(store_t *s, const char *text)
{
	store_stmt_t *st = s->e->prepare(s, text, text, false);
	char m[sizeof(s->err)], what[64];

	if (!st) {
		engine_msg(s, m, sizeof(m));
		sql_what(text, what, sizeof(what));
		store_seterr(s, "%s: %s", what, m);
	}
	return st;
}

void store_stmt_free(store_stmt_t *st)
{
	if (st)
		st->e->finalize(st);
}

int store_done(store_t *s, store_stmt_t *st)
{
	int rc = s->e->step(s, st);

	if (rc < 0) {
		store_fail_stmt(s, st);
		s->e->reset(st);
		return -1;
	}
	s->e->reset(st);
	return 0;
}

int store_row(store_t *s, store_stmt_t *st)
{
	int rc = s->e->step(s, st);

	if (rc == 1)
		return 1;
	if (rc < 0)
		store_fail_stmt(s, st);
	s->e->reset(st);
	return rc < 0 ? -1 : 0;
}

void store_reset(store_stmt_t *st)
{
	st->e->reset(st);
}

int64_t store_insert_id(store_t *s, store_stmt_t *st)
{
	int64_t id;
	int rc = store_row(s, st);

	if (rc <= 0)
		return rc < 0 ? -1 : store_seterr(s, "an INSERT returned no id");
	id = store_col_int64(st, 0);
	store_reset(st);
	return id;
}

void store_bind_int64(store_stmt_t *st, int i, int64_t v)
{
	st->e->bind_int64(st, i, v);
}

void store_bind_double(store_stmt_t *st, int i, double v)
{
	st->e->bind_double(st, i, v);
}

void store_bind_null(store_stmt_t *st, int i)
{
	st->e->bind_null(st, i);
}

void store_bind_blob(store_stmt_t *st, int i, const void *v, size_t n)
{
	st->e->bind_blob(st, i, v, n);
}

void store_bind_text(store_stmt_t *st, int i, const char *v)
{
	if (v)
		st->e->bind_text(st, i, v);
	else
		st->e->bind_null(st, i);
}

void store_bind_text_or_null(store_stmt_t *st, int i, const char *v)
{
	store_bind_text(st, i, v && *v ? v : NULL);
}

int64_t store_col_int64(store_stmt_t *st, int i)
{
	return st->e->col_int64(st, i);
}

int store_col_int(store_stmt_t *st, int i)
{
	return (int)st->e->col_int64(st, i);
}

double store_col_double(store_stmt_t *st, int i)
{
	return st->e->col_double(st, i);
}

bool store_col_null(store_stmt_t *st, int i)
{
	return st->e->col_type(st, i) == STORE_COL_NULL;
}

void store_col_copy(store_stmt_t *st, int i, char *dst, size_t len)
{
	const char *v = st->e->col_text(st, i);
	/* cut as snprintf would, without its formatting (a digest reads a million of these) */
	size_t n = v && len ? strnlen(v, len - 1) : 0;

	if (!len)
		return;
	memcpy(dst, v ? v : "", n);
	dst[n] = '\0';
}

const char *store_col_str(store_stmt_t *st, int i)
{
	return st->e->col_text(st, i);
}

const void *store_col_blob(store_stmt_t *st, int i, size_t *len)
{
	return st->e->col_blob(st, i, len);
}

/* ---- connections ---- */

int store_schema_version(store_t *s)
{
	store_stmt_t *st;
	int v = 0;

	if (store_scalar(s, s->e->has_schema) != 1)
		return 0; /* no table yet: an empty database */
	if (!(st = store_stmt_once(s, "SELECT version FROM schema_version")))
		return 0;
	if (s->e->step(s, st) == 1)
		v = (int)store_col_int64(st, 0);
	store_stmt_free(st);
	return v;
}

/* Applies each "-- migration N" block of the engine's schema with N above the
 * database's version, each in its own transaction. Another process migrating the
 * same database meanwhile (another node of a cluster) is waited for, and what it
 * applied is not applied again. */
static int migrate(store_t *s)
{
	const char *p = s->e->schema;
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
		if (s->e->begin(s, true) < 0) {
			store_fail(s, "schema migration: starting a transaction");
			free(block);
			return -1;
		}
		if (s->e->lock_schema) {
			if (s->e->lock_schema(s) < 0) {
				store_fail(s, "waiting for another migration");
				goto fail;
			}
			if ((have = store_schema_version(s)) >= n) {
				free(block); /* applied by another process meanwhile */
				if (s->e->commit(s) < 0)
					return store_fail(s, "schema migration");
				p += len;
				continue;
			}
		}
		if (store_exec(s, block) < 0 || store_exec(s, upd) < 0)
			goto fail;
		free(block);
		if (s->e->commit(s) < 0)
			return store_fail(s, "schema migration: committing");
		p += len;
		continue;
	fail:
		{
			char e[sizeof(s->err)];
			snprintf(e, sizeof(e), "%s", s->err);
			s->e->rollback(s);
			store_seterr(s, "schema migration %d failed: %s", n, e);
		}
		free(block);
		return -1;
	}
	return 0;
}

/* Connects s to its database with the engine's settings, and migrates it (STORE_RW).
 * 0, or -1 with "PATH: what" in err. */
static int db_connect(store_t *s, char *err, size_t errlen)
{
	char m[sizeof(s->err)];

	if (s->e->connect(s) < 0) {
		engine_msg(s, m, sizeof(m));
		snprintf(err, errlen, "%s: %s", s->path, m);
		return -1;
	}
	if (s->mode == STORE_RW && migrate(s) < 0) {
		snprintf(err, errlen, "%s: %s", s->path, s->err);
		return -1;
	}
	if (s->e->opened)
		s->e->opened(s);
	return 0;
}

/* Finalizes the cached statements and closes the connection. */
static void db_disconnect(store_t *s)
{
	for (size_t i = 0; i < s->ncache; i++)
		s->e->finalize(s->cache[i].st);
	s->ncache = 0;
	s->e->disconnect(s);
}

store_t *store_open_db(const store_db_t *db, store_mode_t mode, char *err, size_t errlen)
{
	store_t *s = xcalloc(1, sizeof(*s));

	s->e = store_db_is_pg(db->database) ? &store_engine_pg : &store_engine_sqlite;
	s->mode = mode;
	s->path = xstrdup(db->database);
	s->password_file = db->password_file ? xstrdup(db->password_file) : NULL;
	if (db_connect(s, err, errlen) < 0) {
		store_close(s);
		return NULL;
	}
	return s;
}

store_t *store_open(const char *path, store_mode_t mode, char *err, size_t errlen)
{
	store_db_t db = {path, NULL};

	return store_open_db(&db, mode, err, errlen);
}

void store_close(store_t *s)
{
	if (!s)
		return;
	db_disconnect(s);
	free(s->conn);
	free(s->path);
	free(s->password_file);
	free(s);
}

const char *store_engine_name(const store_t *s)
{
	return s->e->name;
}

int store_check_file(store_t *s)
{
	return s->e->check(s);
}

int store_reopen(store_t *s)
{
	char err[sizeof(s->err)];

	db_disconnect(s);
	s->e->before_reopen(s);
	if (db_connect(s, err, sizeof(err)) < 0) {
		db_disconnect(s);
		store_seterr(s, "%s", err);
		return -1;
	}
	return 0;
}

int store_begin(store_t *s)
{
	if (s->e->begin(s, s->mode == STORE_RW) < 0) {
		store_fail(s, "starting a transaction");
		return -1;
	}
	return 0;
}

int store_commit(store_t *s)
{
	if (s->e->commit(s) < 0) {
		store_fail(s, "committing");
		return -1;
	}
	return 0;
}

int store_rollback(store_t *s)
{
	if (s->e->rollback(s) < 0) {
		store_fail(s, "rolling back");
		return -1;
	}
	return 0;
}

int64_t store_scalar(store_t *s, const char *sql)
{
	store_stmt_t *st = store_stmt_once(s, sql);
	int64_t v = -1;
	int rc;

	if (!st)
		return -1;
	rc = s->e->step(s, st);
	if (rc == 1)
		v = store_col_int64(st, 0);
	else if (rc < 0)
		store_fail_stmt(s, st);
	store_stmt_free(st);
	return v;
}

