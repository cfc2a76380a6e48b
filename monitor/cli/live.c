/* live.c -- the one pipeline of a check made now: config and overrides, lists, targets, test points.
 * `blmon check` and the live mode of `blmon nagios` differ only in how they print. */
#include "monitor/cli/live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Picks the lists of this run: --list, else --all-lists, else the config's. */
static int select_lists(live_t *lv, const live_opts_t *o, char *err, size_t errlen)
{
	catalog_t *cat = lv->cfg->catalog;

	/* add ad-hoc zones first: catalog_add moves the list array */
	for (size_t i = 0; i < o->nlists; i++) {
		if (catalog_find(cat, o->lists[i]))
			continue;
		if (!target_domain_valid(o->lists[i], true)) {
			snprintf(err, errlen, "--list %s: no such list and not a zone name (see "
				 "`blmon lists`)", o->lists[i]);
			return -1;
		}
		catalog_add(cat, o->lists[i]);
	}
	lv->lists = xcalloc(cat->n + 1, sizeof(*lv->lists));
	for (size_t i = 0; i < o->nlists; i++) {
		catalog_list_t *l = catalog_find(cat, o->lists[i]);
		bool dup = false;

		if (!l->zone) {
			snprintf(err, errlen, "--list %s: this list needs a key (key = in [list %s], "
				 "with -c FILE)", o->lists[i], l->zone_tmpl);
			return -1;
		}
		for (size_t j = 0; j < lv->nlists; j++)
			dup |= lv->lists[j] == l;
		if (!dup)
			lv->lists[lv->nlists++] = l;
	}
	for (size_t i = 0; i < cat->n && o->nlists == 0; i++)
		if (cat->lists[i].zone && (o->all_lists || cat->lists[i].enabled))
			lv->lists[lv->nlists++] = &cat->lists[i];
	if (lv->nlists == 0) {
		snprintf(err, errlen, "no lists enabled (see [lists] in the config)");
		return -1;
	}
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
	lv->dns = config_engine(lv->cfg, stop, err, errlen);
	return lv->dns ? 0 : -1;
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
	return dnsbl_test_lists(lv->dns, lv->lists, lv->nlists, v6, lv->states);
}

int live_run(live_t *lv, dnsbl_target_cb cb, void *ud)
{
	return dnsbl_run(lv->dns, lv->lists, lv->nlists, lv->states, &lv->ts, cb, ud);
}

void live_free(live_t *lv)
{
	for (size_t i = 0; i < lv->nhosts; i++)
		free(lv->host_err[i]);
	free(lv->host_err);
	free(lv->hosts);
	free(lv->states);
	free(lv->lists);
	dnsbl_free(lv->dns);
	targetset_free(&lv->ts);
	config_free(lv->cfg);
	memset(lv, 0, sizeof(*lv));
}
