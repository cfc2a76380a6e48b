/* main.c -- the blmon binary: dispatches subcommands and prints help.
 * The only place that exits; every command returns its status here. */
#include <stdio.h>
#include <string.h>

#include "monitor/cli/cli.h"


static const char usage[] =
	"blmon " BLMON_VERSION " -- DNS blocklist reputation monitor\n"
	"\n"
	"Usage: blmon COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  check [TARGET...]   check IPs, networks and domains against DNS blocklists now\n"
	"  run -c FILE         the monitor daemon: check on an interval, record changes\n"
	"  nagios -H TARGET    a Nagios/Icinga check (live, or --url for the daemon's view)\n"
	"  lists               print the list catalog (built-in plus config)\n"
	"  reroute --provider P --via HOP   a Postfix transport map around a rejecting provider\n"
	"  config-test FILE    validate a config file; exit 0 if it is good\n"
	"\n"
	"Run `blmon COMMAND --help` for a command's options.\n"
	"\n"
	"Exit status of check: 0 all clean, 1 something listed, 2 usage or config\n"
	"error, 3 nothing listed but something could not be checked (unknown).\n";

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		fputs(usage, cmd ? stdout : stderr);
		return cmd ? 0 : EXIT_USAGE;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		puts("blmon " BLMON_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "nagios"))
		return cmd_nagios(argc - 1, argv + 1);
	if (!strcmp(cmd, "reroute"))
		return cmd_reroute(argc - 1, argv + 1);
	if (!strcmp(cmd, "lists"))
		return cmd_lists(argc - 1, argv + 1);
	if (!strcmp(cmd, "config-test"))
		return cmd_config_test(argc - 1, argv + 1);
	fprintf(stderr, "blmon: unknown command '%s'\n\n%s", cmd, usage);
	return EXIT_USAGE;
}
