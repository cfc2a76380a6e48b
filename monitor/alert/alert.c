/* alert.c -- alerts: the scheduler's hooks, one production per call (first run, list health, changes).
 * A production reads what is new and queues its messages in one transaction with the new position. */
#include "monitor/alert/alert_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/xmalloc.h"

/* ---- lifecycle ---- */

alert_t *alert_new(const config_t *c, store_t *store, volatile sig_atomic_t *stop, char *err,
		   size_t errlen)
{
	alert_t *a;

	if (!store) {
		snprintf(err, errlen, "%s: alerts: no database connection", c->database);
		return NULL;
	}
	a = xcalloc(1, sizeof(*a));
	a->cfg = c;
	a->store = store;
	a->stop = stop;
	return a;
}

void alert_free(alert_t *a)
{
	free(a); /* the store is the caller's */
}

void alert_set_config(alert_t *a, const config_t *c)
{
	a->cfg = c;
}

int64_t alert_db(alert_t *a, int64_t rc)
{
	if (rc < 0) {
		if (!a->failed)
			log_error("alerts: database %s: %s", a->cfg->database, store_error(a->store));
		a->failed = true;
	}
	return rc;
}

/* ---- what the config says about a list ---- */

/* The config's list for a stored zone when it is checked now, else NULL. */
static const catalog_list_t *config_list(const config_t *c, const char *zone)
{
	const catalog_list_t *l = catalog_find(c->catalog, zone);
	return l && l->enabled && l->zone ? l : NULL;
}

bool alert_zone_in_use(const config_t *c, const char *zone)
{
	return config_list(c, zone) ||
	       (c->drop_enabled &&
		(!strcmp(zone, "drop.spamhaus.org") || !strcmp(zone, "asn-drop.spamhaus.org")));
}

unsigned alert_lists_in_use(const config_t *c)
{
	unsigned n = c->drop_enabled ? 2 : 0;

	for (size_t i = 0; i < c->catalog->n; i++)
		n += c->catalog->lists[i].enabled && c->catalog->lists[i].zone;
	return n;
}

/* ---- gathering an item's facts ---- */

alert_item_t *alert_item_add(alert_msg_t *m, size_t *cap, alert_item_kind_t kind)
{
	alert_item_t *it;

	m->total++;
	m->total_listed += kind == ALERT_ITEM_LISTED || kind == ALERT_ITEM_EXISTING;
	m->total_delisted += kind == ALERT_ITEM_DELISTED;
	if (m->n >= ALERT_MSG_MAX_ITEMS)
		return NULL;
	it = xpush((void **)&m->items, cap, &m->n, sizeof(*m->items));
	it->kind = kind;
	return it;
}

void alert_item_list(alert_t *a, alert_item_t *it, int64_t list_id)
{
	char shown[sizeof(it->list.zone)];

	alert_db(a, store_alert_list_get(a->store, list_id, &it->list));
	it->cat = config_list(a->cfg, it->list.zone);
	/* a keyed zone holds its access key: never put it in a message */
	snprintf(shown, sizeof(shown), "%s", catalog_zone_shown_in(a->cfg->catalog, it->list.zone));
	snprintf(it->list.zone, sizeof(it->list.zone), "%s", shown);
}

/* The target's status over the block lists in use, and the names of those listing it. */
static void item_tally(alert_t *a, alert_item_t *it, int64_t target_id)
{
	store_alert_block_t *b = NULL;
	int n = (int)alert_db(a, store_alert_target_blocks(a->store, target_id, &b));
	size_t o = 0;

	it->tally = RESULT_TALLY_INIT;
	for (int i = 0; i < n; i++) {
		if (!alert_zone_in_use(a->cfg, b[i].zone))
			continue;
		result_tally_add(&it->tally, LIST_BLOCK, b[i].status);
		if (b[i].status == STATUS_LISTED && o < sizeof(it->listed_on))
			o += (size_t)snprintf(it->listed_on + o, sizeof(it->listed_on) - o, "%s%s",
					      o ? ", " : "", b[i].name);
	}
	free(b);
}

void alert_item_target(alert_t *a, alert_item_t *it, int64_t target_id)
{
	alert_db(a, store_alert_target_get(a->store, target_id, &it->target));
	it->have_asn = alert_db(a, store_asn_get(a->store, target_id, &it->asn)) == 1;
	item_tally(a, it, target_id);
}

/* ---- a pair for problems and [ignore] rules ---- */

int alert_pair_load(alert_t *a, int64_t target_id, int64_t list_id, alert_pair_t *p)
{
	memset(p, 0, sizeof(*p));
	if (alert_db(a, store_alert_target_get(a->store, target_id, &p->row)) < 0 ||
	    alert_db(a, store_alert_list_get(a->store, list_id, &p->list)) < 0)
		return -1;
	p->cat = config_list(a->cfg, p->list.zone);
	if (p->row.type == TARGET_DOMAIN || target_parse_ip(p->row.name, &p->t) < 0) {
		memset(&p->t, 0, sizeof(p->t));
		p->t.type = TARGET_DOMAIN;
		snprintf(p->t.name, sizeof(p->t.name), "%s", p->row.name);
	}
	return 0;
}

