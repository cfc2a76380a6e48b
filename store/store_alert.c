/* store_alert.c -- the alert room's reads and writes: position, typed events, flapping, the queue.
 * The alert producer runs on the scheduler's connection, inside one transaction per production. */
#include "store/store_alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "store/store_int.h"

/* ---- statements ---- */

#define STR_(x) #x
#define STR(x) STR_(x) /* a limit of store_alert.h spelled into the SQL text */

static const store_sql_t SQL_KV_GET = STORE_SQL("SELECT value FROM alert_state WHERE name = ?1");
static const store_sql_t SQL_KV_SET =
	STORE_SQL("INSERT INTO alert_state (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET "
	"value = excluded.value");
static const store_sql_t SQL_HEADS = STORE_SQL("SELECT (SELECT coalesce(max(id), 0) FROM events), "
				"(SELECT coalesce(max(id), 0) FROM list_health)");
static const store_sql_t SQL_WORK = STORE_SQL(
	"SELECT EXISTS (SELECT 1 FROM events WHERE id > ?1) OR "
	"EXISTS (SELECT 1 FROM list_health WHERE id > ?2) OR "
	"EXISTS (SELECT 1 FROM incidents WHERE alerted_open IS NULL OR "
	"(closed IS NOT NULL AND alerted_close IS NULL)) OR EXISTS (SELECT 1 FROM alert_flapping) OR "
	"EXISTS (SELECT 1 FROM resolver_outages WHERE alerted_open IS NULL OR "
	"(ended IS NOT NULL AND alerted_close IS NULL))");
static const store_sql_t SQL_OUTAGES = STORE_SQL(
	"SELECT id, started, coalesce(ended, 0), resolver, reason, alerted_open IS NULL "
	"FROM resolver_outages WHERE alerted_open IS NULL OR (ended IS NOT NULL AND "
	"alerted_close IS NULL) ORDER BY id LIMIT 20");
static const store_sql_t SQL_OUTAGE_OPENED =
	STORE_SQL("UPDATE resolver_outages SET alerted_open = ?2 WHERE id = ?1");
static const store_sql_t SQL_OUTAGE_CLOSED = STORE_SQL(
	"UPDATE resolver_outages SET alerted_close = ?2 WHERE id = ?1");
static const store_sql_t SQL_EVENTS = STORE_SQL(
	"SELECT e.id, e.at, e.target_id, e.list_id, e.\"from\", e.\"to\", e.codes, e.txt, e.reason, "
	"l.kind FROM events e JOIN lists l ON l.id = e.list_id WHERE e.id > ?1 ORDER BY e.id");
static const store_sql_t SQL_DEF_BEFORE = STORE_SQL(
	"SELECT \"to\", codes FROM events WHERE target_id = ?1 AND list_id = ?2 AND id < ?3 AND "
	"\"to\" != 'unknown' ORDER BY id DESC LIMIT 1");
static const store_sql_t SQL_DEF_AT = STORE_SQL(
	"SELECT \"to\", codes FROM events WHERE target_id = ?1 AND list_id = ?2 AND at <= ?3 AND "
	"\"to\" != 'unknown' ORDER BY id DESC LIMIT 1");
static const store_sql_t SQL_DEFS_BETWEEN = STORE_SQL(
	"SELECT \"to\", codes FROM events WHERE target_id = ?1 AND list_id = ?2 AND at > ?3 AND "
	"id <= ?4 AND \"to\" != 'unknown' ORDER BY id");
static const store_sql_t SQL_LISTED_SINCE = STORE_SQL(
	"SELECT coalesce(min(at), 0) FROM events WHERE target_id = ?1 AND list_id = ?2 AND id < ?3 AND "
	"\"to\" = 'listed' AND id > coalesce((SELECT max(id) FROM events WHERE target_id = ?1 AND "
	"list_id = ?2 AND id < ?3 AND \"to\" = 'clean'), 0)");
static const store_sql_t SQL_TARGET_GET = STORE_SQL(
	"SELECT id, target, type, coalesce(discovered_from, ''), active FROM targets WHERE id = ?1");
static const store_sql_t SQL_LIST_GET =
	STORE_SQL("SELECT " STORE_LIST_COLS " FROM lists WHERE id = ?1");
static const store_sql_t SQL_TARGET_BLOCKS = STORE_SQL(
	"SELECT l.zone, l.name, s.status FROM state s JOIN lists l ON l.id = s.list_id "
	"WHERE s.target_id = ?1 AND l.kind = 'block' ORDER BY l.name");
