/* live.c -- the one pipeline of a check made now: config and overrides, lists, targets, test points.
 * `blmon check` and the live mode of `blmon nagios` differ only in how they print. */
#include "monitor/cli/live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/snds.h"
#include "lib/curlx.h"
#include "lib/xmalloc.h"

/* Applies the command line's resolver, timeout, retries and concurrency. */
static int overrides(config_t *c, const live_opts_t *o, char *err, size_t errlen)
{
	if (o->resolver) {
		char why[400];
		if (dnsbl_resolver_check(o->resolver, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "--%s", why); /* "--resolver: ..." */
			return -1;
		}
		free(c->resolver);
		c->resolver = xstrdup(o->resolver);
	}
	if (o->timeout) {
		unsigned long long ms;
		if (config_duration_ms(o->timeout, &ms) < 0 || ms < 100 || ms > 60000) {
			snprintf(err, errlen, "--timeout: '%s' is not a duration from 100ms to 60s",
				 o->timeout);
			return -1;
		}
		c->timeout_ms = (unsigned)ms;
	}
	if (o->retries >= 0)
		c->retries = (unsigned)o->retries;
	if (o->concurrency > 0)
		c->concurrency = (unsigned)o->concurrency;
	return 0;
}

static bool in_run(const live_t *lv, const catalog_list_t *l)
{
	for (size_t j = 0; j < lv->nlists; j++)
		if (lv->lists[j] == l)
			return true;
	return false;
}

/* Puts the SNDS lists after the DNS ones: the engine checks the first ndns. */
static void order_sources(live_t *lv)
{
	catalog_list_t **v = xcalloc(lv->nlists + 1, sizeof(*v));
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < lv->nlists; i++)
			if ((lv->lists[i]->source == SOURCE_DNS) == (pass == 0))
				v[n++] = lv->lists[i];
	for (lv->ndns = 0; lv->ndns < n && v[lv->ndns]->source == SOURCE_DNS; lv->ndns++)
		;
	free(lv->lists);
	lv->lists = v;
}

/* The zone of a --dataset ZONE=TYPE:PATH into zone (NUL-terminated); its spec after it. */
static const char *dataset_zone_of(const char *arg, char *zone, size_t len)
{
	const char *eq = strchr(arg, '=');

	snprintf(zone, len, "%.*s", eq ? (int)(eq - arg) : 0, arg);
	return eq ? eq + 1 : NULL;
}

/* Adds the ad-hoc zone name of --list or --dataset when the catalog has none. */
static int adhoc(catalog_t *cat, const char *name, const char *opt, char *err, size_t errlen)
{
	if (catalog_find(cat, name))
		return 0;
	if (!target_domain_valid(name, true)) {
		snprintf(err, errlen, "--%s %s: no such list and not a zone name (see `blmon lists`)",
			 opt, name);
		return -1;
	}
	catalog_add(cat, name);
	return 0;
}

/* Adds list l to the run once. */
static int run_add(live_t *lv, catalog_list_t *l, const char *opt, const char *name, char *err,
		   size_t errlen)
{
	if (!l->zone) {
		snprintf(err, errlen, "--%s %s: this list needs a key (key = in [list %s], with -c FILE)",
			 opt, name, l->zone_tmpl);
		return -1;
	}
	if (!in_run(lv, l))
		lv->lists[lv->nlists++] = l;
	return 0;
}

/* Picks the lists of this run: --list and --dataset, else --all-lists, else the config's;
 * SNDS's when asked for (--snds, or --list naming one of them). */
