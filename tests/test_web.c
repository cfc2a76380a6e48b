/* test_web.c -- the HTTP server: JSON API, errors, headers, /metrics, /healthz, the dashboard.
 * The `web` suite runs the real daemon against rbldnsd; `web_unit` runs http_start in-process on a
 * database written with the store API, for states a live daemon rarely shows (stale, ASNs, tokens). */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checks/catalog.h"
#include "store/store.h"
#include "store/store_problems.h"
#include "web/api.h"
#include "web/http.h"
#include "web/metrics.h"
#include "web/prom.h"
#include "lib/timefmt.h"
#include "tests/harness.h"

/* ---- an HTTP client on libcurl ---- */

typedef struct {
	long status;
	char *body, *hdrs;
	size_t len, hlen;
} resp_t;

/* Appends to the NUL-terminated malloc'd string *ud. */
static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
	char **buf = ud;
	size_t add = sz * n, have = *buf ? strlen(*buf) : 0;
	char *nb = realloc(*buf, have + add + 1);

	if (!nb)
		return 0;
	memcpy(nb + have, p, add);
	nb[have + add] = '\0';
	*buf = nb;
	return add;
}

static void resp_free(resp_t *r)
{
	free(r->body);
	free(r->hdrs);
	memset(r, 0, sizeof(*r));
}

/* Sends method path to 127.0.0.1:port; auth is a whole Authorization value or NULL. */
static int req(int port, const char *method, const char *path, const char *auth, resp_t *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[2048], ah[512];
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	if (!c)
		return -1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->hdrs);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (auth) {
		snprintf(ah, sizeof(ah), "Authorization: %s", auth);
		h = curl_slist_append(h, ah);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (!r->body)
		r->body = strdup("");
	if (!r->hdrs)
		r->hdrs = strdup("");
	r->len = strlen(r->body);
	return rc == CURLE_OK ? 0 : -1;
}

/* The value of response header name (case-insensitive), or "" (static buffer). */
static const char *header(const resp_t *r, const char *name)
{
	static char val[1024];
	size_t n = strlen(name);

	val[0] = '\0';
	for (const char *p = r->hdrs; p && *p;) {
		const char *eol = strstr(p, "\r\n");
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > n && !strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1;
			while (*v == ' ')
				v++;
			snprintf(val, sizeof(val), "%.*s", (int)(len - (size_t)(v - p)), v);
		}
		p = eol ? eol + 2 : p + len;
	}
	return val;
}

/* GET path, expect status, parse JSON (caller deletes). */
static cJSON *get_json(int port, const char *path, long want)
{
	resp_t r;
	cJSON *doc;

	cr_assert_eq(req(port, "GET", path, NULL, &r), 0, "GET %s failed", path);
	cr_assert_eq(r.status, want, "GET %s: %ld, want %ld: %s", path, r.status, want, r.body);
	cr_assert(strstr(header(&r, "Content-Type"), "application/json"), "%s", path);
	doc = cJSON_Parse(r.body);
	cr_assert_not_null(doc, "GET %s: not JSON: %s", path, r.body);
	resp_free(&r);
	return doc;
}

/* GET path and validate it against schemas/api/SCHEMA. */
static void assert_schema(int port, const char *path, long want, const char *schema)
{
	resp_t r;
	char sch[128];

	snprintf(sch, sizeof(sch), "api/%s.schema.json", schema);
	cr_assert_eq(req(port, "GET", path, NULL, &r), 0);
	cr_assert_eq(r.status, want, "GET %s: %ld: %s", path, r.status, r.body);
	cr_assert_eq(harness_schema_valid(sch, r.body), 0, "GET %s does not match %s: %s", path, sch,
		     r.body);
	resp_free(&r);
}

/* Runs a shell command line; its exit status. Output goes to stderr. */
static int sh(const char *cmd)
{
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* ===== the `web` suite: the real daemon ===== */

static char *dir;
static harness_server_t dns;
static harness_daemon_t d;
static int port;

/* TXT served for listings: hostile markup, quotes and a backslash */
#define HOSTILE "Listed <script>window.__pwned=1</script> \"><img src=x onerror=window.__pwned=2> back\\slash"

static const char zone_bl[] = ":127.0.0.2:" HOSTILE "\n127.0.0.2\n192.0.2.10\n"
			      "192.0.2.30 :127.255.255.254:Refused\n";
static const char zone_hood[] = ":127.0.0.2:Network of a spam operation\n127.0.0.2\n192.0.2.8/30\n";
static const char zone_dead[] = "# a domain list without its TEST point: dead\nother.example\n";

static const char *extra_conf = ""; /* more sections, appended after [http] */

static void write_conf(const char *extra_http)
{
	int r = harness_daemon_config(&d,
		 "[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\n"
		 "timeout = 300ms\nretries = 1\n"
		 "[targets]\nip = 192.0.2.10\nip = 192.0.2.20\nip = 192.0.2.30\n"
		 "[lists]\ndefault = no\n"
		 "[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		 "error = 127.255.255.254 Query refused: use your own resolver\n"
		 "removal = https://bl.test/remove?ip={target}\n"
		 "[list hood.test]\nname = Hood BL\nscope = network\n"
		 "code = 127.0.0.2 Network of a spam operation\nremoval = javascript:window.__pwned=3\n"
		 "[list dead.test]\nname = Dead DBL\ntype = domain\nscope = domain\n"
		 "code = 127.0.1.2 Spam domain\n"
		 "[http]\nlisten = 127.0.0.1:%d\n%s%s",
		 dns.port, d.db, port, extra_http ? extra_http : "", extra_conf);

	cr_assert_eq(r, 0);
}

/* Starts the daemon and waits until a cycle has recorded all three targets;
 * the HTTP server listens before the first cycle, and must show that cycle. */
static void start_daemon(const char *extra_http)
{
	resp_t r;
	cJSON *doc;

	write_conf(extra_http);
	cr_assert_eq(harness_daemon_start(&d), 0, "blmon run did not start");
	if (!harness_daemon_cycles(&d, 1, 10000))
		harness_daemon_fail(&d, "no cycle");
	if (req(port, "GET", "/api/v1/status", extra_http ? "Bearer s3cret" : NULL, &r) < 0 ||
	    r.status != 200 || !(doc = cJSON_Parse(r.body))) {
		resp_free(&r);
		harness_daemon_fail(&d, "no status document after the first cycle");
	}
	resp_free(&r);
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "summary"), "targets")->valueint, 3,
		     "the first cycle did not record all three targets");
	cr_assert(!cJSON_IsNull(cJSON_GetObjectItem(doc, "last_cycle")), "no last_cycle");
	cJSON_Delete(doc);
}

/* SIGTERM: the daemon must stop its HTTP server and exit 0 (under ASan, also leak-free). */
static void stop_daemon(void)
{
	int st = harness_daemon_stop(&d, 5000);

	if (st != 0) {
		char what[96];
		snprintf(what, sizeof(what), "the daemon did not exit 0 on SIGTERM (status %d)", st);
		harness_daemon_fail(&d, what);
	}
}

static void setup(void)
{
	static const char *const zones[] = {"bl.test:ip4set:bl", "hood.test:ip4set:hood",
					    "dead.test:dnset:dead", NULL};

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write_zone(dir, "bl", zone_bl), 0);
	cr_assert_eq(harness_write_zone(dir, "hood", zone_hood), 0);
	cr_assert_eq(harness_write_zone(dir, "dead", zone_dead), 0);
	cr_assert_eq(harness_rbldnsd_start_ttl(&dns, dir, zones, "1"), 0, "rbldnsd did not start");
	harness_daemon_init(&d, dir);
	port = harness_free_tcp_port();
	cr_assert_gt(port, 0);
}

static void teardown(void)
{
	/* SIGTERM first, as a test's own stop would (SIGKILL when it hangs) */
	harness_daemon_stop(&d, 3000);
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(web, .init = setup, .fini = teardown, .timeout = 60);

static cJSON *find_by(cJSON *arr, const char *key, const char *val)
{
	cJSON *it;

	cJSON_ArrayForEach(it, arr)
	{
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(it, key));
		if (v && !strcmp(v, val))
			return it;
	}
	return NULL;
}