static const store_sql_t SQL_STATES = STORE_SQL(
	"SELECT s.target_id, s.list_id, s.status, s.since, s.codes, s.txt, s.reason, l.zone, "
	STORE_CHECKED_AT("l.swept_at") " FROM state s JOIN targets t ON t.id = s.target_id "
	"JOIN lists l ON l.id = s.list_id "
	"WHERE t.active = 1 AND l.kind = 'block' ORDER BY t.target, l.name");
static const store_sql_t SQL_ACTIVE = STORE_SQL("SELECT count(*) FROM targets WHERE active = 1");
static const store_sql_t SQL_FLAP_GET = STORE_SQL(
	"SELECT since FROM alert_flapping WHERE target_id = ?1 AND list_id = ?2");
static const store_sql_t SQL_FLAP_ADD = STORE_SQL(
	"INSERT INTO alert_flapping (target_id, list_id, since) VALUES (?1, ?2, ?3) "
	"ON CONFLICT (target_id, list_id) DO UPDATE SET since = excluded.since");
static const store_sql_t SQL_FLAP_DEL =
	STORE_SQL("DELETE FROM alert_flapping WHERE target_id = ?1 AND list_id = ?2");
static const store_sql_t SQL_FLAPS = STORE_SQL(
	"SELECT f.target_id, f.list_id, coalesce((SELECT max(at) FROM events e WHERE "
	"e.target_id = f.target_id AND e.list_id = f.list_id AND e.\"to\" != 'unknown'), f.since) "
	"FROM alert_flapping f");
static const store_sql_t SQL_HEALTH_AFTER = STORE_SQL(
	"SELECT id, list_id, at, health, coalesce(detail, '') FROM list_health WHERE id > ?1 "
	"ORDER BY id");
static const store_sql_t SQL_HEALTH_PREV = STORE_SQL(
	"SELECT health FROM list_health WHERE list_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT 1");
static const store_sql_t SQL_LISTS_UNHEALTHY = STORE_SQL(
	"SELECT " STORE_LIST_COLS " FROM lists "
	"WHERE health IN ('dead', 'wildcard', 'refused', 'unreachable') ORDER BY id");
static const store_sql_t SQL_INCIDENTS = STORE_SQL(
	"SELECT id, provider, opened, coalesce(closed, 0), kind, code, meaning, "
	"coalesce(sending_ip, ''), removal, advice, sample, rejections, alerted_open IS NULL, "
	"closed IS NOT NULL AND alerted_close IS NULL FROM incidents WHERE alerted_open IS NULL OR "
	"(closed IS NOT NULL AND alerted_close IS NULL) ORDER BY id "
	"LIMIT " STR(STORE_ALERT_INCIDENTS_MAX));
static const store_sql_t SQL_INCIDENT_DOMAINS = STORE_SQL(
	"SELECT domain FROM incident_domains WHERE incident_id = ?1 "
	"ORDER BY rejections DESC, domain LIMIT " STR(STORE_ALERT_DOMAINS_MAX));
static const store_sql_t SQL_INCIDENT_OPENED =
	STORE_SQL("UPDATE incidents SET alerted_open = ?2 WHERE id = ?1");
static const store_sql_t SQL_INCIDENT_CLOSED =
	STORE_SQL("UPDATE incidents SET alerted_close = ?2 WHERE id = ?1");
static const store_sql_t SQL_INCIDENT_TOLD = STORE_SQL(
	"UPDATE incidents SET context = ?2, removal = ?3, advice = ?4 WHERE id = ?1");
static const store_sql_t SQL_LISTINGS = STORE_SQL(
	"SELECT t.target, l.zone, l.name, l.scope, s.since, coalesce(a.asn, -1), coalesce(a.name, ''), "
	"coalesce(a.prefix, ''), s.codes, s.txt FROM state s JOIN targets t ON t.id = s.target_id "
	"JOIN lists l ON l.id = s.list_id LEFT JOIN asn a ON a.target_id = t.id "
	"WHERE s.status = 'listed' AND l.kind = 'block' AND t.active = 1 AND "
	"(?1 = '' OR t.target = ?1) ORDER BY t.target, l.name LIMIT " STR(STORE_ALERT_LISTINGS_MAX));
static const store_sql_t SQL_TARGET_ACTIVE = STORE_SQL(
	"SELECT count(*) FROM targets WHERE target = ?1 AND active = 1");
static const store_sql_t SQL_STATE_OF = STORE_SQL(
	"SELECT s.status, " STORE_CHECKED_AT("l.swept_at") " FROM state s "
	"JOIN targets t ON t.id = s.target_id JOIN lists l ON l.id = s.list_id "
	"WHERE t.target = ?1 AND t.active = 1 AND l.zone = ?2");
