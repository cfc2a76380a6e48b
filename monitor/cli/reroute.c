/* reroute.c -- `blmon reroute`: a Postfix transport map sending a rejecting provider's domains via another relay.
 * The domains are those the mail log showed (log_domains); each one's MX is resolved to check it is the provider's. It only prints. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/dnsbl.h"
#include "checks/reject_rules.h"
#include "checks/target.h"
#include "monitor/cli/cli.h"
#include "monitor/cli/cli_opt.h"
#include "monitor/config.h"
#include "store/store_mtalog.h"

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
	"                    $BLMON_CONFIG, else /etc/blmon.conf\n"
	"  -h, --help        this text\n";

typedef struct {
	const char *provider, *via, *config; /* borrowed from argv */
	char hop[600];                       /* the map's right-hand side, from via */
} reroute_args_t;

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

/* Reads the options into a. Returns true to go on; false with the exit
 * status in *status (0 after --help, EXIT_USAGE with the usage on stderr). */
static bool args_parse(int argc, char **argv, reroute_args_t *a, int *status)
{
	static const struct option opts[] = {{"provider", required_argument, NULL, 'p'},
					     {"via", required_argument, NULL, 'v'},
					     {"config", required_argument, NULL, 'c'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	char msg[300];
	int opt;

	*a = (reroute_args_t){.config = NULL};
	*status = EXIT_USAGE;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "p:v:c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			a->provider = optarg;
			break;
		case 'v':
			a->via = optarg;
			break;
		case 'c':
			a->config = optarg;
			break;
		case 'h':
			fputs(reroute_usage, stdout);
			*status = 0;
			return false;
		default:
			cli_opt_error(opts, "p:v:c:h", argv, msg, sizeof(msg));
			fprintf(stderr, "blmon reroute: %s\nRun `blmon reroute --help` for usage.\n",
				msg);
			return false;
		}
	}
	if (optind < argc || !a->provider || !a->via) {
		fputs(reroute_usage, stderr);
		return false;
	}
	a->config = config_path(a->config);
	return true;
}

/* Is a's provider one we know, and its --via a next hop? Says why not on stderr. */
static bool args_valid(reroute_args_t *a)
{
	if (!reject_provider_removal(a->provider)[0]) {
		fprintf(stderr, "blmon reroute: --provider %s: not one of microsoft, google, yahoo\n",
			a->provider);
		return false;
	}
	if (nexthop(a->via, a->hop, sizeof(a->hop)) < 0) {
		fprintf(stderr, "blmon reroute: --via '%s' is not a next hop such as "
				"[relay.example.net]:587\n", a->via);
		return false;
	}
	return true;
}

/* Keeps the real domain names of domains[0..*n) (the log is untrusted: only
 * those reach a transport map), in order; frees the others. */
static void domains_keep_valid(char **domains, size_t *n)
{
	size_t kept = 0;

	for (size_t i = 0; i < *n; i++) {
		if (target_domain_valid(domains[i], true))
			domains[kept++] = domains[i];
		else
			free(domains[i]);
	}
	*n = kept;
}

/* The recipient domains the daemon saw in the mail log, read from database.
 * 0 with *domains (caller owns: store_log_domains_free), or -1 (said on stderr). */
static int domains_load(const config_t *c, char ***domains, size_t *n)
{
	const char *database = c->database;
	char err[1024];
	store_t *s = store_open_db(&(store_db_t){database, c->database_password_file}, STORE_RO, err,
				   sizeof(err));
	int ret = -1;

	*domains = NULL;
	*n = 0;
	if (!s) {
		fprintf(stderr, "blmon reroute: %s (has `blmon run` with [logwatch] read a mail log "
				"yet?)\n", err);
		goto out;
	}
	if (store_log_domains(s, REROUTE_MAX_DOMAINS, domains, n) < 0) {
		fprintf(stderr, "blmon reroute: %s: %s (has `blmon run` with [logwatch] read a mail "
				"log yet?)\n", database, store_error(s));
		goto out;
	}
	domains_keep_valid(*domains, n);
	ret = 0;
out:
	store_close(s);
	return ret;
}

/* A resolver on the config's resolver, timeout and retries. */
static dnsbl_t *resolver_new(const config_t *c, char *err, size_t errlen)
{
	dnsbl_opts_t o = DNSBL_OPTS_DEFAULT;

	o.resolver = c->resolver;
	o.timeout_ms = c->timeout_ms;
	o.tries = c->retries + 1;
	return dnsbl_new(&o, err, errlen);
}

/* Does an MX of domain belong to provider? 1 yes, 0 no (or the lookup failed:
 * *failed is set and it is said on stderr), -1 when interrupted. */
static int mx_is_providers(dnsbl_t *d, const char *domain, const char *provider, bool *failed)
{
	char **mx = NULL;
	size_t nmx = 0;
	dns_outcome_t out;
	bool theirs = false;

	if (dnsbl_lookup_mx(d, domain, &mx, &nmx, &out) < 0)
		return -1;
	if (out != DNS_OK && out != DNS_NXDOMAIN && out != DNS_NODATA) {
		fprintf(stderr, "blmon reroute: %s: MX lookup failed: left out\n", domain);
		*failed = true;
	}
	for (size_t k = 0; k < nmx && !theirs; k++) {
		const char *p = reject_rules_provider_of_host(mx[k]);
		theirs = p && !strcmp(p, provider);
	}
	dnsbl_strings_free(mx, nmx);
	return theirs;
}

/* Prints the map: a header, one "domain<TAB>nexthop" line per domain whose MX
 * is the provider's, and a count. */
static void map_print(dnsbl_t *d, const reroute_args_t *a, char **domains, size_t n)
{
	size_t matched = 0, failed = 0;

	printf("# blmon reroute --provider %s: recipient domains seen in the mail log whose MX is "
	       "%s's,\n# sent via %s. Review, then: postmap /etc/postfix/transport\n", a->provider,
	       reject_provider_name(a->provider), a->hop);
	for (size_t i = 0; i < n; i++) {
		bool lookup_failed = false;
		int theirs = mx_is_providers(d, domains[i], a->provider, &lookup_failed);

		if (theirs < 0)
			break;
		failed += lookup_failed;
		if (theirs) {
			printf("%s\t%s\n", domains[i], a->hop);
			matched++;
		}
	}
	printf("# %zu of %zu domains%s\n", matched, n,
	       failed ? " (some MX lookups failed: see stderr)" : "");
}

int cmd_reroute(int argc, char **argv)
{
	reroute_args_t a;
	config_t *c = NULL;
	dnsbl_t *d = NULL;
	char **domains = NULL, err[8192];
	size_t n = 0;
	int ret;

	if (!args_parse(argc, argv, &a, &ret))
		return ret;
	if (!args_valid(&a))
		return EXIT_USAGE;
	if (config_load(a.config, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	ret = EXIT_USAGE;
	if (domains_load(c, &domains, &n) < 0)
		goto out;
	d = resolver_new(c, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "blmon reroute: %s\n", err);
		goto out;
	}
	map_print(d, &a, domains, n);
	ret = 0;
out:
	store_log_domains_free(domains, n);
	dnsbl_free(d);
	config_free(c);
	return ret;
}
