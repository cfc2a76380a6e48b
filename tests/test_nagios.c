/* test_nagios.c -- `blmon nagios` as Nagios runs it: live against rbldnsd, daemon mode against a
 * real daemon on it; every exit code with its status line and perfdata. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/harness.h"

static char *dir;
static harness_server_t dns, http;
static char resolver[64], url[64];

static const char bl[] = ":127.0.0.2:Spam source $\n127.0.0.2\n192.0.2.10\n192.0.2.12\n203.0.113.10\n";
static const char bl2[] = ":127.0.0.2:Other $\n127.0.0.2\n192.0.2.11\n192.0.2.12\n";
static const char dead[] = ":127.0.0.2:x\n192.0.2.10\n";
static const char uce2[] = ":127.0.0.2:Your allocation is listed\n127.0.0.2\n192.0.2.13\n"
			   "203.0.113.0/24 :127.0.0.2:Net 203.0.113.0/24 is UCEPROTECT-Level2 listed\n";

/* What a daemon serves for one target (GET /api/v1/targets/198.51.100.7) whose
 * check failed with a reason holding '|', and its summary. */
static const char target_doc[] =
	"{\"target\":\"198.51.100.7\",\"type\":\"ipv4\",\"status\":\"unknown\",\"results\":["
	"{\"zone\":\"bl.test\",\"name\":\"Test BL\",\"status\":\"unknown\",\"scope\":\"ip\",\"kind\":\"block\","
	"\"codes\":[],\"meanings\":[],\"txt\":[],\"reason\":\"timeout | after 3 tries\",\"removal_url\":null,"
	"\"ttl\":0}]}";
static const char summary_doc[] = "{\"interval_seconds\":1800,\"targets\":{\"total\":1}}";

