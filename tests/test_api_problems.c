/* test_api_problems.c -- the daemon speaks in problems: summary, problems, targets pages, status pages.
 * The 20-address scenario of issue 14 against rbldnsd: an SBL+XBL listing, a /24 on a network list. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "tests/harness.h"

static char *dir;
static harness_server_t dns;
static harness_daemon_t d;
static int port;

/* zen.test: 203.0.113.9 with two codes (SBL and XBL: two datasets of the zone) */
static const char zone_zen_a[] = ":127.0.0.2:SBL listing $\n127.0.0.2\n203.0.113.9\n";
static const char zone_zen_b[] = "203.0.113.9 :127.0.0.4:XBL listing\n";
/* l2.test lists the allocation of 203.0.113.0/28 and says which network it escalated */
static const char zone_l2[] = ":127.0.0.2:Net 203.0.113.0/24 is listed because abusers are in it\n"
			      "127.0.0.2\n203.0.113.0/28\n";
/* l3.test lists two addresses of AS64500 and names it */
static const char zone_l3[] = ":127.0.0.2:Your ISP AS64500 is listed\n127.0.0.2\n"
			      "198.51.100.1\n198.51.100.2\n";

static void setup(void)
{
	static const char *const zones[] = {"zen.test:ip4set:zen_a", "zen.test:ip4set:zen_b",
					    "l2.test:ip4set:l2", "l3.test:ip4set:l3", NULL};

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write_zone(dir, "zen_a", zone_zen_a), 0);
	cr_assert_eq(harness_write_zone(dir, "zen_b", zone_zen_b), 0);
	cr_assert_eq(harness_write_zone(dir, "l2", zone_l2), 0);
	cr_assert_eq(harness_write_zone(dir, "l3", zone_l3), 0);
	cr_assert_eq(harness_rbldnsd_start_ttl(&dns, dir, zones, "1"), 0, "rbldnsd did not start");
	harness_daemon_init(&d, dir);
}