static const store_sql_t SQL_ENQUEUE = STORE_SQL(
	"INSERT INTO alerts (created, channel, destination, subject, payload, next_attempt) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?1) RETURNING id");
static const store_sql_t SQL_DUE = STORE_SQL(
	"SELECT id, channel, destination, subject, payload, attempts, created FROM alerts "
	"WHERE delivered IS NULL AND gave_up IS NULL AND next_attempt <= ?1 AND id > ?2 "
	"ORDER BY id LIMIT 1");
static const store_sql_t SQL_DONE = STORE_SQL(
	"UPDATE alerts SET delivered = ?2, last_attempt = ?2, attempts = attempts + 1 WHERE id = ?1");
/* a failed attempt ends its claim: the next one is due at next_attempt, on any node */
static const store_sql_t SQL_FAILED = STORE_SQL(
	"UPDATE alerts SET attempts = attempts + 1, last_attempt = ?2, last_error = ?3, "
	"next_attempt = ?4, gave_up = ?5, claimed_until = 0 WHERE id = ?1");
/* the first due row no other node has claimed, claimed in the same statement (committed at
 * once, outside any transaction): a row another node is claiming is skipped, not waited for */
#define CLAIM_DUE                                                                          \
	"SELECT id FROM alerts WHERE delivered IS NULL AND gave_up IS NULL AND "           \
	"next_attempt <= ?1 AND id > ?2 AND claimed_until <= ?1 ORDER BY id LIMIT 1"
#define CLAIM_SET "UPDATE alerts SET claimed_by = ?3, claimed_until = ?4 WHERE id = "
#define CLAIM_RETURNING " RETURNING id, channel, destination, subject, payload, attempts, created"
static const store_sql_t SQL_CLAIM = STORE_SQL2(
	CLAIM_SET "(" CLAIM_DUE ")" CLAIM_RETURNING,
	CLAIM_SET "(" CLAIM_DUE " FOR UPDATE SKIP LOCKED)" CLAIM_RETURNING);
static const store_sql_t SQL_PRUNE =
	STORE_SQL("DELETE FROM alerts WHERE coalesce(delivered, gave_up) < ?1");
/* the failed attempts per channel: a counter in alert_state that pruning never lowers */
static const store_sql_t SQL_FAILURE_COUNT = STORE_SQL(
	"INSERT INTO alert_state (name, value) SELECT 'delivery_failures.' || channel, 1 "
	"FROM alerts WHERE id = ?1 ON CONFLICT (name) DO UPDATE SET value = alert_state.value + 1");
static const store_sql_t SQL_QUEUE_STATS = STORE_SQL(
	"SELECT channel, sum(CASE WHEN delivered IS NULL AND gave_up IS NULL THEN 1 ELSE 0 END), "
	"min(CASE WHEN delivered IS NULL AND gave_up IS NULL THEN created END), "
	"sum(CASE WHEN gave_up IS NOT NULL THEN 1 ELSE 0 END) FROM alerts GROUP BY channel");
static const store_sql_t SQL_QUEUE_FAILING = STORE_SQL(
	"SELECT last_error, last_attempt FROM alerts WHERE channel = ?1 AND delivered IS NULL "
	"AND gave_up IS NULL AND last_error IS NOT NULL ORDER BY last_attempt DESC, id DESC LIMIT 1");
static const store_sql_t SQL_FAILURES_GET = STORE_SQL(
	"SELECT value FROM alert_state WHERE name = 'delivery_failures.' || ?1");

/* ---- reading columns ---- */

/* A status column; an unreadable one counts as unknown (never alerted on). */
static status_t col_status(store_stmt_t *st, int i)
{
	status_t s;

	return status_parse(store_col_str(st, i), &s) == 0 ? s : STATUS_UNKNOWN;
}

/* A health column; an unreadable one counts as untested (neither a problem nor ok). */
static dnsbl_health_t col_health(store_stmt_t *st, int i)
{
	dnsbl_health_t h;

	return dnsbl_health_parse(store_col_str(st, i), &h) == 0 ? h : HEALTH_UNTESTED;
}

static void col_def(store_stmt_t *st, int status, int codes, store_alert_def_t *out)
{
	out->status = col_status(st, status);
	out->ncodes = (uint8_t)store_codes_decode(store_col_str(st, codes), out->codes,
						  RESULT_MAX_CODES);
}

static void col_list(store_stmt_t *st, store_list_t *out)
{
	store_list_cols(st, 0, out);
}

/* Grows *arr by one zeroed element of size elem; returns it. */
/* The single integer a statement yields, or -1. */
static int64_t one_int(store_t *s, store_stmt_t *st)
{
	int64_t v;
	int rc = store_row(s, st);

	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	v = store_col_int64(st, 0);
	store_reset(st);
	return v;
}