static int select_lists(live_t *lv, const live_opts_t *o, char *err, size_t errlen)
{
	catalog_t *cat = lv->cfg->catalog;
	bool snds = o->snds, chosen = o->nlists || o->ndatasets;
	char zone[300];

	/* add ad-hoc zones first: catalog_add moves the list array */
	for (size_t i = 0; i < o->nlists; i++)
		if (adhoc(cat, o->lists[i], "list", err, errlen) < 0)
			return -1;
	for (size_t i = 0; i < o->ndatasets; i++) {
		if (!dataset_zone_of(o->datasets[i], zone, sizeof(zone)) || !zone[0]) {
			snprintf(err, errlen, "--dataset %s: expected ZONE=TYPE:PATH (e.g. "
				 "zen.spamhaus.org=ip4set:/srv/zen/sbl.txt)", o->datasets[i]);
			return -1;
		}
		if (adhoc(cat, zone, "dataset", err, errlen) < 0)
			return -1;
	}
	for (size_t i = 0; i < o->nlists; i++)
		snds |= catalog_find(cat, o->lists[i])->source == SOURCE_SNDS;
	if (snds && !lv->cfg->nsnds_keys) {
		snprintf(err, errlen, "--snds: SNDS needs a key: key = in [snds] of the config (-c FILE)");
		return -1;
	}
	lv->lists = xcalloc(cat->n + 1, sizeof(*lv->lists));
	for (size_t i = 0; i < o->nlists; i++)
		if (run_add(lv, catalog_find(cat, o->lists[i]), "list", o->lists[i], err, errlen) < 0)
			return -1;
	for (size_t i = 0; i < o->ndatasets; i++) {
		const char *spec = dataset_zone_of(o->datasets[i], zone, sizeof(zone));
		catalog_list_t *l = catalog_find(cat, zone);
		char e[600];

		if (l->source != SOURCE_DNS) {
			snprintf(err, errlen, "--dataset %s: %s is answered by Microsoft SNDS, not from "
				 "data files", o->datasets[i], zone);
			return -1;
		}
		if (run_add(lv, l, "dataset", zone, err, errlen) < 0)
			return -1;
		if (!l->dataset)
			l->dataset = dataset_zone_new();
		if (dataset_zone_add(l->dataset, spec, NULL, e, sizeof(e)) < 0) {
			snprintf(err, errlen, "--dataset %s: %s", o->datasets[i], e);
			return -1;
		}
	}
	for (size_t i = 0; i < cat->n; i++) {
		catalog_list_t *l = &cat->lists[i];
		bool dns = l->source == SOURCE_DNS;
		/* --snds adds SNDS's lists to whichever DNS lists were chosen */
		if (!l->zone || (dns && chosen) || (!dns && !o->snds) || in_run(lv, l))
			continue;
		if (o->all_lists || l->enabled)
			lv->lists[lv->nlists++] = l;
	}
	if (lv->nlists == 0) {
		snprintf(err, errlen, "no lists enabled (see [lists] in the config)");
		return -1;
	}
	order_sources(lv);
	return 0;
}

