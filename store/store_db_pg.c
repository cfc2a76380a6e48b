/* store_db_pg.c -- the PostgreSQL engine (libpq): one session per store_t, named prepared statements.
 * For blmon nodes that share one history; ?N becomes $N, a lost session is made again. */
#include "store/store_db.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/text.h"
#include "lib/xmalloc.h"
#include "store_pg_sql.h" /* generated from schemas/store.pg.sql: store_pg_schema_sql */

#define PG_PASSWORD_MAX 1024
#define PG_CONNECT_TIMEOUT "10" /* seconds; a URI's own connect_timeout wins */
#define STORE_PG_PARAMS_MAX 64  /* ?N of one statement (the store's use at most 17) */

/* PostgreSQL's type oids (catalog/pg_type.h, stable across releases) */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_OID 26
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

/* The session. A statement prepared in an earlier session (gen) is prepared again before it
 * runs in this one, so that a reconnect never leaves a borrowed statement dangling. */
struct pg {
	PGconn *c;
	unsigned gen;   /* sessions made so far */
	unsigned names; /* statement names handed out */
	bool txn;       /* a transaction is open: a lost session must not be silently replaced */
	char msg[512];  /* the last failure */
};

struct pg_stmt {
	store_stmt_t base;
	store_t *s;
	char *text;      /* with $N for ?N */
	Oid *types;      /* of each parameter (dollars) */
	char name[24];   /* "" for a statement run once (unnamed) */
	unsigned gen;    /* the session it is prepared in (0: none yet) */
	int nparams;
	char **vals;     /* NULL: a NULL parameter */
	int *lens, *fmts;
	PGresult *res;   /* the rows of the run in progress (every row: results are not streamed) */
	int row, nrows;
	unsigned char *blob; /* the last bytea read */
	size_t blobcap;
};

#define PG(s) ((struct pg *)(s)->conn)
#define PST(st) ((struct pg_stmt *)(st))

/* Keeps the first line of a libpq message (they end with a newline, some have more). */
static void set_msg(struct pg *p, const char *m)
{
	size_t n = m ? strcspn(m, "\n") : 0;

	snprintf(p->msg, sizeof(p->msg), "%.*s", (int)n, m ? m : "");
	if (!p->msg[0])
		snprintf(p->msg, sizeof(p->msg), "unknown error");
}

/* A result's error: its SQLSTATE's message, else the session's. */
static void set_result_msg(struct pg *p, const PGresult *r)
{
	const char *m = r ? PQresultErrorMessage(r) : NULL;

	set_msg(p, m && *m ? m : PQerrorMessage(p->c));
}

static const char *pg_errmsg(store_t *s)
{
	return PG(s) ? PG(s)->msg : "not open";
}

/* Server notices (a NOTICE of CREATE ... IF NOT EXISTS) are no errors: libpq would print them. */
static void notice_ignore(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* The password alone, from the first line of path. 0, or -1 with the reason in p->msg. */
static int password_read(struct pg *p, const char *path, char *pw, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f) {
		snprintf(p->msg, sizeof(p->msg), "database_password_file %s: %s", path, strerror(errno));
		return -1;
	}
	if (!fgets(pw, (int)len, f))
		pw[0] = '\0';
	fclose(f);
	n = strcspn(pw, "\r\n");
	pw[n] = '\0';
	return 0;
}

/* One statement with no rows wanted. 0 or -1 with p->msg set. */
static int run(struct pg *p, const char *sql)
{
	PGresult *r = PQexec(p->c, sql);
	ExecStatusType st = PQresultStatus(r);
	int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;

	if (rc < 0)
		set_result_msg(p, r);
	PQclear(r);
	return rc;
}

