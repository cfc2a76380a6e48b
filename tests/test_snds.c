/* test_snds.c -- Microsoft SNDS documents: the strict CSV reader, ranges and lines, results for a target.
 * Pure: no server, no process (the daemon and `blmon check --snds` are test_snds_daemon.c's). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "checks/snds.h"
#include "monitor/config.h"

#define BLOCKED "Blocked due to user complaints or other evidence of spamming"

/* ipStatus.aspx as SNDS writes it: one blocked range a line, CRLF. */
static const char ipstatus[] =
	"192.0.2.60,192.0.2.60,Yes," BLOCKED "\r\n"
	"198.51.100.8,198.51.100.15,Yes,\"Blocked, a range: \"\"8 to 15\"\"\"\r\n";

/* data.aspx: 14 fields a line, a quoted HELO with a comma, an extra column at the end. */
static const char data[] =
	"192.0.2.60,9/29/2020 8:00 AM,9/29/2020 9:00 PM,14129,14129,13025,RED,2.5%,"
	"9/29/2020 8:07 AM,9/29/2020 12:03 PM,41,mail.example.net,bounce@example.net,JMR block\r\n"
	"192.0.2.61,9/29/2020 8:00 AM,9/29/2020 9:00 PM,500,480,470,YELLOW,0.3%,,,0,"
	"\"mx, the second\",,\r\n"
	"192.0.2.62,9/29/2020 8:00 AM,9/29/2020 9:00 PM,10,8,8,GREEN,< 0.1%,,,,,,,extra\r\n";

static snds_t *s;
static char err[256];

static void setup(void)
{
	s = snds_new(1);
}

static void teardown(void)
{
	snds_free(s);
	s = NULL;
}

TestSuite(snds, .init = setup, .fini = teardown, .timeout = 30);

static int parse(snds_doc_t doc, const char *body)
{
	err[0] = '\0';
	return snds_parse(s, 0, doc, body, strlen(body), err, sizeof(err));
}

static target_t ip(const char *a)
{
	target_t t;
	cr_assert_eq(target_parse_ip(a, &t), 0, "%s", a);
	return t;
}

/* The result of the document for address a: "listed 127.0.0.2: TXT", "clean: why", "unknown: why". */
static const char *result(snds_doc_t doc, const char *a)
{
	static char out[1200];
	char buf[1024];
	dnsbl_result_t r;
	target_t t = ip(a);

	snds_result(s, doc, &t, 7, &r, buf, sizeof(buf));
	cr_assert_eq(r.list, 7);
	if (r.v.status == STATUS_LISTED)
		snprintf(out, sizeof(out), "listed 127.0.0.%u: %s", r.v.codes[0] & 0xff,
			 r.ntxt ? r.txt : "");
	else
		snprintf(out, sizeof(out), "%s: %s", status_name((status_t)r.v.status),
			 r.why ? r.why : "");
	return out;
}

static void load_both(void)
{
	cr_assert_eq(parse(SNDS_IPSTATUS, ipstatus), 0, "%s", err);
	cr_assert_eq(parse(SNDS_DATA, data), 0, "%s", err);
	snds_set_current(s, 0, SNDS_IPSTATUS, NULL);
	snds_set_current(s, 0, SNDS_DATA, NULL);
}

Test(snds, urls_keys_and_accounts)
{
	char url[256], a[SNDS_ACCOUNT_MAX], b[SNDS_ACCOUNT_MAX];

	cr_assert_eq(snds_url(SNDS_URL_DEFAULT, SNDS_IPSTATUS, "0a1b2c3d-aaaa-bbbb", url,
			      sizeof(url)), 0);
	cr_assert_str_eq(url, "https://sendersupport.olc.protection.outlook.com/snds/"
			      "ipStatus.aspx?key=0a1b2c3d-aaaa-bbbb");
	cr_assert_eq(snds_url("http://127.0.0.1:8/snds", SNDS_DATA, "k1234567", url, sizeof(url)), 0);
	cr_assert_str_eq(url, "http://127.0.0.1:8/snds/data.aspx?key=k1234567");
	cr_assert_eq(snds_url(SNDS_URL_DEFAULT, SNDS_DATA, "k1234567", url, 20), -1);
	cr_assert(snds_key_valid("6f1c9b2e-1111-4a2b-9c3d-0123456789ab"));
	cr_assert(!snds_key_valid("short"));
	cr_assert(!snds_key_valid("has&amp=1234567"), "nothing but a key goes into a URL");
	cr_assert(!snds_key_valid(NULL));
	snds_account_id("6f1c9b2e-1111-4a2b-9c3d-0123456789ab", a);
	snds_account_id("6f1c9b2e-1111-4a2b-9c3d-0123456789ac", b);
	cr_assert_eq(strlen(a), 21);
	cr_assert_str_neq(a, b);
	cr_assert_null(strstr(a, "6f1c9b2e"), "the id does not hold the key");
}

