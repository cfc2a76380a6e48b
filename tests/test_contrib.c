/* test_contrib.c -- contrib/ is proven, not only shipped: every Grafana panel's query returns data
 * from a real Prometheus scraping a real daemon, and the Alertmanager example passes amtool and routes
 * each of blmon's alert rules where its comments say. */
#include <criterion/criterion.h>
#include <cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/harness.h"

static char *dir;
static harness_server_t dns, prom;
static harness_daemon_t d;

static void setup(void)
{
	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	harness_daemon_init(&d, dir);
	memset(&dns, 0, sizeof(dns));
	memset(&prom, 0, sizeof(prom));
}

static void teardown(void)
{
	harness_server_stop(&prom);
	harness_daemon_kill(&d);
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(contrib, .init = setup, .fini = teardown, .timeout = 60);

static const char *root(void)
{
	const char *r = getenv("BLMON_ROOT");
	return r ? r : ".";
}

/* Runs a shell command line; its exit status. Output goes to stderr. */
static int sh(const char *cmd)
{
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* ---- Grafana ---- */

/* A Postfix bounce from Office 365 (S3150): the log watcher's provider rejection. */
static void s3150(FILE *f, int n)
{
	fprintf(f, "Jun 20 13:43:%02d mail1 postfix/smtp[2318]: 4F1A%04X: to=<user%d@example.org>, "
		   "relay=example-org.mail.protection.outlook.com[192.0.2.99]:25, delay=7.5, "
		   "delays=2.2/0/0.28/5.1, dsn=5.7.1, status=bounced (host "
		   "example-org.mail.protection.outlook.com[192.0.2.99] said: 550 5.7.1 Unfortunately, "
		   "messages from [192.0.2.10] weren't sent. Please contact your Internet service "
		   "provider since part of their network is on our block list (S3150). (in reply to "
		   "MAIL FROM command))\n", n, (unsigned)n, n);
}

/* The result of an instant query: how many series, or -1 when Prometheus refused it (err). */
static int query(const char *promql, char *err, size_t errlen)
{
	CURL *c = curl_easy_init();
	char *q = curl_easy_escape(c, promql, 0), path[4096], *body;
	long status;
	cJSON *doc, *res;
	int n = -1;

	snprintf(path, sizeof(path), "/api/v1/query?query=%s", q);
	curl_free(q);
	curl_easy_cleanup(c);
	body = harness_http_get(prom.port, path, &status);
	doc = body ? cJSON_Parse(body) : NULL;
	res = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "result");
	if (status == 200 && cJSON_IsArray(res))
		n = cJSON_GetArraySize(res);
	else
		snprintf(err, errlen, "HTTP %ld: %.300s", status, body ? body : "(no answer)");
	cJSON_Delete(doc);
	free(body);
	return n;
}

/* expr with Grafana's variables as the dashboard would send them: every blmon, 1m windows. */
static void grafana_expand(const char *expr, char *out, size_t len)
{
	static const struct {
		const char *var, *value;
	} vars[] = {{"${instance}", ".+"}, {"$instance", ".+"}, {"$__rate_interval", "1m"},
		    {"$__interval", "1s"}, {"$__range", "5m"}};
	size_t o = 0;

	while (*expr && o + 1 < len) {
		size_t i;
		for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
			if (!strncmp(expr, vars[i].var, strlen(vars[i].var)))
				break;
		if (i < sizeof(vars) / sizeof(vars[0])) {
			o += (size_t)snprintf(out + o, len - o, "%s", vars[i].value);
			expr += strlen(vars[i].var);
		} else {
			out[o++] = *expr++;
		}
	}
	out[o < len ? o : len - 1] = '\0';
	cr_assert_null(strchr(out, '$'), "a Grafana variable the test does not know: %s", out);
}

/* Waits until Prometheus holds at least n samples of the daemon's build info (n scrapes). */
static bool scraped(int n, int ms)
{
	char q[128], err[400];

	snprintf(q, sizeof(q), "count_over_time(blmon_build_info[1m]) >= %d", n);
	for (int waited = 0; waited < ms; waited += 100) {
		if (query(q, err, sizeof(err)) > 0)
			return true;
		usleep(100000);
	}
	return false;
}

Test(contrib, every_grafana_panel_has_data_in_a_real_prometheus, .timeout = 40)
{
	static const char *const zones[] = {"bl.test:ip4set:bl", "hood.test:ip4set:hood",
					    "dead.test:dnset:dead", NULL};
	char path[1100], *text, expr[2048], err[400];
	int port = harness_free_tcp_port(), panels = 0, queries = 0;
	cJSON *dash, *p, *t;
	FILE *log;

	cr_assert_eq(harness_write_zone(dir, "bl", ":127.0.0.2:Spam source\n127.0.0.2\n192.0.2.10\n"
				       "192.0.2.30 :127.255.255.254:Refused\n"), 0);
	cr_assert_eq(harness_write_zone(dir, "hood", ":127.0.0.2:Network listed\n127.0.0.2\n"
				       "192.0.2.8/30\n"), 0);
	cr_assert_eq(harness_write_zone(dir, "dead", "other.example\n"), 0);
	cr_assert_eq(harness_write(dir, "mail.log", ""), 0);
	cr_assert_eq(harness_rbldnsd_start_ttl(&dns, dir, zones, "1"), 0, "rbldnsd did not start");
	/* a webhook nobody answers: the alert queue has something to show */
	cr_assert_eq(harness_daemon_config(&d,
		"[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		"timeout = 300ms\nretries = 1\n"
		"[targets]\nip = 192.0.2.10\nip = 192.0.2.20\nip = 192.0.2.30\n"
		"[lists]\ndefault = no\n"
		"[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		"error = 127.255.255.254 Query refused\n"
		"[list hood.test]\nname = Hood BL\nscope = network\ncode = 127.0.0.2 Network listed\n"
		"[list dead.test]\nname = Dead DBL\ntype = domain\nscope = domain\n"
		"[http]\nlisten = 127.0.0.1:%d\n"
		"[webhook]\nurl = http://127.0.0.1:%d/hook\n[alerts]\nbatch = 0s\n"
		"[logwatch]\nfile = %s/mail.log\nthreshold = 3 in 10m\n",
		dns.port, d.db, port, harness_closed_port(), dir), 0);
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!harness_daemon_cycles(&d, 1, 10000))
		harness_daemon_fail(&d, "no cycle");
	/* the log is followed from its end: the burst comes after the start */
	snprintf(path, sizeof(path), "%s/mail.log", dir);
	log = fopen(path, "a");
	cr_assert_not_null(log);
	for (int i = 0; i < 4; i++)
		s3150(log, i);
	fclose(log);
	if (!harness_daemon_wait(&d, "SELECT count(*) FROM incidents", 1, 10000))
		harness_daemon_fail(&d, "the S3150 burst opened no incident");
	if (!harness_daemon_wait(&d, "SELECT count(*) > 0 FROM alerts WHERE attempts > 0", 1, 10000))
		harness_daemon_fail(&d, "no alert delivery attempted");
	cr_assert_eq(harness_prometheus_start(&prom, dir, port), 0);
	/* rates and increases want two samples in their window: three scrapes */
	if (!scraped(3, 15000)) {
		char *plog;
		snprintf(path, sizeof(path), "%s/prometheus.log", dir);
		plog = harness_read(path);
		cr_assert_fail("Prometheus did not scrape the daemon three times:\n%s", plog);
	}

	snprintf(path, sizeof(path), "%s/contrib/grafana-dashboard.json", root());
	text = harness_read(path);
	dash = cJSON_Parse(text);
	cr_assert_not_null(dash, "contrib/grafana-dashboard.json is not JSON");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(dash, "uid")), "blmon");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(dash, "panels"))
	{
		const char *title = cJSON_GetStringValue(cJSON_GetObjectItem(p, "title"));
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(p, "type"));
		cr_assert(title && *title, "a panel without a title");
		if (!strcmp(type, "row"))
			continue;
		panels++;
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(
					 cJSON_GetObjectItem(p, "datasource"), "uid")), "${datasource}",
				 "%s: not on the dashboard's data source", title);
		cr_assert_gt(cJSON_GetArraySize(cJSON_GetObjectItem(p, "targets")), 0, "%s", title);
		cJSON_ArrayForEach(t, cJSON_GetObjectItem(p, "targets"))
		{
			const char *e = cJSON_GetStringValue(cJSON_GetObjectItem(t, "expr"));
			int n;
			cr_assert_not_null(e, "%s: a target without expr", title);
			grafana_expand(e, expr, sizeof(expr));
			n = query(expr, err, sizeof(err));
			cr_assert_geq(n, 0, "panel \"%s\": Prometheus refused %s: %s", title, expr, err);
			cr_assert_gt(n, 0, "panel \"%s\": no data for %s", title, expr);
			queries++;
		}
	}
	cr_assert_geq(panels, 20, "the dashboard lost panels");
	cr_assert_eq(queries, 24);
	/* the instance variable lists this daemon */
	cr_assert_gt(query("group by (instance) (blmon_build_info)", err, sizeof(err)), 0);
	cJSON_Delete(dash);
	free(text);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
}