/* A new session to s->path with blmon's settings. */
static int session(store_t *s)
{
	struct pg *p = PG(s);
	char pw[PG_PASSWORD_MAX] = "";
	const char *keys[6], *vals[6], *enc;
	int n = 0, rc = -1;

	if (s->password_file && password_read(p, s->password_file, pw, sizeof(pw)) < 0)
		return -1;
	/* before dbname: a URI's own settings win; after it: ours */
	keys[n] = "fallback_application_name", vals[n++] = "blmon";
	keys[n] = "connect_timeout", vals[n++] = PG_CONNECT_TIMEOUT;
	keys[n] = "dbname", vals[n++] = s->path;
	keys[n] = "client_encoding", vals[n++] = "UTF8";
	if (s->password_file)
		keys[n] = "password", vals[n++] = pw;
	keys[n] = NULL, vals[n] = NULL;
	if (p->c)
		PQfinish(p->c);
	p->c = PQconnectdbParams(keys, vals, 1);
	explicit_bzero(pw, sizeof(pw));
	if (!p->c || PQstatus(p->c) != CONNECTION_OK) {
		set_msg(p, p->c ? PQerrorMessage(p->c) : "out of memory");
		goto out;
	}
	PQsetNoticeProcessor(p->c, notice_ignore, NULL);
	/* TXT records, log lines and SNDS's text are stored as UTF-8 (cleaned where untrusted) */
	enc = PQparameterStatus(p->c, "server_encoding");
	if (enc && strcmp(enc, "UTF8") && strcmp(enc, "SQL_ASCII")) {
		snprintf(p->msg, sizeof(p->msg), "the database's encoding is %s: blmon stores UTF-8 "
			 "(CREATE DATABASE ... ENCODING 'UTF8')", enc);
		goto out;
	}
	/* a row lock waited for as long as SQLite's busy timeout, then the write fails and is
	 * tried again in the next cycle, as on SQLite */
	if (run(p, "SET lock_timeout = " STORE_STR(STORE_BUSY_MS)) < 0 ||
	    (s->mode == STORE_RO && run(p, "SET default_transaction_read_only = on") < 0))
		goto out;
	p->gen++;
	p->txn = false;
	rc = 0;
out:
	return rc;
}

static int pg_connect(store_t *s)
{
	if (!s->conn)
		s->conn = xcalloc(1, sizeof(struct pg));
	return session(s);
}

static void pg_disconnect(store_t *s)
{
	struct pg *p = PG(s);

	if (!p)
		return;
	if (p->c)
		PQfinish(p->c);
	p->c = NULL;
	p->txn = false;
}

/* A session to run in: the one open, or a new one when it was lost outside a transaction
 * (inside one, what it wrote is gone with it: the caller must hear so and roll back). */
static int alive(store_t *s)
{
	struct pg *p = PG(s);

	if (p->c && PQstatus(p->c) == CONNECTION_OK)
		return 0;
	if (p->txn) {
		snprintf(p->msg, sizeof(p->msg), "the connection to PostgreSQL was lost inside a "
			 "transaction: nothing of it was committed");
		return -1;
	}
	return session(s);
}

static int pg_check(store_t *s)
{
	(void)s;
	return 0; /* no file: a lost session is made again by the next statement (alive) */
}

static void pg_before_reopen(store_t *s)
{
	(void)s;
}

static int pg_exec(store_t *s, const char *sql)
{
	if (alive(s) < 0)
		return -1;
	return run(PG(s), sql);
}

