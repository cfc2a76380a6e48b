/* test_alert.c -- alerts: message format, the producer's rules on a real database, delivery to a
 * real SMTP receiver (aiosmtpd) and webhook receiver on loopback, and the daemon end to end. */
#include <cJSON.h>
#include <criterion/criterion.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/alert/alert.h"
#include "monitor/alert/alert_channel.h"
#include "monitor/alert/alert_msg.h"
#include "lib/text.h"
#include "lib/timefmt.h"
#include "monitor/config.h"
#include "store/store.h"
#include "tests/harness.h"

/* ---- pure building blocks ---- */

Test(alert_format, text_clean_strips_control_characters)
{
	char out[128];

	text_oneline("Evil \033[31mred\033[0m\r\nnext\ttab \xc2\x85 end \xff", out, sizeof(out));
	cr_assert_str_eq(out, "Evil [31mred [0m next tab end");
	text_oneline("caf\xc3\xa9 ok", out, sizeof(out));
	cr_assert_str_eq(out, "caf\xc3\xa9 ok", "valid UTF-8 is kept");
	text_oneline("\xc3\xa9\xc3\xa9\xc3\xa9", out, 4);
	cr_assert_str_eq(out, "\xc3\xa9", "cut at a character boundary");
}

Test(alert_format, quoted_printable)
{
	char *qp = alert_qp_encode("caf\xc3\xa9 = 1 \nplain\n");
	char long_line[200], *p;

	cr_assert_str_eq(qp, "caf=C3=A9 =3D 1=20\r\nplain\r\n");
	free(qp);
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	qp = alert_qp_encode(long_line);
	for (p = qp; *p;) {
		size_t n = strcspn(p, "\r");
		cr_assert_leq(n, 76, "QP line of %zu characters", n);
		p += n;
		p += *p ? 2 : 0;
	}
	cr_assert(strstr(qp, "=\r\n"), "soft line breaks");
	free(qp);
}

Test(alert_format, headers_fold_and_encode)
{
	char buf[1024];

	alert_header("Subject", "[blmon] 192.0.2.20 LISTED on UCEPROTECT Level 1", buf, sizeof(buf));
	cr_assert_str_eq(buf, "Subject: [blmon] 192.0.2.20 LISTED on UCEPROTECT Level 1");
	alert_header("Subject",
		     "[blmon] 12 changes: 7 LISTED, 5 DELISTED (192.0.2.10, 192.0.2.11, 192.0.2.12, "
		     "...) and some more words to fold",
		     buf, sizeof(buf));
	cr_assert(strstr(buf, "\r\n "), "a long subject is folded: %s", buf);
	for (char *p = buf; *p;) {
		size_t n = strcspn(p, "\r");
		cr_assert_leq(n, 78);
		p += n;
		p += *p ? 2 : 0;
	}
	alert_header("Subject", "[blmon] liste \xc3\xa9 noire", buf, sizeof(buf));
	cr_assert(!strncmp(buf, "Subject: =?UTF-8?B?", 19), "%s", buf);
	timefmt_rfc5322(0, buf);
	cr_assert_str_eq(buf, "Thu, 01 Jan 1970 00:00:00 +0000");
}

/* A problem's headline may name a 253-character domain: the subject stays
 * short, and what follows the headline ("+1 more problem") survives the cut. */
Test(alert_format, subject_names_the_worst_problem_and_stays_short)
{
	alert_msg_t m = {.kind = ALERT_MSG_CHANGES, .created = 1700000000, .fold = alert_fold_new()};
	result_t r = {.zone = "dbl.test", .name = "Test DBL", .scope = SCOPE_DOMAIN,
		      .kind = LIST_BLOCK, .status = STATUS_LISTED, .ncodes = 1, .codes = {0x7f000102}};
	target_t t = {.type = TARGET_DOMAIN};
	char subject[1024], *json;

	for (int i = 0; i < 4; i++)
		strcat(t.name, "a-rather-long-label-of-a-domain-that-spammers-advertise-often.");
	strcat(t.name, "example");
	cr_assert_eq(alert_fold_listing(m.fold, &r, &t, NULL), 1);
	m.total = m.total_listed = 1;
	alert_msg_subject(&m, subject, sizeof(subject));
	cr_assert_leq(strlen(subject), ALERT_MSG_SUBJECT_MAX, "%zu bytes: %s", strlen(subject), subject);
	cr_assert(!strncmp(subject, "Test DBL lists a-rather-long-label", 34), "%s", subject);
	cr_assert(strstr(subject, "..."), "%s", subject);
	snprintf(t.name, sizeof(t.name), "spam.example");
	cr_assert_eq(alert_fold_listing(m.fold, &r, &t, NULL), 1);
	m.total = m.total_listed = 2;
	alert_msg_subject(&m, subject, sizeof(subject));
	cr_assert_leq(strlen(subject), ALERT_MSG_SUBJECT_MAX, "%s", subject);
	cr_assert(strstr(subject, "... (+1 more problem)") &&
		  !strcmp(subject + strlen(subject) - 18, " (+1 more problem)"), "%s", subject);
	json = alert_msg_json(&m);
	cr_assert_eq(harness_schema_valid("alert.schema.json", json), 0, "%s", json);
	free(json);
	alert_fold_free(m.fold);
}

Test(alert_format, backoff_doubles_up_to_an_hour)
{
	cr_assert_eq(alert_backoff(1), 5);
	cr_assert_eq(alert_backoff(2), 10);
	cr_assert_eq(alert_backoff(3), 20);
	cr_assert_eq(alert_backoff(30), 3600);
}

/* ---- the producer on a real database, with explicit times ---- */

#define T0 1700000000LL

static char *dir;
static char dbpath[1024];
static store_t *st;
static config_t *cfg;
static alert_t *al;

static void db_open(const char *extra)
{
	char conf[4096], err[4096];

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	snprintf(dbpath, sizeof(dbpath), "%s/blmon.db", dir);
	snprintf(conf, sizeof(conf),
		 "[monitor]\ndatabase = %s\n[lists]\ndefault = no\n"
		 "[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		 "code = 127.0.0.4 Exploited host\nremoval = https://bl.test/remove?ip={target}\n"
		 "[list net.test]\nname = Net BL\nscope = network\n"
		 "[list wl.test]\nname = Good list\nkind = allow\n"
		 "[email]\nsmtp = smtp://127.0.0.1:9\nfrom = blmon@example.org\nto = admin@example.org\n"
		 "[webhook]\nurl = http://127.0.0.1:9/hook/x\n"
		 "[alerts]\nbatch = 60s\nflap_limit = 3\nflap_window = 10m\ngive_up = 1m\n%s",
		 dbpath, extra ? extra : "");
	cr_assert_eq(harness_write(dir, "blmon.conf", conf), 0);
	snprintf(conf, sizeof(conf), "%s/blmon.conf", dir);
	cr_assert_eq(config_load(conf, &cfg, err, sizeof(err)), 0, "%s", err);
	st = store_open(dbpath, STORE_RW, err, sizeof(err));
	cr_assert_not_null(st, "%s", err);
	al = alert_new(cfg, st, NULL, err, sizeof(err));
	cr_assert_not_null(al, "%s", err);
}

static void db_setup(void)
{
	db_open(NULL);
}

static void db_teardown(void)
{
	alert_free(al);
	store_close(st);
	config_free(cfg);
	harness_tmpdir_free(dir);
}

TestSuite(alert_db, .init = db_setup, .fini = db_teardown, .timeout = 30);

static int64_t tid(const char *ip)
{
	target_t t;

	cr_assert_eq(target_parse_ip(ip, &t), 0);
	return store_target_id(st, &t, T0);
}

static int64_t lid(const char *zone)
{
	return store_list_id(st, catalog_find(cfg->catalog, zone));
}

/* Records a confirmed change as the scheduler does: an event and the state;
 * the list's TXT is txt. */
static void change_txt(int64_t at, const char *ip, const char *zone, const char *from,
		       const char *to, const char *codes, const char *txt)
{
	store_event_t e;
	store_state_t s;

	memset(&e, 0, sizeof(e));
	e.at = at;
	e.target_id = tid(ip);
	e.list_id = lid(zone);
	e.first = !from;
	if (from)
		cr_assert_eq(status_parse(from, &e.from), 0);
	cr_assert_eq(status_parse(to, &e.to), 0);
	harness_answer(&e.ans, codes, txt);
	memset(&s, 0, sizeof(s));
	s.present = true;
	s.status = e.to;
	s.ans = e.ans;
	s.since = s.checked_at = at;
	cr_assert_gt(store_event_add(st, &e), 0, "%s", store_error(st));
	cr_assert_eq(store_state_put(st, e.target_id, e.list_id, &s), 0);
}

