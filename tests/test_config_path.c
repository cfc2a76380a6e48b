/* test_config_path.c -- one default config for every command: -c FILE, else $BLMON_CONFIG, else
 * /etc/blmon.conf; a missing file names the path tried and how to choose another. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/harness.h"

static char *dir;
static char conf[1024], missing[1024];

static void setup(void)
{
	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	snprintf(conf, sizeof(conf), "%s/blmon.conf", dir);
	snprintf(missing, sizeof(missing), "%s/nothing-here.conf", dir);
}

static void teardown(void) { harness_tmpdir_free(dir); }

TestSuite(config_path, .init = setup, .fini = teardown, .timeout = 30);

/* A config of its own list, its own target and a resolver with nothing
 * listening: what a command shows of it proves it read the file. */
static void write_conf(void)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "[monitor]\nresolver = 127.0.0.1:%d\ntimeout = 100ms\nretries = 0\n"
		 "database = %s/blmon.db\n"
		 "[targets]\nip = 192.0.2.77\n[lists]\ndefault = no\n"
		 "[list mine.test]\nname = Mine BL\ncode = 127.0.0.2 Listed\n",
		 harness_closed_port(), dir);
	cr_assert_eq(harness_write(dir, "blmon.conf", text), 0);
}

static harness_run_t run(const char *const *args)
{
	harness_run_t r;

	cr_assert_eq(harness_run(&r, 20, args), 0);
	return r;
}

Test(config_path, every_command_reads_BLMON_CONFIG)
{
	const char *ct[] = {"config-test", NULL};
	const char *ls[] = {"lists", NULL};
	const char *check[] = {"check", "--json", NULL};
	const char *nag[] = {"nagios", "-H", "192.0.2.77", NULL};
	harness_run_t r;
	char ok[1100];

	write_conf();
	setenv("BLMON_CONFIG", conf, 1);
	r = run(ct);
	snprintf(ok, sizeof(ok), "%s: OK: 1 target entry, 1 list enabled", conf);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, ok), "%s", r.out);
	harness_run_free(&r);
	r = run(ls);
	cr_assert(strstr(r.out, "mine.test") && strstr(r.out, "(config)"), "%s", r.out);
	harness_run_free(&r);
	r = run(check); /* without TARGETs: the config's, on the config's list */
	cr_assert(strstr(r.out, "192.0.2.77") && strstr(r.out, "mine.test"), "%s%s", r.out, r.err);
	harness_run_free(&r);
	r = run(nag); /* live mode: the config's lists */
	cr_assert(strstr(r.out, "mine.test"), "%s", r.out);
	harness_run_free(&r);
}

Test(config_path, the_option_wins_over_BLMON_CONFIG)
{
	const char *ls[] = {"lists", "-c", "/dev/null", NULL};
	const char *ct[] = {"config-test", "-c", conf, NULL};
	harness_run_t r;

	write_conf();
	setenv("BLMON_CONFIG", missing, 1);
	r = run(ls);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_null(strstr(r.out, "mine.test"), "%s", r.out);
	harness_run_free(&r);
	r = run(ct);
	cr_assert_eq(r.status, 0, "%s", r.err);
	harness_run_free(&r);
}

Test(config_path, a_missing_file_names_the_path_and_how_to_choose_another)
{
	const char *const cmds[][8] = {
		{"run", NULL},
		{"config-test", NULL},
		{"reroute", "--provider", "microsoft", "--via", "[relay.example.net]:587", NULL},
		{"lists", NULL},
		{"check", "192.0.2.1", NULL},
		{"run", "--once", NULL},
	};
	harness_run_t r;
	char want[1200];

	setenv("BLMON_CONFIG", missing, 1);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory (named by "
		 "BLMON_CONFIG; give another there or with -c FILE)", missing);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		r = run(cmds[i]);
		cr_assert_eq(r.status, 2, "blmon %s: exit %d", cmds[i][0], r.status);
		cr_assert(strstr(r.err, want), "blmon %s: %s", cmds[i][0], r.err);
		harness_run_free(&r);
	}
}

Test(config_path, without_option_or_environment_the_default_is_etc_blmon_conf)
{
	const char *rn[] = {"run", NULL};
	const char *ls[] = {"lists", NULL};
	harness_run_t r;

	if (access("/etc/blmon.conf", F_OK) == 0)
		cr_skip_test("/etc/blmon.conf exists on this machine");
	setenv("BLMON_CONFIG", "", 1); /* empty is unset (the harness would give /dev/null) */
	r = run(rn);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "blmon run: /etc/blmon.conf: cannot open: No such file or directory "
				"(the default config file; give another with -c FILE or "
				"BLMON_CONFIG=FILE"), "%s", r.err);
	harness_run_free(&r);
	/* the commands that run without a config do, on the built-in lists */
	r = run(ls);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "zen.spamhaus.org"), "%s", r.out);
	harness_run_free(&r);
}
