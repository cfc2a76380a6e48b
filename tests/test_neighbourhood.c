/* test_neighbourhood.c -- the daemon names the neighbourhood: Cymru ASN data, UCEPROTECT L3, Spamhaus DROP.
 * rbldnsd serves the lists and Cymru, httpfixture.py the DROP files, hostiledns.py a failing Cymru. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/harness.h"

static char *dir;
static harness_server_t dns, web;
static harness_daemon_t d;

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
	harness_daemon_init(&d, dir);
}

static void teardown(void)
{
	harness_daemon_kill(&d);
	harness_server_stop(&web);
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(neighbourhood, .init = setup, .fini = teardown, .timeout = 60);

static long long q(const char *sql)
{
	return harness_daemon_value(&d, sql);
}

Test(neighbourhood, asn_named_and_drop_listings_recorded)
{
	char *logtext, *reqs;

	cr_assert_eq(harness_daemon_config(&d,
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		 "timeout = 300ms\n[targets]\nip = 192.0.2.10\nip = 192.0.2.20\n"
		 "[lists]\nonly = uceprotect-3\n"
		 "[drop]\nenabled = yes\nurl_v4 = http://127.0.0.1:%d/drop_v4.json\n"
		 "url_v6 = http://127.0.0.1:%d/drop_v6.json\nurl_asn = http://127.0.0.1:%d/asndrop.json\n"
		 "[http]\nlisten = 127.0.0.1:%d\n",
		 dns.port, d.db, web.port, web.port, web.port, harness_free_tcp_port()), 0);
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!harness_daemon_cycles(&d, 2, 8000))
		harness_daemon_fail(&d, "no cycles");
	logtext = harness_read(d.log);
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
	reqs = harness_http_requests(&web);
	cr_assert_eq(harness_count(reqs, "/drop_v4.json"), 1, "drop_v4.json fetched again:\n%s", reqs);
	free(reqs);
	cr_assert_eq(harness_daemon_stop(&d, 1500), 0);
}

Test(neighbourhood, domain_brings_in_its_mx_and_spf_addresses)
{
	char *logtext;

	cr_assert_eq(harness_daemon_config(&d,
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		 "timeout = 300ms\n[targets]\ndomain = example.test\n"
		 "[lists]\nonly = uceprotect-3\n[http]\nlisten = 127.0.0.1:%d\n",
		 dns.port, d.db, harness_free_tcp_port()), 0);
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!harness_daemon_cycles(&d, 1, 8000))
		harness_daemon_fail(&d, "no cycle");
	logtext = harness_read(d.log);
	cr_assert_eq(q("SELECT count(*) FROM targets WHERE target IN ('192.0.2.10', '192.0.2.20') "
		       "AND discovered_from = 'example.test'"), 2, "%s", logtext);
	/* the discovered addresses are checked like any other: 192.0.2.0/24 is on the L3 zone */
	cr_assert_eq(q("SELECT count(*) FROM state s JOIN targets t ON t.id = s.target_id "
		       "WHERE t.discovered_from = 'example.test' AND s.status = 'listed'"), 2, "%s", logtext);
	free(logtext);
	cr_assert_eq(harness_daemon_stop(&d, 1500), 0);
}

/* ===== one address's broken ASN answer must not starve the others (issue 16.7) =====
 * tests/hostiledns.py plays Team Cymru: 198.18.0.1 answers malformed, 198.18.0.2 never
 * answers, three other networks are routed; hostile.test is the one list. */

static harness_server_t cymru;

static void failures_setup(void)
{
	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_hostile_dns_start(&cymru, dir), 0, "hostiledns.py did not start");
	harness_daemon_init(&d, dir);
}

static void failures_teardown(void)
{
	harness_daemon_kill(&d);
	harness_server_stop(&cymru);
	harness_tmpdir_free(dir);
}

TestSuite(neighbourhood_failures, .init = failures_setup, .fini = failures_teardown, .timeout = 60);

