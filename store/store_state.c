/* store_state.c -- the scheduler's writes: targets, lists and their health, state, events, cycles.
 * Each (target, list) has one state row; events are append-only; a cycle's writes come in batches. */
#include "store/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_budget.h"

#define JSON_MAX 8192 /* an encoded TXT array: STORE_TXT_MAX bytes of text, escaped */

/* A state row is written whole: every column takes the new value (what SQLite's INSERT OR
 * REPLACE did, in the upsert both engines speak). */
#define STORE_STATE_SET                                                                       \
	"status = excluded.status, since = excluded.since, codes = excluded.codes, "          \
	"txt = excluded.txt, reason = excluded.reason, checked_at = excluded.checked_at, "    \
	"ttl_until = excluded.ttl_until, pending = excluded.pending, "                        \
	"pending_count = excluded.pending_count, failing_since = excluded.failing_since, "    \
	"failing_reason = excluded.failing_reason, problem = excluded.problem"

static const store_sql_t SQL_TARGET_UPSERT = STORE_SQL(
	"INSERT INTO targets (target, type, discovered_from, first_seen, last_seen, active, ipkey) "
	"VALUES (?1, ?2, ?3, ?4, ?4, 1, ?5) ON CONFLICT (target) DO UPDATE SET "
	"last_seen = excluded.last_seen, active = 1, discovered_from = excluded.discovered_from, "
	"ipkey = excluded.ipkey");
static const store_sql_t SQL_TARGET_ID = STORE_SQL("SELECT id FROM targets WHERE target = ?1");
static const store_sql_t SQL_TARGET_RETIRE = STORE_SQL(
	"UPDATE targets SET active = 0 WHERE last_seen < ?1 AND active = 1");
static const store_sql_t SQL_LIST_UPSERT = STORE_SQL(
	"INSERT INTO lists (zone, name, kind, scope, severity) VALUES (?1, ?2, ?3, ?4, ?5) "
	"ON CONFLICT (zone) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
	"scope = excluded.scope, severity = excluded.severity");
static const store_sql_t SQL_LIST_ID = STORE_SQL("SELECT id FROM lists WHERE zone = ?1");
static const store_sql_t SQL_STATE_GET = STORE_SQL(
	"SELECT " STORE_STATE_COLS("l") ", version FROM state JOIN lists l ON l.id = list_id "
	"WHERE target_id = ?1 AND list_id = ?2");
#define STORE_STATE_INSERT                                                                   \
	"INSERT INTO state (target_id, list_id, status, since, codes, txt, reason, checked_at, "   \
	"ttl_until, pending, pending_count, failing_since, failing_reason, problem, version) "     \
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1) "                 \
	"ON CONFLICT (target_id, list_id) DO UPDATE SET " STORE_STATE_SET ", "                     \
	"version = state.version + 1"
static const store_sql_t SQL_STATE_PUT = STORE_SQL(STORE_STATE_INSERT);
/* the compare-and-set: a row written since it was read (version ?15) is left alone, and
 * RETURNING then gives no row */
static const store_sql_t SQL_STATE_CAS = STORE_SQL(
	STORE_STATE_INSERT " WHERE state.version = ?15 RETURNING version");
static const store_sql_t SQL_STATE_SETTLED = STORE_SQL(
	"SELECT list_id, target_id, status, codes, txt, reason FROM state WHERE " STORE_SETTLED);
static const store_sql_t SQL_STATE_SETTLED_TOUCH = STORE_SQL(
	"UPDATE state SET checked_at = ?2 WHERE list_id = ?1 AND " STORE_SETTLED " AND target_id IN "
	"(SELECT id FROM targets WHERE last_seen = ?2)");
static const store_sql_t SQL_LIST_SWEPT = STORE_SQL(
	"UPDATE lists SET swept_at = ?2 WHERE id = ?1");
static const store_sql_t SQL_TARGET_RETIRE_STATES = STORE_SQL(STORE_RETIRE_STATES(
	"target_id IN (SELECT id FROM targets WHERE last_seen < ?1 AND active = 1)"));
static const store_sql_t SQL_EVENT_ADD = STORE_SQL(
	"INSERT INTO events (at, target_id, list_id, \"from\", \"to\", codes, txt, reason) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id");
static const store_sql_t SQL_HEALTH_GET = STORE_SQL("SELECT health FROM lists WHERE id = ?1");
static const store_sql_t SQL_HEALTH_SET = STORE_SQL(
	"UPDATE lists SET health = ?2, health_detail = ?3, health_since = ?4 WHERE id = ?1");