Test(snds, ranges_and_lines)
{
	snds_row_t r;
	target_t t;

	load_both();
	cr_assert_str_eq(result(SNDS_IPSTATUS, "192.0.2.60"), "listed 127.0.0.2: " BLOCKED);
	/* a multi-address range, its first, last and a middle address, and its neighbours */
	cr_assert_str_eq(result(SNDS_IPSTATUS, "198.51.100.8"),
			 "listed 127.0.0.2: Blocked, a range: \"8 to 15\"");
	cr_assert_str_eq(result(SNDS_IPSTATUS, "198.51.100.11"),
			 "listed 127.0.0.2: Blocked, a range: \"8 to 15\"");
	cr_assert_str_eq(result(SNDS_IPSTATUS, "198.51.100.15"),
			 "listed 127.0.0.2: Blocked, a range: \"8 to 15\"");
	cr_assert(!strncmp(result(SNDS_IPSTATUS, "198.51.100.7"), "clean: not in SNDS's blocked", 28));
	cr_assert(!strncmp(result(SNDS_IPSTATUS, "198.51.100.16"), "clean: ", 7));
	cr_assert_str_eq(result(SNDS_IPSTATUS, "192.0.2.61"),
			 "clean: Outlook.com does not block it (SNDS IP status)");

	cr_assert_str_eq(result(SNDS_DATA, "192.0.2.60"), "listed 127.0.0.2: JMR block");
	cr_assert_str_eq(result(SNDS_DATA, "192.0.2.61"), "listed 127.0.0.3: ");
	cr_assert(strstr(result(SNDS_DATA, "192.0.2.62"), "clean: GREEN: less than 10%"));
	cr_assert(strstr(result(SNDS_DATA, "192.0.2.99"), "clean: no SNDS data for it: SNDS covers "
							  "only the addresses registered to its key"));

	cr_assert_eq(snds_rows(s, 0), 3);
	t = ip("192.0.2.61");
	cr_assert(snds_find(s, &t, &r));
	cr_assert_str_eq(r.ip, "192.0.2.61");
	cr_assert_str_eq(r.helo, "mx, the second");
	cr_assert_eq(r.rcpt, 500);
	cr_assert_eq(r.data, 480);
	cr_assert_eq(r.recipients, 470);
	cr_assert_eq(r.filter, SNDS_YELLOW);
	cr_assert_str_eq(r.complaint, "0.3%");
	cr_assert_float_eq(r.complaint_rate, 0.003, 1e-9);
	cr_assert_eq(r.trap_hits, 0);
	cr_assert_str_eq(r.trap_start, "");
	t = ip("192.0.2.60");
	cr_assert(snds_find(s, &t, &r));
	cr_assert_eq(r.trap_hits, 41);
	cr_assert_str_eq(r.activity_end, "9/29/2020 9:00 PM");
	cr_assert_str_eq(r.mail_from, "bounce@example.net");
	cr_assert_float_eq(r.complaint_rate, 0.025, 1e-9);
	t = ip("192.0.2.62");
	cr_assert(snds_find(s, &t, &r));
	cr_assert_str_eq(r.complaint, "< 0.1%");
	cr_assert_float_eq(r.complaint_rate, 0, 1e-12);
	cr_assert_str_eq(r.comments, "", "an extra column is ignored, not taken for comments");
}

Test(snds, empty_documents_say_nothing_is_blocked)
{
	cr_assert_eq(parse(SNDS_IPSTATUS, ""), 0, "%s", err);
	cr_assert_eq(parse(SNDS_DATA, "\r\n"), 0, "%s", err);
	snds_set_current(s, 0, SNDS_IPSTATUS, NULL);
	snds_set_current(s, 0, SNDS_DATA, NULL);
	cr_assert(!strncmp(result(SNDS_IPSTATUS, "192.0.2.60"), "clean: ", 7));
	cr_assert(!strncmp(result(SNDS_DATA, "192.0.2.60"), "clean: ", 7));
}