bool alert_pair_ignored(alert_t *a, const alert_pair_t *p, const uint32_t *codes, uint8_t ncodes)
{
	store_answer_t *ans;
	result_t r;
	target_t t;
	bool ignored;

	if (!a->cfg->nignore || !p->cat)
		return false;
	ans = xcalloc(1, sizeof(*ans));
	ans->ncodes = ncodes;
	memcpy(ans->codes, codes, sizeof(ans->codes[0]) * ncodes);
	store_result(&r, p->cat, &p->list, STATUS_LISTED, ans);
	t = p->t;
	t.from = p->row.from[0] ? p->row.from : NULL; /* a rule may name the domain it came from */
	ignored = problem_rule_match(a->cfg->ignore, a->cfg->nignore, &r, &t) != NULL;
	free(ans);
	return ignored;
}

void alert_pair_fold_listing(alert_t *a, alert_msg_t *m, const alert_pair_t *p,
			     const store_answer_t *ans, int64_t since, bool stale)
{
	store_asn_t asn;
	bool have = false;
	result_t r;

	store_result(&r, p->cat, &p->list, STATUS_LISTED, ans);
	r.since = since;
	r.stale = stale;
	if (p->list.scope == SCOPE_NETWORK || p->list.scope == SCOPE_ASN)
		have = alert_db(a, store_asn_get(a->store, p->row.id, &asn)) == 1;
	alert_fold_listing(m->fold, &r, &p->t, have ? &asn : NULL);
}

void alert_pair_fold_change(alert_t *a, alert_msg_t *m, const alert_pair_t *p, alert_item_kind_t kind,
			    status_t to, int64_t at, const alert_item_t *it)
{
	alert_fold_group_t one;

	memset(&one, 0, sizeof(one));
	one.kind = kind;
	one.to = to;
	one.first_at = at;
	one.item = it ? (long)(it - m->items) : -1;
	snprintf(one.list, sizeof(one.list), "%s", p->list.name);
	snprintf(one.zone, sizeof(one.zone), "%s", catalog_zone_shown_in(a->cfg->catalog, p->list.zone));
	alert_fold_change(m->fold, &one, &p->t);
}

/* ---- first run: one summary of what is already listed ---- */

typedef struct {
	alert_t *a;
	int64_t now;
	alert_msg_t m;
	size_t cap;
} summary_t;

/* One block-list state of an active target: counted; when listed (and not
 * ignored on purpose), folded into its problem and detailed. */
static int summary_take(void *ud, const store_alert_state_t *row)
{
	summary_t *s = ud;
	const config_t *c = s->a->cfg;
	alert_pair_t *pair;
	alert_item_t *it;
	bool stale;

	if (!alert_zone_in_use(c, row->zone))
		return 0;
	if (row->state.status == STATUS_UNCHECKED)
		s->m.nunknown++; /* no real answer yet */
	if (row->state.status != STATUS_LISTED)
		return 0;
	pair = xmalloc(sizeof(*pair));
	if (alert_pair_load(s->a, row->target_id, row->list_id, pair) < 0) {
		free(pair);
		return 1;
	}
	if (alert_pair_ignored(s->a, pair, row->state.ans.codes, row->state.ans.ncodes)) {
		s->m.nignored++;
		free(pair);
		return 0;
	}
	stale = pair->cat && result_stale(row->state.checked_at, s->now,
					  config_list_interval(c, pair->cat), c->stale_grace_s);
	alert_pair_fold_listing(s->a, &s->m, pair, &row->state.ans, row->state.since, stale);
	free(pair);
	if (!(it = alert_item_add(&s->m, &s->cap, ALERT_ITEM_EXISTING)))
		return 0;
	it->since = it->at = row->state.since;
	it->to = STATUS_LISTED;
	it->ans = row->state.ans;
	alert_item_list(s->a, it, row->list_id);
	alert_item_target(s->a, it, row->target_id);
	return 0;
}

static int summary_produce(alert_t *a, int64_t now)
{
	summary_t s = {.a = a, .now = now, .m = {.kind = ALERT_MSG_SUMMARY}};
	int queued = 0;

	s.m.fold = alert_fold_new();
	s.m.ntargets = (unsigned)alert_db(a, store_alert_active_targets(a->store));
	s.m.nlists = alert_lists_in_use(a->cfg);
	alert_db(a, store_alert_states(a->store, summary_take, &s));
	if (s.m.total && !a->failed)
		queued = alert_queue_add(a, &s.m, now);
	free(s.m.items);
	alert_fold_free(s.m.fold);
	return queued;
}

