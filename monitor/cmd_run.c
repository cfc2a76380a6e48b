/* cmd_run.c -- `blmon run`: the monitor daemon's command line and signal handling.
 * Signals only set flags; the scheduler's loop reads them (SIGHUP reload, SIGTERM/SIGINT stop). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "sched.h"

static const char run_usage[] =
	"Usage: blmon run -c FILE [--once]\n"
	"\n"
	"Runs the monitor: checks every target of FILE against every enabled list on\n"
	"the list's interval, spreading the queries over the interval, and records\n"
	"every confirmed change (and only changes) in the database ([monitor] database).\n"
	"Logs go to stderr, one line per change.\n"
	"\n"
	"  -c, --config FILE   the configuration (see config.example)\n"
	"      --once          run one cycle of every list, then exit\n"
	"  -h, --help          this text\n"
	"\n"
	"Signals: SIGHUP reloads FILE (a bad new file is reported and the running\n"
	"config kept); SIGTERM or SIGINT finish the write in progress and exit 0.\n"
	"Exit status: 0 stopped, 1 runtime error (database), 2 config error or a\n"
	"list's daily query budget exceeded (set budget = warn to run anyway).\n";

static volatile sig_atomic_t stop_flag, reload_flag;

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
	sched_t *s;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'o': once = 1; break;
		case 'h': fputs(run_usage, stdout); return 0;
		default: fputs(run_usage, stderr); return EXIT_USAGE;
		}
	}
	if (!path || optind < argc) {
		fputs(run_usage, stderr);
		return EXIT_USAGE;
	}
	/* no SA_RESTART: a signal must cut the scheduler's sleep short */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	s = sched_new(path, &stop_flag, &code, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "blmon run: %s\n", err);
		return code;
	}
	sched_run(s, &reload_flag, once ? 1 : 0);
	sched_free(s);
	return 0;
}