Test(snds, refused_documents_keep_the_last_good_copy)
{
	static const struct {
		snds_doc_t doc;
		const char *body, *msg;
	} bad[] = {
		{SNDS_IPSTATUS, "<!DOCTYPE html><html><body>Sign in</body></html>",
		 "not SNDS CSV: an HTML page (an error or sign-in page?)"},
		{SNDS_DATA, "\r\n  <html>Service Unavailable</html>\r\n",
		 "not SNDS CSV: an HTML page (an error or sign-in page?)"},
		{SNDS_IPSTATUS, "192.0.2.1,192.0.2.1,Yes," BLOCKED "\r\n192.0.2.2,192.0",
		 "line 2: truncated: the last line has no line end"},
		{SNDS_IPSTATUS, "192.0.2.1,192.0.2.1,Yes,\"cut off\r\n",
		 "line 1: truncated: a quoted field is not closed"},
		{SNDS_IPSTATUS, "192.0.2.1,192.0.2.1,Yes\r\n", "line 1: 3 fields, 4 expected (first IP, "
		 "last IP, blocked, details)"},
		{SNDS_IPSTATUS, "192.0.2.9,192.0.2.1,Yes,x\r\n", "line 1: last IP is below the first"},
		{SNDS_IPSTATUS, "192.0.2.1,2001:db8::1,Yes,x\r\n",
		 "line 1: last IP is not an address of the first one's family"},
		{SNDS_IPSTATUS, "192.0.2.1,192.0.2.1,Maybe,x\r\n", "line 1: blocked is neither Yes nor No"},
		{SNDS_IPSTATUS, "host,192.0.2.1,Yes,x\r\n", "line 1: first IP is not an address"},
		{SNDS_IPSTATUS, "192.0.2.1,192.0.2.1,Yes,x\r\n\r\n192.0.2.2,192.0.2.2,Yes,y\r\n",
		 "line 2: empty line"},
		{SNDS_IPSTATUS, "192.0.2.1,192.0.2.1,Yes,\"x\"y\r\n",
		 "line 1: a quoted field goes on after its closing quote"},
		{SNDS_DATA, "192.0.2.60,9/29/2020 8:00 AM,9/29/2020 9:00 PM,1,1,1,RED,2%,,,0,h,s\r\n",
		 "line 1: 13 fields, 14 expected (IP, activity start and end, RCPT, DATA, recipients, "
		 "filter result, complaint rate, trap start and end, trap hits, sample HELO, JMR P1 "
		 "sender, comments)"},
		{SNDS_DATA, "192.0.2.60,9/29/2020 8:00 AM,9/29/2020 9:00 PM,1,1,1,BLUE,2%,,,0,,,\r\n",
		 "line 1: bad filter result"},
		{SNDS_DATA, "192.0.2.60,9/29/2020 8:00 AM,9/29/2020 9:00 PM,1,x,1,RED,2%,,,0,,,\r\n",
		 "line 1: bad DATA commands"},
		{SNDS_DATA, "192.0.2.60,9/29/2020 8:00 AM,9/29/2020 9:00 PM,1,1,1,RED,lots,,,0,,,\r\n",
		 "line 1: bad complaint rate"},
		{SNDS_DATA, "192.0.2.60,9/29/2020 8:00 AM,9/29/2020 9:00 PM,1,1,1,RED,2%,,,-3,,,\r\n",
		 "line 1: bad trap hits"},
		{SNDS_DATA, "192.0.2.60,,9/29/2020 9:00 PM,1,1,1,RED,2%,,,0,,,\r\n",
		 "line 1: bad activity start"},
		{SNDS_DATA, "192.0.2.60,9/29/2020 8:00 AM,9/29/2020 9:00 PM,1,1,1,RED,2%,,,0,,,\r\n"
			    "192.0.2.6",
		 "line 2: truncated: the last line has no line end"},
	};

	load_both();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse(bad[i].doc, bad[i].body), -1, "accepted: %s", bad[i].body);
		cr_assert_str_eq(err, bad[i].msg, "for %s", bad[i].body);
	}
	/* nothing of the refused documents replaced what was loaded */
	cr_assert_str_eq(result(SNDS_IPSTATUS, "192.0.2.60"), "listed 127.0.0.2: " BLOCKED);
	cr_assert_str_eq(result(SNDS_DATA, "192.0.2.60"), "listed 127.0.0.2: JMR block");
	cr_assert_eq(snds_rows(s, 0), 3);
}

