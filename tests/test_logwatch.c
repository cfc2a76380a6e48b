/* test_logwatch.c -- mail log watching: rejection rules, Postfix/Exim parsers, and the real daemon following a log.
 * Fixtures are written here: realistic Postfix lines appended to a file while `blmon run` follows it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "monitor/config.h"
#include "monitor/mtalog/logline.h"
#include "monitor/mtalog/logwatch.h"
#include "checks/reject_rules.h"
#include "store/store.h"
#include "store/store_mtalog.h"
#include "web/api.h"
#include "web/metrics.h"
#include "tests/harness.h"

/* ---- the rule table ---- */

typedef struct {
	const char *relay, *domain, *reply;
	const char *provider, *kind, *code, *ip, *removal_part;
} rule_case_t;

static const rule_case_t cases[] = {
	{"contoso-com.mail.protection.outlook.com", "contoso.com",
	 "550 5.7.1 Unfortunately, messages from [198.51.100.7] weren't sent. Please contact your "
	 "Internet service provider since part of their network is on our block list (S3150).",
	 "microsoft", "ip-blocklisted", "S3150", "198.51.100.7", "sender.office.com"},
	{"eur.olc.protection.outlook.com", "hotmail.com",
	 "550 5.7.1 Unfortunately, messages from [198.51.100.7] weren't sent. ... (S3140).",
	 "microsoft", "ip-blocklisted", "S3140", "198.51.100.7", "sender.office.com"},
	{"contoso-com.mail.protection.outlook.com", "contoso.com",
	 "550 5.7.606 Access denied, banned sending IP [198.51.100.7]. To request removal from this "
	 "list please visit https://sender.office.com/", "microsoft", "ip-blocklisted", "5.7.606",
	 "198.51.100.7", "sender.office.com"},
	{"contoso-com.mail.protection.outlook.com", "contoso.com", "550 5.7.511 Access denied, banned sender[198.51.100.7]",
	 "microsoft", "ip-blocklisted", "5.7.511", "198.51.100.7", "delist@microsoft.com"},
	{"outlook-com.olc.protection.outlook.com", "outlook.com",
	 "550 5.7.1 Service unavailable, Client host [198.51.100.7] blocked using Blocklist 1; To "
	 "request removal from this list please forward this message to delist@microsoft.com",
	 "microsoft", "ip-blocklisted", "Blocklist 1", "198.51.100.7", "delist@microsoft.com"},
	{"contoso-com.mail.protection.outlook.com", "contoso.com",
	 "451 4.7.500 Server busy. Please try again later from [198.51.100.7]. (S77714)",
	 "microsoft", "rate-limited", "4.7.500", "198.51.100.7", "sender.office.com"},
	{"contoso-com.mail.protection.outlook.com", "contoso.com",
	 "451 4.7.650 The mail server [198.51.100.7] has been temporarily rate limited due to IP "
	 "reputation. (S775)", "microsoft", "reputation", "4.7.650", "198.51.100.7", "sender.office.com"},
	{"gmail-smtp-in.l.google.com", "gmail.com",
	 "421 4.7.28 [198.51.100.7      15] Our system has detected an unusual rate of unsolicited "
	 "mail originating from your IP address.", "google", "rate-limited", "4.7.28",
	 "198.51.100.7", "postmaster.google.com"},
	{"aspmx.l.google.com", "example.org",
	 "550 5.7.1 [198.51.100.7] Our system has detected that this message is likely suspicious "
	 "due to the very low reputation of the sending IP address.", "google", "reputation", "5.7.1",
	 "198.51.100.7", "postmaster.google.com"},
	{"mta7.am0.yahoodns.net", "yahoo.com",
	 "421 4.7.0 [TSS04] Messages from 198.51.100.7 temporarily deferred due to unexpected volume "
	 "or user complaints - 4.16.55.1", "yahoo", "reputation", "TSS04", "198.51.100.7",
	 "senders.yahooinc.com"},
	{"mx-aol.mail.gm0.yahoodns.net", "aol.com",
	 "553 5.7.2 [TSS09] All messages from 198.51.100.7 will be permanently deferred; Retrying "
	 "will NOT succeed.", "yahoo", "reputation", "TSS09", "198.51.100.7", "senders.yahooinc.com"},
	{"mta5.am0.yahoodns.net", "yahoo.com",
	 "553 5.7.1 [BL21] Connections will not be accepted from 198.51.100.7, because the ip is in "
	 "Spamhaus's list; see http://postmaster.yahoo.com/550-bl23.html", "yahoo", "ip-blocklisted",
	 "BL21", "198.51.100.7", "spamhaus"},
	{"mx.example.net", "example.net", "550 5.1.1 <bob@example.net>: Recipient address rejected",
	 "example.net", "other", "5.1.1", "", ""},
	{"mail.example.co.uk", "example.co.uk", "554 5.7.1 rejected by DMARC policy",
	 "example.co.uk", "policy", "5.7.1", "", ""},
	{"", "hotmail.com", "garbage \x01\x02 ::: [[[ 999.1.2.3", "microsoft", "other", "", "", ""},
	{NULL, NULL, NULL, "unknown", "other", "", "", ""},
};

Test(reject_rules, every_provider_code)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const rule_case_t *c = &cases[i];
		reject_t r;

		reject_rules_classify(c->relay, c->domain, c->reply, &r);
		cr_expect_str_eq(r.provider, c->provider, "case %zu provider", i);
		cr_expect_str_eq(reject_kind_name(r.kind), c->kind, "case %zu (%s) kind", i, c->code);
		cr_expect_str_eq(r.code, c->code, "case %zu code", i);
		cr_expect_str_eq(r.sending_ip, c->ip, "case %zu ip", i);
		cr_expect(strstr(r.removal, c->removal_part), "case %zu removal %s", i, r.removal);
		cr_expect(r.advice && r.meaning, "case %zu", i);
	}
}