static void change(int64_t at, const char *ip, const char *zone, const char *from, const char *to,
		   const char *codes)
{
	change_txt(at, ip, zone, from, to, codes, "Spam source \033[1m here");
}

#define LISTED "[\"127.0.0.2\"]"

/* The n-th queued row (1-based) of a channel: column col as a string, or NULL. */
static char *queued(const char *channel, int n, const char *col)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	char sql[256];
	char *v = NULL;

	snprintf(sql, sizeof(sql),
		 "SELECT %s FROM alerts WHERE channel = '%s' ORDER BY id LIMIT 1 OFFSET %d", col,
		 channel, n - 1);
	cr_assert_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
		v = strdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

static long long count_rows(const char *where)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM alerts WHERE %s", where);
	return store_scalar(st, sql);
}

static void expect_subject(int n, const char *want)
{
	char *s = queued("email", n, "subject");

	cr_assert_not_null(s, "no message %d (want \"%s\")", n, want);
	cr_assert_str_eq(s, want);
	free(s);
}

static void expect_body(int n, const char *needle)
{
	char *p = queued("email", n, "payload");

	cr_assert_not_null(p, "no message %d", n);
	cr_assert(strstr(p, needle), "message %d lacks \"%s\":\n%s", n, needle, p);
	free(p);
}

static void expect_webhook_valid(int n)
{
	char *p = queued("webhook", n, "payload");

	cr_assert_not_null(p);
	cr_assert_eq(harness_schema_valid("alert.schema.json", p), 0,
		     "webhook body does not match schemas/alert.schema.json: %s", p);
	free(p);
}

Test(alert_db, first_run_summary_then_batched_changes)
{
	change(T0, "192.0.2.10", "bl.test", NULL, "listed", LISTED);
	change(T0, "192.0.2.20", "bl.test", NULL, "clean", "[]");
	cr_assert_eq(alert_produce(al, T0, false), 0, "the first run waits for a cycle");
	cr_assert_eq(alert_produce(al, T0, true), 2, "one summary: one mail and one webhook");
	expect_subject(1, "first check of 2 targets: Test BL lists 192.0.2.10");
	expect_body(1, "\r\nTest BL lists 192.0.2.10\r\n");
	expect_body(1, "127.0.0.2 (Spam source)");
	expect_body(1, "\"Spam source [1m here\""); /* ESC stripped */
	expect_body(1, "Removal:      https://bl.test/remove?ip=192.0.2.10");
	expect_body(1, "Subject: [blmon] first check of 2 targets");
	{
		char *p = queued("email", 1, "payload");
		cr_assert_null(strstr(p, "192.0.2.20"), "clean first observations never alert:\n%s", p);
		cr_assert_null(strstr(p, "\033"), "control characters reach the mail");
		free(p);
	}
	expect_webhook_valid(1);
	cr_assert_eq(alert_produce(al, T0 + 1, false), 0, "nothing new");

	/* two changes 40 s apart fall into one 60 s batch */
	change(T0 + 100, "192.0.2.20", "bl.test", "clean", "listed", LISTED);
	cr_assert_eq(alert_produce(al, T0 + 101, false), 0, "the batch window is still open");
	change(T0 + 140, "192.0.2.10", "bl.test", "listed", "clean", "[]");
	cr_assert_eq(alert_produce(al, T0 + 159, false), 0);
	cr_assert_eq(alert_produce(al, T0 + 160, false), 2);
	expect_subject(2, "Test BL lists 192.0.2.20 (1 DELISTED)");
	expect_body(2, "New listings: 1 problem, worst first.\r\n\r\nTest BL lists 192.0.2.20\r\n");
	expect_body(2, "Listed since: 2023-11-14 22:15:00 UTC\r\n");
	expect_body(2, "Delistings and other changes:\r\n\r\nDELISTED from Test BL: 192.0.2.10\r\n");
	expect_body(2, "it was listed since 2023-11-14 22:13:20 UTC");
	expect_body(2, "Target now:   192.0.2.10 is clean on its 1 block list\r\n");
	expect_webhook_valid(2);

	/* a change after the window starts the next one */
	change(T0 + 170, "192.0.2.20", "bl.test", "listed", "clean", "[]");
	cr_assert_eq(alert_produce(al, T0 + 229, false), 0);
	cr_assert_eq(alert_produce(al, T0 + 230, false), 2);
	expect_subject(3, "192.0.2.20 DELISTED from Test BL");
	cr_assert_eq(alert_produce(al, T0 + 500, false), 0, "each change is alerted once");
}

Test(alert_db, allow_lists_code_changes_and_failures_never_alert)
{
	change(T0, "192.0.2.10", "bl.test", NULL, "listed", LISTED);
	change(T0, "192.0.2.10", "wl.test", NULL, "clean", "[]");
	cr_assert_eq(alert_produce(al, T0, true), 2);
	/* a failed check is not a state: the store refuses it as an event */
	{
		store_event_t e = {.at = T0 + 10, .target_id = tid("192.0.2.10"), .list_id = lid("bl.test"),
				   .from = STATUS_LISTED, .to = STATUS_UNKNOWN};
		cr_assert_lt(store_event_add(st, &e), 0, "an unknown event was stored");
	}
	/* allow lists never alert */
	change(T0 + 20, "192.0.2.10", "wl.test", "clean", "listed", LISTED);
	cr_assert_eq(alert_produce(al, T0 + 200, false), 0);
	/* SBL -> SBL+XBL */
	change(T0 + 300, "192.0.2.10", "bl.test", "listed", "listed", "[\"127.0.0.2\",\"127.0.0.4\"]");
	cr_assert_eq(alert_produce(al, T0 + 360, false), 2);
	expect_subject(2, "192.0.2.10 listing CHANGED on Test BL");
	expect_body(2, "127.0.0.4 (Exploited host)");
	expect_webhook_valid(2);
	change(T0 + 410, "192.0.2.10", "bl.test", "listed", "clean", "[]");
	cr_assert_eq(alert_produce(al, T0 + 500, false), 2);
	expect_subject(3, "192.0.2.10 DELISTED from Test BL");
	expect_body(3, "listed -> clean at");
}

Test(alert_db, neighbourhood_scope_names_the_as)
{
	store_asn_t asn = {64500, "192.0.2.0/24", "NL", "ripencc", "EXAMPLE-HOSTING, NL", T0};

	change(T0, "192.0.2.10", "net.test", NULL, "clean", "[]");
	cr_assert_eq(store_asn_put(st, tid("192.0.2.10"), &asn), 0);
	cr_assert_eq(alert_produce(al, T0, true), 0, "all clean: no summary");
	change(T0 + 10, "192.0.2.10", "net.test", "clean", "listed", LISTED);
	cr_assert_eq(alert_produce(al, T0 + 70, false), 2);
	expect_subject(1, "Net BL lists 192.0.2.0/24: affects 1 of your addresses");
	expect_body(1, "Addresses:    192.0.2.10\r\n");
	expect_body(1, "Provider:     AS64500 EXAMPLE-HOSTING, NL (BGP prefix 192.0.2.0/24)\r\n");
	expect_body(1, "What to do:   The list escalated the whole network 192.0.2.0/24");
	expect_webhook_valid(1);
	{
		char *p = queued("webhook", 1, "payload");
		cr_assert(strstr(p, "\"neighbourhood\":{\"asn\":64500,\"as_name\":\"EXAMPLE-HOSTING, NL\""),
			  "%s", p);
		free(p);
	}
}