Test(snds, binary_and_oversized)
{
	static const char nul[] = "192.0.2.1,192.0.2.1,Yes,a\0b\r\n";
	char line[SNDS_LINE_MAX + 64];

	cr_assert_eq(snds_parse(s, 0, SNDS_IPSTATUS, nul, sizeof(nul) - 1, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "line 1: binary data (NUL byte)");
	memset(line, 'a', sizeof(line));
	memcpy(line, "192.0.2.1,192.0.2.1,Yes,", 24);
	memcpy(line + sizeof(line) - 2, "\r\n", 2);
	cr_assert_eq(snds_parse(s, 0, SNDS_IPSTATUS, line, sizeof(line), err, sizeof(err)), -1);
	cr_assert_str_eq(err, "line 1: longer than 8192 bytes");
	cr_assert_eq(snds_parse(s, 0, SNDS_IPSTATUS, "", (size_t)SNDS_BODY_MAX + 1, err, sizeof(err)),
		     -1);
	cr_assert_str_eq(err, "body of 16777217 bytes exceeds the 16 MiB limit");
	cr_assert(!snds_loaded(s, 0, SNDS_IPSTATUS));
}

Test(snds, a_failed_fetch_is_never_clean)
{
	const char *why = NULL;

	/* never fetched: nothing is known, whatever the address */
	cr_assert(!strncmp(result(SNDS_IPSTATUS, "192.0.2.60"), "unknown: SNDS ipStatus.aspx: ", 29));
	snds_set_current(s, 0, SNDS_IPSTATUS, NULL); /* not loaded: cannot be current */
	cr_assert(!snds_current(s, SNDS_IPSTATUS, &why));
	cr_assert_str_eq(why, "no document yet");

	load_both();
	snds_set_current(s, 0, SNDS_IPSTATUS, "HTTP 500 from server");
	snds_set_current(s, 0, SNDS_DATA, "timed out after 2 s");
	cr_assert_str_eq(result(SNDS_IPSTATUS, "192.0.2.60"),
			 "unknown: SNDS ipStatus.aspx: HTTP 500 from server");
	cr_assert_str_eq(result(SNDS_IPSTATUS, "192.0.2.99"),
			 "unknown: SNDS ipStatus.aspx: HTTP 500 from server");
	cr_assert_str_eq(result(SNDS_DATA, "192.0.2.62"),
			 "unknown: SNDS data.aspx: timed out after 2 s");
	/* current again: the last good copy answers */
	snds_set_current(s, 0, SNDS_IPSTATUS, NULL);
	cr_assert_str_eq(result(SNDS_IPSTATUS, "192.0.2.60"), "listed 127.0.0.2: " BLOCKED);
}

Test(snds, several_keys)
{
	snds_t *two = snds_new(2);
	char buf[1024];
	dnsbl_result_t r;
	target_t a = ip("192.0.2.60"), b = ip("203.0.113.5");

	cr_assert_eq(snds_parse(two, 0, SNDS_IPSTATUS, ipstatus, strlen(ipstatus), err, sizeof(err)),
		     0);
	cr_assert_eq(snds_parse(two, 1, SNDS_IPSTATUS, "", 0, err, sizeof(err)), 0);
	snds_set_current(two, 0, SNDS_IPSTATUS, NULL);
	snds_set_current(two, 1, SNDS_IPSTATUS, "HTTP 403 from server");
	/* a listing the first key's current document states stands */
	snds_result(two, SNDS_IPSTATUS, &a, 0, &r, buf, sizeof(buf));
	cr_assert_eq(r.v.status, STATUS_LISTED);
	/* but no key may call an address clean while another key's document is unknown */
	snds_result(two, SNDS_IPSTATUS, &b, 0, &r, buf, sizeof(buf));
	cr_assert_eq(r.v.status, STATUS_UNKNOWN);
	cr_assert_str_eq(r.why, "SNDS ipStatus.aspx: HTTP 403 from server");
	snds_set_current(two, 1, SNDS_IPSTATUS, NULL);
	snds_result(two, SNDS_IPSTATUS, &b, 0, &r, buf, sizeof(buf));
	cr_assert_eq(r.v.status, STATUS_CLEAN);
	snds_free(two);
}

/* ---- [snds] in the config ---- */

#define KEY "6f1c9b2e-1111-4a2b-9c3d-0123456789ab"

static config_t *load(const char *text)
{
	config_t *c = NULL;

	err[0] = '\0';
	config_load_string("t.conf", text, strlen(text), &c, err, sizeof(err));
	return c;
}

Test(snds, a_key_enables_both_lists)
{
	config_t *c = load("[targets]\nip = 192.0.2.60\n");
	catalog_list_t *b, *f;

	cr_assert_not_null(c, "%s", err);
	b = catalog_find(c->catalog, SNDS_LIST_BLOCK);
	cr_assert_not_null(b);
	cr_assert_eq(b->source, SOURCE_SNDS);
	cr_assert(!b->enabled || !b->zone, "no key: SNDS is off");
	config_free(c);

	c = load("[lists]\ndefault = no\n[snds]\nkey = " KEY "\nrefresh = 2h\n");
	cr_assert_not_null(c, "%s", err);
	b = catalog_find(c->catalog, SNDS_LIST_BLOCK);
	f = catalog_find(c->catalog, SNDS_LIST_FILTER);
	cr_assert(b->enabled && b->zone && f->enabled && f->zone, "a key enables both lists");
	cr_assert_eq(config_list_interval(c, b), 7200, "checked as often as SNDS is fetched");
	cr_assert_eq(snds_list_doc(b), SNDS_IPSTATUS);
	cr_assert_eq(snds_list_doc(f), SNDS_DATA);
	cr_assert_str_eq(c->snds_url, SNDS_URL_DEFAULT);
	cr_assert_eq(c->nsnds_keys, 1);
	config_free(c);

	c = load("[snds]\nkey = " KEY "\n[lists]\ndisable = microsoft-snds-filter\n");
	cr_assert_not_null(c, "%s", err);
	cr_assert(!catalog_find(c->catalog, SNDS_LIST_FILTER)->enabled);
	cr_assert(catalog_find(c->catalog, SNDS_LIST_BLOCK)->enabled);
	config_free(c);
}

Test(snds, config_errors_never_quote_a_key)
{
	char text[512];

	cr_assert_null(load("[snds]\nkey = 6f1c9b2e&secret=1\n"));
	cr_assert_str_eq(err, "t.conf:2: [snds] key: not an SNDS key (8 to 128 letters, digits and "
			      "dashes, as SNDS's automated access page shows it)");
	cr_assert_null(load("[snds]\nkey = " KEY "\nkey = " KEY "\n"));
	cr_assert_str_eq(err, "t.conf:3: [snds] key: the same key as line 2");
	cr_assert_null(strstr(err, "6f1c9b2e"));
	cr_assert_null(load("[snds]\nrefresh = 5m\n"));
	cr_assert_str_eq(err, "t.conf:2: [snds] refresh: 5m is out of range (900s to 2592000s)");
	cr_assert_null(load("[lists]\nenable = microsoft-snds\n"));
	cr_assert_str_eq(err, "t.conf:2: [lists] enable: microsoft-snds needs an SNDS key: set key "
			      "= in [snds]");
	cr_assert_null(load("[list microsoft-snds]\nkey = " KEY "\n"));
	cr_assert_str_eq(err, "t.conf:2: [list microsoft-snds] key: SNDS keys go in [snds] key =");
	cr_assert_null(strstr(err, "6f1c9b2e"));
	snprintf(text, sizeof(text), "[snds]\nkey = %s\nurl = ftp://user:pw@host/snds/?key=%s\n", KEY,
		 KEY);
	cr_assert_null(load(text));
	cr_assert_null(strstr(err, "6f1c9b2e"), "%s", err);
	cr_assert_null(strstr(err, "pw@"), "%s", err);
}

Test(snds, redact_masks_keys_and_the_url)
{
	config_t *c = load("[snds]\nkey = " KEY "\nkey = 0000aaaa-bbbb\n"
			   "url = https://u:secretpass@snds.example/snds/\n");
	char text[600];

	cr_assert_not_null(c, "%s", err);
	snprintf(text, sizeof(text), "GET https://u:secretpass@snds.example/snds/data.aspx?key=%s "
		 "failed: bad key " KEY " and 0000aaaa-bbbb", KEY);
	config_redact(c, text, sizeof(text));
	cr_assert_null(strstr(text, "6f1c9b2e"), "%s", text);
	cr_assert_null(strstr(text, "0000aaaa"), "%s", text);
	cr_assert_null(strstr(text, "secretpass"), "%s", text);
	config_free(c);
}