Test(web, status_shows_the_fixture_state)
{
	cJSON *doc, *t, *r, *l, *sum;
	resp_t raw;

	start_daemon(NULL);
	doc = get_json(port, "/api/v1/status", 200);
	sum = cJSON_GetObjectItem(doc, "summary");
	cr_assert_eq(cJSON_GetObjectItem(sum, "listed")->valueint, 1);
	cr_assert_eq(cJSON_GetObjectItem(sum, "unchecked")->valueint, 1);
	cr_assert_eq(cJSON_GetObjectItem(sum, "clean")->valueint, 1);
	cr_assert_eq(cJSON_GetObjectItem(sum, "stale")->valueint, 0);

	t = find_by(cJSON_GetObjectItem(doc, "targets"), "target", "192.0.2.10");
	cr_assert_not_null(t);
	cr_assert_str_eq(harness_str(t, "status"), "listed");
	cr_assert_str_eq(harness_str(t, "type"), "ipv4");
	r = find_by(cJSON_GetObjectItem(t, "results"), "zone", "bl.test");
	cr_assert_not_null(r);
	cr_assert_str_eq(harness_str(r, "status"), "listed");
	cr_assert_str_eq(harness_str(r, "name"), "Test BL");
	cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "codes"), 0)->valuestring,
			 "127.0.0.2");
	cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "meanings"), 0)->valuestring,
			 "Spam source");
	cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "txt"), 0)->valuestring, HOSTILE,
			 "TXT must come back as it was served, as a JSON string");
	cr_assert_str_eq(harness_str(r, "removal_url"), "https://bl.test/remove?ip=192.0.2.10");
	cr_assert_not_null(harness_str(r, "since"));
	/* the network-scope listing is reported, with its scope */
	r = find_by(cJSON_GetObjectItem(t, "results"), "zone", "hood.test");
	cr_assert_not_null(r);
	cr_assert_str_eq(harness_str(r, "status"), "listed");
	cr_assert_str_eq(harness_str(r, "scope"), "network");

	/* a refused query is a failed check, not a state: never answered, so unchecked, and why */
	t = find_by(cJSON_GetObjectItem(doc, "targets"), "target", "192.0.2.30");
	cr_assert_str_eq(harness_str(t, "status"), "unchecked");
	r = find_by(cJSON_GetObjectItem(t, "results"), "zone", "bl.test");
	cr_assert_str_eq(harness_str(r, "status"), "unchecked");
	cr_assert_not_null(harness_str(r, "failing_since"));
	cr_assert(strstr(harness_str(r, "failing_reason"), "Query refused"), "%s",
		  harness_str(r, "failing_reason"));
	t = find_by(cJSON_GetObjectItem(doc, "targets"), "target", "192.0.2.20");
	cr_assert_str_eq(harness_str(t, "status"), "clean");

	l = find_by(cJSON_GetObjectItem(doc, "lists"), "zone", "dead.test");
	cr_assert_not_null(l, "the dead list must be in the health list");
	cr_assert_str_eq(harness_str(l, "health"), "dead");
	cr_assert_not_null(harness_str(l, "advice"));
	cJSON_Delete(doc);

	/* raw bytes: markup never appears unescaped, even inside JSON strings */
	cr_assert_eq(req(port, "GET", "/api/v1/status", NULL, &raw), 0);
	cr_assert_null(strstr(raw.body, "<script"), "raw JSON holds markup: %s", raw.body);
	cr_assert_null(strstr(raw.body, "<img"));
	cr_assert(strstr(raw.body, "\\u003cscript\\u003e"));
	cr_assert_str_eq(header(&raw, "X-Content-Type-Options"), "nosniff");
	cr_assert(strstr(header(&raw, "Content-Security-Policy"), "default-src 'self'"));
	cr_assert_str_eq(header(&raw, "Cache-Control"), "no-store");
	resp_free(&raw);
	cr_assert_neq(harness_schema_valid("api/status.schema.json", "{}"), 0,
		      "the schema must refuse an empty object");
	assert_schema(port, "/api/v1/status", 200, "status");
	assert_schema(port, "/api/v1/status?only=problems", 200, "status");
	doc = get_json(port, "/api/v1/status?only=problems", 200);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "targets")), 2);
	cJSON_Delete(doc);
	stop_daemon();
}

Test(web, target_events_lists_asns_healthz)
{
	cJSON *doc, *ev, *first;
	char path[512];
	int n, total;

	start_daemon(NULL);
	doc = get_json(port, "/api/v1/targets/192.0.2.10", 200);
	cr_assert_str_eq(harness_str(doc, "status"), "listed");
	ev = cJSON_GetObjectItem(doc, "events");
	cr_assert_eq(cJSON_GetArraySize(ev), 2, "first observations on bl.test and hood.test");
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(ev, 0), "from")));
	cJSON_Delete(doc);
	assert_schema(port, "/api/v1/targets/192.0.2.10", 200, "target");
	assert_schema(port, "/api/v1/targets/192.0.2.99", 404, "error");

	/* events: newest first, paged with next, filters */
	doc = get_json(port, "/api/v1/events", 200);
	total = cJSON_GetArraySize(cJSON_GetObjectItem(doc, "events"));
	cr_assert_eq(total, 5, "3 targets x 2 IP lists, first observations, but not the refused one");
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(doc, "next")));
	cJSON_Delete(doc);
	snprintf(path, sizeof(path), "/api/v1/events?limit=4");
	n = 0;
	for (int page = 0; page < 5 && path[0]; page++) {
		cJSON *e;
		long long prev = 1LL << 62;
		doc = get_json(port, path, 200);
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "events"))
		{
			long long id = (long long)cJSON_GetObjectItem(e, "id")->valuedouble;
			cr_assert_lt(id, prev, "events must come newest first");
			prev = id;
			n++;
		}
		first = cJSON_GetObjectItem(doc, "next");
		snprintf(path, sizeof(path), "%s", cJSON_IsString(first) ? first->valuestring : "");
		cJSON_Delete(doc);
	}
	cr_assert_eq(n, total, "paging with next must give every event once");
	doc = get_json(port, "/api/v1/events?target=192.0.2.20&zone=bl.test", 200);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "events")), 1);
	cr_assert_str_eq(harness_str(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "events"), 0), "to"),
			 "clean");
	cJSON_Delete(doc);
	/* changes=yes: the first answers that found a target clean are no change to show */
	doc = get_json(port, "/api/v1/events?changes=yes", 200);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "events")), 2,
		     "only 192.0.2.10's first listings on bl.test and hood.test");
	cJSON_ArrayForEach(first, cJSON_GetObjectItem(doc, "events"))
	{
		cr_assert_str_eq(harness_str(first, "target"), "192.0.2.10");
		cr_assert_str_eq(harness_str(first, "to"), "listed");
	}
	cJSON_Delete(doc);
	assert_schema(port, "/api/v1/events?changes=yes", 200, "events");
	doc = get_json(port, "/api/v1/events?changes=no", 200);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "events")), total);
	cJSON_Delete(doc);
	doc = get_json(port, "/api/v1/events?since=2999-01-01T00:00:00Z", 200);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "events")), 0);
	cJSON_Delete(doc);
	assert_schema(port, "/api/v1/events?limit=2", 200, "events");

	doc = get_json(port, "/api/v1/lists", 200);
	first = find_by(cJSON_GetObjectItem(doc, "lists"), "zone", "bl.test");
	cr_assert_not_null(first);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(first, "enabled")));
	cr_assert_str_eq(harness_str(first, "health"), "ok");
	cJSON_Delete(doc);
	assert_schema(port, "/api/v1/lists", 200, "lists");
	assert_schema(port, "/api/v1/asns", 200, "asns");
	assert_schema(port, "/healthz", 200, "healthz");
	/* alone: no cluster, and the dashboard shows none */
	doc = get_json(port, "/api/v1/cluster", 200);
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(doc, "this_node")));
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(doc, "lease_seconds")));
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "nodes")), 0);
	cJSON_Delete(doc);
	assert_schema(port, "/api/v1/cluster", 200, "cluster");
}

Test(web, errors_are_json_with_the_right_status)
{
	static const struct {
		const char *method, *path;
		long status;
		const char *needle;
	} cases[] = {
		{"GET", "/nope", 404, "/nope"},
		{"GET", "/api/v1/status/", 404, "no such"},
		{"GET", "/api/v2/status", 404, "no such"},
		{"GET", "/api/v1/targets/198.51.100.1", 404, "198.51.100.1"},
		{"POST", "/api/v1/status", 405, "POST"},
		{"DELETE", "/api/v1/events", 405, "DELETE"},
		{"PUT", "/metrics", 405, "PUT"},
		{"GET", "/api/v1/events?limit=abc", 400, "limit"},
		{"GET", "/api/v1/events?limit=100000", 400, "limit"},
		{"GET", "/api/v1/events?since=yesterday", 400, "since"},
		{"GET", "/api/v1/events?before=-3", 400, "before"},
		{"GET", "/api/v1/events?colour=red", 400, "colour"},
		{"GET", "/api/v1/events?changes=maybe", 400, "changes"},
		{"GET", "/api/v1/status?only=everything", 400, "only"},
		{"GET", "/api/v1/lists?x=%3Cb%3E", 400, "x"},
	};

	start_daemon(NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		resp_t r;
		cJSON *doc;
		cr_assert_eq(req(port, cases[i].method, cases[i].path, NULL, &r), 0);
		cr_assert_eq(r.status, cases[i].status, "%s %s: %ld %s", cases[i].method,
			     cases[i].path, r.status, r.body);
		cr_assert(strstr(header(&r, "Content-Type"), "application/json"));
		doc = cJSON_Parse(r.body);
		cr_assert_not_null(doc, "%s", r.body);
		cr_assert(strstr(harness_str(doc, "error"), cases[i].needle), "%s %s: %s",
			  cases[i].method, cases[i].path, r.body);
		cr_assert_eq(cJSON_GetObjectItem(doc, "status")->valueint, cases[i].status);
		if (cases[i].status == 405)
			cr_assert_str_eq(header(&r, "Allow"), "GET, HEAD");
		cr_assert_eq(harness_schema_valid("api/error.schema.json", r.body), 0, "%s", r.body);
		cJSON_Delete(doc);
		resp_free(&r);
	}
	/* HEAD: headers, no body */
	{
		resp_t r;
		cr_assert_eq(req(port, "HEAD", "/api/v1/status", NULL, &r), 0);
		cr_assert_eq(r.status, 200);
		cr_assert_eq(r.len, 0);
		resp_free(&r);
	}
}

