/* store_int.h -- what the store's own files share: statements and their values, encodings.
 * Only the store/ files include this; everyone else sees store.h and the area headers beside it. */
#ifndef BLMON_STORE_INT_H
#define BLMON_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* A statement's text, in the dialect of each engine (store_db.h). Most statements are written
 * once, in the SQL both SQLite and PostgreSQL speak (STORE_SQL); the few that cannot be name
 * both texts (STORE_SQL2). Parameters are written ?N in either: the PostgreSQL engine reads
 * them as $N. Statements are static: the address of their store_sql_t is the cache's key. */
typedef struct {
	const char *lite; /* SQLite's */
	const char *pg;   /* PostgreSQL's */
} store_sql_t;
#define STORE_SQL(text) {text, text}
#define STORE_SQL2(lite, pg) {lite, pg}

/* A prepared statement of one connection (the engine's; opaque here). */
typedef struct store_stmt store_stmt_t;

/* The statement for sql, reset and with its bindings cleared; NULL with the error set.
 * Prepared once per connection, on first use; borrowed: valid while s is open. */
store_stmt_t *store_stmt(store_t *s, const store_sql_t *sql);

/* Sets s's error from the engine's last message ("what: message"); returns -1. */
int store_fail(store_t *s, const char *what);
/* The same for a failed statement, named by what it does ("writing lists"). */
int store_fail_stmt(store_t *s, store_stmt_t *st);

/* Sets s's error from a format (a refusal of the store's own, not the engine's); returns -1. */
int store_seterr(store_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Steps st to completion (no row wanted); resets it. 0 or -1. */
int store_done(store_t *s, store_stmt_t *st);
/* Steps st once: 1 a row, 0 done (st reset), -1 error (st reset). */
int store_row(store_t *s, store_stmt_t *st);
/* Forgets st's rows (bindings stay): the next step runs it again. */
void store_reset(store_stmt_t *st);
/* Steps st (an INSERT ... RETURNING id) and resets it: the id, or -1. */
int64_t store_insert_id(store_t *s, store_stmt_t *st);

/* Runs literal SQL (no parameters). 0 or -1. */
int store_exec(store_t *s, const char *sql);

/* Parameters, numbered from 1 as ?N in the text. An unbound one is NULL. */
void store_bind_int64(store_stmt_t *st, int i, int64_t v);
void store_bind_double(store_stmt_t *st, int i, double v);
void store_bind_null(store_stmt_t *st, int i);
/* A copy of n bytes (a BLOB, a bytea). */
void store_bind_blob(store_stmt_t *st, int i, const void *v, size_t n);
/* NULL binds NULL. */
void store_bind_text(store_stmt_t *st, int i, const char *v);
/* "" binds NULL. */
void store_bind_text_or_null(store_stmt_t *st, int i, const char *v);

/* Columns of the current row, numbered from 0. A NULL reads as 0, "" (col_copy) or NULL
 * (col_str); a truth value (PostgreSQL's boolean) reads as 1 or 0. */
int64_t store_col_int64(store_stmt_t *st, int i);
int store_col_int(store_stmt_t *st, int i);
double store_col_double(store_stmt_t *st, int i);
bool store_col_null(store_stmt_t *st, int i);
/* Copies column i as text ("" for NULL), bounded. */
void store_col_copy(store_stmt_t *st, int i, char *dst, size_t len);
/* Column i as text, or NULL (borrowed until the next step). */
const char *store_col_str(store_stmt_t *st, int i);
/* Column i's bytes and their number (borrowed until the next step or blob read; NULL when
 * empty or NULL). */
const void *store_col_blob(store_stmt_t *st, int i, size_t *len);

/* The type bytes of an ipkey (store.h: store_ipkey). */
#define STORE_IPKEY_V4 4
#define STORE_IPKEY_V6 6
#define STORE_IPKEY_DOMAIN 0x7f
void store_bind_ipkey(store_stmt_t *st, int i, const target_t *t);
/* A target type as stored (targets.type); an unknown one reads as a domain. */
target_type_t store_type_parse(const char *s);

/* The stored encodings of an answer's parts (JSON arrays in TEXT columns). */
void store_codes_encode(const uint32_t *codes, size_t n, char *buf, size_t len);
size_t store_codes_decode(const char *json, uint32_t *out, size_t max);
void store_txt_encode(const char *txt, uint16_t ntxt, char *buf, size_t len);
uint16_t store_txt_decode(const char *json, char *buf, size_t len);
/* A settled state (store.h, store_state_settled): confirmed, nothing pending, not failing,
 * no TTL to honour. Its answer stands until one differs, so a cycle that gets the same
 * answer again writes nothing. */
#define STORE_SETTLED "pending_count = 0 AND failing_since = 0 AND ttl_until = 0"
/* A state's last real answer: a settled state was answered by every whole sweep of its list
 * too (lists.swept_at, store_lists_swept), which writes no state row. Every reader of
 * checked_at reads it through this; SWEPT names the state's list's swept_at (a joined
 * lists row's, or a subquery). */
#define STORE_CHECKED_AT(SWEPT)                                                            \
	"CASE WHEN " STORE_SETTLED " AND " SWEPT " > checked_at THEN " SWEPT " ELSE checked_at END"
/* The same rule for a reader that has the list's swept_at at hand. */
int64_t store_checked_at(const store_state_t *st, int64_t swept);
/* A target leaving: its settled states keep the answer time they have now, and stop being
 * settled, so that sweeps it is not part of never count for them (ttl_until 1 is long past:
 * it holds back no query); the first answer after it comes back rewrites them. TARGETS says
 * which targets' states (a condition on target_id). */
#define STORE_RETIRE_STATES(TARGETS)                                                         \
	"UPDATE state SET checked_at = "                                                    \
	STORE_CHECKED_AT("(SELECT swept_at FROM lists WHERE lists.id = state.list_id)")      \
	", ttl_until = 1, version = version + 1 WHERE " STORE_SETTLED " AND " TARGETS
/* The columns of a state row, in the order store_state_cols reads them from `first` on
 * (no other table joined with state has these names), checked_at as the expression AT. */
#define STORE_STATE_COLS_AT(AT)                                                          \
	"status, since, codes, txt, reason, " AT ", ttl_until, pending, pending_count, "  \
	"failing_since, failing_reason, problem"
/* ... with the last real answer, its list joined as L. */
#define STORE_STATE_COLS(L) STORE_STATE_COLS_AT(STORE_CHECKED_AT(L ".swept_at"))
#define STORE_STATE_NCOLS 12
/* Reads them into out; 1, or 0 when the row has none (a LEFT JOIN without state). */
int store_state_cols(store_stmt_t *st, int first, store_state_t *out);
/* Are they the plainest settled state: clean, no code, no TXT, no reason, no problem? Told
 * here, column by column: the same test in SQL costs more than reading every column. */
bool store_state_cols_plain(store_stmt_t *st, int first);

/* The columns of a lists row, in the order store_list_cols reads them from `first` on. */
#define STORE_LIST_COLS                                                                  \
	"id, zone, name, kind, scope, health, coalesce(health_detail, ''), "             \
	"coalesce(health_since, 0), severity, results, targets_listed, problems_open, "   \
	"results_stale, results_failing, last_answer, results_unchecked, "                 \
	"coalesce(data_source, ''), data_at, data_failing_since, coalesce(data_error, '')"
void store_list_cols(store_stmt_t *st, int first, store_list_t *out);

/* Reads an answer from three columns: codes (JSON), txt (JSON), reason (may be NULL). */
void store_answer_cols(store_stmt_t *st, int codes, int txt, int reason, store_answer_t *a);

#endif
