/* test_dataset.c -- rbldnsd data files read by checks/dataset: every form, every answer, every error.
 * Texts are loaded from memory (dataset_zone_load_text); reloads and stamps use files in a scratch dir. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checks/dataset.h"
#include "checks/target.h"
#include "tests/harness.h"

static dataset_zone_t *z;
static char err[700];

static void fini(void)
{
	dataset_zone_free(z);
	z = NULL;
}

TestSuite(dataset, .fini = fini, .timeout = 30);

/* Loads text as a dataset of type t (the zone's only one); fails the test on error. */
static void load(dataset_type_t t, const char *text)
{
	dataset_zone_free(z);
	z = dataset_zone_new();
	cr_assert_eq(dataset_zone_load_text(z, t, "data", text, strlen(text), err, sizeof(err)), 0,
		     "load: %s", err);
}

/* The load's error, which must be one. */
static const char *load_err(dataset_type_t t, const char *text, size_t len)
{
	dataset_zone_free(z);
	z = dataset_zone_new();
	cr_assert_eq(dataset_zone_load_text(z, t, "data", text, len, err, sizeof(err)), -1,
		     "loaded: %.60s", text);
	return err;
}

/* "127.0.0.2,127.0.0.4|TXT|TXT" for a listing, "-" when not found. */
static const char *ask(const char *target)
{
	static char out[3000];
	target_t t;
	dataset_answer_t a;
	char txt[2048];
	size_t used, o = 0;
	unsigned n;
	int rc;

	if (target_parse_ip(target, &t) < 0) {
		memset(&t, 0, sizeof(t));
		t.type = TARGET_DOMAIN;
		snprintf(t.name, sizeof(t.name), "%s", target);
	}
	rc = dataset_zone_query(z, &t, &a);
	cr_assert_geq(rc, 0);
	if (!rc)
		return "-";
	for (size_t i = 0; i < a.na; i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%u.%u.%u.%u", i ? "," : "",
				      a.a[i] >> 24, (a.a[i] >> 16) & 255, (a.a[i] >> 8) & 255,
				      a.a[i] & 255);
	n = dataset_answer_txt(&a, txt, sizeof(txt), &used);
	for (size_t i = 0, p = 0; i < n; i++) {
		o += (size_t)snprintf(out + o, sizeof(out) - o, "|%s", txt + p);
		p += strlen(txt + p) + 1;
	}
	return out;
}

#define ASK(target, want)                                                                        \
	do {                                                                                     \
		const char *got_ = ask(target);                                                  \
		cr_expect_str_eq(got_, (want), "%s: got '%s', want '%s'", (target), got_, (want)); \
	} while (0)

Test(dataset, ip4set_every_range_form_lists_what_rbldnsd_lists)
{
	load(DATASET_IP4SET, "10.1.0.0/24\n"         /* CIDR */
			     "10.2.0\n"              /* a prefix: a /24 */
			     "10.3\n"                /* a /16 */
			     "11.0.0.5-11.0.1.2\n"   /* a full range across octets */
			     "11.0.2.10-20\n"        /* the last octet only */
			     "11.1-11.2\n"           /* prefixes: the last completed with 255 */
			     "11.3.0-5\n"            /* 11.3.0.0-11.3.5.255 */
			     "12.0.0.7/24\n");       /* a host part is dropped (rbldnsd -e) */
	ASK("10.1.0.200", "127.0.0.2");
	ASK("10.1.1.0", "-");
	ASK("10.2.0.255", "127.0.0.2");
	ASK("10.3.255.1", "127.0.0.2");
	ASK("11.0.0.4", "-");
	ASK("11.0.0.5", "127.0.0.2");
	ASK("11.0.0.255", "127.0.0.2");
	ASK("11.0.1.2", "127.0.0.2");
	ASK("11.0.1.3", "-");
	ASK("11.0.2.9", "-");
	ASK("11.0.2.20", "127.0.0.2");
	ASK("11.0.2.21", "-");
	ASK("11.2.255.255", "127.0.0.2");
	ASK("11.3.5.255", "127.0.0.2");
	ASK("11.3.6.0", "-");
	ASK("12.0.0.0", "127.0.0.2");
	ASK("12.0.0.255", "127.0.0.2");
}

