/* alert.c -- `blmon alert test`: one test message through every configured channel, now.
 * Prints what each server answered; the queue and the database are never touched. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/suggest.h"
#include "lib/text.h"
#include "monitor/alert/alert.h"
#include "monitor/cli/cli.h"
#include "monitor/cli/cli_opt.h"
#include "monitor/config.h"

#define ALERT_DEFAULT_CONFIG "/etc/blmon.conf"

static const char alert_usage[] =
	"Usage: blmon alert test [-c FILE]\n"
	"\n"
	"Sends one test message now through every channel of FILE: [email] (one mail\n"
	"to its recipients) and each [webhook] url, and prints what each server\n"
	"answered (SMTP's reply after DATA, the HTTP status and the start of the\n"
	"body). The message is sent directly: nothing enters the alert queue, no\n"
	"database is opened, and a failure is not retried.\n"
	"\n"
	"  -c, --config FILE   the config whose channels to test (default\n"
	"                      " ALERT_DEFAULT_CONFIG ")\n"
	"  -h, --help          this text\n"
	"\n"
	"Exit status: 0 every server accepted the message, 1 one or more did not, 2\n"
	"usage or config error, or no channel configured.\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void told(void *ud, const char *channel, const char *shown, bool accepted,
		 const char *answer)
{
	char a[1300], d[700];

	(void)ud;
	text_escape_term(answer, a, sizeof(a));
	text_escape_term(shown, d, sizeof(d));
	printf("%s to %s: %s%s%s\n", channel, d, accepted ? "accepted" : "FAILED",
	       *a ? ": " : "", *a ? a : accepted ? "" : ": (no answer)");
	fflush(stdout);
}

static int test(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = ALERT_DEFAULT_CONFIG;
	char err[8192], host[256] = "";
	config_t *c = NULL;
	struct sigaction sa;
	int ch, failed, tried, ret = EXIT_USAGE;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'h': fputs(alert_usage, stdout); return 0;
		default:
			cli_opt_error(opts, "c:h", argv, err, sizeof(err));
			fprintf(stderr, "blmon alert test: %s\nRun `blmon alert --help` for usage.\n", err);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "blmon alert test: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (config_load(path, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	gethostname(host, sizeof(host) - 1);
	failed = alert_test(c, host, path, &stop_flag, told, NULL, &tried);
	if (!tried) {
		fprintf(stderr, "blmon alert test: %s has no channel to test: set [email] smtp, from "
			"and to, or [webhook] url\n", path);
		goto out;
	}
	ret = failed ? 1 : 0;
out:
	config_free(c);
	return ret;
}

int cmd_alert(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (sub && !strcmp(sub, "test"))
		return test(argc - 1, argv + 1);
	if (sub && (!strcmp(sub, "-h") || !strcmp(sub, "--help"))) {
		fputs(alert_usage, stdout);
		return 0;
	}
	if (sub)
		fprintf(stderr, "blmon alert: unknown subcommand '%s'%s\n", sub,
			suggest_pick(sub, (const char *const[]){"test"}, 1) ? " (did you mean test?)" : "");
	fputs(alert_usage, stderr);
	return EXIT_USAGE;
}