static const store_sql_t SQL_HEALTH_ADD = STORE_SQL(
	"INSERT INTO list_health (list_id, at, health, detail) VALUES (?1, ?2, ?3, ?4)");
static const store_sql_t SQL_LIST_DATA = STORE_SQL(
	"UPDATE lists SET data_source = ?2, data_at = ?3, data_failing_since = ?4, data_error = ?5 "
	"WHERE id = ?1");
static const store_sql_t SQL_CYCLE_BEGIN =
	STORE_SQL("INSERT INTO cycles (started) VALUES (?1) RETURNING id");
static const store_sql_t SQL_CYCLE_END = STORE_SQL(
	"UPDATE cycles SET ended = ?2, lists = ?3, targets = ?4, queries = ?5, errors = ?6, "
	"listed = ?7, unknown = ?8, answered = ?9 WHERE id = ?1");
static const store_sql_t SQL_DNS_ERRORS_ADD = STORE_SQL(
	"INSERT INTO dns_errors (list_id, reason, n) VALUES (?1, ?2, ?3) "
	"ON CONFLICT (list_id, reason) DO UPDATE SET n = dns_errors.n + ?3");
static const store_sql_t SQL_OUTAGE_GET = STORE_SQL(
	"SELECT id, started, resolver, reason FROM resolver_outages WHERE ended IS NULL "
	"ORDER BY id DESC LIMIT 1");
static const store_sql_t SQL_OUTAGE_OPEN = STORE_SQL(
	"INSERT INTO resolver_outages (started, resolver, reason) VALUES (?1, ?2, ?3) "
	"RETURNING id");
static const store_sql_t SQL_OUTAGE_CLOSE = STORE_SQL(
	"UPDATE resolver_outages SET ended = ?1 WHERE ended IS NULL");
static const store_sql_t SQL_PRUNE_CYCLES = STORE_SQL("DELETE FROM cycles WHERE started < ?1");
static const store_sql_t SQL_PRUNE_HEALTH = STORE_SQL(
	"DELETE FROM list_health WHERE at < ?1 AND id NOT IN "
	"(SELECT max(id) FROM list_health GROUP BY list_id)");

/* Looks up an id by one text key: the id, 0 when absent, -1 on error. */
static int64_t id_by(store_t *s, const store_sql_t *sql, const char *key)
{
	store_stmt_t *st = store_stmt(s, sql);
	int64_t id;
	int rc;

	if (!st)
		return -1;
	store_bind_text(st, 1, key);
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	id = store_col_int64(st, 0);
	store_reset(st);
	return id;
}

int64_t store_target_id(store_t *s, const target_t *t, int64_t now)
{
	store_stmt_t *st = store_stmt(s, &SQL_TARGET_UPSERT);
	int64_t id;

	if (!st)
		return -1;
	store_bind_text(st, 1, t->name);
	store_bind_text(st, 2, target_type_name(t->type));
	store_bind_text(st, 3, t->from);
	store_bind_int64(st, 4, now);
	store_bind_ipkey(st, 5, t);
	if (store_done(s, st) < 0)
		return -1;
	id = id_by(s, &SQL_TARGET_ID, t->name);
	return id > 0 ? id : -1;
}

int64_t store_target_known(store_t *s, const char *name)
{
	return id_by(s, &SQL_TARGET_ID, name);
}

int store_targets_retire(store_t *s, int64_t before)
{
	store_stmt_t *st = store_stmt(s, &SQL_TARGET_RETIRE_STATES);

	if (!st || store_begin(s) < 0)
		return -1;
	store_bind_int64(st, 1, before);
	if (store_done(s, st) < 0 || !(st = store_stmt(s, &SQL_TARGET_RETIRE)))
		goto fail;
	store_bind_int64(st, 1, before);
	if (store_done(s, st) < 0)
		goto fail;
	return store_commit(s);
fail:
	store_rollback(s);
	return -1;
}

int64_t store_list_id(store_t *s, const catalog_list_t *l)
{
	store_stmt_t *st = store_stmt(s, &SQL_LIST_UPSERT);
	int64_t id;

	if (!st)
		return -1;
	store_bind_text(st, 1, l->zone);
	store_bind_text(st, 2, l->name);
	store_bind_text(st, 3, catalog_kind_name(l->kind));
	store_bind_text(st, 4, catalog_scope_name(l->scope));
	store_bind_text(st, 5, catalog_severity_name(l->severity));
	if (store_done(s, st) < 0)
		return -1;
	id = id_by(s, &SQL_LIST_ID, l->zone);
	return id > 0 ? id : -1;
}

/* The pending column: "status" or, for a listing, "listed:[codes]", as the
 * confirmation rule compares them. */
