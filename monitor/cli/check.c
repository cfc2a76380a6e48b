/* check.c -- `blmon check`: one run of the engine over targets from argv or a config.
 * Resolves hosts, tests each list's health, checks, and reports; exits 0/1/2/3. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/xmalloc.h"
#include "monitor/cli/cli.h"
#include "monitor/cli/cli_opt.h"
#include "monitor/config.h"
#include "monitor/cli/check_report.h"
#include "monitor/cli/live.h"

static const char check_usage[] =
	"Usage: blmon check [OPTIONS] [TARGET...]\n"
	"\n"
	"Checks targets against DNS blocklists now and prints what is wrong.\n"
	"TARGET is an IP address (192.0.2.10, 2001:db8::1), a network (192.0.2.0/24,\n"
	"at most /16 for IPv4 and /112 for IPv6), a domain (example.com: checked on\n"
	"domain lists), or host:NAME (NAME's A/AAAA addresses are checked on IP lists).\n"
	"Without TARGETs, the [targets] of the config are checked.\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE       read FILE (lists, resolver, targets, limits, [ignore]\n"
	"                          rules); default $BLMON_CONFIG, else /etc/blmon.conf\n"
	"                          when it exists, else the built-in lists\n"
	"  -r, --resolver IP[:PORT]  DNS server to ask (default: config, else the\n"
	"                          system's). Use your own recursive resolver: public\n"
	"                          ones are refused by Spamhaus and others.\n"
	"  -l, --list ZONE         check only this list (id or zone; repeatable)\n"
	"      --dataset ZONE=TYPE:PATH[,PATH...]\n"
	"                          answer list ZONE from rbldnsd data files instead of\n"
	"                          DNS (TYPE: ip4set, ip4tset, ip4trie, ip6trie, ip6tset,\n"
	"                          dnset; repeatable, the union as rbldnsd serves it);\n"
	"                          checks ZONE as --list does. No query, no budget.\n"
	"  -a, --all-lists         check every list that has what it needs (keys)\n"
	"      --snds              also consult Microsoft SNDS once (the [snds] keys of\n"
	"                          the config): does Outlook.com block a target, and its\n"
	"                          filter result of the day\n"
	"  -j, --json              print one JSON document, every target with one result\n"
	"                          per list (schemas/check.schema.json)\n"
	"      --problems          print one JSON document of the problems, worst first,\n"
	"                          without per-target results\n"
	"                          (schemas/check-problems.schema.json)\n"
	"  -v, --verbose           show every target and every problem, however many\n"
	"  -t, --timeout DURATION  first try's timeout (e.g. 2s, 500ms; doubles per retry)\n"
	"      --retries N         retries after a timeout (default 2)\n"
	"      --concurrency N     queries in flight at most (default 200)\n"
	"      --color WHEN        auto (default), always or never\n"
	"  -h, --help              this text\n"
	"\n"
	"Output: the problems first, worst first (a listing of your address before one\n"
	"of your network or AS), one paragraph per cause: a listed /24 once, with how\n"
	"many of your addresses it affects, the codes and what they mean, what to do\n"
	"and the removal link. Then the targets in numeric order, one line each (of a\n"
	"run of more than 256 targets, only those listed themselves or unknown).\n"
	"\n"
	"Verdicts: listed, clean, or unknown (timeouts, refusals, error codes such as\n"
	"Spamhaus's 127.255.255.254, and lists failing their RFC 5782 test points are\n"
	"never counted as clean or listed).\n"
	"Listings an [ignore] rule of the config (-c) covers are shown folded and do\n"
	"not count as listed for the exit status; the JSON documents still show them.\n"
	"Exit status: 0 all clean, 1 something listed, 2 usage or config error,\n"
	"3 nothing listed but something unknown.\n"
	"\n"
	"Examples:\n"
	"  blmon check 192.0.2.10\n"
	"  blmon check --resolver 127.0.0.1:5353 --list zen.spamhaus.org 192.0.2.0/24\n"
	"  blmon check -c /etc/blmon.conf --json\n"
	"  blmon check -c /etc/blmon.conf --problems\n"
	"  blmon check -c /etc/blmon.conf --snds 192.0.2.60\n";

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
	const char **lists, **datasets;
	size_t nlists, ndatasets;
	int all, json, problems, verbose, snds;
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
		{"problems", no_argument, NULL, 'P'},     {"snds", no_argument, NULL, 'S'},
		{"timeout", required_argument, NULL, 't'}, {"retries", required_argument, NULL, 'R'},
		{"concurrency", required_argument, NULL, 'C'},
		{"color", required_argument, NULL, 'K'},  {"help", no_argument, NULL, 'h'},
		{"dataset", required_argument, NULL, 'D'},
		{NULL, 0, NULL, 0},
	};
	static const char shortopts[] = "c:r:l:ajvt:h";
	char msg[300];
	int ch;

	a->retries = a->concurrency = -1;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (ch) {
		case 'c': a->config = optarg; break;
		case 'r': a->resolver = optarg; break;
		case 'l':
			a->lists = xrealloc(a->lists, (a->nlists + 1) * sizeof(*a->lists));
			a->lists[a->nlists++] = optarg;
			break;
		case 'D':
			a->datasets = xrealloc(a->datasets, (a->ndatasets + 1) * sizeof(*a->datasets));
			a->datasets[a->ndatasets++] = optarg;
			break;
		case 'a': a->all = 1; break;
		case 'j': a->json = 1; break;
		case 'P': a->problems = 1; break;
		case 'S': a->snds = 1; break;
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
		default:
			cli_opt_error(opts, shortopts, argv, msg, sizeof(msg));
			fprintf(stderr, "blmon check: %s\nRun `blmon check --help` for usage.\n", msg);
			return -1;
		}
	}
	if (a->json && a->problems) {
		fputs("blmon check: --json and --problems are two documents: choose one\n", stderr);
		return -1;
	}
	return 0;
}

/* The report's options: colours only for a terminal that wants them. */
static void report_opts(const struct check_args *a, const config_t *c, check_report_opts_t *ro)
{
	bool tty = isatty(STDOUT_FILENO);
	const char *term = getenv("TERM");

	memset(ro, 0, sizeof(*ro));
	ro->out = stdout;
	ro->json = a->json;
	ro->problems = a->problems;
	ro->verbose = a->verbose;
	ro->rules = c->ignore;
	ro->nrules = c->nignore;
	ro->color = a->color ? !strcmp(a->color, "always") || (!strcmp(a->color, "auto") && tty) : tty;
	if (!a->color || !strcmp(a->color, "auto"))
		ro->color = ro->color && !getenv("NO_COLOR") && !(term && !strcmp(term, "dumb"));
	ro->progress = isatty(STDERR_FILENO) && !a->json && !a->problems;
	ro->resolver = c->resolver ? c->resolver : "system (/etc/resolv.conf)";
}

