/* test_cluster.c -- three `blmon run` nodes over one PostgreSQL: shards by lease, failover, once each.
 * rbldnsd on loopback plays the list; zone edits must be recorded once, whichever node sees them. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "store/store_cluster.h"
#include "tests/harness.h"

#define NODES 3
#define LEASE 3 /* seconds: failover within one lease */

static char *dir;
static harness_server_t dns;
static harness_daemon_t d[NODES];
static harness_pg_t pg;
static harness_server_t smtp;
static harness_server_t dns2; /* another rbldnsd: another view of the lists */
static harness_server_t web;  /* httpfixture: the DROP files */
static const char *extra_conf = ""; /* more sections for all nodes ([email]) */
static const char *targets = "network = 192.0.2.8/29\n"; /* [targets] of node_conf */
static int http_port[NODES];

static const char zone_a[] = ":127.0.0.2:Spam source $\n127.0.0.2\n192.0.2.10\n192.0.2.11\n";

static void setup(void)
{
	static const char *const zones[] = {"bl.test:ip4set:a", NULL};
	char sub[1100];

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write_zone(dir, "a", zone_a), 0);
	cr_assert_eq(harness_rbldnsd_start_ttl(&dns, dir, zones, "1"), 0, "rbldnsd did not start");
	cr_assert_eq(harness_pg_start(&pg, dir), 0, "PostgreSQL did not start");
	extra_conf = "";
	targets = "network = 192.0.2.8/29\n";
	for (int i = 0; i < NODES; i++) {
		snprintf(sub, sizeof(sub), "%s/n%d", dir, i + 1);
		cr_assert_eq(mkdir(sub, 0755), 0);
		harness_daemon_init(&d[i], sub);
		snprintf(d[i].db, sizeof(d[i].db), "%s", pg.uri); /* the waits read PostgreSQL */
	}
}

static void teardown(void)
{
	for (int i = 0; i < NODES; i++)
		harness_daemon_kill(&d[i]);
	harness_pg_stop(&pg);
	harness_server_stop(&smtp);
	harness_server_stop(&dns2);
	harness_server_stop(&web);
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(cluster, .init = setup, .fini = teardown, .timeout = 120);

/* Node i's config: the same targets and list for all, its own name and HTTP port. */
static void node_conf(int i)
{
	cr_assert_eq(harness_daemon_config(&d[i],
		"[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		"timeout = 300ms\nretries = 1\n"
		"[targets]\n%s"
		"[lists]\ndefault = no\n"
		"[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		"[cluster]\nnode = n%d\nlease = %ds\n"
		"[http]\nlisten = 127.0.0.1:%d\n%s",
		dns.port, pg.uri, targets, i + 1, LEASE, http_port[i] = harness_free_tcp_port(),
		extra_conf), 0);
}

/* Node i's config with another resolver (NULL: rbldnsd's). */
static void node_conf_resolver(int i, const char *resolver)
{
	char r[64];

	snprintf(r, sizeof(r), "127.0.0.1:%d", dns.port);
	cr_assert_eq(harness_daemon_config(&d[i],
		"[monitor]\ninterval = 1s\nresolver = %s\ndatabase = %s\nconfirm = 1\n"
		"timeout = 300ms\nretries = 1\n"
		"[targets]\nnetwork = 192.0.2.8/29\n"
		"[lists]\ndefault = no\n"
		"[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		"[cluster]\nnode = n%d\nlease = %ds\n"
		"[http]\nlisten = 127.0.0.1:%d\n",
		resolver ? resolver : r, pg.uri, i + 1, LEASE, http_port[i] = harness_free_tcp_port()), 0);
}

static void nodes_start(void)
{
	for (int i = 0; i < NODES; i++) {
		node_conf(i);
		cr_assert_eq(harness_daemon_start(&d[i]), 0, "node %d did not start", i + 1);
	}
}

/* A node still running, for the waits (a wait returns at once when its daemon exited). */
static harness_daemon_t *alive(void)
{
	for (int i = 0; i < NODES; i++)
		if (d[i].pid > 0 && harness_daemon_running(&d[i]))
			return &d[i];
	cr_assert_fail("no node runs");
	return NULL;
}


#define EV(target, to) \
	"SELECT count(*) FROM events e JOIN targets t ON t.id = e.target_id WHERE t.target = '" target \
	"' AND e.\"to\" = '" to "'"
#define NODES_HOLDING "SELECT count(DISTINCT node) FROM cluster_leases WHERE shard >= 0 AND node IS NOT NULL"
#define EVENTS "SELECT count(*) FROM events"

/* The three nodes, mailing every change to the SMTP sink at once (batch = 0s), up to the
 * first-seen events of every listing. */
static void nodes_start_mailing(void)
{
	static char conf[300];

	cr_assert_eq(harness_smtp_start(&smtp, dir, 0, NULL), 0, "smtpsink did not start");
	snprintf(conf, sizeof(conf), "[email]\nsmtp = smtp://127.0.0.1:%d\nfrom = blmon@example.org\n"
		 "to = admin@example.org\nstarttls = no\n[alerts]\nbatch = 0s\n", smtp.port);
	extra_conf = conf;
	nodes_start();
	if (!harness_daemon_wait(alive(), EVENTS, 8, 20000))
		harness_daemon_fail(alive(), "the first-seen events were not recorded");
}

/* Every node holds shards, and every shard is held: the cluster has settled. */
static void settled(int nodes)
{
	char sql[200];

	if (!harness_daemon_wait(alive(), NODES_HOLDING, nodes, 20000))
		harness_daemon_fail(alive(), "the shards were not shared by the nodes");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM cluster_leases WHERE shard >= 0 AND "
		 "node IS NOT NULL AND expires > %lld", (long long)time(NULL));
	if (!harness_daemon_wait(alive(), sql, STORE_CLUSTER_SHARDS, 10000))
		harness_daemon_fail(alive(), "not every shard is held");
}

