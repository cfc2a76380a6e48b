/* test_dataset_check.c -- `blmon check` with lists answered from data files, against rbldnsd serving them.
 * The same generated files go to a loopback rbldnsd and to --dataset: every (target, list) result must agree. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

static char *dir;
static harness_server_t dns;
static char resolver[64];

static void teardown(void)
{
	harness_server_stop(&dns);
	harness_tmpdir_free(dir);
	dir = NULL;
}

TestSuite(dataset_check, .fini = teardown, .timeout = 120);

/* ---- generated data: every form rbldnsd reads, with bounded overlaps ---- */

/* The network swept: 10.20.0.0/16, NET24 /24s of it */
#define NET24 256
#define NETWORK "10.20.0.0/16"

static unsigned rng = 20260601;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng % n;
}

typedef struct {
	char *s;
	size_t n, cap;
} text_t;

static void add(text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(text_t *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->cap - t->n < 512) {
		t->cap = t->cap ? t->cap * 2 : 65536;
		t->s = realloc(t->s, t->cap);
	}
	va_start(ap, fmt);
	n = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
	va_end(ap);
	t->n += (size_t)n;
}

static void save(const char *name, text_t *t)
{
	cr_assert_eq(harness_write(dir, name, t->s ? t->s : ""), 0);
	free(t->s);
	memset(t, 0, sizeof(*t));
}

/* An entry's value: none, :A:, :A, TXT only, :A:TXT with $, $1 and $$, "=" past the
 * base template; codes are Spamhaus ZEN's, now and then a refusal code, 127.0.0.1 or
 * an address outside 127/8, so that every verdict rule is crossed. */
static void value(text_t *t)
{
	static const char *const codes[] = {"2", "3", "4", "9", "10", "11", "127.0.0.2", "127.0.0.4"};
	unsigned r = rnd(100);
	const char *c = codes[rnd(8)];

	if (r < 30)
		add(t, "\n");
	else if (r < 38)
		add(t, " :%s:\n", c);
	else if (r < 46)
		add(t, " :%s\n", c);
	else if (r < 54)
		add(t, " text only for $\n");
	else if (r < 62)
		add(t, " :%s:$1%u for $ ($$5)\n", c, rnd(1000));
	else if (r < 66)
		add(t, " :%s:=past the base $\n", c);
	else if (r < 68)
		add(t, " :127.255.255.254:refused\n");
	else if (r < 69)
		add(t, " :127.0.0.1:loopback\n");
	else if (r < 70)
		add(t, " :176.107.178.7:hijacked\n");
	else if (r < 74)
		add(t, " # a comment, the default\n");
	else
		add(t, " :%s:entry %u $\n", c, rnd(1000));
}

/* An ip4set over the network: single addresses, CIDRs (host parts too), prefixes,
 * dash ranges (whole and last-octet), exclusions, default lines. */
static void ip4set(text_t *t, unsigned n)
{
	add(t, "# generated\n$1 https://bl.example/q?\n:127.0.0.2:default for $\n");
	for (unsigned i = 0; i < n; i++) {
		unsigned r = rnd(1000), o3 = rnd(NET24), o4 = rnd(256);
		bool excl = rnd(100) < 10;

		if (r < 15) {
			add(t, ":%u:new default %u $\n", 2 + rnd(10), i);
			continue;
		}
		add(t, "%s", excl ? "!" : "");
		/* ranges are few enough that no address gathers more values than one UDP
		 * answer of rbldnsd holds */
		if (r < 900)
			add(t, "10.20.%u.%u", o3, o4);
		else if (r < 940)
			add(t, "10.20.%u.%u/%u", o3, o4, 26 + rnd(6));
		else if (r < 950)
			add(t, "10.20.%u", o3);
		else if (r < 954)
			add(t, "10.20.%u.0/%u", o3 & ~3u, 22 + rnd(3));
		else if (r < 985)
			add(t, "10.20.%u.%u-%u", o3, o4, o4 + rnd(o4 < 224 ? 32 : 256 - o4));
		else if (r < 996)
			add(t, "10.20.%u.%u-10.20.%u.%u", o3 % 255, o4, o3 % 255 + 1, rnd(256));
		else
			add(t, "10.20.%u-%u", o3, o3 + (o3 < 255 ? rnd(2) : 0));
		if (excl)
			add(t, "\n");
		else
			value(t);
	}
}