static void teardown(void)
{
	harness_daemon_kill(&d);
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(api_problems, .init = setup, .fini = teardown, .timeout = 60);

/* 20 targets: 203.0.113.0/28 (16), 198.51.100.1-2 (AS64500), 192.0.2.1-2 (clean). */
static void start(const char *extra)
{
	port = harness_free_tcp_port();
	cr_assert_eq(harness_daemon_config(&d,
		"[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		"timeout = 300ms\nretries = 1\n"
		"[targets]\nip = 192.0.2.2\nnetwork = 203.0.113.0/28\nip = 198.51.100.2\n"
		"ip = 192.0.2.1\nip = 198.51.100.1\n"
		"[lists]\ndefault = no\n"
		"[list zen.test]\nname = Test ZEN\nseverity = high\ncode = 127.0.0.2 SBL: spam source\n"
		"code = 127.0.0.4 XBL: exploited host\nremoval = https://zen.test/q?ip={target}\n"
		"[list l2.test]\nname = Test L2\nscope = network\nseverity = low\n"
		"code = 127.0.0.2 Network listed\n"
		"[list l3.test]\nname = Test L3\nscope = asn\nseverity = low\n"
		"code = 127.0.0.2 ASN listed\n"
		"[http]\nlisten = 127.0.0.1:%d\n%s",
		dns.port, d.db, port, extra ? extra : ""), 0);
	cr_assert_eq(harness_daemon_start(&d), 0);
	/* a cycle's digest is written before the cycle is marked ended */
	if (!harness_daemon_cycles(&d, 1, 10000))
		harness_daemon_fail(&d, "no cycle");
}

/* GET path: 200, valid against schemas/api/SCHEMA, parsed (caller deletes). */
static cJSON *get(const char *path, const char *schema)
{
	long status;
	char *body = harness_http_get(port, path, &status), sch[128];
	cJSON *doc;

	cr_assert_not_null(body, "GET %s: no answer", path);
	cr_assert_eq(status, 200, "GET %s: %ld: %s", path, status, body);
	snprintf(sch, sizeof(sch), "api/%s.schema.json", schema);
	cr_assert_eq(harness_schema_valid(sch, body), 0, "GET %s does not match %s", path, sch);
	doc = cJSON_Parse(body);
	cr_assert_not_null(doc);
	free(body);
	return doc;
}

static double num(cJSON *o, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		o = cJSON_GetObjectItem(o, k);
	cr_assert(cJSON_IsNumber(o), "%s is not a number", path);
	return o->valuedouble;
}

/* Every target of a paged document, following `next`: their names in order, comma-separated. */
static char *all_pages(const char *first, const char *schema, int *pages)
{
	char path[2048], *out = calloc(1, 8192);
	cJSON *doc, *t, *next;

	snprintf(path, sizeof(path), "%s", first);
	*pages = 0;
	for (;;) {
		doc = get(path, schema);
		(*pages)++;
		cJSON_ArrayForEach(t, cJSON_GetObjectItem(doc, strcmp(schema, "problem") ? "targets"
										      : "affected_targets"))
		{
			if (*out)
				strcat(out, ",");
			strcat(out, harness_str(t, "target"));
		}
		next = cJSON_GetObjectItem(doc, "next");
		if (!cJSON_IsString(next)) {
			cJSON_Delete(doc);
			return out;
		}
		cr_assert_lt(*pages, 30, "paging does not end");
		snprintf(path, sizeof(path), "%s", next->valuestring);
		cJSON_Delete(doc);
	}
}

#define ALL_20                                                                                  \
	"192.0.2.1,192.0.2.2,198.51.100.1,198.51.100.2,203.0.113.0,203.0.113.1,203.0.113.2,"    \
	"203.0.113.3,203.0.113.4,203.0.113.5,203.0.113.6,203.0.113.7,203.0.113.8,203.0.113.9,"  \
	"203.0.113.10,203.0.113.11,203.0.113.12,203.0.113.13,203.0.113.14,203.0.113.15"

Test(api_problems, twenty_addresses_are_three_problems_worst_first)
{
	cJSON *doc, *p;
	char path[128], *names;
	int pages;

	start(NULL);
	doc = get("/api/v1/summary", "summary");
	cr_assert_eq(num(doc, "targets.total"), 20);
	cr_assert_eq(num(doc, "targets.own"), 1, "203.0.113.9 is listed itself");
	cr_assert_eq(num(doc, "targets.neighbourhood"), 17, "15 through the /24, 2 through the AS");
	cr_assert_eq(num(doc, "targets.listed"), 18);
	cr_assert_eq(num(doc, "targets.clean"), 2);
	cr_assert_eq(num(doc, "problems.total"), 3);
	cr_assert_eq(num(doc, "problems.by_scope.ip"), 1);
	cr_assert_eq(num(doc, "problems.by_scope.network"), 1);
	cr_assert_eq(num(doc, "problems.by_scope.asn"), 1);
	cr_assert_eq(num(doc, "problems.ignored"), 0);
	cJSON_Delete(doc);

	doc = get("/api/v1/problems", "problems");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "problems")), 3);
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "problems"), 0);
	cr_assert_str_eq(harness_str(p, "entity"), "203.0.113.9", "the own listing comes first");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(p, "codes")), 2, "SBL and XBL together");
	cr_assert_str_eq(harness_str(p, "removal_url"), "https://zen.test/q?ip=203.0.113.9");
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "problems"), 1);
	cr_assert_str_eq(harness_str(p, "entity"), "203.0.113.0/24", "the network the TXT names");
	cr_assert_eq(num(p, "affected"), 16);
	cr_assert_str_eq(harness_str(p, "headline"),
			 "Test L2 lists 203.0.113.0/24: affects 16 of your addresses");
	cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "targets"), 2)->valuestring,
			 "203.0.113.2", "numeric order");
	snprintf(path, sizeof(path), "/api/v1/problems/%d?limit=5", (int)num(p, "id"));
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "problems"), 2);
	cr_assert_str_eq(harness_str(p, "entity"), "AS64500");
	cr_assert_eq(num(p, "affected"), 2);
	cJSON_Delete(doc);

	/* the /24's 16 addresses, five at a time */
	names = all_pages(path, "problem", &pages);
	cr_assert_eq(pages, 4);
	cr_assert_str_eq(names, "203.0.113.0,203.0.113.1,203.0.113.2,203.0.113.3,203.0.113.4,"
				"203.0.113.5,203.0.113.6,203.0.113.7,203.0.113.8,203.0.113.9,"
				"203.0.113.10,203.0.113.11,203.0.113.12,203.0.113.13,203.0.113.14,"
				"203.0.113.15");
	free(names);

	/* filters and pages of the problems */
	doc = get("/api/v1/problems?scope=network", "problems");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "problems")), 1);
	cJSON_Delete(doc);
	doc = get("/api/v1/problems?zone=l3.test", "problems");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "problems")), 1);
	cJSON_Delete(doc);
	doc = get("/api/v1/problems?limit=2", "problems");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "problems")), 2);
	cr_assert_str_eq(harness_str(doc, "next"), "/api/v1/problems?limit=2&cursor=2");
	cJSON_Delete(doc);
	doc = get("/api/v1/problems?limit=2&cursor=2", "problems");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "problems")), 1);
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(doc, "next")));
	cJSON_Delete(doc);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
}