Test(dataset, ip4set_the_finest_octet_level_answers_and_exclusions_hide)
{
	/* rbldnsd splits ranges into /32, /24, /16 and /8 granules and the finest
	 * level holding the address answers, with every entry of that level */
	load(DATASET_IP4SET, "10.0.0.0/8 :8:eight\n"
			     "10.1.0.0/16 :6:sixteen\n"
			     "10.1.2.0/24 :4:twentyfour\n"
			     "10.1.2.3 :2:single\n"
			     "10.1.2.3 :3:also single\n"
			     "!10.1.2.4\n"
			     "!10.1.3.0/24\n"
			     "10.1.3.9\n"
			     "10.5.0.0/25 :5:a ragged /25\n"
			     "10.5.0.7 :7:inside it\n"
			     "!10.5.0.8\n");
	ASK("10.9.9.9", "127.0.0.8|eight");
	ASK("10.1.9.9", "127.0.0.6|sixteen");
	ASK("10.1.2.9", "127.0.0.4|twentyfour");
	ASK("10.1.2.3", "127.0.0.2,127.0.0.3|single|also single");
	ASK("10.1.2.4", "-");       /* excluded at /32: the /24 does not answer */
	ASK("10.1.3.8", "-");       /* excluded at /24: the /16 does not answer */
	ASK("10.1.3.9", "127.0.0.2"); /* a /32 inside the excluded /24 */
	/* a /25 is 128 /32 granules: a single address there is at the same level */
	ASK("10.5.0.6", "127.0.0.5|a ragged /25");
	ASK("10.5.0.7", "127.0.0.5,127.0.0.7|a ragged /25|inside it");
	ASK("10.5.0.8", "-");
	ASK("10.5.0.128", "127.0.0.8|eight");
}

Test(dataset, values_defaults_and_txt_substitution)
{
	load(DATASET_IP4SET, "$1 see https://bl.example/q?\n"
			     "$= [$=] for $\n"
			     "1.0.0.1\n"                     /* rbldnsd's default: 127.0.0.2, base text */
			     ":127.0.0.3:default $ $$ $1x $9\n"
			     "1.0.0.2\n"
			     "1.0.0.3 :4\n"                  /* A only: the scope's TXT */
			     "1.0.0.4 :5:\n"                 /* A, empty TXT: the base template */
			     "1.0.0.5 text only $\n"         /* TXT only: the scope's A */
			     "1.0.0.6 :6:=no base for $\n"   /* '=' does without the base */
			     "1.0.0.7 :1.2:inet_aton's 1.0.0.2\n"
			     "1.0.0.8 # a comment: the default\n"
			     "1.0.0.9:7:no blank before the value\n");
	ASK("1.0.0.1", "127.0.0.2|[1.0.0.1] for 1.0.0.1");
	ASK("1.0.0.2", "127.0.0.3|[default $ $$ $1x $9] for 1.0.0.2");
	ASK("1.0.0.3", "127.0.0.4|[default $ $$ $1x $9] for 1.0.0.3");
	ASK("1.0.0.4", "127.0.0.5|[1.0.0.4] for 1.0.0.4");
	ASK("1.0.0.5", "127.0.0.3|[text only $] for 1.0.0.5");
	ASK("1.0.0.6", "127.0.0.6|no base for 1.0.0.6");
	ASK("1.0.0.7", "1.0.0.2|[inet_aton's 1.0.0.2] for 1.0.0.7");
	ASK("1.0.0.8", "127.0.0.3|[default $ $$ $1x $9] for 1.0.0.8");
	ASK("1.0.0.9", "127.0.0.7|[no blank before the value] for 1.0.0.9");
	/* without a base template the substitutions themselves show */
	load(DATASET_IP4SET, "$1 https://bl.example/q?\n"
			     ":2:$1$ costs $$5, $2 stays, $ again\n"
			     "192.0.2.1\n"
			     "192.0.2.2 :3:\n");
	ASK("192.0.2.1", "127.0.0.2|https://bl.example/q?192.0.2.1 costs $5, $2 stays, 192.0.2.1 again");
	ASK("192.0.2.2", "127.0.0.3"); /* an empty TXT is no TXT record */
}

