/* test_cli.c -- the blmon command line as people type it: help for each command, and "did you mean"
 * for a mistyped command or option, with the exit status of a usage error (2). */
#include <criterion/criterion.h>
#include <string.h>

#include "tests/harness.h"

/* Runs blmon with args; checks the exit status and that stream (stdout when
 * out, else stderr) holds want. */
static void expect(const char *const *args, int status, bool out, const char *want)
{
	harness_run_t r;
	const char *text;

	cr_assert_eq(harness_run(&r, 10, args), 0);
	text = out ? r.out : r.err;
	cr_assert_eq(r.status, status, "blmon %s: exit %d, want %d\n%s%s", args[0], r.status, status,
		     r.out, r.err);
	cr_assert(strstr(text, want), "blmon %s %s: want \"%s\" on %s, got:\n%s", args[0],
		  args[1] ? args[1] : "", want, out ? "stdout" : "stderr", text);
	harness_run_free(&r);
}

Test(cli, a_mistyped_command_names_the_one_meant)
{
	expect((const char *[]){"chek", "192.0.2.1", NULL}, 2, false,
	       "blmon: unknown command 'chek'; did you mean `blmon check`?");
	expect((const char *[]){"nagois", NULL}, 2, false, "did you mean `blmon nagios`?");
	expect((const char *[]){"config-tset", "x", NULL}, 2, false,
	       "did you mean `blmon config-test`?");
	/* nothing alike: the list of commands instead */
	expect((const char *[]){"frobnicate", NULL}, 2, false, "Commands:");
}

Test(cli, help_command_is_the_command_help)
{
	expect((const char *[]){"help", NULL}, 0, true, "Run `blmon help COMMAND`");
	expect((const char *[]){"help", "check", NULL}, 0, true, "Usage: blmon check [OPTIONS]");
	expect((const char *[]){"help", "nagios", NULL}, 0, true, "Usage: blmon nagios");
	expect((const char *[]){"help", "config-test", NULL}, 0, true, "Usage: blmon config-test");
	expect((const char *[]){"help", "lists", NULL}, 0, true, "Usage: blmon lists");
	expect((const char *[]){"help", "run", NULL}, 0, true, "Usage: blmon run");
	expect((const char *[]){"help", "reroute", NULL}, 0, true, "Usage: blmon reroute");
	expect((const char *[]){"help", "status", NULL}, 0, true, "Usage: blmon status");
	expect((const char *[]){"help", "alert", NULL}, 0, true, "Usage: blmon alert test");
	expect((const char *[]){"help", "chekc", NULL}, 2, false, "did you mean `blmon check`?");
	expect((const char *[]){"help", "check", "run", NULL}, 2, false, "Usage: blmon help");
}

Test(cli, a_mistyped_option_names_the_one_meant)
{
	expect((const char *[]){"check", "--jsno", "192.0.2.1", NULL}, 2, false,
	       "blmon check: unknown option --jsno (did you mean --json?)");
	expect((const char *[]){"check", "--con", "x", "192.0.2.1", NULL}, 2, false,
	       "blmon check: option --con is ambiguous (--config, --concurrency)");
	expect((const char *[]){"check", "-c", NULL}, 2, false, "blmon check: option -c needs a value");
	expect((const char *[]){"check", "--config", NULL}, 2, false,
	       "blmon check: option --config needs a value");
	expect((const char *[]){"check", "--json=yes", "192.0.2.1", NULL}, 2, false,
	       "blmon check: option --json takes no value");
	expect((const char *[]){"check", "-x", "192.0.2.1", NULL}, 2, false,
	       "blmon check: unknown option -x");
	expect((const char *[]){"lists", "--vrebose", NULL}, 2, false,
	       "blmon lists: unknown option --vrebose (did you mean --verbose?)");
	expect((const char *[]){"run", "--onec", NULL}, 2, false,
	       "blmon run: unknown option --onec (did you mean --once?)");
	expect((const char *[]){"reroute", "--provder", "microsoft", NULL}, 2, false,
	       "blmon reroute: unknown option --provder (did you mean --provider?)");
	/* a plugin says it on its one line, UNKNOWN */
	expect((const char *[]){"nagios", "--hostnmae", "192.0.2.1", NULL}, 3, true,
	       "BLMON UNKNOWN - unknown option --hostnmae (did you mean --hostname?)");
	expect((const char *[]){"nagios", "-H", NULL}, 3, true, "BLMON UNKNOWN - option -H needs a value");
}