Test(api_problems, targets_and_status_page_in_numeric_order)
{
	cJSON *doc;
	char *names;
	int pages;

	start(NULL);
	names = all_pages("/api/v1/targets?limit=6", "targets", &pages);
	cr_assert_eq(pages, 4);
	cr_assert_str_eq(names, ALL_20);
	free(names);
	names = all_pages("/api/v1/status?limit=7", "status", &pages);
	cr_assert_eq(pages, 3);
	cr_assert_str_eq(names, ALL_20);
	free(names);
	names = all_pages("/api/v1/targets?status=own", "targets", &pages);
	cr_assert_str_eq(names, "203.0.113.9");
	free(names);
	names = all_pages("/api/v1/targets?status=clean", "targets", &pages);
	cr_assert_str_eq(names, "192.0.2.1,192.0.2.2");
	free(names);
	names = all_pages("/api/v1/targets?prefix=203.0.113.8/30", "targets", &pages);
	cr_assert_str_eq(names, "203.0.113.8,203.0.113.9,203.0.113.10,203.0.113.11");
	free(names);
	/* `next` keeps the network, not only its first address */
	names = all_pages("/api/v1/targets?prefix=203.0.113.0/24&status=listed&limit=5", "targets", &pages);
	cr_assert_eq(pages, 4);
	cr_assert_str_eq(names, "203.0.113.0,203.0.113.1,203.0.113.2,203.0.113.3,203.0.113.4,"
				"203.0.113.5,203.0.113.6,203.0.113.7,203.0.113.8,203.0.113.9,"
				"203.0.113.10,203.0.113.11,203.0.113.12,203.0.113.13,203.0.113.14,"
				"203.0.113.15");
	free(names);
	names = all_pages("/api/v1/targets?zone=l3.test&limit=1", "targets", &pages);
	cr_assert_str_eq(names, "198.51.100.1,198.51.100.2");
	cr_assert_eq(pages, 2);
	free(names);
	names = all_pages("/api/v1/targets?q=198.51", "targets", &pages);
	cr_assert_str_eq(names, "198.51.100.1,198.51.100.2");
	free(names);
	doc = get("/api/v1/targets?status=own", "targets");
	cr_assert_str_eq(harness_str(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "targets"), 0),
				     "standing"), "own");
	cJSON_Delete(doc);
	doc = get("/api/v1/status?only=problems&limit=500", "status");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "targets")), 18);
	cr_assert_eq(num(doc, "summary.own"), 1);
	cJSON_Delete(doc);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
}

Test(api_problems, an_ignored_problem_is_counted_and_folded)
{
	cJSON *doc, *p;

	start("[ignore]\nrule = l3.test 127.0.0.2 198.51.100.0/24\n");
	doc = get("/api/v1/summary", "summary");
	cr_assert_eq(num(doc, "problems.total"), 2);
	cr_assert_eq(num(doc, "problems.ignored"), 1);
	cJSON_Delete(doc);
	doc = get("/api/v1/problems", "problems");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "problems")), 2);
	cJSON_Delete(doc);
	doc = get("/api/v1/problems?ignored=yes", "problems");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "problems")), 1);
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "problems"), 0);
	cr_assert_str_eq(harness_str(p, "entity"), "AS64500");
	cr_assert_str_eq(harness_str(p, "ignored_by"), "l3.test 127.0.0.2 198.51.100.0/24");
	cJSON_Delete(doc);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
}

/* ---- CSV ---- */

struct got {
	char *body, *link, *ctype;
	size_t len;
};

static size_t got_body(char *p, size_t sz, size_t n, void *ud)
{
	struct got *g = ud;
	char *nb = realloc(g->body, g->len + sz * n + 1);

	cr_assert_not_null(nb);
	memcpy(nb + g->len, p, sz * n);
	g->len += sz * n;
	nb[g->len] = '\0';
	g->body = nb;
	return sz * n;
}

