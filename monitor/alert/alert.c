/* alert.c -- alerts: recorded changes become queued messages (table alerts), channels deliver them.
 * A message is queued before it is sent and marked only once accepted: outages delay, never lose. */
#include "monitor/alert/alert.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "lib/text.h"
#include "lib/timefmt.h"
#include "lib/xmalloc.h"
#include "monitor/alert/alert_channel.h"
#include "monitor/alert/alert_msg.h"
#include "lib/log.h"
#include "checks/reject_rules.h"

#define DELIVER_MAX 50        /* messages tried per call */
#define BACKOFF_FIRST 5       /* seconds before the first retry */
#define BACKOFF_MAX 3600
#define PRUNE_EVERY 3600
#define WINDOWS_MAX 100       /* batch windows closed per call */

static const alert_channel_t *const channels[] = {&alert_channel_email, &alert_channel_webhook};

enum {
	Q_KV_GET,
	Q_KV_SET,
	Q_MAX_EVENT,
	Q_MAX_HEALTH,
	Q_EVENTS,
	Q_PREV_DEF,
	Q_LISTED_SINCE,
	Q_BEFORE_WINDOW,
	Q_IN_WINDOW,
	Q_FLAP_GET,
	Q_FLAP_ADD,
	Q_FLAP_DEL,
	Q_FLAP_ALL,
	Q_TARGET,
	Q_LIST,
	Q_STATE,
	Q_TARGET_STATES,
	Q_ASN,
	Q_SUMMARY,
	Q_ACTIVE,
	Q_HEALTH_NEW,
	Q_HEALTH_PREV,
	Q_HEALTH_NOW,
	Q_ENQUEUE,
	Q_DUE,
	Q_DONE,
	Q_FAIL,
	Q_PRUNE,
	Q_INC_PENDING,
	Q_INC_NEW,
	Q_INC_DOMAINS,
	Q_INC_MARK_OPEN,
	Q_INC_MARK_CLOSE,
	Q_INC_LISTED,
	Q_INC_TARGET,
	Q_COUNT
};

static const char *const sqls[Q_COUNT] = {
	[Q_KV_GET] = "SELECT value FROM alert_state WHERE name = ?1",
	[Q_KV_SET] = "INSERT OR REPLACE INTO alert_state (name, value) VALUES (?1, ?2)",
	[Q_MAX_EVENT] = "SELECT ifnull(max(id), 0) FROM events",
	[Q_MAX_HEALTH] = "SELECT ifnull(max(id), 0) FROM list_health",
	[Q_EVENTS] = "SELECT e.id, e.at, e.target_id, e.list_id, e.\"to\", e.codes, e.txt, "
		     "ifnull(e.reason, ''), l.kind FROM events e JOIN lists l ON l.id = e.list_id "
		     "WHERE e.id > ?1 ORDER BY e.id",
	[Q_PREV_DEF] = "SELECT \"to\", codes FROM events WHERE target_id = ?1 AND list_id = ?2 "
		       "AND id < ?3 AND \"to\" != 'unknown' ORDER BY id DESC LIMIT 1",
	[Q_LISTED_SINCE] =
		"SELECT ifnull(min(at), 0) FROM events WHERE target_id = ?1 AND list_id = ?2 AND "
		"id < ?3 AND \"to\" = 'listed' AND id > ifnull((SELECT max(id) FROM events WHERE "
		"target_id = ?1 AND list_id = ?2 AND id < ?3 AND \"to\" = 'clean'), 0)",
	[Q_BEFORE_WINDOW] = "SELECT \"to\", codes FROM events WHERE target_id = ?1 AND list_id = ?2 "
			    "AND at <= ?3 AND \"to\" != 'unknown' ORDER BY id DESC LIMIT 1",
	[Q_IN_WINDOW] = "SELECT \"to\", codes FROM events WHERE target_id = ?1 AND list_id = ?2 AND "
			"at > ?3 AND id <= ?4 AND \"to\" != 'unknown' ORDER BY id",
	[Q_FLAP_GET] = "SELECT since FROM alert_flapping WHERE target_id = ?1 AND list_id = ?2",
	[Q_FLAP_ADD] = "INSERT OR REPLACE INTO alert_flapping (target_id, list_id, since) "
		       "VALUES (?1, ?2, ?3)",
	[Q_FLAP_DEL] = "DELETE FROM alert_flapping WHERE target_id = ?1 AND list_id = ?2",
	[Q_FLAP_ALL] = "SELECT f.target_id, f.list_id, ifnull((SELECT max(at) FROM events e WHERE "
		       "e.target_id = f.target_id AND e.list_id = f.list_id AND e.\"to\" != "
		       "'unknown'), f.since) FROM alert_flapping f",
	[Q_TARGET] = "SELECT target, type, ifnull(discovered_from, '') FROM targets WHERE id = ?1",
	[Q_LIST] = "SELECT zone, name, kind, scope FROM lists WHERE id = ?1",
	[Q_STATE] = "SELECT status, since, codes, txt, ifnull(reason, '') FROM state "
		    "WHERE target_id = ?1 AND list_id = ?2",
	[Q_TARGET_STATES] = "SELECT l.zone, l.name, s.status FROM state s JOIN lists l ON "
			    "l.id = s.list_id WHERE s.target_id = ?1 AND l.kind = 'block' "
			    "ORDER BY l.name",
	[Q_ASN] = "SELECT ifnull(asn, -1), ifnull(prefix, ''), ifnull(country, ''), "
		  "ifnull(name, '') FROM asn WHERE target_id = ?1",
	[Q_SUMMARY] = "SELECT s.target_id, s.list_id, s.status, s.since, s.codes, s.txt, "
		      "ifnull(s.reason, ''), l.zone FROM state s JOIN targets t ON t.id = s.target_id "
		      "JOIN lists l ON l.id = s.list_id WHERE t.active = 1 AND l.kind = 'block' "
		      "ORDER BY t.target, l.name",
	[Q_ACTIVE] = "SELECT count(*) FROM targets WHERE active = 1",
	[Q_HEALTH_NEW] = "SELECT id, list_id, at, health, ifnull(detail, '') FROM list_health "
			 "WHERE id > ?1 ORDER BY id",
	[Q_HEALTH_PREV] = "SELECT health FROM list_health WHERE list_id = ?1 AND id < ?2 "
			  "ORDER BY id DESC LIMIT 1",
	[Q_HEALTH_NOW] = "SELECT id, health, ifnull(health_detail, ''), ifnull(health_since, 0), "
			 "zone FROM lists WHERE health IN ('dead', 'wildcard', 'refused', 'unreachable')",
	[Q_ENQUEUE] = "INSERT INTO alerts (created, channel, destination, subject, payload, "
		      "next_attempt) VALUES (?1, ?2, ?3, ?4, ?5, ?1)",
	[Q_DUE] = "SELECT id, channel, destination, subject, payload, attempts, created FROM alerts "
		  "WHERE delivered IS NULL AND gave_up IS NULL AND next_attempt <= ?1 AND id > ?2 "
		  "ORDER BY id LIMIT 1",
	[Q_DONE] = "UPDATE alerts SET delivered = ?2, last_attempt = ?2, attempts = attempts + 1 "
		   "WHERE id = ?1",
	[Q_FAIL] = "UPDATE alerts SET attempts = attempts + 1, last_attempt = ?2, last_error = ?3, "
		   "next_attempt = ?4, gave_up = ?5 WHERE id = ?1",
	[Q_PRUNE] = "DELETE FROM alerts WHERE ifnull(delivered, gave_up) < ?1",
	[Q_INC_PENDING] = "SELECT count(*) FROM incidents WHERE alerted_open IS NULL OR "
			  "(closed IS NOT NULL AND alerted_close IS NULL)",
	[Q_INC_NEW] = "SELECT id, provider, opened, ifnull(closed, 0), kind, code, meaning, "
		      "ifnull(sending_ip, ''), removal, advice, sample, rejections, "
		      "alerted_open IS NULL FROM incidents WHERE alerted_open IS NULL OR "
		      "(closed IS NOT NULL AND alerted_close IS NULL) ORDER BY id LIMIT 20",
	[Q_INC_DOMAINS] = "SELECT domain FROM incident_domains WHERE incident_id = ?1 "
			  "ORDER BY rejections DESC, domain LIMIT 30",
	[Q_INC_MARK_OPEN] = "UPDATE incidents SET alerted_open = ?2 WHERE id = ?1",
	[Q_INC_MARK_CLOSE] = "UPDATE incidents SET alerted_close = ?2 WHERE id = ?1",
	[Q_INC_LISTED] = "SELECT t.target, l.zone, l.name, l.scope, s.since, ifnull(a.asn, -1), "
			 "ifnull(a.name, ''), ifnull(a.prefix, '') FROM state s "
			 "JOIN targets t ON t.id = s.target_id JOIN lists l ON l.id = s.list_id "
			 "LEFT JOIN asn a ON a.target_id = t.id WHERE s.status = 'listed' AND "
			 "l.kind = 'block' AND t.active = 1 AND (?1 = '' OR t.target = ?1) "
			 "ORDER BY t.target, l.name LIMIT 50",
	[Q_INC_TARGET] = "SELECT count(*) FROM targets WHERE target = ?1 AND active = 1",
};

