/* status.c -- `blmon status`: what the running daemon sees, from its API (summary and worst problems).
 * For the admin's first question over SSH; exits like `blmon check` (0 clean, 1 listed, 3 unknown). */
#include <cJSON.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/jsonx.h"
#include "lib/text.h"
#include "lib/timefmt.h"
#include "monitor/cli/cli.h"
#include "monitor/cli/cli_http.h"
#include "monitor/cli/cli_opt.h"
#include "monitor/config.h"

#define STATUS_DEFAULT_CONFIG "/etc/blmon.conf"
#define STATUS_DEFAULT_URL "http://127.0.0.1:8053"
#define STATUS_BODY_MAX (16L * 1024 * 1024) /* a summary and a page of problems */
#define STATUS_PROBLEMS 5
#define STATUS_PROBLEMS_MAX 500

static const char status_usage[] =
	"Usage: blmon status [-c FILE] [--url URL] [--json] [-n N]\n"
	"\n"
	"Asks the running `blmon run` what it sees, from its API (GET /api/v1/summary\n"
	"and /api/v1/problems): the worst problems, targets by where they stand, list\n"
	"and resolver health, the last cycle and the alert queue. Adds no query\n"
	"against the lists.\n"
	"\n"
	"  -c, --config FILE   the daemon's config: its [http] listen and token (default\n"
	"                      " STATUS_DEFAULT_CONFIG " when it exists, else the\n"
	"                      daemon at " STATUS_DEFAULT_URL ")\n"
	"  -U, --url URL       the daemon's address instead of [http] listen\n"
	"  -j, --json          print one JSON document (schemas/status.schema.json)\n"
	"  -n, --problems N    show the N worst problems (default 5, at most 500)\n"
	"  -t, --timeout SECS  give up after this long (default 10)\n"
	"  -h, --help          this text\n"
	"\n"
	"Exit status (as blmon check): 0 nothing listed and everything checked, 1 a\n"
	"problem (a listing no [ignore] rule accepts), 2 usage or config error, 3\n"
	"nothing listed but something is not known: the daemon cannot be reached or\n"
	"answers an error, no cycle has finished, the resolver is down, or results\n"
	"are unchecked, stale or failing.\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

typedef struct {
	const char *config, *url;
	bool json;
	long problems, timeout;
} status_args_t;

