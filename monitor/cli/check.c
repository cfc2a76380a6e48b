/* check.c -- `blmon check`: one run of the engine over targets from argv or a config.
 * Resolves hosts, tests each list's health, checks, and reports; exits 0/1/2/3. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checks/dnsbl.h"
#include "lib/xmalloc.h"
#include "monitor/cli/cli.h"
#include "monitor/config.h"
#include "monitor/cli/check_report.h"

static const char check_usage[] =
	"Usage: blmon check [OPTIONS] [TARGET...]\n"
	"\n"
	"Checks targets against DNS blocklists now and prints the verdicts.\n"
	"TARGET is an IP address (192.0.2.10, 2001:db8::1), a network (192.0.2.0/24,\n"
	"at most /16 for IPv4 and /112 for IPv6), a domain (example.com: checked on\n"
	"domain lists), or host:NAME (NAME's A/AAAA addresses are checked on IP lists).\n"
	"Without TARGETs, the [targets] of the config are checked.\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE       read FILE (lists, resolver, targets, limits)\n"
	"  -r, --resolver IP[:PORT]  DNS server to ask (default: config, else the\n"
	"                          system's). Use your own recursive resolver: public\n"
	"                          ones are refused by Spamhaus and others.\n"
	"  -l, --list ZONE         check only this list (id or zone; repeatable)\n"
	"  -a, --all-lists         check every list that has what it needs (keys)\n"
	"  -j, --json              print one JSON document (schemas/check.schema.json)\n"
	"  -v, --verbose           show clean lists and clean targets too\n"
	"  -t, --timeout DURATION  first try's timeout (e.g. 2s, 500ms; doubles per retry)\n"
	"      --retries N         retries after a timeout (default 2)\n"
	"      --concurrency N     queries in flight at most (default 200)\n"
	"      --color WHEN        auto (default), always or never\n"
	"  -h, --help              this text\n"
	"\n"
	"Verdicts: listed, clean, or unknown (timeouts, refusals, error codes such as\n"
	"Spamhaus's 127.255.255.254, and lists failing their RFC 5782 test points are\n"
	"never counted as clean or listed).\n"
	"Exit status: 0 all clean, 1 something listed, 2 usage or config error,\n"
	"3 nothing listed but something unknown.\n"
	"\n"
	"Examples:\n"
	"  blmon check 192.0.2.10\n"
	"  blmon check --resolver 127.0.0.1:5353 --list zen.spamhaus.org 192.0.2.0/24\n"
	"  blmon check -c /etc/blmon.conf --json\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static double since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

struct check_args {
	const char *config, *resolver, *timeout, *color;
	const char **lists;
	size_t nlists;
	int all, json, verbose;
	long retries, concurrency;
};

static int parse_uint_opt(const char *name, const char *v, long max, long *out)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (!*v || *end || n < 0 || n > max) {
		fprintf(stderr, "blmon check: --%s: '%s' is not a number from 0 to %ld\n", name, v,
			max);
		return -1;
	}
	*out = n;
	return 0;
}

static int parse_args(int argc, char **argv, struct check_args *a)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"resolver", required_argument, NULL, 'r'},
		{"list", required_argument, NULL, 'l'},   {"all-lists", no_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},         {"verbose", no_argument, NULL, 'v'},
		{"timeout", required_argument, NULL, 't'}, {"retries", required_argument, NULL, 'R'},
		{"concurrency", required_argument, NULL, 'C'},
		{"color", required_argument, NULL, 'K'},  {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	a->retries = a->concurrency = -1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:r:l:ajvt:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': a->config = optarg; break;
		case 'r': a->resolver = optarg; break;
		case 'l':
			a->lists = xrealloc(a->lists, (a->nlists + 1) * sizeof(*a->lists));
			a->lists[a->nlists++] = optarg;
			break;
		case 'a': a->all = 1; break;
		case 'j': a->json = 1; break;
		case 'v': a->verbose = 1; break;
		case 't': a->timeout = optarg; break;
		case 'R':
			if (parse_uint_opt("retries", optarg, 10, &a->retries) < 0)
				return -1;
			break;
		case 'C':
			if (parse_uint_opt("concurrency", optarg, 10000, &a->concurrency) < 0 ||
			    a->concurrency == 0)
				return -1;
			break;
		case 'K':
			if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
				fprintf(stderr, "blmon check: --color: use auto, always or never\n");
				return -1;
			}
			a->color = optarg;
			break;
		case 'h': fputs(check_usage, stdout); return 1;
		default: fputs("Run `blmon check --help` for usage.\n", stderr); return -1;
		}
	}
	return 0;
}

/* Picks the lists of this run: --list, else --all-lists, else the config's.
 * A --list zone the catalog does not know becomes an ad-hoc IP list (any 127/8
 * answer but 127.0.0.1 is a listing). */