/* ---- the producer's position ---- */

int store_alert_kv_get(store_t *s, const char *name, int64_t *v)
{
	store_stmt_t *st = store_stmt(s, &SQL_KV_GET);
	int rc;

	*v = 0;
	if (!st)
		return -1;
	store_bind_text(st, 1, name);
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	*v = store_col_int64(st, 0);
	store_reset(st);
	return 1;
}

int store_alert_kv_set(store_t *s, const char *name, int64_t v)
{
	store_stmt_t *st = store_stmt(s, &SQL_KV_SET);

	if (!st)
		return -1;
	store_bind_text(st, 1, name);
	store_bind_int64(st, 2, v);
	return store_done(s, st);
}

int store_alert_heads(store_t *s, int64_t *last_event, int64_t *last_health)
{
	store_stmt_t *st = store_stmt(s, &SQL_HEADS);
	int rc;

	*last_event = *last_health = 0;
	if (!st)
		return -1;
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	*last_event = store_col_int64(st, 0);
	*last_health = store_col_int64(st, 1);
	store_reset(st);
	return 0;
}

int store_alert_work(store_t *s, int64_t last_event, int64_t last_health)
{
	store_stmt_t *st = store_stmt(s, &SQL_WORK);
	int64_t v;

	if (!st)
		return -1;
	store_bind_int64(st, 1, last_event);
	store_bind_int64(st, 2, last_health);
	v = one_int(s, st);
	return v < 0 ? -1 : v != 0;
}

/* ---- events and states ---- */

int store_alert_events_after(store_t *s, int64_t after, store_alert_event_fn fn, void *ud)
{
	store_stmt_t *st = store_stmt(s, &SQL_EVENTS);
	store_alert_event_t *e = xmalloc(sizeof(*e)); /* an answer is large for a stack */
	int rc;

	if (!st) {
		free(e);
		return -1;
	}
	store_bind_int64(st, 1, after);
	while ((rc = store_row(s, st)) > 0) {
		memset(e, 0, sizeof(*e));
		e->ev.id = store_col_int64(st, 0);
		e->ev.at = store_col_int64(st, 1);
		e->ev.target_id = store_col_int64(st, 2);
		e->ev.list_id = store_col_int64(st, 3);
		e->ev.first = store_col_null(st, 4);
		if (!e->ev.first)
			e->ev.from = col_status(st, 4);
		e->ev.to = col_status(st, 5);
		store_answer_cols(st, 6, 7, 8, &e->ev.ans);
		if (catalog_kind_parse(store_col_str(st, 9), &e->list_kind) < 0)
			e->list_kind = LIST_INFO;
		if (fn(ud, e)) {
			store_reset(st);
			rc = 0;
			break;
		}
	}
	free(e);
	return rc < 0 ? -1 : 0;
}

/* One definite event by the statement sql bound to (target, list, x). */
static int def_one(store_t *s, const store_sql_t *sql, int64_t target_id, int64_t list_id,
		   int64_t x, store_alert_def_t *out)
{
	store_stmt_t *st = store_stmt(s, sql);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	store_bind_int64(st, 1, target_id);
	store_bind_int64(st, 2, list_id);
	store_bind_int64(st, 3, x);
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	col_def(st, 0, 1, out);
	store_reset(st);
	return 1;
}

int store_alert_def_before(store_t *s, int64_t target_id, int64_t list_id, int64_t before,
			   store_alert_def_t *out)
{
	return def_one(s, &SQL_DEF_BEFORE, target_id, list_id, before, out);
}

int store_alert_def_at(store_t *s, int64_t target_id, int64_t list_id, int64_t at,
		       store_alert_def_t *out)
{
	return def_one(s, &SQL_DEF_AT, target_id, list_id, at, out);
}