static int pg_begin(store_t *s, bool write)
{
	struct pg *p = PG(s);

	if (alive(s) < 0)
		return -1;
	/* a reader's document is one snapshot, as SQLite's read transaction is */
	if (run(p, write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") < 0)
		return -1;
	p->txn = true;
	return 0;
}

static int pg_commit(store_t *s)
{
	struct pg *p = PG(s);
	PGresult *r;
	int rc = -1;

	if (!p->c || PQstatus(p->c) != CONNECTION_OK) {
		p->txn = false;
		snprintf(p->msg, sizeof(p->msg), "the connection to PostgreSQL was lost: the "
			 "transaction was not committed");
		return -1;
	}
	r = PQexec(p->c, "COMMIT");
	p->txn = false;
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		set_result_msg(p, r);
	else if (!strcmp(PQcmdStatus(r), "ROLLBACK")) /* a statement of it had failed */
		snprintf(p->msg, sizeof(p->msg), "the transaction was rolled back: a statement of it "
			 "failed");
	else
		rc = 0;
	PQclear(r);
	return rc;
}

static int pg_rollback(store_t *s)
{
	struct pg *p = PG(s);
	PGTransactionStatusType ts = p && p->c ? PQtransactionStatus(p->c) : PQTRANS_UNKNOWN;

	if (p)
		p->txn = false;
	if (ts != PQTRANS_INTRANS && ts != PQTRANS_INERROR)
		return 0; /* none open, or the session is gone and the server rolled it back */
	return run(p, "ROLLBACK");
}

/* A migration of one node at a time: the others wait here, then read the version again. */
static int pg_lock_schema(store_t *s)
{
	struct pg *p = PG(s);

	return run(p, "SET LOCAL lock_timeout = 0") < 0 ||
			       run(p, "SELECT pg_advisory_xact_lock(" STORE_STR(STORE_PG_LOCK_SCHEMA) ")") < 0
		       ? -1
		       : 0;
}

/* Copies text with its ?N parameters written $N (outside quotes and comments); the
 * highest N into *nparams, and for each N a type into *types (caller frees both): 0, for
 * the server to infer, or text for an N the text never uses (SQLite leaves gaps NULL;
 * PostgreSQL wants a type for every parameter up to the highest). */
static char *dollars(const char *text, int *nparams, Oid **types)
{
	size_t len = strlen(text);
	char *out = xmalloc(len + 1), *o = out;
	const char *p = text;
	bool used[STORE_PG_PARAMS_MAX + 1] = {false};

	*nparams = 0;
	while (*p) {
		if (*p == '\'' || *p == '"') {
			char q = *p;
			*o++ = *p++;
			while (*p && *p != q)
				*o++ = *p++;
			if (*p)
				*o++ = *p++; /* '' inside a literal: two literals back to back, the same */
			continue;
		}
		if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				*o++ = *p++;
			continue;
		}
		if (*p == '?' && p[1] >= '0' && p[1] <= '9') {
			int n = atoi(p + 1);
			if (n > *nparams)
				*nparams = n;
			if (n <= STORE_PG_PARAMS_MAX)
				used[n] = true;
			*o++ = '$';
			p++;
			continue;
		}
		*o++ = *p++;
	}
	*o = '\0';
	*types = *nparams ? xcalloc((size_t)*nparams, sizeof(**types)) : NULL;
	for (int n = 1; n <= *nparams; n++)
		(*types)[n - 1] = n <= STORE_PG_PARAMS_MAX && used[n] ? 0 : OID_TEXT;
	return out;
}

static store_stmt_t *pg_prepare(store_t *s, const char *text, const char *what, bool cached)
{
	struct pg *p = PG(s);
	struct pg_stmt *ps = xcalloc(1, sizeof(*ps));

	ps->base.e = &store_engine_pg;
	ps->base.what = what;
	ps->s = s;
	ps->text = dollars(text, &ps->nparams, &ps->types);
	if (cached)
		snprintf(ps->name, sizeof(ps->name), "blmon_%u", ++p->names);
	if (ps->nparams) {
		ps->vals = xcalloc((size_t)ps->nparams, sizeof(*ps->vals));
		ps->lens = xcalloc((size_t)ps->nparams, sizeof(*ps->lens));
		ps->fmts = xcalloc((size_t)ps->nparams, sizeof(*ps->fmts));
	}
	ps->row = -1;
	return &ps->base;
}

static void pg_clear(store_stmt_t *st)
{
	struct pg_stmt *ps = PST(st);

	for (int i = 0; i < ps->nparams; i++) {
		free(ps->vals[i]);
		ps->vals[i] = NULL;
		ps->lens[i] = ps->fmts[i] = 0;
	}
}

static void pg_reset(store_stmt_t *st)
{
	struct pg_stmt *ps = PST(st);

	PQclear(ps->res);
	ps->res = NULL;
	ps->row = -1;
	ps->nrows = 0;
}

static void pg_finalize(store_stmt_t *st)
{
	struct pg_stmt *ps = PST(st);

	pg_reset(st);
	pg_clear(st);
	free(ps->vals);
	free(ps->lens);
	free(ps->fmts);
	free(ps->text);
	free(ps->types);
	free(ps->blob);
	free(ps);
}

/* Runs the statement: every row of its result at once. 0 or -1. */
static int execute(store_t *s, struct pg_stmt *ps)
{
	struct pg *p = PG(s);
	ExecStatusType st;

	if (alive(s) < 0)
		return -1;
	if (ps->name[0] && ps->gen != p->gen) {
		PGresult *r = PQprepare(p->c, ps->name, ps->text, ps->nparams, ps->types);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			set_result_msg(p, r);
			PQclear(r);
			return -1;
		}
		PQclear(r);
		ps->gen = p->gen;
	}
	ps->res = ps->name[0]
			  ? PQexecPrepared(p->c, ps->name, ps->nparams, (const char *const *)ps->vals,
					   ps->lens, ps->fmts, 0)
			  : PQexecParams(p->c, ps->text, ps->nparams, ps->types, (const char *const *)ps->vals,
					 ps->lens, ps->fmts, 0);
	st = PQresultStatus(ps->res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		set_result_msg(p, ps->res);
		PQclear(ps->res);
		ps->res = NULL;
		return -1;
	}
	ps->nrows = st == PGRES_TUPLES_OK ? PQntuples(ps->res) : 0;
	ps->row = -1;
	return 0;
}