Test(dataset, a_txt_is_cut_at_254_bytes_as_rbldnsd_answers_it)
{
	char text[1200];
	const char *got;

	memset(text, 0, sizeof(text));
	strcpy(text, "192.0.2.1 :2:");
	memset(text + strlen(text), 'x', 400);
	strcat(text, "\n");
	load(DATASET_IP4SET, text);
	got = ask("192.0.2.1");
	cr_expect_eq(strlen(got), strlen("127.0.0.2|") + 254, "%zu", strlen(got));
}

Test(dataset, ip4tset_single_addresses_one_value)
{
	load(DATASET_IP4TSET, "192.0.2.1\n"
			      ":127.0.0.4:tset $\n"   /* the first default line, wherever it is */
			      "192.0.2.2 :5:ignored value\n"
			      ":127.0.0.9:second default ignored\n"
			      "192.0.2.1\n");
	ASK("192.0.2.1", "127.0.0.4|tset 192.0.2.1");
	ASK("192.0.2.2", "127.0.0.4|tset 192.0.2.2");
	ASK("192.0.2.3", "-");
	cr_expect_str_eq(load_err(DATASET_IP4TSET, "192.0.2.0/24\n", 13),
			 "data:1: invalid address '192.0.2.0/24' (ip4tset holds single addresses)");
}

Test(dataset, ip4trie_longest_prefix_first_line_of_a_prefix)
{
	load(DATASET_IP4TRIE, ":127.0.0.2:trie $\n"
			      "10.0.0.0/8 :8:\n"
			      "10.1.0.0/20 :4:four\n"
			      "10.1.0.0/20 :5:a duplicate: the first wins\n"
			      "!10.1.0.0/22\n"
			      "10.1.0.7 :7:single\n"
			      "10.1.2\n"); /* a prefix is a /24 */
	ASK("10.200.0.1", "127.0.0.8");
	ASK("10.1.15.1", "127.0.0.4|four");
	ASK("10.1.1.1", "-");
	ASK("10.1.0.7", "127.0.0.7|single");
	ASK("10.1.2.200", "127.0.0.2|trie 10.1.2.200");
	ASK("11.0.0.1", "-");
	cr_expect_str_eq(load_err(DATASET_IP4TRIE, "10.0.0.1-10.0.0.5\n", 18),
			 "data:1: invalid address '10.0.0.1-10.0.0.5' (ip4trie takes a.b.c.d/N or "
			 "a prefix such as a.b.c)");
}

Test(dataset, ip6trie_and_ip6tset)
{
	load(DATASET_IP6TRIE, ":127.0.1.2: Listed, see http://example.com/lookup?$\n"
			      "2001:21ab:c000/36\n"
			      "2001:21ab:def7:4242 :127.0.1.3: This one smells funny\n"
			      "2605:6001:42::/52\n"
			      "::1\n"
			      "!2605:6001:42::bead\n");
	ASK("2001:21ab:c000::1", "127.0.1.2|Listed, see http://example.com/lookup?2001:21ab:c000::1");
	ASK("2001:21ab:d000::1", "-");
	ASK("2001:21ab:def7:4242:1:2:3:4", "127.0.1.3|This one smells funny");
	ASK("2605:6001:42::bead", "-");
	ASK("2605:6001:42::beae", "127.0.1.2|Listed, see http://example.com/lookup?2605:6001:42::beae");
	ASK("::1", "127.0.1.2|Listed, see http://example.com/lookup?::1");
	/* $ is written as rbldnsd writes it: never dotted, even for a mapped address */
	load(DATASET_IP6TRIE, ":2:$\n::ffff:0:0/96\n");
	ASK("::ffff:192.0.2.1", "127.0.0.2|::ffff:c000:201");
	load(DATASET_IP6TSET, ":127.0.0.3:tset6 $\n"
			      "2001:20fe:23:41ed\n"
			      "!2001:20fe:23:41ed::2\n");
	ASK("2001:20fe:23:41ed::1", "127.0.0.3|tset6 2001:20fe:23:41ed::1");
	ASK("2001:20fe:23:41ed::2", "-");
	ASK("2001:20fe:23:41ee::1", "-");
	cr_expect_str_eq(load_err(DATASET_IP6TSET, "2001:db8::1\n", 12),
			 "data:1: an entry must be four words, such as 2001:db8:1:2 (ip6tset lists "
			 "/64s as four words, and excludes single addresses)");
}