Test(reject_rules, providers_by_host_and_domain)
{
	cr_assert_str_eq(reject_rules_provider_of_host("contoso-com.mail.protection.outlook.com."),
			 "microsoft");
	cr_assert_str_eq(reject_rules_provider_of_host("eur.olc.protection.outlook.com"), "microsoft");
	cr_assert_str_eq(reject_rules_provider_of_host("hotmail-com.olc.protection.outlook.com"),
			 "microsoft");
	cr_assert_str_eq(reject_rules_provider_of_host("ASPMX.L.GOOGLE.COM"), "google");
	cr_assert_str_eq(reject_rules_provider_of_host("mta6.am0.yahoodns.net"), "yahoo");
	cr_assert_null(reject_rules_provider_of_host("notoutlook.com"));
	cr_assert_null(reject_rules_provider_of_host("mx.example.net"));
	cr_assert_str_eq(reject_rules_provider_of_domain("aol.com"), "yahoo");
	cr_assert(reject_kind_incident(REJECT_IP_BLOCKLISTED) && !reject_kind_incident(REJECT_POLICY));
}

/* ---- parsers ---- */

#define PF_BOUNCE(to, relay, ip, reply) \
	"Jan  6 13:43:04 mail1 postfix/smtp[2318]: 4F1A2B3C: to=<" to ">, relay=" relay "[" ip \
	"]:25, delay=7.5, delays=2.2/0/0.28/5.1, dsn=5.7.1, status=bounced (host " relay "[" ip \
	"] said: " reply " (in reply to RCPT TO command))"

Test(parse, postfix_bounce_deferral_sent)
{
	logline_t e;

	cr_assert_eq(logline_parse("postfix",
				    PF_BOUNCE("ann@Contoso.com", "contoso-com.mail.protection.outlook.com",
					      "192.0.2.10",
					      "550 5.7.1 Service unavailable; Client host [198.51.100.7] "
					      "blocked using Blocklist 1"),
				    &e), 1);
	cr_assert_eq(e.status, LOGLINE_BOUNCED);
	cr_assert_str_eq(e.rcpt, "ann@Contoso.com");
	cr_assert_str_eq(e.domain, "contoso.com");
	cr_assert_str_eq(e.relay, "contoso-com.mail.protection.outlook.com");
	cr_assert_str_eq(e.relay_ip, "192.0.2.10");
	cr_assert_str_eq(e.dsn, "5.7.1");
	cr_assert_str_eq(e.reply, "550 5.7.1 Service unavailable; Client host [198.51.100.7] blocked "
				  "using Blocklist 1");
	/* a multi-line reply: 421-4.7.0 fragments joined */
	cr_assert_eq(logline_parse("auto",
				    "2024-06-20T13:43:04.123456+00:00 mail1 postfix/smtp[99]: ABC: "
				    "to=<bob@gmail.com>, relay=gmail-smtp-in.l.google.com[192.0.2.27]:25, "
				    "delay=1, delays=0/0/0.5/0.5, dsn=4.7.0, status=deferred (host "
				    "gmail-smtp-in.l.google.com[192.0.2.27] said: 421-4.7.0 [198.51.100.7 "
				    "     15] Our system has detected that this message is 421-4.7.0 "
				    "suspicious due to the very low reputation of the sending IP 421-4.7.0 "
				    "address. 421 4.7.0  https://support.google.com/mail/answer/188131 - "
				    "gsmtp (in reply to end of DATA command))",
				    &e), 1);
	cr_assert_eq(e.status, LOGLINE_DEFERRED);
	cr_assert_str_eq(e.reply, "421 4.7.0 [198.51.100.7      15] Our system has detected that "
				  "this message is suspicious due to the very low reputation of the "
				  "sending IP address. https://support.google.com/mail/answer/188131 - "
				  "gsmtp");
	cr_assert_eq(logline_parse("postfix",
				    "Jan  6 13:44:00 mail1 postfix/smtp[2318]: 5A: to=<ann@contoso.com>, "
				    "relay=contoso-com.mail.protection.outlook.com[192.0.2.10]:25, "
				    "delay=1.1, delays=0.1/0/0.4/0.6, dsn=2.6.0, status=sent (250 2.6.0 "
				    "<x@y> [InternalId=1] Queued mail for delivery)",
				    &e), 1);
	cr_assert_eq(e.status, LOGLINE_SENT);
	cr_assert_str_eq(e.reply, "");
	/* not delivery results */
	cr_assert_eq(logline_parse("postfix", "Jan  6 13:43:04 mail1 postfix/qmgr[1]: 4F1A: "
					       "from=<a@b>, size=1, nrcpt=1 (queue active)", &e), 0);
	cr_assert_eq(logline_parse("postfix", "Jan  6 13:43:04 mail1 postfix/smtp[1]: 4F1A: "
					       "to=<a@b.c>, relay=none, delay=30, dsn=4.4.1, "
					       "status=expired, returned to sender", &e), 0);
	cr_assert_eq(logline_parse("auto", "", &e), 0);
	cr_assert_eq(logline_parse("auto", "random text status=bounced to=<x@y>", &e), 0);
}

Test(parse, exim_mainlog)
{
	logline_t e;

	cr_assert_eq(logline_parse("exim",
				    "2024-06-20 13:43:04 1sK3Xz-000abc-12 ** ann@contoso.com "
				    "R=dnslookup T=remote_smtp H=contoso-com.mail.protection.outlook.com "
				    "[192.0.2.10]: SMTP error from remote mail server after RCPT "
				    "TO:<ann@contoso.com>: 550 5.7.1 Unfortunately, messages from "
				    "[198.51.100.7] weren't sent. (S3150)",
				    &e), 1);
	cr_assert_eq(e.status, LOGLINE_BOUNCED);
	cr_assert_str_eq(e.domain, "contoso.com");
	cr_assert_str_eq(e.relay, "contoso-com.mail.protection.outlook.com");
	cr_assert_str_eq(e.relay_ip, "192.0.2.10");
	cr_assert(!strncmp(e.reply, "550 5.7.1 Unfortunately", 23), "%s", e.reply);
	cr_assert_str_eq(e.dsn, "5.7.1");
	cr_assert_eq(logline_parse("auto",
				    "2024-06-20 13:43:05 1sK3Xz-000abc-13 == bob@yahoo.com R=dnslookup "
				    "T=remote_smtp defer (-44) H=mta7.am0.yahoodns.net [192.0.2.30]: SMTP "
				    "error from remote mail server after MAIL FROM:<a@b> SIZE=1: 421 4.7.0 "
				    "[TSS04] Messages from 198.51.100.7 temporarily deferred",
				    &e), 1);
	cr_assert_eq(e.status, LOGLINE_DEFERRED);
	cr_assert(strstr(e.reply, "TSS04"));
	cr_assert_eq(logline_parse("exim",
				    "2024-06-20 13:43:06 1sK3Xz-000abc-14 => ann@contoso.com "
				    "R=dnslookup T=remote_smtp H=contoso-com.mail.protection.outlook.com "
				    "[192.0.2.10] X=TLS1.2 C=\"250 2.6.0 Queued\"", &e), 1);
	cr_assert_eq(e.status, LOGLINE_SENT);
	cr_assert_eq(logline_parse("exim", "2024-06-20 13:43:06 1sK3Xz-000abc-14 Completed", &e), 0);
	cr_assert_eq(logline_parse("exim", "2024-06-20 13:43:06 1sK3Xz-000abc-14 == a@b "
					    "R=dnslookup T=remote_smtp defer (-53): retry time not "
					    "reached for any host", &e), 0);
}