static void ip4trie(text_t *t, unsigned n)
{
	add(t, ":127.0.0.2:trie $\n127.0.0.2\n");
	for (unsigned i = 0; i < n; i++) {
		static const unsigned bits[] = {32, 32, 32, 32, 31, 30, 29, 28, 26, 24, 23, 21};
		unsigned b = bits[rnd(12)];
		add(t, "%s10.20.%u.%u", rnd(100) < 15 ? "!" : "", rnd(NET24), rnd(256));
		if (b < 32)
			add(t, "/%u", b);
		value(t);
	}
}

static void ip4tset(text_t *t, unsigned n)
{
	add(t, "127.0.0.2\n:127.0.0.10:tset $\n");
	for (unsigned i = 0; i < n; i++)
		add(t, "10.20.%u.%u\n", rnd(NET24), rnd(256));
	add(t, ":127.0.0.11:a second default line, ignored\n");
}

/* ---- running both ways ---- */

/* Runs blmon check with args, returning its stdout (caller frees) and exit in *status. */
static char *run(const char *const *args, int *status, char **err)
{
	harness_run_t r;

	cr_assert_eq(harness_run(&r, 100, args), 0);
	*status = r.status;
	if (err)
		*err = strdup(r.err);
	free(r.err);
	return r.out;
}

/* The next target line of a --json document (one per line; caller frees), or NULL. */
static char *next_target(char **p)
{
	char *s = strstr(*p, "\n{\"target\""), *e;

	if (!s)
		return NULL;
	s++;
	e = strchr(s, '\n');
	if (!e)
		e = s + strlen(s);
	*p = e;
	/* the line without the comma that separates it from the next */
	return strndup(s, (size_t)(e - s - (e > s && e[-1] == ',')));
}

static int txt_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The TXT records of a result, sorted: rbldnsd orders records of one answer
 * by where its loader kept them, blmon by where the lines were. */
static size_t txts(cJSON *res, char **out, size_t max)
{
	cJSON *v;
	size_t n = 0;

	cJSON_ArrayForEach(v, cJSON_GetObjectItem(res, "txt")) if (n < max) out[n++] = v->valuestring;
	qsort(out, n, sizeof(*out), txt_cmp);
	return n;
}

struct tally {
	unsigned targets, results, listed, unknown, same_line;
};

/* Compares two target lines: status, codes, reason, and the TXT records. */
static void same_target(const char *a, const char *b, struct tally *t)
{
	cJSON *x, *y, *rx, *ry;
	size_t i = 0;

	t->targets++;
	if (!strcmp(a, b))
		t->same_line++;
	x = cJSON_Parse(a);
	y = cJSON_Parse(b);
	cr_assert(x && y, "not JSON: %s / %s", a, b);
	cr_assert_str_eq(harness_str(x, "target"), harness_str(y, "target"));
	cr_assert_str_eq(harness_str(x, "status"), harness_str(y, "status"), "%s\n%s", a, b);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(x, "results")),
		     cJSON_GetArraySize(cJSON_GetObjectItem(y, "results")));
	cJSON_ArrayForEach(rx, cJSON_GetObjectItem(x, "results"))
	{
		char *cx, *cy, *tx[64], *ty[64];
		const char *why = harness_str(rx, "reason");
		size_t nx, ny;

		ry = cJSON_GetArrayItem(cJSON_GetObjectItem(y, "results"), (int)i++);
		t->results++;
		t->listed += !strcmp(harness_str(rx, "status"), "listed");
		t->unknown += !strcmp(harness_str(rx, "status"), "unknown");
		cr_assert_str_eq(harness_str(rx, "zone"), harness_str(ry, "zone"));
		cr_assert_str_eq(harness_str(rx, "status"), harness_str(ry, "status"),
				 "%s on %s\nDNS:      %s\ndatasets: %s", harness_str(x, "target"),
				 harness_str(rx, "zone"), a, b);
		cx = cJSON_PrintUnformatted(cJSON_GetObjectItem(rx, "codes"));
		cy = cJSON_PrintUnformatted(cJSON_GetObjectItem(ry, "codes"));
		cr_assert_str_eq(cx, cy, "%s on %s: codes", harness_str(x, "target"),
				 harness_str(rx, "zone"));
		free(cx);
		free(cy);
		cr_assert_str_eq(why ? why : "", harness_str(ry, "reason") ? harness_str(ry, "reason") : "");
		nx = txts(rx, tx, 64);
		ny = txts(ry, ty, 64);
		cr_assert_eq(nx, ny, "%s on %s: TXT\nDNS:      %s\ndatasets: %s",
			     harness_str(x, "target"), harness_str(rx, "zone"), a, b);
		/* past about 8 records rbldnsd drops what does not fit a UDP answer */
		cr_assert_leq(ny, 8, "the generated data lists too much at one address: %s", b);
		for (size_t k = 0; k < nx; k++)
			cr_assert_str_eq(tx[k], ty[k], "%s on %s", harness_str(x, "target"),
					 harness_str(rx, "zone"));
	}
	cJSON_Delete(x);
	cJSON_Delete(y);
}