Test(web, metrics_pass_promtool)
{
	resp_t r;

	start_daemon(NULL);
	cr_assert_eq(req(port, "GET", "/metrics", NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(header(&r, "Content-Type"), "text/plain; version=0.0.4"));
	cr_assert(strstr(r.body, "# TYPE blmon_listed gauge\n"));
	cr_assert(strstr(r.body, "blmon_listed{target=\"192.0.2.10\",zone=\"bl.test\",scope=\"ip\"} 1\n"),
		  "%s", r.body);
	/* a network's listing is one problem with its count, not a series per address */
	cr_assert(strstr(r.body, "blmon_problem_affected_targets{zone=\"hood.test\",scope=\"network\","
				 "entity=\"192.0.2.0/24\"} 1\n"), "%s", r.body);
	cr_assert_null(strstr(r.body, "blmon_listed{target=\"192.0.2.10\",zone=\"hood.test\""));
	/* a clean result has no series: a /16 is not 524,288 zeros */
	cr_assert_null(strstr(r.body, "blmon_listed{target=\"192.0.2.20\""));
	/* a refused check is no listing and no state: the list counts it as failing */
	cr_assert_null(strstr(r.body, "blmon_listed{target=\"192.0.2.30\""));
	cr_assert(strstr(r.body, "blmon_list_failing_results{zone=\"bl.test\"} 1\n"), "%s", r.body);
	cr_assert(strstr(r.body, "blmon_list_listed_targets{zone=\"bl.test\"} 1\n"), "%s", r.body);
	cr_assert(strstr(r.body, "blmon_list_problems{zone=\"hood.test\"} 1\n"), "%s", r.body);
	cr_assert(strstr(r.body, "blmon_problems{scope=\"ip\"} 1\n"), "%s", r.body);
	cr_assert(strstr(r.body, "blmon_targets{standing=\"unchecked\"} 1\n"));
	cr_assert(strstr(r.body, "blmon_targets{standing=\"own\"} 1\n"));
	cr_assert(strstr(r.body, "blmon_targets{standing=\"clean\"} 1\n"));
	cr_assert(strstr(r.body, "blmon_resolver_up 1\n"));
	cr_assert_null(strstr(r.body, "blmon_unknown"));
	cr_assert(strstr(r.body, "blmon_list_healthy{zone=\"bl.test\"} 1\n"));
	cr_assert(strstr(r.body, "blmon_list_healthy{zone=\"dead.test\"} 0\n"));
	cr_assert(strstr(r.body, "blmon_listing_start_timestamp_seconds{target=\"192.0.2.10\","
				 "zone=\"bl.test\"} "), "%s", r.body);
	cr_assert_null(strstr(r.body, "blmon_listing_since_seconds"), "renamed (issue 17)");
	cr_assert(strstr(r.body, "blmon_build_info{version=\"" BLMON_VERSION "\"} 1\n"), "%s", r.body);
	/* the alert queue: no channel configured here, nothing waits, nothing failed */
	cr_assert(strstr(r.body, "# TYPE blmon_alerts_queued gauge\nblmon_alerts_queued 0\n"), "%s",
		  r.body);
	cr_assert(strstr(r.body, "blmon_alert_oldest_queued_seconds 0\n"), "%s", r.body);
	cr_assert(strstr(r.body, "# TYPE blmon_alert_delivery_failures_total counter\n"
				 "blmon_alert_delivery_failures_total{channel=\"email\"} 0\n"
				 "blmon_alert_delivery_failures_total{channel=\"webhook\"} 0\n"), "%s",
		  r.body);
	/* 192.0.2.30 is refused with the list's error code in every cycle: a bounded label */
	cr_assert(strstr(r.body, "# TYPE blmon_dns_errors_total counter\n"), "%s", r.body);
	cr_assert(strstr(r.body, "blmon_dns_errors_total{zone=\"bl.test\",reason=\"error_code\"} "),
		  "%s", r.body);
	cr_assert_null(strstr(r.body, "blmon_dns_errors_total{zone=\"hood.test\""), "%s", r.body);
	/* TXT quotes and backslashes escaped per the exposition format */
	cr_assert(strstr(r.body, "reason=\"Listed <script>window.__pwned=1</script> \\\"><img src=x "
				 "onerror=window.__pwned=2> back\\\\slash\",removal_url=\"https://bl.test/"
				 "remove?ip=192.0.2.10\"} 1\n"),
		  "%s", r.body);
	cr_assert(strstr(r.body, "blmon_events_total{to=\"listed\"} 2\n"), "%s", r.body);
	cr_assert(strstr(r.body, "# TYPE blmon_dns_queries_total counter\n"));
	cr_assert(strstr(r.body, "blmon_last_cycle_timestamp_seconds "));
	cr_assert(strstr(r.body, "blmon_cycle_duration_seconds "));
	cr_assert_eq(harness_promtool_metrics(dir, r.body), 0,
		     "promtool check metrics failed on our /metrics");
	resp_free(&r);
	stop_daemon();
}

Test(web, prometheus_rules_pass_promtool)
{
	const char *root = getenv("BLMON_ROOT");
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "promtool check rules '%s/contrib/prometheus-rules.yml' 1>&2",
		 root ? root : ".");
	cr_assert_eq(sh(cmd), 0);
	/* what they do: a listing keeps alerting through a resolver outage, which is told */
	snprintf(cmd, sizeof(cmd), "cd '%s/contrib' && promtool test rules prometheus-rules.test.yml 1>&2",
		 root ? root : ".");
	cr_assert_eq(sh(cmd), 0);
}

Test(web, dashboard_assets_and_headers)
{
	static const struct {
		const char *path, *ctype, *needle;
	} assets[] = {
		{"/", "text/html", "<script src=\"/app.js\""},
		{"/index.html", "text/html", "id=\"targets\""},
		{"/app.js", "text/javascript", "textContent"},
		{"/style.css", "text/css", "@media"},
	};

	start_daemon(NULL);
	for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++) {
		resp_t r;
		cr_assert_eq(req(port, "GET", assets[i].path, NULL, &r), 0);
		cr_assert_eq(r.status, 200, "%s", assets[i].path);
		cr_assert(strstr(header(&r, "Content-Type"), assets[i].ctype), "%s", assets[i].path);
		cr_assert_str_eq(header(&r, "X-Content-Type-Options"), "nosniff");
		cr_assert(strstr(header(&r, "Content-Security-Policy"), "default-src 'self'"));
		cr_assert(strstr(r.body, assets[i].needle), "%s", assets[i].path);
		if (strstr(assets[i].ctype, "html")) {
			/* no inline script: every <script> element loads a file */
			for (const char *p = strstr(r.body, "<script"); p; p = strstr(p + 1, "<script"))
				cr_assert(!strncmp(p, "<script src=", 12), "inline script in %s", assets[i].path);
			cr_assert_null(strstr(r.body, " on"), "inline event handler in %s",
				       assets[i].path);
		} else if (strstr(assets[i].ctype, "javascript")) {
			cr_assert_null(strstr(r.body, "innerHTML"));
			cr_assert_null(strstr(r.body, "eval("));
		}
		resp_free(&r);
	}
}

Test(web, token_guards_api_and_metrics)
{
	resp_t r;

	start_daemon("token = s3cret\n");
	cr_assert_eq(req(port, "GET", "/api/v1/status", NULL, &r), 0);
	cr_assert_eq(r.status, 401);
	cr_assert(strstr(header(&r, "WWW-Authenticate"), "Bearer"));
	resp_free(&r);
	cr_assert_eq(req(port, "GET", "/metrics", "Bearer s3cre", &r), 0);
	cr_assert_eq(r.status, 401);
	resp_free(&r);
	cr_assert_eq(req(port, "GET", "/metrics", "Bearer s3cret!", &r), 0);
	cr_assert_eq(r.status, 401);
	resp_free(&r);
	cr_assert_eq(req(port, "GET", "/metrics", "Bearer s3cret", &r), 0);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	/* probes and the page itself need no token */
	cr_assert_eq(req(port, "GET", "/healthz", NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	cr_assert_eq(req(port, "GET", "/", NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
}

Test(web, listen_address_in_use_is_a_startup_error)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	const char *args[] = {"run", "-c", d.conf, NULL};
	harness_run_t r;

	a.sin_port = htons((uint16_t)port);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 1), 0);
	write_conf(NULL);
	cr_assert_eq(harness_run(&r, 10, args), 0);
	close(fd);
	cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.err);
	cr_assert(strstr(r.err, "[http] listen = 127.0.0.1:") && strstr(r.err, "Address already in use"),
		  "%s", r.err);
	harness_run_free(&r);
}

Test(web, dashboard_in_headless_chromium, .timeout = 90)
{
	const char *root = getenv("BLMON_ROOT");
	char cmd[2048], logconf[1200], lines[4096];
	size_t n = 0;

	/* the mail log appears after start, so the daemon reads it whole: three
	 * Microsoft S3150 bounces open a provider incident the page must show */
	snprintf(logconf, sizeof(logconf), "[logwatch]\nfile = %s/mail.log\n", dir);
	extra_conf = logconf;
	start_daemon(NULL);
	for (int i = 0; i < 3; i++)
		n += (size_t)snprintf(lines + n, sizeof(lines) - n,
				      "Jan  6 13:43:0%d mx postfix/smtp[123]: 4F1A2B3C%d: to=<user%d@example.net>, "
				      "relay=example-net.mail.protection.outlook.com[192.0.2.10]:25, delay=7.5, "
				      "delays=2.2/0/0.28/5.1, dsn=5.7.1, status=bounced (host "
				      "example-net.mail.protection.outlook.com[192.0.2.10] said: 550 5.7.1 "
				      "Unfortunately, messages from [198.51.100.7] weren't sent. Please contact "
				      "your Internet service provider since part of their network is on our "
				      "block list (S3150). (in reply to RCPT TO command))\n", i, i, i);
	cr_assert_eq(harness_write(dir, "mail.log", lines), 0);
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM incidents WHERE closed IS NULL", 1, 10000))
		harness_daemon_fail(&d, "no provider incident opened from the mail log");
	{
		resp_t r;
		cr_assert_eq(req(port, "GET", "/api/v1/incidents", NULL, &r), 0);
		cr_assert_eq(r.status, 200, "%s", r.body);
		cr_assert(strstr(r.body, "\"state\":\"open\""), "%s", r.body);
		resp_free(&r);
	}
	if (!root)
		root = ".";
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && node tests/web/dashboard.test.js http://127.0.0.1:%d/ tests/artifacts 1>&2",
		 root, port);
	cr_assert_eq(sh(cmd), 0, "the dashboard test failed (its output is above); screenshots in "
				 "tests/artifacts/");
}