/* Which node (1..NODES) holds target's shard: 0 when none. */
static int holder(const char *target)
{
	char sql[300];

	snprintf(sql, sizeof(sql), "SELECT coalesce(substr(node, 2)::int, 0) FROM cluster_leases "
		 "WHERE shard = %d", store_cluster_shard(target));
	return (int)harness_pg_value(&pg, sql);
}

Test(cluster, three_nodes_record_each_zone_edit_once)
{
	long long n, answered = 0;
	char want[200], *q;

	nodes_start();
	/* 192.0.2.8/29: eight addresses, each first seen once, whoever checked it */
	if (!harness_daemon_wait(alive(), EVENTS, 8, 20000))
		harness_daemon_fail(alive(), "the first-seen events were not recorded");
	settled(NODES);
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM cluster_leases WHERE shard = -1 AND "
				      "node IS NOT NULL"), 1, "one coordinator");
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n192.0.2.11\n"), 0);
	if (!harness_daemon_wait(alive(), EV("192.0.2.10", "clean"), 1, 10000))
		harness_daemon_fail(alive(), "the delisting was not recorded");
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n192.0.2.11\n"
					"192.0.2.12\n192.0.2.13\n"), 0);
	if (!harness_daemon_wait(alive(), EV("192.0.2.13", "listed"), 1, 10000) ||
	    !harness_daemon_wait(alive(), EV("192.0.2.12", "listed"), 1, 10000))
		harness_daemon_fail(alive(), "the listings were not recorded");
	/* every node's cycles more: nothing recorded again */
	if (!harness_daemon_cycles(alive(), 3 * NODES, 15000))
		harness_daemon_fail(alive(), "no more cycles");
	n = harness_pg_value(&pg, EVENTS);
	cr_assert_eq(n, 11, "8 first-seen, a delisting and two listings: %lld events", n);
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM (SELECT target_id, list_id, at, "
				      "\"to\" FROM events GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) x"),
		     0);
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM targets WHERE active = 1"), 8,
		     "no node retires what another checks");
	/* every node shows the same cluster, from the shared database */
	for (int i = 0; i < NODES; i++) {
		long status;
		char *body = harness_http_get(http_port[i], "/api/v1/cluster", &status), *m;
		cr_assert_eq(status, 200, "node %d: %s", i + 1, body ? body : "(no answer)");
		cr_assert_eq(harness_schema_valid("api/cluster.schema.json", body), 0, "%s", body);
		cr_assert(strstr(body, "\"node\":\"n1\"") && strstr(body, "\"node\":\"n2\"") &&
			  strstr(body, "\"node\":\"n3\""), "%s", body);
		cr_assert(strstr(body, "\"shards_unheld\":0"), "%s", body);
		cr_assert_eq(harness_count(body, "\"coordinator\":true"), 1, "%s", body);
		free(body);
		m = harness_http_get(http_port[i], "/metrics", &status);
		cr_assert_eq(status, 200);
		cr_assert(strstr(m, "blmon_cluster_node_shards{node=\"n3\"} "), "%s", m);
		cr_assert_eq(harness_count(m, "blmon_cluster_node_coordinator{node=") , 3);
		cr_assert(strstr(m, "blmon_last_cycle_timestamp_seconds{node=\"n2\"} "), "%s", m);
		cr_assert(strstr(m, "blmon_cycle_duration_seconds{node=\"n1\"} "), "%s", m);
		/* what this node counts carries its name; what the database holds for all does not */
		snprintf(want, sizeof(want), "blmon_dns_queries_total{node=\"n%d\",outcome=\"answered\"} ",
			 i + 1);
		cr_assert(q = strstr(m, want), "no %s:\n%s", want, m);
		answered += strtoll(q + strlen(want), NULL, 10);
		snprintf(want, sizeof(want), "blmon_dns_queries_total{node=\"n%d\",outcome=\"failed\"} ",
			 i + 1);
		cr_assert(strstr(m, want), "no %s:\n%s", want, m);
		cr_assert_eq(harness_count(m, "blmon_dns_queries_total{"), 2, "only its own: %s", m);
		snprintf(want, sizeof(want), "blmon_build_info{node=\"n%d\",version=\"", i + 1);
		cr_assert(strstr(m, want), "no %s:\n%s", want, m);
		cr_assert(strstr(m, "\nblmon_resolver_up 1\n") && strstr(m, "\nblmon_events_total{to=\"listed\"} ") &&
			  strstr(m, "\nblmon_targets{standing=\"own\"} "), "the cluster's, unlabelled: %s", m);
		/* the text format's rules, as Prometheus reads them */
		if (i == 0)
			cr_assert_eq(harness_promtool_metrics(dir, m), 0,
				     "promtool check metrics failed:\n%s", m);
		free(m);
	}
	cr_assert_gt(answered, 0, "each node counts the queries of its own cycles");
	for (int i = 0; i < NODES; i++)
		cr_assert_eq(harness_daemon_stop(&d[i], 5000), 0, "node %d did not stop cleanly", i + 1);
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM cluster_leases WHERE node IS NOT "
				      "NULL"), 0, "a clean stop releases its leases");
}

