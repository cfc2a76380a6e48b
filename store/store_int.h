/* store_int.h -- what the store's own files share: the connection, the statement cache, encodings.
 * Only the store/ files include this; everyone else sees store.h and the area headers beside it. */
#ifndef BLMON_STORE_INT_H
#define BLMON_STORE_INT_H

#include <sqlite3.h>
#include <sys/types.h>

#include "store/store.h"

#define STORE_STMT_MAX 160 /* distinct statements one connection prepares at most */

struct store {
	sqlite3 *db;
	store_mode_t mode;
	char *path;
	dev_t dev;  /* the file opened, to notice when path names another one (or none) */
	ino_t ino;
	/* its -wal and -shm when it was opened (STORE_RW): a reopen removes them
	 * when they still lie at the path, as they belong to the old file */
	struct {
		dev_t dev;
		ino_t ino;
	} side[2];
	char err[512];
	/* Prepared statements, keyed by the address of their (static) SQL text:
	 * each statement is prepared once per connection, on first use. */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[STORE_STMT_MAX];
	size_t ncache;
};

/* The statement for sql (a string literal or static array: its address is the
 * key), reset and with its bindings cleared; NULL with the error set. */
sqlite3_stmt *store_stmt(store_t *s, const char *sql);

/* Sets s's error from the connection's ("what: sqlite message"); returns -1. */
int store_fail(store_t *s, const char *what);
/* The same for a failed statement, named by what it does ("writing lists"). */
int store_fail_stmt(store_t *s, sqlite3_stmt *st);

/* The type bytes of an ipkey (store.h: store_ipkey). */
#define STORE_IPKEY_V4 4
#define STORE_IPKEY_V6 6
#define STORE_IPKEY_DOMAIN 0x7f
void store_bind_ipkey(sqlite3_stmt *st, int i, const target_t *t);

/* Sets s's error from a format (a refusal of the store's own, not sqlite's); returns -1. */
int store_seterr(store_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Steps st to completion (no row wanted); resets it. 0 or -1. */
int store_done(store_t *s, sqlite3_stmt *st);
/* Steps st once: 1 a row, 0 done (st reset), -1 error (st reset). */
int store_row(store_t *s, sqlite3_stmt *st);

/* Runs literal SQL (no parameters). 0 or -1. */
int store_exec(store_t *s, const char *sql);

/* NULL binds NULL. */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);
/* "" binds NULL. */
void store_bind_text_or_null(sqlite3_stmt *st, int i, const char *v);
/* Copies column i as text ("" for NULL), bounded. */
void store_col_copy(sqlite3_stmt *st, int i, char *dst, size_t len);
/* Column i as text, or NULL (borrowed until the next step). */
const char *store_col_str(sqlite3_stmt *st, int i);
/* A target type as stored (targets.type); an unknown one reads as a domain. */
target_type_t store_type_parse(const char *s);

/* The stored encodings of an answer's parts (JSON arrays in TEXT columns). */
void store_codes_encode(const uint32_t *codes, size_t n, char *buf, size_t len);
size_t store_codes_decode(const char *json, uint32_t *out, size_t max);
void store_txt_encode(const char *txt, uint16_t ntxt, char *buf, size_t len);
uint16_t store_txt_decode(const char *json, char *buf, size_t len);
/* The plainest state there is (store.h, store_state_plain): clean, no code, no TXT, no
 * reason, nothing pending, not failing, no TTL, no problem. */
#define STORE_PLAIN                                                                        \
	"status = 'clean' AND codes = '[]' AND txt = '[]' AND reason IS NULL AND "        \
	"pending_count = 0 AND failing_since = 0 AND ttl_until = 0 AND problem IS NULL"
/* A state's last real answer: a plain state was answered by every whole sweep of its list
 * too (lists.swept_at, store_lists_swept), which writes no state row. Every reader of
 * checked_at reads it through this; SWEPT names the state's list's swept_at (a joined
 * lists row's, or a subquery). */
#define STORE_CHECKED_AT(SWEPT)                                                            \
	"CASE WHEN " STORE_PLAIN " AND " SWEPT " > checked_at THEN " SWEPT " ELSE checked_at END"
/* The columns of a state row, in the order store_state_cols reads them from `first` on
 * (no other table joined with state has these names), its list joined as L. */
#define STORE_STATE_COLS(L)                                                              \
	"status, since, codes, txt, reason, " STORE_CHECKED_AT(L ".swept_at") ", ttl_until, " \
	"pending, pending_count, failing_since, failing_reason, problem"
#define STORE_STATE_NCOLS 12
/* Reads them into out; 1, or 0 when the row has none (a LEFT JOIN without state). */
int store_state_cols(sqlite3_stmt *st, int first, store_state_t *out);

/* The columns of a lists row, in the order store_list_cols reads them from `first` on. */
#define STORE_LIST_COLS                                                                  \
	"id, zone, name, kind, scope, health, ifnull(health_detail, ''), "               \
	"ifnull(health_since, 0), severity, results, targets_listed, problems_open, "     \
	"results_stale, results_failing, last_answer, results_unchecked, "                 \
	"ifnull(data_source, ''), data_at, data_failing_since, ifnull(data_error, '')"
void store_list_cols(sqlite3_stmt *st, int first, store_list_t *out);

/* Reads an answer from three columns: codes (JSON), txt (JSON), reason (may be NULL). */
void store_answer_cols(sqlite3_stmt *st, int codes, int txt, int reason, store_answer_t *a);

#endif