static int pg_step(store_t *s, store_stmt_t *st)
{
	struct pg_stmt *ps = PST(st);

	if (!ps->res && execute(s, ps) < 0)
		return -1;
	return ++ps->row < ps->nrows ? 1 : 0;
}

/* Sets parameter i (from 1) to a copy of n bytes in format fmt (0 text, 1 binary). */
static void bind(store_stmt_t *st, int i, const void *v, size_t n, int fmt)
{
	struct pg_stmt *ps = PST(st);

	if (i < 1 || i > ps->nparams)
		return; /* as SQLite: a parameter the text does not have binds nothing */
	free(ps->vals[i - 1]);
	ps->vals[i - 1] = xmalloc(n + 1);
	memcpy(ps->vals[i - 1], v, n);
	ps->vals[i - 1][n] = '\0';
	ps->lens[i - 1] = (int)n;
	ps->fmts[i - 1] = fmt;
}

static void pg_bind_int64(store_stmt_t *st, int i, int64_t v)
{
	char b[24];

	bind(st, i, b, (size_t)snprintf(b, sizeof(b), "%lld", (long long)v), 0);
}

static void pg_bind_double(store_stmt_t *st, int i, double v)
{
	char b[40];

	bind(st, i, b, (size_t)snprintf(b, sizeof(b), "%.17g", v), 0);
}

/* PostgreSQL refuses a text that is not UTF-8, where SQLite stores any bytes: what comes from
 * hostile sources (a mail log's relay names, SNDS's HELO) has its invalid bytes replaced by
 * U+FFFD, as every reader would show them anyway; valid text is stored as it is. */
static void pg_bind_text(store_stmt_t *st, int i, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t n = strlen(v), k;
	char *clean;

	while (*p && (k = text_utf8_len(p)) > 0)
		p += k;
	if (!*p) {
		bind(st, i, v, n, 0);
		return;
	}
	clean = xmalloc(3 * n + 1); /* a byte becomes U+FFFD's three at most */
	bind(st, i, clean, text_utf8_clean(v, clean, 3 * n + 1), 0);
	free(clean);
}

static void pg_bind_blob(store_stmt_t *st, int i, const void *v, size_t n)
{
	bind(st, i, v, n, 1); /* binary: a bytea's bytes as they are */
}

static void pg_bind_null(store_stmt_t *st, int i)
{
	struct pg_stmt *ps = PST(st);

	if (i < 1 || i > ps->nparams)
		return;
	free(ps->vals[i - 1]);
	ps->vals[i - 1] = NULL;
	ps->lens[i - 1] = ps->fmts[i - 1] = 0;
}