Test(alert_db, flapping_reported_once_then_quiet_until_settled)
{
	int64_t t = T0;

	change(t, "192.0.2.10", "bl.test", NULL, "listed", LISTED);
	cr_assert_eq(alert_produce(al, t, true), 2);
	/* change 1 and 2: reported */
	change(t += 70, "192.0.2.10", "bl.test", "listed", "clean", "[]");
	cr_assert_eq(alert_produce(al, t + 60, false), 2);
	expect_subject(2, "192.0.2.10 DELISTED from Test BL");
	change(t += 70, "192.0.2.10", "bl.test", "clean", "listed", LISTED);
	cr_assert_eq(alert_produce(al, t + 60, false), 2);
	expect_subject(3, "Test BL lists 192.0.2.10");
	/* change 3 within 10m: flapping, once */
	change(t += 70, "192.0.2.10", "bl.test", "listed", "clean", "[]");
	cr_assert_eq(alert_produce(al, t + 60, false), 2);
	expect_subject(4, "192.0.2.10 FLAPPING on Test BL");
	expect_body(4, "3 changes within 10m");
	expect_body(4, "not reported until it settles (no change for 10m)");
	expect_webhook_valid(4);
	/* then quiet */
	change(t += 70, "192.0.2.10", "bl.test", "clean", "listed", LISTED);
	cr_assert_eq(alert_produce(al, t + 60, false), 0);
	change(t += 70, "192.0.2.10", "bl.test", "listed", "clean", "[]");
	cr_assert_eq(alert_produce(al, t + 60, false), 0);
	/* 10 minutes without a change: settled, with the state it settled in */
	cr_assert_eq(alert_produce(al, t + 599, false), 0);
	cr_assert_eq(alert_produce(al, t + 600, false), 2);
	expect_subject(5, "192.0.2.10 settled on Test BL: clean");
	expect_webhook_valid(5);
	/* and changes are reported again */
	change(t += 700, "192.0.2.10", "bl.test", "clean", "listed", LISTED);
	cr_assert_eq(alert_produce(al, t + 60, false), 2);
	expect_subject(6, "Test BL lists 192.0.2.10");
}

Test(alert_db, list_health_problems_are_their_own_messages)
{
	int64_t l = lid("bl.test");

	cr_assert_eq(store_list_health(st, l, HEALTH_DEAD, "127.0.0.2 (the test point) is not listed", T0), 1);
	cr_assert_eq(alert_produce(al, T0, true), 2, "a list dead at the start is reported");
	expect_subject(1, "list Test BL (bl.test) is DEAD");
	expect_body(1, "Seen:         127.0.0.2 (the test point) is not listed");
	expect_body(1, "What to do:");
	expect_webhook_valid(1);
	cr_assert_eq(store_list_health(st, l, HEALTH_OK, "", T0 + 10), 1);
	cr_assert_eq(alert_produce(al, T0 + 10, false), 2);
	expect_subject(2, "list Test BL (bl.test) is ok again");
	cr_assert_eq(store_list_health(st, l, HEALTH_REFUSED, "REFUSED", T0 + 20), 1);
	cr_assert_eq(store_list_health(st, lid("net.test"), HEALTH_UNREACHABLE, "timeout", T0 + 20), 1);
	cr_assert_eq(alert_produce(al, T0 + 20, false), 2);
	expect_subject(3, "2 lists changed health: Test BL refused, Net BL unreachable");
	expect_webhook_valid(3);
}

Test(alert_db, keyed_zone_masked_and_health_advice_shared)
{
	const char *advice = result_health_advice(HEALTH_REFUSED);
	char *p;

	db_teardown(); /* this test's config has a keyed list */
	db_open("[list {key}.kz.test]\nname = Keyed BL\nkey = S3CRETKEY\ncode = 127.0.0.2 Keyed spam\n");
	change(T0, "192.0.2.10", "S3CRETKEY.kz.test", NULL, "listed", LISTED);
	cr_assert_eq(store_list_health(st, lid("bl.test"), HEALTH_REFUSED, "REFUSED", T0), 1);
	cr_assert_eq(alert_produce(al, T0, true), 4, "a summary and a health message, each twice");
	expect_subject(1, "first check of 1 target: Keyed BL lists 192.0.2.10");
	expect_body(1, "\r\nKeyed BL lists 192.0.2.10\r\n");
	expect_body(1, "127.0.0.2 (Keyed spam)");
	expect_body(2, advice); /* the words every surface uses (checks/result.h) */
	for (int n = 1; n <= 2; n++) {
		expect_webhook_valid(n);
		p = queued("email", n, "payload");
		cr_assert_null(strstr(p, "S3CRETKEY"), "the access key reaches the mail:\n%s", p);
		free(p);
		p = queued("webhook", n, "payload");
		cr_assert_null(strstr(p, "S3CRETKEY"), "the access key reaches the webhook: %s", p);
		cr_assert(n == 1 ? strstr(p, "\"zone\":\"{key}.kz.test\"") != NULL
				 : strstr(p, advice) != NULL, "%s", p);
		free(p);
	}
}

/* Lines of a queued mail (headers included). */
static int mail_lines(const char *mail)
{
	int n = 0;

	for (const char *p = mail; (p = strstr(p, "\r\n")); p += 2)
		n++;
	return n;
}

/* The queued webhook document n, parsed (caller frees). */
static cJSON *webhook_doc(int n)
{
	char *p = queued("webhook", n, "payload");
	cJSON *j;

	cr_assert_not_null(p);
	j = cJSON_Parse(p);
	cr_assert_not_null(j, "%s", p);
	free(p);
	return j;
}

static const char *problem_str(cJSON *doc, int i, const char *key)
{
	return harness_str(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "problems"), i), key);
}

#define L2_TXT "Net 203.0.113.0/24 is UCEPROTECT-Level2 listed because 3 abusers are hosted in it."

/* The 20 addresses: 16 of 203.0.113.0/24, which UCEPROTECT Level 2
 * lists, one of them (203.0.113.9) also on Spamhaus ZEN as SBL+XBL, and 4
 * clean elsewhere; recorded in config order, where numbers sort as strings. */
static void twenty_addresses(void)
{
	store_asn_t asn = {64500, "203.0.113.0/24", "NL", "ripencc", "EXAMPLE-HOSTING, NL", T0};
	char ip[32];

	db_teardown();
	db_open("[lists]\nenable = spamhaus-zen\nenable = uceprotect-2\n");
	for (int i = 1; i <= 16; i++) {
		snprintf(ip, sizeof(ip), "203.0.113.%d", i);
		cr_assert_eq(store_asn_put(st, tid(ip), &asn), 0);
		change_txt(T0, ip, "dnsbl-2.uceprotect.net", NULL, "listed", LISTED, L2_TXT);
		if (i == 9)
			change_txt(T0, ip, "zen.spamhaus.org", NULL, "listed",
				   "[\"127.0.0.2\",\"127.0.0.4\"]", "https://www.spamhaus.org/query/ip/203.0.113.9");
		else
			change(T0, ip, "zen.spamhaus.org", NULL, "clean", "[]");
	}
	for (int i = 1; i <= 4; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", i);
		change(T0, ip, "zen.spamhaus.org", NULL, "clean", "[]");
		change(T0, ip, "dnsbl-2.uceprotect.net", NULL, "clean", "[]");
	}
}

