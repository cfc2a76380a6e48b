/* store_read_events.c -- reads of what happened: DNSBL events, provider incidents, and both as one history.
 * The history is paged by a cursor (time, kind, id), so rows added meanwhile never shift a page. */
#include "store/store_read.h"

#include <string.h>

#include "store/store_int.h"

#define EVENT_COLS                                                                      \
	"SELECT e.id, e.at, t.target, e.target_id, e.list_id, e.\"from\", e.\"to\", e.codes, " \
	"e.txt, e.reason FROM events e JOIN targets t ON t.id = e.target_id "
static const store_sql_t SQL_EVENT_ONE = STORE_SQL(EVENT_COLS "WHERE e.id = ?1");
static const store_sql_t SQL_EVENTS_OF_TARGET =
	STORE_SQL(EVENT_COLS "WHERE t.target = ?1 ORDER BY e.id DESC");
static const store_sql_t SQL_EVENTS_LAST = STORE_SQL("SELECT coalesce(max(id), 0) FROM events");
/* by rowid range: events are only ever appended, so a caller counts each once */
static const store_sql_t SQL_EVENTS_COUNT = STORE_SQL(
	"SELECT \"to\", count(*) FROM events WHERE id > ?1 AND id <= ?2 GROUP BY \"to\"");

#define INCIDENT_COLS                                                                           \
	"SELECT id, provider, opened, coalesce(closed, 0), kind, code, meaning, sending_ip, removal, " \
	"advice, sample, rejections, last_rejection, coalesce(last_sent, 0), context FROM incidents "
static const store_sql_t SQL_INCIDENT_ONE = STORE_SQL(INCIDENT_COLS "WHERE id = ?1");
static const store_sql_t SQL_INCIDENTS = STORE_SQL(INCIDENT_COLS "ORDER BY id DESC LIMIT ?1");
static const store_sql_t SQL_INCIDENT_DOMAINS = STORE_SQL(
	"SELECT domain, rejections FROM incident_domains WHERE incident_id = ?1 "
	"ORDER BY rejections DESC, domain LIMIT ?2");
static const store_sql_t SQL_REJECTION_COUNTS = STORE_SQL(
	"SELECT provider, kind, n FROM rejection_counts ORDER BY 1, 2");
static const store_sql_t SQL_INCIDENT_PROVIDERS = STORE_SQL(
	"SELECT provider, max(CASE WHEN closed IS NULL THEN 1 ELSE 0 END) FROM incidents "
	"GROUP BY provider ORDER BY provider");

/* The merged history, in one order over both sources: at DESC, seq DESC, id DESC, where seq is
 * 0 for a DNSBL event (id: the event's), 1 for an incident opened, 2 for one closed (id: the
 * incident's). The cursor is the (at, seq, id) of the last row shown; the next page starts below
 * it. Each branch is limited on its own index before the merge. ?1 target, ?2 zone, ?3 since,
 * ?4 cursor id (0: none), ?5 limit, ?6 cursor at, ?7 cursor seq, ?8 source. EVENTS_TOO: a
 * further condition on the events (e). ZONE_IS: the zone ?2 in any case (SQLite's NOCASE
 * and PostgreSQL's lower() of a "C" text both fold ASCII only). Every subquery is named, and
 * a text parameter is cast to text where it is asked IS NULL: PostgreSQL wants both (it
 * cannot tell a bare parameter's type there). */
#define NONE(N) "CAST(?" #N " AS TEXT) IS NULL" /* text parameter N is not given */
#define SQL_HISTORY_OF(EVENTS_TOO, ZONE_IS)                                                     \
	"SELECT at, seq, id FROM ("                                                             \
	"SELECT * FROM (SELECT e.at AS at, 0 AS seq, e.id AS id FROM events e "                \
	"JOIN targets t ON t.id = e.target_id JOIN lists l ON l.id = e.list_id "               \
	"WHERE (" NONE(8) " OR ?8 = 'dnsbl') AND (" NONE(1) " OR t.target = ?1) "               \
	"AND (" NONE(2) " OR " ZONE_IS ") AND e.at >= ?3 " EVENTS_TOO                           \
	"AND (?4 = 0 OR (e.at, 0, e.id) < (?6, ?7, ?4)) ORDER BY e.at DESC, e.id DESC LIMIT ?5) " \
	"AS ev UNION ALL SELECT * FROM (SELECT i.opened, 1, i.id FROM incidents i "            \
	"WHERE (" NONE(8) " OR ?8 = 'incident') AND " NONE(1) " AND " NONE(2) " "               \
	"AND i.opened >= ?3 "                                                                   \
	"AND (?4 = 0 OR (i.opened, 1, i.id) < (?6, ?7, ?4)) ORDER BY i.opened DESC, i.id DESC " \
	"LIMIT ?5) AS op "                                                                      \
	"UNION ALL SELECT * FROM (SELECT i.closed, 2, i.id FROM incidents i "                  \
	"WHERE (" NONE(8) " OR ?8 = 'incident') AND " NONE(1) " AND " NONE(2) " "               \
	"AND i.closed IS NOT NULL AND i.closed >= ?3 "                                         \
	"AND (?4 = 0 OR (i.closed, 2, i.id) < (?6, ?7, ?4)) ORDER BY i.closed DESC, i.id DESC " \
	"LIMIT ?5) AS cl) AS h ORDER BY at DESC, seq DESC, id DESC LIMIT ?5"