/* Issue 14's 20 addresses (the fixture of test_api_problems.c), and Cymru's answers naming
 * AS64500, served by a new rbldnsd in place of the suite's. */
static void start_twenty(void)
{
	static const char *const zones[] = {
		"zen.test:ip4set:zen_a", "zen.test:ip4set:zen_b", "l2.test:ip4set:l2",
		"l3.test:ip4set:l3", "origin.asn.cymru.com:generic:origin",
		"asn.cymru.com:generic:asname", NULL};

	harness_server_stop(&dns);
	cr_assert_eq(harness_write_zone(dir, "zen_a", ":127.0.0.2:SBL listing $\n127.0.0.2\n203.0.113.9\n"), 0);
	cr_assert_eq(harness_write_zone(dir, "zen_b", "203.0.113.9 :127.0.0.4:XBL listing\n"), 0);
	cr_assert_eq(harness_write_zone(dir, "l2", ":127.0.0.2:Net 203.0.113.0/24 is listed because "
				       "abusers are in it\n127.0.0.2\n203.0.113.0/28\n"), 0);
	cr_assert_eq(harness_write_zone(dir, "l3", ":127.0.0.2:Your ISP AS64500 is listed\n127.0.0.2\n"
				       "198.51.100.1\n198.51.100.2\n"), 0);
	cr_assert_eq(harness_write(dir, "origin",
				   "1.100.51.198 TXT \"64500 | 198.51.100.0/24 | ZZ | test | 2024-01-01\"\n"
				   "2.100.51.198 TXT \"64500 | 198.51.100.0/24 | ZZ | test | 2024-01-01\"\n"), 0);
	cr_assert_eq(harness_write(dir, "asname",
				   "AS64500 TXT \"64500 | ZZ | test | 2024-01-01 | EXAMPLE-HOSTING\"\n"), 0);
	cr_assert_eq(harness_rbldnsd_start_ttl(&dns, dir, zones, "1"), 0, "rbldnsd did not start");
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
		"[http]\nlisten = 127.0.0.1:%d\n",
		dns.port, d.db, port), 0);
	cr_assert_eq(harness_daemon_start(&d), 0, "blmon run did not start");
	/* the page must find the three problems and the AS's name at once */
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM problems WHERE ignored_by IS NULL", 3, 10000))
		harness_daemon_fail(&d, "the digest did not find the three problems");
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM asn WHERE name = 'EXAMPLE-HOSTING'", 2, 10000))
		harness_daemon_fail(&d, "AS64500 was not named from Cymru's answers");
}

Test(web, dashboard_twenty_addresses_in_headless_chromium, .timeout = 90)
{
	const char *root = getenv("BLMON_ROOT");
	char cmd[2048];

	start_twenty();
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && node tests/web/dashboard.test.js http://127.0.0.1:%d/ tests/artifacts twenty 1>&2",
		 root ? root : ".", port);
	cr_assert_eq(sh(cmd), 0, "the dashboard test (20 addresses) failed (its output is above); "
				 "screenshots in tests/artifacts/");
	stop_daemon();
}

/* ===== the `web_unit` suite: http_start in-process on a prepared database ===== */

static char *udir;
static char udb[1024];
static catalog_t *ucat;

static void unit_setup(void)
{
	char err[256];
	catalog_list_t *l;

	udir = harness_tmpdir();
	cr_assert_not_null(udir);
	snprintf(udb, sizeof(udb), "%s/blmon.db", udir);
	ucat = catalog_new_builtin();
	for (size_t i = 0; i < ucat->n; i++)
		ucat->lists[i].enabled = false;
	l = catalog_add(ucat, "bl.test");
	free(l->name);
	l->name = strdup("Test BL");
	cr_assert_eq(catalog_code_add(l, "127.0.0.2 Spam source", CODE_LISTED, err, sizeof(err)), 0);
	l->enabled = true;
	l = catalog_add(ucat, "asn.test");
	free(l->name);
	l->name = strdup("ASN BL");
	l->scope = SCOPE_ASN;
	cr_assert_eq(catalog_code_add(l, "127.0.0.2 ASN of spammers", CODE_LISTED, err, sizeof(err)), 0);
	l->enabled = true;
}

static void unit_teardown(void)
{
	catalog_free(ucat);
	harness_tmpdir_free(udir);
}

TestSuite(web_unit, .init = unit_setup, .fini = unit_teardown, .timeout = 30);

/* Writes a database: two targets, a listing, an ASN, and one cycle ended at `ended`. */
static void write_db(int64_t ended, int nevents)
{
	char err[256];
	store_t *s = store_open(udb, STORE_RW, err, sizeof(err));
	target_t t1 = {.type = TARGET_IPV4}, t2 = {.type = TARGET_IPV4};
	store_state_t st;
	int64_t id1, id2, lbl, lasn, cid, now = time(NULL);
	store_cycle_t cyc = {.lists = 2, .targets = 2, .queries = 10, .errors = 1, .listed = 1, .answered = 3};

	cr_assert_not_null(s, "%s", err);
	snprintf(t1.name, sizeof(t1.name), "198.51.100.7");
	snprintf(t2.name, sizeof(t2.name), "198.51.100.8");
	cr_assert_eq(store_begin(s), 0);
	id1 = store_target_id(s, &t1, now);
	id2 = store_target_id(s, &t2, now);
	lbl = store_list_id(s, catalog_find(ucat, "bl.test"));
	lasn = store_list_id(s, catalog_find(ucat, "asn.test"));
	cr_assert(id1 > 0 && id2 > 0 && lbl > 0 && lasn > 0);
	memset(&st, 0, sizeof(st));
	st.present = true;
	st.status = STATUS_CLEAN;
	st.since = st.checked_at = now - 100;
	cr_assert_eq(store_state_put(s, id1, lbl, &st), 0);
	cr_assert_eq(store_state_put(s, id2, lbl, &st), 0);
	st.status = STATUS_LISTED;
	harness_answer(&st.ans, "[\"127.0.0.2\"]", "AS listed\001\033[31m");
	cr_assert_eq(store_state_put(s, id1, lasn, &st), 0);
	for (int i = 0; i < nevents; i++) {
		store_event_t ev;
		memset(&ev, 0, sizeof(ev));
		ev.at = now - 1000 + i;
		ev.target_id = i % 2 ? id1 : id2;
		ev.list_id = lbl;
		ev.first = i == 0;
		ev.from = STATUS_LISTED;
		ev.to = i % 2 ? STATUS_CLEAN : STATUS_LISTED;
		cr_assert_gt(store_event_add(s, &ev), 0);
	}
	store_scalar(s, "INSERT INTO asn (target_id, asn, prefix, country, registry, name, fetched) "
			"SELECT id, 64500, '198.51.100.0/24', 'ZZ', 'test', 'EXAMPLE-NET <b>', 1 "
			"FROM targets");
	cid = store_cycle_begin(s, ended - 5);
	cr_assert_eq(store_cycle_end(s, cid, ended, &cyc), 0);
	cr_assert_eq(store_commit(s), 0);
	store_close(s);
}

static http_t *unit_start(const char *token)
{
	char err[512];
	http_opts_t o = {.listen = "127.0.0.1:0", .database = udb, .interval_s = 10, .catalog = ucat,
			 .token = token};
	http_t *h = http_start(&o, err, sizeof(err));

	cr_assert_not_null(h, "%s", err);
	cr_assert_gt(http_port(h), 0);
	return h;
}

Test(web_unit, healthz_turns_503_when_cycles_stop)
{
	http_t *h;
	cJSON *doc;

	write_db(time(NULL) - 1000, 0);
	h = unit_start(NULL);
	doc = get_json(http_port(h), "/healthz", 503);
	cr_assert_str_eq(harness_str(doc, "status"), "unhealthy");
	/* 1001s when a second began between writing the cycle and the request */
	cr_assert(strstr(harness_str(doc, "reason"), "ended 1000s ago, more than 20s: the monitor is "
			 "stuck or stopped") ||
		  strstr(harness_str(doc, "reason"), "ended 1001s ago, more than 20s: the monitor is "
			 "stuck or stopped"), "%s", harness_str(doc, "reason"));
	cJSON_Delete(doc);
	assert_schema(http_port(h), "/healthz", 503, "healthz");
	write_db(time(NULL), 0); /* a fresh cycle */
	doc = get_json(http_port(h), "/healthz", 200);
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(doc, "reason")));
	cJSON_Delete(doc);
	http_stop(h);
}