Test(dataset, ip4_data_answers_mapped_and_6to4_ipv6_addresses)
{
	load(DATASET_IP4SET, ":2:v4 $\n127.0.0.2\n192.0.2.0/24\n");
	ASK("::ffff:127.0.0.2", "127.0.0.2|v4 127.0.0.2"); /* RFC 5782's IPv6 test point */
	ASK("2002:c000:207::1", "127.0.0.2|v4 192.0.2.7");
	ASK("2001:db8::1", "-");
}

Test(dataset, dnset_names_wildcards_and_exclusions)
{
	load(DATASET_DNSET, ":127.0.1.2:dn $\n"
			    "example.com\n"
			    "*.wild.example\n"
			    ".both.example :3:both $\n"
			    "!bad.both.example\n"
			    "!*.x.both.example\n"
			    "UPPER.Example.NET\n"
			    "TEST\n");
	ASK("example.com", "127.0.1.2|dn example.com");
	ASK("a.example.com", "-");
	ASK("wild.example", "-");
	ASK("a.b.wild.example", "127.0.1.2|dn wild.example"); /* $ is the entry, not the name asked */
	ASK("both.example", "127.0.0.3|both both.example");
	ASK("a.both.example", "127.0.0.3|both both.example");
	ASK("bad.both.example", "-");
	ASK("deep.bad.both.example", "127.0.0.3|both both.example");
	ASK("y.x.both.example", "-");
	ASK("upper.example.net", "127.0.1.2|dn upper.example.net");
	ASK("test", "127.0.1.2|dn test");
}

Test(dataset, specials_are_read_as_rbldnsd_reads_them)
{
	load(DATASET_IP4SET, "$SOA 1h ns.example hostmaster.example 0 2h 2h 1w 1h\n"
			     "$NS 1d ns1.example -ns2.example\n"
			     "#$TTL 300\n"            /* a comment sign before $ is still a $ line */
			     "$MAXRANGE4 /24\n"
			     "$TIMESTAMP 2020:01:01 +1000w\n"
			     "$FUTURE something\n"    /* unknown: a warning, as rbldnsd warns */
			     "10.0.0.0/16\n"          /* too large for $MAXRANGE4: skipped with a warning */
			     "10.1.0.0/24\n");
	{
		target_t t;
		dataset_answer_t a;
		dataset_zone_info_t in;

		target_parse_ip("10.1.0.1", &t);
		cr_assert_eq(dataset_zone_query(z, &t, &a), 1);
		cr_expect_eq(a.ttl, 300);
		dataset_zone_info(z, &in);
		cr_expect_eq(in.warnings, 2);
		cr_expect_str_eq(in.warning, "data:6: unrecognized special entry '$FUTURE something' "
				 "ignored");
		cr_expect_gt(in.expires, 1577836800 + 999 * 7 * 86400LL);
	}
	ASK("10.0.5.1", "-");
	/* the data says when it expires: then the zone answers nothing (rbldnsd: SERVFAIL) */
	load(DATASET_IP4SET, "$TIMESTAMP 2020:01:01 2020:06:01\n127.0.0.2\n");
	{
		char why[200];
		cr_expect_not(dataset_zone_usable(z, (int64_t)time(NULL), why, sizeof(why)));
		cr_expect_str_eq(why, "the data expired at 2020-06-01 00:00:00 UTC ($TIMESTAMP)");
	}
}

