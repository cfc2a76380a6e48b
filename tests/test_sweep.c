/* test_sweep.c -- the daemon's settled pairs (the same answer again): answered by each whole sweep of
 * their list without a row written each, targets that leave keeping what they had, and cycles that miss a target touching rows. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "lib/timefmt.h"
#include "tests/harness.h"

static char *dir;
static harness_daemon_t d;
static int http;

static void setup(void)
{
	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	harness_daemon_init(&d, dir);
	http = harness_free_tcp_port();
}

static void teardown(void)
{
	harness_daemon_kill(&d);
	harness_tmpdir_free(dir);
}

TestSuite(sweep, .init = setup, .fini = teardown, .timeout = 90);

/* A list answered from a file (no DNS: its resolver is a closed port) over targets; extra
 * goes into [targets]. */
static void config(const char *targets)
{
	cr_assert_eq(harness_daemon_config(&d,
		"[monitor]\ndatabase = %s\ninterval = 1s\nconfirm = 1\nresolver = 127.0.0.1:%d\n"
		"timeout = 1s\nretries = 0\n[targets]\n%s[lists]\ndefault = no\n"
		"[list feed.test]\ndataset = ip4set:%s/zone.txt\n[http]\nlisten = 127.0.0.1:%d\n",
		d.db, harness_closed_port(), targets, dir, http), 0);
}

/* The raw checked_at column of target's row on feed.test. */
static long long raw_checked(const char *target)
{
	char sql[300];

	snprintf(sql, sizeof(sql), "SELECT s.checked_at FROM state s JOIN targets t ON "
		 "t.id = s.target_id WHERE t.target = '%s'", target);
	return harness_daemon_value(&d, sql);
}

static long long swept(void)
{
	return harness_daemon_value(&d, "SELECT swept_at FROM lists WHERE zone = 'feed.test'");
}

/* The last real answer of target on feed.test as the API says it (RFC 3339) into out. */
static void api_checked(const char *target, char out[TIMEFMT_MAX])
{
	char path[200];
	long status;
	char *body;
	cJSON *doc, *r;

	snprintf(path, sizeof(path), "/api/v1/targets/%s", target);
	body = harness_http_get(http, path, &status);
	cr_assert_eq(status, 200, "%s: %ld %s", path, status, body ? body : "");
	doc = cJSON_Parse(body);
	cr_assert_not_null(doc, "%s", body);
	r = harness_result(doc, "feed.test"); /* the document is the target */
	cr_assert_not_null(r, "%s", body);
	cr_assert_not_null(harness_str(r, "checked_at"), "%s", body);
	snprintf(out, TIMEFMT_MAX, "%s", harness_str(r, "checked_at"));
	cJSON_Delete(doc);
	free(body);
}

static void expect_api_checked(const char *target, long long at, const char *why)
{
	char got[TIMEFMT_MAX], want[TIMEFMT_MAX], msg[300];

	api_checked(target, got);
	timefmt_rfc3339(at, want);
	snprintf(msg, sizeof(msg), "%s: %s: checked_at %s, not %s", why, target, got, want);
	if (strcmp(got, want))
		harness_daemon_fail(&d, msg);
}

/* The n-th reload of the run. */
static void reload(const char *targets, int n)
{
	config(targets);
	kill(d.pid, SIGHUP);
	if (!harness_daemon_wait_log_n(&d, "reloaded", n, 5000))
		harness_daemon_fail(&d, "the reload was not done");
}