Test(web_unit, healthz_without_cycles_is_503)
{
	char err[256];
	store_t *s = store_open(udb, STORE_RW, err, sizeof(err));
	http_t *h;
	cJSON *doc;

	cr_assert_not_null(s);
	store_close(s);
	h = unit_start(NULL);
	doc = get_json(http_port(h), "/healthz", 503);
	cr_assert(strstr(harness_str(doc, "reason"), "no check cycle"));
	cJSON_Delete(doc);
	doc = get_json(http_port(h), "/api/v1/status", 200);
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(doc, "last_cycle")));
	cJSON_Delete(doc);
	assert_schema(http_port(h), "/api/v1/status", 200, "status");
	http_stop(h);
}

Test(web_unit, asns_group_addresses_and_neighbourhood_listings)
{
	http_t *h;
	cJSON *doc, *a, *l;

	write_db(time(NULL), 0);
	h = unit_start(NULL);
	doc = get_json(http_port(h), "/api/v1/asns", 200);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "asns")), 1);
	a = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "asns"), 0);
	cr_assert_eq(cJSON_GetObjectItem(a, "asn")->valueint, 64500);
	cr_assert_str_eq(harness_str(a, "name"), "EXAMPLE-NET <b>");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(a, "targets")), 2);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(a, "listings")), 1);
	l = cJSON_GetArrayItem(cJSON_GetObjectItem(a, "listings"), 0);
	cr_assert_str_eq(harness_str(l, "target"), "198.51.100.7");
	cr_assert_str_eq(harness_str(l, "scope"), "asn");
	cr_assert_str_eq(harness_str(l, "zone"), "asn.test");
	cJSON_Delete(doc);
	assert_schema(http_port(h), "/api/v1/asns", 200, "asns");
	doc = get_json(http_port(h), "/api/v1/targets/198.51.100.7", 200);
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "asn"), "asn")->valueint, 64500);
	cJSON_Delete(doc);
	assert_schema(http_port(h), "/api/v1/targets/198.51.100.7", 200, "target");
	http_stop(h);
}

Test(web_unit, events_page_through_many)
{
	http_t *h;
	char path[512] = "/api/v1/events?limit=7&target=198.51.100.8";
	int n = 0, pages = 0;

	write_db(time(NULL), 40);
	h = unit_start(NULL);
	while (path[0]) {
		cJSON *doc = get_json(http_port(h), path, 200), *next;
		n += cJSON_GetArraySize(cJSON_GetObjectItem(doc, "events"));
		next = cJSON_GetObjectItem(doc, "next");
		snprintf(path, sizeof(path), "%s", cJSON_IsString(next) ? next->valuestring : "");
		cr_assert(!path[0] || strstr(path, "target=198.51.100.8"), "%s", path);
		cJSON_Delete(doc);
		cr_assert_lt(++pages, 10);
	}
	cr_assert_eq(n, 20, "the even-numbered events are 198.51.100.8's");
	cr_assert_eq(pages, 3);
	http_stop(h);
}

/* Adds two provider incidents to write_db's database (events at now - 1000 + i, ids i + 1):
 * #1 opened with event 4 (same second) and closed with event 8, #2 opened with event 9. */
static int64_t add_incidents(void)
{
	char err[256], sql[1024];
	store_t *s = store_open(udb, STORE_RW, err, sizeof(err));
	int64_t base = store_scalar(s, "SELECT min(at) FROM events");

	cr_assert_not_null(s, "%s", err);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO incidents (id, provider, opened, closed, kind, code, meaning, sending_ip, "
		 "removal, advice, sample, rejections, last_rejection, last_sent) VALUES "
		 "(1, 'microsoft', %lld, %lld, 'ip-blocklisted', 'S3150', "
		 "'part of your network is on our block list ' || CAST(X'FF3C623E' AS TEXT), "
		 "'198.51.100.7', 'https://sender.office.com', 'ask', 'a line', 3, %lld, %lld), "
		 "(2, 'google', %lld, NULL, 'reputation', '', 'low reputation', NULL, '', 'wait', "
		 "'a line', 4, %lld, NULL)",
		 (long long)base + 3, (long long)base + 7, (long long)base + 5, (long long)base + 7,
		 (long long)base + 8, (long long)base + 8);
	store_scalar(s, sql);
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM incidents"), 2, "incidents not written");
	store_close(s);
	return base;
}

/* Adds n events on bl.test after write_db's (ids from 1 when it wrote none), at now - 1000 + i:
 * first answers that found the target clean, except event 6 (a first listing), 18 (clean ->
 * listed) and 24 (listed -> clean). */
static void add_first_answers(int n)
{
	char err[256];
	store_t *s = store_open(udb, STORE_RW, err, sizeof(err));
	int64_t id1, id2, lbl, now = time(NULL);

	cr_assert_not_null(s, "%s", err);
	id1 = store_scalar(s, "SELECT id FROM targets WHERE target = '198.51.100.7'");
	id2 = store_scalar(s, "SELECT id FROM targets WHERE target = '198.51.100.8'");
	lbl = store_scalar(s, "SELECT id FROM lists WHERE zone = 'bl.test'");
	cr_assert_eq(store_begin(s), 0);
	for (int i = 0; i < n; i++) {
		store_event_t ev;
		memset(&ev, 0, sizeof(ev));
		ev.at = now - 1000 + i;
		ev.target_id = i % 2 ? id1 : id2;
		ev.list_id = lbl;
		ev.first = i != 17 && i != 23;
		ev.from = i == 17 ? STATUS_CLEAN : STATUS_LISTED;
		ev.to = i == 5 || i == 17 ? STATUS_LISTED : STATUS_CLEAN;
		cr_assert_gt(store_event_add(s, &ev), 0);
	}
	cr_assert_eq(store_commit(s), 0);
	store_close(s);
}

/* "d<id>" for a DNSBL event, "o<id>"/"c<id>" for an incident opened/closed, appended to buf. */
static void event_keys(cJSON *doc, char *buf, size_t len)
{
	cJSON *e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "events"))
	{
		size_t o = strlen(buf);
		const char *src = harness_str(e, "source");
		cr_assert_not_null(src, "every event has a source");
		if (!strcmp(src, "dnsbl"))
			snprintf(buf + o, len - o, "d%d ", cJSON_GetObjectItem(e, "id")->valueint);
		else
			snprintf(buf + o, len - o, "%c%d ", strcmp(harness_str(e, "to"), "open") ? 'c' : 'o',
				 cJSON_GetObjectItem(e, "incident_id")->valueint);
	}
}

static void assert_keys(int port_, const char *path, const char *want)
{
	char got[1024] = "";
	cJSON *doc = get_json(port_, path, 200);

	event_keys(doc, got, sizeof(got));
	cJSON_Delete(doc);
	cr_assert_str_eq(got, want, "GET %s", path);
}

Test(web_unit, events_merge_incidents_in_order)
{
	static const char all[] = "d10 o2 d9 c1 d8 d7 d6 d5 o1 d4 d3 d2 d1 ";
	http_t *h;
	cJSON *doc, *e;
	resp_t r;
	int64_t base;
	int p;

	write_db(time(NULL), 10);
	base = add_incidents();
	h = unit_start(NULL);
	p = http_port(h);
	assert_keys(p, "/api/v1/events", all);
	assert_keys(p, "/api/v1/events?source=incident", "o2 c1 o1 ");
	assert_keys(p, "/api/v1/events?source=dnsbl", "d10 d9 d8 d7 d6 d5 d4 d3 d2 d1 ");
	assert_keys(p, "/api/v1/events?target=198.51.100.8", "d9 d7 d5 d3 d1 ");
	assert_keys(p, "/api/v1/events?zone=bl.test", "d10 d9 d8 d7 d6 d5 d4 d3 d2 d1 ");
	assert_keys(p, "/api/v1/events?target=198.51.100.8&source=incident", "");
	assert_keys(p, "/api/v1/events?before=9", "c1 d8 d7 d6 d5 o1 d4 d3 d2 d1 ");
	{
		char since[TIMEFMT_MAX], path[128];
		timefmt_rfc3339(base + 7, since);
		snprintf(path, sizeof(path), "/api/v1/events?since=%s", since);
		assert_keys(p, path, "d10 o2 d9 c1 d8 ");
	}

	/* an incident event's fields, cleaned to UTF-8 */
	doc = get_json(p, "/api/v1/events?source=incident", 200);
	e = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "events"), 1);
	cr_assert_str_eq(harness_str(e, "provider"), "microsoft");
	cr_assert_str_eq(harness_str(e, "provider_name"), "Microsoft (Outlook.com, Office 365)");
	cr_assert_str_eq(harness_str(e, "to"), "closed");
	cr_assert_str_eq(harness_str(e, "code"), "S3150");
	cr_assert_str_eq(harness_str(e, "kind"), "ip-blocklisted");
	cr_assert_str_eq(harness_str(e, "sending_ip"), "198.51.100.7");
	cr_assert(strstr(harness_str(e, "meaning"), "block list \xef\xbf\xbd<b>"), "%s",
		  harness_str(e, "meaning"));
	cJSON_Delete(doc);

	/* paging across both sources: every event once, in the same order */
	for (int limit = 1; limit <= 5; limit++) {
		char path[512], got[1024] = "";
		int pages = 0;
		snprintf(path, sizeof(path), "/api/v1/events?limit=%d", limit);
		while (path[0]) {
			cJSON *next;
			doc = get_json(p, path, 200);
			event_keys(doc, got, sizeof(got));
			next = cJSON_GetObjectItem(doc, "next");
			snprintf(path, sizeof(path), "%s", cJSON_IsString(next) ? next->valuestring : "");
			cJSON_Delete(doc);
			cr_assert_lt(++pages, 20);
		}
		cr_assert_str_eq(got, all, "limit=%d", limit);
	}
	/* a filter stays in `next` */
	doc = get_json(p, "/api/v1/events?source=incident&limit=2", 200);
	cr_assert(strstr(harness_str(doc, "next"), "source=incident"), "%s", harness_str(doc, "next"));
	cJSON_Delete(doc);

	assert_schema(p, "/api/v1/events", 200, "events");
	assert_schema(p, "/api/v1/events?source=incident&limit=2", 200, "events");
	assert_schema(p, "/api/v1/targets/198.51.100.7", 200, "target");
	cr_assert_eq(req(p, "GET", "/api/v1/events?source=mta", NULL, &r), 0);
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert(strstr(r.body, "source"), "%s", r.body);
	resp_free(&r);
	cr_assert_eq(req(p, "GET", "/api/v1/events?before=5.3.1", NULL, &r), 0);
	cr_assert_eq(r.status, 400, "%s", r.body);
	resp_free(&r);
	http_stop(h);
}