Test(alert_db, first_run_leads_with_the_worst_problem_grouped_and_short)
{
	char *mail, *zen, *l2;
	cJSON *doc;

	twenty_addresses();
	cr_assert_eq(alert_produce(al, T0, true), 2);
	expect_subject(1, "first check of 20 targets: Spamhaus ZEN lists 203.0.113.9, +1 more problem");
	mail = queued("email", 1, "payload");
	zen = strstr(mail, "\r\nSpamhaus ZEN lists 203.0.113.9\r\n");
	l2 = strstr(mail, "\r\nUCEPROTECT Level 2 lists 203.0.113.0/24: affects 16 of your addresses\r\n");
	cr_assert(zen && l2 && zen < l2, "the SBL+XBL paragraph comes first:\n%s", mail);
	cr_assert_null(strstr(l2 + 3, "UCEPROTECT Level 2 lists"), "the /24 is told once:\n%s", mail);
	cr_assert(strstr(mail, "Addresses:    203.0.113.1-203.0.113.16\r\n"), "%s", mail);
	cr_assert(strstr(mail, "Provider:     AS64500 EXAMPLE-HOSTING, NL (BGP prefix 203.0.113.0/24)\r\n"),
		  "%s", mail);
	cr_assert(strstr(zen, "127.0.0.2 (SBL: ") && strstr(zen, "127.0.0.4 (XBL: "), "%s", mail);
	cr_assert(strstr(mail, "Removal:      https://check.spamhaus.org/results/?query=203.0.113.9\r\n"));
	cr_assert(strstr(mail, "Removal:      https://www.uceprotect.net/en/rblcheck.php?ipr=203.0.113.1\r\n"));
	cr_assert(strstr(mail, "17 listings already exist: 2 problems, worst first."), "%s", mail);
	cr_assert_null(strstr(mail, "198.51.100."), "clean addresses are not told:\n%s", mail);
	cr_assert_lt(mail_lines(mail), 60, "%d lines:\n%s", mail_lines(mail), mail);
	free(mail);

	expect_webhook_valid(1);
	doc = webhook_doc(1);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "problems")), 2);
	cr_assert_eq(cJSON_GetObjectItem(doc, "problems_total")->valueint, 2);
	cr_assert_str_eq(problem_str(doc, 0, "entity"), "203.0.113.9");
	cr_assert_str_eq(problem_str(doc, 0, "severity"), "high");
	cr_assert_str_eq(problem_str(doc, 1, "entity"), "203.0.113.0/24");
	cr_assert_str_eq(problem_str(doc, 1, "scope"), "network");
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "problems"), 1),
					 "affected")->valueint, 16);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "events")), 17,
		     "the per-change items stay for the consumers that read them");
	cJSON_Delete(doc);

	/* a batch: the /24 is delisted, ZEN lists one more address: the listing leads, the
	 * delistings follow as one range */
	for (int i = 1; i <= 16; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "203.0.113.%d", i);
		change(T0 + 100 + i, ip, "dnsbl-2.uceprotect.net", "listed", "clean", "[]");
	}
	change(T0 + 110, "198.51.100.2", "zen.spamhaus.org", "clean", "listed", LISTED);
	cr_assert_eq(alert_produce(al, T0 + 200, false), 2);
	expect_subject(2, "Spamhaus ZEN lists 198.51.100.2 (16 DELISTED)");
	mail = queued("email", 2, "payload");
	zen = strstr(mail, "\r\nSpamhaus ZEN lists 198.51.100.2\r\n");
	l2 = strstr(mail, "\r\nDELISTED from UCEPROTECT Level 2: 203.0.113.1-203.0.113.16\r\n");
	cr_assert(zen && l2 && zen < l2, "%s", mail);
	cr_assert(strstr(l2, "What changed: 16 listings ended (listed -> clean) between "), "%s", mail);
	cr_assert_lt(mail_lines(mail), 40, "%s", mail);
	free(mail);
	expect_webhook_valid(2);
}

Test(alert_db, ignored_listings_are_never_alerted)
{
	char *p;
	cJSON *doc;

	db_teardown();
	db_open("[ignore]\nrule = bl.test 127.0.0.10 192.0.2.0/24\n");
	change(T0, "192.0.2.10", "bl.test", NULL, "listed", "[\"127.0.0.10\"]");
	change(T0, "198.51.100.20", "bl.test", NULL, "listed", LISTED);
	cr_assert_eq(alert_produce(al, T0, true), 2);
	expect_subject(1, "first check of 2 targets: Test BL lists 198.51.100.20");
	expect_body(1, "1 listing ignored on purpose ([ignore] rules) is not reported.");
	p = queued("email", 1, "payload");
	cr_assert_null(strstr(p, "192.0.2.10"), "an ignored listing reached the mail:\n%s", p);
	free(p);
	expect_webhook_valid(1);
	doc = webhook_doc(1);
	cr_assert_eq(cJSON_GetObjectItem(doc, "total")->valueint, 1);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "problems")), 1);
	cJSON_Delete(doc);

	/* a batch of ignored listings only: no message; nor when one ends */
	change(T0 + 10, "192.0.2.30", "bl.test", NULL, "listed", "[\"127.0.0.10\"]");
	change(T0 + 20, "192.0.2.10", "bl.test", "listed", "clean", "[]");
	cr_assert_eq(alert_produce(al, T0 + 200, false), 0);
	cr_assert_eq(count_rows("1"), 2);
	/* an ignored listing beside one the rule does not cover (other codes, other network) */
	change(T0 + 300, "192.0.2.40", "bl.test", NULL, "listed", "[\"127.0.0.10\"]");
	change(T0 + 301, "192.0.2.41", "bl.test", NULL, "listed", "[\"127.0.0.2\",\"127.0.0.10\"]");
	change(T0 + 301, "198.51.100.40", "bl.test", NULL, "listed", "[\"127.0.0.10\"]");
	cr_assert_eq(alert_produce(al, T0 + 400, false), 2);
	expect_subject(2, "Test BL lists 192.0.2.41 (+1 more problem)");
	p = queued("email", 2, "payload");
	cr_assert_null(strstr(p, "192.0.2.40"), "an ignored listing reached the mail:\n%s", p);
	cr_assert(strstr(p, "198.51.100.40"), "%s", p);
	free(p);
	expect_webhook_valid(2);
	p = queued("webhook", 2, "payload");
	cr_assert_null(strstr(p, "192.0.2.40"), "an ignored listing reached the webhook: %s", p);
	free(p);
}

/* 4,096 addresses (10.0.0.0/20) listed at once through their provider's AS. */
Test(alert_db, a_neighbourhood_batch_of_4096_stays_bounded)
{
	char *mail, *hook;
	cJSON *doc;

	db_teardown();
	db_open("[list asn.test]\nname = ASN BL\nscope = asn\n");
	change(T0, "192.0.2.10", "bl.test", NULL, "clean", "[]");
	cr_assert_eq(alert_produce(al, T0, true), 0, "all clean: no summary");
	cr_assert_eq(store_begin(st), 0);
	for (int i = 0; i < 4096; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "10.0.%d.%d", i / 256, i % 256);
		change_txt(T0 + 10, ip, "asn.test", NULL, "listed", LISTED,
			   "Your ISP AS64500 is listed: 1234 abusers");
	}
	cr_assert_eq(store_commit(st), 0);
	cr_assert_eq(alert_produce(al, T0 + 100, false), 2);
	expect_subject(1, "ASN BL lists AS64500 (your provider's network): affects 4096 of your addresses");
	mail = queued("email", 1, "payload");
	cr_assert(strstr(mail, "Addresses:    10.0.0.0-10.0.15.255\r\n"), "%s", mail);
	cr_assert_lt(mail_lines(mail), 40, "%d lines:\n%s", mail_lines(mail), mail);
	cr_assert_lt(strlen(mail), 4096, "%zu bytes", strlen(mail));
	free(mail);
	expect_webhook_valid(1);
	hook = queued("webhook", 1, "payload");
	cr_assert_lt(strlen(hook), 64 * 1024, "webhook document of %zu bytes", strlen(hook));
	free(hook);
	doc = webhook_doc(1);
	cr_assert_eq(cJSON_GetObjectItem(doc, "total")->valueint, 4096);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "events")), 100);
	cr_assert_eq(cJSON_GetObjectItem(doc, "omitted")->valueint, 3996);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "problems")), 1);
	cr_assert_str_eq(problem_str(doc, 0, "entity"), "AS64500");
	cJSON_Delete(doc);
}

Test(alert_db, failed_delivery_backs_off_then_gives_up)
{
	change(T0, "192.0.2.10", "bl.test", NULL, "listed", LISTED);
	cr_assert_eq(alert_produce(al, T0, true), 2);
	/* nothing listens on port 9 */
	cr_assert_eq(alert_deliver(al, T0), 0);
	cr_assert_eq(count_rows("attempts = 1 AND next_attempt = 1700000005 AND last_error IS NOT "
				"NULL AND delivered IS NULL"), 2);
	cr_assert_eq(alert_deliver(al, T0 + 4), 0);
	cr_assert_eq(count_rows("attempts = 1"), 2, "not retried before its time");
	cr_assert_eq(alert_deliver(al, T0 + 5), 0);
	cr_assert_eq(count_rows("attempts = 2 AND next_attempt = 1700000015"), 2);
	cr_assert_eq(alert_deliver(al, T0 + 59), 0);
	cr_assert_eq(count_rows("gave_up IS NULL AND next_attempt = 1700000060"), 2,
		     "the last try is at the give_up deadline");
	cr_assert_eq(alert_deliver(al, T0 + 60), 0);
	cr_assert_eq(count_rows("gave_up = 1700000060 AND delivered IS NULL"), 2, "given up after 1m");
	cr_assert_eq(alert_deliver(al, T0 + 3600), 0);
	cr_assert_eq(count_rows("attempts = 4"), 2, "never tried again");
}