static void setup(void)
{
	static const char *const zones[] = {"bl.test:ip4set:bl", "bl2.test:ip4set:bl2",
					    "dead.test:ip4set:dead",
					    "dnsbl-2.uceprotect.net:ip4set:uce2", NULL};
	char sub[1100];

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write(dir, "bl", bl), 0);
	cr_assert_eq(harness_write(dir, "bl2", bl2), 0);
	cr_assert_eq(harness_write(dir, "dead", dead), 0);
	cr_assert_eq(harness_write(dir, "uce2", uce2), 0);
	cr_assert_eq(harness_write(dir, "ignore.conf",
				   "[lists]\ndefault = no\n"
				   "[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
				   "[list bl2.test]\nname = Other BL\n"
				   "[ignore]\nrule = bl2.test\nrule = uceprotect-2 203.0.113.0/24\n"),
		     0);
	cr_assert_eq(harness_write(dir, "fast.conf",
				   "[monitor]\ntimeout = 200ms\nretries = 0\n[lists]\ndefault = no\n"
				   "[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"),
		     0);
	/* served as GET /api/v1/summary and /api/v1/targets/198.51.100.7 */
	snprintf(sub, sizeof(sub), "%s/api", dir);
	cr_assert_eq(mkdir(sub, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/api/v1", dir);
	cr_assert_eq(mkdir(sub, 0755), 0);
	cr_assert_eq(harness_write(sub, "summary", summary_doc), 0);
	snprintf(sub, sizeof(sub), "%s/api/v1/targets", dir);
	cr_assert_eq(mkdir(sub, 0755), 0);
	cr_assert_eq(harness_write(sub, "198.51.100.7", target_doc), 0);
	cr_assert_eq(harness_rbldnsd_start(&dns, dir, zones), 0, "rbldnsd did not start");
	cr_assert_eq(harness_http_start(&http, dir), 0, "httpfixture did not start");
	snprintf(resolver, sizeof(resolver), "127.0.0.1:%d", dns.port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", http.port);
}

static void teardown(void)
{
	harness_server_stop(&http);
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(nagios, .init = setup, .fini = teardown, .timeout = 60);

/* Is the perfdata after '|' in the Monitoring Plugins format: space-separated
 * label=value[UOM];[warn];[crit];[min];[max], value a number, UOM one of s ms us
 * % B KB MB TB c, at most 5 fields? */
static bool perfdata_valid(const char *bar, char *why, size_t len)
{
	char buf[1024], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", bar + 1);
	buf[strcspn(buf, "\n")] = '\0';
	if (buf[0] != ' ') {
		snprintf(why, len, "no space after |");
		return false;
	}
	for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '='), *end;
		int fields = 1;
		if (!eq || eq == tok) {
			snprintf(why, len, "%s: no label=value", tok);
			return false;
		}
		strtod(eq + 1, &end);
		if (end == eq + 1) {
			snprintf(why, len, "%s: the value is no number", tok);
			return false;
		}
		if (*end && *end != ';' && strspn(end, "smu%BKMTc") != strcspn(end, ";")) {
			snprintf(why, len, "%s: unit '%s'", tok, end);
			return false;
		}
		for (const char *p = end; *p; p++)
			fields += *p == ';';
		if (fields > 5) {
			snprintf(why, len, "%s: more than 5 fields", tok);
			return false;
		}
	}
	return true;
}

/* Runs blmon nagios with args; checks the exit status and that the output is
 * one line starting with want_start and holding want_perf. */
static void expect(const char *const *args, int want_status, const char *want_start,
		   const char *want_perf)
{
	const char *argv[40] = {"nagios"};
	harness_run_t r;
	int n = 1;
	char *nl;

	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	cr_assert_eq(harness_run(&r, 30, argv), 0);
	nl = strchr(r.out, '\n');
	cr_assert(nl && nl[1] == '\0', "not exactly one line: \"%s\" (stderr %s)", r.out, r.err);
	cr_assert_eq(r.status, want_status, "exit %d, want %d: %s", r.status, want_status, r.out);
	cr_assert(!strncmp(r.out, want_start, strlen(want_start)), "got:  %swant: %s...", r.out,
		  want_start);
	if (want_perf) {
		const char *bar = strchr(r.out, '|');
		cr_assert(bar && strstr(bar, want_perf), "perfdata: %s, want %s", r.out, want_perf);
		cr_assert(strstr(bar, " time=") && strstr(r.out, "s\n"), "%s", r.out);
		cr_assert_null(strchr(bar + 1, '|'), "one | only: %s", r.out);
		{
			char why[300];
			cr_assert(perfdata_valid(bar, why, sizeof(why)), "perfdata %s: %s", why, r.out);
		}
	}
	harness_run_free(&r);
}

Test(nagios, ok_when_clean)
{
	const char *a[] = {"-H", "192.0.2.99", "-r", resolver, "-l", "bl.test", "-l", "bl2.test", NULL};
	expect(a, 0, "BLMON OK - 192.0.2.99 not listed (2 clean) | ",
	       "| listed=0;0;0;0;2 unknown=0;;;0;2 clean=2 time=");
}

Test(nagios, warning_and_critical_by_thresholds)
{
	const char *w[] = {"-H", "192.0.2.10", "-r", resolver, "-l", "bl.test", "-l", "bl2.test",
			   "-w", "0", "-c", "1", NULL};
	const char *c[] = {"-H", "192.0.2.12", "-r", resolver, "-l", "bl.test", "-l", "bl2.test",
			   "-w", "0", "-c", "1", NULL};
	const char *dflt[] = {"-H", "192.0.2.10", "-r", resolver, "-l", "bl.test", "-l", "bl2.test",
			      NULL};
	const char *ok[] = {"-H", "192.0.2.10", "-r", resolver, "-l", "bl.test", "-l", "bl2.test",
			    "-w", "1", "-c", "2", NULL};

	expect(w, 1, "BLMON WARNING - 192.0.2.10 listed on 1 of 2 lists: bl.test (bl.test) | ",
	       "| listed=1;0;1;0;2 unknown=0;;;0;2 clean=1 time=");
	expect(c, 2, "BLMON CRITICAL - 192.0.2.12 listed on 2 of 2 lists: bl.test (bl.test), "
		     "bl2.test (bl2.test) | ",
	       "| listed=2;0;1;0;2 unknown=0;;;0;2 clean=0 time=");
	expect(dflt, 2, "BLMON CRITICAL - 192.0.2.10 listed on 1 of 2 lists", "listed=1;0;0;0;2");
	expect(ok, 0, "BLMON OK - 192.0.2.10 listed on 1 of 2 lists: bl.test (bl.test) (within "
		      "thresholds)", "listed=1;1;2;0;2");
}

/* Monitoring Plugins ranges on the number of listings (192.0.2.12: 2 of 2 lists). check_rbl's
 * -w 1 -c 2 (warn at 1 listing, critical from 2) is -w 0 -c 1 here. */
Test(nagios, thresholds_are_monitoring_plugins_ranges)
{
#define AT12 "-H", "192.0.2.12", "-r", resolver, "-l", "bl.test", "-l", "bl2.test"
	const char *inside[] = {AT12, "-w", "0", "-c", "@2:3", NULL};
	const char *above[] = {AT12, "-w", "~:1", "-c", "5", NULL};
	const char *below[] = {AT12, "-w", "3:", "-c", "10", NULL};
	const char *within[] = {AT12, "-w", "1:5", "-c", "0:9", NULL};
	const char *rbl[] = {"-H", "192.0.2.10", "-r", resolver, "-l", "bl.test", "-l", "bl2.test",
			     "-w", "0", "-c", "1", NULL};
	const char *reversed[] = {AT12, "-w", "5:1", NULL};
	const char *twice[] = {AT12, "-c", "1:2:3", NULL};

	expect(inside, 2, "BLMON CRITICAL - 192.0.2.12 listed on 2 of 2 lists", "listed=2;0;@2:3;0;2");
	expect(above, 1, "BLMON WARNING - 192.0.2.12 listed on 2 of 2 lists", "listed=2;~:1;5;0;2");
	expect(below, 1, "BLMON WARNING - 192.0.2.12 listed", "listed=2;3:;10;0;2");
	expect(within, 0, "BLMON OK - 192.0.2.12 listed on 2 of 2 lists", "listed=2;1:5;0:9;0;2");
	expect(rbl, 1, "BLMON WARNING - 192.0.2.10 listed on 1 of 2 lists", "listed=1;0;1;0;2");
	expect(reversed, 3, "BLMON UNKNOWN - -w: '5:1' is not a range", NULL);
	expect(twice, 3, "BLMON UNKNOWN - -c: '1:2:3' is not a range", NULL);
#undef AT12
}

Test(nagios, version)
{
	harness_run_t r;

	cr_assert_eq(harness_run(&r, 10, (const char *[]){"nagios", "-V", NULL}), 0);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "blmon nagios " BLMON_VERSION "\n");
	harness_run_free(&r);
	cr_assert_eq(harness_run(&r, 10, (const char *[]){"nagios", "--version", NULL}), 0);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "blmon nagios " BLMON_VERSION "\n");
	harness_run_free(&r);
}