Test(web_unit, events_changes_leave_out_first_clean_answers)
{
	static const char changes[] = "d24 d18 o2 c1 d6 o1 ";
	http_t *h;
	cJSON *doc;
	int p;

	write_db(time(NULL), 0);
	add_first_answers(30);
	add_incidents();
	h = unit_start(NULL);
	p = http_port(h);
	assert_keys(p, "/api/v1/events?changes=yes", changes);
	assert_keys(p, "/api/v1/events?changes=yes&source=dnsbl", "d24 d18 d6 ");
	assert_keys(p, "/api/v1/events?changes=yes&target=198.51.100.7", "d24 d18 d6 ");
	assert_keys(p, "/api/v1/events?changes=yes&target=198.51.100.8", "");
	doc = get_json(p, "/api/v1/events?changes=no&limit=500", 200);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "events")), 33);
	cJSON_Delete(doc);
	/* pages of changes: every change once, the filter kept in `next` */
	for (int limit = 1; limit <= 4; limit++) {
		char path[512], got[1024] = "";
		int pages = 0;
		snprintf(path, sizeof(path), "/api/v1/events?changes=yes&limit=%d", limit);
		while (path[0]) {
			cJSON *next;
			doc = get_json(p, path, 200);
			event_keys(doc, got, sizeof(got));
			next = cJSON_GetObjectItem(doc, "next");
			snprintf(path, sizeof(path), "%s", cJSON_IsString(next) ? next->valuestring : "");
			cr_assert(!path[0] || strstr(path, "changes=yes"), "%s", path);
			cJSON_Delete(doc);
			cr_assert_lt(++pages, 20);
		}
		cr_assert_str_eq(got, changes, "limit=%d", limit);
	}
	assert_schema(p, "/api/v1/events?changes=yes&limit=2", 200, "events");
	http_stop(h);
}

/* 25 own problems on bl.test (203.0.113.1-25, ranked in that order) and 3 ignored ones, as
 * a digest writes them: the dashboard pages and folds what the API gives. */
static void add_problems(void)
{
	char err[256];
	store_t *s = store_open(udb, STORE_RW, err, sizeof(err));

	cr_assert_not_null(s, "%s", err);
	store_scalar(s, "INSERT INTO problems (list_id, entity, scope, severity, rank, codes, txt, "
			"affected, first, since, stale, ignored_by, seen) "
			"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 28) "
			"SELECT (SELECT id FROM lists WHERE zone = 'bl.test'), '203.0.113.' || i, 'ip', "
			"'medium', i, '[\"127.0.0.2\"]', 'Listed ' || i, 1, '[\"203.0.113.' || i || '\"]', "
			"strftime('%s', 'now') - 60 * i, 0, "
			"CASE WHEN i > 25 THEN 'bl.test 127.0.0.2 203.0.113.0/24' END, 1 FROM n");
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM problems"), 28, "problems not written");
	store_close(s);
}

Test(web_unit, dashboard_pages_problems_in_headless_chromium, .timeout = 60)
{
	const char *root = getenv("BLMON_ROOT");
	char cmd[2048];
	http_t *h;

	write_db(time(NULL), 0);
	add_problems();
	h = unit_start(NULL);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && node tests/web/dashboard.test.js http://127.0.0.1:%d/ tests/artifacts paging 1>&2",
		 root ? root : ".", http_port(h));
	cr_assert_eq(sh(cmd), 0, "the dashboard test (paging) failed (its output is above)");
	http_stop(h);
}

/* n more targets 198.18.0.1.. listed on bl.test with a TXT of `lt` '<' (each served as a
 * 6-byte escape), every target placed in numeric order as a digest places them; and n
 * problems of those addresses with the same TXT. */
static void add_big_pages(int n, int lt)
{
	char err[256], txt[600];
	store_t *s = store_open(udb, STORE_RW, err, sizeof(err));
	int64_t lbl, now = time(NULL);
	store_state_t st;

	cr_assert_not_null(s, "%s", err);
	cr_assert_lt((size_t)lt, sizeof(txt));
	memset(txt, '<', (size_t)lt);
	txt[lt] = '\0';
	lbl = store_scalar(s, "SELECT id FROM lists WHERE zone = 'bl.test'");
	cr_assert_eq(store_begin(s), 0);
	memset(&st, 0, sizeof(st));
	st.present = true;
	st.status = STATUS_LISTED;
	st.since = st.checked_at = now - 100;
	harness_answer(&st.ans, "[\"127.0.0.2\"]", txt);
	for (int i = 0; i < n; i++) {
		target_t t = {.type = TARGET_IPV4};
		int64_t id;
		snprintf(t.name, sizeof(t.name), "198.18.%d.%d", (i + 1) / 256, (i + 1) % 256);
		cr_assert_eq(target_parse_ip(t.name, &t), 0);
		id = store_target_id(s, &t, now);
		cr_assert_gt(id, 0);
		cr_assert_eq(store_state_put(s, id, lbl, &st), 0);
		cr_assert_eq(store_state_problem_set(s, id, lbl, t.name), 0);
		cr_assert_eq(store_target_standing_set(s, id, &t, STANDING_OWN, false), 0);
	}
	for (int i = 7; i <= 8; i++) { /* write_db's targets, in their place too */
		target_t t = {.type = TARGET_IPV4};
		snprintf(t.name, sizeof(t.name), "198.51.100.%d", i);
		cr_assert_eq(target_parse_ip(t.name, &t), 0);
		cr_assert_eq(store_target_standing_set(s, store_target_id(s, &t, now), &t,
						       STANDING_NEIGHBOURHOOD, false), 0);
	}
	cr_assert_eq(store_commit(s), 0);
	store_scalar(s, "INSERT INTO problems (list_id, entity, scope, severity, rank, codes, txt, "
			"affected, first, since, stale, seen) "
			"SELECT s.list_id, s.problem, 'ip', 'medium', 100 + t.id, '[\"127.0.0.2\"]', "
			"substr(s.txt, 3, length(s.txt) - 4), 1, '[\"' || t.target || '\"]', s.since, 0, 1 "
			"FROM state s JOIN targets t ON t.id = s.target_id WHERE s.problem IS NOT NULL");
	cr_assert_eq(store_scalar(s, "SELECT count(*) FROM problems"), n, "problems not written");
	store_close(s);
}

/* Follows `next` from path; every page answers 200 in at most max_bytes and matches the
 * schema. Returns how many pages; *n counts the items of `member`, whose `key` values
 * (a target's name, a problem's rank) must come each once, in ascending order. */
static int follow_pages(int port_, const char *first, const char *member, const char *key,
			const char *schema, size_t max_bytes, int *n)
{
	char path[1024];
	double last = -1;
	int pages = 0;

	*n = 0;
	snprintf(path, sizeof(path), "%s", first);
	while (path[0]) {
		resp_t r;
		char sch[128];
		cJSON *doc, *it, *next;

		cr_assert_eq(req(port_, "GET", path, NULL, &r), 0, "GET %s failed", path);
		cr_assert_eq(r.status, 200, "GET %s: %ld", path, r.status);
		cr_assert_leq(r.len, max_bytes, "GET %s: %zu bytes", path, r.len);
		snprintf(sch, sizeof(sch), "api/%s.schema.json", schema);
		cr_assert_eq(harness_schema_valid(sch, r.body), 0, "GET %s does not match %s", path, sch);
		doc = cJSON_Parse(r.body);
		resp_free(&r);
		cr_assert_not_null(doc);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, member))
		{
			cJSON *k = cJSON_GetObjectItem(it, key);
			double v;
			if (cJSON_IsString(k)) { /* an address: numeric order */
				unsigned o[4];
				cr_assert_eq(sscanf(k->valuestring, "%u.%u.%u.%u", &o[0], &o[1], &o[2],
						    &o[3]), 4);
				v = (double)o[0] * 16777216 + o[1] * 65536 + o[2] * 256 + o[3];
			} else {
				v = k->valuedouble;
			}
			cr_assert_gt(v, last, "%s: %s out of order or twice", path, key);
			last = v;
			(*n)++;
		}
		next = cJSON_GetObjectItem(doc, "next");
		snprintf(path, sizeof(path), "%s", cJSON_IsString(next) ? next->valuestring : "");
		cJSON_Delete(doc);
		cr_assert_lt(++pages, 100);
	}
	return pages;
}

