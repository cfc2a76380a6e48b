/* snds_watch.c -- Microsoft SNDS for the daemon: conditional fetches, the last good copy, answers from memory.
 * Follows DROP's pattern (neighbourhood.c): a download that fails or is refused never replaces good data. */
#include "monitor/daemon/snds_watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/snds.h"
#include "lib/curlx.h"
#include "lib/log.h"
#include "lib/xmalloc.h"
#include "store/store_snds.h"

/* What the watch knows of one document of one key. */
struct wdoc {
	bool tried_store;  /* the stored copy was looked at */
	int64_t asked;     /* SNDS last asked, this run (0: not yet) */
	int64_t confirmed; /* SNDS last answered for this copy (200 or 304) */
	long code;         /* the HTTP status of the last failure (0: none, or no answer) */
};

struct snds_watch {
	snds_t *set;
	size_t n;                            /* keys, in config order */
	char (*account)[SNDS_ACCOUNT_MAX];   /* their digests (snds_account_id) */
	struct wdoc (*doc)[SNDS_NDOCS];
};

snds_watch_t *snds_watch_new(void)
{
	return xcalloc(1, sizeof(snds_watch_t));
}

static void forget(snds_watch_t *w)
{
	snds_free(w->set);
	free(w->account);
	free(w->doc);
	w->set = NULL;
	w->account = NULL;
	w->doc = NULL;
	w->n = 0;
}

void snds_watch_free(snds_watch_t *w)
{
	if (!w)
		return;
	forget(w);
	free(w);
}

/* Follows the config's keys: a different set of keys starts over from the stored copies. */
static void follow_keys(snds_watch_t *w, const config_t *c)
{
	bool same = w->set && w->n == c->nsnds_keys;

	for (size_t i = 0; same && i < w->n; i++) {
		char a[SNDS_ACCOUNT_MAX];
		snds_account_id(c->snds_keys[i].value, a);
		same = !strcmp(a, w->account[i]);
	}
	if (same)
		return;
	forget(w);
	w->n = c->nsnds_keys;
	w->set = snds_new(w->n);
	w->account = xcalloc(w->n ? w->n : 1, sizeof(*w->account));
	w->doc = xcalloc(w->n ? w->n : 1, sizeof(*w->doc));
	for (size_t i = 0; i < w->n; i++)
		snds_account_id(c->snds_keys[i].value, w->account[i]);
}

/* "key 2 of 3: " when there are several keys, so a failure names which; "" for one. */
static void key_name(const snds_watch_t *w, size_t i, char *buf, size_t len)
{
	if (w->n > 1)
		snprintf(buf, len, "key %zu of %zu: ", i + 1, w->n);
	else
		buf[0] = '\0';
}

/* Loads the stored copy of a document, once per key and run. */
static void load_stored(snds_watch_t *w, size_t i, snds_doc_t d, const store_file_t *f, int have)
{
	struct wdoc *wd = &w->doc[i][d];
	char err[300], who[64];

	if (wd->tried_store)
		return;
	wd->tried_store = true;
	if (!have)
		return;
	if (snds_parse(w->set, i, d, f->body, f->len, err, sizeof(err)) == 0) {
		wd->confirmed = f->checked;
		return;
	}
	key_name(w, i, who, sizeof(who));
	log_warn("SNDS %s: %sstored copy unusable: %s", snds_doc_name(d), who, err);
}

/* A new document SNDS sent: parsed whole, or refused. Sets why when refused. */
static int take_new(snds_watch_t *w, store_t *s, size_t i, snds_doc_t d, const char *fid,
		    const curlx_get_t *g, int64_t now, char *why, size_t whylen)
{
	char err[300], who[64];

	if (snds_parse(w->set, i, d, g->body, g->len, err, sizeof(err)) < 0) {
		/* a truncated or malformed document never replaces good data */
		snprintf(why, whylen, "refused the document: %s", err);
		return 0;
	}
	w->doc[i][d].confirmed = now;
	/* the copy and its lines in one transaction: a /16's lines are one write, not 65,536 */
	if (store_begin(s) < 0)
		return -1;
	if (store_file_put(s, fid, g->body, g->len, g->etag, g->last_modified, now) < 0 ||
	    (d == SNDS_DATA && store_snds_replace(s, w->account[i], w->set, i, now) < 0) ||
	    store_commit(s) < 0) {
		store_rollback(s);
		return -1;
	}
	key_name(w, i, who, sizeof(who));
	if (d == SNDS_DATA)
		log_info("SNDS %s: %snew document loaded (%zu addresses)", snds_doc_name(d), who,
			 snds_rows(w->set, i));
	else
		log_info("SNDS %s: %snew document loaded", snds_doc_name(d), who);
	return 0;
}

