/* test_dataset_mirror.c -- the daemon's mirrors: rsync from a loopback `rsync --daemon`, swap, reload, failures.
 * A first transfer, an update swapped in while the daemon runs, a transfer that hangs and the old copy kept. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/harness.h"

static char *dir;
static harness_server_t rsyncd;
static harness_daemon_t d;

static void setup(void)
{
	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	harness_daemon_init(&d, dir);
}

static void teardown(void)
{
	harness_daemon_kill(&d);
	harness_server_stop(&rsyncd);
	harness_tmpdir_free(dir);
}

TestSuite(dataset_mirror, .init = setup, .fini = teardown, .timeout = 90);

/* Writes the feed's file on the server side under another name, then renames
 * it into place, as a feed publisher does. */
static void publish(const char *text)
{
	char tmp[1100], path[1100];

	snprintf(tmp, sizeof(tmp), "%s/src/.zone.txt.tmp", dir);
	snprintf(path, sizeof(path), "%s/src/zone.txt", dir);
	cr_assert_eq(harness_write(dir, "src/.zone.txt.tmp", text), 0);
	cr_assert_eq(rename(tmp, path), 0);
}

#define LISTED(ip)                                                                              \
	"SELECT count(*) FROM state s JOIN targets t ON t.id = s.target_id JOIN lists l ON "    \
	"l.id = s.list_id WHERE l.zone = 'feed.test' AND t.target = '" ip "' AND "              \
	"s.status = 'listed'"

Test(dataset_mirror, first_sync_an_update_and_a_hung_transfer_that_keeps_the_old_copy)
{
	char modules[2048], *body, link[256], path[1100];
	int http = harness_free_tcp_port(), closed = harness_closed_port();
	long status;
	ssize_t n;

	cr_assert_eq(mkdir(strcat(strcpy(path, dir), "/src"), 0755), 0);
	publish(":127.0.0.2:feed $\n127.0.0.2\n192.0.2.1\n");
	/* the feed's transfers hang (and blmon's rsync gives up) while DIR/hold exists */
	snprintf(path, sizeof(path), "%s/gate.sh", dir);
	cr_assert_eq(harness_write(dir, "gate.sh", ""), 0);
	{
		char gate[1200];
		snprintf(gate, sizeof(gate), "#!/bin/sh\nif [ -e %s/hold ]; then sleep 6; fi\nexit 0\n",
			 dir);
		cr_assert_eq(harness_write(dir, "gate.sh", gate), 0);
		cr_assert_eq(chmod(path, 0755), 0);
	}
	snprintf(modules, sizeof(modules), "[feed]\npath = %s/src\nread only = yes\n"
		 "pre-xfer exec = %s\n", dir, path);
	cr_assert_eq(harness_rsyncd_start(&rsyncd, dir, modules), 0, "rsync --daemon did not start");
	/* nothing answers DNS at the resolver: the list needs none */
	cr_assert_eq(harness_daemon_config(&d,
		"[monitor]\ndatabase = %s\ninterval = 1s\nconfirm = 1\nresolver = 127.0.0.1:%d\n"
		"[targets]\nnetwork = 192.0.2.0/30\n[lists]\ndefault = no\n"
		"[list feed.test]\ndataset = ip4set:zone.txt\nrsync = rsync://127.0.0.1:%d/feed/\n"
		"[mirror]\ndir = %s/mirror\nrefresh = 1s\ntimeout = 2s\n"
		"[http]\nlisten = 127.0.0.1:%d\n", d.db, closed, rsyncd.port, dir, http), 0);
	cr_assert_eq(harness_daemon_start(&d), 0);

	/* the first transfer: the list answers from its copy */
	if (!harness_daemon_wait(&d, LISTED("192.0.2.1"), 1, 15000))
		harness_daemon_fail(&d, "192.0.2.1 not listed from the first copy");
	snprintf(path, sizeof(path), "%s/mirror/feed.test/current", dir);
	n = readlink(path, link, sizeof(link) - 1);
	cr_assert_gt(n, 0, "no %s", path);
	link[n] = '\0';
	cr_assert(!strncmp(link, "data.", 5), "current -> %s", link);
	cr_assert(harness_daemon_wait_log(&d, "mirror feed.test: a complete copy is in place", 1000));
	if (!harness_daemon_wait_http(&d, http, "/metrics", 200,
				      "blmon_mirror_age_seconds{zone=\"feed.test\"}", 5000))
		harness_daemon_fail(&d, "no blmon_mirror_age_seconds for feed.test");
	body = harness_http_get(http, "/api/v1/lists", &status);
	cr_assert_eq(status, 200);
	cr_assert(strstr(body, "\"source\":\"mirror\""), "%s", body);
	cr_assert_eq(harness_schema_valid("api/lists.schema.json", body), 0, "%s", body);
	free(body);
	cr_assert_eq(harness_daemon_value(&d, "SELECT sum(queries) FROM cycles"), 0,
		     "a mirrored list asks no DNS query");
	/* the clean pairs are answered every cycle too, though their rows are not rewritten */
	{
		long long t = harness_daemon_value(&d, "SELECT max(checked_at) FROM state");
		char sql[200];
		snprintf(sql, sizeof(sql), "SELECT min(checked_at) > %lld FROM state", t);
		if (!harness_daemon_wait(&d, sql, 1, 10000))
			harness_daemon_fail(&d, "the clean pairs' checked_at did not move");
	}

	/* an update on the server: fetched, swapped in and read while the daemon runs */
	publish(":127.0.0.2:feed $\n127.0.0.2\n192.0.2.1\n192.0.2.2 :127.0.0.4:new entry\n");
	if (!harness_daemon_wait(&d, LISTED("192.0.2.2"), 1, 15000))
		harness_daemon_fail(&d, "the update was not picked up");
	cr_assert(harness_daemon_wait_log(&d, "list feed.test (feed.test): reloaded", 1000));
	n = readlink(path, link, sizeof(link) - 1);
	cr_assert_gt(n, 0);
	link[n] = '\0';

	/* a transfer that hangs: rsync gives up after its timeout, the copy in use stays,
	 * and the list's results are failing (stale later), never empty */
	cr_assert_eq(harness_write(dir, "hold", ""), 0);
	publish(":127.0.0.2:feed $\n127.0.0.2\n192.0.2.1\n192.0.2.2 :127.0.0.4:new entry\n"
		"192.0.2.3\n");
	if (!harness_daemon_wait_log(&d, "mirror feed.test: rsync exited 30 (timeout in data "
				     "send/receive)", 15000))
		harness_daemon_fail(&d, "the hung transfer was not given up");
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM state s JOIN targets t ON "
				 "t.id = s.target_id WHERE t.target = '192.0.2.1' AND "
				 "s.failing_since > 0 AND s.failing_reason LIKE "
				 "'its mirror''s transfers fail: rsync exited 30%'", 1, 10000))
		harness_daemon_fail(&d, "the results were not marked failing");
	cr_assert_eq(harness_daemon_value(&d, LISTED("192.0.2.2")), 1, "the old copy answers");
	cr_assert_eq(harness_daemon_value(&d, LISTED("192.0.2.3")), 0, "no part of the new one");
	{
		char now[256];
		ssize_t k = readlink(path, now, sizeof(now) - 1);
		cr_assert_gt(k, 0);
		now[k] = '\0';
		cr_assert_str_eq(now, link, "the copy in use was replaced by a failed transfer");
	}
	body = harness_http_get(http, "/api/v1/lists", &status);
	cr_assert(strstr(body, "\"error\":\"its mirror's transfers fail: rsync exited 30"), "%s",
		  body);
	free(body);

	/* the feed answers again: the new copy comes in, the failure ends */
	cr_assert_eq(unlink(strcat(strcpy(path, dir), "/hold")), 0);
	if (!harness_daemon_wait(&d, LISTED("192.0.2.3"), 1, 15000))
		harness_daemon_fail(&d, "the copy after the failure was not used");
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM state s JOIN targets t ON "
				 "t.id = s.target_id WHERE t.target = '192.0.2.1' AND "
				 "s.failing_since = 0", 1, 10000))
		harness_daemon_fail(&d, "the results still fail");
	cr_assert(harness_daemon_wait_log(&d, "mirror feed.test: transfers work again", 1000));
	cr_assert_eq(harness_daemon_stop(&d, 5000), 0);
}

