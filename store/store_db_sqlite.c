/* store_db_sqlite.c -- the SQLite engine: one file, WAL, a busy timeout, and the file watched.
 * The embedded default: a path in [monitor] database. Statements are SQLite's own. */
#include "store/store_db.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/xmalloc.h"
#include "store_sql.h" /* generated from schemas/store.sql: store_schema_sql */

/* The connection, and the files it opened (kept over a reopen, which must know them). */
struct lite {
	sqlite3 *db;
	dev_t dev; /* the file opened, to notice when path names another one (or none) */
	ino_t ino;
	/* its -wal and -shm when it was opened (STORE_RW): a reopen removes them
	 * when they still lie at the path, as they belong to the old file */
	struct {
		dev_t dev;
		ino_t ino;
	} side[2];
	char msg[512]; /* a failure of our own (no connection to ask) */
};

struct lite_stmt {
	store_stmt_t base;
	sqlite3_stmt *st;
};

#define LITE(s) ((struct lite *)(s)->conn)
#define STMT(st) (((struct lite_stmt *)(st))->st)

static const char *lite_errmsg(store_t *s)
{
	struct lite *l = LITE(s);

	if (!l)
		return "not open";
	if (l->msg[0])
		return l->msg;
	return l->db ? sqlite3_errmsg(l->db) : "cannot open";
}