/* The targets of the command line, else the config's. */
static int add_targets(live_t *lv, int argc, char **argv)
{
	char err[512];

	for (int i = 0; i < argc; i++)
		if (live_add(lv, argv[i], err, sizeof(err)) < 0) {
			if (!strncmp(argv[i], "host:", 5))
				fprintf(stderr, "blmon check: %s\n", err);
			else
				fprintf(stderr, "blmon check: target %d: %s\n", i + 1, err);
			return -1;
		}
	if (argc == 0 && live_add_config_targets(lv, err, sizeof(err)) < 0) {
		fprintf(stderr, "blmon check: %s\n", err);
		return -1;
	}
	return 0;
}

/* A list whose data files did not load is unknown throughout: say why once. */
static void say_dataset_error(void *ud, const char *zone, const char *err)
{
	(void)ud;
	fprintf(stderr, "blmon check: list %s: its data files did not load: %s\n", zone, err);
}

static void on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int cmd_check(int argc, char **argv)
{
	struct check_args a;
	live_opts_t lo;
	live_t lv;
	check_report_t *rep = NULL;
	check_report_opts_t ro;
	char err[8192];
	struct timespec t0;
	int ret = EXIT_USAGE, rc;

	memset(&a, 0, sizeof(a));
	memset(&lv, 0, sizeof(lv));
	rc = parse_args(argc, argv, &a);
	if (rc != 0) {
		ret = rc > 0 ? 0 : EXIT_USAGE;
		goto out;
	}
	lo = (live_opts_t){config_path_optional(a.config), a.resolver, a.timeout, a.retries,
			   a.concurrency, a.lists, a.nlists, a.all, a.snds, a.datasets, a.ndatasets};
	if (live_open(&lv, &lo, &stop_flag, err, sizeof(err)) < 0) {
		fprintf(stderr, lo.config && !lv.cfg ? "%s\n" : "blmon check: %s\n", err);
		goto out;
	}
	live_dataset_errors(&lv, say_dataset_error, NULL);
	if (add_targets(&lv, argc - optind, argv + optind) < 0)
		goto out;
	on_signals();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (live_test(&lv) < 0) {
		fprintf(stderr, "blmon check: interrupted\n");
		ret = EXIT_UNKNOWN;
		goto out;
	}
	report_opts(&a, lv.cfg, &ro);
	rep = check_report_new(&ro, lv.lists, lv.nlists, lv.states, live_target_count(&lv));
	check_report_begin(rep);
	for (size_t i = 0; i < lv.nhosts; i++)
		if (lv.host_err[i])
			check_report_unchecked(rep, lv.hosts[i], lv.host_err[i]);
	rc = live_run(&lv, check_report_target, rep);
	ret = check_report_end(rep, dnsbl_stats(lv.dns), since(&t0));
	if (rc < 0) {
		fprintf(stderr, "blmon check: interrupted: remaining targets not checked\n");
		if (ret == 0)
			ret = EXIT_UNKNOWN; /* an interrupted run never says "all clean" */
	}
out:
	check_report_free(rep);
	live_free(&lv);
	free(a.lists);
	free(a.datasets);
	return ret;
}