static size_t got_header(char *p, size_t sz, size_t n, void *ud)
{
	struct got *g = ud;
	size_t len = sz * n;

	if (len > 6 && !strncasecmp(p, "Link: ", 6))
		g->link = strndup(p + 6, len - 8);
	if (len > 14 && !strncasecmp(p, "Content-Type: ", 14))
		g->ctype = strndup(p + 14, len - 16);
	return len;
}

/* GET path with an Accept header (NULL: none): 200 and the body, Link and Content-Type. */
static void get_csv(const char *path, const char *accept, struct got *g)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[2048], ah[128];
	long status = 0;

	memset(g, 0, sizeof(*g));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, got_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, g);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, got_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, g);
	if (accept) {
		snprintf(ah, sizeof(ah), "Accept: %s", accept);
		h = curl_slist_append(h, ah);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	}
	cr_assert_eq(curl_easy_perform(c), CURLE_OK, "GET %s", path);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	cr_assert_eq(status, 200, "GET %s: %ld %s", path, status, g->body ? g->body : "");
	if (!g->body)
		g->body = strdup("");
}

static void got_free(struct got *g)
{
	free(g->body);
	free(g->link);
	free(g->ctype);
}

/* The spreadsheet view: the same pages as CSV, the next one in a Link header. */
Test(api_problems, targets_and_problems_as_csv_with_paging)
{
	struct got g;
	char path[1024], all[8192] = "";
	int pages = 0;

	start(NULL);
	snprintf(path, sizeof(path), "/api/v1/targets?limit=7&format=csv");
	for (;;) {
		char *line, *save = NULL;
		get_csv(path, NULL, &g);
		cr_assert(g.ctype && !strncmp(g.ctype, "text/csv", 8), "%s", g.ctype);
		pages++;
		/* RFC 4180: CRLF rows, a header first */
		cr_assert(!strncmp(g.body, "target,type,status,standing,stale,discovered_from,asn,"
					   "as_name,listed_on,listed_since,failing_on,failing_reason\r\n",
				   strlen("target,type")), "%s", g.body);
		for (line = strtok_r(strstr(g.body, "\r\n") + 2, "\r\n", &save); line;
		     line = strtok_r(NULL, "\r\n", &save)) {
			if (*all)
				strcat(all, ",");
			strncat(all, line, strcspn(line, ","));
		}
		if (strstr(g.body, "\r\n203.0.113.9,"))
			cr_assert(strstr(g.body, "\r\n203.0.113.9,ipv4,listed,own,false,,,,"
						 "zen.test; l2.test,"), "%s", g.body);
		if (!g.link) {
			got_free(&g);
			break;
		}
		cr_assert(!strncmp(g.link, "</api/v1/targets?limit=7", 24) &&
			  strstr(g.link, "&format=csv>; rel=\"next\""), "%s", g.link);
		cr_assert_lt(pages, 10);
		snprintf(path, sizeof(path), "%.*s", (int)(strchr(g.link, '>') - g.link - 1), g.link + 1);
		got_free(&g);
	}
	cr_assert_eq(pages, 3, "20 targets, 7 a page");
	cr_assert_str_eq(all, ALL_20);

	/* problems worst first, by Accept alone; a comma inside a cell is quoted */
	get_csv("/api/v1/problems", "text/csv", &g);
	cr_assert(!strncmp(g.body, "rank,id,headline,scope,severity,zone,name,entity,affected,targets,"
				   "since,stale,codes,meanings,txt,advice,removal_url,ignored_by\r\n",
			   60), "%s", g.body);
	cr_assert_eq(harness_count(g.body, "\r\n"), 4, "a header and 3 problems: %s", g.body);
	cr_assert(strstr(g.body, "\r\n1,"), "%s", g.body);
	cr_assert(strstr(g.body, ",Test ZEN lists 203.0.113.9,ip,high,zen.test,Test ZEN,203.0.113.9,1,"
				 "203.0.113.9,"), "%s", g.body);
	cr_assert(strstr(g.body, ",127.0.0.2; 127.0.0.4,"), "%s", g.body);
	cr_assert(strstr(g.body, "\r\n2,2,Test L2 lists 203.0.113.0/24: affects 16 of your addresses,"),
		  "%s", g.body);
	cr_assert(strstr(g.body, ",\"Find what made 203.0.113.9 send spam (a compromised account or "
				 "form, malware"), "%s", g.body);
	cr_assert_null(g.link, "one page");
	got_free(&g);
	/* JSON stays the default, also when asked for by name */
	get_csv("/api/v1/problems?format=json", "text/csv", &g);
	cr_assert(g.ctype && strstr(g.ctype, "application/json"), "%s", g.ctype);
	got_free(&g);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
}