/* Compares the --json documents a (DNS) and b (datasets) target by target. */
static struct tally compare(char *a, char *b)
{
	struct tally t = {0};
	char *pa = a, *pb = b, *la, *lb;

	while ((la = next_target(&pa))) {
		lb = next_target(&pb);
		cr_assert_not_null(lb, "the dataset run has fewer targets");
		same_target(la, lb, &t);
		free(la);
		free(lb);
	}
	lb = next_target(&pb);
	cr_assert_null(lb, "the dataset run has more targets");
	return t;
}

/* The lists part of a document: their zones and health must agree too. */
static void same_lists(const char *a, const char *b)
{
	cJSON *x = cJSON_Parse(a), *y = cJSON_Parse(b), *lx;
	int i = 0;

	cr_assert(x && y);
	cJSON_ArrayForEach(lx, cJSON_GetObjectItem(x, "lists"))
	{
		cJSON *ly = cJSON_GetArrayItem(cJSON_GetObjectItem(y, "lists"), i++);
		cr_assert_str_eq(harness_str(lx, "zone"), harness_str(ly, "zone"));
		cr_assert_str_eq(harness_str(lx, "health"), harness_str(ly, "health"));
	}
	cr_assert_eq(cJSON_GetObjectItem(y, "queries")->valueint, 0, "datasets cost no query");
	cJSON_Delete(x);
	cJSON_Delete(y);
}

Test(dataset_check, a_network_gets_the_verdicts_rbldnsd_gives_for_the_same_files)
{
	static const char *const zones[] = {
		"zen.spamhaus.org:ip4set:a1,a2", "union.test:ip4set:a1", "union.test:ip4set:b1",
		"trie.test:ip4trie:t1", "tset.test:ip4tset:s1", NULL};
	text_t t = {0};
	char conf[1100], ds[4][1200], *a, *b, *err;
	int sa, sb;
	struct tally k;

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	add(&t, "127.0.0.2 :2:RFC 5782 test point\n");
	ip4set(&t, 41 * NET24);
	save("a1", &t);
	ip4set(&t, 14 * NET24);
	save("a2", &t);
	add(&t, "$= base [$=] for $\n");
	ip4set(&t, 19 * NET24);
	save("b1", &t);
	ip4trie(&t, 41 * NET24);
	save("t1", &t);
	ip4tset(&t, 41 * NET24);
	save("s1", &t);
	/* the built-in zen.spamhaus.org keeps its codes and meanings, not its public pace */
	cr_assert_eq(harness_write(dir, "blmon.conf", "[list zen.spamhaus.org]\nrate = 0\n"), 0);
	snprintf(conf, sizeof(conf), "%s/blmon.conf", dir);
	cr_assert_eq(harness_rbldnsd_start(&dns, dir, zones), 0, "rbldnsd did not start");
	snprintf(resolver, sizeof(resolver), "127.0.0.1:%d", dns.port);
	{
		const char *args[] = {"check", "-c", conf, "--json", "--resolver", resolver,
				      "--concurrency", "50", "--list", "zen.spamhaus.org", "--list",
				      "union.test", "--list", "trie.test", "--list", "tset.test",
				      NETWORK, NULL};
		a = run(args, &sa, NULL);
	}
	snprintf(ds[0], sizeof(ds[0]), "zen.spamhaus.org=ip4set:%s/a1,%s/a2", dir, dir);
	snprintf(ds[1], sizeof(ds[1]), "union.test=ip4set:%s/a1", dir);
	snprintf(ds[2], sizeof(ds[2]), "union.test=ip4set:%s/b1", dir);
	snprintf(ds[3], sizeof(ds[3]), "trie.test=ip4trie:%s/t1", dir);
	{
		char tset[1200];
		const char *args[] = {"check", "-c", conf, "--json", "--dataset", ds[0], "--dataset",
				      ds[1], "--dataset", ds[2], "--dataset", ds[3], "--dataset",
				      tset, NETWORK, NULL};
		snprintf(tset, sizeof(tset), "tset.test=ip4tset:%s/s1", dir);
		b = run(args, &sb, &err);
	}
	cr_assert_eq(sa, sb, "exit %d with DNS, %d with datasets: %s", sa, sb, err);
	cr_assert_str_eq(err, "", "%s", err);
	same_lists(a, b);
	k = compare(a, b);
	cr_assert_eq(k.targets, NET24 * 256);
	cr_assert_eq(k.results, NET24 * 256 * 4);
	/* enough of every outcome for the comparison to mean something */
	cr_assert_gt(k.listed, NET24 * 128, "%u listed", k.listed);
	cr_assert_gt(k.unknown, 50, "%u unknown (refusal codes, 127.0.0.1, outside 127/8)",
		     k.unknown);
	cr_assert_gt(k.same_line, k.targets * 9 / 10, "%u of %u target lines byte for byte",
		     k.same_line, k.targets);
	cr_assert_str_eq(err, "");
	free(a);
	free(b);
	free(err);
}