/* Found by tests/fuzz/fuzz_logline: a reply cut right after "421-" made the
 * joiner read the byte after the terminator (`make asan` sees it). */
Test(parse, reply_join_stops_at_the_end_of_a_cut_reply)
{
	static const char *const cut[] = {"421-", "421-4", "421-4.", "421-4.7.0", "421-4.7.0 a 421-"};
	static const char *const want[] = {"421 ", "421 4", "421 4.", "421 4.7.0", "421 4.7.0 a"};

	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		char *r = strdup(cut[i]); /* exactly the string's size */
		logline_reply_join(r);
		cr_expect_str_eq(r, want[i], "'%s' joined", cut[i]);
		free(r);
	}
}

Test(parse, hostile_input_never_crashes)
{
	char *line = malloc(LOGLINE_MAX + 1);
	logline_t *e = malloc(sizeof(*e));
	unsigned seed = 12345;
	static const char *const pieces[] = {"postfix/smtp[", "]: ", " to=<", ">", ", relay=", "[",
					     "]:25", ", dsn=", " status=bounced (", " said: ",
					     "421-4.7.0 ", "421 4.7.0", " ** ", " H=", " [",
					     "SMTP error from remote mail server after ", ": 5",
					     "2024-06-20 13:43:04 ", "\xff\xfe", "\x01", " ", ")",
					     "(in reply to "};

	for (int round = 0; round < 20000; round++) {
		size_t n = 0, want;
		seed = seed * 1103515245u + 12345u;
		want = (seed >> 8) % LOGLINE_MAX;
		while (n < want) {
			const char *p;
			size_t l;
			seed = seed * 1103515245u + 12345u;
			p = pieces[(seed >> 10) % (sizeof(pieces) / sizeof(pieces[0]))];
			l = strlen(p);
			if (n + l > want)
				break;
			memcpy(line + n, p, l);
			n += l;
		}
		line[n] = '\0';
		if (logline_parse("auto", line, e)) {
			reject_t r;
			cr_assert_lt(strlen(e->reply), sizeof(e->reply));
			reject_rules_classify(e->relay, e->domain, e->reply, &r);
		}
	}
	free(line);
	free(e);
}