#define ZONE_IS_LITE "l.zone = ?2 COLLATE NOCASE"
#define ZONE_IS_PG "lower(l.zone) = lower(?2)"
static const store_sql_t SQL_HISTORY =
	STORE_SQL2(SQL_HISTORY_OF("", ZONE_IS_LITE), SQL_HISTORY_OF("", ZONE_IS_PG));
/* Changes only: the condition is written as the partial index events_changes states it, so
 * SQLite reads that index instead of stepping over every first clean answer. */
#define CHANGES_ONLY "AND (e.\"from\" IS NOT NULL OR e.\"to\" <> 'clean') "
static const store_sql_t SQL_HISTORY_CHANGES =
	STORE_SQL2(SQL_HISTORY_OF(CHANGES_ONLY, ZONE_IS_LITE),
		   SQL_HISTORY_OF(CHANGES_ONLY, ZONE_IS_PG));
static const store_sql_t SQL_HISTORY_EVENT_AT = STORE_SQL(
	"SELECT coalesce((SELECT at FROM events WHERE id = ?1), "
	"(SELECT max(at) FROM events WHERE id < ?1), 0)");

/* ---- events ---- */

/* A status column; one the store cannot read is unknown, never clean or listed. */
static status_t status_col(store_stmt_t *st, int i)
{
	status_t v;

	return status_parse(store_col_str(st, i), &v) == 0 ? v : STATUS_UNKNOWN;
}

static void event_cols(store_stmt_t *st, store_event_row_t *e)
{
	memset(e, 0, sizeof(*e));
	e->ev.id = store_col_int64(st, 0);
	e->ev.at = store_col_int64(st, 1);
	store_col_copy(st, 2, e->target, sizeof(e->target));
	e->ev.target_id = store_col_int64(st, 3);
	e->ev.list_id = store_col_int64(st, 4);
	e->ev.first = store_col_null(st, 5);
	if (!e->ev.first)
		e->ev.from = status_col(st, 5);
	e->ev.to = status_col(st, 6);
	store_answer_cols(st, 7, 8, 9, &e->ev.ans);
}