static int select_lists(config_t *c, const struct check_args *a, catalog_list_t ***out,
			size_t *n)
{
	catalog_t *cat = c->catalog;
	catalog_list_t **sel = NULL;
	size_t k = 0;

	/* add ad-hoc zones first: catalog_add moves the list array */
	for (size_t i = 0; i < a->nlists; i++) {
		if (catalog_find(cat, a->lists[i]))
			continue;
		if (!target_domain_valid(a->lists[i], true)) {
			fprintf(stderr, "blmon check: --list %s: no such list and not a zone name "
				"(see `blmon lists`)\n", a->lists[i]);
			return -1;
		}
		catalog_add(cat, a->lists[i]);
	}
	sel = xcalloc(cat->n + 1, sizeof(*sel));
	for (size_t i = 0; i < a->nlists; i++) {
		catalog_list_t *l = catalog_find(cat, a->lists[i]);
		bool dup = false;

		if (!l->zone) {
			fprintf(stderr, "blmon check: --list %s: this list needs a key (key = in "
				"[list %s])\n", a->lists[i], l->zone_tmpl);
			goto fail;
		}
		for (size_t j = 0; j < k; j++)
			dup |= sel[j] == l;
		if (!dup)
			sel[k++] = l;
	}
	for (size_t i = 0; i < cat->n && a->nlists == 0; i++)
		if (cat->lists[i].zone && (a->all || cat->lists[i].enabled))
			sel[k++] = &cat->lists[i];
	if (k == 0) {
		fprintf(stderr, "blmon check: no lists enabled (see [lists] in the config)\n");
		goto fail;
	}
	*out = sel;
	*n = k;
	return 0;
fail:
	free(sel);
	return -1;
}

/* Targets from argv (or the config); host names go to hosts for resolving. */
static int collect_targets(config_t *c, int argc, char **argv, targetset_t *ts,
			   const char ***hosts, size_t *nhosts)
{
	char err[300];

	for (int i = 0; i < argc; i++) {
		target_spec_t spec;
		if (!strncmp(argv[i], "host:", 5)) {
			if (!target_domain_valid(argv[i] + 5, true)) {
				fprintf(stderr, "blmon check: '%s' is not a host name\n", argv[i] + 5);
				return -1;
			}
			*hosts = xrealloc(*hosts, (*nhosts + 1) * sizeof(**hosts));
			(*hosts)[(*nhosts)++] = argv[i] + 5;
			continue;
		}
		if (target_parse(argv[i], &c->limits, &spec, err, sizeof(err)) < 0) {
			fprintf(stderr, "blmon check: target %d: %s\n", i + 1, err);
			return -1;
		}
		targetset_add(ts, &spec);
	}
	if (argc > 0)
		return 0;
	for (size_t i = 0; i < c->ntargets; i++) {
		if (c->targets[i].kind == CT_HOST) {
			*hosts = xrealloc(*hosts, (*nhosts + 1) * sizeof(**hosts));
			(*hosts)[(*nhosts)++] = c->targets[i].value;
		} else {
			targetset_add(ts, &c->targets[i].spec);
		}
	}
	if (ts->total == 0 && *nhosts == 0) {
		fprintf(stderr, "blmon check: no targets: give TARGET arguments%s\n",
			c->path ? " or ip/network/host/domain keys in [targets]" : " or -c FILE");
		return -1;
	}
	return 0;
}

