/* test_neighbourhood.c -- the daemon names the neighbourhood: Cymru ASN data, UCEPROTECT L3, Spamhaus DROP.
 * rbldnsd serves the lists and Cymru's zones; tests/httpfixture.py serves the DROP files. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "tests/harness.h"

static char *dir;
static harness_server_t dns, web;
static char conf[1024], db[1024], logpath[1024];
static pid_t daemon_pid;

static void setup(void)
{
	static const char *const zones[] = {
		"dnsbl-3.uceprotect.net:ip4set:uce3", "origin.asn.cymru.com:generic:origin",
		"asn.cymru.com:generic:asname", "example.test:generic:domain", NULL};

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write(dir, "uce3", ":127.0.0.2:ASN listed\n127.0.0.2\n192.0.2.0/24\n"), 0);
	cr_assert_eq(harness_write(dir, "origin",
				   "10.2.0.192 TXT \"64500 | 192.0.2.0/24 | ZZ | test | 2024-01-01\"\n"
				   "20.2.0.192 TXT \"64500 | 192.0.2.0/24 | ZZ | test | 2024-01-01\"\n"), 0);
	cr_assert_eq(harness_write(dir, "asname",
				   "AS64500 TXT \"64500 | ZZ | test | 2024-01-01 | EXAMPLE-HOSTING\"\n"), 0);
	/* a domain whose mail goes out through 192.0.2.10 (MX) and 192.0.2.20 (SPF) */
	cr_assert_eq(harness_write(dir, "domain",
				   "@ MX 10 mail.example.test\n"
				   "mail A 192.0.2.10\n"
				   "@ TXT \"v=spf1 mx ip4:192.0.2.20 -all\"\n"), 0);
	cr_assert_eq(harness_write(dir, "drop_v4.json",
				   "{\"cidr\":\"192.0.2.16/28\",\"sblid\":\"SBL000001\",\"rir\":\"test\"}\n"
				   "{\"type\":\"metadata\",\"timestamp\":1700000000,\"size\":100,\"records\":1}\n"), 0);
	cr_assert_eq(harness_write(dir, "drop_v6.json",
				   "{\"type\":\"metadata\",\"timestamp\":1700000000,\"size\":0,\"records\":0}\n"), 0);
	cr_assert_eq(harness_write(dir, "asndrop.json",
				   "{\"asn\":64500,\"rir\":\"test\",\"domain\":\"example.net\",\"cc\":\"ZZ\",\"asname\":\"EXAMPLE-HOSTING\"}\n"
				   "{\"type\":\"metadata\",\"timestamp\":1700000000,\"size\":100,\"records\":1}\n"), 0);
	cr_assert_eq(harness_rbldnsd_start_ttl(&dns, dir, zones, "1"), 0, "rbldnsd did not start");
	cr_assert_eq(harness_http_start(&web, dir), 0, "http fixture did not start");
	snprintf(conf, sizeof(conf), "%s/blmon.conf", dir);
	snprintf(db, sizeof(db), "%s/blmon.db", dir);
	snprintf(logpath, sizeof(logpath), "%s/blmon.log", dir);
	daemon_pid = 0;
}

