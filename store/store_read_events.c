/* store_read_events.c -- reads of what happened: DNSBL events, provider incidents, and both as one history.
 * The history is paged by a cursor (time, kind, id), so rows added meanwhile never shift a page. */
#include "store/store_read.h"

#include <string.h>

#include "store/store_int.h"

#define EVENT_COLS                                                                      \
	"SELECT e.id, e.at, t.target, e.target_id, e.list_id, e.\"from\", e.\"to\", e.codes, " \
	"e.txt, e.reason FROM events e JOIN targets t ON t.id = e.target_id "
static const char SQL_EVENT_ONE[] = EVENT_COLS "WHERE e.id = ?1";
static const char SQL_EVENTS_OF_TARGET[] = EVENT_COLS "WHERE t.target = ?1 ORDER BY e.id DESC";
static const char SQL_EVENTS_LAST[] = "SELECT ifnull(max(id), 0) FROM events";
/* by rowid range: events are only ever appended, so a caller counts each once */
static const char SQL_EVENTS_COUNT[] =
	"SELECT \"to\", count(*) FROM events WHERE id > ?1 AND id <= ?2 GROUP BY \"to\"";

#define INCIDENT_COLS                                                                           \
	"SELECT id, provider, opened, ifnull(closed, 0), kind, code, meaning, sending_ip, removal, " \
	"advice, sample, rejections, last_rejection, ifnull(last_sent, 0), context FROM incidents "
static const char SQL_INCIDENT_ONE[] = INCIDENT_COLS "WHERE id = ?1";
static const char SQL_INCIDENTS[] = INCIDENT_COLS "ORDER BY id DESC LIMIT ?1";
static const char SQL_INCIDENT_DOMAINS[] =
	"SELECT domain, rejections FROM incident_domains WHERE incident_id = ?1 "
	"ORDER BY rejections DESC, domain LIMIT ?2";
static const char SQL_REJECTION_COUNTS[] =
	"SELECT provider, kind, n FROM rejection_counts ORDER BY 1, 2";
static const char SQL_INCIDENT_PROVIDERS[] =
	"SELECT provider, max(closed IS NULL) FROM incidents GROUP BY provider ORDER BY provider";

/* The merged history, in one order over both sources: at DESC, seq DESC, id DESC, where seq is
 * 0 for a DNSBL event (id: the event's), 1 for an incident opened, 2 for one closed (id: the
 * incident's). The cursor is the (at, seq, id) of the last row shown; the next page starts below
 * it. Each branch is limited on its own index before the merge. ?1 target, ?2 zone, ?3 since,
 * ?4 cursor id (0: none), ?5 limit, ?6 cursor at, ?7 cursor seq, ?8 source. EVENTS_TOO: a
 * further condition on the events (e). */
#define SQL_HISTORY_OF(EVENTS_TOO)                                                              \
	"SELECT at, seq, id FROM ("                                                             \
	"SELECT * FROM (SELECT e.at AS at, 0 AS seq, e.id AS id FROM events e "                \
	"JOIN targets t ON t.id = e.target_id JOIN lists l ON l.id = e.list_id "               \
	"WHERE (?8 IS NULL OR ?8 = 'dnsbl') AND (?1 IS NULL OR t.target = ?1) "                \
	"AND (?2 IS NULL OR l.zone = ?2 COLLATE NOCASE) AND e.at >= ?3 " EVENTS_TOO            \
	"AND (?4 = 0 OR (e.at, 0, e.id) < (?6, ?7, ?4)) ORDER BY e.at DESC, e.id DESC LIMIT ?5) " \
	"UNION ALL SELECT * FROM (SELECT i.opened, 1, i.id FROM incidents i "                  \
	"WHERE (?8 IS NULL OR ?8 = 'incident') AND ?1 IS NULL AND ?2 IS NULL AND i.opened >= ?3 " \
	"AND (?4 = 0 OR (i.opened, 1, i.id) < (?6, ?7, ?4)) ORDER BY i.opened DESC, i.id DESC " \
	"LIMIT ?5) "                                                                            \
	"UNION ALL SELECT * FROM (SELECT i.closed, 2, i.id FROM incidents i "                  \
	"WHERE (?8 IS NULL OR ?8 = 'incident') AND ?1 IS NULL AND ?2 IS NULL "                 \
	"AND i.closed IS NOT NULL AND i.closed >= ?3 "                                         \
	"AND (?4 = 0 OR (i.closed, 2, i.id) < (?6, ?7, ?4)) ORDER BY i.closed DESC, i.id DESC " \
	"LIMIT ?5)) ORDER BY at DESC, seq DESC, id DESC LIMIT ?5"
