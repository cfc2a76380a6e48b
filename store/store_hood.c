/* store_hood.c -- what the daemon learns about the neighbourhood: origin ASNs and DROP files.
 * The last good copy of a download is kept whole, so a failed fetch never empties a list. */
#include "store/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

static const store_sql_t SQL_ASN_GET = STORE_SQL(
	"SELECT coalesce(asn, -1), coalesce(prefix, ''), coalesce(country, ''), coalesce(registry, ''), "
	"coalesce(name, ''), fetched FROM asn WHERE target_id = ?1");
static const store_sql_t SQL_ASN_PUT = STORE_SQL(
	"INSERT INTO asn (target_id, asn, prefix, country, registry, name, fetched) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (target_id) DO UPDATE SET "
	"asn = excluded.asn, prefix = excluded.prefix, country = excluded.country, "
	"registry = excluded.registry, name = excluded.name, fetched = excluded.fetched");
static const store_sql_t SQL_FILE_GET = STORE_SQL(
	"SELECT body, coalesce(etag, ''), coalesce(last_modified, ''), fetched, checked "
	"FROM drop_files WHERE url = ?1");
static const store_sql_t SQL_FILE_PUT = STORE_SQL(
	"INSERT INTO drop_files (url, body, etag, last_modified, fetched, checked) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (url) DO UPDATE SET body = excluded.body, "
	"etag = excluded.etag, last_modified = excluded.last_modified, fetched = excluded.fetched, "
	"checked = excluded.checked");
static const store_sql_t SQL_FILE_CHECKED =
	STORE_SQL("UPDATE drop_files SET checked = ?2 WHERE url = ?1");

int store_asn_get(store_t *s, int64_t target_id, store_asn_t *out)
{
	store_stmt_t *st = store_stmt(s, &SQL_ASN_GET);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	store_bind_int64(st, 1, target_id);
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	out->asn = store_col_int64(st, 0);
	store_col_copy(st, 1, out->prefix, sizeof(out->prefix));
	store_col_copy(st, 2, out->country, sizeof(out->country));
	store_col_copy(st, 3, out->registry, sizeof(out->registry));
	store_col_copy(st, 4, out->name, sizeof(out->name));
	out->fetched = store_col_int64(st, 5);
	store_reset(st);
	return 1;
}

int store_asn_put(store_t *s, int64_t target_id, const store_asn_t *in)
{
	store_stmt_t *st = store_stmt(s, &SQL_ASN_PUT);

	if (!st)
		return -1;
	store_bind_int64(st, 1, target_id);
	if (in->asn >= 0)
		store_bind_int64(st, 2, in->asn);
	else
		store_bind_null(st, 2);
	store_bind_text_or_null(st, 3, in->prefix);
	store_bind_text_or_null(st, 4, in->country);
	store_bind_text_or_null(st, 5, in->registry);
	store_bind_text_or_null(st, 6, in->name);
	store_bind_int64(st, 7, in->fetched);
	return store_done(s, st);
}

int store_file_get(store_t *s, const char *url, store_file_t *out)
{
	store_stmt_t *st = store_stmt(s, &SQL_FILE_GET);
	const void *body;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	store_bind_text(st, 1, url);
	rc = store_row(s, st);
	if (rc <= 0)
		return rc;
	body = store_col_blob(st, 0, &n);
	out->body = xmalloc(n + 1);
	if (n)
		memcpy(out->body, body, n);
	out->body[n] = '\0';
	out->len = n;
	store_col_copy(st, 1, out->etag, sizeof(out->etag));
	store_col_copy(st, 2, out->last_modified, sizeof(out->last_modified));
	out->fetched = store_col_int64(st, 3);
	out->checked = store_col_int64(st, 4);
	store_reset(st);
	return 1;
}

int store_file_put(store_t *s, const char *url, const char *body, size_t len, const char *etag,
		   const char *last_modified, int64_t now)
{
	store_stmt_t *st;

	if (!body) {
		if (!(st = store_stmt(s, &SQL_FILE_CHECKED)))
			return -1;
		store_bind_text(st, 1, url);
		store_bind_int64(st, 2, now);
		return store_done(s, st);
	}
	if (!(st = store_stmt(s, &SQL_FILE_PUT)))
		return -1;
	store_bind_text(st, 1, url);
	store_bind_blob(st, 2, body, len);
	store_bind_text(st, 3, etag);
	store_bind_text(st, 4, last_modified);
	store_bind_int64(st, 5, now);
	return store_done(s, st);
}