static void teardown(void)
{
	harness_blmon_kill(&daemon_pid);
	harness_server_stop(&web);
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(neighbourhood, .init = setup, .fini = teardown, .timeout = 60);

static long long q(const char *sql)
{
	return harness_db_value(db, sql);
}

static bool wait_for(const char *sql, long long want, int ms)
{
	return harness_db_wait(db, sql, want, ms);
}

Test(neighbourhood, asn_named_and_drop_listings_recorded)
{
	char text[2048], *logtext;
	const char *args[] = {"run", "-c", conf, NULL};

	snprintf(text, sizeof(text),
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		 "timeout = 300ms\n[targets]\nip = 192.0.2.10\nip = 192.0.2.20\n"
		 "[lists]\nonly = uceprotect-3\n"
		 "[drop]\nenabled = yes\nurl_v4 = http://127.0.0.1:%d/drop_v4.json\n"
		 "url_v6 = http://127.0.0.1:%d/drop_v6.json\nurl_asn = http://127.0.0.1:%d/asndrop.json\n"
		 "[http]\nlisten = 127.0.0.1:%d\n",
		 dns.port, db, web.port, web.port, web.port, harness_free_tcp_port());
	cr_assert_eq(harness_write(dir, "blmon.conf", text), 0);
	daemon_pid = harness_blmon_start(args, logpath);
	if (!wait_for("SELECT count(*) FROM cycles WHERE ended IS NOT NULL", 2, 8000)) {
		logtext = harness_read(logpath);
		cr_assert_fail("no cycles:\n%s", logtext);
	}
	logtext = harness_read(logpath);
	cr_assert_eq(q("SELECT asn FROM asn a JOIN targets t ON t.id = a.target_id WHERE t.target = '192.0.2.10'"),
		     64500, "%s", logtext);
	cr_assert_eq(q("SELECT count(*) FROM asn WHERE name = 'EXAMPLE-HOSTING' AND prefix = '192.0.2.0/24'"), 2);
	cr_assert(strstr(logtext, "AS64500 (EXAMPLE-HOSTING) is listed"), "%s", logtext);
	/* DROP: only 192.0.2.20 is inside 192.0.2.16/28; ASN-DROP lists both via AS64500 */
	cr_assert_eq(q("SELECT count(*) FROM events e JOIN lists l ON l.id = e.list_id JOIN targets t "
		       "ON t.id = e.target_id WHERE l.zone = 'drop.spamhaus.org' AND e.\"to\" = 'listed' "
		       "AND t.target = '192.0.2.20' AND e.txt LIKE '%SBL000001%'"), 1, "%s", logtext);
	cr_assert_eq(q("SELECT count(*) FROM events e JOIN lists l ON l.id = e.list_id JOIN targets t "
		       "ON t.id = e.target_id WHERE l.zone = 'drop.spamhaus.org' AND e.\"to\" = 'clean' "
		       "AND t.target = '192.0.2.10'"), 1);
	cr_assert_eq(q("SELECT count(*) FROM events e JOIN lists l ON l.id = e.list_id WHERE "
		       "l.zone = 'asn-drop.spamhaus.org' AND e.\"to\" = 'listed'"), 2);
	cr_assert_eq(q("SELECT count(*) FROM drop_files"), 3, "last good copies kept");
	free(logtext);
	/* the DROP files are not downloaded again within the refresh period */
	{
		char rq[1024];
		char *reqs;
		int n = 0;
		snprintf(rq, sizeof(rq), "%s/requests.log", dir);
		reqs = harness_read(rq);
		for (char *p = reqs; (p = strstr(p, "/drop_v4.json")); p++)
			n++;
		cr_assert_eq(n, 1, "drop_v4.json fetched %d times:\n%s", n, reqs);
		free(reqs);
	}
	cr_assert_eq(harness_blmon_stop(&daemon_pid, 1500), 0);
}

Test(neighbourhood, domain_brings_in_its_mx_and_spf_addresses)
{
	char text[2048], *logtext;
	const char *args[] = {"run", "-c", conf, NULL};

	snprintf(text, sizeof(text),
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		 "timeout = 300ms\n[targets]\ndomain = example.test\n"
		 "[lists]\nonly = uceprotect-3\n[http]\nlisten = 127.0.0.1:%d\n",
		 dns.port, db, harness_free_tcp_port());
	cr_assert_eq(harness_write(dir, "blmon.conf", text), 0);
	daemon_pid = harness_blmon_start(args, logpath);
	if (!wait_for("SELECT count(*) FROM cycles WHERE ended IS NOT NULL", 1, 8000)) {
		logtext = harness_read(logpath);
		cr_assert_fail("no cycle:\n%s", logtext);
	}
	logtext = harness_read(logpath);
	cr_assert_eq(q("SELECT count(*) FROM targets WHERE target IN ('192.0.2.10', '192.0.2.20') "
		       "AND discovered_from = 'example.test'"), 2, "%s", logtext);
	/* the discovered addresses are checked like any other: 192.0.2.0/24 is on the L3 zone */
	cr_assert_eq(q("SELECT count(*) FROM state s JOIN targets t ON t.id = s.target_id "
		       "WHERE t.discovered_from = 'example.test' AND s.status = 'listed'"), 2, "%s", logtext);
	free(logtext);
	cr_assert_eq(harness_blmon_stop(&daemon_pid, 1500), 0);
}