Test(web_unit, pages_end_before_their_byte_budget, .timeout = 120)
{
	http_t *h;
	int n, pages;

	write_db(time(NULL), 0);
	/* 700 targets of about 1.7 KB each as served (a TXT of 200 '<', 1,200 bytes escaped):
	 * 1.2 MB, more than a page of targets may hold, and 700 problems of about 1.6 KB */
	add_big_pages(700, 200);
	h = unit_start(NULL);
	pages = follow_pages(http_port(h), "/api/v1/status?limit=5000", "targets", "target",
			     "status", 1024 * 1024, &n);
	cr_assert_eq(n, 702, "every target once, in order");
	cr_assert_eq(pages, 2, "the page ended before 1 MiB and the next one holds the rest");
	pages = follow_pages(http_port(h), "/api/v1/targets?status=own&limit=5000", "targets",
			     "target", "targets", 1024 * 1024, &n);
	cr_assert_eq(n, 700);
	cr_assert_eq(pages, 2);
	/* a page of problems ends before 256 KiB, at the default limit or a larger one */
	pages = follow_pages(http_port(h), "/api/v1/problems", "problems", "rank", "problems",
			     256 * 1024, &n);
	cr_assert_eq(n, 700);
	cr_assert_geq(pages, 4, "at about 1.6 KB a problem, 256 KiB hold fewer than 170");
	/* a small page is not cut */
	pages = follow_pages(http_port(h), "/api/v1/problems?limit=100", "problems", "rank",
			     "problems", 256 * 1024, &n);
	cr_assert_eq(n, 700);
	cr_assert_eq(pages, 7);
	http_stop(h);
}

/* blmon_events_total{to=...} of a /metrics scrape. */
static long long events_total(int port_, const char *to)
{
	resp_t r;
	char key[64];
	const char *p;
	long long v;

	cr_assert_eq(req(port_, "GET", "/metrics", NULL, &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	snprintf(key, sizeof(key), "blmon_events_total{to=\"%s\"} ", to);
	p = strstr(r.body, key);
	cr_assert_not_null(p, "%s", r.body);
	v = atoll(p + strlen(key));
	resp_free(&r);
	return v;
}

Test(web_unit, events_total_counts_what_is_added_and_a_new_file_from_its_start)
{
	char path[1100];
	http_t *h;

	write_db(time(NULL), 40); /* 20 to listed, 20 to clean */
	h = unit_start(NULL);
	cr_assert_eq(events_total(http_port(h), "listed"), 20);
	cr_assert_eq(events_total(http_port(h), "clean"), 20);
	cr_assert_eq(events_total(http_port(h), "listed"), 20, "a scrape counts each event once");
	add_first_answers(33); /* 2 more to listed, 31 to clean */
	cr_assert_eq(events_total(http_port(h), "listed"), 22);
	cr_assert_eq(events_total(http_port(h), "clean"), 51);
	/* another database at the path, with fewer events: counted from its start */
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", udb, (const char *[]){"", "-wal", "-shm"}[i]);
		unlink(path);
	}
	write_db(time(NULL), 4);
	cr_assert_eq(events_total(http_port(h), "listed"), 2);
	cr_assert_eq(events_total(http_port(h), "clean"), 2);
	http_stop(h);
}

Test(web_unit, bind_failure_names_the_address)
{
	char err[512];
	http_opts_t o = {.listen = "127.0.0.1:0", .database = udb, .interval_s = 10, .catalog = ucat};
	http_t *h, *h2;
	char listen[64];

	write_db(time(NULL), 0);
	h = unit_start(NULL);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", http_port(h));
	o.listen = listen;
	h2 = http_start(&o, err, sizeof(err));
	cr_assert_null(h2);
	cr_assert(strstr(err, listen) && strstr(err, "Address already in use"), "%s", err);
	http_stop(h);
}

Test(web_unit, token_compare_is_exact)
{
	http_t *h;
	resp_t r;
	static const char *const bad[] = {"Bearer to", "Bearer tokk", "Bearer ", "Basic tok", "tok"};

	write_db(time(NULL), 0);
	h = unit_start("tok");
	cr_assert_eq(req(http_port(h), "GET", "/api/v1/lists", "Bearer tok", &r), 0);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	cr_assert_eq(req(http_port(h), "GET", "/api/v1/lists", "bearer tok", &r), 0);
	cr_assert_eq(r.status, 200, "the scheme is case-insensitive");
	resp_free(&r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(req(http_port(h), "GET", "/api/v1/lists", bad[i], &r), 0);
		cr_assert_eq(r.status, 401, "%s", bad[i]);
		resp_free(&r);
	}
	http_stop(h);
}

/* ===== pure functions ===== */

Test(web_pure, rfc3339_times)
{
	int64_t t;

	cr_assert_eq(timefmt_parse_rfc3339("2026-01-02T03:04:05Z", &t), 0);
	cr_assert_eq(t, 1767323045);
	cr_assert_eq(timefmt_parse_rfc3339("2026-01-02t03:04:05.123z", &t), 0);
	cr_assert_eq(t, 1767323045);
	cr_assert_eq(timefmt_parse_rfc3339("2026-01-02T05:04:05+02:00", &t), 0);
	cr_assert_eq(t, 1767323045);
	cr_assert_eq(timefmt_parse_rfc3339("2026-01-01T22:04:05-05:00", &t), 0);
	cr_assert_eq(t, 1767323045);
	static const char *const bad[] = {"", "2026-01-02", "2026-01-02T03:04:05", "2026-13-02T03:04:05Z",
					  "2026-02-30T03:04:05Z", "2026-01-02T24:00:00Z",
					  "2026-01-02T03:04:05Zjunk", "2026-01-02T03:04:05+2:00",
					  "2026-01-02 03:04:05Z", "1969-12-31T23:59:59Z", "2026-01-02T03:04:05."};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(timefmt_parse_rfc3339(bad[i], &t), -1, "'%s' accepted", bad[i]);
	{
		char buf[TIMEFMT_MAX];
		timefmt_rfc3339(1767323045, buf);
		cr_assert_str_eq(buf, "2026-01-02T03:04:05Z");
	}
}

/* A list's TXT is anyone's text: in a spreadsheet a cell starting with = is a formula. */
Test(web_pure, csv_quotes_cells_and_defuses_formulas)
{
	cJSON *doc = cJSON_Parse(
		"{\"problems\":[{\"rank\":1,\"id\":7,\"headline\":\"X lists 192.0.2.1\","
		"\"scope\":\"ip\",\"severity\":\"high\",\"zone\":\"x.test\",\"name\":\"X\","
		"\"entity\":\"192.0.2.1\",\"affected\":1,\"targets\":[\"192.0.2.1\"],\"since\":null,"
		"\"stale\":true,\"codes\":[\"127.0.0.2\"],\"meanings\":[],"
		"\"txt\":\"=HYPERLINK(\\\"http://evil\\\",\\\"x\\\")\","
		"\"advice\":\"-2+3\",\"removal_url\":\"@SUM(1)\",\"ignored_by\":\"line\\r\\nbreak\"}]}");
	size_t len;
	char *csv;

	cr_assert_not_null(doc);
	csv = api_csv_problems(doc, &len);
	cr_assert_eq(strlen(csv), len);
	cr_assert_str_eq(csv,
			 "rank,id,headline,scope,severity,zone,name,entity,affected,targets,since,stale,"
			 "codes,meanings,txt,advice,removal_url,ignored_by\r\n"
			 "1,7,X lists 192.0.2.1,ip,high,x.test,X,192.0.2.1,1,192.0.2.1,,true,127.0.0.2,,"
			 "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",'-2+3,'@SUM(1),\"line\r\nbreak\"\r\n");
	free(csv);
	cJSON_Delete(doc);
}

Test(web_pure, metric_label_escaping)
{
	char out[256];

	prom_label_escape("a\"b\\c\nd\te\x1b" "f", out, sizeof(out), 100);
	cr_assert_str_eq(out, "a\\\"b\\\\c\\nd e f");
	prom_label_escape("bad \xff utf8", out, sizeof(out), 100);
	cr_assert_str_eq(out, "bad \xef\xbf\xbd utf8");
	prom_label_escape("0123456789", out, sizeof(out), 4);
	cr_assert_str_eq(out, "0123");
	prom_label_escape(NULL, out, sizeof(out), 4);
	cr_assert_str_eq(out, "");
}

Test(web_unit, status_cache_follows_new_cycles_and_events)
{
	char err[256];
	http_t *h;
	cJSON *doc, *t;
	store_t *s;
	int64_t tid, lid;
	store_state_t st;

	write_db(time(NULL), 0);
	h = unit_start(NULL);
	doc = get_json(http_port(h), "/api/v1/status", 200);
	t = find_by(cJSON_GetObjectItem(doc, "targets"), "target", "198.51.100.8");
	cr_assert_not_null(t);
	cr_assert_str_eq(harness_str(t, "status"), "clean");
	cJSON_Delete(doc);
	/* served again unchanged while nothing happened */
	doc = get_json(http_port(h), "/api/v1/status", 200);
	cr_assert_str_eq(harness_str(find_by(cJSON_GetObjectItem(doc, "targets"), "target",
					     "198.51.100.8"), "status"), "clean");
	cJSON_Delete(doc);
	/* a confirmed change (an event) must show at once, cache or not */
	s = store_open(udb, STORE_RW, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	tid = store_scalar(s, "SELECT id FROM targets WHERE target = '198.51.100.8'");
	lid = store_scalar(s, "SELECT id FROM lists WHERE zone = 'bl.test'");
	cr_assert_eq(store_state_get(s, tid, lid, &st), 1);
	st.status = STATUS_LISTED;
	harness_answer(&st.ans, "[\"127.0.0.2\"]", NULL);
	cr_assert_eq(store_state_put(s, tid, lid, &st), 0);
	{
		store_event_t ev;
		memset(&ev, 0, sizeof(ev));
		ev.at = time(NULL);
		ev.target_id = tid;
		ev.list_id = lid;
		ev.from = STATUS_CLEAN;
		ev.to = STATUS_LISTED;
		ev.ans = st.ans;
		cr_assert_gt(store_event_add(s, &ev), 0);
	}
	store_close(s);
	doc = get_json(http_port(h), "/api/v1/status", 200);
	cr_assert_str_eq(harness_str(find_by(cJSON_GetObjectItem(doc, "targets"), "target",
					     "198.51.100.8"), "status"), "listed",
			 "the status document did not follow a new event");
	cJSON_Delete(doc);
	http_stop(h);
}

Test(web_unit, https_with_cert_and_key)
{
	char cmd[2048], cert[1100], key[1100], url[128], err[512];
	char *body = NULL;
	CURL *c;
	CURLcode rc;
	long code = 0;
	http_t *h;
	http_opts_t o = {.listen = "127.0.0.1:0", .database = udb, .interval_s = 10, .catalog = ucat,
			 .cert = cert, .key = key};

	write_db(time(NULL), 0);
	snprintf(cert, sizeof(cert), "%s/cert.pem", udir);
	snprintf(key, sizeof(key), "%s/key.pem", udir);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
		 "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s "
		 ">/dev/null 2>&1", key, cert);
	cr_assert_eq(system(cmd), 0, "openssl could not make a test certificate");
	h = http_start(&o, err, sizeof(err));
	cr_assert_not_null(h, "%s", err);
	/* the certificate is verified for real: CA = the self-signed cert, name = 127.0.0.1 */
	c = curl_easy_init();
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/api/v1/lists", http_port(h));
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_CAINFO, cert);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	cr_assert_eq(rc, CURLE_OK, "%s", curl_easy_strerror(rc));
	cr_assert_eq(code, 200);
	cr_assert(body && strstr(body, "bl.test"), "%s", body ? body : "(no body)");
	free(body);
	/* plain HTTP on the TLS port gets no answer */
	{
		resp_t r;
		cr_assert(req(http_port(h), "GET", "/api/v1/lists", NULL, &r) < 0 || r.status != 200);
		resp_free(&r);
	}
	http_stop(h);
	/* half a configuration is an error, not plain HTTP */
	o.key = NULL;
	cr_assert_null(http_start(&o, err, sizeof(err)));
	cr_assert(strstr(err, "both cert and key"), "%s", err);
}