Test(sweep, plain_pairs_are_answered_by_the_sweep_and_leaving_targets_keep_theirs)
{
	long long first, listed, sweep, left;
	char at[TIMEFMT_MAX], was[TIMEFMT_MAX], sql[200];

	cr_assert_eq(harness_write(dir, "zone.txt", ":127.0.0.2:feed $\n127.0.0.2\n192.0.2.1\n"
				   "192.0.2.9\n"), 0);
	config("network = 192.0.2.0/30\n");
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!harness_daemon_cycles(&d, 3, 15000))
		harness_daemon_fail(&d, "no cycles");

	/* 192.0.2.3 is plain clean: its row was written when first seen, never since, and
	 * every reader sees the time of the list's last sweep as its last answer */
	first = raw_checked("192.0.2.3");
	cr_assert_gt(first, 0);
	listed = raw_checked("192.0.2.1");
	cr_assert_gt(listed, 0);
	if (!harness_daemon_cycles(&d, 2, 10000))
		harness_daemon_fail(&d, "no cycles");
	cr_assert_eq(raw_checked("192.0.2.3"), first, "a plain pair's row was rewritten");
	sweep = swept();
	cr_assert_gt(sweep, first, "the list's sweep did not move");
	api_checked("192.0.2.3", at);
	timefmt_rfc3339(first, was);
	cr_assert_gt(strcmp(at, was), 0, "the API says %s, the row's own %s", at, was);
	/* a listing answered the same again is settled too: no row written, and its last answer
	 * reads as of the sweep */
	cr_assert_eq(raw_checked("192.0.2.1"), listed, "a listing answered the same was rewritten");
	api_checked("192.0.2.1", at);
	timefmt_rfc3339(listed, was);
	cr_assert_gt(strcmp(at, was), 0, "the API says %s for the listing, its row's own %s", at, was);
	/* another TXT is another answer: that row is written (no event: the listing stands) */
	cr_assert_eq(harness_write(dir, "zone.txt", ":127.0.0.2:feed $\n127.0.0.2\n"
				   "192.0.2.1 :127.0.0.2:moved to another list\n192.0.2.9\n"), 0);
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM state WHERE txt LIKE '%moved to another%'",
				 1, 10000))
		harness_daemon_fail(&d, "the new TXT of a listing was not written");
	cr_assert_gt(raw_checked("192.0.2.1"), listed);
	cr_assert_eq(harness_daemon_value(&d, "SELECT count(*) FROM events WHERE \"from\" IS NOT NULL"),
		     0, "a new TXT was recorded as a change");

	/* 192.0.2.2 and .3 leave: their rows keep the answer time they had, and later sweeps do
	 * not count for them. 192.0.2.9 comes: its rows are after theirs, which the digest
	 * steps over (one result per active target, .9 listed) */
	reload("network = 192.0.2.0/31\nip = 192.0.2.9\n", 1);
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM targets WHERE active = 0", 2, 10000))
		harness_daemon_fail(&d, "192.0.2.2 and .3 were not retired");
	if (!harness_daemon_wait(&d, "SELECT results = 3 AND targets_listed = 2 FROM lists WHERE "
				 "zone = 'feed.test'", 1, 10000) ||
	    !harness_daemon_wait(&d, "SELECT count(*) FROM targets WHERE target = '192.0.2.9' AND "
				 "standing = 'own'", 1, 1000))
		harness_daemon_fail(&d, "the digest did not count the active targets' results alone");
	left = raw_checked("192.0.2.3");
	cr_assert_gt(left, first, "retiring lost the sweeps the target was part of");
	snprintf(sql, sizeof(sql), "SELECT swept_at > %lld FROM lists WHERE zone = 'feed.test'",
		 left);
	if (!harness_daemon_wait(&d, sql, 1, 10000))
		harness_daemon_fail(&d, "no sweep after the retirement");
	cr_assert_eq(raw_checked("192.0.2.3"), left);
	expect_api_checked("192.0.2.3", left, "a retired target gained a later sweep");

	/* back again: answered as any target, its answers then follow the sweeps */
	reload("network = 192.0.2.0/30\n", 2);
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM targets WHERE active = 0 AND "
				 "target <> '192.0.2.9'", 0, 10000))
		harness_daemon_fail(&d, "192.0.2.2 and .3 did not come back");
	if (!harness_daemon_cycles(&d, 2, 10000))
		harness_daemon_fail(&d, "no cycles");
	api_checked("192.0.2.3", at);
	timefmt_rfc3339(left, was);
	cr_assert_gt(strcmp(at, was), 0, "after its return: %s, as it left: %s", at, was);
	cr_assert_eq(harness_daemon_stop(&d, 5000), 0);
}

Test(sweep, a_cycle_that_misses_a_target_touches_the_rows_it_answered)
{
	long long first, sweep;

	cr_assert_eq(harness_write(dir, "zone.txt", ":127.0.0.2:feed $\n127.0.0.2\n192.0.2.1\n"), 0);
	/* a host that cannot be resolved (the resolver is a closed port): no cycle knows all its
	 * targets, so none is a whole sweep */
	config("network = 192.0.2.0/30\nhost = mail.example.invalid\n");
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!harness_daemon_cycles(&d, 2, 15000))
		harness_daemon_fail(&d, "no cycles");
	first = raw_checked("192.0.2.3");
	sweep = swept();
	if (!harness_daemon_cycles(&d, 2, 15000))
		harness_daemon_fail(&d, "no cycles");
	cr_assert_eq(swept(), sweep, "a cycle that missed a host counted as a whole sweep");
	cr_assert_eq(sweep, 0);
	cr_assert_gt(raw_checked("192.0.2.3"), first, "the answered pair's row was not touched");
	cr_assert_eq(harness_daemon_stop(&d, 5000), 0);
}