Test(nagios, unknown_when_lists_cannot_answer)
{
	const char *none[] = {"-H", "192.0.2.99", "-r", resolver, "-l", "dead.test", NULL};
	const char *one[] = {"-H", "192.0.2.99", "-r", resolver, "-l", "bl.test", "-l", "dead.test",
			     NULL};
	const char *lim[] = {"-H", "192.0.2.99", "-r", resolver, "-l", "bl.test", "-l", "dead.test",
			     "--unknown-limit", "2", NULL};
	const char *off[] = {"-H", "192.0.2.99", "-r", resolver, "-l", "dead.test",
			     "--unknown-limit", "0", NULL};
	const char *listed[] = {"-H", "192.0.2.10", "-r", resolver, "-l", "bl.test", "-l",
				"dead.test", NULL};

	expect(none, 3, "BLMON UNKNOWN - 192.0.2.99: nothing could be checked, 1 unknown "
			"(192.0.2.99 on dead.test: list dead)",
	       "| listed=0;0;0;0;1 unknown=1;;;0;1 clean=0 time=");
	expect(one, 3, "BLMON UNKNOWN - 192.0.2.99: 1 of 2 results could not be checked",
	       "unknown=1;;;0;2 clean=1");
	expect(lim, 0, "BLMON OK - 192.0.2.99 not listed (1 clean, unknown: ", "unknown=1;;;0;2");
	expect(off, 3, "BLMON UNKNOWN - 192.0.2.99: nothing could be checked", NULL);
	/* a listing outranks an unknown */
	expect(listed, 2, "BLMON CRITICAL - 192.0.2.10 listed on 1 of 2 lists: bl.test (bl.test); "
			  "unknown: ", "listed=1;0;0;0;2 unknown=1;;;0;2 clean=0");
}

Test(nagios, resolver_down_is_unknown)
{
	char dead_resolver[64], conf[1100];
	const char *a[] = {"-H", "192.0.2.10", "-r", dead_resolver, "-C", conf, NULL};

	snprintf(dead_resolver, sizeof(dead_resolver), "127.0.0.1:%d", harness_closed_port());
	snprintf(conf, sizeof(conf), "%s/fast.conf", dir);
	expect(a, 3, "BLMON UNKNOWN - 192.0.2.10: nothing could be checked", "unknown=1;;;0;1");
}