Test(cluster, a_killed_nodes_shards_are_taken_within_a_lease)
{
	int h, h2;
	long long n;
	char sql[300];

	nodes_start();
	if (!harness_daemon_wait(alive(), EVENTS, 8, 20000))
		harness_daemon_fail(alive(), "the first-seen events were not recorded");
	settled(NODES);
	h = holder("192.0.2.10");
	cr_assert(h >= 1 && h <= NODES, "192.0.2.10's shard is held by no node (%d)", h);
	/* kill -9 the node that checks 192.0.2.10: it releases nothing */
	harness_daemon_kill(&d[h - 1]);
	n = harness_pg_value(&pg, EVENTS);
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n192.0.2.11\n"), 0);
	/* a lease, a renewal and a cycle later another node has recorded it, once */
	if (!harness_daemon_wait(alive(), EV("192.0.2.10", "clean"), 1, (LEASE + 6) * 1000))
		harness_daemon_fail(alive(), "the delisting was not recorded after the node died");
	h2 = holder("192.0.2.10");
	cr_assert(h2 >= 1 && h2 != h, "the shard went to node %d (the dead one was %d)", h2, h);
	settled(NODES - 1);
	if (!harness_daemon_cycles(alive(), 3 * (NODES - 1), 15000))
		harness_daemon_fail(alive(), "no more cycles");
	cr_assert_eq(harness_pg_value(&pg, EVENTS), n + 1, "the delisting once, nothing else");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM cluster_leases WHERE node = 'n%d' AND "
		 "expires > %lld", h, (long long)time(NULL));
	cr_assert_eq(harness_pg_value(&pg, sql), 0, "the dead node holds nothing");
}

/* Which node (1..NODES) coordinates: 0 when none. */
static int coordinator(void)
{
	return (int)harness_pg_value(&pg, "SELECT coalesce(substr(node, 2)::int, 0) FROM "
				     "cluster_leases WHERE shard = -1");
}

/* The dashboard of n1 in headless Chromium shows the three nodes; the test kills one with
 * SIGKILL when the page says it is ready (a KILL-NOW line), and the page, left open, must show it
 * lost and its shards held by the others after a refresh of its own. */
Test(cluster, the_dashboard_shows_every_node)
{
	const char *root = getenv("BLMON_ROOT");
	char cmd[2048], line[1024];
	int c, victim, st;
	bool killed = false;
	FILE *p;

	nodes_start();
	settled(NODES);
	/* the coordinator, unless it serves the page: its lease must move too */
	c = coordinator();
	victim = c >= 2 && c <= NODES ? c : NODES;
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && node tests/web/cluster-dashboard.test.js http://127.0.0.1:%d/ "
		 "tests/artifacts kill n1,n2,n3 n%d 2>&1",
		 root ? root : ".", http_port[0], victim);
	cr_assert_not_null(p = popen(cmd, "r"));
	/* its output, as it comes: the kill when it asks */
	while (fgets(line, sizeof(line), p)) {
		fputs(line, stderr);
		if (!killed && !strcmp(line, "KILL-NOW\n")) {
			harness_daemon_kill(&d[victim - 1]);
			killed = true;
		}
	}
	st = pclose(p);
	cr_assert(killed, "the page never showed the three nodes (its output is above)");
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the cluster dashboard test failed (its "
		  "output is above); screenshots in tests/artifacts/");
}

/* Every event taken by the alerts and every mail delivered. */
static void alerts_settled(void)
{
	if (!harness_daemon_cycles(alive(), 2 * NODES, 15000))
		harness_daemon_fail(alive(), "no more cycles");
	if (!harness_daemon_wait(alive(), "SELECT (SELECT value FROM alert_state WHERE name = "
				 "'last_event') = (SELECT max(id) FROM events)", 1, 10000))
		harness_daemon_fail(alive(), "the alerts did not take every event");
	if (!harness_daemon_wait(alive(), "SELECT count(*) FROM alerts WHERE delivered IS NULL", 0,
				 10000))
		harness_daemon_fail(alive(), "alerts left undelivered");
}

/* The Subject lines of the mails received so far, for a failure's message (caller frees). */
static char *subjects(void)
{
	size_t cap = 4096, len = 0;
	char *out = calloc(1, cap);

	for (int i = 1; i <= harness_smtp_mails(dir); i++) {
		char *m = harness_smtp_mail(dir, i), *sub = m ? strstr(m, "\nSubject: ") : NULL;
		if (sub)
			len += (size_t)snprintf(out + len, cap - len, "%.*s\n",
						(int)strcspn(sub + 1, "\r\n"), sub + 1);
		free(m);
		if (len >= cap - 1)
			break;
	}
	return out;
}