struct alert {
	sqlite3 *db;
	sqlite3_stmt *st[Q_COUNT];
	const config_t *cfg;
	volatile sig_atomic_t *stop;
	int64_t pruned;
	bool failed; /* a statement failed in the current production */
};

/* ---- statements ---- */

static sqlite3_stmt *q(alert_t *a, int which)
{
	sqlite3_stmt *st = a->st[which];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Steps st: true for a row; a failure is remembered and logged once. */
static bool row(alert_t *a, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return true;
	if (rc != SQLITE_DONE) {
		if (!a->failed)
			log_error("alerts: database %s: %s", a->cfg->database, sqlite3_errmsg(a->db));
		a->failed = true;
	}
	return false;
}

static void done(alert_t *a, sqlite3_stmt *st)
{
	row(a, st);
	sqlite3_reset(st);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static void col_copy(sqlite3_stmt *st, int i, char *dst, size_t len)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	snprintf(dst, len, "%s", v ? (const char *)v : "");
}

static int64_t scalar(alert_t *a, int which)
{
	sqlite3_stmt *st = q(a, which);
	int64_t v = row(a, st) ? sqlite3_column_int64(st, 0) : 0;

	sqlite3_reset(st);
	return v;
}

/* 1 found, 0 absent. */
static int kv_get(alert_t *a, const char *name, int64_t *v)
{
	sqlite3_stmt *st = q(a, Q_KV_GET);
	int found;

	bind_text(st, 1, name);
	found = row(a, st);
	*v = found ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return found;
}

static void kv_set(alert_t *a, const char *name, int64_t v)
{
	sqlite3_stmt *st = q(a, Q_KV_SET);

	bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, v);
	done(a, st);
}