int cmd_check(int argc, char **argv)
{
	struct check_args a;
	config_t *c = NULL;
	catalog_list_t **lists = NULL;
	size_t nlists = 0, nhosts = 0;
	const char **hosts = NULL;
	char **herr = NULL;
	targetset_t ts;
	dnsbl_t *d = NULL;
	dnsbl_list_state_t *states = NULL;
	check_report_t *rep = NULL;
	char err[8192];
	struct timespec t0;
	int ret = EXIT_USAGE, rc;
	bool v6 = false;
	struct sigaction sa;

	memset(&a, 0, sizeof(a));
	targetset_init(&ts);
	rc = parse_args(argc, argv, &a);
	if (rc != 0) {
		ret = rc > 0 ? 0 : EXIT_USAGE;
		goto out;
	}
	if (a.config) {
		if (config_load(a.config, &c, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			goto out;
		}
	} else {
		c = config_new_default();
	}
	if (a.resolver) {
		if (dnsbl_resolver_check(a.resolver, err, sizeof(err)) < 0) {
			fprintf(stderr, "blmon check: --%s\n", err);
			goto out;
		}
		free(c->resolver);
		c->resolver = xstrdup(a.resolver);
	}
	if (a.timeout) {
		unsigned long long ms;
		if (config_duration_ms(a.timeout, &ms) < 0 || ms < 100 || ms > 60000) {
			fprintf(stderr, "blmon check: --timeout: '%s' is not a duration from 100ms to 60s\n",
				a.timeout);
			goto out;
		}
		c->timeout_ms = (unsigned)ms;
	}
	if (a.retries >= 0)
		c->retries = (unsigned)a.retries;
	if (a.concurrency > 0)
		c->concurrency = (unsigned)a.concurrency;
	if (select_lists(c, &a, &lists, &nlists) < 0)
		goto out;
	if (collect_targets(c, argc - optind, argv + optind, &ts, &hosts, &nhosts) < 0)
		goto out;

	d = config_engine(c, &stop_flag, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "blmon check: %s\n", err);
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	herr = xcalloc(nhosts + 1, sizeof(*herr));
	for (size_t i = 0; i < nhosts; i++)
		if (dnsbl_resolve_host(d, hosts[i], &ts, err, sizeof(err)) < 0)
			herr[i] = xstrdup(err);
	for (size_t i = 0; i < ts.n; i++)
		v6 |= ts.specs[i].first.type == TARGET_IPV6;
	states = xcalloc(nlists, sizeof(*states));
	if (dnsbl_test_lists(d, lists, nlists, v6, states) < 0) {
		fprintf(stderr, "blmon check: interrupted\n");
		ret = EXIT_UNKNOWN;
		goto out;
	}
	{
		check_report_opts_t ro;
		bool tty = isatty(STDOUT_FILENO);
		const char *term = getenv("TERM");
		memset(&ro, 0, sizeof(ro));
		ro.out = stdout;
		ro.json = a.json;
		ro.verbose = a.verbose;
		ro.color = a.color ? !strcmp(a.color, "always") ||
					     (!strcmp(a.color, "auto") && tty)
				   : tty;
		if (!a.color || !strcmp(a.color, "auto"))
			ro.color = ro.color && !getenv("NO_COLOR") && !(term && !strcmp(term, "dumb"));
		ro.progress = isatty(STDERR_FILENO) && !a.json;
		ro.resolver = c->resolver ? c->resolver : "system (/etc/resolv.conf)";
		rep = check_report_new(&ro, lists, nlists, states, ts.total + nhosts);
	}
	check_report_begin(rep);
	for (size_t i = 0; i < nhosts; i++)
		if (herr[i])
			check_report_unchecked(rep, hosts[i], herr[i]);
	rc = dnsbl_run(d, lists, nlists, states, &ts, check_report_target, rep);
	ret = check_report_end(rep, dnsbl_stats(d), since(&t0));
	if (rc < 0) {
		fprintf(stderr, "blmon check: interrupted: remaining targets not checked\n");
		if (ret == 0)
			ret = EXIT_UNKNOWN; /* an interrupted run never says "all clean" */
	}
out:
	for (size_t i = 0; herr && i < nhosts; i++)
		free(herr[i]);
	free(herr);
	check_report_free(rep);
	free(states);
	dnsbl_free(d);
	targetset_free(&ts);
	free(hosts);
	free(lists);
	free(a.lists);
	config_free(c);
	return ret;
}
