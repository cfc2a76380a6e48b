/* main.c -- the blmon binary: dispatches subcommands and prints help.
 * The only place that exits; every command returns its status here. */
#include <stdio.h>
#include <string.h>

#include "lib/suggest.h"
#include "monitor/cli/cli.h"
#include "monitor/config.h"

/* The commands, in the order help lists them: one row each. */
static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis, *help;
} commands[] = {
	{"check", cmd_check, "check [TARGET...]", "check IPs, networks and domains against DNS blocklists now"},
	{"run", cmd_run, "run [-c FILE]", "the monitor daemon: check on an interval, record changes"},
	{"status", cmd_status, "status [-c FILE]", "what the running daemon sees: problems, health, alert queue"},
	{"nagios", cmd_nagios, "nagios -H TARGET", "a Nagios/Icinga check (live, or --url for the daemon's view)"},
	{"alert", cmd_alert, "alert test [-c FILE]", "send a test message through every alert channel now"},
	{"lists", cmd_lists, "lists", "print the list catalog (built-in plus config)"},
	{"reroute", cmd_reroute, "reroute --provider P --via HOP", "a Postfix transport map around a rejecting provider"},
	{"db", cmd_db, "db migrate --from F --to URI", "copy a SQLite history into PostgreSQL, exactly"},
	{"config-test", cmd_config_test, "config-test [FILE]", "validate a config file; exit 0 if it is good"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fputs("blmon " BLMON_VERSION " -- DNS blocklist reputation monitor\n\n"
	      "Usage: blmon COMMAND [OPTIONS]\n\nCommands:\n", out);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		int w = (int)strlen(commands[i].synopsis);
		fprintf(out, "  %s%*s%s\n", commands[i].synopsis, w < 20 ? 20 - w : 3, "",
			commands[i].help);
	}
	fputs("\nRun `blmon help COMMAND` (or `blmon COMMAND --help`) for a command's options,\n"
	      "`man blmon` for all. The config: -c FILE, else $BLMON_CONFIG, else\n"
	      CONFIG_DEFAULT_PATH ".\n\n"
	      "Exit status of check and status: 0 all clean, 1 something listed, 2 usage or\n"
	      "config error, 3 nothing listed but something could not be checked (unknown).\n", out);
}

/* The command named cmd, or NULL after saying on stderr that there is none
 * and which one was likely meant. */
static const struct command *command_find(const char *cmd)
{
	const char *names[NCOMMANDS + 1], *near;

	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (!strcmp(cmd, commands[i].name))
			return &commands[i];
		names[i] = commands[i].name;
	}
	names[NCOMMANDS] = "help";
	near = suggest_pick(cmd, names, NCOMMANDS + 1);
	if (near) {
		fprintf(stderr, "blmon: unknown command '%s'; did you mean `blmon %s`?\n"
			"Run `blmon help` for the commands.\n", cmd, near);
	} else {
		fprintf(stderr, "blmon: unknown command '%s'\n\n", cmd);
		usage(stderr);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	const struct command *c;

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help") ||
	    (!strcmp(cmd, "help") && argc == 2)) {
		usage(cmd ? stdout : stderr);
		return cmd ? 0 : EXIT_USAGE;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		puts("blmon " BLMON_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "help")) {
		/* `blmon help COMMAND` is `blmon COMMAND --help` */
		char *hargv[] = {argv[2], "--help", NULL};
		if (argc > 3) {
			fputs("Usage: blmon help [COMMAND]\n", stderr);
			return EXIT_USAGE;
		}
		if (!(c = command_find(argv[2])))
			return EXIT_USAGE;
		return c->run(2, hargv);
	}
	if (!(c = command_find(cmd)))
		return EXIT_USAGE;
	return c->run(argc - 1, argv + 1);
}