/* One document of key i: stored copy first, then SNDS when due. 0, or -1 (store). */
static int refresh_one(snds_watch_t *w, const config_t *c, store_t *s, size_t i, snds_doc_t d,
		       int64_t now, volatile sig_atomic_t *stop)
{
	struct wdoc *wd = &w->doc[i][d];
	char fid[SNDS_ACCOUNT_MAX + 32], url[1024], err[600], why[700] = "", who[64];
	store_file_t f;
	curlx_get_t g;
	int have, rc = 0;
	bool loaded, send;

	memset(&g, 0, sizeof(g));
	snprintf(fid, sizeof(fid), "%s/%s", w->account[i], snds_doc_name(d));
	have = store_file_get(s, fid, &f);
	if (have < 0)
		return -1;
	load_stored(w, i, d, &f, have);
	loaded = snds_loaded(w->set, i, d);
	/* a copy SNDS confirmed less than refresh ago, found at start: a restart does not ask */
	if (!wd->asked && loaded && have && f.checked <= now &&
	    now - f.checked < (int64_t)c->snds_refresh_s) {
		snds_set_current(w->set, i, d, NULL);
		goto out;
	}
	if (wd->asked && wd->asked <= now && now - wd->asked < SNDS_FETCH_MIN)
		goto out; /* asked a moment ago (a reload): it stays as that answer left it */
	wd->asked = now;
	wd->code = 0;
	send = loaded && have; /* validators only for the copy held */
	if (snds_url(c->snds_url, d, c->snds_keys[i].value, url, sizeof(url)) < 0) {
		snprintf(why, sizeof(why), "the [snds] url is too long");
	} else if (curlx_get(url, send && f.etag[0] ? f.etag : NULL,
			     send && f.last_modified[0] ? f.last_modified : NULL,
			     (int)c->snds_timeout_s, SNDS_BODY_MAX, stop, &g, err, sizeof(err)) < 0) {
		/* an error page or an HTTP error is never "nothing blocked" */
		snprintf(why, sizeof(why), "%s", err);
		wd->code = g.http_code;
	} else if (g.status == CURLX_GET_NOT_MODIFIED && loaded) {
		wd->confirmed = now;
		rc = store_file_put(s, fid, NULL, 0, NULL, NULL, now); /* when SNDS last answered */
	} else if (g.status == CURLX_GET_NOT_MODIFIED) {
		snprintf(why, sizeof(why), "304 Not Modified, but no usable copy is held");
	} else {
		rc = take_new(w, s, i, d, fid, &g, now, why, sizeof(why));
	}
	config_redact(c, why, sizeof(why)); /* a server may quote the key back */
	if (why[0]) {
		char said[sizeof(why) + sizeof(who)];
		key_name(w, i, who, sizeof(who));
		snprintf(said, sizeof(said), "%s%s", who, why);
		/* said once, by the list's health (cycle.c), not at every try */
		log_debug("SNDS %s: %s (last good copy kept)", snds_doc_name(d), said);
		snds_set_current(w->set, i, d, said);
	} else {
		snds_set_current(w->set, i, d, NULL);
	}
out:
	curlx_get_free(&g);
	free(f.body);
	return rc;
}

int snds_watch_refresh(snds_watch_t *w, const config_t *c, store_t *s,
		       catalog_list_t *const *lists, size_t n, int64_t now,
		       volatile sig_atomic_t *stop)
{
	bool want[SNDS_NDOCS] = {false, false};
	const char **accounts;
	int rc = 0;

	follow_keys(w, c);
	for (size_t k = 0; k < n; k++)
		want[snds_list_doc(lists[k])] = true;
	for (int d = 0; d < SNDS_NDOCS && rc == 0; d++)
		for (size_t i = 0; want[d] && i < w->n && rc == 0; i++)
			rc = refresh_one(w, c, s, i, (snds_doc_t)d, now, stop);
	if (rc < 0)
		return -1;
	/* a key removed from the config takes its numbers with it */
	accounts = xcalloc(w->n ? w->n : 1, sizeof(*accounts));
	for (size_t i = 0; i < w->n; i++)
		accounts[i] = w->account[i];
	rc = store_snds_retain(s, accounts, w->n);
	free(accounts);
	return rc;
}

dnsbl_health_t snds_watch_health(const snds_watch_t *w, const catalog_list_t *l, char *detail,
				 size_t len)
{
	snds_doc_t d = snds_list_doc(l);
	const char *why = NULL;

	detail[0] = '\0';
	if (!w->set || snds_current(w->set, d, &why))
		return HEALTH_OK;
	snprintf(detail, len, "SNDS %s: %s", snds_doc_name(d), why ? why : "failing");
	for (size_t i = 0; i < w->n; i++)
		if (w->doc[i][d].code)
			return snds_fetch_health(w->doc[i][d].code);
	return HEALTH_UNREACHABLE;
}

bool snds_watch_result(snds_watch_t *w, const catalog_list_t *l, const target_t *t, uint16_t idx,
		       dnsbl_result_t *out, char *buf, size_t len, int64_t *at)
{
	snds_doc_t d = snds_list_doc(l);

	if (!w->set || !dnsbl_list_applies(l, t->type))
		return false;
	snds_result(w->set, d, t, idx, out, buf, len);
	/* as fresh as the oldest answer it rests on */
	*at = 0;
	for (size_t i = 0; i < w->n; i++)
		if (!*at || w->doc[i][d].confirmed < *at)
			*at = w->doc[i][d].confirmed;
	return true;
}