Test(config, logwatch_section)
{
	char *d = harness_tmpdir(), path[1024], err[2048];
	config_t *c;

	snprintf(path, sizeof(path), "%s/c.conf", d);
	cr_assert_eq(harness_write(d, "c.conf",
				   "[targets]\nip = 192.0.2.1\n[logwatch]\nfile = /var/log/mail.log\n"
				   "file = /var/log/exim4/mainlog\nformat = exim\nthreshold = 5 in 2h\n"
				   "quiet = 45m\ncommand = journalctl -f -o cat -u postfix@-\n"
				   "command = tail -F /var/log/other.log\n"), 0);
	cr_assert_eq(config_load(path, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c->nlogfiles, 2);
	cr_assert_eq(c->nlogcmds, 2);
	cr_assert_str_eq(c->logcmds[0].value, "journalctl -f -o cat -u postfix@-");
	cr_assert_str_eq(c->logwatch_format, "exim");
	cr_assert_eq(c->lw_threshold, 5);
	cr_assert_eq(c->lw_window_s, 7200);
	cr_assert_eq(c->lw_quiet_s, 2700);
	config_free(c);
	cr_assert_eq(harness_write(d, "c.conf",
				   "[logwatch]\nfile = mail.log\nformat = qmail\nthreshold = 3 per 10m\n"
				   "threshold = 0 in 10m\ncommand =\n"), 0);
	cr_assert_eq(config_load(path, &c, err, sizeof(err)), -1);
	cr_assert(strstr(err, ":2: [logwatch] file:"), "%s", err);
	cr_assert(strstr(err, ":3: [logwatch] format: 'qmail' is not postfix, exim or auto"), "%s", err);
	cr_assert(strstr(err, ":4: [logwatch] threshold:"), "%s", err);
	cr_assert(strstr(err, ":5: [logwatch] threshold:"), "%s", err);
	cr_assert(strstr(err, ":6: [logwatch] command: empty value"), "%s", err);
	harness_tmpdir_free(d);
}

/* ---- the real daemon following a log ---- */

static char *dir;
static harness_server_t dns, smtp;
static harness_daemon_t d;
static char mlog[1024], edir[1100];

static void setup(void)
{
	static const char *const zones[] = {"bl.test:ip4set:a", NULL};

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam source\n127.0.0.2\n198.51.100.7\n"), 0);
	cr_assert_eq(harness_rbldnsd_start_ttl(&dns, dir, zones, "1"), 0, "rbldnsd did not start");
	harness_daemon_init(&d, dir);
	snprintf(mlog, sizeof(mlog), "%s/mail.log", dir);
	snprintf(edir, sizeof(edir), "%s/mails", dir);
	mkdir(edir, 0700);
	smtp.pid = 0;
}

static void teardown(void)
{
	harness_daemon_kill(&d);
	if (smtp.pid > 0)
		harness_server_stop(&smtp);
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(logwatch, .init = setup, .fini = teardown, .timeout = 120);

static void write_conf(const char *quiet, bool mail)
{
	char email[512] = "";
	int r;

	if (mail)
		snprintf(email, sizeof(email),
			 "[email]\nsmtp = smtp://127.0.0.1:%d\nstarttls = no\nfrom = blmon@example.org\n"
			 "to = admin@example.org\n[alerts]\nbatch = 0s\n", smtp.port);
	r = harness_daemon_config(&d,
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		 "timeout = 300ms\nretries = 1\n[targets]\nip = 198.51.100.7\n"
		 "[lists]\ndefault = no\n[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		 "[http]\nlisten = 127.0.0.1:%d\n%s"
		 "[logwatch]\nfile = %s\nformat = postfix\nthreshold = 3 in 1m\nquiet = %s\n",
		 dns.port, d.db, harness_free_tcp_port(), email, mlog, quiet);
	cr_assert_eq(r, 0);
}

static void start_daemon(void)
{
	cr_assert_eq(harness_daemon_start(&d), 0, "blmon run did not start");
}

static int stop_daemon(void)
{
	return harness_daemon_stop(&d, 3000);
}

static long long q(const char *sql)
{
	return harness_daemon_value(&d, sql);
}

#define WAIT(sql, want, ms) \
	do { \
		if (!harness_daemon_wait(&d, sql, want, ms)) { \
			char m_[512]; \
			snprintf(m_, sizeof(m_), "%s did not become %lld (is %lld)", sql, \
				 (long long)(want), q(sql)); \
			harness_daemon_fail(&d, m_); \
		} \
	} while (0)

/* Waits for 2 more finished cycles. The mail log is read after each cycle's
 * end (and between cycles), so then a read that began after the call is over:
 * what was written before the call has been seen, and anything it should not
 * have made would be in the database. */
static void wait_cycles(void)
{
	if (!harness_daemon_cycles(&d, 2, 8000))
		harness_daemon_fail(&d, "no more cycles");
}

static void append_to(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void append(const char *text)
{
	append_to(mlog, text);
}

static int seq;

/* A Postfix S3150 bounce from Office 365 for user@domain. */
static void s3150(char *buf, size_t len, const char *domain)
{
	char relay[300];

	snprintf(relay, sizeof(relay), "%s.mail.protection.outlook.com", domain);
	for (char *p = relay; *p && p < relay + strlen(domain); p++)
		if (*p == '.')
			*p = '-';
	snprintf(buf, len,
		 "Jun 20 13:43:%02d mail1 postfix/smtp[2318]: 4F1A%04X: to=<user%d@%s>, relay=%s"
		 "[192.0.2.10]:25, delay=7.5, delays=2.2/0/0.28/5.1, dsn=5.7.1, status=bounced (host "
		 "%s[192.0.2.10] said: 550 5.7.1 Unfortunately, messages from [198.51.100.7] weren't "
		 "sent. Please contact your Internet service provider since part of their network is "
		 "on our block list (S3150). You can also refer your provider to "
		 "http://mail.live.com/mail/troubleshooting.aspx#errors. (in reply to MAIL FROM "
		 "command))\n",
		 seq % 60, (unsigned)seq, seq, domain, relay, relay);
	seq++;
}

static void sent(char *buf, size_t len, const char *domain)
{
	snprintf(buf, len,
		 "Jun 20 14:43:%02d mail1 postfix/smtp[2318]: 5B1A%04X: to=<user%d@%s>, "
		 "relay=x.mail.protection.outlook.com[192.0.2.10]:25, delay=1, delays=0/0/0.5/0.5, "
		 "dsn=2.6.0, status=sent (250 2.6.0 <a@b> Queued mail for delivery)\n",
		 seq % 60, (unsigned)seq, seq, domain);
	seq++;
}

/* Noise around the results: what a real mail.log is mostly made of. */
static const char noise[] =
	"Jun 20 13:43:00 mail1 postfix/smtpd[811]: connect from unknown[203.0.113.5]\n"
	"Jun 20 13:43:00 mail1 postfix/cleanup[812]: 4F1A0000: message-id=<x@example.org>\n"
	"Jun 20 13:43:00 mail1 postfix/qmgr[700]: 4F1A0000: from=<a@example.org>, size=1234, "
	"nrcpt=1 (queue active)\n"
	"Jun 20 13:43:01 mail1 postfix/smtp[2318]: 4F1A0001: to=<x@nowhere.invalid>, relay=none, "
	"delay=0.1, delays=0/0/0.1/0, dsn=5.4.4, status=bounced (Host or domain name not found. "
	"Name service error for name=nowhere.invalid type=A: Host not found)\n";

/* The number of the first mail containing needle, or 0. */
static int mail_with(const char *needle)
{
	for (int n = 1; n <= harness_smtp_mails(edir); n++) {
		char *m = harness_smtp_mail(edir, n);
		bool has = strstr(m, needle) != NULL;
		free(m);
		if (has)
			return n;
	}
	return 0;
}

static int mails_with(const char *needle)
{
	int count = 0;

	for (int n = 1; n <= harness_smtp_mails(edir); n++) {
		char *m = harness_smtp_mail(edir, n);
		count += strstr(m, needle) != NULL;
		free(m);
	}
	return count;
}

#define INC_OPEN "SELECT count(*) FROM incidents WHERE closed IS NULL"
#define REJ "SELECT count(*) FROM rejections"

Test(logwatch, s3150_burst_opens_one_incident_alerts_once_and_closes)
{
	char line[2048], *m;

	cr_assert_eq(harness_smtp_start(&smtp, edir, 0, NULL), 0, "smtpsink did not start");
	/* history before blmon starts is not news: it starts at the end */
	for (int i = 0; i < 5; i++) {
		s3150(line, sizeof(line), "old.example");
		append(line);
	}
	write_conf("2s", true);
	start_daemon();
	WAIT("SELECT count(*) FROM logwatch_files", 1, 8000);
	append(noise);
	s3150(line, sizeof(line), "contoso.example");
	append(line);
	s3150(line, sizeof(line), "fabrikam.example");
	append(line);
	WAIT(REJ, 2, 5000);
	cr_assert_eq(q("SELECT count(*) FROM incidents"), 0, "2 rejections are below the threshold");
	s3150(line, sizeof(line), "contoso.example");
	append(line);
	WAIT(INC_OPEN, 1, 5000);
	for (int i = 0; i < 4; i++) {
		s3150(line, sizeof(line), "northwind.example");
		append(line);
	}
	WAIT(REJ, 7, 5000);
	cr_assert_eq(q("SELECT count(*) FROM incidents"), 1, "a burst is one incident");
	cr_assert_eq(q("SELECT rejections FROM incidents"), 7);
	cr_assert_eq(q("SELECT count(*) FROM incidents WHERE provider = 'microsoft' AND code = "
		       "'S3150' AND kind = 'ip-blocklisted' AND sending_ip = '198.51.100.7'"), 1);
	cr_assert_eq(q("SELECT count(*) FROM incident_domains"), 3);
	cr_assert_eq(q("SELECT count(*) FROM log_domains WHERE domain = 'nowhere.invalid'"), 1);
	cr_assert_eq(q("SELECT n FROM rejection_counts WHERE provider = 'microsoft' AND kind = "
		       "'ip-blocklisted'"), 7);
	/* the sink has written a mail before blmon marks it delivered */
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM alerts WHERE delivered IS NOT NULL AND "
				     "subject LIKE '%REJECTS mail%'", 1, 10000))
		harness_daemon_fail(&d, "no incident mail");
	cr_assert(mail_with("REJECTS"), "no incident mail at the sink");
	m = harness_smtp_mail(edir, mail_with("REJECTS"));
	cr_assert(strstr(m, "Subject: [blmon] Microsoft (Outlook.com, Office 365) REJECTS mail from"),
		  "%s", m);
	cr_assert(strstr(m, "S3150"), "%s", m);
	cr_assert(strstr(m, "contoso.example") && strstr(m, "fabrikam.example"), "%s", m);
	cr_assert(strstr(m, "Test BL lists 198.51.100.7 since"), "DNSBL context missing:\n%s", m);
	cr_assert(strstr(m, "https://sender.office.com"), "%s", m);
	cr_assert(strstr(m, "postfix/smtp[2318]"), "sample line missing:\n%s", m);
	free(m);
	/* deliveries to Microsoft again: closed after the quiet period, alerted once more */
	sent(line, sizeof(line), "contoso.example");
	append(line);
	WAIT(INC_OPEN, 0, 8000);
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM alerts WHERE delivered IS NOT NULL AND "
				     "subject LIKE '%accepts mail from 198.51.100.7 again%'", 1, 10000))
		harness_daemon_fail(&d, "no closing mail");
	cr_assert(mail_with("accepts mail from 198.51.100.7 again"), "no closing mail at the sink");
	/* nothing else may come: alerts are made after each cycle's end, and
	 * whatever they made is sent at once */
	wait_cycles();
	WAIT("SELECT count(*) FROM alerts WHERE delivered IS NULL", 0, 8000);
	cr_assert_eq(mails_with("REJECTS mail"), 1, "the incident is alerted exactly once");
	cr_assert_eq(mails_with("accepts mail from 198.51.100.7 again"), 1);
	cr_assert_eq(harness_smtp_mails(edir), 3, "first-run summary, opening, closing: nothing else");
	cr_assert_eq(q("SELECT count(*) FROM alerts"), 3, "first-run summary, opening, closing");
	cr_assert_eq(q("SELECT count(*) FROM alerts WHERE delivered IS NOT NULL AND subject LIKE "
		       "'%REJECTS%'"), 1);
	cr_assert_eq(stop_daemon(), 0);
}

