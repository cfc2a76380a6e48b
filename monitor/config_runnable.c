/* config_runnable.c -- is a loaded config one the daemon can run: targets, lists, query budgets.
 * `blmon run`, a reload and `blmon config-test` ask this one question the same way. */
#include "monitor/config.h"

#include <stdio.h>

#include "checks/dnsbl.h"

unsigned config_list_interval(const config_t *c, const catalog_list_t *l)
{
	return l->interval_s ? l->interval_s : c->interval_s;
}

size_t config_lists_enabled(const config_t *c)
{
	size_t on = 0;

	for (size_t i = 0; i < c->catalog->n; i++)
		on += c->catalog->lists[i].enabled && c->catalog->lists[i].zone;
	return on;
}

/* The config's static targets by type; a host counts as one IPv4 and one
 * IPv6 address (its real count is known only once it resolves). */
static void targets_by_type(const config_t *c, unsigned long long n[3])
{
	n[TARGET_IPV4] = n[TARGET_IPV6] = n[TARGET_DOMAIN] = 0;
	for (size_t i = 0; i < c->ntargets; i++) {
		const config_target_t *t = &c->targets[i];
		if (t->kind == CT_HOST) {
			n[TARGET_IPV4]++;
			n[TARGET_IPV6]++;
		} else {
			n[t->spec.first.type] += t->spec.count;
		}
	}
}

int config_budget_check(const config_t *c, char *report, size_t len)
{
	unsigned long long n[3];
	size_t used = 0;
	int over = 0;

	report[0] = '\0';
	targets_by_type(c, n);
	for (size_t i = 0; i < c->catalog->n; i++) {
		const catalog_list_t *l = &c->catalog->lists[i];
		unsigned iv = config_list_interval(c, l);
		unsigned long long per_day, per_cycle;

		if (!l->enabled || !l->zone || !l->budget)
			continue;
		per_day = dnsbl_queries_per_day(l, iv, n);
		if (per_day <= l->budget)
			continue;
		per_cycle = dnsbl_queries_per_day(l, 86400, n); /* one cycle a day: one cycle's cost */
		over++;
		used += (size_t)snprintf(report + used, used < len ? len - used : 0,
					 "%s%s (%s): %llu queries/day implied (%llu targets every %us plus test "
					 "points) exceed its budget of %u/day; raise interval in [list %s] to at "
					 "least %llus, check fewer targets, or use a key/mirror",
					 used ? "\n" : "", l->name, catalog_zone_shown(l, l->zone), per_day,
					 per_cycle - DNSBL_TEST_QUERIES, iv, l->budget,
					 l->id, per_cycle * 86400ULL / l->budget + 1);
	}
	return over;
}

int config_runnable(const config_t *c, char *err, size_t errlen)
{
	if (c->ntargets == 0) {
		snprintf(err, errlen, "%s: no targets: add ip, network, host or domain keys to [targets]",
			 c->path);
		return -1;
	}
	if (config_lists_enabled(c) == 0) {
		snprintf(err, errlen, "%s: no lists enabled: see [lists] (default, enable, only)",
			 c->path);
		return -1;
	}
	return 0;
}
