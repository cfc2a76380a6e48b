/* reroute.c -- `blmon reroute`: a Postfix transport map sending a rejecting provider's domains via another relay.
 * The domains are those the mail log showed (log_domains); each one's MX is resolved to check it is the provider's. It only prints. */
#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/dnsbl.h"
#include "checks/target.h"
#include "lib/xmalloc.h"
#include "monitor/cli/cli.h"
#include "monitor/config.h"
#include "checks/reject_rules.h"

#define REROUTE_MAX_DOMAINS 10000

static const char reroute_usage[] =
	"Usage: blmon reroute --provider NAME --via NEXTHOP [-c FILE]\n"
	"\n"
	"Prints a Postfix transport(5) map of the recipient domains seen in the mail log\n"
	"([logwatch]) whose MX belongs to the provider, each sent via NEXTHOP. Nothing is\n"
	"changed: review it, save it (e.g. /etc/postfix/transport), run `postmap` on it and\n"
	"set transport_maps = hash:/etc/postfix/transport.\n"
	"\n"
	"  --provider NAME   microsoft, google or yahoo\n"
	"  --via NEXTHOP     e.g. [relay.example.net]:587 (smtp: is added) or relay:[host]\n"
	"  -c, --config FILE the daemon's config (its database and resolver); default\n"
	"                    /etc/blmon.conf\n";

/* The transport map's right-hand side: "smtp:" unless via names a transport. */
static int nexthop(const char *via, char *out, size_t len)
{
	const char *colon = strchr(via, ':');

	if (!*via || strpbrk(via, " \t\r\n#,"))
		return -1;
	if (via[0] != '[' && colon && colon[1] == '[')
		snprintf(out, len, "%s", via); /* transport:[host]:port */
	else
		snprintf(out, len, "smtp:%s", via);
	return 0;
}

int cmd_reroute(int argc, char **argv)
{
	static const struct option opts[] = {{"provider", required_argument, NULL, 'p'},
					     {"via", required_argument, NULL, 'v'},
					     {"config", required_argument, NULL, 'c'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *provider = NULL, *via = NULL, *path = "/etc/blmon.conf";
	char err[8192], hop[600];
	config_t *c = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	dnsbl_t *d = NULL;
	dnsbl_opts_t o = DNSBL_OPTS_DEFAULT;
	char **domains = NULL;
	size_t n = 0, cap = 0, matched = 0, failed = 0;
	int opt, ret = EXIT_USAGE;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "p:v:c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			provider = optarg;
			break;
		case 'v':
			via = optarg;
			break;
		case 'c':
			path = optarg;
			break;
		case 'h':
			fputs(reroute_usage, stdout);
			return 0;
		default:
			fputs(reroute_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc || !provider || !via) {
		fputs(reroute_usage, stderr);
		return EXIT_USAGE;
	}
	if (!reject_provider_removal(provider)[0]) {
		fprintf(stderr, "blmon reroute: --provider %s: not one of microsoft, google, yahoo\n",
			provider);
		return EXIT_USAGE;
	}
	if (nexthop(via, hop, sizeof(hop)) < 0) {
		fprintf(stderr, "blmon reroute: --via '%s' is not a next hop such as "
				"[relay.example.net]:587\n", via);
		return EXIT_USAGE;
	}
	if (config_load(path, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	if (sqlite3_open_v2(c->database, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT domain FROM log_domains ORDER BY domain LIMIT ?1", -1, &st,
			       NULL) != SQLITE_OK) {
		fprintf(stderr, "blmon reroute: %s: %s (has `blmon run` with [logwatch] read a mail "
				"log yet?)\n", c->database, db ? sqlite3_errmsg(db) : "cannot open");
		goto done;
	}
	sqlite3_bind_int(st, 1, REROUTE_MAX_DOMAINS);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *dom = (const char *)sqlite3_column_text(st, 0);
		/* the log is untrusted: only real domain names reach a transport map */
		if (!dom || !target_domain_valid(dom, true))
			continue;
		xgrow((void **)&domains, &cap, n + 1, sizeof(*domains));
		domains[n++] = xstrdup(dom);
	}
	o.resolver = c->resolver;
	o.timeout_ms = c->timeout_ms;
	o.tries = c->retries + 1;
	d = dnsbl_new(&o, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "blmon reroute: %s\n", err);
		goto done;
	}
	printf("# blmon reroute --provider %s: recipient domains seen in the mail log whose MX is "
	       "%s's,\n# sent via %s. Review, then: postmap /etc/postfix/transport\n", provider,
	       reject_provider_name(provider), hop);
	for (size_t i = 0; i < n; i++) {
		char **mx = NULL;
		size_t nmx = 0;
		dns_outcome_t out;
		bool theirs = false;

		if (dnsbl_lookup_mx(d, domains[i], &mx, &nmx, &out) < 0)
			break;
		if (out != DNS_OK && out != DNS_NXDOMAIN && out != DNS_NODATA) {
			fprintf(stderr, "blmon reroute: %s: MX lookup failed: left out\n", domains[i]);
			failed++;
		}
		for (size_t k = 0; k < nmx && !theirs; k++) {
			const char *p = reject_rules_provider_of_host(mx[k]);
			theirs = p && !strcmp(p, provider);
		}
		dnsbl_strings_free(mx, nmx);
		if (theirs) {
			printf("%s\t%s\n", domains[i], hop);
			matched++;
		}
	}
	printf("# %zu of %zu domains%s\n", matched, n, failed ? " (some MX lookups failed: see stderr)" : "");
	ret = 0;
done:
	for (size_t i = 0; i < n; i++)
		free(domains[i]);
	free(domains);
	dnsbl_free(d);
	sqlite3_finalize(st);
	sqlite3_close(db);
	config_free(c);
	return ret;
}