Test(logwatch, restart_mid_file_and_partial_lines_count_once)
{
	char line[2048];
	size_t half;

	write_conf("30m", false);
	append(noise);
	start_daemon();
	WAIT("SELECT count(*) FROM logwatch_files", 1, 8000);
	for (int i = 0; i < 2; i++) {
		s3150(line, sizeof(line), "contoso.example");
		append(line);
	}
	/* a line written in two parts: nothing counts until it is whole */
	s3150(line, sizeof(line), "fabrikam.example");
	half = strlen(line) / 2;
	{
		char first[2048];
		snprintf(first, sizeof(first), "%.*s", (int)half, line);
		append(first);
	}
	WAIT(REJ, 2, 5000);
	wait_cycles(); /* the log was read again after the partial line was written */
	cr_assert_eq(q(REJ), 2, "a partial last line is held until complete");
	cr_assert_eq(stop_daemon(), 0);
	/* written while blmon was down: the rest of the line, and more */
	append(line + half);
	for (int i = 0; i < 3; i++) {
		s3150(line, sizeof(line), "northwind.example");
		append(line);
	}
	start_daemon();
	WAIT(REJ, 6, 8000);
	wait_cycles();
	cr_assert_eq(q(REJ), 6, "nothing reread, nothing skipped");
	cr_assert_eq(q("SELECT count(*) FROM rejections WHERE domain = 'fabrikam.example'"), 1);
	cr_assert_eq(q("SELECT count(*) FROM incidents"), 1);
	cr_assert_eq(q("SELECT rejections FROM incidents"), 6, "opened at the third, then extended");
	cr_assert_eq(stop_daemon(), 0);
	start_daemon();
	wait_cycles(); /* the first cycle's end read the log from its saved offset */
	cr_assert_eq(q(REJ), 6, "a restart with nothing new adds nothing");
	cr_assert_eq(stop_daemon(), 0);
}

Test(logwatch, rename_and_copytruncate_rotation)
{
	char line[2048], rotated[1100];

	write_conf("30m", false);
	append("");
	start_daemon();
	WAIT("SELECT count(*) FROM logwatch_files", 1, 8000);
	s3150(line, sizeof(line), "a.example");
	append(line);
	WAIT(REJ, 1, 5000);
	/* logrotate's default: rename, then the MTA writes a new file */
	snprintf(rotated, sizeof(rotated), "%s.1", mlog);
	cr_assert_eq(rename(mlog, rotated), 0);
	/* lines still written to the old file: read while its path is missing */
	s3150(line, sizeof(line), "b.example");
	append_to(rotated, line);
	WAIT(REJ, 2, 8000);
	/* its last line and the new file at once: the read that finds the new
	 * file must first finish the old one */
	s3150(line, sizeof(line), "c.example");
	append_to(rotated, line);
	s3150(line, sizeof(line), "d.example");
	append(line);
	WAIT(REJ, 4, 8000);
	/* copytruncate: copied away, then truncated in place */
	cr_assert_eq(truncate(mlog, 0), 0);
	if (!harness_daemon_wait_log(&d, "was truncated (copytruncate)", 5000))
		harness_daemon_fail(&d, "the truncation was not noticed");
	s3150(line, sizeof(line), "e.example");
	append(line);
	WAIT(REJ, 5, 8000);
	wait_cycles();
	cr_assert_eq(q(REJ), 5);
	cr_assert_eq(q("SELECT count(DISTINCT domain) FROM rejections"), 5);
	cr_assert_eq(stop_daemon(), 0);
}