Test(dataset_check, ipv6_and_names_get_the_answers_rbldnsd_gives)
{
	static const char *const zones[] = {
		"v6.test:ip6trie:six", "v6.test:ip4set:four", "tset6.test:ip6tset:tset6",
		"tset6.test:ip4set:four", "dn.test:dnset:dn", NULL};
	static const char *const targets[] = {
		"2001:db8::1", "2001:db8::2:1", "2001:db8::3", "2001:db8::ff:1", "2001:db8::ff:7",
		"2001:db8:0:1::9", "2001:db8:0:1::77", "2001:db8:1::42", "::1", "::ffff:192.0.2.7",
		"2002:c000:205::1", "2001:db8:dead::1", "example.com", "a.example.com",
		"a.b.wild.example", "wild.example", "both.example", "x.both.example",
		"bad.both.example", "deep.bad.both.example", "y.x.both.example", "clean.example",
		NULL};
	char conf[1100], ds[5][1200], *a, *b;
	const char *args[64];
	int n, sa, sb;
	struct tally k;

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write(dir, "six", ":127.0.0.2:six $\n"
				   "2001:db8::1\n2001:db8::2:0/112 :3:range $\n"
				   "2001:db8::ff:0/120 :4\n!2001:db8::ff:7\n"
				   "2001:db8:1 :5:words $\n::1 :10:localhost\n"), 0);
	cr_assert_eq(harness_write(dir, "four", ":2:v4 $\n127.0.0.2\n192.0.2.0/24 :9:mapped $\n"), 0);
	cr_assert_eq(harness_write(dir, "tset6", ":127.0.0.3:tset6 $\n2001:db8:0:1\n"
				   "!2001:db8:0:1::77\n"), 0);
	cr_assert_eq(harness_write(dir, "dn", ":127.0.1.2:dn $\ntest\nexample.com :3:$1x\n"
				   "*.wild.example\n.both.example :4:both $\n!bad.both.example\n"
				   "!*.x.both.example\n"), 0);
	cr_assert_eq(harness_write(dir, "blmon.conf", "[list v6.test]\nipv6 = yes\n"
				   "[list tset6.test]\nipv6 = yes\n"
				   "[list dn.test]\ntype = domain\nscope = domain\n"), 0);
	snprintf(conf, sizeof(conf), "%s/blmon.conf", dir);
	cr_assert_eq(harness_rbldnsd_start(&dns, dir, zones), 0, "rbldnsd did not start");
	snprintf(resolver, sizeof(resolver), "127.0.0.1:%d", dns.port);
	n = 0;
	args[n++] = "check";
	args[n++] = "-c";
	args[n++] = conf;
	args[n++] = "--json";
	args[n++] = "--resolver";
	args[n++] = resolver;
	args[n++] = "--list";
	args[n++] = "v6.test";
	args[n++] = "--list";
	args[n++] = "tset6.test";
	args[n++] = "--list";
	args[n++] = "dn.test";
	for (int i = 0; targets[i]; i++)
		args[n++] = targets[i];
	args[n] = NULL;
	a = run(args, &sa, NULL);
	snprintf(ds[0], sizeof(ds[0]), "v6.test=ip6trie:%s/six", dir);
	snprintf(ds[1], sizeof(ds[1]), "v6.test=ip4set:%s/four", dir);
	snprintf(ds[2], sizeof(ds[2]), "tset6.test=ip6tset:%s/tset6", dir);
	snprintf(ds[3], sizeof(ds[3]), "tset6.test=ip4set:%s/four", dir);
	snprintf(ds[4], sizeof(ds[4]), "dn.test=dnset:%s/dn", dir);
	n = 4;
	args[n++] = "--dataset";
	args[n++] = ds[0];
	args[n++] = "--dataset";
	args[n++] = ds[1];
	args[n++] = "--dataset";
	args[n++] = ds[2];
	args[n++] = "--dataset";
	args[n++] = ds[3];
	args[n++] = "--dataset";
	args[n++] = ds[4];
	for (int i = 0; targets[i]; i++)
		args[n++] = targets[i];
	args[n] = NULL;
	b = run(args, &sb, NULL);
	cr_assert_eq(sa, sb);
	same_lists(a, b);
	k = compare(a, b);
	cr_assert_eq(k.targets, 22);
	cr_assert_gt(k.listed, 12, "%u listed", k.listed);
	free(a);
	free(b);
}

