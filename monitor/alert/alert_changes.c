/* alert_changes.c -- confirmed changes become messages: batch windows, what is worth it, flapping.
 * A change is told once; a pair that changes too often is told once as flapping, then once settled. */
#include "monitor/alert/alert_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

#define WINDOWS_MAX 100 /* batch windows closed per call */

/* Do two definite states differ (listings also by their codes)? */
static bool differs(const store_alert_def_t *x, const store_alert_def_t *y)
{
	if (x->status != y->status)
		return true;
	return x->status == STATUS_LISTED &&
	       (x->ncodes != y->ncodes || memcmp(x->codes, y->codes, sizeof(x->codes[0]) * x->ncodes));
}

static void event_def(const store_event_t *e, store_alert_def_t *d)
{
	memset(d, 0, sizeof(*d));
	d->status = e->to;
	d->ncodes = e->ans.ncodes;
	memcpy(d->codes, e->ans.codes, sizeof(d->codes[0]) * e->ans.ncodes);
}

/* A change whose every listing, before and after, an [ignore] rule covers is
 * not told: its start, its end and its code changes alike. */
static bool ignored(alert_t *a, const store_event_t *ev, const store_alert_def_t *prev,
		    bool have_prev, const alert_pair_t *pair)
{
	bool now = ev->to == STATUS_LISTED, before = have_prev && prev->status == STATUS_LISTED;

	if (!now && !before)
		return false;
	if (now && !alert_pair_ignored(a, pair, ev->ans.codes, ev->ans.ncodes))
		return false;
	return !before || alert_pair_ignored(a, pair, prev->codes, prev->ncodes);
}

/* What e means for a person; false when it is not worth an alert (allow and
 * info lists, unknown, a return to the state before an unknown spell, a
 * clean first observation, a listing ignored on purpose). *prev gets the
 * previous definite state, if any; *pair the target and list of a worthy one. */
static bool classify(alert_t *a, const store_alert_event_t *e, alert_item_kind_t *kind,
		     store_alert_def_t *prev, bool *have_prev, alert_pair_t *pair)
{
	const store_event_t *ev = &e->ev;
	store_alert_def_t now;

	*have_prev = false;
	*kind = ALERT_ITEM_LISTED;
	if (e->list_kind != LIST_BLOCK || ev->to == STATUS_UNKNOWN)
		return false;
	*have_prev = alert_db(a, store_alert_def_before(a->store, ev->target_id, ev->list_id, ev->id,
							prev)) == 1;
	if (!*have_prev) {
		if (ev->to != STATUS_LISTED)
			return false;
	} else {
		event_def(ev, &now);
		if (!differs(prev, &now))
			return false;
		if (prev->status == ev->to)
			*kind = ALERT_ITEM_CHANGED;
		else
			*kind = ev->to == STATUS_LISTED ? ALERT_ITEM_LISTED : ALERT_ITEM_DELISTED;
	}
	if (alert_pair_load(a, ev->target_id, ev->list_id, pair) < 0)
		return false;
	return !ignored(a, ev, prev, *have_prev, pair);
}

/* ---- flapping ---- */

/* Changes of e's pair within the flap window that ends with e. */
static unsigned flap_changes(alert_t *a, const store_event_t *e, unsigned window)
{
	store_alert_def_t cur, *defs = NULL;
	bool have;
	unsigned n = 0;
	int nd;

	have = alert_db(a, store_alert_def_at(a->store, e->target_id, e->list_id, e->at - window,
					      &cur)) == 1;
	nd = (int)alert_db(a, store_alert_defs_between(a->store, e->target_id, e->list_id,
						       e->at - window, e->id, &defs));
	for (int i = 0; i < nd; i++) {
		if (have && differs(&cur, &defs[i]))
			n++;
		cur = defs[i];
		have = true;
	}
	free(defs);
	return n;
}

/* Flapping pairs quiet for a whole flap window settle: one item each, with
 * the state they settled in. */
static void settle(alert_t *a, int64_t now, alert_msg_t *m, size_t *cap)
{
	store_alert_flap_t *f = NULL;
	unsigned w = a->cfg->flap_window_s;
	int n = (int)alert_db(a, store_alert_flaps(a->store, &f));

	for (int i = 0; i < n; i++) {
		store_state_t *st;
		alert_pair_t *pair;
		alert_item_t *it;

		if (now - f[i].last_change < (int64_t)w)
			continue;
		it = alert_item_add(m, cap, ALERT_ITEM_SETTLED);
		alert_db(a, store_alert_flap_del(a->store, f[i].target_id, f[i].list_id));
		st = xmalloc(sizeof(*st));
		pair = xmalloc(sizeof(*pair));
		alert_db(a, store_state_get(a->store, f[i].target_id, f[i].list_id, st));
		if (alert_pair_load(a, f[i].target_id, f[i].list_id, pair) == 0)
			alert_pair_fold_change(a, m, pair, ALERT_ITEM_SETTLED, st->status, now, it);
		free(pair);
		if (it) {
			it->at = now;
			it->window_s = w;
			it->to = st->status;
			it->since = st->since;
			it->ans = st->ans;
			alert_item_list(a, it, f[i].list_id);
			alert_item_target(a, it, f[i].target_id);
		}
		free(st);
	}
	free(f);
}