Test(logwatch, hostile_line_is_bounded_and_escaped)
{
	char line[2048];
	size_t big = 100000;
	char *h = malloc(big + 2048), *doc;
	cJSON *j;
	store_t *sdb;
	char err[512];

	write_conf("30m", false);
	append("");
	start_daemon();
	WAIT("SELECT count(*) FROM logwatch_files", 1, 8000);
	/* a huge line with binary bytes and markup in the reply text */
	snprintf(h, 2048,
		 "Jun 20 13:43:04 mail1 postfix/smtp[1]: 4F: to=<x@contoso.example>, "
		 "relay=contoso-example.mail.protection.outlook.com[192.0.2.10]:25, dsn=5.7.1, "
		 "status=bounced (host h[192.0.2.10] said: 550 5.7.1 <script>alert(1)</script> "
		 "\x1b[31m\x01\xff\xfe (S3150) ");
	for (size_t n = strlen(h); n < big; n++)
		h[n] = (char)(n % 7 ? 'A' + n % 26 : '\x02');
	h[big] = '\0';
	strcat(h, ")\n");
	append(h);
	for (int i = 0; i < 3; i++) {
		s3150(line, sizeof(line), "contoso.example");
		append(line);
	}
	WAIT(REJ, 4, 8000);
	cr_assert_leq(q("SELECT max(length(line)) FROM rejections"), 1024);
	cr_assert_eq(q("SELECT count(*) FROM rejections WHERE line LIKE '%<script>%'"), 1,
		     "the text is kept, as text");
	cr_assert_eq(q("SELECT count(*) FROM rejections WHERE instr(line, char(27)) OR "
		       "instr(line, char(1)) OR instr(line, char(2))"), 0, "control bytes escaped");
	cr_assert_eq(q("SELECT count(*) FROM rejections WHERE code = 'S3150'"), 4);
	sdb = store_open(d.db, STORE_RO, err, sizeof(err));
	cr_assert_not_null(sdb, "%s", err);
	j = api_incidents(sdb, &(api_ctx_t){.now = time(NULL)}, 50, err, sizeof(err));
	cr_assert_not_null(j, "%s", err);
	doc = cJSON_PrintUnformatted(j);
	cr_assert_eq(harness_schema_valid("api/incidents.schema.json", doc), 0, "%s", doc);
	free(doc);
	cJSON_Delete(j);
	{
		metrics_t *m = metrics_new(sdb);
		size_t len;
		char *mt = metrics_render(m, sdb, &(api_ctx_t){.now = time(NULL)}, &len, err,
					  sizeof(err));
		cr_assert_not_null(mt, "%s", err);
		cr_assert(strstr(mt, "blmon_provider_rejections_total{provider=\"microsoft\",kind=\""
				     "ip-blocklisted\"} 4"), "%s", mt);
		cr_assert(strstr(mt, "blmon_provider_incident{provider=\"microsoft\"} 1"), "%s", mt);
		free(mt);
		metrics_free(m);
	}
	store_close(sdb);
	free(h);
	cr_assert_eq(stop_daemon(), 0);
}

/* ---- the store's rows, with explicit times ---- */