/* ---- slow clients: sockets that trickle a request must not starve /healthz (issue 16.6) ---- */

#define SLOW_MAX 300

/* The trickling sockets and the server of one test, closed by slow_fini even when it fails. */
static struct {
	int fd[SLOW_MAX];
	size_t n;
	http_t *h;
} slow;

static void slow_fini(void)
{
	for (size_t i = 0; i < slow.n; i++)
		if (slow.fd[i] >= 0)
			close(slow.fd[i]);
	slow.n = 0;
	http_stop(slow.h);
	slow.h = NULL;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Opens n connections to port that will each trickle a request; from 127.0.0.1 when
 * naddr is 0, else spread over 127.0.0.2 .. 127.0.0.(naddr + 1), as from many clients. */
static void slow_open(int to_port, size_t n, int naddr)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)to_port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	for (size_t i = 0; i < n && slow.n < SLOW_MAX; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
		slow.fd[slow.n++] = fd;
		if (naddr > 0) {
			struct sockaddr_in from = {.sin_family = AF_INET};
			from.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + (uint32_t)(i % (size_t)naddr));
			cr_assert_eq(bind(fd, (struct sockaddr *)&from, sizeof(from)), 0, "bind: %s",
				     strerror(errno));
		}
		cr_assert(connect(fd, (struct sockaddr *)&to, sizeof(to)) == 0 || errno == EINPROGRESS,
			  "connect: %s", strerror(errno));
	}
}

/* Sends byte k of a request that never ends on every slow connection still open;
 * closes those the server closed. Returns how many are still open. */
static size_t slow_send(size_t k)
{
	static const char line[] = "GET /healthz HTTP/1.1\r\nX-Slow: ";
	char c = k < sizeof(line) - 1 ? line[k] : 'x';
	size_t open = 0;

	for (size_t i = 0; i < slow.n; i++) {
		char buf[64];
		ssize_t r;

		if (slow.fd[i] < 0)
			continue;
		r = recv(slow.fd[i], buf, sizeof(buf), MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN) ||
		    (send(slow.fd[i], &c, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN &&
		     errno != EWOULDBLOCK && errno != ENOTCONN)) {
			close(slow.fd[i]);
			slow.fd[i] = -1;
			continue;
		}
		open++;
	}
	return open;
}

/* Waits ms for the server to close slow connections (it is the event waited for; the
 * time is the trickle's pace); closes those it closed. Returns how many are still open. */
static size_t slow_wait(long long ms)
{
	long long end = mono_ms() + ms, left;
	struct pollfd pfd[SLOW_MAX];
	size_t open = 0;

	while ((left = end - mono_ms()) > 0) {
		nfds_t n = 0;
		for (size_t i = 0; i < slow.n; i++)
			if (slow.fd[i] >= 0)
				pfd[n++] = (struct pollfd){.fd = slow.fd[i], .events = POLLIN | POLLRDHUP};
		if (n == 0 || poll(pfd, n, (int)left) <= 0)
			break;
		for (nfds_t j = 0; j < n; j++)
			if (pfd[j].revents)
				for (size_t i = 0; i < slow.n; i++)
					if (slow.fd[i] == pfd[j].fd) {
						close(slow.fd[i]);
						slow.fd[i] = -1;
					}
	}
	for (size_t i = 0; i < slow.n; i++)
		open += slow.fd[i] >= 0;
	return open;
}

/* GET /healthz with a deadline of ms: the HTTP status (0: no answer in time), and the time taken. */
static long probe_healthz(int to_port, long ms, long long *took)
{
	CURL *c = curl_easy_init();
	char url[128], *body = NULL;
	long status = 0;
	long long t0 = mono_ms();

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/healthz", to_port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	*took = mono_ms() - t0;
	if (status && !(body && strstr(body, "\"status\"")))
		status = -1; /* an answer, but not the health document */
	free(body);
	return status;
}

/* Three rounds, a second apart: every slow socket sends one more byte, then /healthz must
 * answer within 2 s. The slow sockets never finish their request. */
static void slow_rounds(int to_port)
{
	size_t prev = SIZE_MAX, now_open;
	long long until = mono_ms() + 3000;

	/* first the flood accepted: libmicrohttpd counts a connection the guard closed until it
	 * has reaped it, so a probe in the middle of the burst of opens can find the limit
	 * reached; the rounds are the trickle that follows (no more closes for 200 ms) */
	while ((now_open = slow_wait(200)) < prev && mono_ms() < until)
		prev = now_open;
	for (size_t round = 0; round < 3; round++) {
		long long t0 = mono_ms(), took, left;
		size_t open = slow_send(round);
		long st = probe_healthz(to_port, 2000, &took);

		cr_assert_eq(st, 200, "round %zu: /healthz gave %ld after %lld ms with %zu slow "
			     "connections open", round, st, took, open);
		cr_log_info("round %zu: /healthz 200 in %lld ms, %zu slow connections open", round,
			    took, open);
		/* the trickle's pace: one byte a second */
		left = t0 + 1000 - mono_ms();
		if (left > 0)
			slow_wait(left);
	}
}

Test(web_unit, slow_clients_from_the_probes_address_leave_healthz_answering, .fini = slow_fini)
{
	write_db(time(NULL), 0);
	slow.h = unit_start(NULL);
	slow_open(http_port(slow.h), SLOW_MAX, 0);
	slow_rounds(http_port(slow.h));
}

Test(web_unit, slow_clients_from_many_addresses_leave_healthz_answering, .fini = slow_fini)
{
	write_db(time(NULL), 0);
	slow.h = unit_start(NULL);
	slow_open(http_port(slow.h), SLOW_MAX, 6);
	slow_rounds(http_port(slow.h));
}

Test(web_unit, a_request_must_arrive_whole_in_time, .fini = slow_fini)
{
	char err[512];
	http_opts_t o = {.listen = "127.0.0.1:0", .database = udb, .interval_s = 10, .catalog = ucat,
			 .request_timeout_s = 2};
	long long t0, took;
	size_t k = 0, open;

	write_db(time(NULL), 0);
	slow.h = http_start(&o, err, sizeof(err));
	cr_assert_not_null(slow.h, "%s", err);
	/* a few, far from any limit: only the deadline can close them; a byte a second
	 * keeps an idle timeout from ever firing */
	slow_open(http_port(slow.h), 3, 0);
	t0 = mono_ms();
	while (slow_send(k++) > 0 && (open = slow_wait(1000)) > 0 && mono_ms() - t0 < 6000)
		;
	took = mono_ms() - t0;
	open = slow_wait(0);
	cr_assert_eq(open, 0, "%zu trickling connections still open after %lld ms (deadline 2 s)",
		     open, took);
	cr_assert_geq(took, 1500, "closed after %lld ms, before the 2 s deadline", took);
	/* and a request that arrives whole is still answered */
	cr_assert_eq(probe_healthz(http_port(slow.h), 2000, &took), 200);
}