/* One mail per change, however many nodes saw it, and when the node that sends dies. */
Test(cluster, one_mail_per_change_across_a_coordinator_kill)
{
	int c, c2, first;

	nodes_start_mailing();
	if (!harness_daemon_wait_mails(alive(), dir, 1, 10000))
		harness_daemon_fail(alive(), "no first-run summary");
	settled(NODES);
	alerts_settled();
	/* the first answers are no change: the first run waits until every shard was swept by
	 * some node, and is one mail for the whole cluster */
	first = harness_smtp_mails(dir);
	cr_assert_eq(first, 1, "the first run in %d mails:\n%s", first, subjects());
	/* a change while all run: one mail */
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n192.0.2.10\n"
					"192.0.2.11\n192.0.2.12\n"), 0);
	if (!harness_daemon_wait_mails(alive(), dir, first + 1, 10000))
		harness_daemon_fail(alive(), "no mail for the listing");
	/* the coordinator, who sends, killed: another takes over within a lease */
	c = coordinator();
	cr_assert(c >= 1 && c <= NODES, "no coordinator (%d)", c);
	harness_daemon_kill(&d[c - 1]);
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n192.0.2.11\n"
					"192.0.2.12\n"), 0);
	if (!harness_daemon_wait_mails(alive(), dir, first + 2, (LEASE + 8) * 1000))
		harness_daemon_fail(alive(), "no mail for the delisting after the coordinator died");
	c2 = coordinator();
	cr_assert(c2 >= 1 && c2 != c, "the coordinator is %d (the dead one was %d)", c2, c);
	alerts_settled();
	cr_assert_eq(harness_smtp_mails(dir), first + 2, "one mail per change:\n%s", subjects());
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM alerts"), first + 2);
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM alerts WHERE claimed_by IS NULL"), 0,
		     "every message was claimed by the node that sent it");
}

/* PostgreSQL away for a while: every node stops writing (it holds nothing it cannot renew),
 * nothing is lost, and all resume; the change made meanwhile is recorded once. */
Test(cluster, a_partition_from_postgresql_loses_and_repeats_nothing)
{
	long long n;

	nodes_start();
	if (!harness_daemon_wait(alive(), EVENTS, 8, 20000))
		harness_daemon_fail(alive(), "the first-seen events were not recorded");
	settled(NODES);
	n = harness_pg_value(&pg, EVENTS);
	cr_assert_eq(harness_pg_stop(&pg), 0);
	for (int i = 0; i < NODES; i++)
		if (!harness_daemon_wait_log(&d[i], "cannot renew its leases", (LEASE + 5) * 1000))
			harness_daemon_fail(&d[i], "a node did not notice the database gone");
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n192.0.2.11\n"), 0);
	cr_assert_eq(harness_pg_resume(&pg), 0, "PostgreSQL did not come back");
	for (int i = 0; i < NODES; i++)
		if (!harness_daemon_wait_log(&d[i], "renews its leases again", 20000))
			harness_daemon_fail(&d[i], "a node did not come back");
	if (!harness_daemon_wait(alive(), EV("192.0.2.10", "clean"), 1, 15000))
		harness_daemon_fail(alive(), "the delisting was not recorded once back");
	settled(NODES);
	if (!harness_daemon_cycles(alive(), 3 * NODES, 15000))
		harness_daemon_fail(alive(), "no more cycles");
	cr_assert_eq(harness_pg_value(&pg, EVENTS), n + 1, "the delisting once, nothing else");
	for (int i = 0; i < NODES; i++)
		cr_assert(harness_daemon_running(&d[i]), "node %d died", i + 1);
}

/* A node whose resolver does not answer cannot check: it holds no shard, the others check its
 * part, and it takes its share again once its resolver answers. */
Test(cluster, a_node_that_cannot_check_hands_its_shards_over)
{
	char dead[64], sql[200];
	long long n;

	for (int i = 0; i < 2; i++) {
		node_conf(i);
		cr_assert_eq(harness_daemon_start(&d[i]), 0);
	}
	if (!harness_daemon_wait(alive(), EVENTS, 8, 20000))
		harness_daemon_fail(alive(), "the first-seen events were not recorded");
	settled(2);
	snprintf(dead, sizeof(dead), "127.0.0.1:%d", harness_closed_port());
	node_conf_resolver(2, dead);
	cr_assert_eq(harness_daemon_start(&d[2]), 0);
	if (!harness_daemon_wait_log(&d[2], "cannot check (its resolver fails)", 15000))
		harness_daemon_fail(&d[2], "n3 did not say it cannot check");
	if (!harness_daemon_cycles(&d[2], 2 * NODES, 15000))
		harness_daemon_fail(&d[2], "no more cycles");
	settled(2);
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM cluster_leases WHERE node = 'n3'"),
		     0, "n3 holds nothing while it cannot check");
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM resolver_outages"), 0,
		     "one node's resolver is no outage of the cluster");
	n = harness_pg_value(&pg, EVENTS);
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n127.0.0.2\n192.0.2.11\n"), 0);
	if (!harness_daemon_wait(&d[0], EV("192.0.2.10", "clean"), 1, 10000))
		harness_daemon_fail(&d[0], "the delisting was not recorded");
	/* its resolver back (a reload): it takes its share again */
	node_conf(2);
	kill(d[2].pid, SIGHUP);
	if (!harness_daemon_wait(&d[2], NODES_HOLDING, NODES, 20000))
		harness_daemon_fail(&d[2], "n3 did not take its share back");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM cluster_leases WHERE shard >= 0 AND "
		 "node IS NOT NULL AND expires > %lld", (long long)time(NULL));
	if (!harness_daemon_wait(&d[2], sql, STORE_CLUSTER_SHARDS, 10000))
		harness_daemon_fail(&d[2], "not every shard is held");
	if (!harness_daemon_cycles(&d[0], 2 * NODES, 15000))
		harness_daemon_fail(&d[0], "no more cycles");
	cr_assert_eq(harness_pg_value(&pg, EVENTS), n + 1, "the delisting once, nothing else");
}