/* Is there a current row with column i? */
static bool have(const struct pg_stmt *ps, int i)
{
	return ps->res && ps->row >= 0 && ps->row < ps->nrows && i >= 0 && i < PQnfields(ps->res);
}

static int pg_ncols(store_stmt_t *st)
{
	return PST(st)->res ? PQnfields(PST(st)->res) : 0;
}

static const char *pg_col_name(store_stmt_t *st, int i)
{
	return PST(st)->res ? PQfname(PST(st)->res, i) : NULL;
}

static store_col_type_t pg_col_type(store_stmt_t *st, int i)
{
	struct pg_stmt *ps = PST(st);

	if (!have(ps, i) || PQgetisnull(ps->res, ps->row, i))
		return STORE_COL_NULL;
	switch (PQftype(ps->res, i)) {
	case OID_BOOL:
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
		return STORE_COL_INT;
	case OID_NUMERIC: /* sum(bigint): whole unless a fraction is written */
		return strchr(PQgetvalue(ps->res, ps->row, i), '.') ? STORE_COL_FLOAT : STORE_COL_INT;
	case OID_FLOAT4:
	case OID_FLOAT8:
		return STORE_COL_FLOAT;
	case OID_BYTEA:
		return STORE_COL_BLOB;
	default:
		return STORE_COL_TEXT;
	}
}

static const char *pg_col_text(store_stmt_t *st, int i)
{
	struct pg_stmt *ps = PST(st);

	if (!have(ps, i) || PQgetisnull(ps->res, ps->row, i))
		return NULL;
	return PQgetvalue(ps->res, ps->row, i);
}

static int64_t pg_col_int64(store_stmt_t *st, int i)
{
	const char *v = pg_col_text(st, i);

	if (!v)
		return 0;
	if (PQftype(PST(st)->res, i) == OID_BOOL) /* a truth value reads as SQLite's 1 or 0 */
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

static double pg_col_double(store_stmt_t *st, int i)
{
	const char *v = pg_col_text(st, i);

	return v ? strtod(v, NULL) : 0.0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static const void *pg_col_blob(store_stmt_t *st, int i, size_t *len)
{
	struct pg_stmt *ps = PST(st);
	const char *v = pg_col_text(st, i);
	size_t n;

	*len = 0;
	if (!v)
		return NULL;
	if (PQftype(ps->res, i) != OID_BYTEA || v[0] != '\\' || v[1] != 'x') {
		*len = strlen(v); /* as SQLite reads a text as bytes */
		return *len ? v : NULL;
	}
	/* bytea_output hex (the default since 9.0): "\x" and two digits a byte */
	n = (strlen(v) - 2) / 2;
	if (n + 1 > ps->blobcap) {
		ps->blobcap = n + 1;
		ps->blob = xrealloc(ps->blob, ps->blobcap);
	}
	for (size_t k = 0; k < n; k++) {
		int hi = hexval(v[2 + 2 * k]), lo = hexval(v[3 + 2 * k]);
		if (hi < 0 || lo < 0)
			return NULL;
		ps->blob[k] = (unsigned char)(hi << 4 | lo);
	}
	*len = n;
	return n ? ps->blob : NULL;
}

const store_engine_t store_engine_pg = {
	.name = "PostgreSQL",
	.pg_dialect = true,
	.schema = store_pg_schema_sql,
	.ntables = "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()",
	.has_schema = "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = "
		      "current_schema() AND tablename = 'schema_version'",
	.connect = pg_connect,
	.disconnect = pg_disconnect,
	.opened = NULL,
	.errmsg = pg_errmsg,
	.check = pg_check,
	.before_reopen = pg_before_reopen,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.lock_schema = pg_lock_schema,
	.ids_follow = "SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT max(id) FROM %s))",
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.step = pg_step,
	.reset = pg_reset,
	.clear = pg_clear,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.ncols = pg_ncols,
	.col_name = pg_col_name,
	.col_type = pg_col_type,
	.col_int64 = pg_col_int64,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
};