Test(logwatch, store_rows_open_extend_and_close_an_incident)
{
	char err[512], **domains;
	size_t n;
	store_t *s = store_open(d.db, STORE_RW, err, sizeof(err));
	store_logfile_t pos = {.inode = 42, .size = 100, .offset = 80, .updated = 1000}, got;
	store_incident_open_t quiet[4];
	reject_t blk, pol;
	int64_t id, again;

	cr_assert_not_null(s, "%s", err);
	cr_assert_eq(store_logfile_get(s, "/var/log/mail.log", &got), 0);
	cr_assert_eq(store_logfile_put(s, "/var/log/mail.log", &pos), 0);
	cr_assert_eq(store_logfile_get(s, "/var/log/mail.log", &got), 1);
	cr_assert(got.inode == 42 && got.size == 100 && got.offset == 80 && got.updated == 1000);

	reject_rules_classify("contoso-com.mail.protection.outlook.com", "contoso.com",
			      "550 5.7.1 Unfortunately, messages from [198.51.100.7] weren't sent. "
			      "(S3150)", &blk);
	reject_rules_classify("contoso-com.mail.protection.outlook.com", "contoso.com",
			      "554 5.7.1 rejected by DMARC policy", &pol);
	cr_assert_eq(blk.kind, REJECT_IP_BLOCKLISTED);
	cr_assert_eq(pol.kind, REJECT_POLICY);
	{
		store_rejection_t r1 = {100, &blk, true, "a.example", "relay.example", "line 1"};
		store_rejection_t r2 = {110, &blk, false, "b.example", "relay.example", "line 2"};
		store_rejection_t r3 = {120, &pol, true, "c.example", "relay.example", "line 3"};
		cr_assert_eq(store_rejection_add(s, &r1), 0, "%s", store_error(s));
		cr_assert_eq(store_rejection_add(s, &r2), 0);
		cr_assert_eq(store_rejection_add(s, &r3), 0);
	}
	/* a policy rejection is not the provider distrusting our IP */
	cr_assert_eq(store_rejections_recent(s, "microsoft", 99), 2);
	cr_assert_eq(store_rejections_recent(s, "microsoft", 100), 1);
	cr_assert_eq(store_scalar(s, "SELECT n FROM rejection_counts WHERE kind = 'policy'"), 1);

	cr_assert_eq(store_incident_open_get(s, "microsoft", &id), 0);
	id = store_incident_open(s, &blk, "sample", 2, 99, 110);
	cr_assert_gt(id, 0, "%s", store_error(s));
	cr_assert_eq(store_incident_open_get(s, "microsoft", &again), 1);
	cr_assert_eq(again, id);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM incident_domains"), 2);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM incidents WHERE sending_ip = "
				     "'198.51.100.7' AND code = 'S3150'"), 1);

	/* quiet only with a delivery since the last rejection */
	cr_assert_eq(store_incidents_quiet(s, 150, quiet, 4), 0);
	cr_assert_eq(store_incident_delivered(s, "microsoft", 200), 0);
	cr_assert_eq(store_incidents_quiet(s, 100, quiet, 4), 0, "rejected at 110");
	cr_assert_eq(store_incidents_quiet(s, 150, quiet, 4), 1);
	cr_assert_eq(quiet[0].id, id);
	cr_assert_str_eq(quiet[0].provider, "microsoft");
	cr_assert(quiet[0].last_rejection == 110 && quiet[0].last_sent == 200);
	/* a rejection after the delivery: not quiet any more */
	cr_assert_eq(store_incident_extend(s, id, "", "c.example", 300), 0);
	cr_assert_eq(store_incidents_quiet(s, 1000, quiet, 4), 0);
	cr_assert_eq(store_scalar(s, "SELECT rejections FROM incidents"), 3);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM incident_domains"), 3);
	cr_assert_eq(store_incident_delivered(s, "microsoft", 400), 0);
	cr_assert_eq(store_incidents_quiet(s, 400, quiet, 4), 1);
	cr_assert_eq(store_incident_close(s, id, 500), 0);
	cr_assert_eq(store_incident_open_get(s, "microsoft", &again), 0);

	cr_assert_eq(store_rejections_prune(s, 111), 0);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM rejections"), 1);
	cr_assert_eq(store_scalar(s, "SELECT n FROM rejection_counts WHERE kind = "
				     "'ip-blocklisted'"), 2, "pruning keeps the totals");

	{
		store_log_domain_t b = {"b.example", "microsoft", "relay.example", false, true};
		store_log_domain_t a = {"a.example", "microsoft", "relay.example", true, false};
		store_log_domain_t a2 = {"a.example", "google", "", true, false};
		cr_assert_eq(store_log_domain_seen(s, &b, 100), 0);
		cr_assert_eq(store_log_domain_seen(s, &a, 100), 0);
		cr_assert_eq(store_log_domain_seen(s, &a2, 200), 0);
	}
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM log_domains WHERE domain = 'a.example' "
				     "AND provider = 'microsoft' AND sent = 2 AND last_seen = 200"), 1,
		     "no relay: the provider known stays");
	cr_assert_eq(store_log_domains(s, 1, &domains, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(domains[0], "a.example");
	store_log_domains_free(domains, n);
	store_close(s);
}

/* ---- blmon reroute ---- */

Test(logwatch, reroute_prints_transport_map_of_the_providers_domains)
{
	static const char *const zones[] = {"fixture.test:generic:mx", NULL};
	harness_server_t mx;
	harness_run_t r;
	char err[512];
	store_t *s;
	const char *args[] = {"reroute", "--provider", "microsoft", "--via",
			      "[relay.example.net]:587", "-c", d.conf, NULL};

	cr_assert_eq(harness_write(dir, "mx",
				   "contoso MX 10 contoso-fixture-test.mail.protection.outlook.com\n"
				   "fabrikam MX 10 fabrikam-fixture-test.mail.protection.outlook.com\n"
				   "fabrikam MX 20 backup.fabrikam.example\n"
				   "gmailer MX 5 aspmx.l.google.com\n"
				   "self MX 10 mail.self.fixture.test\n"
				   "mail.self A 192.0.2.55\n"), 0);
	cr_assert_eq(harness_rbldnsd_start(&mx, dir, zones), 0, "rbldnsd did not start");
	cr_assert_eq(harness_daemon_config(&d,
		 "[monitor]\nresolver = 127.0.0.1:%d\ndatabase = %s\ntimeout = 500ms\n"
		 "[targets]\nip = 198.51.100.7\n",
		 mx.port, d.db), 0);
	s = store_open(d.db, STORE_RW, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	store_close(s);
	{
		sqlite3 *w;
		cr_assert(sqlite3_open(d.db, &w) == SQLITE_OK);
		cr_assert(sqlite3_exec(w,
				       "INSERT INTO log_domains (domain, provider, relay, first_seen, "
				       "last_seen) VALUES ('contoso.fixture.test', 'microsoft', '', 1, 1), "
				       "('fabrikam.fixture.test', 'microsoft', '', 1, 1), "
				       "('gmailer.fixture.test', 'google', '', 1, 1), "
				       "('self.fixture.test', 'fixture.test', '', 1, 1), "
				       "('gone.fixture.test', 'microsoft', '', 1, 1), "
				       "('bad domain;rm', 'microsoft', '', 1, 1)",
				       NULL, NULL, NULL) == SQLITE_OK);
		sqlite3_close(w);
	}
	cr_assert_eq(harness_run(&r, 30, args), 0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\ncontoso.fixture.test\tsmtp:[relay.example.net]:587\n"), "%s", r.out);
	cr_assert(strstr(r.out, "\nfabrikam.fixture.test\tsmtp:[relay.example.net]:587\n"), "%s",
		  r.out);
	cr_assert_null(strstr(r.out, "gmailer"), "%s", r.out);
	cr_assert_null(strstr(r.out, "self.fixture"), "%s", r.out);
	cr_assert_null(strstr(r.out, "gone.fixture"), "%s", r.out);
	cr_assert_null(strstr(r.out, "bad domain"), "%s", r.out);
	cr_assert(strstr(r.out, "# 2 of 5 domains"), "%s", r.out);
	harness_run_free(&r);
	{
		const char *bad[] = {"reroute", "--provider", "hotmail", "--via", "[x]:587", "-c", d.conf,
				     NULL};
		cr_assert_eq(harness_run(&r, 10, bad), 0);
		cr_assert_eq(r.status, 2);
		harness_run_free(&r);
	}
	harness_server_stop(&mx);
}

/* ---- a command source ([logwatch] command = ...) ---- */

static char pidfile[1100], linesfile[1100];

/* A config following only the shell command cmd (no file). */
static void write_conf_cmd(const char *cmd)
{
	int r = harness_daemon_config(&d,
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		 "timeout = 300ms\nretries = 1\n[targets]\nip = 198.51.100.7\n"
		 "[lists]\ndefault = no\n[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		 "[http]\nlisten = 127.0.0.1:%d\n"
		 "[logwatch]\ncommand = %s\nformat = postfix\nthreshold = 3 in 1m\nquiet = 1h\n",
		 dns.port, d.db, harness_free_tcp_port(), cmd);

	cr_assert_eq(r, 0);
}

/* Writes n S3150 bounces (with noise) to linesfile, for the command to print. */
static void write_lines(int n)
{
	char line[2048];
	FILE *f;

	snprintf(pidfile, sizeof(pidfile), "%s/cmd.pids", dir);
	snprintf(linesfile, sizeof(linesfile), "%s/lines.txt", dir);
	f = fopen(linesfile, "w");
	cr_assert_not_null(f);
	fputs(noise, f);
	for (int i = 0; i < n; i++) {
		s3150(line, sizeof(line), i % 2 ? "fabrikam.example" : "contoso.example");
		fputs(line, f);
	}
	fclose(f);
}

/* The pids the command wrote to pidfile, one a line; returns how many. */
static int read_pids(pid_t *pids, int max)
{
	FILE *f = fopen(pidfile, "r");
	int n = 0;
	long v;

	if (!f)
		return 0;
	while (n < max && fscanf(f, "%ld", &v) == 1)
		pids[n++] = (pid_t)v;
	fclose(f);
	return n;
}

Test(logwatch, command_source_opens_incident_like_a_file_and_dies_with_blmon)
{
	char cmd[3000], *log;
	pid_t pids[4];

	write_lines(3);
	/* prints three bounces, then stays (a stream, like journalctl -f) */
	snprintf(cmd, sizeof(cmd), "echo $$ >>%s && cat %s && exec sleep 300", pidfile, linesfile);
	write_conf_cmd(cmd);
	start_daemon();
	WAIT(REJ, 3, 8000);
	WAIT(INC_OPEN, 1, 5000);
	cr_assert_eq(q("SELECT count(*) FROM incidents WHERE provider = 'microsoft' AND code = "
		       "'S3150' AND kind = 'ip-blocklisted' AND sending_ip = '198.51.100.7'"), 1);
	cr_assert_eq(q("SELECT count(*) FROM incident_domains"), 2);
	cr_assert_eq(q("SELECT count(*) FROM log_domains WHERE domain = 'nowhere.invalid'"), 1);
	cr_assert_eq(q("SELECT count(*) FROM logwatch_files"), 0, "a stream keeps no offset");
	cr_assert_eq(read_pids(pids, 4), 1);
	cr_assert_eq(kill(pids[0], 0), 0, "the command runs");

	/* a reload that keeps the command keeps the child (no restart, no rereading) */
	kill(d.pid, SIGHUP);
	if (!harness_daemon_wait_log(&d, "reloaded ", 5000))
		harness_daemon_fail(&d, "the reload was not logged");
	/* a command not kept would be started by the first read after the reload */
	wait_cycles();
	log = harness_read(d.log);
	cr_assert_eq(harness_count(log, "started command"), 1, "the command was restarted:\n%s", log);
	cr_assert_eq(harness_count(log, "stopped command"), 0, "the command was stopped:\n%s", log);
	free(log);
	cr_assert_eq(read_pids(pids, 4), 1, "the command was restarted by the reload");
	cr_assert_eq(kill(pids[0], 0), 0);
	cr_assert_eq(q(REJ), 3);

	cr_assert_eq(stop_daemon(), 0);
	cr_assert_eq(kill(pids[0], 0), -1, "the command outlived blmon");
	cr_assert_eq(errno, ESRCH);
}

Test(logwatch, command_that_exits_is_restarted_with_backoff)
{
	char cmd[3000];
	pid_t pids[16];
	int n;

	write_lines(1);
	snprintf(cmd, sizeof(cmd), "echo $$ >>%s && cat %s", pidfile, linesfile);
	write_conf_cmd(cmd);
	start_daemon();
	WAIT(REJ, 1, 8000);
	if (!harness_daemon_wait(&d, "SELECT count(*) >= 2 FROM rejections", 1, 8000))
		harness_daemon_fail(&d, "the command's output did not appear a second time");
	cr_assert(harness_daemon_running(&d), "blmon stopped");
	/* logged when it was reaped, before the restart that gave the second output */
	if (!harness_daemon_wait_log(&d, "exited with status 0 after", 0) ||
	    !harness_daemon_wait_log(&d, "restarting it in 1s", 0))
		harness_daemon_fail(&d, "the exit was not logged");
	n = read_pids(pids, 16);
	cr_assert_geq(n, 2);
	cr_assert_eq(stop_daemon(), 0);
	for (int i = 0; i < n; i++)
		cr_assert_eq(kill(pids[i], 0), -1, "pid %d is still there", (int)pids[i]);
}

Test(logwatch, command_removed_on_reload_is_killed)
{
	char cmd[3000];
	pid_t pids[4];

	write_lines(1);
	snprintf(cmd, sizeof(cmd), "echo $$ >>%s && cat %s && exec sleep 300", pidfile, linesfile);
	write_conf_cmd(cmd);
	start_daemon();
	WAIT(REJ, 1, 8000);
	cr_assert_eq(read_pids(pids, 4), 1);
	write_conf("1h", false); /* the file only */
	kill(d.pid, SIGHUP);
	/* logged once the command is killed and reaped */
	if (!harness_daemon_wait_log(&d, "stopped command", 5000))
		harness_daemon_fail(&d, "the removed command was not stopped");
	cr_assert_eq(kill(pids[0], 0), -1, "the removed command still runs");
	cr_assert(harness_daemon_running(&d), "blmon stopped");
	cr_assert_eq(stop_daemon(), 0);
}

Test(parse, journalctl_cat_lines_without_the_syslog_prefix)
{
	logline_t e;

	/* what `journalctl -o cat -u postfix@-` prints: no date, host or program tag */
	cr_assert_eq(logline_parse("postfix",
				    "4F1A2B3C: to=<user@example.net>, "
				    "relay=example-net.mail.protection.outlook.com[192.0.2.10]:25, delay=7.5, "
				    "delays=2.2/0/0.28/5.1, dsn=5.7.1, status=bounced (host "
				    "example-net.mail.protection.outlook.com[192.0.2.10] said: 550 5.7.1 "
				    "Service unavailable; Client host [198.51.100.7] blocked using Blocklist 1 "
				    "(in reply to RCPT TO command))", &e), 1);
	cr_assert_eq(e.status, LOGLINE_BOUNCED);
	cr_assert_str_eq(e.domain, "example.net");
	cr_assert_str_eq(e.relay, "example-net.mail.protection.outlook.com");
	cr_assert(strstr(e.reply, "Blocklist 1"), "%s", e.reply);
	cr_assert_eq(logline_parse("auto", "4F1A2B3C: to=<a@b.example>, relay=mx.b.example[192.0.2.1]:25, "
				    "dsn=2.0.0, status=sent (250 ok)", &e), 1);
	cr_assert_eq(e.status, LOGLINE_SENT);
	/* other Postfix lines of the same queue id are not deliveries */
	cr_assert_eq(logline_parse("postfix", "4F1A2B3C: removed", &e), 0);
	cr_assert_eq(logline_parse("postfix", "4F1A2B3C: from=<a@b.example>, size=1, nrcpt=1", &e), 0);
}