/* What the API and /metrics show of the queue: waiting, since when, failures per channel. */
Test(alert_db, queue_stats_count_waiting_failures_and_survive_pruning)
{
	store_alert_queue_stats_t q;

	cr_assert_str_eq(store_alert_channel(0), "email");
	cr_assert_str_eq(store_alert_channel(1), "webhook");
	cr_assert_null(store_alert_channel(2));
	cr_assert_eq(store_alert_queue_stats(st, &q), 0);
	cr_assert_eq(q.queued, 0);
	cr_assert_eq(q.oldest, 0);
	cr_assert_eq(q.channel[0].failures + q.channel[1].failures, 0);
	change(T0, "192.0.2.10", "bl.test", NULL, "listed", LISTED);
	cr_assert_eq(alert_produce(al, T0, true), 2);
	cr_assert_eq(store_alert_queue_stats(st, &q), 0);
	cr_assert_eq(q.queued, 2);
	cr_assert_eq(q.oldest, T0);
	cr_assert_eq(q.channel[0].queued, 1);
	cr_assert_str_eq(q.channel[0].last_error, "", "not tried yet");
	/* nothing listens on port 9: two failed attempts of each */
	cr_assert_eq(alert_deliver(al, T0 + 1), 0);
	cr_assert_eq(alert_deliver(al, T0 + 6), 0);
	cr_assert_eq(store_alert_queue_stats(st, &q), 0);
	cr_assert_eq(q.queued, 2);
	cr_assert_eq(q.channel[0].failures, 2);
	cr_assert_eq(q.channel[1].failures, 2);
	cr_assert(strstr(q.channel[0].last_error, "SMTP smtp://127.0.0.1:9"), "%s", q.channel[0].last_error);
	cr_assert(strstr(q.channel[1].last_error, "POST http://127.0.0.1:9/..."), "%s",
		  q.channel[1].last_error);
	cr_assert_eq(q.channel[1].last_error_at, T0 + 6);
	/* given up at the deadline, then pruned: the failures stay counted */
	cr_assert_eq(alert_deliver(al, T0 + 60), 0);
	cr_assert_eq(store_alert_queue_stats(st, &q), 0);
	cr_assert_eq(q.queued, 0);
	cr_assert_eq(q.oldest, 0);
	cr_assert_eq(q.channel[1].given_up, 1);
	cr_assert_str_eq(q.channel[1].last_error, "", "a given-up message waits no more");
	cr_assert_eq(store_alert_prune(st, T0 + 3600), 0);
	cr_assert_eq(store_alert_queue_stats(st, &q), 0);
	cr_assert_eq(q.channel[1].given_up, 0);
	cr_assert_eq(q.channel[0].failures, 3);
	cr_assert_eq(q.channel[1].failures, 3);
}

/* ---- channels against real receivers ---- */

static harness_server_t smtp, http;

Test(alert_db, email_channel_auth_starttls_and_acceptance)
{
	config_t c;
	char err[1024] = "", answer[300], pwfile[1100], *m;
	config_str_t to[2] = {{"a@example.org", 1}, {"b@example.org", 2}};
	const char *msg = "From: blmon@example.org\r\nTo: a@example.org\r\nSubject: t\r\n\r\n"
			  ".leading dot survives\r\nbody\r\n";

	cr_assert_eq(harness_smtp_start(&smtp, dir, 0, "blmon:s3cret"), 0, "smtpsink did not start");
	memset(&c, 0, sizeof(c));
	snprintf(pwfile, sizeof(pwfile), "%s/pw", dir);
	cr_assert_eq(harness_write(dir, "pw", "s3cret\n"), 0);
	c.from = "blmon@example.org";
	c.to = to;
	c.nto = 2;
	c.starttls = CONFIG_STARTTLS_YES; /* the sink offers none: plain is fine */
	c.smtp_user = "blmon";
	c.smtp_password_file = pwfile;
	{
		char url[64];
		snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", smtp.port);
		c.smtp = url;
		cr_assert_eq(alert_channel_email.send(&c, "a@example.org, b@example.org", msg, NULL,
						      answer, sizeof(answer), err, sizeof(err)), 0, "%s", err);
		/* what the server answered last: its 250 after DATA */
		cr_assert(!strncmp(answer, "250", 3), "%s", answer);
		cr_assert_eq(harness_smtp_mails(dir), 1);
		m = harness_smtp_mail(dir, 1);
		cr_assert(strstr(m, "\r\n.leading dot survives\r\n"), "%s", m);
		free(m);
		{
			char path[1100], *env;
			snprintf(path, sizeof(path), "%s/mail-1.env", dir);
			env = harness_read(path);
			cr_assert_str_eq(env, "from blmon@example.org\nto a@example.org\nto b@example.org\n");
			free(env);
		}
		/* without the login the server refuses (530): not accepted, with the reason */
		c.smtp_user = NULL;
		cr_assert_eq(alert_channel_email.send(&c, "a@example.org", msg, NULL, answer,
						      sizeof(answer), err, sizeof(err)), -1);
		cr_assert(strstr(err, "SMTP smtp://127.0.0.1:") && strstr(err, "530"), "%s", err);
		cr_assert(!strncmp(answer, "530", 3), "%s", answer);
		/* starttls = required against a server without STARTTLS: never sent in clear */
		c.smtp_user = "blmon";
		c.starttls = CONFIG_STARTTLS_REQUIRED;
		cr_assert_eq(alert_channel_email.send(&c, "a@example.org", msg, NULL, answer,
						      sizeof(answer), err, sizeof(err)), -1);
		cr_assert_eq(harness_smtp_mails(dir), 1, "a message went out without TLS");
	}
	harness_server_stop(&smtp);
}

/* ---- the daemon end to end: rbldnsd, aiosmtpd and the webhook fixture on loopback ---- */

static harness_server_t dns;
static char *edir;
static harness_daemon_t d;

static const char zone_start[] = ":127.0.0.2:Spam source $\n127.0.0.2\n192.0.2.10\n";

static void e2e_setup(void)
{
	static const char *const zones[] = {"bl.test:ip4set:a", NULL};

	edir = harness_tmpdir();
	cr_assert_not_null(edir);
	cr_assert_eq(harness_write_zone(edir, "a", zone_start), 0);
	cr_assert_eq(harness_rbldnsd_start_ttl(&dns, edir, zones, "1"), 0, "rbldnsd did not start");
	harness_daemon_init(&d, edir);
	memset(&smtp, 0, sizeof(smtp));
	memset(&http, 0, sizeof(http));
}

static void e2e_teardown(void)
{
	harness_daemon_kill(&d);
	harness_server_stop(&smtp);
	harness_server_stop(&http);
	harness_server_stop(&dns);
	harness_tmpdir_free(edir);
}

TestSuite(alert_e2e, .init = e2e_setup, .fini = e2e_teardown, .timeout = 60);

static void write_conf(int smtp_port, const char *hook, const char *alerts)
{
	int r = harness_daemon_config(&d,
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		 "timeout = 300ms\nretries = 1\n"
		 "[targets]\nip = 192.0.2.10\nip = 192.0.2.11\nip = 192.0.2.20\n"
		 "[lists]\ndefault = no\n"
		 "[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		 "removal = https://bl.test/remove?ip={target}\n"
		 "[http]\nlisten = 127.0.0.1:%d\n"
		 "[email]\nsmtp = smtp://127.0.0.1:%d\nfrom = blmon@example.org\n"
		 "to = admin@example.org\nto = noc@example.org\nstarttls = no\n"
		 "[webhook]\nurl = http://127.0.0.1:%d/hook/%s\nheader = X-Token: t0ken\n"
		 "[alerts]\n%s",
		 dns.port, d.db, harness_free_tcp_port(), smtp_port, http.port, hook, alerts);

	cr_assert_eq(r, 0);
}

static void start_daemon(void)
{
	cr_assert_eq(harness_daemon_start(&d), 0, "blmon run did not start");
}

static long long q(const char *sql)
{
	return harness_daemon_value(&d, sql);
}

/* Waits up to ms for at least n mails in edir. */
static void wait_mails(int n, int ms, const char *what)
{
	if (!harness_daemon_wait_mails(&d, edir, n, ms))
		harness_daemon_fail(&d, what);
}

/* Time for anything that should not come: a cycle's alerts are produced and
 * delivered after its end, so once 2 more cycles ended, the alerts of a whole
 * cycle that began after the call have been made and sent. Then every event
 * has been taken by the producer and no queued row is left undelivered. */