static void pending_encode(const store_state_t *st, char *buf, size_t len)
{
	char codes[256];

	buf[0] = '\0';
	if (!st->pending_count)
		return;
	if (st->pending_status != STATUS_LISTED) {
		snprintf(buf, len, "%s", status_name(st->pending_status));
		return;
	}
	store_codes_encode(st->pending_codes, st->pending_ncodes, codes, sizeof(codes));
	snprintf(buf, len, "listed:%s", codes);
}

static void pending_decode(const char *v, store_state_t *st)
{
	char name[16];
	const char *colon;
	size_t n;

	if (!v || !*v) {
		st->pending_count = 0;
		return;
	}
	colon = strchr(v, ':');
	n = colon ? (size_t)(colon - v) : strlen(v);
	snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1), v);
	if (status_parse(name, &st->pending_status) < 0) {
		st->pending_count = 0; /* unreadable: start confirming afresh */
		return;
	}
	if (colon)
		st->pending_ncodes = (uint8_t)store_codes_decode(colon + 1, st->pending_codes,
								  RESULT_MAX_CODES);
}

int64_t store_checked_at(const store_state_t *st, int64_t swept)
{
	bool settled = !st->pending_count && !st->failing_since && !st->ttl_until;

	return settled && swept > st->checked_at ? swept : st->checked_at;
}

bool store_state_cols_plain(store_stmt_t *st, int first)
{
	const char *v;

	if (store_col_int(st, first + 8) || store_col_int64(st, first + 9) ||
	    store_col_int64(st, first + 6) || !store_col_null(st, first + 4) ||
	    !store_col_null(st, first + 11))
		return false;
	return (v = store_col_str(st, first)) && !strcmp(v, "clean") &&
	       (v = store_col_str(st, first + 2)) && !strcmp(v, "[]") &&
	       (v = store_col_str(st, first + 3)) && !strcmp(v, "[]");
}

int store_state_cols(store_stmt_t *st, int first, store_state_t *out)
{
	memset(out, 0, sizeof(*out));
	if (status_parse(store_col_str(st, first), &out->status) < 0)
		return 0; /* no row, or a status the table's CHECK forbids: never guess one */
	out->present = true;
	out->since = store_col_int64(st, first + 1);
	store_answer_cols(st, first + 2, first + 3, first + 4, &out->ans);
	out->checked_at = store_col_int64(st, first + 5);
	out->ttl_until = store_col_int64(st, first + 6);
	out->pending_count = store_col_int(st, first + 8);
	pending_decode(store_col_str(st, first + 7), out);
	out->failing_since = store_col_int64(st, first + 9);
	store_col_copy(st, first + 10, out->failing_reason, sizeof(out->failing_reason));
	store_col_copy(st, first + 11, out->problem, sizeof(out->problem));
	return 1;
}

int store_state_get(store_t *s, int64_t target_id, int64_t list_id, store_state_t *out)
{
	store_stmt_t *st = store_stmt(s, &SQL_STATE_GET);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	store_bind_int64(st, 1, target_id);
	store_bind_int64(st, 2, list_id);
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	rc = store_state_cols(st, 0, out);
	out->version = store_col_int64(st, STORE_STATE_NCOLS);
	store_reset(st);
	return rc;
}

/* Binds a state row's 14 columns to st. */
static void state_bind(store_stmt_t *st, int64_t target_id, int64_t list_id,
		       const store_state_t *in)
{
	char codes[256], txt[JSON_MAX], pending[300];

	store_codes_encode(in->ans.codes, in->ans.ncodes, codes, sizeof(codes));
	store_txt_encode(in->ans.txt, in->ans.ntxt, txt, sizeof(txt));
	pending_encode(in, pending, sizeof(pending));
	store_bind_int64(st, 1, target_id);
	store_bind_int64(st, 2, list_id);
	store_bind_text(st, 3, status_name(in->status));
	store_bind_int64(st, 4, in->since);
	store_bind_text(st, 5, codes);
	store_bind_text(st, 6, txt);
	store_bind_text_or_null(st, 7, in->ans.reason);
	store_bind_int64(st, 8, in->checked_at);
	store_bind_int64(st, 9, in->ttl_until);
	store_bind_text_or_null(st, 10, pending);
	store_bind_int64(st, 11, in->pending_count);
	store_bind_int64(st, 12, in->failing_since);
	store_bind_text_or_null(st, 13, in->failing_since ? in->failing_reason : NULL);
	store_bind_text_or_null(st, 14, in->problem);
}