static const char SQL_HISTORY[] = SQL_HISTORY_OF("");
/* Changes only: the condition is written as the partial index events_changes states it, so
 * SQLite reads that index instead of stepping over every first clean answer. */
static const char SQL_HISTORY_CHANGES[] =
	SQL_HISTORY_OF("AND (e.\"from\" IS NOT NULL OR e.\"to\" <> 'clean') ");
static const char SQL_HISTORY_EVENT_AT[] =
	"SELECT coalesce((SELECT at FROM events WHERE id = ?1), "
	"(SELECT max(at) FROM events WHERE id < ?1), 0)";

/* ---- events ---- */

/* A status column; one the store cannot read is unknown, never clean or listed. */
static status_t status_col(sqlite3_stmt *st, int i)
{
	status_t v;

	return status_parse(store_col_str(st, i), &v) == 0 ? v : STATUS_UNKNOWN;
}

static void event_cols(sqlite3_stmt *st, store_event_row_t *e)
{
	memset(e, 0, sizeof(*e));
	e->ev.id = sqlite3_column_int64(st, 0);
	e->ev.at = sqlite3_column_int64(st, 1);
	store_col_copy(st, 2, e->target, sizeof(e->target));
	e->ev.target_id = sqlite3_column_int64(st, 3);
	e->ev.list_id = sqlite3_column_int64(st, 4);
	e->ev.first = sqlite3_column_type(st, 5) == SQLITE_NULL;
	if (!e->ev.first)
		e->ev.from = status_col(st, 5);
	e->ev.to = status_col(st, 6);
	store_answer_cols(st, 7, 8, 9, &e->ev.ans);
}

