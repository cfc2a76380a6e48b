/* test_demo.c -- `make demo` as a newcomer meets it: scripts/demo.sh run without a terminal, fast steps.
 * The daemon must serve the scenario's problems, move with it, and be gone with everything else on SIGTERM. */
#include <criterion/criterion.h>
#include <cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness.h"

static char *dir;
static pid_t demo;

static void setup(void)
{
	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	demo = 0;
}

static void teardown(void)
{
	if (demo > 0) {
		kill(demo, SIGTERM);
		harness_wait_exit(demo, 10000);
	}
	harness_tmpdir_free(dir);
}

TestSuite(demo, .init = setup, .fini = teardown, .timeout = 60);

/* The problems' entities now, comma-separated (caller frees), or NULL when the API does not answer. */
static char *entities(int port)
{
	long status;
	char *body = harness_http_get(port, "/api/v1/problems", &status), *out;
	cJSON *doc = body ? cJSON_Parse(body) : NULL, *p;
	size_t o = 0;

	free(body);
	if (status != 200 || !doc) {
		cJSON_Delete(doc);
		return NULL;
	}
	out = calloc(1, 4096);
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(doc, "problems"))
		o += (size_t)snprintf(out + o, 4096 - o, "%s%s", o ? "," : "",
				      harness_str(p, "entity"));
	cJSON_Delete(doc);
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The comma-separated words of list in order, into out (as a set: order does not count). */
static void sorted(const char *list, char *out, size_t len)
{
	char buf[4096], *words[64], *save = NULL;
	size_t n = 0, o = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *w = strtok_r(buf, ",", &save); w && n < 64; w = strtok_r(NULL, ",", &save))
		words[n++] = w;
	qsort(words, n, sizeof(words[0]), cmp_str);
	out[0] = '\0';
	for (size_t i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? "," : "", words[i]);
}

/* Polls the problems until they are the entities of want (in any order); false after ms. */
static bool problems_are(int port, const char *want, int ms, char *last, size_t lastlen)
{
	char w[4096], got[4096];

	sorted(want, w, sizeof(w));
	for (int waited = 0; waited <= ms; waited += 100) {
		char *e = entities(port);
		bool ok;
		if (e)
			sorted(e, got, sizeof(got));
		ok = e && !strcmp(got, w);
		snprintf(last, lastlen, "%s", e ? e : "(no answer)");
		free(e);
		if (ok)
			return true;
		usleep(100000);
	}
	return false;
}

Test(demo, serves_the_scenario_follows_its_changes_and_stops_everything)
{
	const char *root = getenv("BLMON_ROOT");
	char script[1100], work[1100], log[1100], portstr[16], last[4096], path[1200], *text;
	int port = harness_free_tcp_port();
	long status;
	cJSON *doc;

	snprintf(script, sizeof(script), "%s/scripts/demo.sh", root ? root : ".");
	snprintf(work, sizeof(work), "%s/demo", dir);
	snprintf(log, sizeof(log), "%s/demo.out", dir);
	snprintf(portstr, sizeof(portstr), "%d", port);
	demo = harness_start((const char *[]){"sh", script, "--port", portstr, "--dir", work,
					      "--step", "4", "--for", "55", NULL}, log);
	cr_assert_gt(demo, 0);

	/* the start: an own SBL+XBL listing, a /24 on UCEPROTECT 2, an AS on UCEPROTECT 3 */
	if (!problems_are(port, "203.0.113.10,203.0.113.0/24,AS64501", 20000, last, sizeof(last))) {
		text = harness_read(log);
		cr_assert_fail("the demo's problems are %s\n%s", last, text);
	}
	text = harness_http_get(port, "/api/v1/summary", &status);
	cr_assert_eq(status, 200);
	doc = cJSON_Parse(text);
	{
		cJSON *l;
		bool dead = false;
		cJSON_ArrayForEach(l, cJSON_GetObjectItem(doc, "lists"))
			dead |= !strcmp(harness_str(l, "zone"), "bl.spamcop.net") &&
				!strcmp(harness_str(l, "health"), "dead");
		cr_assert(dead, "SpamCop is not dead: %s", text);
	}
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "targets"), "total")->valueint, 17);
	cJSON_Delete(doc);
	free(text);
	/* the mail log's S3150 burst: a Microsoft incident */
	for (int waited = 0;; waited += 100) {
		text = harness_http_get(port, "/api/v1/incidents", &status);
		if (text && strstr(text, "\"provider\":\"microsoft\""))
			break;
		cr_assert_lt(waited, 10000, "no Microsoft incident: %s", text ? text : "");
		free(text);
		usleep(100000);
	}
	free(text);

	/* the scenario moves (a step every 4 s, four steps round): a new listing, then a delisting */
	cr_assert(problems_are(port, "203.0.113.10,198.51.100.25,203.0.113.0/24,AS64501", 15000, last,
			       sizeof(last)), "no new listing: %s", last);
	cr_assert(problems_are(port, "198.51.100.25,203.0.113.0/24,AS64501", 15000, last, sizeof(last)),
		  "no delisting: %s", last);
	text = harness_read(log);
	cr_assert(strstr(text, "Dashboard:  http://127.0.0.1:"), "%s", text);
	cr_assert(strstr(text, "ALERT  blmon: Spamhaus ZEN lists 198.51.100.25"), "%s", text);
	free(text);

	/* SIGTERM, as Ctrl-C: the script stops what it started, and exits 0 */
	snprintf(path, sizeof(path), "%s/demo.pids", work);
	text = harness_read(path);
	cr_assert(*text, "no demo.pids");
	cr_assert_eq(kill(demo, SIGTERM), 0);
	cr_assert_eq(harness_wait_exit(demo, 15000), 0, "the demo did not exit 0 on SIGTERM");
	demo = 0;
	for (char *p = text, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		/* its children are reaped by it: gone, not zombies */
		cr_assert(kill((pid_t)pid, 0) < 0 && errno == ESRCH, "process %ld outlived the demo",
			  pid);
	}
	free(text);
	text = harness_http_get(port, "/healthz", &status);
	cr_assert_null(text, "the daemon still answers");
}