Test(nagios, ignore_and_scope_ip)
{
	const char *ign[] = {"-H", "192.0.2.12", "-r", resolver, "-l", "bl.test", "-l", "bl2.test",
			     "--ignore", "bl2.test", "-w", "0", "-c", "1", NULL};
	const char *hood[] = {"-H", "192.0.2.13", "-r", resolver, "-l", "bl.test", "-l",
			      "uceprotect-2", NULL};
	const char *ip[] = {"-H", "192.0.2.13", "-r", resolver, "-l", "bl.test", "-l",
			    "uceprotect-2", "--scope", "ip", NULL};

	expect(ign, 1, "BLMON WARNING - 192.0.2.12 listed on 1 of 1 list: bl.test",
	       "listed=1;0;1;0;1 unknown=0;;;0;1 clean=0");
	expect(hood, 2, "BLMON CRITICAL - 192.0.2.13 listed on 1 of 2 lists: UCEPROTECT Level 2 "
			"(dnsbl-2.uceprotect.net)", "listed=1;0;0;0;2");
	expect(ip, 0, "BLMON OK - 192.0.2.13 not listed (1 clean)", "listed=0;0;0;0;1");
}

Test(nagios, usage_errors_are_unknown)
{
	const char *none[] = {NULL};
	const char *badw[] = {"-H", "192.0.2.10", "-w", "x", NULL};
	const char *badopt[] = {"-H", "192.0.2.10", "--bogus", NULL};
	const char *badurl[] = {"--url", "ftp://x", NULL};
	const char *badtarget[] = {"-H", "not a target!", "-r", resolver, NULL};

	expect(none, 3, "BLMON UNKNOWN - give -H TARGET (live) or --url URL (daemon)", NULL);
	expect(badw, 3, "BLMON UNKNOWN - -w: 'x' is not a range", NULL);
	expect(badopt, 3, "BLMON UNKNOWN - unknown option --bogus", NULL);
	expect(badurl, 3, "BLMON UNKNOWN - --url: 'ftp://x' is not an http", NULL);
	expect(badtarget, 3, "BLMON UNKNOWN - ", NULL);
}

/* Daemon mode against a real `blmon run` on the same rbldnsd: 192.0.2.10 on Test BL,
 * 192.0.2.12 on Test BL and Other BL, 192.0.2.13 through its network on UCEPROTECT Level 2,
 * 192.0.2.99 clean. */
static void daemon_start(harness_daemon_t *d, char *durl, size_t len)
{
	int port = harness_free_tcp_port();

	harness_daemon_init(d, dir);
	cr_assert_eq(harness_daemon_config(d,
		"[monitor]\ninterval = 1h\nresolver = %s\ndatabase = %s\nconfirm = 1\n"
		"timeout = 300ms\nretries = 1\n"
		"[targets]\nip = 192.0.2.10\nip = 192.0.2.12\nip = 192.0.2.13\nip = 192.0.2.99\n"
		"[lists]\ndefault = no\nenable = uceprotect-2\n"
		"[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		"[list bl2.test]\nname = Other BL\ncode = 127.0.0.2 Other\n"
		"[http]\nlisten = 127.0.0.1:%d\n", resolver, d->db, port), 0);
	cr_assert_eq(harness_daemon_start(d), 0);
	if (!harness_daemon_cycles(d, 1, 10000))
		harness_daemon_fail(d, "no cycle");
	snprintf(durl, len, "http://127.0.0.1:%d", port);
}