int store_events_of_target(store_t *s, const char *name, store_event_fn fn, void *arg)
{
	sqlite3_stmt *st = store_stmt(s, SQL_EVENTS_OF_TARGET);
	store_event_row_t e;
	int rc;

	if (!st)
		return -1;
	store_bind_text(st, 1, name);
	while ((rc = store_row(s, st)) == 1) {
		event_cols(st, &e);
		if ((rc = fn(arg, &e)) != 0)
			break;
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

int store_events_count(store_t *s, int64_t *last_id, int64_t n[STATUS_COUNT])
{
	sqlite3_stmt *st = store_stmt(s, SQL_EVENTS_LAST);
	int64_t last, add[STATUS_COUNT] = {0};
	status_t to;
	int rc;

	if (!st || store_row(s, st) != 1)
		return -1;
	last = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (last < *last_id) { /* another database file: count it from its start */
		*last_id = 0;
		memset(n, 0, sizeof(n[0]) * STATUS_COUNT);
	}
	if (!(st = store_stmt(s, SQL_EVENTS_COUNT)))
		return -1;
	sqlite3_bind_int64(st, 1, *last_id);
	sqlite3_bind_int64(st, 2, last);
	while ((rc = store_row(s, st)) == 1)
		if (status_parse(store_col_str(st, 0), &to) == 0)
			add[to] = sqlite3_column_int64(st, 1);
	if (rc < 0)
		return -1;
	for (int i = 0; i < STATUS_COUNT; i++)
		n[i] += add[i];
	*last_id = last;
	return 0;
}

/* ---- incidents ---- */

static void incident_cols(sqlite3_stmt *st, store_incident_t *in)
{
	in->id = sqlite3_column_int64(st, 0);
	in->provider = store_col_str(st, 1);
	in->opened = sqlite3_column_int64(st, 2);
	in->closed = sqlite3_column_int64(st, 3);
	in->kind = store_col_str(st, 4);
	in->code = store_col_str(st, 5);
	in->meaning = store_col_str(st, 6);
	in->sending_ip = store_col_str(st, 7);
	in->removal = store_col_str(st, 8);
	in->advice = store_col_str(st, 9);
	in->sample = store_col_str(st, 10);
	in->rejections = sqlite3_column_int64(st, 11);
	in->last_rejection = sqlite3_column_int64(st, 12);
	in->last_sent = sqlite3_column_int64(st, 13);
	in->context = store_col_str(st, 14);
}

int store_incidents_visit(store_t *s, unsigned limit, store_incident_fn fn, void *arg)
{
	sqlite3_stmt *st = store_stmt(s, SQL_INCIDENTS);
	store_incident_t in;
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, limit);
	while ((rc = store_row(s, st)) == 1) {
		incident_cols(st, &in);
		if ((rc = fn(arg, &in)) != 0)
			break;
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

/* Calls fn with (column 0, column 1 or NULL, the last column) of every row of st. */
static int counts_visit(store_t *s, sqlite3_stmt *st, int ncols, store_count_fn fn, void *arg)
{
	int rc;

	while ((rc = store_row(s, st)) == 1)
		if ((rc = fn(arg, store_col_str(st, 0), ncols > 2 ? store_col_str(st, 1) : NULL,
			     sqlite3_column_int64(st, ncols - 1))) != 0)
			break;
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

int store_incident_domains_visit(store_t *s, int64_t incident_id, unsigned max, store_count_fn fn,
				 void *arg)
{
	sqlite3_stmt *st = store_stmt(s, SQL_INCIDENT_DOMAINS);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, incident_id);
	sqlite3_bind_int64(st, 2, max);
	return counts_visit(s, st, 2, fn, arg);
}

int store_rejection_counts_visit(store_t *s, store_count_fn fn, void *arg)
{
	sqlite3_stmt *st = store_stmt(s, SQL_REJECTION_COUNTS);

	return st ? counts_visit(s, st, 3, fn, arg) : -1;
}

int store_incident_providers_visit(store_t *s, store_count_fn fn, void *arg)
{
	sqlite3_stmt *st = store_stmt(s, SQL_INCIDENT_PROVIDERS);

	return st ? counts_visit(s, st, 2, fn, arg) : -1;
}

/* ---- the merged history ---- */

/* Reads entry h's row (an event or an incident) and hands it to fn. */
static int history_entry(store_t *s, store_history_t *h, store_history_fn fn, void *arg)
{
	sqlite3_stmt *st = store_stmt(s, h->kind == STORE_HISTORY_EVENT ? SQL_EVENT_ONE
									 : SQL_INCIDENT_ONE);
	store_event_row_t e;
	store_incident_t in;
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, h->id);
	if ((rc = store_row(s, st)) <= 0) {
		if (rc == 0)
			store_fail(s, "history: a row vanished inside its snapshot");
		return -1;
	}
	if (h->kind == STORE_HISTORY_EVENT) {
		event_cols(st, &e);
		h->event = &e;
	} else {
		incident_cols(st, &in);
		h->incident = &in;
	}
	rc = fn(arg, h);
	sqlite3_reset(st);
	return rc;
}

int store_history_visit(store_t *s, const store_history_q_t *q, store_history_fn fn, void *arg)
{
	static const char *const source[] = {
		[STORE_HISTORY_ALL] = NULL,
		[STORE_HISTORY_EVENTS] = "dnsbl",
		[STORE_HISTORY_INCIDENTS] = "incident",
	};
	sqlite3_stmt *st = store_stmt(s, q->changes ? SQL_HISTORY_CHANGES : SQL_HISTORY);
	store_history_t h;
	int rc;

	if (!st)
		return -1;
	store_bind_text(st, 1, q->target);
	store_bind_text(st, 2, q->zone);
	sqlite3_bind_int64(st, 3, q->since);
	sqlite3_bind_int64(st, 4, q->cursor_id);
	sqlite3_bind_int64(st, 5, q->limit);
	sqlite3_bind_int64(st, 6, q->cursor_at);
	sqlite3_bind_int(st, 7, (int)q->cursor_kind);
	store_bind_text(st, 8, source[q->source]);
	while ((rc = store_row(s, st)) == 1) {
		memset(&h, 0, sizeof(h));
		h.at = sqlite3_column_int64(st, 0);
		h.kind = (store_history_kind_t)sqlite3_column_int(st, 1);
		h.id = sqlite3_column_int64(st, 2);
		if ((rc = history_entry(s, &h, fn, arg)) != 0)
			break;
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

int store_history_event_at(store_t *s, int64_t event_id, int64_t *at)
{
	sqlite3_stmt *st = store_stmt(s, SQL_HISTORY_EVENT_AT);

	*at = 0;
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, event_id);
	if (store_row(s, st) <= 0)
		return -1; /* a SELECT of one coalesce always has a row */
	*at = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}