/* Lists already unhealthy at the start are reported once too. */
static int unhealthy_produce(alert_t *a, int64_t now)
{
	alert_msg_t m = {.kind = ALERT_MSG_HEALTH};
	store_list_t *l = NULL;
	size_t cap = 0;
	int n = (int)alert_db(a, store_alert_lists_unhealthy(a->store, &l)), queued = 0;

	for (int i = 0; i < n; i++) {
		alert_item_t *it;
		if (!alert_zone_in_use(a->cfg, l[i].zone) ||
		    !(it = alert_item_add(&m, &cap, ALERT_ITEM_LIST_PROBLEM)))
			continue;
		it->health = l[i].health;
		snprintf(it->detail, sizeof(it->detail), "%s", l[i].detail);
		it->at = l[i].health_since;
		alert_item_list(a, it, l[i].id);
	}
	if (m.total)
		queued = alert_queue_add(a, &m, now);
	free(l);
	free(m.items);
	return queued;
}

/* ---- list health ---- */

static bool health_problem(dnsbl_health_t h)
{
	return h == HEALTH_DEAD || h == HEALTH_WILDCARD || h == HEALTH_REFUSED ||
	       h == HEALTH_UNREACHABLE;
}

/* A list that became a problem, or recovered from one, is worth a message. */
static bool health_worth(const store_alert_health_t *h)
{
	if (health_problem(h->health))
		return !h->have_prev || h->prev != h->health;
	return h->health == HEALTH_OK && h->have_prev && health_problem(h->prev);
}

/* The health changes after *last in one message; advances *last. */
static int health_produce(alert_t *a, int64_t now, int64_t *last)
{
	alert_msg_t m = {.kind = ALERT_MSG_HEALTH};
	store_alert_health_t *h = NULL;
	size_t cap = 0;
	int n = (int)alert_db(a, store_alert_health_after(a->store, *last, &h)), queued = 0;

	for (int i = 0; i < n; i++) {
		alert_item_t *it;
		*last = h[i].id;
		if (!health_worth(&h[i]) ||
		    !(it = alert_item_add(&m, &cap, health_problem(h[i].health)
							    ? ALERT_ITEM_LIST_PROBLEM
							    : ALERT_ITEM_LIST_OK)))
			continue;
		it->at = h[i].at;
		it->health = h[i].health;
		it->have_prev_health = h[i].have_prev;
		it->prev_health = h[i].prev;
		snprintf(it->detail, sizeof(it->detail), "%s", h[i].detail);
		alert_item_list(a, it, h[i].list_id);
	}
	if (m.total)
		queued = alert_queue_add(a, &m, now);
	free(h);
	free(m.items);
	return queued;
}

/* ---- one production ---- */

/* How far the alerts got: the last event and list-health row turned into messages. */
typedef struct {
	bool have; /* false before the first run */
	int64_t event, health;
} position_t;

static int position_load(alert_t *a, position_t *p)
{
	memset(p, 0, sizeof(*p));
	p->have = alert_db(a, store_alert_kv_get(a->store, "last_event", &p->event)) == 1;
	alert_db(a, store_alert_kv_get(a->store, "last_health", &p->health));
	return a->failed ? -1 : 0;
}

static void position_save(alert_t *a, const position_t *p)
{
	alert_db(a, store_alert_kv_set(a->store, "last_event", p->event));
	alert_db(a, store_alert_kv_set(a->store, "last_health", p->health));
}

/* The first run: what is listed and which lists are unhealthy now; the position
 * moves to the newest rows, which the summary covers. */
static int produce_first_run(alert_t *a, int64_t now, position_t *p)
{
	int queued = summary_produce(a, now);

	queued += unhealthy_produce(a, now);
	queued += alert_resolver_produce(a, now);
	alert_db(a, store_alert_heads(a->store, &p->event, &p->health));
	return queued;
}

static int produce_news(alert_t *a, int64_t now, position_t *p)
{
	int queued = health_produce(a, now, &p->health);

	queued += alert_changes_produce(a, now, &p->event);
	queued += alert_incident_produce(a, now);
	queued += alert_resolver_produce(a, now);
	return queued;
}

/* Commits the production, or rolls it back when a store call failed. */
static int production_end(alert_t *a, int queued)
{
	if (!a->failed && alert_db(a, store_commit(a->store)) == 0)
		return queued;
	store_rollback(a->store);
	return -1;
}

int alert_produce(alert_t *a, int64_t now, bool after_cycle)
{
	position_t p;
	int queued;

	a->failed = false;
	if (position_load(a, &p) < 0)
		return -1;
	if (!p.have && !after_cycle)
		return 0; /* the first run waits for a whole cycle's state */
	/* nothing new and nobody flapping: no write transaction at all */
	if (p.have && alert_db(a, store_alert_work(a->store, p.event, p.health)) <= 0)
		return a->failed ? -1 : 0;
	if (alert_db(a, store_begin(a->store)) < 0)
		return -1;
	queued = p.have ? produce_news(a, now, &p) : produce_first_run(a, now, &p);
	position_save(a, &p);
	return production_end(a, queued);
}

/* ---- the scheduler's hooks ---- */

void alert_cycle_done(alert_t *a, int64_t now, bool whole)
{
	alert_produce(a, now, whole);
	alert_deliver(a, now);
	alert_queue_prune(a, now);
}

void alert_idle(alert_t *a, int64_t now)
{
	alert_produce(a, now, false);
	alert_deliver(a, now);
}