Test(dataset, a_bad_line_fails_the_load_with_file_and_line)
{
	static const struct {
		dataset_type_t t;
		const char *text, *want;
	} cases[] = {
		{DATASET_IP4SET, "192.0.2.1\n192.0.2.300\n",
		 "data:2: invalid address '192.0.2.300' (an address, a.b.c.d/N, a.b.c, "
		 "a.b.c.d-e.f.g.h or a.b.c.d-h)"},
		{DATASET_IP4SET, "10\n", "data:1: invalid address '10' (an address, a.b.c.d/N, "
		 "a.b.c, a.b.c.d-e.f.g.h or a.b.c.d-h)"},
		{DATASET_IP4SET, "1.2-1.2.3.4\n", "data:1: invalid address '1.2-1.2.3.4' (an "
		 "address, a.b.c.d/N, a.b.c, a.b.c.d-e.f.g.h or a.b.c.d-h)"},
		{DATASET_IP4SET, "# ok\n192.0.2.1 :0:zero\n",
		 "data:2: invalid A value ':0:zero' (e.g. :127.0.0.2:Listed, or :2:)"},
		{DATASET_IP4SET, "192.0.2.1 :2 x\n",
		 "data:1: unrecognized value 'x' after the A record (want :A:TXT)"},
		{DATASET_IP4SET, "192.0.2.1\r\n", "data:1: carriage return at the end of the line: "
		 "the file has DOS line ends, which rbldnsd reads as part of every entry"},
		{DATASET_IP4SET, "$TTL soon\n", "data:1: invalid $TTL (a time like 300, 35m, 1h)"},
		{DATASET_IP4SET, "$DATASET ip4set x @\n", "data:1: $DATASET: combined datasets are "
		 "not read; give each dataset as its own dataset = TYPE:PATH"},
		{DATASET_IP4SET, "$TIMESTAMP 2037:01:01\n",
		 NULL /* in the future: checked by its prefix below */},
		{DATASET_DNSET, "..\n", "data:1: invalid domain name '.'"},
		{DATASET_IP6TRIE, "2001:db8::/129\n", "data:1: invalid address '2001:db8::/129' (an "
		 "IPv6 prefix such as 2001:db8::/32, or words such as 2001:db8:1)"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *e = load_err(cases[i].t, cases[i].text, strlen(cases[i].text));
		if (cases[i].want)
			cr_expect_str_eq(e, cases[i].want, "case %zu", i);
		else
			cr_expect(!strncmp(e, "data:1: data timestamp is ", 26), "%s", e);
	}
}

Test(dataset, binary_and_huge_lines_are_refused_not_misread)
{
	static const char bin[] = "192.0.2.1\n\x7f" "ELF\x02\x01\x01\0\0\0\n";
	char *big = malloc(10000);

	cr_expect_str_eq(load_err(DATASET_IP4SET, bin, sizeof(bin) - 1),
			 "data:2: control byte 0x7f at column 1: not a text data file");
	memset(big, 'a', 9999);
	memcpy(big, "192.0.2.1 ", 10);
	big[9999] = '\n';
	cr_expect_str_eq(load_err(DATASET_IP4SET, big, 10000),
			 "data:1: line is 9999 bytes long (at most 4096)");
	free(big);
}

/* ---- files: loading, stamps, reloads ---- */

static char *dir;

static void file_init(void)
{
	dir = harness_tmpdir();
	cr_assert_not_null(dir);
}

static void file_fini(void)
{
	dataset_zone_free(z);
	z = NULL;
	harness_tmpdir_free(dir);
}

/* Writes name in dir under a temporary name, then renames it into place. */
static void put(const char *name, const char *text)
{
	char tmp[1100], path[1100];

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_eq(harness_write(dir, strrchr(tmp, '/') + 1, text), 0);
	cr_assert_eq(rename(tmp, path), 0);
}

Test(dataset, files_of_a_dataset_are_one_and_a_zone_is_their_union, .init = file_init,
     .fini = file_fini)
{
	put("a", ":2:from a $\n192.0.2.1\n");
	put("b", "192.0.2.2\n"); /* the default is each file's own */
	put("c", "192.0.2.1 :3:from c\n");
	z = dataset_zone_new();
	cr_assert_eq(dataset_zone_add(z, "ip4set:a,b", dir, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(dataset_zone_add(z, "ip4trie:c", dir, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(dataset_zone_load(z, err, sizeof(err)), 0, "%s", err);
	ASK("192.0.2.1", "127.0.0.2,127.0.0.3|from a 192.0.2.1|from c");
	ASK("192.0.2.2", "127.0.0.2");
	cr_expect_not(dataset_zone_changed(z));
	cr_expect_eq(dataset_zone_add(z, "ip5set:x", dir, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "unknown dataset type 'ip5set' (ip4set, ip4tset, ip4trie, ip6trie, "
			 "ip6tset, dnset)");
}

Test(dataset, a_change_reloads_in_the_background_and_a_bad_file_keeps_the_old_data,
     .init = file_init, .fini = file_fini)
{
	dataset_zone_info_t in;
	int rc;

	put("zone", "192.0.2.1\n");
	z = dataset_zone_new();
	cr_assert_eq(dataset_zone_add(z, "ip4set:zone", dir, err, sizeof(err)), 0);
	cr_assert_eq(dataset_zone_load(z, err, sizeof(err)), 0, "%s", err);
	ASK("192.0.2.2", "-");
	/* a new file: loaded beside the old, swapped in whole */
	put("zone", "192.0.2.1\n192.0.2.2 :4:new\n");
	cr_assert(dataset_zone_changed(z));
	cr_assert_eq(dataset_zone_reload_start(z), 0);
	while ((rc = dataset_zone_reload_poll(z, err, sizeof(err))) == 0)
		usleep(1000);
	cr_assert_eq(rc, 1, "%s", err);
	ASK("192.0.2.2", "127.0.0.4|new");
	cr_expect_not(dataset_zone_changed(z));
	/* a broken file: the data in use stays, the error says where */
	put("zone", "192.0.2.1\n192.0.2.3\nnot an address\n");
	cr_assert(dataset_zone_changed(z));
	cr_assert_eq(dataset_zone_reload_start(z), 0);
	while ((rc = dataset_zone_reload_poll(z, err, sizeof(err))) == 0)
		usleep(1000);
	cr_assert_eq(rc, -1);
	cr_expect(strstr(err, "/zone:3: invalid address 'not an address'"), "%s", err);
	ASK("192.0.2.2", "127.0.0.4|new");
	ASK("192.0.2.3", "-");
	dataset_zone_info(z, &in);
	cr_expect(in.loaded);
	cr_expect_str_eq(in.error, err);
	cr_expect_gt(in.error_since, 0);
	/* the same broken file is not read again every time someone asks */
	cr_expect_not(dataset_zone_changed(z));
	/* a missing file is an error too, and never empties the list */
	{
		char path[1100];
		snprintf(path, sizeof(path), "%s/zone", dir);
		cr_assert_eq(unlink(path), 0);
	}
	cr_assert(dataset_zone_changed(z));
	cr_assert_eq(dataset_zone_load(z, err, sizeof(err)), -1);
	cr_expect(strstr(err, "/zone: cannot open: No such file or directory"), "%s", err);
	ASK("192.0.2.1", "127.0.0.2");
}

Test(dataset, a_config_reload_adopts_the_data_of_the_same_files, .init = file_init,
     .fini = file_fini)
{
	dataset_zone_t *old = dataset_zone_new();

	put("zone", "192.0.2.1\n");
	cr_assert_eq(dataset_zone_add(old, "ip4set:zone", dir, err, sizeof(err)), 0);
	cr_assert_eq(dataset_zone_load(old, err, sizeof(err)), 0);
	z = dataset_zone_new();
	cr_assert_eq(dataset_zone_add(z, "ip4set:zone", dir, err, sizeof(err)), 0);
	cr_assert(dataset_zone_adopt(z, old));
	ASK("192.0.2.1", "127.0.0.2");
	cr_expect_not(dataset_zone_changed(z));
	dataset_zone_free(old);
}
