/* store.c -- the store's core: opening with the shared pragmas, migrations, transactions,
 * the per-connection statement cache, and how an answer's codes and TXT are encoded in columns. */
#include "store/store_int.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/text.h"
#include "lib/xmalloc.h"
#include "store_sql.h" /* generated from schemas/store.sql: store_schema_sql */

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

int store_fail(store_t *s, const char *what)
{
	store_seterr(s, "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

int store_fail_stmt(store_t *s, sqlite3_stmt *st)
{
	char what[64];

	sql_what(sqlite3_sql(st), what, sizeof(what));
	return store_fail(s, what);
}

int store_exec(store_t *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		store_seterr(s, "%s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* ---- statements ---- */

sqlite3_stmt *store_stmt(store_t *s, const char *sql)
{
	sqlite3_stmt *st;

	for (size_t i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql) {
			sqlite3_reset(s->cache[i].st);
			sqlite3_clear_bindings(s->cache[i].st);
			return s->cache[i].st;
		}
	if (s->ncache == STORE_STMT_MAX) {
		store_seterr(s, "statement cache full (%d): raise STORE_STMT_MAX", STORE_STMT_MAX);
		return NULL;
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		store_seterr(s, "preparing \"%.80s\": %s", sql, sqlite3_errmsg(s->db));
		return NULL;
	}
	s->cache[s->ncache].sql = sql;
	s->cache[s->ncache++].st = st;
	return st;
}

int store_done(store_t *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail_stmt(s, st);
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

int store_row(store_t *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		store_fail_stmt(s, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

size_t store_ipkey(const target_t *t, uint8_t *out)
{
	size_t n;

	switch (t->type) {
	case TARGET_IPV4:
		out[0] = STORE_IPKEY_V4;
		memcpy(out + 1, t->addr, 4);
		return 5;
	case TARGET_IPV6:
		out[0] = STORE_IPKEY_V6;
		memcpy(out + 1, t->addr, 16);
		return 17;
	default:
		out[0] = STORE_IPKEY_DOMAIN;
		n = strnlen(t->name, STORE_IPKEY_BUF - 1);
		memcpy(out + 1, t->name, n);
		return n + 1;
	}
}

void store_bind_ipkey(sqlite3_stmt *st, int i, const target_t *t)
{
	uint8_t k[STORE_IPKEY_BUF];
	size_t n = store_ipkey(t, k);

	sqlite3_bind_blob(st, i, k, (int)n, SQLITE_TRANSIENT);
}

void store_bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	store_bind_text(st, i, v && *v ? v : NULL);
}

void store_col_copy(sqlite3_stmt *st, int i, char *dst, size_t len)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	/* the length SQLite already knows (a digest reads a million of these): cut as snprintf
	 * would, at len - 1 bytes or the first NUL */
	size_t n = v ? strnlen((const char *)v, (size_t)sqlite3_column_bytes(st, i)) : 0;

	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(dst, v ? (const char *)v : "", n);
	dst[n] = '\0';
}

const char *store_col_str(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* ---- connections ---- */

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
		if (store_exec(s, "BEGIN IMMEDIATE") < 0 || store_exec(s, block) < 0 ||
		    store_exec(s, upd) < 0) {
			char e[512];
			snprintf(e, sizeof(e), "%s", s->err);
			store_exec(s, "ROLLBACK");
			store_seterr(s, "schema migration %d failed: %s", n, e);
			free(block);
			return -1;
		}
		free(block);
		if (store_exec(s, "COMMIT") < 0)
			return -1;
		p += len;
	}
	return 0;
}

/* The WAL and shared-memory files SQLite keeps beside the database, by name. */
static const char *const side_suffix[2] = {"-wal", "-shm"};

/* Notes which files the connection's -wal and -shm are (0 when absent). */
static void side_note(store_t *s)
{
	char p[PATH_MAX + 8];
	struct stat sb;

	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s%s", s->path, side_suffix[i]);
		s->side[i].dev = stat(p, &sb) == 0 ? sb.st_dev : 0;
		s->side[i].ino = s->side[i].dev ? sb.st_ino : 0;
	}
}

/* Removes the -wal and -shm of the file s had open when they still lie at the
 * path: SQLite pairs them by name, and would read the old file's WAL as pages of
 * the new one (or share its wal-index with the readers of the old one). Files
 * that came with the new database are other files, and stay. */
static void side_drop(store_t *s)
{
	char p[PATH_MAX + 8];
	struct stat sb;

	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s%s", s->path, side_suffix[i]);
		if (s->side[i].dev && stat(p, &sb) == 0 && sb.st_dev == s->side[i].dev &&
		    sb.st_ino == s->side[i].ino)
			unlink(p);
	}
}

/* Opens s->path into s->db with the shared pragmas and migrations. 0, or -1
 * with "PATH: what" in err. */
static int db_connect(store_t *s, char *err, size_t errlen)
{
	const char *path = s->path;
	int flags = s->mode == STORE_RO ? SQLITE_OPEN_READONLY
					: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	store_mode_t mode = s->mode;
	struct stat sb;

	/* one connection per thread: no mutex of SQLite's own is needed */
	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if (mode == STORE_RW && (store_exec(s, "PRAGMA journal_mode = WAL") < 0 ||
				 store_exec(s, "PRAGMA synchronous = NORMAL") < 0)) {
		snprintf(err, errlen, "%s: %s", path, s->err);
		goto fail;
	}
	if (store_exec(s, "PRAGMA foreign_keys = ON") < 0) {
		snprintf(err, errlen, "%s: %s", path, s->err);
		goto fail;
	}
	if (mode == STORE_RW && migrate(s) < 0) {
		snprintf(err, errlen, "%s: %s", path, s->err);
		goto fail;
	}
	if (stat(path, &sb) == 0) {
		s->dev = sb.st_dev;
		s->ino = sb.st_ino;
	}
	if (mode == STORE_RW)
		side_note(s);
	return 0;
fail:
	return -1;
}

/* Finalizes the cached statements and closes the connection. */
static void db_disconnect(store_t *s)
{
	for (size_t i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i].st);
	s->ncache = 0;
	sqlite3_close(s->db);
	s->db = NULL;
}

store_t *store_open(const char *path, store_mode_t mode, char *err, size_t errlen)
{
	store_t *s = xcalloc(1, sizeof(*s));

	s->mode = mode;
	s->path = xstrdup(path);
	if (db_connect(s, err, errlen) < 0) {
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(store_t *s)
{
	if (!s)
		return;
	db_disconnect(s);
	free(s->path);
	free(s);
}

int store_check_file(store_t *s)
{
	struct stat sb;

	if (stat(s->path, &sb) < 0) {
		store_seterr(s, "%s: %s: the database file was deleted under the running daemon", s->path,
		       strerror(errno));
		return 1;
	}
	if (sb.st_dev != s->dev || sb.st_ino != s->ino) {
		store_seterr(s, "%s: the database file was replaced under the running daemon", s->path);
		return 1;
	}
	return 0;
}

int store_reopen(store_t *s)
{
	char err[sizeof(s->err)];

	db_disconnect(s);
	if (s->mode == STORE_RW)
		side_drop(s);
	if (db_connect(s, err, sizeof(err)) < 0) {
		db_disconnect(s);
		store_seterr(s, "%s", err);
		return -1;
	}
	return 0;
}

int store_begin(store_t *s)
{
	return store_exec(s, s->mode == STORE_RW ? "BEGIN IMMEDIATE" : "BEGIN");
}

int store_commit(store_t *s)
{
	return store_exec(s, "COMMIT");
}

int store_rollback(store_t *s)
{
	if (sqlite3_get_autocommit(s->db))
		return 0;
	return store_exec(s, "ROLLBACK");
}

int64_t store_scalar(store_t *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		char what[64];
		sql_what(sql, what, sizeof(what));
		return store_fail(s, what);
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* ---- encodings ---- */

void store_codes_encode(const uint32_t *codes, size_t n, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "[");
	char a[16];

	for (size_t i = 0; i < n && o < len; i++) {
		verdict_addr_str(codes[i], a);
		o += (size_t)snprintf(buf + o, len - o, "%s\"%s\"", i ? "," : "", a);
	}
	if (o < len)
		snprintf(buf + o, len - o, "]");
}

size_t store_codes_decode(const char *json, uint32_t *out, size_t max)
{
	cJSON *arr = json ? cJSON_Parse(json) : NULL, *v;
	size_t n = 0;

	cJSON_ArrayForEach(v, arr)
	{
		struct in_addr a;
		if (n < max && cJSON_IsString(v) && inet_pton(AF_INET, v->valuestring, &a) == 1)
			out[n++] = ntohl(a.s_addr);
	}
	cJSON_Delete(arr);
	return n;
}

void store_txt_encode(const char *txt, uint16_t ntxt, char *buf, size_t len)
{
	cJSON *arr = cJSON_CreateArray();
	const char *p = txt;
	char *s;

	for (uint16_t i = 0; p && i < ntxt; i++) {
		char clean[1024];
		text_utf8_clean(p, clean, sizeof(clean));
		cJSON_AddItemToArray(arr, cJSON_CreateString(clean));
		p += strlen(p) + 1;
	}
	s = cJSON_PrintUnformatted(arr);
	if (s && strlen(s) < len)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "[]"); /* never store a cut, invalid JSON array */
	cJSON_free(s);
	cJSON_Delete(arr);
}

uint16_t store_txt_decode(const char *json, char *buf, size_t len)
{
	cJSON *arr = json ? cJSON_Parse(json) : NULL, *v;
	size_t o = 0;
	uint16_t n = 0;

	cJSON_ArrayForEach(v, arr)
	{
		size_t k;
		if (!cJSON_IsString(v))
			continue;
		k = strlen(v->valuestring);
		if (o + k + 1 > len)
			break;
		memcpy(buf + o, v->valuestring, k + 1);
		o += k + 1;
		n++;
	}
	if (len && !o)
		buf[0] = '\0';
	cJSON_Delete(arr);
	return n;
}

void store_answer_cols(sqlite3_stmt *st, int codes, int txt, int reason, store_answer_t *a)
{
	a->ncodes = (uint8_t)store_codes_decode(store_col_str(st, codes), a->codes, RESULT_MAX_CODES);
	a->ntxt = store_txt_decode(store_col_str(st, txt), a->txt, sizeof(a->txt));
	if (reason >= 0)
		store_col_copy(st, reason, a->reason, sizeof(a->reason));
	else
		a->reason[0] = '\0';
}

void store_list_cols(sqlite3_stmt *st, int first, store_list_t *out)
{
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, first);
	store_col_copy(st, first + 1, out->zone, sizeof(out->zone));
	store_col_copy(st, first + 2, out->name, sizeof(out->name));
	/* written from the catalog's names; anything unreadable is an info list, which
	 * never makes a target worse nor alerts */
	if (catalog_kind_parse(store_col_str(st, first + 3), &out->kind) < 0)
		out->kind = LIST_INFO;
	if (catalog_scope_parse(store_col_str(st, first + 4), &out->scope) < 0)
		out->scope = SCOPE_IP;
	if (dnsbl_health_parse(store_col_str(st, first + 5), &out->health) < 0)
		out->health = HEALTH_UNTESTED;
	store_col_copy(st, first + 6, out->detail, sizeof(out->detail));
	out->health_since = sqlite3_column_int64(st, first + 7);
	if (catalog_severity_parse(store_col_str(st, first + 8), &out->severity) < 0)
		out->severity = SEVERITY_MEDIUM;
	out->tally.results = sqlite3_column_int64(st, first + 9);
	out->tally.listed = sqlite3_column_int64(st, first + 10);
	out->tally.problems = sqlite3_column_int64(st, first + 11);
	out->tally.stale = sqlite3_column_int64(st, first + 12);
	out->tally.failing = sqlite3_column_int64(st, first + 13);
	out->tally.last_answer = sqlite3_column_int64(st, first + 14);
	out->tally.unchecked = sqlite3_column_int64(st, first + 15);
	store_col_copy(st, first + 16, out->data_source, sizeof(out->data_source));
	out->data_at = sqlite3_column_int64(st, first + 17);
	out->data_failing_since = sqlite3_column_int64(st, first + 18);
	store_col_copy(st, first + 19, out->data_error, sizeof(out->data_error));
}

target_type_t store_type_parse(const char *s)
{
	for (int t = TARGET_IPV4; t <= TARGET_DOMAIN; t++)
		if (s && !strcmp(s, target_type_name((target_type_t)t)))
			return (target_type_t)t;
	return TARGET_DOMAIN;
}

/* ---- answers ---- */

void store_answer_set(store_answer_t *a, const dnsbl_result_t *res, const char *reason)
{
	const char *p = res->txt;
	size_t o = 0;

	memset(a, 0, sizeof(*a));
	a->ncodes = res->v.ncodes;
	memcpy(a->codes, res->v.codes, sizeof(a->codes[0]) * res->v.ncodes);
	for (uint16_t i = 0; p && i < res->ntxt; i++) {
		char clean[1024];
		size_t k = text_utf8_clean(p, clean, sizeof(clean));
		if (o + k + 1 > sizeof(a->txt))
			break;
		memcpy(a->txt + o, clean, k + 1);
		o += k + 1;
		a->ntxt++;
		p += strlen(p) + 1;
	}
	snprintf(a->reason, sizeof(a->reason), "%s", reason ? reason : "");
}

void store_answer_to_result(const store_answer_t *a, result_t *r)
{
	r->ncodes = a->ncodes;
	memcpy(r->codes, a->codes, sizeof(a->codes[0]) * a->ncodes);
	r->txt = a->ntxt ? a->txt : NULL;
	r->ntxt = a->ntxt;
	r->reason = a->reason;
}

void store_result(result_t *r, const catalog_list_t *list, const store_list_t *row,
		  status_t status, const store_answer_t *ans)
{
	memset(r, 0, sizeof(*r));
	r->list = list;
	r->zone = row->zone;
	r->name = row->name;
	r->scope = row->scope;
	r->kind = row->kind;
	r->status = status;
	store_answer_to_result(ans, r);
}

bool store_answer_same_codes(const store_answer_t *a, const store_answer_t *b)
{
	return a->ncodes == b->ncodes &&
	       !memcmp(a->codes, b->codes, sizeof(a->codes[0]) * a->ncodes);
}