Test(nagios, daemon_mode_reads_the_daemons_api)
{
	harness_daemon_t d;
	char durl[64], dead_url[64];
	const char *one[] = {"--url", durl, "-H", "192.0.2.10", NULL};
	const char *ip[] = {"--url", durl, "-H", "192.0.2.10", "--scope", "ip", "--ignore", "bl.test",
			    NULL};
	const char *net[] = {"--url", durl, "-H", "192.0.2.0/24", "-w", "0", "-c", "5", NULL};
	const char *all[] = {"--url", durl, NULL};
	const char *all_ip[] = {"--url", durl, "--scope", "ip", "-w", "0", "-c", "5", NULL};
	const char *missing[] = {"--url", durl, "-H", "192.0.2.77", NULL};
	const char *down[] = {"--url", dead_url, "-H", "192.0.2.10", NULL};

	daemon_start(&d, durl, sizeof(durl));
	snprintf(dead_url, sizeof(dead_url), "http://127.0.0.1:%d", harness_closed_port());
	expect(one, 2, "BLMON CRITICAL - 192.0.2.10 listed on 1 of 3 lists: Test BL (bl.test) | ",
	       "| listed=1;0;0;0;3 unknown=0;;;0;3 clean=2 time=");
	expect(ip, 0, "BLMON OK - 192.0.2.10 not listed (1 clean)", "listed=0;0;0;0;1");
	/* the own listings first, the network's last */
	expect(net, 1, "BLMON WARNING - 4 targets: 4 listings in 12 results: Test BL lists 192.0.2.10, "
		       "Test BL lists 192.0.2.12, Other BL lists 192.0.2.12, UCEPROTECT Level 2 lists "
		       "192.0.2.0/24: affects 1 of your addresses | ",
	       "listed=4;0;5;0;12 unknown=0;;;0;12 clean=8");
	/* every target: from the summary and the problems, not every target's results */
	expect(all, 2, "BLMON CRITICAL - 4 targets: 4 listings in 12 results: Test BL lists "
		       "192.0.2.10, ", "listed=4;0;0;0;12 unknown=0;;;0;12 clean=8");
	expect(all_ip, 1, "BLMON WARNING - 4 targets: 3 listings in 11 results: ",
	       "listed=3;0;5;0;11 unknown=0;;;0;11 clean=8");
	expect(missing, 3, "BLMON UNKNOWN - 192.0.2.77 is not monitored by the daemon at ", NULL);
	expect(down, 3, "BLMON UNKNOWN - cannot read the daemon's status at http://127.0.0.1:", NULL);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
	harness_daemon_kill(&d);
}

/* A reason holding '|' (served as a daemon's documents): it must not start the perfdata early. */
Test(nagios, daemon_mode_keeps_the_status_line_one_line)
{
	const char *unk[] = {"--url", url, "-H", "198.51.100.7", NULL};

	expect(unk, 3, "BLMON UNKNOWN - 198.51.100.7: nothing could be checked, 1 unknown "
		       "(198.51.100.7 on bl.test: timeout / after 3 tries)", "unknown=1;;;0;1");
}

/* Issue 14's scenario: 16 addresses of a /24 on UCEPROTECT Level 2, one of them also on a list of
 * its own; scanned in address order, the network's listing comes first, but is not the worst. */
Test(nagios, the_worst_problem_is_named_first)
{
	const char *net[] = {"-H", "203.0.113.0/28", "-r", resolver, "-l", "uceprotect-2", "-l",
			     "bl.test", NULL};

	expect(net, 2, "BLMON CRITICAL - 16 targets: 17 listings in 32 results: bl.test lists "
		       "203.0.113.10, UCEPROTECT Level 2 lists 203.0.113.0/24: affects 16 of your "
		       "addresses | ", "| listed=17;0;0;0;32 unknown=0;;;0;32 clean=15 time=");
}

Test(nagios, ignored_listings_do_not_count)
{
	char conf[1100];
	const char *one[] = {"-H", "192.0.2.12", "-r", resolver, "-C", conf, "-l", "bl.test", "-l",
			     "bl2.test", "-w", "0", "-c", "1", NULL};
	const char *only[] = {"-H", "192.0.2.11", "-r", resolver, "-C", conf, "-l", "bl.test", "-l",
			      "bl2.test", NULL};
	const char *net[] = {"-H", "203.0.113.0/28", "-r", resolver, "-C", conf, "-l",
			     "uceprotect-2", "-l", "bl.test", NULL};

	snprintf(conf, sizeof(conf), "%s/ignore.conf", dir);
	expect(one, 1, "BLMON WARNING - 192.0.2.12 listed on 1 of 2 lists: Test BL (bl.test); "
		       "1 ignored: Other BL (bl2.test) by rule 'bl2.test' | ",
	       "| listed=1;0;1;0;2 unknown=0;;;0;2 clean=0 time=");
	/* an ignored listing alone is OK */
	expect(only, 0, "BLMON OK - 192.0.2.11 not listed (1 clean, 1 ignored: Other BL (bl2.test) "
			"by rule 'bl2.test') | ", "| listed=0;0;0;0;2 unknown=0;;;0;2 clean=1 time=");
	expect(net, 2, "BLMON CRITICAL - 16 targets: 1 listing in 32 results: Test BL lists "
		       "203.0.113.10; 16 ignored: UCEPROTECT Level 2 (dnsbl-2.uceprotect.net) by rule "
		       "'uceprotect-2 203.0.113.0/24', ... | ", "| listed=1;0;0;0;32 ");
}