Test(neighbourhood_failures, a_broken_answer_does_not_starve_the_other_addresses)
{
	char path[1200], *logtext, *queries;
	long long cycles;
	int asked;

	/* the broken ones first: every cycle meets them before the others */
	cr_assert_eq(harness_daemon_config(&d,
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		 "timeout = 300ms\nretries = 1\n"
		 "[targets]\nip = 198.18.0.1\nip = 198.18.0.2\nip = 192.0.2.10\nip = 198.51.100.7\n"
		 "ip = 203.0.113.5\n"
		 "[lists]\ndefault = no\n[list hostile.test]\nname = Hostile\ncode = 127.0.0.2 Listed\n"
		 "[http]\nlisten = 127.0.0.1:%d\n",
		 cymru.port, d.db, harness_free_tcp_port()), 0);
	cr_assert_eq(harness_daemon_start(&d), 0);
	/* the first cycle may give up on the rest after the silent one (it looks like a
	 * resolver down); by the second, the broken addresses wait their turn */
	if (!harness_daemon_cycles(&d, 2, 15000))
		harness_daemon_fail(&d, "no cycles");
	if (harness_daemon_value(&d, "SELECT count(*) FROM asn a JOIN targets t ON t.id = a.target_id "
			     "WHERE (t.target = '192.0.2.10' AND a.asn = 64500 AND a.name = 'EXAMPLE-A') "
			     "OR (t.target = '198.51.100.7' AND a.asn = 64501) "
			     "OR (t.target = '203.0.113.5' AND a.asn = 64502)") != 3)
		harness_daemon_fail(&d, "the routed addresses did not get their ASN within two cycles");

	/* more cycles: the broken ones are asked again, less and less often, and told once */
	if (!harness_daemon_cycles(&d, 7, 30000))
		harness_daemon_fail(&d, "no more cycles");
	cycles = harness_daemon_value(&d, "SELECT count(*) FROM cycles WHERE ended IS NOT NULL");
	snprintf(path, sizeof(path), "%s/queries.log", dir);
	queries = harness_read(path);
	asked = harness_count(queries, " 1.0.18.198.origin.asn.cymru.com 16\n");
	cr_assert_geq(asked, 2, "the malformed address was never asked again:\n%s", queries);
	cr_assert_leq(asked, (cycles + 1) / 2, "the malformed address was asked %d times in %lld "
		      "cycles: no backoff", asked, cycles);
	free(queries);
	logtext = harness_read(d.log);
	cr_assert_eq(harness_count(logtext, "198.18.0.1: ASN lookup"), 1,
		     "the malformed answer must be logged once:\n%s", logtext);
	cr_assert_eq(harness_count(logtext, "198.18.0.2: ASN lookup"), 1,
		     "the silent address must be logged once:\n%s", logtext);
	cr_assert_eq(harness_count(logtext, "ASN lookups work again"), 1, "%s", logtext);
	free(logtext);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
}

Test(neighbourhood_failures, answers_broken_across_the_board_pause_the_lookups)
{
	char *logtext;

	/* sixteen addresses whose answers are all malformed, before one that is routed */
	cr_assert_eq(harness_daemon_config(&d,
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		 "timeout = 300ms\nretries = 1\n"
		 "[targets]\nnetwork = 198.18.1.0/28\nip = 192.0.2.10\n"
		 "[lists]\ndefault = no\n[list hostile.test]\nname = Hostile\ncode = 127.0.0.2 Listed\n"
		 "[http]\nlisten = 127.0.0.1:%d\n",
		 cymru.port, d.db, harness_free_tcp_port()), 0);
	cr_assert_eq(harness_daemon_start(&d), 0);
	/* eight fresh failures in a row pause a cycle; the first two cycles meet eight new
	 * ones each, the third reaches 192.0.2.10 */
	if (!harness_daemon_cycles(&d, 3, 20000))
		harness_daemon_fail(&d, "no cycles");
	if (harness_daemon_value(&d, "SELECT a.asn FROM asn a JOIN targets t ON t.id = a.target_id "
			     "WHERE t.target = '192.0.2.10'") != 64500)
		harness_daemon_fail(&d, "192.0.2.10 did not get its ASN within three cycles");
	logtext = harness_read(d.log);
	cr_assert_eq(harness_count(logtext, "answers in a row were unusable"), 1, "%s", logtext);
	/* the first eight are told one by one; once paused, the rest quietly */
	cr_assert_eq(harness_count(logtext, "ASN lookup gave no usable record"), 8, "%s", logtext);
	free(logtext);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
}