int store_state_put(store_t *s, int64_t target_id, int64_t list_id, const store_state_t *in)
{
	store_stmt_t *st = store_stmt(s, &SQL_STATE_PUT);

	if (!st)
		return -1;
	state_bind(st, target_id, list_id, in);
	return store_done(s, st);
}

int store_state_cas(store_t *s, int64_t target_id, int64_t list_id, const store_state_t *in)
{
	store_stmt_t *st = store_stmt(s, &SQL_STATE_CAS);
	int rc;

	if (!st)
		return -1;
	state_bind(st, target_id, list_id, in);
	store_bind_int64(st, 15, in->version);
	rc = store_row(s, st);
	if (rc < 0)
		return -1;
	store_reset(st);
	return rc == 1 ? 0 : 1;
}

/* FNV-1a over the stored text of an answer, each part with its terminating NUL. */
static uint64_t fp_text(const char *status, const char *codes, const char *txt, const char *reason)
{
	const char *part[4] = {status ? status : "", codes ? codes : "", txt ? txt : "",
			       reason ? reason : ""};
	uint64_t h = 14695981039346656037ULL;

	for (int i = 0; i < 4; i++) {
		const unsigned char *p = (const unsigned char *)part[i];
		do {
			h ^= *p;
			h *= 1099511628211ULL;
		} while (*p++);
	}
	return h;
}

uint64_t store_answer_fp(status_t status, const store_answer_t *a)
{
	char codes[256], txt[JSON_MAX];

	store_codes_encode(a->codes, a->ncodes, codes, sizeof(codes));
	store_txt_encode(a->txt, a->ntxt, txt, sizeof(txt));
	return fp_text(status_name(status), codes, txt, a->reason);
}

uint64_t store_answer_fp_plain(void)
{
	return fp_text(status_name(STATUS_CLEAN), "[]", "[]", "");
}

int store_state_settled(store_t *s, store_settled_fn fn, void *arg)
{
	store_stmt_t *st = store_stmt(s, &SQL_STATE_SETTLED);
	int rc;

	if (!st)
		return -1;
	/* one pass in the table's own order: no sort, no index needed (the caller sorts); the
	 * fingerprint is hashed here, not told apart in SQL, whose string compares cost more */
	while ((rc = store_row(s, st)) == 1)
		fn(arg, store_col_int64(st, 0), store_col_int64(st, 1),
		   fp_text(store_col_str(st, 2), store_col_str(st, 3), store_col_str(st, 4),
			   store_col_str(st, 5)));
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

int store_state_settled_touch(store_t *s, int64_t list_id, int64_t now)
{
	store_stmt_t *st = store_stmt(s, &SQL_STATE_SETTLED_TOUCH);

	if (!st)
		return -1;
	store_bind_int64(st, 1, list_id);
	store_bind_int64(st, 2, now);
	return store_done(s, st);
}

int store_lists_swept(store_t *s, const int64_t *list_ids, size_t n, int64_t now)
{
	store_stmt_t *st = store_stmt(s, &SQL_LIST_SWEPT);

	if (!st || store_begin(s) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		store_bind_int64(st, 1, list_ids[i]);
		store_bind_int64(st, 2, now);
		if (store_done(s, st) < 0) {
			store_rollback(s);
			return -1;
		}
	}
	return store_commit(s);
}

int64_t store_event_add(store_t *s, const store_event_t *ev)
{
	store_stmt_t *st = store_stmt(s, &SQL_EVENT_ADD);
	char codes[256], txt[JSON_MAX];

	if (!st)
		return -1;
	/* an event is a change between confirmed states: a failed check is none (schemas/store.sql,
	 * migration 4), and an unknown stored here would come back as a listing's end */
	if (!status_confirmed(ev->to) || (!ev->first && !status_confirmed(ev->from)))
		return store_seterr(s, "event %s -> %s refused: only listed and clean are states",
				    ev->first ? "(first)" : status_name(ev->from), status_name(ev->to));
	store_codes_encode(ev->ans.codes, ev->ans.ncodes, codes, sizeof(codes));
	store_txt_encode(ev->ans.txt, ev->ans.ntxt, txt, sizeof(txt));
	store_bind_int64(st, 1, ev->at);
	store_bind_int64(st, 2, ev->target_id);
	store_bind_int64(st, 3, ev->list_id);
	store_bind_text(st, 4, ev->first ? NULL : status_name(ev->from));
	store_bind_text(st, 5, status_name(ev->to));
	store_bind_text(st, 6, codes);
	store_bind_text(st, 7, txt);
	store_bind_text_or_null(st, 8, ev->ans.reason);
	return store_insert_id(s, st);
}

int store_list_data(store_t *s, int64_t list_id, const char *source, int64_t at,
		    int64_t failing_since, const char *error)
{
	store_stmt_t *st = store_stmt(s, &SQL_LIST_DATA);

	if (!st)
		return -1;
	store_bind_int64(st, 1, list_id);
	store_bind_text_or_null(st, 2, source);
	store_bind_int64(st, 3, source ? at : 0);
	store_bind_int64(st, 4, source ? failing_since : 0);
	store_bind_text_or_null(st, 5, source && error && *error ? error : NULL);
	return store_done(s, st);
}

int store_list_health(store_t *s, int64_t list_id, dnsbl_health_t health, const char *detail,
		      int64_t now)
{
	store_stmt_t *st = store_stmt(s, &SQL_HEALTH_GET);
	const char *name = dnsbl_health_name(health);
	char old[32] = "";
	int rc;

	if (!st)
		return -1;
	store_bind_int64(st, 1, list_id);
	rc = store_row(s, st);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		store_col_copy(st, 0, old, sizeof(old));
		store_reset(st);
	}
	if (!strcmp(old, name))
		return 0;
	if (!(st = store_stmt(s, &SQL_HEALTH_SET)))
		return -1;
	store_bind_int64(st, 1, list_id);
	store_bind_text(st, 2, name);
	store_bind_text_or_null(st, 3, detail);
	store_bind_int64(st, 4, now);
	if (store_done(s, st) < 0 || !(st = store_stmt(s, &SQL_HEALTH_ADD)))
		return -1;
	store_bind_int64(st, 1, list_id);
	store_bind_int64(st, 2, now);
	store_bind_text(st, 3, name);
	store_bind_text_or_null(st, 4, detail);
	if (store_done(s, st) < 0)
		return -1;
	return 1;
}