static void wait_alerts_settled(void)
{
	if (!harness_daemon_cycles(&d, 2, 8000))
		harness_daemon_fail(&d, "no more cycles");
	if (!harness_daemon_wait(&d, "SELECT (SELECT value FROM alert_state WHERE name = "
				     "'last_event') = (SELECT max(id) FROM events)", 1, 5000))
		harness_daemon_fail(&d, "the alerts did not take every event");
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM alerts WHERE delivered IS NULL", 0, 8000))
		harness_daemon_fail(&d, "alerts left undelivered");
}

static void expect_mail(int n, const char *needle)
{
	char *m = harness_smtp_mail(edir, n);

	cr_assert(strstr(m, needle), "mail %d lacks \"%s\":\n%s", n, needle, m);
	free(m);
}

/* Webhook POSTs recorded by the fixture for hook name, and how many got 2xx. */
static int hook_calls(const char *name, int *accepted, bool validate)
{
	char path[1100], *text, *line, *save = NULL;
	int n = 0;

	snprintf(path, sizeof(path), "%s/hook-%s.jsonl", edir, name);
	text = harness_read(path);
	*accepted = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *r = cJSON_Parse(line);
		cJSON *status = cJSON_GetObjectItem(r, "status");
		cJSON *hdrs = cJSON_GetObjectItem(r, "headers");
		n++;
		*accepted += cJSON_IsNumber(status) && status->valueint == 200;
		cr_assert_str_eq(harness_str(hdrs, "X-Token"), "t0ken");
		cr_assert(!strncmp(harness_str(hdrs, "Content-Type"), "application/json", 16));
		if (validate)
			cr_assert_eq(harness_schema_valid("alert.schema.json", harness_str(r, "body")), 0,
				     "%s", harness_str(r, "body"));
		cJSON_Delete(r);
	}
	free(text);
	return n;
}

Test(alert_e2e, summary_listing_batch_delisting_and_flapping_mails)
{
	int accepted;

	cr_assert_eq(harness_smtp_start(&smtp, edir, 0, NULL), 0, "smtpsink did not start");
	cr_assert_eq(harness_http_start(&http, edir), 0, "httpfixture did not start");
	write_conf(smtp.port, "main", "batch = 0s\nflap_limit = 3\nflap_window = 1m\n");
	start_daemon();

	/* first run: one summary of what is already listed */
	wait_mails(1, 8000, "no first-run summary");
	expect_mail(1, "\r\nSubject: [blmon] first check of 3 targets: Test BL lists 192.0.2.10\r\n");
	expect_mail(1, "\r\nFrom: blmon@example.org\r\n");
	expect_mail(1, "\r\nTo: admin@example.org, noc@example.org\r\n");
	expect_mail(1, "\r\nMIME-Version: 1.0\r\n");
	expect_mail(1, "\r\nContent-Type: text/plain; charset=UTF-8\r\n");
	expect_mail(1, "\r\nContent-Transfer-Encoding: 7bit\r\n");
	expect_mail(1, "\r\nMessage-ID: <blmon.");
	expect_mail(1, "@example.org>\r\n");
	expect_mail(1, "Date: ");
	expect_mail(1, "Listed since: ");
	expect_mail(1, "TXT reason:   \"Spam source 192.0.2.10\"");

	/* a listing */
	cr_assert_eq(harness_write_zone(edir, "a", ":127.0.0.2:Spam source $\n127.0.0.2\n192.0.2.10\n"
						   "192.0.2.20\n"), 0);
	wait_mails(2, 8000, "no listing mail");
	expect_mail(2, "\r\nSubject: [blmon] Test BL lists 192.0.2.20\r\n");
	expect_mail(2, "\r\nTest BL lists 192.0.2.20\r\n");
	expect_mail(2, "Codes:        127.0.0.2 (Spam source)\r\n");
	expect_mail(2, "TXT reason:   \"Spam source 192.0.2.20\" (the list's own words)\r\n");
	expect_mail(2, "Listed since: ");
	expect_mail(2, "What to do:   Find what made 192.0.2.20 send spam");
	expect_mail(2, "Removal:      https://bl.test/remove?ip=192.0.2.20\r\n");

	/* two changes of one cycle: one message */
	cr_assert_eq(harness_write_zone(edir, "a", ":127.0.0.2:Spam source $\n127.0.0.2\n192.0.2.11\n"
						   "192.0.2.20\n"), 0);
	wait_mails(3, 8000, "no batch mail");
	expect_mail(3, "\r\nSubject: [blmon] Test BL lists 192.0.2.11 (1 DELISTED)\r\n");
	expect_mail(3, "\r\nDELISTED from Test BL: 192.0.2.10\r\n");
	expect_mail(3, "\r\nTest BL lists 192.0.2.11\r\n");

	/* 192.0.2.11: delisted (its 2nd change), listed (3rd: flapping), delisted (quiet) */
	cr_assert_eq(harness_write_zone(edir, "a", ":127.0.0.2:Spam source $\n127.0.0.2\n192.0.2.20\n"), 0);
	wait_mails(4, 8000, "no delisting mail");
	expect_mail(4, "\r\nSubject: [blmon] 192.0.2.11 DELISTED from Test BL\r\n");
	expect_mail(4, "What changed: listed -> clean at ");
	expect_mail(4, "Target now:   192.0.2.11 is clean on its 1 block list\r\n");
	cr_assert_eq(harness_write_zone(edir, "a", ":127.0.0.2:Spam source $\n127.0.0.2\n192.0.2.11\n"
						   "192.0.2.20\n"), 0);
	wait_mails(5, 8000, "no flapping mail");
	expect_mail(5, "\r\nSubject: [blmon] 192.0.2.11 FLAPPING on Test BL\r\n");
	expect_mail(5, "3 changes within 1m");
	cr_assert_eq(harness_write_zone(edir, "a", ":127.0.0.2:Spam source $\n127.0.0.2\n192.0.2.20\n"), 0);
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM events WHERE \"to\" = 'clean' AND "
				     "\"from\" = 'listed'", 3, 8000))
		harness_daemon_fail(&d, "the last delisting was not recorded");
	wait_alerts_settled();
	cr_assert_eq(harness_smtp_mails(edir), 5, "flapping must be quiet after its one message");
	cr_assert_eq(q("SELECT count(*) FROM alerts WHERE channel = 'email'"), 5,
		     "flapping must be quiet after its one message");
	cr_assert_eq(hook_calls("main", &accepted, true), 5);
	cr_assert_eq(accepted, 5);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
}

/* Waits until rbldnsd serves the rewritten zone: ip no longer listed. */
static void wait_zone_clean(const char *ip)
{
	char resolver[64];
	const char *args[] = {"check", "--resolver", resolver, "--list", "bl.test", "--timeout",
			      "300ms", ip, NULL};

	snprintf(resolver, sizeof(resolver), "127.0.0.1:%d", dns.port);
	for (int i = 0; i < 60; i++) {
		harness_run_t r;
		int status;
		cr_assert_eq(harness_run(&r, 10, args), 0);
		status = r.status;
		harness_run_free(&r);
		if (status == 0)
			return;
		usleep(100000);
	}
	cr_assert_fail("rbldnsd did not reload the zone");
}