/* `make run` (scripts/run.sh) on config.example: a resolver that reaches no list is said plainly,
 * with what is needed and `make demo`; one that does starts the daemon; the database stays out
 * of the checkout; DROP is off. */
Test(demo, make_run_says_what_it_needs_when_the_lists_cannot_be_reached)
{
	static const char *const zones[] = {"zen.spamhaus.org:ip4set:zen", NULL};
	const char *root = getenv("BLMON_ROOT");
	char cmd[4096], out[1100], conf[1100], *text;
	harness_server_t dns;
	int st;

	snprintf(out, sizeof(out), "%s/run.out", dir);
	snprintf(conf, sizeof(conf), "%s/run/blmon.conf", dir);
	snprintf(cmd, sizeof(cmd), "BLMON_RUN_DIR='%s/run' BLMON_RUN_RESOLVER=127.0.0.1:%d "
		 "sh '%s/scripts/run.sh' --check-only >'%s' 2>&1", dir, harness_closed_port(),
		 root ? root : ".", out);
	st = system(cmd);
	text = harness_read(out);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3, "exit %d: %s", WEXITSTATUS(st), text);
	cr_assert(strstr(text, "make run: the block lists cannot be reached from this machine"), "%s",
		  text);
	cr_assert(strstr(text, "recursive DNS resolver") && strstr(text, "apt-get install unbound"),
		  "%s", text);
	cr_assert(strstr(text, "without a resolver or internet access: make demo"), "%s", text);
	free(text);
	text = harness_read(conf);
	cr_assert(strstr(text, "\ndatabase = "), "%s", text);
	snprintf(cmd, sizeof(cmd), "\ndatabase = %s/run/blmon.db\n", dir);
	cr_assert(strstr(text, cmd), "make run's database must not land in the checkout");
	cr_assert(strstr(text, "[drop]") && strstr(strstr(text, "[drop]"), "\nenabled = no\n"),
		  "config.example must leave DROP off");
	free(text);

	/* a resolver the lists answer through (one is enough): no such message */
	cr_assert_eq(harness_write_zone(dir, "zen", ":127.0.0.2:Test\n127.0.0.2\n"), 0);
	cr_assert_eq(harness_rbldnsd_start(&dns, dir, zones), 0);
	snprintf(cmd, sizeof(cmd), "BLMON_RUN_DIR='%s/run' BLMON_RUN_RESOLVER=127.0.0.1:%d "
		 "sh '%s/scripts/run.sh' --check-only >'%s' 2>&1", dir, dns.port, root ? root : ".",
		 out);
	st = system(cmd);
	harness_server_stop(&dns);
	text = harness_read(out);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit %d: %s", WEXITSTATUS(st), text);
	cr_assert_null(strstr(text, "cannot be reached"), "%s", text);
	free(text);
}