Test(dataset_check, a_broken_file_is_said_with_its_line_and_the_list_is_unknown)
{
	char spec[1200], want[1300], *out, *err;
	int st;
	const char *args[] = {"check", "--json", "--dataset", spec, "192.0.2.1", NULL};

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write(dir, "bad", "127.0.0.2\n192.0.2.1\n192.0.2.999 :2:x\n"), 0);
	snprintf(spec, sizeof(spec), "bad.test=ip4set:%s/bad", dir);
	out = run(args, &st, &err);
	cr_assert_eq(st, 3, "exit %d: a list that cannot answer is unknown, never clean", st);
	snprintf(want, sizeof(want), "blmon check: list bad.test: its data files did not load: "
		 "%s/bad:3: invalid address '192.0.2.999 :2:x'", dir);
	cr_assert(strstr(err, want), "stderr: %s", err);
	cr_assert(strstr(out, "\"health\":\"unreachable\""), "%s", out);
	cr_assert(strstr(out, "/bad:3: invalid address"), "%s", out);
	cr_assert(strstr(out, "\"status\":\"unknown\""), "%s", out);
	free(out);
	free(err);
	/* bytes that are no text, and a line longer than any rbldnsd line */
	cr_assert_eq(harness_write(dir, "bad", "127.0.0.2\n\x01\x02garbage\n"), 0);
	out = run(args, &st, &err);
	cr_assert(strstr(err, "/bad:2: control byte 0x01 at column 1: not a text data file"), "%s",
		  err);
	free(out);
	free(err);
}

Test(dataset_check, a_config_list_with_datasets_sends_no_query)
{
	char conf[1100], *out, *err;
	int st, closed = harness_closed_port();
	const char *args[] = {"check", "-c", conf, "--json", "192.0.2.1", "192.0.2.2", NULL};
	char text[600];

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write(dir, "feed.txt", ":127.0.0.2:feed $\n127.0.0.2\n192.0.2.1\n"), 0);
	/* nothing answers DNS at this resolver: every answer comes from the file, found
	 * beside the config */
	snprintf(text, sizeof(text), "[monitor]\nresolver = 127.0.0.1:%d\n[targets]\nip = 192.0.2.1\n"
		 "[lists]\ndefault = no\n[list feed.test]\ndataset = ip4set:feed.txt\n", closed);
	cr_assert_eq(harness_write(dir, "blmon.conf", text), 0);
	snprintf(conf, sizeof(conf), "%s/blmon.conf", dir);
	out = run(args, &st, &err);
	cr_assert_eq(st, 1, "exit %d: %s", st, err);
	cr_assert(strstr(out, "\"target\":\"192.0.2.1\",\"type\":\"ipv4\",\"status\":\"listed\""),
		  "%s", out);
	cr_assert(strstr(out, "\"txt\":[\"feed 192.0.2.1\"]"), "%s", out);
	cr_assert(strstr(out, "\"target\":\"192.0.2.2\",\"type\":\"ipv4\",\"status\":\"clean\""),
		  "%s", out);
	cr_assert(strstr(out, "\"queries\":0"), "%s", out);
	cr_assert_eq(harness_schema_valid("check.schema.json", out), 0);
	free(out);
	free(err);
	/* config-test reads the files too: a broken one fails it with FILE:LINE */
	cr_assert_eq(harness_write(dir, "feed.txt", "127.0.0.2\nnot an address\n"), 0);
	{
		const char *ct[] = {"config-test", conf, NULL};
		harness_run_t r;
		char want[1300];
		cr_assert_eq(harness_run(&r, 30, ct), 0);
		cr_assert_eq(r.status, 2, "exit %d: %s%s", r.status, r.out, r.err);
		snprintf(want, sizeof(want), "%s/feed.txt:2: invalid address 'not an address'", dir);
		cr_assert(strstr(r.err, want), "%s", r.err);
		harness_run_free(&r);
	}
}