/* A list's rate is the cluster's: two nodes together ask it no faster than one would. */
Test(cluster, two_nodes_share_a_lists_rate)
{
	char sql[300];
	time_t settled_at;
	long long longest;

	for (int i = 0; i < 2; i++)
		cr_assert_eq(harness_daemon_config(&d[i],
			"[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
			"timeout = 300ms\nretries = 1\n"
			"[targets]\nnetwork = 192.0.2.0/27\n"
			"[lists]\ndefault = no\n"
			"[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\nrate = 4/s\n"
			"[cluster]\nnode = n%d\nlease = %ds\n"
			"[http]\nlisten = 127.0.0.1:%d\n",
			dns.port, pg.uri, i + 1, LEASE, harness_free_tcp_port()), 0);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(harness_daemon_start(&d[i]), 0);
	settled(2);
	settled_at = time(NULL);
	/* a whole cycle of each node after the split: 32 addresses at 4/s for the cluster are
	 * 2/s per node, so the node with the larger half (16 or more) takes 7 s at least; alone
	 * at 4/s it would take 3.5 s */
	snprintf(sql, sizeof(sql), "SELECT count(*) >= 2 FROM cycles WHERE started > %lld AND "
		 "ended IS NOT NULL", (long long)settled_at);
	if (!harness_daemon_wait(&d[0], sql, 1, 60000))
		harness_daemon_fail(&d[0], "no whole cycles after the split");
	snprintf(sql, sizeof(sql), "SELECT max(ended - started) FROM cycles WHERE started > %lld "
		 "AND ended IS NOT NULL", (long long)settled_at);
	longest = harness_pg_value(&pg, sql);
	cr_assert_geq(longest, 6, "the longest cycle took %lld s: the rate was not shared", longest);
	/* a cycle longer than a lease and a few intervals retires nothing it still checks */
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM targets WHERE active = 0"), 0,
		     "a target still watched was retired during a slow cycle");
}

/* A list is dead only when the nodes agree: one node whose resolver sees it dead is shown as
 * such, and the list stays ok; when every node finds it dead, it is. */
Test(cluster, a_list_is_dead_only_when_the_nodes_agree)
{
	static const char *const zones[] = {"bl.test:ip4set:a", NULL};
	const char *root = getenv("BLMON_ROOT");
	char dir2[1100], r2[64], *body, cmd[1400];
	long status;
	int st;

	snprintf(dir2, sizeof(dir2), "%s/dns2", dir);
	cr_assert_eq(mkdir(dir2, 0755), 0);
	/* no test point: through this server the list is dead */
	cr_assert_eq(harness_write_zone(dir2, "a", ":127.0.0.2:Spam\n192.0.2.10\n"), 0);
	cr_assert_eq(harness_rbldnsd_start_ttl(&dns2, dir2, zones, "1"), 0);
	/* the coordinator is the node that finds it dead: its own view alone would be taken */
	snprintf(r2, sizeof(r2), "127.0.0.1:%d", dns2.port);
	node_conf_resolver(0, r2);
	cr_assert_eq(harness_daemon_start(&d[0]), 0);
	if (!harness_daemon_wait(&d[0], "SELECT count(*) FROM cluster_leases WHERE shard = -1 AND "
				 "node = 'n1'", 1, 10000))
		harness_daemon_fail(&d[0], "n1 does not coordinate");
	if (!harness_daemon_wait(&d[0], "SELECT count(*) FROM cluster_list_health WHERE node = 'n1' "
				 "AND health = 'dead'", 1, 10000))
		harness_daemon_fail(&d[0], "n1 did not record the list dead");
	node_conf(1);
	cr_assert_eq(harness_daemon_start(&d[1]), 0);
	if (!harness_daemon_wait(&d[1], "SELECT count(*) FROM cluster_list_health WHERE node = 'n2' "
				 "AND health = 'ok'", 1, 10000))
		harness_daemon_fail(&d[1], "n2 did not record the list ok");
	if (!harness_daemon_cycles(&d[0], 4, 10000))
		harness_daemon_fail(&d[0], "no more cycles");
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM lists WHERE zone = 'bl.test' AND "
				      "health = 'ok'"),
		     1, "one node's view does not make the list dead");
	body = harness_http_get(http_port[1], "/api/v1/cluster", &status);
	cr_assert_eq(status, 200);
	cr_assert_eq(harness_schema_valid("api/cluster.schema.json", body), 0, "%s", body);
	cr_assert(strstr(body, "\"zone\":\"bl.test\",\"health\":\"dead\""), "%s", body);
	cr_assert(strstr(body, "\"zone\":\"bl.test\",\"health\":\"ok\""), "%s", body);
	free(body);
	/* and the dashboard says who found what */
	snprintf(cmd, sizeof(cmd), "cd '%s' && node tests/web/cluster-dashboard.test.js "
		 "http://127.0.0.1:%d/ tests/artifacts disagree bl.test n1 n2 1>&2",
		 root ? root : ".", http_port[1]);
	st = system(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the dashboard does not show the nodes' "
		  "disagreement (its output is above)");
	/* n2's server loses the test point too: now they agree */
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam\n192.0.2.10\n"), 0);
	if (!harness_daemon_wait(&d[0], "SELECT count(*) FROM lists WHERE zone = 'bl.test' AND "
				 "health = 'dead'", 1, 15000))
		harness_daemon_fail(&d[0], "the list the nodes agree is dead is not dead");
}