/* Options into a. -1 to go on, else the exit status (after --help, or a usage error said). */
static int args_parse(int argc, char **argv, status_args_t *a)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"url", required_argument, NULL, 'U'},
		{"json", no_argument, NULL, 'j'},         {"problems", required_argument, NULL, 'n'},
		{"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const char shortopts[] = "c:U:jn:t:h";
	char msg[300], *end;
	int ch;

	*a = (status_args_t){NULL, NULL, false, STATUS_PROBLEMS, 10};
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (ch) {
		case 'c': a->config = optarg; break;
		case 'U': a->url = optarg; break;
		case 'j': a->json = true; break;
		case 'n':
			a->problems = strtol(optarg, &end, 10);
			if (!*optarg || *end || a->problems < 0 || a->problems > STATUS_PROBLEMS_MAX) {
				fprintf(stderr, "blmon status: --problems: '%s' is not a number from 0 to %d\n",
					optarg, STATUS_PROBLEMS_MAX);
				return EXIT_USAGE;
			}
			break;
		case 't':
			a->timeout = strtol(optarg, &end, 10);
			if (!*optarg || *end || a->timeout < 1 || a->timeout > 3600) {
				fprintf(stderr, "blmon status: --timeout: '%s' is not seconds from 1 to 3600\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': fputs(status_usage, stdout); return 0;
		default:
			cli_opt_error(opts, shortopts, argv, msg, sizeof(msg));
			fprintf(stderr, "blmon status: %s\nRun `blmon status --help` for usage.\n", msg);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "blmon status: unexpected argument '%s'\nRun `blmon status --help` for "
			"usage.\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (a->url && strncmp(a->url, "http://", 7) && strncmp(a->url, "https://", 8)) {
		fprintf(stderr, "blmon status: --url: not an http:// or https:// URL\n");
		return EXIT_USAGE;
	}
	return -1;
}

/* ---- reading the numbers ---- */

static long long num(const cJSON *o, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(o) ? (long long)o->valuedouble : 0;
}

static const cJSON *at(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* Text from the daemon for the terminal: TXT and errors are anyone's words. */
static const char *term(const char *s, char *buf, size_t len)
{
	text_escape_term(s ? s : "", buf, len);
	return buf;
}

/* Results the daemon could not check in the last cycles: on a list that fails. */
static long long failing(const cJSON *sum)
{
	const cJSON *l;
	long long n = 0;

	cJSON_ArrayForEach(l, at(sum, "lists"))
		n += num(l, "failing");
	return n;
}

/* The exit status of what the daemon sees. */
static int verdict(const cJSON *sum)
{
	const char *resolver = jsonx_str(at(sum, "resolver"), "state");

	if (num(sum, "problems.total") > 0)
		return EXIT_LISTED;
	if (!cJSON_IsObject(at(sum, "last_cycle")) || (resolver && !strcmp(resolver, "down")) ||
	    num(sum, "targets.unchecked") > 0 || num(sum, "targets.stale") > 0 || failing(sum) > 0)
		return EXIT_UNKNOWN;
	return 0;
}

/* "2026-01-02 03:04:05 UTC (14 min ago)" of an RFC 3339 time, ago as of now. */
static void when(const char *t, int64_t now, char *buf, size_t len)
{
	int64_t v;
	char h[TIMEFMT_MAX], age[32];

	if (!t || timefmt_parse_rfc3339(t, &v) < 0) {
		snprintf(buf, len, "never");
		return;
	}
	timefmt_human(v, h);
	timefmt_age(now > v ? now - v : 0, age, sizeof(age));
	snprintf(buf, len, "%s (%s ago)", h, age);
}

/* ---- the human report ---- */

static void print_problems(const cJSON *sum, const cJSON *probs, int64_t now)
{
	const cJSON *p;
	long long total = num(sum, "problems.total"), shown = 0;
	char b1[1024], b2[1024], w[100];

	if (!total) {
		printf("No problems: nothing monitored is listed%s.\n\n",
		       num(sum, "problems.ignored") ? " (but for listings [ignore] rules accept)" : "");
		return;
	}
	printf("Problems: %lld, worst first (ip %lld, network %lld, asn %lld, domain %lld; %lld "
	       "ignored)\n", total, num(sum, "problems.by_scope.ip"),
	       num(sum, "problems.by_scope.network"), num(sum, "problems.by_scope.asn"),
	       num(sum, "problems.by_scope.domain"), num(sum, "problems.ignored"));
	cJSON_ArrayForEach(p, at(probs, "problems"))
	{
		const char *since = jsonx_str(p, "since"), *url = jsonx_str(p, "removal_url");
		when(since, now, w, sizeof(w));
		printf("%3lld. %s\n     %s, severity %s%s%s%s\n", ++shown,
		       term(jsonx_str(p, "headline"), b1, sizeof(b1)),
		       term(jsonx_str(p, "zone"), b2, sizeof(b2)), jsonx_str(p, "severity"),
		       since ? ", since " : "", since ? w : "",
		       cJSON_IsTrue(at(p, "stale")) ? ", stale (checks fail)" : "");
		if (url)
			printf("     removal: %s\n", term(url, b1, sizeof(b1)));
	}
	if (total > shown)
		printf("     ... %lld more: blmon status -n %lld, or the dashboard\n", total - shown,
		       total);
	printf("\n");
}

static void print_lists(const cJSON *sum)
{
	const cJSON *l;
	int n = 0, bad = 0;
	char b1[600], b2[600], b3[600];

	cJSON_ArrayForEach(l, at(sum, "lists"))
	{
		n++;
		bad += strcmp(jsonx_str(l, "health") ? jsonx_str(l, "health") : "", "ok") != 0;
	}
	if (bad)
		printf("Lists:      %d in use, %d not healthy:\n", n, bad);
	else
		printf("Lists:      %d in use%s\n", n, n ? ", all healthy" : "");
	cJSON_ArrayForEach(l, at(sum, "lists"))
	{
		const char *h = jsonx_str(l, "health");
		if (h && !strcmp(h, "ok"))
			continue;
		/* the detail quotes what the list's test points answered */
		printf("            %s (%s): %s%s%s\n", term(jsonx_str(l, "name"), b1, sizeof(b1)),
		       term(jsonx_str(l, "zone"), b2, sizeof(b2)), h ? h : "?",
		       jsonx_str(l, "detail") ? ": " : "", term(jsonx_str(l, "detail"), b3, sizeof(b3)));
		if (jsonx_str(l, "advice"))
			printf("              what to do: %s\n", term(jsonx_str(l, "advice"), b1, sizeof(b1)));
	}
}

static void print_alerts(const cJSON *sum, int64_t now)
{
	const cJSON *a = at(sum, "alerts");
	char w[100], b[1100];

	if (!a) {
		printf("Alerts:     (this daemon's API does not tell its alert queue)\n");
		return;
	}
	if (num(a, "queued")) {
		when(jsonx_str(a, "oldest_queued_at"), now, w, sizeof(w));
		printf("Alerts:     %lld waiting for delivery, the oldest made %s\n", num(a, "queued"), w);
	} else {
		printf("Alerts:     nothing waiting for delivery\n");
	}
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "webhook" : "email";
		const cJSON *c = at(at(a, "channels"), name);
		const char *e = jsonx_str(c, "last_error");
		if (!c || (!num(c, "queued") && !num(c, "failed_deliveries") && !num(c, "given_up")))
			continue;
		printf("            %s: %lld waiting, %lld failed deliveries, %lld given up\n", name,
		       num(c, "queued"), num(c, "failed_deliveries"), num(c, "given_up"));
		if (e) {
			when(jsonx_str(c, "last_error_at"), now, w, sizeof(w));
			printf("              last attempt failed %s: %s\n", w, term(e, b, sizeof(b)));
		}
	}
}

static void report(const char *shown, const cJSON *sum, const cJSON *probs, int st)
{
	static const char *const words[] = {"CLEAN", "LISTED", "?", "UNKNOWN"};
	const cJSON *cy = at(sum, "last_cycle"), *res = at(sum, "resolver");
	int64_t now = 0;
	char w[100], b[1100];

	timefmt_parse_rfc3339(jsonx_str(sum, "generated_at") ? jsonx_str(sum, "generated_at") : "", &now);
	printf("%s: blmon at %s\n\n", words[st], shown);
	print_problems(sum, probs, now);
	printf("Targets:    %lld: %lld listed themselves, %lld through their network or AS, %lld "
	       "clean, %lld unchecked, %lld stale\n", num(sum, "targets.total"),
	       num(sum, "targets.own"), num(sum, "targets.neighbourhood"), num(sum, "targets.clean"),
	       num(sum, "targets.unchecked"), num(sum, "targets.stale"));
	print_lists(sum);
	if (jsonx_str(res, "state") && !strcmp(jsonx_str(res, "state"), "down")) {
		when(jsonx_str(res, "since"), now, w, sizeof(w));
		printf("Resolver:   DOWN since %s: %s\n", w, term(jsonx_str(res, "reason"), b, sizeof(b)));
	} else {
		printf("Resolver:   up\n");
	}
	if (cJSON_IsObject(cy)) {
		when(jsonx_str(cy, "ended"), now, w, sizeof(w));
		printf("Last cycle: ended %s, took %lld s: %lld lists, %lld targets, %lld queries, "
		       "%lld failed checks\n", w, num(cy, "duration_seconds"), num(cy, "lists"),
		       num(cy, "targets"), num(cy, "queries"), num(cy, "failed"));
	} else {
		printf("Last cycle: none finished yet\n");
	}
	print_alerts(sum, now);
}

/* ---- the command ---- */

/* Where the daemon is and its token, from the options and the config. A
 * config read is kept in *cfg (caller frees) as the token is borrowed from it.
 * 0, or the exit status after saying why not. */
static int locate(const status_args_t *a, config_t **cfg, char *url, size_t len, const char **token)
{
	const char *path = a->config;
	char err[8192];

	*cfg = NULL;
	*token = NULL;
	if (!path && access(STATUS_DEFAULT_CONFIG, R_OK) == 0)
		path = STATUS_DEFAULT_CONFIG;
	if (path && config_load(path, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	if (*cfg)
		*token = (*cfg)->http_token;
	if (a->url)
		snprintf(url, len, "%s", a->url);
	else if (*cfg && (*cfg)->http_listen)
		cli_http_url_of_listen((*cfg)->http_listen, (*cfg)->http_cert != NULL, url, len);
	else
		snprintf(url, len, "%s", STATUS_DEFAULT_URL);
	return 0;
}

int cmd_status(int argc, char **argv)
{
	status_args_t a;
	config_t *cfg = NULL;
	cli_http_t h;
	cJSON *sum = NULL, *probs = NULL;
	char url[1024], shown[2048], err[1200], path[64];
	const char *token;
	struct sigaction sa;
	long code;
	int ret;

	if ((ret = args_parse(argc, argv, &a)) >= 0)
		return ret;
	if ((ret = locate(&a, &cfg, url, sizeof(url), &token)) != 0)
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	h = (cli_http_t){url, token, a.timeout, STATUS_BODY_MAX, &stop_flag};
	ret = EXIT_UNKNOWN;
	snprintf(path, sizeof(path), "/api/v1/problems?limit=%ld", a.problems ? a.problems : 1);
	if (cli_http_get_json(&h, "/api/v1/summary", &sum, &code, shown, sizeof(shown), err,
			      sizeof(err)) < 0 ||
	    cli_http_get_json(&h, path, &probs, &code, shown, sizeof(shown), err, sizeof(err)) < 0) {
		fprintf(stderr, "blmon status: %s: %s%s\n", shown, err,
			code == 401 ? " (the daemon wants its [http] token: give its config with -c)"
			: code ? "" : " (is `blmon run` running, and listening there?)");
		goto out;
	}
	if (!cJSON_IsObject(at(sum, "targets")) || !cJSON_IsArray(at(probs, "problems"))) {
		fprintf(stderr, "blmon status: %s is not blmon's API\n", shown);
		goto out;
	}
	if (!a.problems) /* -n 0: the API pages at least 1, none is shown */
		cJSON_ReplaceItemInObjectCaseSensitive(probs, "problems", cJSON_CreateArray());
	ret = verdict(sum);
	/* the daemon's address as it may be shown: a login in --url never reaches the output */
	if (strstr(shown, "/api/v1/"))
		*strstr(shown, "/api/v1/") = '\0';
	if (a.json) {
		cJSON *doc = cJSON_CreateObject();
		char *s;
		cJSON_AddStringToObject(doc, "url", shown);
		cJSON_AddStringToObject(doc, "status", ret == 0 ? "clean" : ret == 1 ? "listed" : "unknown");
		cJSON_AddItemToObject(doc, "summary", sum);
		cJSON_AddItemToObject(doc, "problems", cJSON_DetachItemFromObject(probs, "problems"));
		sum = NULL;
		s = cJSON_Print(doc);
		puts(s);
		cJSON_free(s);
		cJSON_Delete(doc);
	} else {
		report(shown, sum, probs, ret);
	}
out:
	cJSON_Delete(sum);
	cJSON_Delete(probs);
	config_free(cfg);
	return ret;
}