/* ---- Alertmanager ---- */

/* Each of blmon's rules, and where the example sends it. */
static const struct {
	const char *alert, *receiver;
} routed[] = {
	{"BlmonListed", "postmaster-urgent"},
	{"BlmonNeighbourhoodListed", "postmaster"},
	{"BlmonResultsStale", "monitoring"},
	{"BlmonResolverDown", "monitoring-urgent"},
	{"BlmonListUnhealthy", "monitoring"},
	{"BlmonStale", "monitoring-urgent"},
	{"BlmonDown", "monitoring-urgent"},
	{"BlmonAlertsUndelivered", "monitoring-urgent"},
	{"BlmonDnsErrors", "monitoring"},
};

Test(contrib, alertmanager_example_passes_amtool_and_routes_every_rule)
{
	char cmd[2048], path[1100], *rules;
	const char *p;
	size_t n = sizeof(routed) / sizeof(routed[0]);

	snprintf(cmd, sizeof(cmd), "amtool check-config '%s/contrib/alertmanager.yml' 1>&2", root());
	cr_assert_eq(sh(cmd), 0, "amtool check-config failed on contrib/alertmanager.yml");
	for (size_t i = 0; i < n; i++) {
		snprintf(cmd, sizeof(cmd), "amtool config routes test --config.file='%s/contrib/"
			 "alertmanager.yml' --verify.receivers=%s alertname=%s severity=warning "
			 "zone=bl.test target=192.0.2.10 >/dev/null 2>&1", root(), routed[i].receiver,
			 routed[i].alert);
		cr_assert_eq(sh(cmd), 0, "%s is not routed to %s", routed[i].alert, routed[i].receiver);
	}
	/* every rule of contrib/prometheus-rules.yml is routed on purpose */
	snprintf(path, sizeof(path), "%s/contrib/prometheus-rules.yml", root());
	rules = harness_read(path);
	for (p = rules; (p = strstr(p, "- alert: ")); p += 9) {
		size_t len = strcspn(p + 9, " \r\n");
		bool known = false;
		for (size_t i = 0; i < n && !known; i++)
			known = strlen(routed[i].alert) == len && !strncmp(routed[i].alert, p + 9, len);
		cr_assert(known, "rule %.*s has no route in this test: route it in "
				 "contrib/alertmanager.yml and add it here", (int)len, p + 9);
	}
	free(rules);
}