/* Spamhaus DROP in a cluster: downloaded once for all, and every node answers its own targets
 * from it (the node that did not download loads the copy from the database). */
Test(cluster, drop_is_downloaded_once_and_used_by_every_node)
{
	static char conf[600];
	char *reqs;

	cr_assert_eq(harness_write(dir, "drop_v4.json",
				   "{\"cidr\":\"192.0.2.0/27\",\"sblid\":\"SBL000001\",\"rir\":\"test\"}\n"
				   "{\"type\":\"metadata\",\"timestamp\":1700000000,\"size\":100,"
				   "\"records\":1}\n"), 0);
	cr_assert_eq(harness_write(dir, "drop_v6.json", "{\"type\":\"metadata\",\"timestamp\":"
				   "1700000000,\"size\":0,\"records\":0}\n"), 0);
	cr_assert_eq(harness_write(dir, "asndrop.json", "{\"type\":\"metadata\",\"timestamp\":"
				   "1700000000,\"size\":0,\"records\":0}\n"), 0);
	cr_assert_eq(harness_http_start(&web, dir), 0, "httpfixture did not start");
	snprintf(conf, sizeof(conf), "[drop]\nenabled = yes\nurl_v4 = http://127.0.0.1:%d/drop_v4.json\n"
		 "url_v6 = http://127.0.0.1:%d/drop_v6.json\nurl_asn = http://127.0.0.1:%d/asndrop.json\n",
		 web.port, web.port, web.port);
	extra_conf = conf;
	nodes_start();
	settled(NODES);
	/* every address of 192.0.2.8/29 listed by DROP once, whichever node checks it */
	if (!harness_daemon_wait(alive(), "SELECT count(*) FROM events e JOIN lists l ON l.id = "
				 "e.list_id WHERE l.zone = 'drop.spamhaus.org' AND e.\"to\" = 'listed'",
				 8, 20000))
		harness_daemon_fail(alive(), "not every address's DROP listing was recorded");
	/* 24 addresses more, now that the three share the work: each node answers its own from
	 * the DROP copy, the two that did not download it from the database */
	targets = "network = 192.0.2.0/27\n";
	for (int i = 0; i < NODES; i++) {
		node_conf(i);
		kill(d[i].pid, SIGHUP);
	}
	if (!harness_daemon_wait(alive(), "SELECT count(*) FROM events e JOIN lists l ON l.id = "
				 "e.list_id WHERE l.zone = 'drop.spamhaus.org' AND e.\"to\" = 'listed'",
				 32, 20000))
		harness_daemon_fail(alive(), "not every new address's DROP listing was recorded");
	if (!harness_daemon_cycles(alive(), 2 * NODES, 15000))
		harness_daemon_fail(alive(), "no more cycles");
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM events e JOIN lists l ON l.id = "
				      "e.list_id WHERE l.zone = 'drop.spamhaus.org'"), 32,
		     "each once");
	reqs = harness_http_requests(&web);
	cr_assert_eq(harness_count(reqs, "/drop_v4.json"), 1, "drop_v4.json fetched more than once:\n%s",
		     reqs);
	free(reqs);
}

/* Targets leaving the config of every node (a reload): retired once by the cluster, whichever
 * node held their shards; nothing recorded or mailed for them, their state not written again
 * and their problems gone from every node's API. The targets that stay are untouched. */
Test(cluster, targets_leaving_the_config_are_retired_once)
{
	long long n, mails, written;
	char sql[400];

	nodes_start_mailing();
	settled(NODES);
	alerts_settled();
	for (int i = 0; i < NODES; i++) {
		long status;
		char *body = harness_http_get(http_port[i], "/api/v1/problems", &status);
		cr_assert_eq(status, 200);
		cr_assert(strstr(body, "192.0.2.10"), "node %d: %s", i + 1, body);
		free(body);
	}
	n = harness_pg_value(&pg, EVENTS);
	mails = harness_smtp_mails(dir);
	/* 192.0.2.8 to .10 leave (.10 is listed), .11 to .15 stay */
	targets = "network = 192.0.2.12/30\nip = 192.0.2.11\n";
	for (int i = 0; i < NODES; i++) {
		node_conf(i);
		kill(d[i].pid, SIGHUP);
	}
	for (int i = 0; i < NODES; i++)
		if (!harness_daemon_wait_log(&d[i], "reloaded", 10000))
			harness_daemon_fail(&d[i], "a node did not reload");
	if (!harness_daemon_wait(alive(), "SELECT count(*) FROM targets WHERE active = 0", 3,
				 (LEASE + 10) * 1000))
		harness_daemon_fail(alive(), "the targets that left were not retired");
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM targets WHERE active = 0 AND target "
				      "NOT IN ('192.0.2.8', '192.0.2.9', '192.0.2.10')"), 0,
		     "a target that stays was retired");
	written = harness_pg_value(&pg, "SELECT coalesce(sum(s.version), 0) FROM state s JOIN targets "
				   "t ON t.id = s.target_id WHERE t.active = 0");
	/* every node's cycles more, and the coordinator's passes: they stay retired */
	if (!harness_daemon_cycles(alive(), 4 * NODES, 20000))
		harness_daemon_fail(alive(), "no more cycles");
	alerts_settled();
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM targets WHERE active = 0"), 3,
		     "a retired target came back");
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM targets WHERE active = 1"), 5);
	snprintf(sql, sizeof(sql), "SELECT coalesce(sum(s.version), 0) FROM state s JOIN targets t ON "
		 "t.id = s.target_id WHERE t.active = 0");
	cr_assert_eq(harness_pg_value(&pg, sql), written, "a retired target's state was written again");
	cr_assert_eq(harness_pg_value(&pg, EVENTS), n, "nothing recorded for leaving");
	cr_assert_eq(harness_smtp_mails(dir), mails, "nothing mailed for leaving:\n%s", subjects());
	for (int i = 0; i < NODES; i++) {
		long status;
		char *body = harness_http_get(http_port[i], "/api/v1/problems", &status);
		cr_assert_eq(status, 200);
		cr_assert_null(strstr(body, "192.0.2.10"), "node %d still shows it: %s", i + 1, body);
		cr_assert(strstr(body, "192.0.2.11"), "node %d: %s", i + 1, body);
		free(body);
	}
}