int store_events_of_target(store_t *s, const char *name, store_event_fn fn, void *arg)
{
	store_stmt_t *st = store_stmt(s, &SQL_EVENTS_OF_TARGET);
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
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

int store_events_count(store_t *s, int64_t *last_id, int64_t n[STATUS_COUNT])
{
	store_stmt_t *st = store_stmt(s, &SQL_EVENTS_LAST);
	int64_t last, add[STATUS_COUNT] = {0};
	status_t to;
	int rc;

	if (!st || store_row(s, st) != 1)
		return -1;
	last = store_col_int64(st, 0);
	store_reset(st);
	if (last < *last_id) { /* another database file: count it from its start */
		*last_id = 0;
		memset(n, 0, sizeof(n[0]) * STATUS_COUNT);
	}
	if (!(st = store_stmt(s, &SQL_EVENTS_COUNT)))
		return -1;
	store_bind_int64(st, 1, *last_id);
	store_bind_int64(st, 2, last);
	while ((rc = store_row(s, st)) == 1)
		if (status_parse(store_col_str(st, 0), &to) == 0)
			add[to] = store_col_int64(st, 1);
	if (rc < 0)
		return -1;
	for (int i = 0; i < STATUS_COUNT; i++)
		n[i] += add[i];
	*last_id = last;
	return 0;
}

/* ---- incidents ---- */

static void incident_cols(store_stmt_t *st, store_incident_t *in)
{
	in->id = store_col_int64(st, 0);
	in->provider = store_col_str(st, 1);
	in->opened = store_col_int64(st, 2);
	in->closed = store_col_int64(st, 3);
	in->kind = store_col_str(st, 4);
	in->code = store_col_str(st, 5);
	in->meaning = store_col_str(st, 6);
	in->sending_ip = store_col_str(st, 7);
	in->removal = store_col_str(st, 8);
	in->advice = store_col_str(st, 9);
	in->sample = store_col_str(st, 10);
	in->rejections = store_col_int64(st, 11);
	in->last_rejection = store_col_int64(st, 12);
	in->last_sent = store_col_int64(st, 13);
	in->context = store_col_str(st, 14);
}

int store_incidents_visit(store_t *s, unsigned limit, store_incident_fn fn, void *arg)
{
	store_stmt_t *st = store_stmt(s, &SQL_INCIDENTS);
	store_incident_t in;
	int rc;

	if (!st)
		return -1;
	store_bind_int64(st, 1, limit);
	while ((rc = store_row(s, st)) == 1) {
		incident_cols(st, &in);
		if ((rc = fn(arg, &in)) != 0)
			break;
	}
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

/* Calls fn with (column 0, column 1 or NULL, the last column) of every row of st. */
static int counts_visit(store_t *s, store_stmt_t *st, int ncols, store_count_fn fn, void *arg)
{
	int rc;

	while ((rc = store_row(s, st)) == 1)
		if ((rc = fn(arg, store_col_str(st, 0), ncols > 2 ? store_col_str(st, 1) : NULL,
			     store_col_int64(st, ncols - 1))) != 0)
			break;
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

int store_incident_domains_visit(store_t *s, int64_t incident_id, unsigned max, store_count_fn fn,
				 void *arg)
{
	store_stmt_t *st = store_stmt(s, &SQL_INCIDENT_DOMAINS);

	if (!st)
		return -1;
	store_bind_int64(st, 1, incident_id);
	store_bind_int64(st, 2, max);
	return counts_visit(s, st, 2, fn, arg);
}

int store_rejection_counts_visit(store_t *s, store_count_fn fn, void *arg)
{
	store_stmt_t *st = store_stmt(s, &SQL_REJECTION_COUNTS);

	return st ? counts_visit(s, st, 3, fn, arg) : -1;
}

int store_incident_providers_visit(store_t *s, store_count_fn fn, void *arg)
{
	store_stmt_t *st = store_stmt(s, &SQL_INCIDENT_PROVIDERS);

	return st ? counts_visit(s, st, 2, fn, arg) : -1;
}

/* ---- the merged history ---- */

/* Reads entry h's row (an event or an incident) and hands it to fn. */
static int history_entry(store_t *s, store_history_t *h, store_history_fn fn, void *arg)
{
	store_stmt_t *st = store_stmt(s, h->kind == STORE_HISTORY_EVENT ? &SQL_EVENT_ONE
									 : &SQL_INCIDENT_ONE);
	store_event_row_t e;
	store_incident_t in;
	int rc;

	if (!st)
		return -1;
	store_bind_int64(st, 1, h->id);
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
	store_reset(st);
	return rc;
}

int store_history_visit(store_t *s, const store_history_q_t *q, store_history_fn fn, void *arg)
{
	static const char *const source[] = {
		[STORE_HISTORY_ALL] = NULL,
		[STORE_HISTORY_EVENTS] = "dnsbl",
		[STORE_HISTORY_INCIDENTS] = "incident",
	};
	store_stmt_t *st = store_stmt(s, q->changes ? &SQL_HISTORY_CHANGES : &SQL_HISTORY);
	store_history_t h;
	int rc;

	if (!st)
		return -1;
	store_bind_text(st, 1, q->target);
	store_bind_text(st, 2, q->zone);
	store_bind_int64(st, 3, q->since);
	store_bind_int64(st, 4, q->cursor_id);
	store_bind_int64(st, 5, q->limit);
	store_bind_int64(st, 6, q->cursor_at);
	store_bind_int64(st, 7, (int)q->cursor_kind);
	store_bind_text(st, 8, source[q->source]);
	while ((rc = store_row(s, st)) == 1) {
		memset(&h, 0, sizeof(h));
		h.at = store_col_int64(st, 0);
		h.kind = (store_history_kind_t)store_col_int(st, 1);
		h.id = store_col_int64(st, 2);
		if ((rc = history_entry(s, &h, fn, arg)) != 0)
			break;
	}
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

int store_history_event_at(store_t *s, int64_t event_id, int64_t *at)
{
	store_stmt_t *st = store_stmt(s, &SQL_HISTORY_EVENT_AT);

	*at = 0;
	if (!st)
		return -1;
	store_bind_int64(st, 1, event_id);
	if (store_row(s, st) <= 0)
		return -1; /* a SELECT of one coalesce always has a row */
	*at = store_col_int64(st, 0);
	store_reset(st);
	return 0;
}