int64_t store_cycle_begin(store_t *s, int64_t now)
{
	store_stmt_t *st = store_stmt(s, &SQL_CYCLE_BEGIN);

	if (!st)
		return -1;
	store_bind_int64(st, 1, now);
	return store_insert_id(s, st);
}

int store_dns_errors_add(store_t *s, int64_t list_id, const char *reason, int64_t n)
{
	store_stmt_t *st = store_stmt(s, &SQL_DNS_ERRORS_ADD);

	if (!st)
		return -1;
	store_bind_int64(st, 1, list_id);
	store_bind_text(st, 2, reason);
	store_bind_int64(st, 3, n);
	return store_done(s, st);
}

int store_cycle_end(store_t *s, int64_t id, int64_t now, const store_cycle_t *c)
{
	store_stmt_t *st = store_stmt(s, &SQL_CYCLE_END);

	if (!st)
		return -1;
	store_bind_int64(st, 1, id);
	store_bind_int64(st, 2, now);
	store_bind_int64(st, 3, c->lists);
	store_bind_int64(st, 4, c->targets);
	store_bind_int64(st, 5, c->queries);
	store_bind_int64(st, 6, c->errors);
	store_bind_int64(st, 7, c->listed);
	store_bind_int64(st, 8, c->unknown);
	store_bind_int64(st, 9, c->answered);
	return store_done(s, st);
}

int store_outage_open_get(store_t *s, store_outage_t *out)
{
	store_stmt_t *st = store_stmt(s, &SQL_OUTAGE_GET);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	out->id = store_col_int64(st, 0);
	out->started = store_col_int64(st, 1);
	store_col_copy(st, 2, out->resolver, sizeof(out->resolver));
	store_col_copy(st, 3, out->reason, sizeof(out->reason));
	store_reset(st);
	return 1;
}

int64_t store_outage_open(store_t *s, int64_t started, const char *resolver, const char *reason)
{
	store_stmt_t *st = store_stmt(s, &SQL_OUTAGE_OPEN);

	if (!st)
		return -1;
	store_bind_int64(st, 1, started);
	store_bind_text(st, 2, resolver);
	store_bind_text(st, 3, reason);
	return store_insert_id(s, st);
}

int store_outage_close(store_t *s, int64_t now)
{
	store_stmt_t *st = store_stmt(s, &SQL_OUTAGE_CLOSE);

	if (!st)
		return -1;
	store_bind_int64(st, 1, now);
	return store_done(s, st);
}

int store_prune(store_t *s, int64_t before)
{
	store_stmt_t *st = store_stmt(s, &SQL_PRUNE_CYCLES);

	if (!st)
		return -1;
	store_bind_int64(st, 1, before);
	if (store_done(s, st) < 0 || !(st = store_stmt(s, &SQL_PRUNE_HEALTH)))
		return -1;
	store_bind_int64(st, 1, before);
	if (store_done(s, st) < 0)
		return -1;
	return store_budget_prune(s, before);
}
