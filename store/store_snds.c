/* store_snds.c -- Microsoft SNDS's numbers of the day per address: replaced per account, read per target.
 * Untrusted text (HELO, sender, comments) is stored as SNDS wrote it, bounded; readers escape it. */
#include "store/store_snds_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

static const store_sql_t SQL_DELETE_ACCOUNT = STORE_SQL("DELETE FROM snds_ips WHERE account = ?1");
static const store_sql_t SQL_PUT = STORE_SQL(
	"INSERT INTO snds_ips (ip, account, activity_start, activity_end, rcpt, data, "
	"recipients, filter, complaint, complaint_rate, trap_start, trap_end, trap_hits, helo, "
	"mail_from, comments, fetched) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
	"?13, ?14, ?15, ?16, ?17) ON CONFLICT (ip) DO UPDATE SET account = excluded.account, "
	"activity_start = excluded.activity_start, activity_end = excluded.activity_end, "
	"rcpt = excluded.rcpt, data = excluded.data, recipients = excluded.recipients, "
	"filter = excluded.filter, complaint = excluded.complaint, "
	"complaint_rate = excluded.complaint_rate, trap_start = excluded.trap_start, "
	"trap_end = excluded.trap_end, trap_hits = excluded.trap_hits, helo = excluded.helo, "
	"mail_from = excluded.mail_from, comments = excluded.comments, fetched = excluded.fetched");
static const store_sql_t SQL_ACCOUNTS = STORE_SQL("SELECT DISTINCT account FROM snds_ips");
static const store_sql_t SQL_TARGETS = STORE_SQL(
	"SELECT " STORE_SNDS_COLS " FROM snds_ips n JOIN targets t ON t.target = n.ip "
	"WHERE t.active = 1 ORDER BY t.ipkey");

int store_snds_replace(store_t *s, const char *account, const snds_t *set, size_t i,
		       int64_t fetched)
{
	store_stmt_t *st = store_stmt(s, &SQL_DELETE_ACCOUNT);
	size_t n = snds_rows(set, i);
	snds_row_t r;

	if (!st)
		return -1;
	store_bind_text(st, 1, account);
	if (store_done(s, st) < 0)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (!(st = store_stmt(s, &SQL_PUT)))
			return -1;
		snds_row(set, i, k, &r);
		store_bind_text(st, 1, r.ip);
		store_bind_text(st, 2, account);
		store_bind_text(st, 3, r.activity_start);
		store_bind_text(st, 4, r.activity_end);
		store_bind_int64(st, 5, (int64_t)r.rcpt);
		store_bind_int64(st, 6, (int64_t)r.data);
		store_bind_int64(st, 7, (int64_t)r.recipients);
		store_bind_text(st, 8, snds_filter_name(r.filter));
		store_bind_text(st, 9, r.complaint);
		store_bind_double(st, 10, r.complaint_rate);
		store_bind_text(st, 11, r.trap_start);
		store_bind_text(st, 12, r.trap_end);
		store_bind_int64(st, 13, (int64_t)r.trap_hits);
		store_bind_text(st, 14, r.helo);
		store_bind_text(st, 15, r.mail_from);
		store_bind_text(st, 16, r.comments);
		store_bind_int64(st, 17, fetched);
		if (store_done(s, st) < 0)
			return -1;
	}
	return 0;
}

int store_snds_retain(store_t *s, const char *const *accounts, size_t n)
{
	store_stmt_t *st = store_stmt(s, &SQL_ACCOUNTS);
	char **gone = NULL;
	size_t ngone = 0, cap = 0;
	int rc;

	if (!st)
		return -1;
	while ((rc = store_row(s, st)) == 1) {
		const char *a = store_col_str(st, 0);
		bool keep = false;
		for (size_t i = 0; a && i < n && !keep; i++)
			keep = !strcmp(a, accounts[i]);
		if (keep || !a)
			continue;
		xgrow((void **)&gone, &cap, ngone + 1, sizeof(*gone));
		gone[ngone++] = xstrdup(a);
	}
	store_reset(st);
	for (size_t i = 0; rc == 0 && i < ngone; i++) {
		if (!(st = store_stmt(s, &SQL_DELETE_ACCOUNT))) {
			rc = -1;
			break;
		}
		store_bind_text(st, 1, gone[i]);
		rc = store_done(s, st);
	}
	for (size_t i = 0; i < ngone; i++)
		free(gone[i]);
	free(gone);
	return rc < 0 ? -1 : 0;
}

int store_snds_cols(store_stmt_t *st, int first, store_snds_t *out)
{
	const char *f;

	memset(out, 0, sizeof(*out));
	if (store_col_null(st, first))
		return 0;
	store_col_copy(st, first, out->ip, sizeof(out->ip));
	store_col_copy(st, first + 1, out->account, sizeof(out->account));
	store_col_copy(st, first + 2, out->activity_start, sizeof(out->activity_start));
	store_col_copy(st, first + 3, out->activity_end, sizeof(out->activity_end));
	out->rcpt = store_col_int64(st, first + 4);
	out->data = store_col_int64(st, first + 5);
	out->recipients = store_col_int64(st, first + 6);
	f = store_col_str(st, first + 7);
	out->filter = f && !strcmp(f, "RED") ? SNDS_RED : f && !strcmp(f, "YELLOW") ? SNDS_YELLOW
										 : SNDS_GREEN;
	store_col_copy(st, first + 8, out->complaint, sizeof(out->complaint));
	out->complaint_rate = store_col_double(st, first + 9);
	store_col_copy(st, first + 10, out->trap_start, sizeof(out->trap_start));
	store_col_copy(st, first + 11, out->trap_end, sizeof(out->trap_end));
	out->trap_hits = store_col_int64(st, first + 12);
	store_col_copy(st, first + 13, out->helo, sizeof(out->helo));
	store_col_copy(st, first + 14, out->mail_from, sizeof(out->mail_from));
	store_col_copy(st, first + 15, out->comments, sizeof(out->comments));
	out->fetched = store_col_int64(st, first + 16);
	return 1;
}

int store_snds_targets_visit(store_t *s, store_snds_fn fn, void *arg)
{
	store_stmt_t *st = store_stmt(s, &SQL_TARGETS);
	store_snds_t r;
	int rc;

	if (!st)
		return -1;
	while ((rc = store_row(s, st)) == 1) {
		store_snds_cols(st, 0, &r);
		if ((rc = fn(arg, &r)) != 0)
			break;
	}
	store_reset(st);
	return rc < 0 ? -1 : 0;
}