static bool exec(alert_t *a, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(a->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return true;
	log_error("alerts: database %s: %s: %s", a->cfg->database, sql, msg ? msg : "");
	sqlite3_free(msg);
	return false;
}

/* ---- lifecycle ---- */

alert_t *alert_new(const config_t *c, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	alert_t *a = xcalloc(1, sizeof(*a));

	a->cfg = c;
	a->stop = stop;
	if (sqlite3_open_v2(c->database, &a->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", c->database,
			 a->db ? sqlite3_errmsg(a->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(a->db, 5000);
	for (int i = 0; i < Q_COUNT; i++)
		if (sqlite3_prepare_v3(a->db, sqls[i], -1, SQLITE_PREPARE_PERSISTENT, &a->st[i],
				       NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: alerts: %s", c->database, sqlite3_errmsg(a->db));
			goto fail;
		}
	return a;
fail:
	alert_free(a);
	return NULL;
}

void alert_free(alert_t *a)
{
	if (!a)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(a->st[i]);
	sqlite3_close(a->db);
	free(a);
}

void alert_set_config(alert_t *a, const config_t *c)
{
	a->cfg = c;
}

unsigned alert_backoff(unsigned attempts)
{
	unsigned s = BACKOFF_FIRST;

	for (unsigned i = 1; i < attempts && s < BACKOFF_MAX; i++)
		s *= 2;
	return s < BACKOFF_MAX ? s : BACKOFF_MAX;
}

/* ---- what the config says about a list ---- */

static const catalog_list_t *config_list(const config_t *c, const char *zone)
{
	const catalog_list_t *l = catalog_find(c->catalog, zone);
	return l && l->enabled && l->zone ? l : NULL;
}

static bool in_use(const config_t *c, const char *zone)
{
	return config_list(c, zone) ||
	       (c->drop_enabled &&
		(!strcmp(zone, "drop.spamhaus.org") || !strcmp(zone, "asn-drop.spamhaus.org")));
}

static unsigned lists_in_use(const config_t *c)
{
	unsigned n = c->drop_enabled ? 2 : 0;

	for (size_t i = 0; i < c->catalog->n; i++)
		n += c->catalog->lists[i].enabled && c->catalog->lists[i].zone;
	return n;
}

/* ---- gathering an item's facts ---- */

static void fill_list(alert_t *a, alert_item_t *it, int64_t lid)
{
	sqlite3_stmt *st = q(a, Q_LIST);

	sqlite3_bind_int64(st, 1, lid);
	if (row(a, st)) {
		col_copy(st, 0, it->zone, sizeof(it->zone));
		col_copy(st, 1, it->list_name, sizeof(it->list_name));
		col_copy(st, 2, it->list_kind, sizeof(it->list_kind));
		col_copy(st, 3, it->scope, sizeof(it->scope));
	}
	sqlite3_reset(st);
	it->list = config_list(a->cfg, it->zone);
	/* a keyed zone holds its access key: never put it in a message */
	if (it->list && it->list->key)
		snprintf(it->zone, sizeof(it->zone), "%s", it->list->zone_tmpl);
}

static void fill_target(alert_t *a, alert_item_t *it, int64_t tid)
{
	sqlite3_stmt *st = q(a, Q_TARGET);
	size_t o = 0;

	sqlite3_bind_int64(st, 1, tid);
	if (row(a, st)) {
		col_copy(st, 0, it->target, sizeof(it->target));
		col_copy(st, 1, it->target_type, sizeof(it->target_type));
		col_copy(st, 2, it->discovered_from, sizeof(it->discovered_from));
	}
	sqlite3_reset(st);
	st = q(a, Q_ASN);
	sqlite3_bind_int64(st, 1, tid);
	if (row(a, st)) {
		it->have_asn = true;
		it->asn = sqlite3_column_int64(st, 0);
		col_copy(st, 1, it->prefix, sizeof(it->prefix));
		col_copy(st, 2, it->country, sizeof(it->country));
		col_copy(st, 3, it->as_name, sizeof(it->as_name));
	}
	sqlite3_reset(st);
	/* the target's overall state now, over the block lists in use */
	st = q(a, Q_TARGET_STATES);
	sqlite3_bind_int64(st, 1, tid);
	while (row(a, st)) {
		const char *zone = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *status = (const char *)sqlite3_column_text(st, 2);
		if (!zone || !name || !status || !in_use(a->cfg, zone))
			continue;
		it->n_block++;
		if (!strcmp(status, "listed")) {
			it->n_listed++;
			if (o < sizeof(it->listed_on))
				o += (size_t)snprintf(it->listed_on + o, sizeof(it->listed_on) - o, "%s%s",
						      o ? ", " : "", name);
		} else if (!strcmp(status, "unknown")) {
			it->n_unknown++;
		}
	}
	sqlite3_reset(st);
	snprintf(it->overall, sizeof(it->overall), "%s",
		 it->n_listed ? "listed" : it->n_unknown || !it->n_block ? "unknown" : "clean");
}

/* ---- messages ---- */

/* A new item slot, or NULL when the message already details enough (the
 * item is then only counted). */
static alert_item_t *msg_add(alert_msg_t *m, size_t *cap, alert_item_kind_t kind)
{
	alert_item_t *it;

	m->total++;
	m->total_listed += kind == ALERT_ITEM_LISTED || kind == ALERT_ITEM_EXISTING;
	m->total_delisted += kind == ALERT_ITEM_DELISTED;
	if (m->n >= ALERT_MSG_MAX_ITEMS)
		return NULL;
	xgrow((void **)&m->items, cap, m->n + 1, sizeof(*m->items));
	it = &m->items[m->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	return it;
}

static void token(char *buf, size_t len, int64_t now, int64_t seq)
{
	unsigned char r[8];

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		unsigned v = (unsigned)now ^ (unsigned)getpid() ^ (unsigned)clock();
		memcpy(r, &v, sizeof(v));
		memcpy(r + 4, &seq, 4);
	}
	snprintf(buf, len, "blmon.%lld.%lld.%02x%02x%02x%02x%02x%02x%02x%02x", (long long)now,
		 (long long)seq, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
}

static void enqueue_one(alert_t *a, int64_t now, const char *channel, const char *dest,
			const char *subject, const char *payload)
{
	sqlite3_stmt *st = q(a, Q_ENQUEUE);

	sqlite3_bind_int64(st, 1, now);
	bind_text(st, 2, channel);
	bind_text(st, 3, dest);
	bind_text(st, 4, subject);
	bind_text(st, 5, payload);
	done(a, st);
}

/* Queues m once per channel destination. Returns rows queued. */
static int enqueue(alert_t *a, alert_msg_t *m, int64_t now)
{
	const config_t *c = a->cfg;
	char subject[700];
	int n = 0;

	m->created = now;
	alert_msg_subject(m, subject, sizeof(subject));
	if (c->smtp && c->from && c->nto) {
		char tok[96], *mail, *dest = alert_email_destination(c);
		token(tok, sizeof(tok), now, scalar(a, Q_MAX_EVENT));
		mail = alert_msg_email(m, c, tok);
		enqueue_one(a, now, "email", dest, subject, mail);
		free(mail);
		free(dest);
		n++;
	}
	if (c->nwebhooks) {
		char *json = alert_msg_json(m);
		for (size_t i = 0; i < c->nwebhooks; i++, n++)
			enqueue_one(a, now, "webhook", c->webhooks[i].value, subject, json);
		free(json);
	}
	if (n)
		log_info("alert queued for %d destination%s: %s", n, n == 1 ? "" : "s", subject);
	return n;
}

/* ---- first run: one summary of what is already listed ---- */

static int first_run(alert_t *a, int64_t now)
{
	alert_msg_t m = {.kind = ALERT_MSG_SUMMARY};
	alert_msg_t h = {.kind = ALERT_MSG_HEALTH};
	size_t cap = 0, hcap = 0;
	sqlite3_stmt *st = q(a, Q_SUMMARY);
	int queued = 0;

	m.ntargets = (unsigned)scalar(a, Q_ACTIVE);
	m.nlists = lists_in_use(a->cfg);
	while (row(a, st)) {
		const char *status = (const char *)sqlite3_column_text(st, 2);
		const char *zone = (const char *)sqlite3_column_text(st, 7);
		alert_item_t *it;

		if (!status || !zone || !in_use(a->cfg, zone))
			continue;
		if (!strcmp(status, "unknown"))
			m.nunknown++;
		if (strcmp(status, "listed") || !(it = msg_add(&m, &cap, ALERT_ITEM_EXISTING)))
			continue;
		it->since = it->at = sqlite3_column_int64(st, 3);
		snprintf(it->to, sizeof(it->to), "listed");
		col_copy(st, 4, it->codes, sizeof(it->codes));
		col_copy(st, 5, it->txt, sizeof(it->txt));
		col_copy(st, 6, it->reason, sizeof(it->reason));
		fill_list(a, it, sqlite3_column_int64(st, 1));
		fill_target(a, it, sqlite3_column_int64(st, 0));
	}
	sqlite3_reset(st);
	if (m.total)
		queued += enqueue(a, &m, now);
	/* lists already unhealthy at the start are reported once too */
	st = q(a, Q_HEALTH_NOW);
	while (row(a, st)) {
		const char *zone = (const char *)sqlite3_column_text(st, 4);
		alert_item_t *it;

		if (!zone || !in_use(a->cfg, zone) || !(it = msg_add(&h, &hcap, ALERT_ITEM_LIST_PROBLEM)))
			continue;
		col_copy(st, 1, it->health, sizeof(it->health));
		col_copy(st, 2, it->detail, sizeof(it->detail));
		it->at = sqlite3_column_int64(st, 3);
		fill_list(a, it, sqlite3_column_int64(st, 0));
	}
	sqlite3_reset(st);
	if (h.total)
		queued += enqueue(a, &h, now);
	free(m.items);
	free(h.items);
	return queued;
}

/* ---- list health ---- */

static bool health_problem(const char *h)
{
	return !strcmp(h, "dead") || !strcmp(h, "wildcard") || !strcmp(h, "refused") ||
	       !strcmp(h, "unreachable");
}

static int health_phase(alert_t *a, int64_t now, int64_t *last)
{
	alert_msg_t m = {.kind = ALERT_MSG_HEALTH};
	size_t cap = 0;
	sqlite3_stmt *st = q(a, Q_HEALTH_NEW);
	int queued = 0;

	sqlite3_bind_int64(st, 1, *last);
	while (row(a, st)) {
		int64_t id = sqlite3_column_int64(st, 0), lid = sqlite3_column_int64(st, 1);
		char health[16], prev[16] = "";
		sqlite3_stmt *p = q(a, Q_HEALTH_PREV);
		alert_item_t *it;
		bool problem;

		*last = id;
		col_copy(st, 3, health, sizeof(health));
		sqlite3_bind_int64(p, 1, lid);
		sqlite3_bind_int64(p, 2, id);
		if (row(a, p))
			col_copy(p, 0, prev, sizeof(prev));
		sqlite3_reset(p);
		problem = health_problem(health);
		if (!(problem && strcmp(prev, health)) && !(!strcmp(health, "ok") && health_problem(prev)))
			continue;
		it = msg_add(&m, &cap, problem ? ALERT_ITEM_LIST_PROBLEM : ALERT_ITEM_LIST_OK);
		if (!it)
			continue;
		it->at = sqlite3_column_int64(st, 2);
		snprintf(it->health, sizeof(it->health), "%s", health);
		snprintf(it->prev_health, sizeof(it->prev_health), "%s", prev);
		col_copy(st, 4, it->detail, sizeof(it->detail));
		fill_list(a, it, lid);
	}
	sqlite3_reset(st);
	if (m.total)
		queued = enqueue(a, &m, now);
	free(m.items);
	return queued;
}

/* ---- changes ---- */

typedef struct {
	int64_t id, at, tid, lid;
	char to[8], codes[ALERT_CODES_MAX], txt[STORE_TXT_MAX], reason[STORE_REASON_MAX], kind[8];
} event_t;

/* Do two definite states differ (listings also by their codes)? */
static bool differs(const char *s1, const char *c1, const char *s2, const char *c2)
{
	return strcmp(s1, s2) || (!strcmp(s1, "listed") && strcmp(c1, c2));
}

/* What e means for a person; false when it is not worth an alert (allow and
 * info lists, unknown, a return to the state before an unknown spell, a
 * clean first observation). prev gets the previous definite status and codes. */
static bool classify(alert_t *a, const event_t *e, alert_item_kind_t *kind, char *prev,
		     char *prev_codes)
{
	sqlite3_stmt *st;
	bool have;

	prev[0] = prev_codes[0] = '\0';
	if (strcmp(e->kind, "block") || !strcmp(e->to, "unknown"))
		return false;
	st = q(a, Q_PREV_DEF);
	sqlite3_bind_int64(st, 1, e->tid);
	sqlite3_bind_int64(st, 2, e->lid);
	sqlite3_bind_int64(st, 3, e->id);
	have = row(a, st);
	if (have) {
		col_copy(st, 0, prev, 8);
		col_copy(st, 1, prev_codes, ALERT_CODES_MAX);
	}
	sqlite3_reset(st);
	if (!have) {
		*kind = ALERT_ITEM_LISTED;
		return !strcmp(e->to, "listed");
	}
	if (!differs(prev, prev_codes, e->to, e->codes))
		return false;
	if (!strcmp(prev, e->to))
		*kind = ALERT_ITEM_CHANGED;
	else
		*kind = !strcmp(e->to, "listed") ? ALERT_ITEM_LISTED : ALERT_ITEM_DELISTED;
	return true;
}

/* Changes of (tid, lid) within the flap window that ends with event e. */
static unsigned flap_changes(alert_t *a, const event_t *e, unsigned window)
{
	char cur[8] = "", curc[ALERT_CODES_MAX] = "";
	sqlite3_stmt *st = q(a, Q_BEFORE_WINDOW);
	unsigned n = 0;

	sqlite3_bind_int64(st, 1, e->tid);
	sqlite3_bind_int64(st, 2, e->lid);
	sqlite3_bind_int64(st, 3, e->at - window);
	if (row(a, st)) {
		col_copy(st, 0, cur, sizeof(cur));
		col_copy(st, 1, curc, sizeof(curc));
	}
	sqlite3_reset(st);
	st = q(a, Q_IN_WINDOW);
	sqlite3_bind_int64(st, 1, e->tid);
	sqlite3_bind_int64(st, 2, e->lid);
	sqlite3_bind_int64(st, 3, e->at - window);
	sqlite3_bind_int64(st, 4, e->id);
	while (row(a, st)) {
		char s[8], c[ALERT_CODES_MAX];
		col_copy(st, 0, s, sizeof(s));
		col_copy(st, 1, c, sizeof(c));
		if (cur[0] && differs(cur, curc, s, c))
			n++;
		snprintf(cur, sizeof(cur), "%s", s);
		snprintf(curc, sizeof(curc), "%s", c);
	}
	sqlite3_reset(st);
	return n;
}

static bool flapping(alert_t *a, int64_t tid, int64_t lid)
{
	sqlite3_stmt *st = q(a, Q_FLAP_GET);
	bool yes;

	sqlite3_bind_int64(st, 1, tid);
	sqlite3_bind_int64(st, 2, lid);
	yes = row(a, st);
	sqlite3_reset(st);
	return yes;
}

static void flap_set(alert_t *a, int which, int64_t tid, int64_t lid, int64_t now)
{
	sqlite3_stmt *st = q(a, which);

	sqlite3_bind_int64(st, 1, tid);
	sqlite3_bind_int64(st, 2, lid);
	if (which == Q_FLAP_ADD)
		sqlite3_bind_int64(st, 3, now);
	done(a, st);
}

/* The current state of (tid, lid) into it (for settled items). */
static void fill_state(alert_t *a, alert_item_t *it, int64_t tid, int64_t lid)
{
	sqlite3_stmt *st = q(a, Q_STATE);

	sqlite3_bind_int64(st, 1, tid);
	sqlite3_bind_int64(st, 2, lid);
	if (row(a, st)) {
		col_copy(st, 0, it->to, sizeof(it->to));
		it->since = sqlite3_column_int64(st, 1);
		col_copy(st, 2, it->codes, sizeof(it->codes));
		col_copy(st, 3, it->txt, sizeof(it->txt));
		col_copy(st, 4, it->reason, sizeof(it->reason));
	}
	sqlite3_reset(st);
}

/* Flapping pairs quiet for a whole flap window settle: one message each. */
static void settle(alert_t *a, int64_t now, alert_msg_t *m, size_t *cap)
{
	sqlite3_stmt *st = q(a, Q_FLAP_ALL);
	int64_t (*pairs)[2] = NULL;
	size_t n = 0, pcap = 0;
	unsigned w = a->cfg->flap_window_s;

	while (row(a, st))
		if (now - sqlite3_column_int64(st, 2) >= (int64_t)w) {
			xgrow((void **)&pairs, &pcap, n + 1, sizeof(*pairs));
			pairs[n][0] = sqlite3_column_int64(st, 0);
			pairs[n++][1] = sqlite3_column_int64(st, 1);
		}
	sqlite3_reset(st);
	for (size_t i = 0; i < n; i++) {
		alert_item_t *it = msg_add(m, cap, ALERT_ITEM_SETTLED);
		flap_set(a, Q_FLAP_DEL, pairs[i][0], pairs[i][1], now);
		if (!it)
			continue;
		it->at = now;
		it->window_s = w;
		fill_state(a, it, pairs[i][0], pairs[i][1]);
		fill_list(a, it, pairs[i][1]);
		fill_target(a, it, pairs[i][0]);
	}
	free(pairs);
}

static void read_event(sqlite3_stmt *st, event_t *e)
{
	e->id = sqlite3_column_int64(st, 0);
	e->at = sqlite3_column_int64(st, 1);
	e->tid = sqlite3_column_int64(st, 2);
	e->lid = sqlite3_column_int64(st, 3);
	col_copy(st, 4, e->to, sizeof(e->to));
	col_copy(st, 5, e->codes, sizeof(e->codes));
	col_copy(st, 6, e->txt, sizeof(e->txt));
	col_copy(st, 7, e->reason, sizeof(e->reason));
	col_copy(st, 8, e->kind, sizeof(e->kind));
}

/* One batch window: the events from the first one worth an alert up to
 * `batch` seconds later, once that window has closed. Advances *last past
 * what it consumed; *closed tells whether a window was consumed. */
static int window_phase(alert_t *a, int64_t now, int64_t *last, bool *closed, alert_msg_t *m,
			size_t *cap)
{
	const config_t *c = a->cfg;
	sqlite3_stmt *st = q(a, Q_EVENTS);
	event_t *e = xmalloc(sizeof(*e));
	bool open = false;
	int64_t end = 0;

	*closed = false;
	sqlite3_bind_int64(st, 1, *last);
	while (row(a, st)) {
		alert_item_kind_t kind = ALERT_ITEM_LISTED;
		char prev[8], prev_codes[ALERT_CODES_MAX];
		alert_item_t *it;
		unsigned changes;
		bool worth;

		read_event(st, e);
		worth = classify(a, e, &kind, prev, prev_codes);
		if (!open) {
			if (!worth) {
				*last = e->id;
				continue;
			}
			open = true;
			end = e->at + c->alert_batch_s;
			if (now < end)
				break; /* the window is still open: wait for more */
		}
		if (e->at > end)
			break; /* the next window */
		*last = e->id;
		*closed = true;
		if (!worth)
			continue;
		if (flapping(a, e->tid, e->lid))
			continue; /* quiet until it settles */
		changes = c->flap_limit ? flap_changes(a, e, c->flap_window_s) : 0;
		if (c->flap_limit && changes >= c->flap_limit) {
			flap_set(a, Q_FLAP_ADD, e->tid, e->lid, now);
			kind = ALERT_ITEM_FLAPPING;
		}
		if (!(it = msg_add(m, cap, kind)))
			continue;
		if (kind == ALERT_ITEM_FLAPPING) {
			it->changes = changes;
			it->window_s = c->flap_window_s;
		}
		it->at = it->since = e->at;
		snprintf(it->from, sizeof(it->from), "%s", prev);
		snprintf(it->to, sizeof(it->to), "%s", e->to);
		snprintf(it->codes, sizeof(it->codes), "%s", e->codes);
		snprintf(it->prev_codes, sizeof(it->prev_codes), "%s", prev_codes);
		snprintf(it->txt, sizeof(it->txt), "%s", e->txt);
		snprintf(it->reason, sizeof(it->reason), "%s", e->reason);
		if (kind == ALERT_ITEM_DELISTED) {
			sqlite3_stmt *s2 = q(a, Q_LISTED_SINCE);
			sqlite3_bind_int64(s2, 1, e->tid);
			sqlite3_bind_int64(s2, 2, e->lid);
			sqlite3_bind_int64(s2, 3, e->id);
			if (row(a, s2))
				it->prev_since = sqlite3_column_int64(s2, 0);
			sqlite3_reset(s2);
		}
		fill_list(a, it, e->lid);
		fill_target(a, it, e->tid);
	}
	sqlite3_reset(st);
	free(e);
	return 0;
}

static int changes_phase(alert_t *a, int64_t now, int64_t *last)
{
	int queued = 0;

	for (int w = 0; w < WINDOWS_MAX && !a->failed; w++) {
		alert_msg_t m = {.kind = ALERT_MSG_CHANGES};
		size_t cap = 0;
		bool closed;

		if (w == 0)
			settle(a, now, &m, &cap);
		window_phase(a, now, last, &closed, &m, &cap);
		if (m.total)
			queued += enqueue(a, &m, now);
		free(m.items);
		if (!closed)
			break;
	}
	return queued;
}

/* ---- provider incidents (from the mail log: incident.c) ---- */

/* Where the sending IP (or, when the reply did not name it, any monitored
 * address) is listed now, for people: the admin's first question. */
static void incident_dnsbl(alert_t *a, const char *ip, char *buf, size_t len)
{
	sqlite3_stmt *st = q(a, Q_INC_LISTED);
	size_t o = 0;
	unsigned n = 0;

	buf[0] = '\0';
	bind_text(st, 1, ip);
	while (row(a, st) && o < len) {
		const char *target = (const char *)sqlite3_column_text(st, 0);
		const char *zone = (const char *)sqlite3_column_text(st, 1);
		const char *name = (const char *)sqlite3_column_text(st, 2);
		const char *scope = (const char *)sqlite3_column_text(st, 3);
		const char *asname = (const char *)sqlite3_column_text(st, 6);
		const char *prefix = (const char *)sqlite3_column_text(st, 7);
		int64_t since = sqlite3_column_int64(st, 4), asn = sqlite3_column_int64(st, 5);
		char day[TIMEFMT_MAX], who[300];

		if (!target || !zone || !name || !scope || !in_use(a->cfg, zone))
			continue;
		timefmt_day(since, day);
		if (!strcmp(scope, "asn") && asn >= 0)
			snprintf(who, sizeof(who), "your provider AS%lld%s%s%s", (long long)asn,
				 asname && *asname ? " (" : "", asname ? asname : "",
				 asname && *asname ? ")" : "");
		else if (!strcmp(scope, "network") && prefix && *prefix)
			snprintf(who, sizeof(who), "your network %s", prefix);
		else
			snprintf(who, sizeof(who), "%s", target);
		o += (size_t)snprintf(buf + o, len - o, "%s%s lists %s since %s", n ? "; " : "", name,
				      who, day);
		n++;
	}
	sqlite3_reset(st);
	if (n)
		return;
	if (*ip) {
		int64_t known;
		st = q(a, Q_INC_TARGET);
		bind_text(st, 1, ip);
		known = row(a, st) ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		if (known)
			snprintf(buf, len, "%s is on none of the %u block lists blmon checks: this block "
				 "is the provider's own", ip, lists_in_use(a->cfg));
		else
			snprintf(buf, len, "%s is not among blmon's targets: add it to [targets] to see "
				 "its DNSBL listings", ip);
	} else {
		snprintf(buf, len, "none of blmon's targets is listed on the %u block lists it checks",
			 lists_in_use(a->cfg));
	}
}

static void incident_fill(alert_t *a, sqlite3_stmt *st, alert_item_t *it)
{
	sqlite3_stmt *d;
	char raw[256];
	size_t o = 0;

	it->incident_id = sqlite3_column_int64(st, 0);
	col_copy(st, 1, raw, sizeof(raw));
	text_escape_term(raw, it->provider, sizeof(it->provider));
	text_escape_term(reject_provider_name(raw), it->provider_name, sizeof(it->provider_name));
	it->at = sqlite3_column_int64(st, 2);
	it->closed = sqlite3_column_int64(st, 3);
	col_copy(st, 4, it->rkind, sizeof(it->rkind));
	col_copy(st, 5, raw, sizeof(raw));
	text_escape_term(raw, it->rcode, sizeof(it->rcode));
	col_copy(st, 6, it->meaning, sizeof(it->meaning));
	col_copy(st, 7, it->sending_ip, sizeof(it->sending_ip));
	col_copy(st, 8, it->removal, sizeof(it->removal));
	col_copy(st, 9, it->advice, sizeof(it->advice));
	col_copy(st, 10, it->sample, sizeof(it->sample));
	it->rejections = (unsigned)sqlite3_column_int64(st, 11);
	it->window_s = a->cfg->lw_window_s;
	d = q(a, Q_INC_DOMAINS);
	sqlite3_bind_int64(d, 1, it->incident_id);
	while (row(a, d) && o + 1 < sizeof(it->domains)) {
		char dom[256];
		col_copy(d, 0, raw, sizeof(raw));
		text_escape_term(raw, dom, sizeof(dom));
		if (o + strlen(dom) + 8 >= sizeof(it->domains)) {
			o += (size_t)snprintf(it->domains + o, sizeof(it->domains) - o, ", ...");
			break;
		}
		o += (size_t)snprintf(it->domains + o, sizeof(it->domains) - o, "%s%s", o ? ", " : "",
				      dom);
	}
	sqlite3_reset(d);
	incident_dnsbl(a, it->sending_ip, it->dnsbl, sizeof(it->dnsbl));
}

/* Each incident is alerted once when it opens and once when it closes. */
static int incident_phase(alert_t *a, int64_t now)
{
	sqlite3_stmt *st = q(a, Q_INC_NEW);
	alert_msg_t *msgs = NULL;
	size_t n = 0, cap = 0;
	int queued = 0;

	while (row(a, st)) {
		bool opening = sqlite3_column_int(st, 12);
		for (int pass = 0; pass < 2; pass++) {
			alert_msg_t *m;
			size_t icap = 0;
			alert_item_t *it;
			if (pass == 0 && !opening)
				continue;
			if (pass == 1 && !sqlite3_column_int64(st, 3))
				continue;
			xgrow((void **)&msgs, &cap, n + 1, sizeof(*msgs));
			m = &msgs[n++];
			memset(m, 0, sizeof(*m));
			m->kind = ALERT_MSG_INCIDENT;
			it = msg_add(m, &icap, pass ? ALERT_ITEM_INCIDENT_CLOSED : ALERT_ITEM_INCIDENT_OPEN);
			incident_fill(a, st, it);
		}
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < n; i++) {
		alert_item_t *it = &msgs[i].items[0];
		sqlite3_stmt *mk = q(a, it->kind == ALERT_ITEM_INCIDENT_OPEN ? Q_INC_MARK_OPEN
									: Q_INC_MARK_CLOSE);
		queued += enqueue(a, &msgs[i], now);
		sqlite3_bind_int64(mk, 1, it->incident_id);
		sqlite3_bind_int64(mk, 2, now);
		done(a, mk);
		free(msgs[i].items);
	}
	free(msgs);
	return queued;
}

int alert_produce(alert_t *a, int64_t now, bool after_cycle)
{
	int64_t last_event = 0, last_health = 0;
	bool have;
	int queued = 0;

	a->failed = false;
	have = kv_get(a, "last_event", &last_event) == 1;
	kv_get(a, "last_health", &last_health);
	if (a->failed)
		return -1;
	if (!have && !after_cycle)
		return 0; /* the first run waits for a whole cycle's state */
	/* nothing new and nobody flapping: no write transaction at all */
	if (have && scalar(a, Q_MAX_EVENT) <= last_event && scalar(a, Q_MAX_HEALTH) <= last_health &&
	    !scalar(a, Q_INC_PENDING)) {
		bool flaps = row(a, q(a, Q_FLAP_ALL));
		sqlite3_reset(a->st[Q_FLAP_ALL]);
		if (!flaps)
			return a->failed ? -1 : 0;
	}
	if (!exec(a, "BEGIN IMMEDIATE"))
		return -1;
	if (!have) {
		queued = first_run(a, now);
		kv_set(a, "last_event", scalar(a, Q_MAX_EVENT));
		kv_set(a, "last_health", scalar(a, Q_MAX_HEALTH));
	} else {
		queued += health_phase(a, now, &last_health);
		queued += changes_phase(a, now, &last_event);
		queued += incident_phase(a, now);
		kv_set(a, "last_event", last_event);
		kv_set(a, "last_health", last_health);
	}
	if (a->failed) {
		exec(a, "ROLLBACK");
		return -1;
	}
	if (!exec(a, "COMMIT")) {
		exec(a, "ROLLBACK");
		return -1;
	}
	return queued;
}

/* ---- delivery ---- */

static const alert_channel_t *channel(const char *name)
{
	for (size_t i = 0; i < sizeof(channels) / sizeof(channels[0]); i++)
		if (!strcmp(channels[i]->name, name))
			return channels[i];
	return NULL;
}

static void mark_failed(alert_t *a, int64_t id, int64_t now, const char *error, int64_t next,
			bool give_up)
{
	sqlite3_stmt *st = q(a, Q_FAIL);

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	bind_text(st, 3, error);
	sqlite3_bind_int64(st, 4, next);
	if (give_up)
		sqlite3_bind_int64(st, 5, now);
	else
		sqlite3_bind_null(st, 5);
	done(a, st);
}

int alert_deliver(alert_t *a, int64_t now)
{
	const config_t *c = a->cfg;
	char (*failed)[512] = NULL; /* destinations that failed in this call */
	size_t nfailed = 0, capfailed = 0;
	int64_t after = 0;
	int delivered = 0;

	a->failed = false;
	for (int i = 0; i < DELIVER_MAX && !(a->stop && *a->stop); i++) {
		sqlite3_stmt *st = q(a, Q_DUE);
		char chname[16], dest[512], shown[600], subject[700], err[1024] = "";
		char *payload;
		int64_t id, created;
		unsigned attempts;
		const alert_channel_t *ch;
		bool skip = false;

		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, after);
		if (!row(a, st)) {
			sqlite3_reset(st);
			break;
		}
		id = after = sqlite3_column_int64(st, 0);
		col_copy(st, 1, chname, sizeof(chname));
		col_copy(st, 2, dest, sizeof(dest));
		col_copy(st, 3, subject, sizeof(subject));
		payload = xstrdup((const char *)sqlite3_column_text(st, 4));
		attempts = (unsigned)sqlite3_column_int64(st, 5);
		created = sqlite3_column_int64(st, 6);
		sqlite3_reset(st);
		alert_dest_shown(dest, shown, sizeof(shown));
		for (size_t k = 0; k < nfailed && !skip; k++)
			skip = !strcmp(failed[k], dest);
		ch = channel(chname);
		if (skip) {
			/* its server just failed: wait for this row's own next attempt */
		} else if (!ch || !ch->configured(c, dest)) {
			snprintf(err, sizeof(err), "%s to %s is no longer configured", chname, shown);
			mark_failed(a, id, now, err, now, true);
			log_error("alert %lld given up: %s: %s", (long long)id, err, subject);
		} else if (ch->send(c, dest, payload, a->stop, err, sizeof(err)) == 0) {
			sqlite3_stmt *d = q(a, Q_DONE);
			sqlite3_bind_int64(d, 1, id);
			sqlite3_bind_int64(d, 2, now);
			done(a, d);
			delivered++;
			log_info("alert %lld delivered by %s to %s: %s", (long long)id, chname, shown,
				 subject);
		} else if (a->stop && *a->stop) {
			/* interrupted by a stop: not an attempt; the next start sends it */
		} else {
			int64_t deadline = created + (int64_t)c->alert_give_up_s;
			int64_t next = now + alert_backoff(attempts + 1);
			bool give_up = now >= deadline;
			char age[32];

			if (next > deadline)
				next = deadline; /* one last try right at the deadline */
			mark_failed(a, id, now, err, next, give_up);
			snprintf(age, sizeof(age), "%llds", (long long)(now - created));
			if (give_up)
				log_error("alert %lld given up after %u attempts over %s ([alerts] give_up): "
					  "%s to %s: %s: %s", (long long)id, attempts + 1, age, chname, shown,
					  err, subject);
			else
				log_warn("alert %lld not delivered (attempt %u): %s; next try in %llds",
					 (long long)id, attempts + 1, err, (long long)(next - now));
			xgrow((void **)&failed, &capfailed, nfailed + 1, sizeof(*failed));
			snprintf(failed[nfailed++], sizeof(*failed), "%s", dest);
		}
		free(payload);
	}
	free(failed);
	return a->failed ? -1 : delivered;
}

/* ---- the scheduler's hooks ---- */

static void prune(alert_t *a, int64_t now)
{
	sqlite3_stmt *st;

	if (now - a->pruned < PRUNE_EVERY)
		return;
	a->pruned = now;
	st = q(a, Q_PRUNE);
	sqlite3_bind_int64(st, 1, now - (int64_t)a->cfg->retention_s);
	done(a, st);
}

void alert_cycle_done(alert_t *a, int64_t now)
{
	alert_produce(a, now, true);
	alert_deliver(a, now);
	prune(a, now);
}

void alert_idle(alert_t *a, int64_t now)
{
	alert_produce(a, now, false);
	alert_deliver(a, now);
}