Test(dataset_mirror, a_transfer_without_the_lists_files_is_not_put_in_place)
{
	char modules[1024];
	int closed = harness_closed_port();

	cr_assert_eq(mkdir(strcat(strcpy(modules, dir), "/src"), 0755), 0);
	cr_assert_eq(harness_write(dir, "src/other.txt", "192.0.2.1\n"), 0);
	snprintf(modules, sizeof(modules), "[feed]\npath = %s/src\nread only = yes\n", dir);
	cr_assert_eq(harness_rsyncd_start(&rsyncd, dir, modules), 0);
	cr_assert_eq(harness_daemon_config(&d,
		"[monitor]\ndatabase = %s\ninterval = 1s\nconfirm = 1\nresolver = 127.0.0.1:%d\n"
		"[targets]\nip = 192.0.2.1\n[lists]\ndefault = no\n"
		"[list feed.test]\ndataset = ip4set:zone.txt\nrsync = rsync://127.0.0.1:%d/feed/\n"
		"[mirror]\ndir = %s/mirror\nrefresh = 1s\ntimeout = 2s\n[http]\nlisten = 127.0.0.1:%d\n",
		d.db, closed, rsyncd.port, dir, harness_free_tcp_port()), 0);
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!harness_daemon_wait_log(&d, "mirror feed.test: the transfer has no zone.txt (a dataset "
				     "of the list): not put in place; no copy yet", 15000))
		harness_daemon_fail(&d, "an incomplete feed was not refused");
	/* the list has no data: its results are failed checks, and the list says why */
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM lists WHERE zone = 'feed.test' AND "
				 "health = 'unreachable' AND data_failing_since > 0 AND data_error LIKE "
				 "'its mirror''s transfers fail: the transfer has no zone.txt%'", 1, 10000))
		harness_daemon_fail(&d, "the list does not say why it has no data");
	cr_assert_eq(harness_daemon_value(&d, "SELECT count(*) FROM state WHERE status = 'clean'"), 0);
	cr_assert_eq(harness_daemon_stop(&d, 5000), 0);
}