int live_open(live_t *lv, const live_opts_t *o, volatile sig_atomic_t *stop, char *err,
	      size_t errlen)
{
	memset(lv, 0, sizeof(*lv));
	targetset_init(&lv->ts);
	lv->stop = stop;
	if (o->config) {
		if (config_load(o->config, &lv->cfg, err, errlen) < 0)
			return -1;
	} else {
		lv->cfg = config_new_default();
	}
	if (overrides(lv->cfg, o, err, errlen) < 0 || select_lists(lv, o, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < lv->nlists; i++) {
		char e[600];
		if (lv->lists[i]->dataset) /* a failure is the zone's to tell: see live_dataset_errors */
			dataset_zone_load(lv->lists[i]->dataset, e, sizeof(e));
	}
	lv->dns = config_engine(lv->cfg, stop, err, errlen);
	return lv->dns ? 0 : -1;
}

void live_dataset_errors(const live_t *lv, void (*fn)(void *ud, const char *zone,
						      const char *err), void *ud)
{
	for (size_t i = 0; i < lv->nlists; i++) {
		const catalog_list_t *l = lv->lists[i];
		dataset_zone_info_t in;

		if (!l->dataset)
			continue;
		dataset_zone_info(l->dataset, &in);
		if (in.error[0])
			fn(ud, catalog_zone_shown(l, l->zone), in.error);
	}
}

static void add_host(live_t *lv, const char *host)
{
	lv->hosts = xrealloc(lv->hosts, (lv->nhosts + 1) * sizeof(*lv->hosts));
	lv->host_err = xrealloc(lv->host_err, (lv->nhosts + 1) * sizeof(*lv->host_err));
	lv->host_err[lv->nhosts] = NULL;
	lv->hosts[lv->nhosts++] = host;
}

int live_add(live_t *lv, const char *arg, char *err, size_t errlen)
{
	target_spec_t spec;

	if (!strncmp(arg, "host:", 5)) {
		if (!target_domain_valid(arg + 5, true)) {
			snprintf(err, errlen, "'%s' is not a host name", arg + 5);
			return -1;
		}
		add_host(lv, arg + 5);
		return 0;
	}
	if (target_parse(arg, &lv->cfg->limits, &spec, err, errlen) < 0)
		return -1;
	targetset_add(&lv->ts, &spec);
	return 0;
}

int live_add_config_targets(live_t *lv, char *err, size_t errlen)
{
	const config_t *c = lv->cfg;

	for (size_t i = 0; i < c->ntargets; i++) {
		if (c->targets[i].kind == CT_HOST)
			add_host(lv, c->targets[i].value);
		else
			targetset_add(&lv->ts, &c->targets[i].spec);
	}
	if (lv->ts.total == 0 && lv->nhosts == 0) {
		snprintf(err, errlen, "no targets: give TARGET arguments%s",
			 c->path ? " or ip/network/host/domain keys in [targets]" : " or -c FILE");
		return -1;
	}
	return 0;
}

unsigned long long live_target_count(const live_t *lv)
{
	return lv->ts.total + lv->nhosts;
}

/* Fetches document doc of key i once and loads it; a failure is said in its words (the
 * key masked) and makes the document not current. The HTTP code of a failure, else 0. */
static long snds_fetch_one(live_t *lv, size_t i, snds_doc_t doc)
{
	const config_t *c = lv->cfg;
	char url[1024], err[600], why[700];
	curlx_get_t g;
	long code = 0;

	if (snds_url(c->snds_url, doc, c->snds_keys[i].value, url, sizeof(url)) < 0) {
		snds_set_current(lv->snds, i, doc, "the [snds] url is too long");
		return 0;
	}
	if (curlx_get(url, NULL, NULL, (int)c->snds_timeout_s, SNDS_BODY_MAX, lv->stop, &g, err,
		      sizeof(err)) < 0) {
		snprintf(why, sizeof(why), "%s", err);
		code = g.http_code;
	} else if (snds_parse(lv->snds, i, doc, g.body, g.len, err, sizeof(err)) < 0) {
		snprintf(why, sizeof(why), "refused the document: %s", err);
	} else {
		why[0] = '\0';
	}
	config_redact(c, why, sizeof(why)); /* a server may quote the key back */
	snds_set_current(lv->snds, i, doc, why[0] ? why : NULL);
	curlx_get_free(&g);
	return code;
}

/* SNDS's documents, once, for the SNDS lists of the run; each list's health
 * says whether its document could be read for every key. */
static void snds_test(live_t *lv)
{
	long code[SNDS_NDOCS] = {0, 0};
	bool wanted[SNDS_NDOCS] = {false, false};

	if (lv->ndns == lv->nlists)
		return;
	lv->snds = snds_new(lv->cfg->nsnds_keys);
	for (size_t k = lv->ndns; k < lv->nlists; k++)
		wanted[snds_list_doc(lv->lists[k])] = true;
	for (int doc = 0; doc < SNDS_NDOCS; doc++)
		for (size_t i = 0; wanted[doc] && i < lv->cfg->nsnds_keys; i++) {
			long c = snds_fetch_one(lv, i, (snds_doc_t)doc);
			if (c && !code[doc])
				code[doc] = c; /* the first refusal names the health */
		}
	for (size_t k = lv->ndns; k < lv->nlists; k++) {
		snds_doc_t doc = snds_list_doc(lv->lists[k]);
		const char *why = NULL;
		dnsbl_list_state_t *st = &lv->states[k];

		st->health = st->fam[0] = HEALTH_OK;
		st->fam[1] = HEALTH_UNTESTED;
		if (snds_current(lv->snds, doc, &why))
			continue;
		st->health = st->fam[0] = snds_fetch_health(code[doc]);
		snprintf(st->detail, sizeof(st->detail), "SNDS %s: %s", snds_doc_name(doc), why);
	}
}

int live_test(live_t *lv)
{
	char err[512];
	bool v6 = false;

	for (size_t i = 0; i < lv->nhosts; i++)
		if (dnsbl_resolve_host(lv->dns, lv->hosts[i], &lv->ts, err, sizeof(err)) < 0)
			lv->host_err[i] = xstrdup(err);
	for (size_t i = 0; i < lv->ts.n; i++)
		v6 |= lv->ts.specs[i].first.type == TARGET_IPV6;
	lv->states = xcalloc(lv->nlists ? lv->nlists : 1, sizeof(*lv->states));
	if (dnsbl_test_lists(lv->dns, lv->lists, lv->ndns, v6, lv->states) < 0)
		return -1;
	snds_test(lv);
	return lv->stop && *lv->stop ? -1 : 0;
}

/* The engine's callback, with SNDS's results of the target appended. */
struct with_snds {
	live_t *lv;
	dnsbl_target_cb cb;
	void *ud;
};

static void add_snds(void *arg, const target_t *t, const dnsbl_result_t *res, size_t nres)
{
	struct with_snds *w = arg;
	live_t *lv = w->lv;
	size_t n = 0, extra = lv->nlists - lv->ndns;
	dnsbl_result_t *all = xcalloc(nres + extra + 1, sizeof(*all));
	char (*buf)[1024] = xcalloc(extra + 1, sizeof(*buf));

	if (nres)
		memcpy(all, res, nres * sizeof(*res));
	n = nres;
	for (size_t k = lv->ndns; k < lv->nlists; k++)
		if (dnsbl_list_applies(lv->lists[k], t->type))
			snds_result(lv->snds, snds_list_doc(lv->lists[k]), t, (uint16_t)k, &all[n++],
				    buf[k - lv->ndns], sizeof(buf[0]));
	w->cb(w->ud, t, all, n);
	free(buf);
	free(all);
}

int live_run(live_t *lv, dnsbl_target_cb cb, void *ud)
{
	struct with_snds w = {lv, cb, ud};
	targetset_iter_t it = {0, 0};
	target_t t;

	if (!lv->snds)
		return dnsbl_run(lv->dns, lv->lists, lv->ndns, lv->states, &lv->ts, cb, ud);
	if (lv->ndns)
		return dnsbl_run(lv->dns, lv->lists, lv->ndns, lv->states, &lv->ts, add_snds, &w);
	/* SNDS alone: no query to make, the documents answer */
	while (targetset_next(&lv->ts, &it, &t)) {
		if (lv->stop && *lv->stop)
			return -1;
		add_snds(&w, &t, NULL, 0);
	}
	return 0;
}

void live_free(live_t *lv)
{
	for (size_t i = 0; i < lv->nhosts; i++)
		free(lv->host_err[i]);
	free(lv->host_err);
	free(lv->hosts);
	free(lv->states);
	free(lv->lists);
	snds_free(lv->snds);
	dnsbl_free(lv->dns);
	targetset_free(&lv->ts);
	config_free(lv->cfg);
	memset(lv, 0, sizeof(*lv));
}
