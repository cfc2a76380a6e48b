/* test_hostile.c -- `blmon check` against a lying DNS server: every broken answer has its verdict.
 * tests/hostiledns.py answers 10.0.0.N of hostile.test in way N; one run checks every mode. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

static char *dir;
static harness_server_t dns;

static void setup(void)
{
	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_hostile_dns_start(&dns, dir), 0, "hostiledns.py did not start");
}

static void teardown(void)
{
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
}

TestSuite(hostile, .init = setup, .fini = teardown, .timeout = 60);

/* One mode of hostiledns.py and what blmon must make of it. */
static const struct mode {
	int n;
	const char *what;
	const char *status;
	const char *reason; /* a part of the reason, or NULL for none at all */
	int ncodes;         /* -1: not checked */
} modes[] = {
	{1, "an A record of another name", "unknown", "owned by another name", 0},
	{2, "a CNAME to itself", "unknown", "CNAME chain that loops", 0},
	{3, "an A record of 3 bytes", "unknown", "not 4 bytes", 0},
	{4, "an A record of 16 bytes", "unknown", "not 4 bytes", 0},
	{5, "class CH", "unknown", "another class than IN", 0},
	{6, "a TXT record answering an A query", "unknown", "another type than A", 0},
	{7, "15 x 127.0.0.2 and 8.8.8.8 16th", "unknown", "answer 8.8.8.8 is outside", 2},
	{8, "16 x 127.0.0.2 and 8.8.8.8 17th", "unknown", "answer 8.8.8.8 is outside", 2},
	{9, "8.8.8.8 first, then 16 x 127.0.0.2", "unknown", "answer 8.8.8.8 is outside", 2},
	{10, "a TTL of 2^31-1", "listed", NULL, 1},
	{11, "an answer with the wrong id", "unknown", "timeout", 0},
	{12, "an answer to another question", "unknown", "timeout", 0},
	{13, "truncated over UDP, whole over TCP", "listed", NULL, 1},
	{14, "a compression pointer loop", "unknown", "cannot be read", 0},
	{15, "an answer count that lies", "unknown", "cannot be read", 0},
	{16, "SERVFAIL", "unknown", "SERVFAIL", 0},
	{17, "REFUSED", "unknown", "REFUSED", 0},
	{18, "an answer after the timeout", "unknown", "timeout", 0},
	{19, "20 distinct codes", "listed", NULL, 16},
	{20, "a sound CNAME chain", "listed", NULL, 1},
	{21, "a CNAME chain that ends nowhere", "unknown", "ends without an A record", 0},
	{23, "NXDOMAIN", "clean", NULL, 0},
	{24, "NOERROR without records", "clean", "no A record", 0},
	{26, "15 x 127.0.0.2 and 127.0.0.1 16th", "unknown", "127.0.0.1 is never a listing", 2},
};

#define NMODES (sizeof(modes) / sizeof(modes[0]))

Test(hostile, every_broken_answer_has_its_verdict_and_reason)
{
	char resolver[64], targets[NMODES][16];
	const char *args[10 + NMODES + 1];
	harness_run_t r;
	cJSON *doc;
	size_t na = 0;

	snprintf(resolver, sizeof(resolver), "127.0.0.1:%d", dns.port);
	args[na++] = "check";
	args[na++] = "--json";
	args[na++] = "--resolver";
	args[na++] = resolver;
	args[na++] = "--list";
	args[na++] = "hostile.test";
	args[na++] = "--timeout";
	args[na++] = "500ms";
	args[na++] = "--retries"; /* mode 18 answers after 3 s: later than one try */
	args[na++] = "0";
	for (size_t i = 0; i < NMODES; i++) {
		snprintf(targets[i], sizeof(targets[i]), "10.0.0.%d", modes[i].n);
		args[na++] = targets[i];
	}
	args[na] = NULL;
	cr_assert_eq(harness_run(&r, 30, args), 0);
	doc = cJSON_Parse(r.out);
	cr_assert_not_null(doc, "not JSON:\n%s\n%s", r.out, r.err);
	cr_assert_eq(harness_schema_valid("check.schema.json", r.out), 0);
	cr_assert_str_eq(harness_str(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "lists"), 0), "health"),
			 "ok", "the list's own test points are sound");
	for (size_t i = 0; i < NMODES; i++) {
		const struct mode *m = &modes[i];
		cJSON *res = harness_result(harness_target(doc, targets[i]), "hostile.test");
		const char *reason;

		cr_assert_not_null(res, "mode %d (%s): no result", m->n, m->what);
		reason = harness_str(res, "reason");
		cr_expect_str_eq(harness_str(res, "status"), m->status, "mode %d (%s): status %s, reason %s",
				 m->n, m->what, harness_str(res, "status"), reason ? reason : "(none)");
		if (m->reason)
			cr_expect(reason && strstr(reason, m->reason), "mode %d (%s): reason '%s' lacks '%s'",
				  m->n, m->what, reason ? reason : "(none)", m->reason);
		if (m->ncodes >= 0)
			cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(res, "codes")), m->ncodes,
				     "mode %d (%s): codes", m->n, m->what);
	}
	/* exit status: something listed */
	cr_assert_eq(r.status, 1, "%s", r.err);
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(hostile, nothing_usable_is_never_clean_exit_3)
{
	char resolver[64];
	const char *args[] = {"check", "--resolver", resolver, "--list", "hostile.test", "10.0.0.1",
			      "10.0.0.6", NULL};
	harness_run_t r;

	snprintf(resolver, sizeof(resolver), "127.0.0.1:%d", dns.port);
	cr_assert_eq(harness_run(&r, 30, args), 0);
	cr_assert_eq(r.status, 3, "answers with nothing usable must not exit 0:\n%s", r.out);
	harness_run_free(&r);
}

