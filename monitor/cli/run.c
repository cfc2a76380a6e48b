/* run.c -- `blmon run`: the monitor daemon's command line and signal handling.
 * Signals only set flags; the scheduler's loop reads them (SIGHUP reload, SIGTERM/SIGINT stop). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/http.h"
#include "monitor/cli/cli.h"
#include "monitor/cli/cli_opt.h"
#include "monitor/config.h"
#include "lib/log.h"
#include "lib/sdnotify.h"
#include "monitor/daemon/sched.h"

static const char run_usage[] =
	"Usage: blmon run [-c FILE] [--once]\n"
	"\n"
	"Runs the monitor: checks every target of the config against every enabled\n"
	"list on the list's interval, spreading the queries over the interval, and\n"
	"records every confirmed change (and only changes) in the database ([monitor]\n"
	"database). Logs go to stderr, one line per change (with syslog priorities\n"
	"under journald). The dashboard, JSON API and /metrics are served on [http]\n"
	"listen (default 127.0.0.1:8053). Under systemd (Type=notify) it reports\n"
	"ready once the database is open and the port listens, and each cycle's summary.\n"
	"\n"
	"  -c, --config FILE   the configuration (default: $BLMON_CONFIG, else\n"
	"                      /etc/blmon.conf; every key: blmon.conf(5))\n"
	"      --once          run one cycle of every list, then exit\n"
	"  -h, --help          this text\n"
	"\n"
	"Signals: SIGHUP reloads the config (a bad new file is reported and the running\n"
	"config kept); SIGTERM or SIGINT finish the write in progress and exit 0.\n"
	"Exit status: 0 stopped, 1 runtime error (database, HTTP listen address in\n"
	"use), 2 config error or a list's daily query budget exceeded (set budget =\n"
	"warn to run anyway).\n";

static volatile sig_atomic_t stop_flag, reload_flag;

/* Starts the HTTP server of [http] listen. It gets a config of its own (*cfg,
 * caller frees after http_stop): its threads never share the scheduler's,
 * which a reload replaces. 0 (*web NULL when no listen is set) or -1. */
/* /healthz asks the daemon what its database cannot say. */
static int daemon_problem(void *ud, char *buf, size_t len)
{
	return sched_problem(ud, buf, len);
}

static int web_start(const char *path, sched_t *sched, config_t **cfg, http_t **web, char *err,
		     size_t errlen)
{
	http_opts_t o;
	char e[1024];

	*web = NULL;
	memset(&o, 0, sizeof(o));
	if (config_load(path, cfg, err, errlen) < 0)
		return -1;
	if (!(*cfg)->http_listen || !*(*cfg)->http_listen)
		return 0;
	o.listen = (*cfg)->http_listen;
	o.database = (*cfg)->database;
	o.database_password_file = (*cfg)->database_password_file;
	o.interval_s = (*cfg)->interval_s;
	o.stale_grace_s = (*cfg)->stale_grace_s;
	o.healthz_max_age_s = (*cfg)->healthz_max_age_s;
	o.catalog = (*cfg)->catalog;
	o.token = (*cfg)->http_token;
	o.cert = (*cfg)->http_cert;
	o.key = (*cfg)->http_key;
	o.problem = daemon_problem;
	o.problem_ud = sched;
	if ((*cfg)->cluster) {
		o.cluster_node = (*cfg)->cluster_node;
		o.cluster_lease_s = (*cfg)->cluster_lease_s;
	}
	*web = http_start(&o, e, sizeof(e));
	if (!*web) {
		snprintf(err, errlen, "[http] listen = %s: %s", o.listen, e);
		return -1;
	}
	log_info("serving the dashboard, JSON API and /metrics on %s (port %d)", o.listen,
		 http_port(*web));
	return 0;
}

/* The HTTP server and the config it was started with. */
struct web {
	const char *path;
	sched_t *sched;
	config_t *cfg;
	http_t *http;
};

/* After a reload the server must show the new lists and listen where the new
 * config says: restart it with a fresh copy of the config. */
static void web_reload(void *ud)
{
	struct web *w = ud;
	char err[1024];

	http_stop(w->http);
	config_free(w->cfg);
	w->http = NULL;
	w->cfg = NULL;
	if (web_start(w->path, w->sched, &w->cfg, &w->http, err, sizeof(err)) < 0)
		log_error("HTTP server not restarted after the reload: %s", err);
}

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_flag = 1;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"once", no_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	int once = 0, ch, code = 0;
	char err[8192];
	struct sigaction sa;
	sched_t *s = NULL;
	sdnotify_t *notify = NULL;
	struct web w = {NULL, NULL, NULL, NULL};

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'o': once = 1; break;
		case 'h': fputs(run_usage, stdout); return 0;
		default:
			cli_opt_error(opts, "c:h", argv, err, sizeof(err));
			fprintf(stderr, "blmon run: %s\nRun `blmon run --help` for usage.\n", err);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "blmon run: unexpected argument '%s' (the config is -c FILE)\n\n",
			argv[optind]);
		fputs(run_usage, stderr);
		return EXIT_USAGE;
	}
	path = config_path(path);
	/* no SA_RESTART: a signal must cut the scheduler's sleep short */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* past a file-size limit, writes must fail (and be reported) rather than kill us */
	signal(SIGXFSZ, SIG_IGN);

	/* read (and taken out of the environment) before anything is started */
	notify = sdnotify_new();
	s = sched_new(path, &stop_flag, &code, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "blmon run: %s\n", err);
		goto out;
	}
	w.path = path;
	w.sched = s;
	if (web_start(path, s, &w.cfg, &w.http, err, sizeof(err)) < 0) {
		fprintf(stderr, "blmon run: %s\n", err);
		code = 1;
		goto out;
	}
	sched_on_reload(s, web_reload, &w);
	sched_set_notify(s, notify);
	/* ready: the database is open and the port listens, so whatever systemd
	 * starts after blmon (or a health check) finds the API answering */
	sdnotify_send(notify, "READY=1\nSTATUS=first cycle running; dashboard and API on %s",
		      w.http ? w.cfg->http_listen : "(no [http] listen)");
	sched_run(s, &reload_flag, once ? 1 : 0);
	code = 0;
out:
	http_stop(w.http);
	sched_free(s);
	config_free(w.cfg);
	sdnotify_free(notify);
	return code;
}
