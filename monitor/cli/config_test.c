/* config_test.c -- `blmon config-test [FILE]`: is the config one the daemon can run, and what is wrong.
 * Every problem reads FILE:LINE: [section] key: what is wrong; the exit status is 2 if there is any. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "monitor/cli/cli.h"
#include "monitor/config.h"

static const char config_test_usage[] =
	"Usage: blmon config-test [-c FILE | FILE]\n"
	"\n"
	"Validates the config as `blmon run` would before it starts (FILE, else\n"
	"$BLMON_CONFIG, else /etc/blmon.conf): prints every problem as\n"
	"FILE:LINE: [section] key: problem, and exits 2 if there is any, else prints a\n"
	"one-line summary and exits 0.\n"
	"\n"
	"  -c, --config FILE   the config to test (the same as FILE)\n"
	"  -h, --help          this text\n";

int cmd_config_test(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	config_t *c = NULL;
	char err[8192], report[4096];
	const char *path = NULL;
	size_t on = 0, bad = 0;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'h': fputs(config_test_usage, stdout); return 0;
		default: fputs(config_test_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc && !path)
		path = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "blmon config-test: one config at a time ('%s' is one more)\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	path = config_path(path);
	if (config_load(path, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	/* the same question `blmon run` asks before it starts: a config that passes here runs */
	if (config_runnable(c, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		config_free(c);
		return EXIT_USAGE;
	}
	if (config_budget_check(c, report, sizeof(report)) > 0) {
		if (!c->budget_warn) {
			fprintf(stderr, "%s\n(set budget = warn in [monitor] to run anyway)\n", report);
			config_free(c);
			return EXIT_USAGE;
		}
		fprintf(stderr, "warning: %s\n", report);
	}
	/* the data files of lists answered from them: read now, as the daemon will */
	for (size_t i = 0; i < c->catalog->n; i++) {
		catalog_list_t *l = &c->catalog->lists[i];
		if (!l->enabled || !l->zone || !l->dataset)
			continue;
		if (dataset_zone_load(l->dataset, err, sizeof(err)) < 0 && config_list_rsync(c, l))
			/* a mirror's files arrive with its first transfer, which the daemon makes */
			fprintf(stderr, "warning: %s: [list %s] dataset: %s (the daemon fetches them "
				"with rsync)\n", path, l->zone_tmpl, err);
		else if (err[0]) {
			fprintf(stderr, "%s: [list %s] dataset: %s\n", path, l->zone_tmpl, err);
			bad++;
		}
	}
	if (bad) {
		config_free(c);
		return EXIT_USAGE;
	}
	on = config_lists_enabled(c);
	printf("%s: OK: %zu target entr%s, %zu list%s enabled, resolver %s\n", path, c->ntargets,
	       c->ntargets == 1 ? "y" : "ies", on, on == 1 ? "" : "s",
	       c->resolver ? c->resolver : "system");
	config_free(c);
	return 0;
}