Test(alert_e2e, receivers_down_delay_but_lose_nothing)
{
	int port, accepted;
	const char *sql_q = "SELECT count(*) FROM alerts WHERE attempts >= 1 AND delivered IS NULL";

	/* the SMTP receiver's port, with nothing listening on it yet */
	cr_assert_eq(harness_smtp_start(&smtp, edir, 0, NULL), 0);
	port = smtp.port;
	harness_server_stop(&smtp);
	cr_assert_eq(harness_http_start(&http, edir), 0);
	cr_assert_eq(harness_write_zone(edir, "a", ":127.0.0.2:Spam source $\n127.0.0.2\n"), 0);
	wait_zone_clean("192.0.2.10");
	write_conf(port, "down?fail=1", "batch = 0s\n");
	start_daemon();
	/* the first run's alerts follow its first cycle's end: 2 cycles cover them */
	if (!harness_daemon_cycles(&d, 2, 5000))
		harness_daemon_fail(&d, "no cycles");
	cr_assert_eq(q("SELECT count(*) FROM alerts"), 0, "clean first observations never alert");
	/* a listing while both receivers fail */
	cr_assert_eq(harness_write_zone(edir, "a", ":127.0.0.2:Spam source $\n127.0.0.2\n192.0.2.20\n"), 0);
	if (!harness_daemon_wait(&d, sql_q, 2, 10000))
		harness_daemon_fail(&d, "the listing was not attempted and kept queued");
	cr_assert_eq(harness_smtp_mails(edir), 0);
	/* a restart resumes the queue; the receiver comes back meanwhile */
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
	cr_assert_eq(harness_smtp_start(&smtp, edir, port, NULL), 0, "smtpsink did not restart");
	start_daemon();
	wait_mails(1, 12000, "the queued mail never arrived");
	expect_mail(1, "\r\nSubject: [blmon] Test BL lists 192.0.2.20\r\n");
	/* the webhook's retry waits out its backoff (5 s after the 500) */
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM alerts WHERE delivered IS NOT NULL", 2,
				 12000))
		harness_daemon_fail(&d, "the queued webhook was never delivered");
	wait_alerts_settled(); /* nothing more may come */
	cr_assert_eq(harness_smtp_mails(edir), 1, "exactly one mail");
	cr_assert_eq(hook_calls("down", &accepted, true), 2, "a 500, then one accepted POST");
	cr_assert_eq(accepted, 1);
	cr_assert_eq(q("SELECT count(*) FROM alerts"), 2, "one mail and one webhook queued");
	cr_assert_eq(q("SELECT count(*) FROM alerts WHERE delivered IS NOT NULL"), 2);
	cr_assert_eq(q("SELECT count(*) FROM alerts WHERE channel = 'webhook' AND attempts = 2 AND "
		       "last_error LIKE '%HTTP 500%'"), 1);
	{
		char *log = harness_read(d.log);
		cr_assert(strstr(log, "not delivered (attempt 1)"), "%s", log);
		cr_assert_null(strstr(log, "/hook/down"), "webhook paths (tokens) are not logged: %s", log);
		free(log);
	}
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
}

/* ---- secrets: never in the log, an alert's last_error, the API or config-test ---- */

/* Every secret a config can hold, each a string no message would hold by chance. */
static const char *const secrets[] = {
	"SmtpUrlSecret1",   /* [email] smtp = smtp://user:PASSWORD@host */
	"SmtpPassSecret2",  /* [email] password */
	"HookUrlSecret3",   /* [webhook] url = http://user:PASSWORD@host/... */
	"HdrSecret4",       /* [webhook] header = Authorization: Bearer ... */
	"HttpTokenSecret5", /* [http] token */
	"DqsKeySecret6",    /* [list {key}...] key */
	"HookPathSecret7",  /* a chat webhook's path is its token */
	NULL,
};