/* ---- batch windows ---- */

/* One batch window: the events from the first one worth an alert up to
 * [alerts] batch seconds later, taken once that window has closed. */
typedef struct {
	alert_t *a;
	int64_t now;
	int64_t last;  /* the last event consumed */
	bool open;     /* a worthy event started the window */
	bool closed;   /* the window closed and was consumed */
	int64_t end;
	alert_msg_t *m;
	size_t *cap;
} window_t;

/* The worthy event folded (a listing into its problem, another change into
 * its group) and detailed as an item while the message takes more, unless
 * its pair is (or now becomes) flapping. */
static void window_item(window_t *w, const store_alert_event_t *e, alert_item_kind_t kind,
			const store_alert_def_t *prev, bool have_prev, const alert_pair_t *pair)
{
	alert_t *a = w->a;
	const config_t *c = a->cfg;
	const store_event_t *ev = &e->ev;
	unsigned changes;
	alert_item_t *it;

	if (alert_db(a, store_alert_flap_get(a->store, ev->target_id, ev->list_id)) == 1)
		return; /* quiet until it settles */
	changes = c->flap_limit ? flap_changes(a, ev, c->flap_window_s) : 0;
	if (c->flap_limit && changes >= c->flap_limit) {
		alert_db(a, store_alert_flap_add(a->store, ev->target_id, ev->list_id, w->now));
		kind = ALERT_ITEM_FLAPPING;
	}
	it = alert_item_add(w->m, w->cap, kind);
	if (kind == ALERT_ITEM_LISTED)
		alert_pair_fold_listing(a, w->m, pair, &ev->ans, ev->at, false);
	else
		alert_pair_fold_change(a, w->m, pair, kind, ev->to, ev->at, it);
	if (!it)
		return;
	if (kind == ALERT_ITEM_FLAPPING) {
		it->changes = changes;
		it->window_s = c->flap_window_s;
	}
	it->at = it->since = ev->at;
	it->have_prev = have_prev;
	if (have_prev)
		it->prev = *prev;
	it->to = ev->to;
	it->ans = ev->ans;
	if (kind == ALERT_ITEM_DELISTED)
		it->prev_since = alert_db(a, store_alert_listed_since(a->store, ev->target_id,
								      ev->list_id, ev->id));
	alert_item_list(a, it, ev->list_id);
	alert_item_target(a, it, ev->target_id);
}

/* Takes one event into the window; nonzero stops the reading (the window is
 * still open, or the event belongs to the next one). */
static int window_take(void *ud, const store_alert_event_t *e)
{
	window_t *w = ud;
	alert_item_kind_t kind;
	store_alert_def_t prev;
	alert_pair_t *pair = xmalloc(sizeof(*pair));
	bool have_prev, worth = classify(w->a, e, &kind, &prev, &have_prev, pair);
	int rc = 0;

	if (!w->open) {
		if (!worth) {
			w->last = e->ev.id;
			goto done;
		}
		w->open = true;
		w->end = e->ev.at + w->a->cfg->alert_batch_s;
		if (w->now < w->end) {
			rc = 1; /* the window is still open: wait for more */
			goto done;
		}
	}
	if (e->ev.at > w->end) {
		rc = 1; /* the next window */
		goto done;
	}
	w->last = e->ev.id;
	w->closed = true;
	if (worth)
		window_item(w, e, kind, &prev, have_prev, pair);
done:
	free(pair);
	return rc;
}

int alert_changes_produce(alert_t *a, int64_t now, int64_t *last)
{
	int queued = 0;

	for (int i = 0; i < WINDOWS_MAX && !a->failed; i++) {
		alert_msg_t m = {.kind = ALERT_MSG_CHANGES, .fold = alert_fold_new()};
		size_t cap = 0;
		window_t w = {.a = a, .now = now, .last = *last, .m = &m, .cap = &cap};

		if (i == 0)
			settle(a, now, &m, &cap);
		alert_db(a, store_alert_events_after(a->store, *last, window_take, &w));
		*last = w.last;
		if (m.total && !a->failed)
			queued += alert_queue_add(a, &m, now);
		free(m.items);
		alert_fold_free(m.fold);
		if (!w.closed)
			break;
	}
	return queued;
}