/* The summary tells the alert queue: a webhook nobody answers keeps its messages waiting. */
Test(api_problems, the_summary_shows_the_alert_queue)
{
	char extra[256];
	cJSON *doc, *ch;

	snprintf(extra, sizeof(extra), "[webhook]\nurl = http://127.0.0.1:%d/hook/s3cret\n"
		 "[alerts]\nbatch = 0s\n", harness_closed_port());
	start(extra);
	if (!harness_daemon_wait(&d, "SELECT count(*) > 0 FROM alerts WHERE attempts > 0", 1, 10000))
		harness_daemon_fail(&d, "no delivery attempted");
	doc = get("/api/v1/summary", "summary");
	cr_assert_geq(num(doc, "alerts.queued"), 1);
	cr_assert_geq(num(doc, "alerts.oldest_queued_seconds"), 0);
	cr_assert_not_null(harness_str(cJSON_GetObjectItem(doc, "alerts"), "oldest_queued_at"));
	ch = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "alerts"), "channels"),
				 "webhook");
	cr_assert_geq(num(ch, "failed_deliveries"), 1);
	cr_assert_eq(num(ch, "given_up"), 0);
	cr_assert(strstr(harness_str(ch, "last_error"), "POST http://127.0.0.1:"), "%s",
		  harness_str(ch, "last_error"));
	cr_assert_null(strstr(harness_str(ch, "last_error"), "s3cret"), "a webhook's path is its token");
	cr_assert_eq(num(doc, "alerts.channels.email.queued"), 0);
	cr_assert_eq(num(doc, "alerts.channels.email.failed_deliveries"), 0);
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
			      cJSON_GetObjectItem(doc, "alerts"), "channels"), "email"), "last_error")));
	cJSON_Delete(doc);
	/* the same on /metrics */
	{
		long status;
		char *m = harness_http_get(port, "/metrics", &status), *p;
		cr_assert_not_null(m);
		p = strstr(m, "\nblmon_alert_delivery_failures_total{channel=\"webhook\"} ");
		cr_assert(p && atoi(p + strlen("\nblmon_alert_delivery_failures_total{channel=\"webhook\"} ")) >= 1,
			  "%s", m);
		p = strstr(m, "\nblmon_alerts_queued ");
		cr_assert(p && atoi(p + strlen("\nblmon_alerts_queued ")) >= 1, "%s", m);
		free(m);
	}
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
}

Test(api_problems, bad_parameters_are_400_and_unknown_things_404)
{
	static const struct {
		const char *path;
		long status;
		const char *needle;
	} cases[] = {
		{"/api/v1/problems?scope=planet", 400, "scope"},
		{"/api/v1/problems?limit=0", 400, "limit"},
		{"/api/v1/problems?cursor=abc", 400, "cursor"},
		{"/api/v1/problems?ignored=maybe", 400, "ignored"},
		{"/api/v1/problems?zone=nosuch.test", 404, "nosuch.test"},
		{"/api/v1/problems/999999", 404, "999999"},
		{"/api/v1/problems/x", 404, "no problem"},
		{"/api/v1/targets?status=purple", 400, "status"},
		{"/api/v1/targets?prefix=example.com", 400, "prefix"},
		{"/api/v1/targets?cursor=zz", 400, "cursor"},
		{"/api/v1/targets?limit=5001", 400, "limit"},
		{"/api/v1/status?cursor=0", 400, "cursor"},
		{"/api/v1/summary?x=1", 400, "x"},
		{"/api/v1/targets?format=xlsx", 400, "format"},
		{"/api/v1/problems?format=", 400, "format"},
	};

	start(NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long status;
		char *body = harness_http_get(port, cases[i].path, &status);
		cr_assert_not_null(body);
		cr_assert_eq(status, cases[i].status, "%s: %ld %s", cases[i].path, status, body);
		cr_assert(strstr(body, cases[i].needle), "%s: %s", cases[i].path, body);
		cr_assert_eq(harness_schema_valid("api/error.schema.json", body), 0, "%s", body);
		free(body);
	}
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
}