/* The rows of sql (one text column) on the daemon's database, one per line. Caller frees. */
static char *db_text(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	size_t len = 0;
	char *out = calloc(1, 1);

	cr_assert_eq(sqlite3_open_v2(d.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(stmt, 0);
		size_t n = v ? strlen(v) : 0;
		out = realloc(out, len + n + 2);
		memcpy(out + len, v ? v : "", n);
		len += n;
		out[len++] = '\n';
		out[len] = '\0';
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return out;
}

static void expect_no_secret(const char *where, const char *text)
{
	for (const char *const *s = secrets; *s; s++)
		cr_assert_null(strstr(text, *s), "%s holds the secret %s:\n%s", where, *s, text);
}

Test(alert_e2e, secrets_stay_out_of_logs_errors_and_api)
{
	static const char *const zones[] = {"bl.test:ip4set:a", "DqsKeySecret6.kd.test:ip4set:k",
					    NULL};
	static const char *const paths[] = {
		"/api/v1/status", "/api/v1/targets/192.0.2.10", "/api/v1/events", "/api/v1/lists",
		"/api/v1/asns", "/api/v1/incidents", "/metrics", "/healthz", "/api/v1/nothing",
		"/api/v1/status?nope=1", "/api/v1/events?zone=nowhere", NULL};
	const char *cfgtest[] = {"config-test", d.conf, NULL};
	char *text, pwlog[1100];
	int port = harness_free_tcp_port();
	harness_run_t r;

	setenv("BLMON_DEBUG", "1", 1); /* debug lines count too (this test's process only) */
	/* a keyed list that answers (DqsKeySecret6.kd.test) and one the server refuses */
	cr_assert_eq(harness_write_zone(edir, "k", ":127.0.0.2:Keyed spam\n127.0.0.2\n192.0.2.10\n"), 0);
	harness_server_stop(&dns);
	cr_assert_eq(harness_rbldnsd_start_ttl(&dns, edir, zones, "1"), 0, "rbldnsd did not start");
	/* a mail server that refuses the login, a webhook nobody answers and one that
	 * quotes the Authorization header back in its refusal */
	cr_assert_eq(harness_smtp_start(&smtp, edir, 0, "blmon:the-right-one"), 0);
	cr_assert_eq(harness_http_start(&http, edir), 0);
	cr_assert_eq(harness_daemon_config(&d,
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 2\n"
		 "timeout = 300ms\nretries = 1\n"
		 "[targets]\nip = 192.0.2.10\n[lists]\ndefault = no\n"
		 "[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		 "[list {key}.kd.test]\nname = Keyed BL\nkey = DqsKeySecret6\ncode = 127.0.0.2 Keyed\n"
		 "[list {key}.kr.test]\nname = Refused BL\nkey = DqsKeySecret6\n"
		 "[http]\nlisten = 127.0.0.1:%d\ntoken = HttpTokenSecret5\n"
		 "[email]\nsmtp = smtp://mailer:SmtpUrlSecret1@127.0.0.1:%d\nfrom = blmon@example.org\n"
		 "to = admin@example.org\nstarttls = no\nuser = blmon\npassword = SmtpPassSecret2\n"
		 "[webhook]\nurl = http://hook:HookUrlSecret3@127.0.0.1:%d/hook/HookPathSecret7\n"
		 "url = http://127.0.0.1:%d/reject\nheader = Authorization: Bearer HdrSecret4\n"
		 "[alerts]\nbatch = 0s\n",
		 dns.port, d.db, port, smtp.port, harness_closed_port(), http.port), 0);
	start_daemon();
	/* the refused keyed list is that list's health; every destination failed once */
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM lists WHERE health = 'refused'", 1, 10000))
		harness_daemon_fail(&d, "the refused keyed list was not recorded");
	if (!harness_daemon_wait(&d, "SELECT count(DISTINCT destination) FROM alerts WHERE "
				     "last_error IS NOT NULL", 3, 15000))
		harness_daemon_fail(&d, "not every destination failed");
	/* a change seen once, pending confirmation: a debug line names the list */
	cr_assert_eq(harness_write_zone(edir, "k", ":127.0.0.2:Keyed spam\n127.0.0.2\n"), 0);
	if (!harness_daemon_wait_log(&d, "seen 1 of 2 times", 10000))
		harness_daemon_fail(&d, "no pending change on the keyed list");
	/* the failures are told, with what failed, only not with the secrets */
	snprintf(pwlog, sizeof(pwlog), "%s/auth.log", edir);
	text = harness_read(pwlog);
	cr_assert(strstr(text, "bad blmon"), "the login was never tried: %s", text);
	free(text);
	text = db_text("SELECT channel || ': ' || last_error FROM alerts WHERE last_error IS NOT NULL");
	cr_assert(strstr(text, "email: SMTP smtp://"), "%s", text);
	cr_assert(strstr(text, "127.0.0.1:"), "%s", text);
	cr_assert(strstr(text, "HTTP 401"), "%s", text);
	expect_no_secret("alerts.last_error", text);
	free(text);
	text = db_text("SELECT subject || payload FROM alerts");
	expect_no_secret("an alert", text);
	free(text);
	text = db_text("SELECT detail FROM list_health UNION ALL SELECT health_detail FROM lists "
		       "UNION ALL SELECT coalesce(reason, '') || coalesce(failing_reason, '') FROM state");
	expect_no_secret("the list health and state", text);
	free(text);
	/* the API, /metrics and /healthz, their errors too; the token is needed, never shown */
	for (const char *const *p = paths; *p; p++) {
		long status;
		text = harness_http_get_auth(port, *p, "HttpTokenSecret5", &status);
		cr_assert_not_null(text, "GET %s: no answer", *p);
		cr_assert_neq(status, 401, "GET %s: the token was refused", *p);
		expect_no_secret(*p, text);
		free(text);
		text = harness_http_get_auth(port, *p, "wrong", &status);
		cr_assert_not_null(text, "GET %s: no answer", *p);
		expect_no_secret(*p, text);
		free(text);
	}
	cr_assert_eq(harness_run(&r, 10, cfgtest), 0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	expect_no_secret("config-test", r.out);
	expect_no_secret("config-test", r.err);
	harness_run_free(&r);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
	text = harness_read(d.log);
	cr_assert(strstr(text, "not delivered"), "%s", text);
	expect_no_secret("the log", text);
	free(text);
}

/* ---- the keys of [email], [webhook] and [alerts] ---- */

static void config_expect(const char *text, const char *want_err)
{
	char *cdir = harness_tmpdir(), path[1100], err[4096];
	config_t *c = NULL;
	int rc;

	cr_assert_eq(harness_write(cdir, "c.conf", text), 0);
	snprintf(path, sizeof(path), "%s/c.conf", cdir);
	rc = config_load(path, &c, err, sizeof(err));
	if (want_err) {
		cr_assert_eq(rc, -1, "accepted: %s", text);
		cr_assert(strstr(err, want_err), "error \"%s\" lacks \"%s\"", err, want_err);
	} else {
		cr_assert_eq(rc, 0, "%s", err);
	}
	config_free(c);
	harness_tmpdir_free(cdir);
}

Test(alert_format, config_keys)
{
	config_expect("[email]\nsmtp = smtp://127.0.0.1:25\nfrom = a@example.org\nto = b@example.org\n"
		      "starttls = required\nuser = u\npassword = p\nsubject_prefix =\n"
		      "[webhook]\nurl = https://h.example/x\nheader = Authorization: Bearer t\n"
		      "[alerts]\nbatch = 0s\nflap_limit = 0\nflap_window = 1h\ngive_up = 3d\n", NULL);
	config_expect("[email]\nstarttls = maybe\n", ":2: [email] starttls: 'maybe' is not no, yes or required");
	config_expect("[webhook]\nheader = no colon\n", ":2: [webhook] header:");
	config_expect("[alerts]\nflap_limit = 1\n", ":2: [alerts] flap_limit:");
	config_expect("[alerts]\nbatch = 2d\n", ":2: [alerts] batch:");
	config_expect("[alerts]\ngive_up = soon\n", ":2: [alerts] give_up:");
	config_expect("[alerts]\nretries = 3\n", ":2: [alerts] retries: unknown key");
	config_expect("[email]\nsmtp = smtp://127.0.0.1:25\n", ":2: [email] smtp: alerts by mail also need");
	config_expect("[email]\nto = a@example.org\n", ":2: [email] to: no smtp =");
	config_expect("[email]\nsmtp = smtp://x:25\nfrom = a@example.org\nto = b@example.org\n"
		      "password = p\n", "[email] user: a password needs user =");
	config_expect("[email]\npassword_file = /nonexistent/pw\n", ":2: [email] password_file: cannot read");
}

/* ---- `blmon alert test`: every channel now, outside the queue ---- */

static char *tdir;

static void cli_setup(void)
{
	tdir = harness_tmpdir();
	cr_assert_not_null(tdir);
	memset(&smtp, 0, sizeof(smtp));
	memset(&http, 0, sizeof(http));
}

static void cli_teardown(void)
{
	harness_server_stop(&smtp);
	harness_server_stop(&http);
	harness_tmpdir_free(tdir);
}

TestSuite(alert_cli, .init = cli_setup, .fini = cli_teardown, .timeout = 60);

Test(alert_cli, a_test_message_through_every_channel_says_what_each_answered)
{
	char conf[4096], path[1100], db[1100], want[300], *mail, *hook;
	harness_run_t r;
	cJSON *rec;

	cr_assert_eq(harness_smtp_start(&smtp, tdir, 0, "blmon:s3cret-pw"), 0);
	cr_assert_eq(harness_http_start(&http, tdir), 0);
	snprintf(db, sizeof(db), "%s/never/blmon.db", tdir);
	snprintf(conf, sizeof(conf),
		 "[monitor]\ndatabase = %s\n"
		 "[email]\nsmtp = smtp://127.0.0.1:%d\nfrom = blmon@example.org\nto = admin@example.org\n"
		 "starttls = no\nuser = blmon\npassword = s3cret-pw\n"
		 "[webhook]\nurl = http://127.0.0.1:%d/hook/ok-t0ken\nurl = http://127.0.0.1:%d/hook/down?fail=9\n"
		 "header = X-Token: hdr-s3cret\n",
		 db, smtp.port, http.port, http.port);
	cr_assert_eq(harness_write(tdir, "blmon.conf", conf), 0);
	snprintf(path, sizeof(path), "%s/blmon.conf", tdir);
	cr_assert_eq(harness_run(&r, 30, (const char *[]){"alert", "test", "-c", path, NULL}), 0);
	cr_assert_eq(r.status, 1, "one receiver refuses: exit 1\n%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "email to admin@example.org: accepted: 250"), "%s", r.out);
	snprintf(want, sizeof(want), "webhook to http://127.0.0.1:%d/...: accepted: HTTP 200: ok\n",
		 http.port);
	cr_assert(strstr(r.out, want), "%s", r.out);
	snprintf(want, sizeof(want), "webhook to http://127.0.0.1:%d/...: FAILED: POST "
		 "http://127.0.0.1:%d/...: HTTP 500: try later\n", http.port, http.port);
	cr_assert(strstr(r.out, want), "%s", r.out);
	cr_assert_null(strstr(r.out, "t0ken"), "%s", r.out);
	cr_assert_null(strstr(r.out, "s3cret"), "%s", r.out);
	harness_run_free(&r);

	/* what arrived is a test message, in the shape of real alerts */
	cr_assert_eq(harness_smtp_mails(tdir), 1);
	mail = harness_smtp_mail(tdir, 1);
	cr_assert(strstr(mail, "Subject: [blmon] test message from "), "%s", mail);
	cr_assert(strstr(mail, "If you read this, blmon's alerts reach you."), "%s", mail);
	cr_assert(strstr(mail, "Auto-Submitted: auto-generated\r\n"), "%s", mail);
	free(mail);
	snprintf(path, sizeof(path), "%s/hook-ok-t0ken.jsonl", tdir);
	hook = harness_read(path);
	rec = cJSON_Parse(hook);
	cr_assert_not_null(rec, "%s", hook);
	cr_assert_eq(harness_schema_valid("alert.schema.json", harness_str(rec, "body")), 0, "%s",
		     harness_str(rec, "body"));
	cr_assert(strstr(harness_str(rec, "body"), "\"kind\":\"test\""), "%s", hook);
	cr_assert_str_eq(harness_str(cJSON_GetObjectItem(rec, "headers"), "X-Token"), "hdr-s3cret");
	cJSON_Delete(rec);
	free(hook);
	/* outside the queue: no database was opened, let alone made */
	snprintf(path, sizeof(path), "%s/never", tdir);
	cr_assert_neq(access(path, F_OK), 0, "alert test touched the database's directory");

	/* every server accepts: exit 0 */
	snprintf(conf, sizeof(conf), "[webhook]\nurl = http://127.0.0.1:%d/hook/ok-t0ken\n", http.port);
	cr_assert_eq(harness_write(tdir, "ok.conf", conf), 0);
	snprintf(path, sizeof(path), "%s/ok.conf", tdir);
	cr_assert_eq(harness_run(&r, 30, (const char *[]){"alert", "test", "-c", path, NULL}), 0);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	harness_run_free(&r);
}

Test(alert_cli, no_channel_or_no_config_is_a_usage_error)
{
	char path[1100];
	harness_run_t r;

	cr_assert_eq(harness_write(tdir, "none.conf", "[monitor]\ninterval = 1h\n"), 0);
	snprintf(path, sizeof(path), "%s/none.conf", tdir);
	cr_assert_eq(harness_run(&r, 10, (const char *[]){"alert", "test", "-c", path, NULL}), 0);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "has no channel to test"), "%s", r.err);
	harness_run_free(&r);
	cr_assert_eq(harness_run(&r, 10, (const char *[]){"alert", "test", "-c", "/nonexistent.conf",
							  NULL}), 0);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "/nonexistent.conf"), "%s", r.err);
	harness_run_free(&r);
	cr_assert_eq(harness_run(&r, 10, (const char *[]){"alert", "tset", NULL}), 0);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "did you mean test?"), "%s", r.err);
	harness_run_free(&r);
}