#define BUDGET 40
#define SENT "SELECT coalesce(sum(q.queries), 0) FROM list_queries q JOIN lists l ON l.id = q.list_id " \
	     "WHERE l.zone = 'bl.test'"
#define SPENT "SELECT count(*) FROM lists WHERE zone = 'bl.test' AND health_detail LIKE 'budget:%'"

/* Node i's config for the budget: the list checked once a day (its planned use passes the
 * check at start), with a budget the nodes' reloads exhaust. */
static void budget_conf(int i)
{
	cr_assert_eq(harness_daemon_config(&d[i],
		"[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		"timeout = 300ms\nretries = 1\n"
		"[targets]\nnetwork = 192.0.2.8/29\n"
		"[lists]\ndefault = no\n"
		"[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\ninterval = 1d\n"
		"budget = %d\n"
		"[cluster]\nnode = n%d\nlease = %ds\n"
		"[http]\nlisten = 127.0.0.1:%d\n",
		dns.port, pg.uri, BUDGET, i + 1, LEASE, http_port[i] = harness_free_tcp_port()), 0);
}

/* Every node reloaded (each reload makes every list due again) and through a cycle. */
static void reload_all(int nodes)
{
	char sql[200];
	long long last = harness_pg_value(&pg, "SELECT coalesce(max(id), 0) FROM cycles");

	/* the lists are due once a day: no cycle begins but after a reload */
	for (int i = 0; i < nodes; i++)
		kill(d[i].pid, SIGHUP);
	snprintf(sql, sizeof(sql), "SELECT count(DISTINCT node) FROM cycles WHERE ended IS NOT NULL "
		 "AND id > %lld", last);
	if (!harness_daemon_wait(&d[0], sql, nodes, 15000))
		harness_daemon_fail(&d[0], "a node ran no cycle after its reload");
}

/* A list's daily budget is the cluster's: the nodes take their queries from one count in the
 * database, and once it is spent no node asks the list again that day; its results stay as
 * they were, and the list says why, once. */
Test(cluster, two_nodes_share_a_lists_daily_budget)
{
	long long sent, events, spent_logs = 0;
	int rounds;

	for (int i = 0; i < 2; i++) {
		budget_conf(i);
		cr_assert_eq(harness_daemon_start(&d[i]), 0);
	}
	if (!harness_daemon_wait(&d[0], EVENTS, 8, 20000))
		harness_daemon_fail(&d[0], "the first-seen events were not recorded");
	settled(2);
	/* each reload asks the list again, from both nodes, until its budget is spent */
	for (rounds = 0; rounds < 12 && harness_pg_value(&pg, SPENT) == 0; rounds++) {
		reload_all(2);
		sent = harness_pg_value(&pg, SENT);
		cr_assert_leq(sent, BUDGET, "round %d: %lld queries sent, the budget is %d", rounds,
			      sent, BUDGET);
	}
	cr_assert_eq(harness_pg_value(&pg, SPENT), 1, "the budget was never found spent (%lld sent)",
		     harness_pg_value(&pg, SENT));
	cr_assert(rounds >= 2, "spent after %d rounds: the first ones fit in %d", rounds, BUDGET);
	sent = harness_pg_value(&pg, SENT);
	events = harness_pg_value(&pg, EVENTS);
	/* spent: more reloads ask nothing more, and change nothing */
	reload_all(2);
	reload_all(2);
	cr_assert_eq(harness_pg_value(&pg, SENT), sent, "a list whose budget is spent was asked");
	cr_assert_leq(sent, BUDGET);
	cr_assert_gt(sent, BUDGET - 8, "%lld of %d sent: the budget was not used", sent, BUDGET);
	cr_assert_eq(harness_pg_value(&pg, EVENTS), events);
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM state s JOIN lists l ON l.id = "
				      "s.list_id WHERE l.zone = 'bl.test' AND s.status = 'listed'"), 2,
		     "the listings stay as confirmed");
	cr_assert_eq(harness_pg_value(&pg, "SELECT count(*) FROM lists WHERE zone = 'bl.test' AND "
				      "health = 'untested'"), 1);
	for (int i = 0; i < 2; i++) {
		char *log = harness_read(d[i].log), *body, want[64];
		long status;

		spent_logs += harness_count(log, "queries a day are spent");
		free(log);
		body = harness_http_get(http_port[i], "/api/v1/lists", &status);
		cr_assert_eq(status, 200);
		cr_assert_eq(harness_schema_valid("api/lists.schema.json", body), 0, "%s", body);
		snprintf(want, sizeof(want), "\"queries_today\":%lld,", sent);
		cr_assert(strstr(body, want), "node %d does not show the cluster's %lld: %s", i + 1,
			  sent, body);
		cr_assert_eq(harness_count(body, want), 2, "the list's and the total: %s", body);
		cr_assert(strstr(body, "budget: its 40 queries a day are spent"), "%s", body);
		free(body);
	}
	cr_assert_eq(spent_logs, 1, "the spent budget was logged %lld times", spent_logs);
}