Test(hostile, a_lying_test_point_sidelines_the_list)
{
	char resolver[64];
	const char *args[] = {"check", "--json", "--resolver", resolver, "--list", "liar.test",
			      "192.0.2.1", NULL};
	harness_run_t r;
	cJSON *doc, *list;

	snprintf(resolver, sizeof(resolver), "127.0.0.1:%d", dns.port);
	cr_assert_eq(harness_run(&r, 30, args), 0);
	doc = cJSON_Parse(r.out);
	cr_assert_not_null(doc, "%s", r.err);
	list = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "lists"), 0);
	cr_assert_str_neq(harness_str(list, "health"), "ok", "a test point answered with an A record "
			  "of another name must not pass");
	cr_assert(strstr(harness_str(list, "detail"), "owned by another name"), "%s",
		  harness_str(list, "detail"));
	cr_assert_str_eq(harness_str(harness_result(harness_target(doc, "192.0.2.1"), "liar.test"),
				     "status"), "unknown");
	cr_assert_eq(r.status, 3);
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(hostile, bidi_controls_are_escaped_on_the_terminal)
{
	char resolver[64];
	const char *args[] = {"check", "--resolver", resolver, "--list", "hostile.test", "10.0.0.22",
			      NULL};
	harness_run_t r;

	snprintf(resolver, sizeof(resolver), "127.0.0.1:%d", dns.port);
	cr_assert_eq(harness_run(&r, 30, args), 0);
	cr_assert(strstr(r.out, "Listed \\u202eevil\\u202c \\u2066isolate\\u2069"), "%s", r.out);
	cr_assert_null(strstr(r.out, "\xe2\x80\xae"), "a raw U+202E reached the terminal");
	harness_run_free(&r);
}

/* How many times the server was asked name (over UDP or TCP). */
static int asked(const char *name)
{
	char path[1100], *log, *p;
	int n = 0;

	snprintf(path, sizeof(path), "%s/queries.log", dir);
	log = harness_read(path);
	for (p = log; (p = strstr(p, name)); p += strlen(name))
		n++;
	free(log);
	return n;
}

Test(hostile, a_closed_tcp_connection_is_named_and_retried)
{
	char resolver[64];
	const char *args[] = {"check", "--json", "--resolver", resolver, "--list", "hostile.test",
			      "10.0.0.25", "10.0.0.13", NULL};
	harness_run_t r;
	cJSON *doc;

	snprintf(resolver, sizeof(resolver), "127.0.0.1:%d", dns.port);
	cr_assert_eq(harness_run(&r, 30, args), 0);
	doc = cJSON_Parse(r.out);
	cr_assert_not_null(doc, "%s", r.err);
	/* the server hangs up on 10.0.0.25 over TCP; c-ares then fails every query in flight
	 * to that server, 10.0.0.13's too: each is asked again, and the reason says why */
	for (int i = 0; i < 2; i++) {
		const char *t = i ? "10.0.0.13" : "10.0.0.25";
		cJSON *res = harness_result(harness_target(doc, t), "hostile.test");
		const char *reason = harness_str(res, "reason");
		if (!strcmp(harness_str(res, "status"), "listed"))
			continue; /* the retry found the connection whole */
		cr_assert_str_eq(harness_str(res, "status"), "unknown", "%s", t);
		cr_assert(reason && strstr(reason, "closed the TCP connection"), "%s: %s", t, reason);
		cr_assert_null(strstr(reason, "connection refused"), "%s", reason);
	}
	cr_assert_geq(asked("udp 25.0.0.10.hostile.test 1"), 2, "10.0.0.25 was not retried");
	cJSON_Delete(doc);
	harness_run_free(&r);
}

Test(hostile, a_ttl_of_years_is_capped_by_the_interval)
{
	char conf[1100], db[1100], logp[1100], text[1024];
	const char *args[] = {"run", "-c", conf, NULL};
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/blmon.conf", dir);
	snprintf(db, sizeof(db), "%s/blmon.db", dir);
	snprintf(logp, sizeof(logp), "%s/blmon.log", dir);
	snprintf(text, sizeof(text),
		 "[monitor]\ninterval = 2s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		 "[targets]\nip = 10.0.0.10\n[lists]\ndefault = no\n[list hostile.test]\n"
		 "[http]\nlisten = 127.0.0.1:%d\n",
		 dns.port, db, harness_free_tcp_port());
	cr_assert_eq(harness_write(dir, "blmon.conf", text), 0);
	pid = harness_blmon_start(args, logp);
	cr_assert_gt(pid, 0);
	/* hostiledns answers 10.0.0.10 listed with a TTL of 2^31-1 seconds (68 years) */
	if (!harness_db_wait(db, "SELECT count(*) FROM state WHERE status = 'listed'", 1, 8000)) {
		harness_blmon_kill(&pid);
		cr_assert_fail("no listing recorded:\n%s", harness_read(logp));
	}
	cr_assert_leq(harness_db_value(db, "SELECT ttl_until - checked_at FROM state"), 2,
		      "the answer must be asked again within one interval");
	/* and it is: the name is queried again in the next cycles */
	cr_assert(harness_db_wait(db, "SELECT count(*) >= 3 FROM cycles WHERE ended IS NOT NULL", 1,
				  10000));
	cr_assert_geq(asked("udp 10.0.0.10.hostile.test 1"), 2, "the listing was never asked again");
	cr_assert_eq(harness_blmon_stop(&pid, 3000), 0);
}