static int lite_exec(store_t *s, const char *sql)
{
	struct lite *l = LITE(s);
	char *msg = NULL;

	l->msg[0] = '\0';
	if (sqlite3_exec(l->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(l->msg, sizeof(l->msg), "%s", msg ? msg : sqlite3_errmsg(l->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* The WAL and shared-memory files SQLite keeps beside the database, by name. */
static const char *const side_suffix[2] = {"-wal", "-shm"};

/* Notes which files the connection's -wal and -shm are (0 when absent). */
static void side_note(store_t *s)
{
	struct lite *l = LITE(s);
	char p[PATH_MAX + 8];
	struct stat sb;

	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s%s", s->path, side_suffix[i]);
		l->side[i].dev = stat(p, &sb) == 0 ? sb.st_dev : 0;
		l->side[i].ino = l->side[i].dev ? sb.st_ino : 0;
	}
}

/* Removes the -wal and -shm of the file s had open when they still lie at the
 * path: SQLite pairs them by name, and would read the old file's WAL as pages of
 * the new one (or share its wal-index with the readers of the old one). Files
 * that came with the new database are other files, and stay. */
static void lite_before_reopen(store_t *s)
{
	struct lite *l = LITE(s);
	char p[PATH_MAX + 8];
	struct stat sb;

	if (!l || s->mode != STORE_RW)
		return;
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s%s", s->path, side_suffix[i]);
		if (l->side[i].dev && stat(p, &sb) == 0 && sb.st_dev == l->side[i].dev &&
		    sb.st_ino == l->side[i].ino)
			unlink(p);
	}
}

/* Opens s->path with the pragmas every connection shares. */
static int lite_connect(store_t *s)
{
	struct lite *l = s->conn ? LITE(s) : (s->conn = xcalloc(1, sizeof(struct lite)));
	int flags = s->mode == STORE_RO ? SQLITE_OPEN_READONLY
					: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	l->msg[0] = '\0';
	/* one connection per thread: no mutex of SQLite's own is needed */
	if (sqlite3_open_v2(s->path, &l->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(l->db, STORE_BUSY_MS);
	if (s->mode == STORE_RW && (lite_exec(s, "PRAGMA journal_mode = WAL") < 0 ||
				    lite_exec(s, "PRAGMA synchronous = NORMAL") < 0))
		return -1;
	return lite_exec(s, "PRAGMA foreign_keys = ON");
}

/* After the migrations: which file (and which -wal and -shm) the connection has. */
static void lite_opened(store_t *s)
{
	struct lite *l = LITE(s);
	struct stat sb;

	if (stat(s->path, &sb) == 0) {
		l->dev = sb.st_dev;
		l->ino = sb.st_ino;
	}
	if (s->mode == STORE_RW)
		side_note(s);
}

static void lite_disconnect(store_t *s)
{
	struct lite *l = LITE(s);

	if (!l)
		return;
	sqlite3_close(l->db);
	l->db = NULL;
}

static int lite_check(store_t *s)
{
	struct lite *l = LITE(s);
	struct stat sb;

	if (stat(s->path, &sb) < 0) {
		store_seterr(s, "%s: %s: the database file was deleted under the running daemon", s->path,
			     strerror(errno));
		return 1;
	}
	if (sb.st_dev != l->dev || sb.st_ino != l->ino) {
		store_seterr(s, "%s: the database file was replaced under the running daemon", s->path);
		return 1;
	}
	return 0;
}

static int lite_begin(store_t *s, bool write)
{
	/* the daemon takes the write lock at once: a reader never upgrades into a busy wait */
	return lite_exec(s, write ? "BEGIN IMMEDIATE" : "BEGIN");
}

static int lite_commit(store_t *s)
{
	return lite_exec(s, "COMMIT");
}

static int lite_rollback(store_t *s)
{
	if (!LITE(s)->db || sqlite3_get_autocommit(LITE(s)->db))
		return 0;
	return lite_exec(s, "ROLLBACK");
}

static store_stmt_t *lite_prepare(store_t *s, const char *text, const char *what, bool cached)
{
	struct lite *l = LITE(s);
	struct lite_stmt *ls;
	sqlite3_stmt *st;

	l->msg[0] = '\0';
	if (sqlite3_prepare_v3(l->db, text, -1, cached ? SQLITE_PREPARE_PERSISTENT : 0, &st,
			       NULL) != SQLITE_OK)
		return NULL;
	ls = xcalloc(1, sizeof(*ls));
	ls->base.e = &store_engine_sqlite;
	ls->base.what = what;
	ls->st = st;
	return &ls->base;
}

static void lite_finalize(store_stmt_t *st)
{
	sqlite3_finalize(STMT(st));
	free(st);
}

static int lite_step(store_t *s, store_stmt_t *st)
{
	int rc = sqlite3_step(STMT(st));

	LITE(s)->msg[0] = '\0';
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static void lite_reset(store_stmt_t *st)
{
	sqlite3_reset(STMT(st));
}

static void lite_clear(store_stmt_t *st)
{
	sqlite3_clear_bindings(STMT(st));
}

static void lite_bind_int64(store_stmt_t *st, int i, int64_t v)
{
	sqlite3_bind_int64(STMT(st), i, v);
}

static void lite_bind_double(store_stmt_t *st, int i, double v)
{
	sqlite3_bind_double(STMT(st), i, v);
}

static void lite_bind_text(store_stmt_t *st, int i, const char *v)
{
	sqlite3_bind_text(STMT(st), i, v, -1, SQLITE_TRANSIENT);
}

static void lite_bind_blob(store_stmt_t *st, int i, const void *v, size_t n)
{
	sqlite3_bind_blob(STMT(st), i, v, (int)n, SQLITE_TRANSIENT);
}

static void lite_bind_null(store_stmt_t *st, int i)
{
	sqlite3_bind_null(STMT(st), i);
}

static int lite_ncols(store_stmt_t *st)
{
	return sqlite3_column_count(STMT(st));
}

static const char *lite_col_name(store_stmt_t *st, int i)
{
	return sqlite3_column_name(STMT(st), i);
}

static store_col_type_t lite_col_type(store_stmt_t *st, int i)
{
	switch (sqlite3_column_type(STMT(st), i)) {
	case SQLITE_INTEGER:
		return STORE_COL_INT;
	case SQLITE_FLOAT:
		return STORE_COL_FLOAT;
	case SQLITE_TEXT:
		return STORE_COL_TEXT;
	case SQLITE_BLOB:
		return STORE_COL_BLOB;
	default:
		return STORE_COL_NULL;
	}
}

static int64_t lite_col_int64(store_stmt_t *st, int i)
{
	return sqlite3_column_int64(STMT(st), i);
}

static double lite_col_double(store_stmt_t *st, int i)
{
	return sqlite3_column_double(STMT(st), i);
}

static const char *lite_col_text(store_stmt_t *st, int i)
{
	return (const char *)sqlite3_column_text(STMT(st), i);
}

static const void *lite_col_blob(store_stmt_t *st, int i, size_t *len)
{
	const void *p = sqlite3_column_blob(STMT(st), i);

	*len = (size_t)sqlite3_column_bytes(STMT(st), i);
	return p;
}

const store_engine_t store_engine_sqlite = {
	.name = "SQLite",
	.pg_dialect = false,
	.schema = store_schema_sql,
	.ntables = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
		   "name NOT LIKE 'sqlite_%'",
	.has_schema = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
		      "name = 'schema_version'",
	.connect = lite_connect,
	.disconnect = lite_disconnect,
	.opened = lite_opened,
	.errmsg = lite_errmsg,
	.check = lite_check,
	.before_reopen = lite_before_reopen,
	.exec = lite_exec,
	.begin = lite_begin,
	.commit = lite_commit,
	.rollback = lite_rollback,
	.lock_schema = NULL, /* BEGIN IMMEDIATE holds the only write lock */
	.ids_follow = NULL,  /* a rowid is one above the highest */
	.prepare = lite_prepare,
	.finalize = lite_finalize,
	.step = lite_step,
	.reset = lite_reset,
	.clear = lite_clear,
	.bind_int64 = lite_bind_int64,
	.bind_double = lite_bind_double,
	.bind_text = lite_bind_text,
	.bind_blob = lite_bind_blob,
	.bind_null = lite_bind_null,
	.ncols = lite_ncols,
	.col_name = lite_col_name,
	.col_type = lite_col_type,
	.col_int64 = lite_col_int64,
	.col_double = lite_col_double,
	.col_text = lite_col_text,
	.col_blob = lite_col_blob,
};