/* node i's feed.txt (beside its config: each node reads its own copy), last changed at `at`. */
static void feed_write(int i, const char *text, time_t at)
{
	char sub[1100], path[1200];
	struct timespec ts[2] = {{at, 0}, {at, 0}};

	snprintf(sub, sizeof(sub), "%s/n%d", dir, i + 1);
	snprintf(path, sizeof(path), "%s/feed.txt", sub);
	cr_assert_eq(harness_write(sub, "feed.txt", text), 0);
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0, "%s", path);
}

/* The value of the series `want` (its name and labels) in a /metrics text; -1 when absent. */
static long long sample(const char *m, const char *want)
{
	const char *p = strstr(m, want);

	return p ? strtoll(p + strlen(want) + 1, NULL, 10) : -1;
}

#define AGE(node) "blmon_mirror_age_seconds{node=\"" node "\",zone=\"feed.test\"}"

/* A list answered from data files: each node reads its own copy, so each node's data has its
 * own age, and every node's /metrics shows each live node's, labelled with it (the list's row
 * says only whichever node wrote last). n1's copy is 1000 s old, n2's 5000 s, n3's does not
 * load: it has no data, and no series. */
Test(cluster, each_nodes_data_of_a_list_has_its_own_age)
{
	static const char feed[] = ":127.0.0.2:feed $\n127.0.0.2\n192.0.2.9\n";
	time_t t0 = time(NULL);
	long long age;
	char want[200];

	feed_write(0, feed, t0 - 1000);
	feed_write(1, feed, t0 - 5000);
	feed_write(2, ":127.0.0.2:feed $\n127.0.0.2\n192.0.2.300\n", t0 - 100);
	extra_conf = "[list feed.test]\ndataset = ip4set:feed.txt\n";
	nodes_start();
	settled(NODES);
	/* n3 tested the list it has no data of: its rows are written, its data time 0 */
	if (!harness_daemon_wait(&d[2], "SELECT count(*) FROM cluster_list_health h JOIN lists l ON "
				 "l.id = h.list_id WHERE h.node = 'n3' AND l.zone = 'feed.test' AND "
				 "h.health = 'unreachable' AND h.data_at = 0", 1, 15000))
		harness_daemon_fail(&d[2], "n3 did not record the list it cannot load");
	if (!harness_daemon_wait_http(&d[0], http_port[0], "/metrics", 200, AGE("n2"), 15000) ||
	    !harness_daemon_wait_http(&d[0], http_port[0], "/metrics", 200, AGE("n1"), 15000))
		harness_daemon_fail(&d[0], "no labelled blmon_mirror_age_seconds for n1 and n2");
	for (int i = 0; i < NODES; i++) {
		long status;
		char *m = harness_http_get(http_port[i], "/metrics", &status), *body;
		time_t now = time(NULL);

		cr_assert_eq(status, 200);
		/* each node's own, whichever node is scraped (ages a few seconds apart at most) */
		age = sample(m, AGE("n1"));
		cr_assert(age >= 1000 && age <= 1000 + (now - t0) + 2, "node %d: n1's age %lld:\n%s",
			  i + 1, age, m);
		age = sample(m, AGE("n2"));
		cr_assert(age >= 5000 && age <= 5000 + (now - t0) + 2, "node %d: n2's age %lld:\n%s",
			  i + 1, age, m);
		cr_assert_null(strstr(m, "blmon_mirror_age_seconds{node=\"n3\""), "n3 has no data:\n%s",
			       m);
		cr_assert_null(strstr(m, "blmon_mirror_age_seconds{zone="),
			       "no unlabelled series in a cluster:\n%s", m);
		cr_assert_eq(harness_count(m, "blmon_mirror_age_seconds{"), 2, "%s", m);
		if (i == 0)
			cr_assert_eq(harness_promtool_metrics(dir, m), 0,
				     "promtool check metrics failed:\n%s", m);
		free(m);
		/* and /api/v1/cluster says the time of each node's copy */
		body = harness_http_get(http_port[i], "/api/v1/cluster", &status);
		cr_assert_eq(status, 200);
		cr_assert_eq(harness_schema_valid("api/cluster.schema.json", body), 0, "%s", body);
		{
			char t[32];
			time_t at = t0 - 5000;
			strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", gmtime(&at));
			snprintf(want, sizeof(want), "\"data_updated_at\":\"%s\"", t);
			cr_assert(strstr(body, want), "no %s: %s", want, body);
		}
		free(body);
	}
	/* and the dashboard, each node's card */
	{
		const char *root = getenv("BLMON_ROOT");
		char cmd[1400];
		int st;
		time_t now = time(NULL);

		snprintf(cmd, sizeof(cmd), "cd '%s' && node tests/web/cluster-dashboard.test.js "
			 "http://127.0.0.1:%d/ tests/artifacts data feed.test n1,n2 %lld,%lld n3 1>&2",
			 root ? root : ".", http_port[2], (long long)(now - (t0 - 1000)),
			 (long long)(now - (t0 - 5000)));
		st = system(cmd);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the dashboard does not show each "
			  "node's data (its output is above)");
	}
}
