/* store_db.h -- the store's engines: one table of functions per database, SQLite and PostgreSQL.
 * store.c drives a connection through these; the area files see only store_int.h's statements. */
#ifndef BLMON_STORE_DB_H
#define BLMON_STORE_DB_H

#include "store/store_int.h"

typedef struct store_engine store_engine_t;

/* Every engine's statement begins with this. */
struct store_stmt {
	const store_engine_t *e;
	const char *what; /* its text as SQLite's dialect spells it: errors name what it does */
};

#define STORE_STMT_MAX 160

#define STORE_STR_(x) #x
#define STORE_STR(x) STORE_STR_(x) /* a constant spelled into SQL text */

/* The PostgreSQL advisory lock a migration holds (pg_advisory_xact_lock): one number that
 * names blmon's schema in the database ("blmn" in ASCII). */
#define STORE_PG_LOCK_SCHEMA 1651273070 /* 0x626c6d6e */ /* distinct statements one connection prepares at most */

struct store {
	const store_engine_t *e;
	void *conn;             /* the engine's connection: one block, allocated by its first
				   connect and kept over reconnects (store_close frees it) */
	store_mode_t mode;
	char *path;             /* a file's path, or a postgresql:// URI (never with a password) */
	char *password_file;    /* PostgreSQL: the file holding the password; NULL: libpq's own */
	char err[512];
	/* Prepared statements, keyed by the address of their (static) text: each is
	 * prepared once per connection, on first use. */
	struct {
		const store_sql_t *sql;
		store_stmt_t *st;
	} cache[STORE_STMT_MAX];
	size_t ncache;
};

/* What a column holds (the copy of a database reads every column as it is). */
typedef enum {
	STORE_COL_NULL,
	STORE_COL_INT,
	STORE_COL_FLOAT,
	STORE_COL_TEXT,
	STORE_COL_BLOB,
} store_col_type_t;

/* An engine. Functions that fail set s->err to the engine's message (the caller adds
 * what it was doing) and return -1 or NULL. */
struct store_engine {
	const char *name;       /* "SQLite", "PostgreSQL" */
	bool pg_dialect;        /* reads the pg text of a store_sql_t (else the lite one) */
	const char *schema;     /* its numbered migrations (schemas/store.sql, store.pg.sql) */
	const char *has_schema; /* a query: 1 when the table schema_version exists, else 0 */
	const char *ntables;    /* a query: how many tables the schema has (the engine's own not) */
	/* Connects s->path in s->mode (pragmas, session settings); s->conn is set even on
	 * failure, for disconnect to free. */
	int (*connect)(store_t *s);
	void (*disconnect)(store_t *s);
	/* After the migrations of a connect: notes what was opened (NULL: nothing to note). */
	void (*opened)(store_t *s);
	/* The message of the last failure (borrowed). */
	const char *(*errmsg)(store_t *s);
	/* store_check_file: 0, or 1 when what s->path names is no longer what s has open. */
	int (*check)(store_t *s);
	/* Before a reconnect to s->path: forget what belonged to the old database. */
	void (*before_reopen)(store_t *s);
	int (*exec)(store_t *s, const char *sql);
	/* A transaction: write (the daemon's) or one consistent read snapshot. */
	int (*begin)(store_t *s, bool write);
	int (*commit)(store_t *s);
	int (*rollback)(store_t *s); /* 0 when none is open */
	/* After rows were copied in with their own ids (store_copy): a format with the table's
	 * name twice, run so that the ids handed out next follow them (NULL: they do anyway). */
	const char *ids_follow;
	/* Inside the migration's transaction, before the version is read again: waits for
	 * any other process migrating the same database (NULL: the write transaction does). */
	int (*lock_schema)(store_t *s);
	/* A statement of text (in the engine's dialect); what: the text errors name it by;
	 * cached: kept for the connection's life (else run once and freed). */
	store_stmt_t *(*prepare)(store_t *s, const char *text, const char *what, bool cached);
	void (*finalize)(store_stmt_t *st);
	int (*step)(store_t *s, store_stmt_t *st); /* 1 a row, 0 done, -1 error */
	void (*reset)(store_stmt_t *st);
	void (*clear)(store_stmt_t *st); /* every parameter NULL again */
	void (*bind_int64)(store_stmt_t *st, int i, int64_t v);
	void (*bind_double)(store_stmt_t *st, int i, double v);
	void (*bind_text)(store_stmt_t *st, int i, const char *v);
	void (*bind_blob)(store_stmt_t *st, int i, const void *v, size_t n);
	void (*bind_null)(store_stmt_t *st, int i);
	int (*ncols)(store_stmt_t *st);
	const char *(*col_name)(store_stmt_t *st, int i);
	store_col_type_t (*col_type)(store_stmt_t *st, int i);
	int64_t (*col_int64)(store_stmt_t *st, int i);
	double (*col_double)(store_stmt_t *st, int i);
	const char *(*col_text)(store_stmt_t *st, int i);
	const void *(*col_blob)(store_stmt_t *st, int i, size_t *len);
};

extern const store_engine_t store_engine_sqlite; /* store_db_sqlite.c */
extern const store_engine_t store_engine_pg;     /* store_db_pg.c */

/* A statement prepared outside the cache (store_scalar, the copy); free with store_stmt_free. */
store_stmt_t *store_stmt_once(store_t *s, const char *text);
void store_stmt_free(store_stmt_t *st);

#endif