int store_alert_defs_between(store_t *s, int64_t target_id, int64_t list_id, int64_t after,
			     int64_t upto, store_alert_def_t **out)
{
	store_stmt_t *st = store_stmt(s, &SQL_DEFS_BETWEEN);
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if (!st)
		return -1;
	store_bind_int64(st, 1, target_id);
	store_bind_int64(st, 2, list_id);
	store_bind_int64(st, 3, after);
	store_bind_int64(st, 4, upto);
	while ((rc = store_row(s, st)) > 0)
		col_def(st, 0, 1, xpush((void **)out, &cap, &n, sizeof(**out)));
	if (rc < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return (int)n;
}

int64_t store_alert_listed_since(store_t *s, int64_t target_id, int64_t list_id, int64_t before)
{
	store_stmt_t *st = store_stmt(s, &SQL_LISTED_SINCE);

	if (!st)
		return -1;
	store_bind_int64(st, 1, target_id);
	store_bind_int64(st, 2, list_id);
	store_bind_int64(st, 3, before);
	return one_int(s, st);
}

int store_alert_target_get(store_t *s, int64_t target_id, store_target_t *out)
{
	store_stmt_t *st = store_stmt(s, &SQL_TARGET_GET);
	const char *type;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	store_bind_int64(st, 1, target_id);
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	out->id = store_col_int64(st, 0);
	store_col_copy(st, 1, out->name, sizeof(out->name));
	type = store_col_str(st, 2);
	for (target_type_t t = TARGET_IPV4; t <= TARGET_DOMAIN; t++)
		if (type && !strcmp(type, target_type_name(t)))
			out->type = t;
	store_col_copy(st, 3, out->from, sizeof(out->from));
	out->active = store_col_int(st, 4) != 0;
	store_reset(st);
	return 1;
}

int store_alert_list_get(store_t *s, int64_t list_id, store_list_t *out)
{
	store_stmt_t *st = store_stmt(s, &SQL_LIST_GET);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	store_bind_int64(st, 1, list_id);
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	col_list(st, out);
	store_reset(st);
	return 1;
}

int store_alert_target_blocks(store_t *s, int64_t target_id, store_alert_block_t **out)
{
	store_stmt_t *st = store_stmt(s, &SQL_TARGET_BLOCKS);
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if (!st)
		return -1;
	store_bind_int64(st, 1, target_id);
	while ((rc = store_row(s, st)) > 0) {
		store_alert_block_t *b = xpush((void **)out, &cap, &n, sizeof(**out));
		store_col_copy(st, 0, b->zone, sizeof(b->zone));
		store_col_copy(st, 1, b->name, sizeof(b->name));
		b->status = col_status(st, 2);
	}
	if (rc < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return (int)n;
}

int store_alert_states(store_t *s, store_alert_state_fn fn, void *ud)
{
	store_stmt_t *st = store_stmt(s, &SQL_STATES);
	store_alert_state_t *r = xmalloc(sizeof(*r));
	int rc;

	if (!st) {
		free(r);
		return -1;
	}
	while ((rc = store_row(s, st)) > 0) {
		memset(r, 0, sizeof(*r));
		r->target_id = store_col_int64(st, 0);
		r->list_id = store_col_int64(st, 1);
		r->state.present = status_parse(store_col_str(st, 2), &r->state.status) == 0;
		if (!r->state.present)
			continue; /* the table's CHECK makes this impossible */
		r->state.since = store_col_int64(st, 3);
		store_answer_cols(st, 4, 5, 6, &r->state.ans);
		store_col_copy(st, 7, r->zone, sizeof(r->zone));
		r->state.checked_at = store_col_int64(st, 8);
		if (fn(ud, r)) {
			store_reset(st);
			rc = 0;
			break;
		}
	}
	free(r);
	return rc < 0 ? -1 : 0;
}

int64_t store_alert_active_targets(store_t *s)
{
	store_stmt_t *st = store_stmt(s, &SQL_ACTIVE);

	return st ? one_int(s, st) : -1;
}

/* ---- flapping pairs ---- */

/* Runs sql bound to (target, list[, now]) to completion (a text without ?3 ignores now). */
static int pair_do(store_t *s, const store_sql_t *sql, int64_t target_id, int64_t list_id,
		   int64_t now)
{
	store_stmt_t *st = store_stmt(s, sql);

	if (!st)
		return -1;
	store_bind_int64(st, 1, target_id);
	store_bind_int64(st, 2, list_id);
	store_bind_int64(st, 3, now);
	return store_done(s, st);
}

int store_alert_flap_get(store_t *s, int64_t target_id, int64_t list_id)
{
	store_stmt_t *st = store_stmt(s, &SQL_FLAP_GET);
	int rc;

	if (!st)
		return -1;
	store_bind_int64(st, 1, target_id);
	store_bind_int64(st, 2, list_id);
	rc = store_row(s, st);
	if (rc > 0)
		store_reset(st);
	return rc;
}

int store_alert_flap_add(store_t *s, int64_t target_id, int64_t list_id, int64_t now)
{
	return pair_do(s, &SQL_FLAP_ADD, target_id, list_id, now);
}

int store_alert_flap_del(store_t *s, int64_t target_id, int64_t list_id)
{
	return pair_do(s, &SQL_FLAP_DEL, target_id, list_id, 0);
}

int store_alert_flaps(store_t *s, store_alert_flap_t **out)
{
	store_stmt_t *st = store_stmt(s, &SQL_FLAPS);
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if (!st)
		return -1;
	while ((rc = store_row(s, st)) > 0) {
		store_alert_flap_t *f = xpush((void **)out, &cap, &n, sizeof(**out));
		f->target_id = store_col_int64(st, 0);
		f->list_id = store_col_int64(st, 1);
		f->last_change = store_col_int64(st, 2);
	}
	if (rc < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return (int)n;
}

/* ---- list health ---- */

/* The health of list_id before its row id into h: 1, 0 when none. */
static int health_prev(store_t *s, int64_t list_id, int64_t id, dnsbl_health_t *h)
{
	store_stmt_t *st = store_stmt(s, &SQL_HEALTH_PREV);
	int rc;

	if (!st)
		return -1;
	store_bind_int64(st, 1, list_id);
	store_bind_int64(st, 2, id);
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	*h = col_health(st, 0);
	store_reset(st);
	return 1;
}

int store_alert_health_after(store_t *s, int64_t after, store_alert_health_t **out)
{
	store_stmt_t *st = store_stmt(s, &SQL_HEALTH_AFTER);
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if (!st)
		return -1;
	store_bind_int64(st, 1, after);
	while ((rc = store_row(s, st)) > 0) {
		store_alert_health_t *h = xpush((void **)out, &cap, &n, sizeof(**out));
		h->id = store_col_int64(st, 0);
		h->list_id = store_col_int64(st, 1);
		h->at = store_col_int64(st, 2);
		h->health = col_health(st, 3);
		store_col_copy(st, 4, h->detail, sizeof(h->detail));
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		int found = health_prev(s, (*out)[i].list_id, (*out)[i].id, &(*out)[i].prev);
		if (found < 0)
			rc = -1;
		(*out)[i].have_prev = found > 0;
	}
	if (rc < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return (int)n;
}

int store_alert_lists_unhealthy(store_t *s, store_list_t **out)
{
	store_stmt_t *st = store_stmt(s, &SQL_LISTS_UNHEALTHY);
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if (!st)
		return -1;
	while ((rc = store_row(s, st)) > 0)
		col_list(st, xpush((void **)out, &cap, &n, sizeof(**out)));
	if (rc < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return (int)n;
}

/* ---- provider incidents ---- */

static int incident_domains(store_t *s, store_alert_incident_t *inc)
{
	store_stmt_t *st = store_stmt(s, &SQL_INCIDENT_DOMAINS);
	int rc;

	if (!st)
		return -1;
	store_bind_int64(st, 1, inc->id);
	while ((rc = store_row(s, st)) > 0 && inc->ndomains < STORE_ALERT_DOMAINS_MAX) {
		store_col_copy(st, 0, inc->domains[inc->ndomains], sizeof(inc->domains[0]));
		inc->ndomains++;
	}
	if (rc > 0)
		store_reset(st);
	return rc < 0 ? -1 : 0;
}

int store_alert_incidents(store_t *s, store_alert_incident_t **out)
{
	store_stmt_t *st = store_stmt(s, &SQL_INCIDENTS);
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if (!st)
		return -1;
	while ((rc = store_row(s, st)) > 0) {
		store_alert_incident_t *i = xpush((void **)out, &cap, &n, sizeof(**out));
		i->id = store_col_int64(st, 0);
		store_col_copy(st, 1, i->provider, sizeof(i->provider));
		i->opened = store_col_int64(st, 2);
		i->closed = store_col_int64(st, 3);
		store_col_copy(st, 4, i->kind, sizeof(i->kind));
		store_col_copy(st, 5, i->code, sizeof(i->code));
		store_col_copy(st, 6, i->meaning, sizeof(i->meaning));
		store_col_copy(st, 7, i->sending_ip, sizeof(i->sending_ip));
		store_col_copy(st, 8, i->removal, sizeof(i->removal));
		store_col_copy(st, 9, i->advice, sizeof(i->advice));
		store_col_copy(st, 10, i->sample, sizeof(i->sample));
		i->rejections = (unsigned)store_col_int64(st, 11);
		i->alert_open = store_col_int(st, 12) != 0;
		i->alert_close = store_col_int(st, 13) != 0;
	}
	for (size_t k = 0; rc == 0 && k < n; k++)
		rc = incident_domains(s, &(*out)[k]);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return (int)n;
}

int store_alert_incident_mark(store_t *s, int64_t id, bool closing, int64_t now)
{
	store_stmt_t *st = store_stmt(s, closing ? &SQL_INCIDENT_CLOSED : &SQL_INCIDENT_OPENED);

	if (!st)
		return -1;
	store_bind_int64(st, 1, id);
	store_bind_int64(st, 2, now);
	return store_done(s, st);
}

int store_alert_incident_told(store_t *s, int64_t id, const char *context, const char *removal,
			      const char *advice)
{
	store_stmt_t *st = store_stmt(s, &SQL_INCIDENT_TOLD);

	if (!st)
		return -1;
	store_bind_int64(st, 1, id);
	store_bind_text(st, 2, context);
	store_bind_text(st, 3, removal);
	store_bind_text(st, 4, advice);
	return store_done(s, st);
}

int store_alert_listings(store_t *s, const char *target, store_alert_listing_t **out)
{
	store_stmt_t *st = store_stmt(s, &SQL_LISTINGS);
	size_t n = 0, cap = 0;
	uint32_t codes[RESULT_MAX_CODES];
	char txt[STORE_TXT_MAX];
	int rc;

	*out = NULL;
	if (!st)
		return -1;
	store_bind_text(st, 1, target);
	while ((rc = store_row(s, st)) > 0) {
		store_alert_listing_t *l = xpush((void **)out, &cap, &n, sizeof(**out));
		store_col_copy(st, 0, l->target, sizeof(l->target));
		store_col_copy(st, 1, l->zone, sizeof(l->zone));
		store_col_copy(st, 2, l->name, sizeof(l->name));
		if (catalog_scope_parse(store_col_str(st, 3), &l->scope) < 0)
			l->scope = SCOPE_IP;
		l->since = store_col_int64(st, 4);
		l->asn = store_col_int64(st, 5);
		store_col_copy(st, 6, l->as_name, sizeof(l->as_name));
		store_col_copy(st, 7, l->prefix, sizeof(l->prefix));
		if (store_codes_decode(store_col_str(st, 8), codes, RESULT_MAX_CODES) > 0)
			l->code = codes[0];
		if (store_txt_decode(store_col_str(st, 9), txt, sizeof(txt)))
			snprintf(l->txt, sizeof(l->txt), "%s", txt);
	}
	if (rc < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return (int)n;
}

int store_alert_target_active(store_t *s, const char *target)
{
	store_stmt_t *st = store_stmt(s, &SQL_TARGET_ACTIVE);
	int64_t v;

	if (!st)
		return -1;
	store_bind_text(st, 1, target);
	v = one_int(s, st);
	return v < 0 ? -1 : v > 0;
}

/* ---- the queue ---- */

int64_t store_alert_enqueue(store_t *s, int64_t now, const char *channel, const char *destination,
			    const char *subject, const char *payload)
{
	store_stmt_t *st = store_stmt(s, &SQL_ENQUEUE);

	if (!st)
		return -1;
	store_bind_int64(st, 1, now);
	store_bind_text(st, 2, channel);
	store_bind_text(st, 3, destination);
	store_bind_text(st, 4, subject);
	store_bind_text(st, 5, payload);
	return store_insert_id(s, st);
}

/* The due row of SQL_DUE or SQL_CLAIM (by, until: the claim's ?3, ?4). */
static int due_row(store_t *s, const store_sql_t *sql, int64_t now, int64_t after, const char *by,
		   int64_t until, store_alert_queued_t *out)
{
	store_stmt_t *st = store_stmt(s, sql);
	const char *payload;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	store_bind_int64(st, 1, now);
	store_bind_int64(st, 2, after);
	if (by) {
		store_bind_text(st, 3, by);
		store_bind_int64(st, 4, until);
	}
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	out->id = store_col_int64(st, 0);
	store_col_copy(st, 1, out->channel, sizeof(out->channel));
	store_col_copy(st, 2, out->destination, sizeof(out->destination));
	store_col_copy(st, 3, out->subject, sizeof(out->subject));
	payload = store_col_str(st, 4);
	out->payload = xstrdup(payload ? payload : "");
	out->attempts = (unsigned)store_col_int64(st, 5);
	out->created = store_col_int64(st, 6);
	store_reset(st);
	return 1;
}

int store_alert_due(store_t *s, int64_t now, int64_t after, store_alert_queued_t *out)
{
	return due_row(s, &SQL_DUE, now, after, NULL, 0, out);
}

int store_alert_claim(store_t *s, const char *node, int64_t now, int64_t until, int64_t after,
		      store_alert_queued_t *out)
{
	return due_row(s, &SQL_CLAIM, now, after, node, until, out);
}

int store_alert_mark_done(store_t *s, int64_t id, int64_t now)
{
	store_stmt_t *st = store_stmt(s, &SQL_DONE);

	if (!st)
		return -1;
	store_bind_int64(st, 1, id);
	store_bind_int64(st, 2, now);
	return store_done(s, st);
}

int store_alert_mark_failed(store_t *s, int64_t id, int64_t now, const char *error, int64_t next,
			    bool give_up)
{
	store_stmt_t *st = store_stmt(s, &SQL_FAILED);

	if (!st)
		return -1;
	store_bind_int64(st, 1, id);
	store_bind_int64(st, 2, now);
	store_bind_text(st, 3, error);
	store_bind_int64(st, 4, next);
	if (give_up)
		store_bind_int64(st, 5, now);
	else
		store_bind_null(st, 5);
	if (store_done(s, st) < 0 || !(st = store_stmt(s, &SQL_FAILURE_COUNT)))
		return -1;
	store_bind_int64(st, 1, id);
	return store_done(s, st);
}

const char *store_alert_channel(size_t i)
{
	static const char *const names[STORE_ALERT_NCHANNELS] = {"email", "webhook"};

	return i < STORE_ALERT_NCHANNELS ? names[i] : NULL;
}

/* The channel's failing message and failed attempts into c. 0 or -1. */
static int queue_channel(store_t *s, const char *name, store_alert_channel_stats_t *c)
{
	store_stmt_t *st = store_stmt(s, &SQL_QUEUE_FAILING);
	int rc;

	if (!st)
		return -1;
	store_bind_text(st, 1, name);
	if ((rc = store_row(s, st)) < 0)
		return -1;
	if (rc) {
		store_col_copy(st, 0, c->last_error, sizeof(c->last_error));
		c->last_error_at = store_col_int64(st, 1);
		store_reset(st);
	}
	if (!(st = store_stmt(s, &SQL_FAILURES_GET)))
		return -1;
	store_bind_text(st, 1, name);
	if ((rc = store_row(s, st)) < 0)
		return -1;
	if (rc) {
		c->failures = store_col_int64(st, 0);
		store_reset(st);
	}
	return 0;
}

int store_alert_queue_stats(store_t *s, store_alert_queue_stats_t *out)
{
	store_stmt_t *st = store_stmt(s, &SQL_QUEUE_STATS);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	while ((rc = store_row(s, st)) == 1) {
		const char *ch = store_col_str(st, 0);
		int64_t oldest = store_col_int64(st, 2);
		for (size_t i = 0; ch && i < STORE_ALERT_NCHANNELS; i++) {
			if (strcmp(ch, store_alert_channel(i)))
				continue;
			out->channel[i].queued = store_col_int64(st, 1);
			out->channel[i].given_up = store_col_int64(st, 3);
			out->queued += out->channel[i].queued;
			if (out->channel[i].queued && (!out->oldest || oldest < out->oldest))
				out->oldest = oldest;
		}
	}
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < STORE_ALERT_NCHANNELS; i++)
		if (queue_channel(s, store_alert_channel(i), &out->channel[i]) < 0)
			return -1;
	return 0;
}

int store_alert_prune(store_t *s, int64_t before)
{
	store_stmt_t *st = store_stmt(s, &SQL_PRUNE);

	if (!st)
		return -1;
	store_bind_int64(st, 1, before);
	return store_done(s, st);
}

/* ---- the resolver's outages ---- */

int store_alert_outages(store_t *s, store_alert_outage_t **out)
{
	store_stmt_t *st = store_stmt(s, &SQL_OUTAGES);
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if (!st)
		return -1;
	while ((rc = store_row(s, st)) == 1) {
		store_alert_outage_t *o = xpush((void **)out, &cap, &n, sizeof(**out));
		o->id = store_col_int64(st, 0);
		o->started = store_col_int64(st, 1);
		o->ended = store_col_int64(st, 2);
		store_col_copy(st, 3, o->resolver, sizeof(o->resolver));
		store_col_copy(st, 4, o->reason, sizeof(o->reason));
		o->opening = store_col_int(st, 5) != 0;
	}
	if (rc < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return (int)n;
}

int store_alert_outage_mark(store_t *s, int64_t id, bool closing, int64_t now)
{
	store_stmt_t *st = store_stmt(s, closing ? &SQL_OUTAGE_CLOSED : &SQL_OUTAGE_OPENED);

	if (!st)
		return -1;
	store_bind_int64(st, 1, id);
	store_bind_int64(st, 2, now);
	return store_done(s, st);
}

int store_alert_state(store_t *s, const char *target, const char *zone, status_t *status,
		      int64_t *checked_at)
{
	store_stmt_t *st = store_stmt(s, &SQL_STATE_OF);
	int rc;

	*status = STATUS_UNCHECKED;
	*checked_at = 0;
	if (!st)
		return -1;
	store_bind_text(st, 1, target);
	store_bind_text(st, 2, zone);
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	*status = col_status(st, 0);
	*checked_at = store_col_int64(st, 1);
	store_reset(st);
	return 1;
}
