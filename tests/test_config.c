/* test_config.c -- config loading: defaults, every error names FILE:LINE and key, nothing half-loaded. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/config.h"
#include "tests/harness.h"

static char *dir;
static char path[1024];
static char err[8192];

static void setup(void)
{
	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	snprintf(path, sizeof(path), "%s/blmon.conf", dir);
}

static void teardown(void) { harness_tmpdir_free(dir); }

TestSuite(config, .init = setup, .fini = teardown);

static config_t *load(const char *text)
{
	config_t *c = NULL;
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	fwrite(text, 1, strlen(text), f);
	fclose(f);
	if (config_load(path, &c, err, sizeof(err)) < 0)
		cr_assert_null(c);
	return c;
}

static void expect_error(const char *text, const char *fragment)
{
	config_t *c = load(text);

	cr_assert_null(c, "accepted a bad config: %s", text);
	cr_assert(strstr(err, fragment), "error '%s' lacks '%s'", err, fragment);
	cr_assert(strstr(err, path), "error does not name the file: %s", err);
}

Test(config, defaults_and_values)
{
	config_t *c = load("# comment\n"
			   "[monitor]\n"
			   "interval = 30m\n"
			   "resolver = 127.0.0.1:5353\n"
			   "timeout = 1500ms\n"
			   "concurrency = 50\n"
			   "confirm = 3\n"
			   "[targets]\n"
			   "ip = 192.0.2.10\n"
			   "ip = 2001:db8::25\n"
			   "network = 198.51.100.0/24\n"
			   "host = mail.example.net\n"
			   "domain = example.net\n"
			   "[lists]\n"
			   "disable = barracuda\n");

	cr_assert_not_null(c, "%s", err);
	cr_assert_eq(c->interval_s, 1800);
	cr_assert_str_eq(c->resolver, "127.0.0.1:5353");
	cr_assert_eq(c->timeout_ms, 1500);
	cr_assert_eq(c->concurrency, 50);
	cr_assert_eq(c->confirm, 3);
	cr_assert_eq(c->ntargets, 5);
	cr_assert_eq(c->targets[2].spec.count, 256);
	cr_assert_eq(c->targets[3].kind, CT_HOST);
	cr_assert_eq(catalog_find(c->catalog, "barracuda")->enabled, false);
	cr_assert_eq(catalog_find(c->catalog, "spamcop")->enabled, true);
	config_free(c);
}

Test(config, errors_name_file_line_and_key)
{
	expect_error("[monitor]\ninterval = 30m\ninterval = soon\n", ":3: [monitor] interval:");
	expect_error("[monitor]\n\nresolver = dns.google\n", ":3: [monitor] resolver:");
	expect_error("[monitor]\nresolver = 127.0.0.1:99999\n", ":2: [monitor] resolver:");
	expect_error("[monitor]\nconcurrency = 0\n", ":2: [monitor] concurrency:");
	expect_error("[monitor]\ncolour = red\n", ":2: [monitor] colour: unknown key");
	expect_error("[montor]\ninterval = 1h\n", "unknown section [montor]");
	expect_error("interval = 1h\n", ":1: 'interval' is outside any [section]");
	expect_error("[targets]\nip = 192.0.2.300\n", ":2: [targets] ip: '192.0.2.300' is not a valid IPv4");
	expect_error("[targets]\nip = 192.0.2.0/24\n", ":2: [targets] ip:");
	expect_error("[targets]\nnetwork = 10.0.0.0/8\n", ":2: [targets] network:");
	expect_error("[targets]\ndomain = 192.0.2.1\n", ":2: [targets] domain:");
	expect_error("[lists]\ndisable = nosuchlist\n", ":2: [lists] disable: no list named 'nosuchlist'");
	expect_error("[lists]\nenable = abusix\n", "needs a key");
	expect_error("[list bl.example.net]\ncode = 127.0.0 Spam\n", ":2: [list bl.example.net] code:");
	expect_error("[list bl.example.net]\nkind = deny\n", ":2: [list bl.example.net] kind:");
	expect_error("[email]\nto = not-an-address\n", ":2: [email] to:");
	expect_error("[webhook]\nurl = ftp://x\n", ":2: [webhook] url:");
	expect_error("[http]\nlisten = localhost\n", ":2: [http] listen:");
	expect_error("[monitor\ninterval = 1h\n", ":1: syntax error");
}

Test(config, unknown_keys_and_sections_say_what_was_meant)
{
	expect_error("[monitor]\nintervall = 30m\n", ":2: [monitor] intervall: unknown key (did you mean interval?)");
	expect_error("[monitor]\nResolver = system\n", ":2: [monitor] Resolver: unknown key (did you mean resolver?)");
	expect_error("[http]\nresolver = system\n", ":2: [http] resolver: unknown key here (it belongs in [monitor])");
	expect_error("[monitor]\nremoval = x\n", ":2: [monitor] removal: unknown key here (it belongs in [list ZONE])");
	expect_error("[list bl.example.net]\nscop = ip\n", ":2: [list bl.example.net] scop: unknown key (did you mean scope?)");
	expect_error("[email]\nsmpt = smtp://127.0.0.1\n", ":2: [email] smpt: unknown key (did you mean smtp?)");
	expect_error("[montor]\ninterval = 1h\n", ":1: unknown section [montor] (did you mean [monitor]?)");
	expect_error("[webhooks]\n", "unknown section [webhooks] (did you mean [webhook]?)");
	expect_error("[frobnicate]\n", "unknown section [frobnicate] (known: monitor, targets");
}

Test(config, all_errors_are_reported_not_just_the_first)
{
	config_t *c = load("[monitor]\ninterval = x\ntimeout = y\n[targets]\nip = z\n");

	cr_assert_null(c);
	cr_assert(strstr(err, ":2:") && strstr(err, ":3:") && strstr(err, ":5:"), "%s", err);
}

Test(config, network_limit_is_configurable_even_after_the_network)
{
	config_t *c = load("[targets]\nnetwork = 10.0.0.0/12\nmax_network = /12\n");

	cr_assert_not_null(c, "%s", err);
	cr_assert_eq(c->targets[0].spec.count, 1u << 20);
	config_free(c);
}

Test(config, empty_config_loads_with_defaults)
{
	config_t *c = load("");

	cr_assert_not_null(c, "%s", err);
	cr_assert_eq(c->ntargets, 0);
	cr_assert_eq(c->interval_s, 1800);
	config_free(c);
}

Test(config, binary_garbage_is_refused_with_its_line)
{
	static const char junk[] = "[monitor]\ninterval = 1h\n\x7f\x45\x4c\x46\x02\x01\x01\x00\x00";
	FILE *f = fopen(path, "wb");
	config_t *c = NULL;

	fwrite(junk, 1, sizeof(junk) - 1, f);
	fclose(f);
	cr_assert_eq(config_load(path, &c, err, sizeof(err)), -1);
	cr_assert_null(c);
	cr_assert(strstr(err, ":3: control byte 0x7f"), "%s", err);
}

Test(config, overlong_line_is_an_error_not_a_silent_split)
{
	char text[512];

	snprintf(text, sizeof(text), "[list bl.example.net]\ncode = 127.0.0.2 %0300d\n", 0);
	expect_error(text, ":2: line is");
}

Test(config, a_line_of_the_longest_length_keeps_the_line_numbers)
{
	char text[512];

	/* 199 characters is the limit config.example gives; with CRLF too */
	snprintf(text, sizeof(text), "[monitor]\n# %0197d\ncolour = red\n", 0);
	expect_error(text, ":3: [monitor] colour: unknown key");
	snprintf(text, sizeof(text), "[monitor]\r\n# %0197d\r\ncolour = red\r\n", 0);
	expect_error(text, ":3: [monitor] colour: unknown key");
}

Test(config, loads_from_text_in_memory)
{
	/* not NUL-terminated: the length bounds the text */
	static const char text[] = "[targets]\nip = 192.0.2.1\n[monitor]\nconfirm = 3XXXX";
	config_t *c = NULL;

	cr_assert_eq(config_load_string("mem.conf", text, sizeof(text) - 5, &c, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(c->confirm, 3);
	cr_assert_eq(c->ntargets, 1);
	cr_assert_str_eq(c->path, "mem.conf");
	config_free(c);
	cr_assert_eq(config_load_string("mem.conf", "[monitor]\nconfirm = 0\n", 22, &c, err,
					sizeof(err)), -1);
	cr_assert_null(c);
	cr_assert(strstr(err, "mem.conf:2: [monitor] confirm:"), "%s", err);
	/* a NUL in the text is binary garbage, not the end of the config */
	cr_assert_eq(config_load_string("mem.conf", "[monitor]\n\0confirm = 3\n", 23, &c, err,
					sizeof(err)), -1);
	cr_assert(strstr(err, "mem.conf:2: control byte 0x00"), "%s", err);
}

Test(config, list_sections_add_and_modify_lists)
{
	config_t *c = load("[list bl.example.net]\n"
			   "name = Example BL\n"
			   "scope = network\n"
			   "code = 127.0.0.2 Spam source\n"
			   "error = 127.0.0.255 Over quota\n"
			   "removal = https://bl.example.net/remove?ip={target}\n"
			   "ipv6 = yes\n"
			   "[list zen.dq.spamhaus.net]\n"
			   "key = abc123\n"
			   "[list dnsbl-3.uceprotect.net]\n"
			   "interval = 6h\n"
			   "[lists]\n"
			   "default = no\n"
			   "enable = spamcop\n");
	catalog_list_t *l;

	cr_assert_not_null(c, "%s", err);
	l = catalog_find(c->catalog, "bl.example.net");
	cr_assert_not_null(l);
	cr_assert_str_eq(l->name, "Example BL");
	cr_assert_eq(l->scope, SCOPE_NETWORK);
	cr_assert_eq(l->ncodes, 2);
	cr_assert(l->ipv6);
	cr_assert(l->enabled);
	l = catalog_find(c->catalog, "spamhaus-zen-dqs");
	cr_assert_str_eq(l->zone, "abc123.zen.dq.spamhaus.net");
	cr_assert(l->enabled, "a list given its key is enabled");
	cr_assert_eq(catalog_find(c->catalog, "uceprotect-3")->interval_s, 6 * 3600);
	cr_assert_eq(catalog_find(c->catalog, "zen.spamhaus.org")->enabled, false);
	cr_assert_eq(catalog_find(c->catalog, "spamcop")->enabled, true);
	config_free(c);
}

Test(config, only_restricts_the_run)
{
	config_t *c = load("[lists]\nonly = zen.spamhaus.org\nonly = psbl\n");
	size_t on = 0;

	cr_assert_not_null(c, "%s", err);
	for (size_t i = 0; i < c->catalog->n; i++)
		on += c->catalog->lists[i].enabled;
	cr_assert_eq(on, 2);
	config_free(c);
}

Test(config, durations)
{
	unsigned long long ms;

	cr_assert_eq(config_duration_ms("90s", &ms), 0);
	cr_assert_eq(ms, 90000);
	cr_assert_eq(config_duration_ms("30m", &ms), 0);
	cr_assert_eq(ms, 1800000);
	cr_assert_eq(config_duration_ms("6h", &ms), 0);
	cr_assert_eq(ms, 21600000);
	cr_assert_eq(config_duration_ms("400d", &ms), 0);
	cr_assert_eq(config_duration_ms("250ms", &ms), 0);
	cr_assert_eq(ms, 250);
	cr_assert_eq(config_duration_ms("10", &ms), 0);
	cr_assert_eq(ms, 10000);
	cr_assert_eq(config_duration_ms("-5s", &ms), -1);
	cr_assert_eq(config_duration_ms("5 s", &ms), -1);
	cr_assert_eq(config_duration_ms("5w", &ms), -1);
	cr_assert_eq(config_duration_ms("", &ms), -1);
}

Test(config, missing_file)
{
	config_t *c = NULL;

	cr_assert_eq(config_load("/nonexistent/blmon.conf", &c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "/nonexistent/blmon.conf: cannot open"), "%s", err);
}

Test(config, one_default_path_overridden_by_option_or_environment)
{
	const char *dflt = CONFIG_DEFAULT_PATH;

	cr_assert_str_eq(dflt, "/etc/blmon.conf");
	unsetenv("BLMON_CONFIG");
	cr_assert_str_eq(config_path(NULL), "/etc/blmon.conf");
	cr_assert_str_eq(config_path("my.conf"), "my.conf");
	setenv("BLMON_CONFIG", "", 1); /* empty: as if unset */
	cr_assert_str_eq(config_path(NULL), "/etc/blmon.conf");
	setenv("BLMON_CONFIG", path, 1);
	cr_assert_str_eq(config_path(NULL), path);
	cr_assert_str_eq(config_path("my.conf"), "my.conf", "-c wins over BLMON_CONFIG");
	/* the commands that run without a config: a named file is read (and must
	 * exist), the default only when it exists */
	cr_assert_str_eq(config_path_optional(NULL), path);
	cr_assert_str_eq(config_path_optional("/nonexistent/x.conf"), "/nonexistent/x.conf");
	unsetenv("BLMON_CONFIG");
	if (access(CONFIG_DEFAULT_PATH, F_OK) < 0)
		cr_assert_null(config_path_optional(NULL));
	else
		cr_assert_str_eq(config_path_optional(NULL), CONFIG_DEFAULT_PATH);
}

Test(config, a_missing_file_says_where_its_path_came_from_and_how_to_choose_another)
{
	config_t *c = NULL;

	unsetenv("BLMON_CONFIG");
	cr_assert_eq(config_load("/nonexistent/blmon.conf", &c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "/nonexistent/blmon.conf: cannot open: No such file or directory "
			      "(choose the config with -c FILE or BLMON_CONFIG=FILE; without either, "
			      "blmon reads /etc/blmon.conf)"), "%s", err);
	setenv("BLMON_CONFIG", "/nonexistent/blmon.conf", 1);
	cr_assert_eq(config_load(config_path(NULL), &c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "(named by BLMON_CONFIG; give another there or with -c FILE)"), "%s",
		  err);
	unsetenv("BLMON_CONFIG");
	if (access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		return; /* installed here: nothing is missing */
	cr_assert_eq(config_load(config_path(NULL), &c, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "/etc/blmon.conf: cannot open: No such file or directory (the default "
			      "config file; give another with -c FILE or BLMON_CONFIG=FILE, or "
			      "create it: see config.example and blmon.conf(5))");
}

Test(config, sections_without_keys_still_count)
{
	config_t *c = load("[list empty.example.net]\n[targets]\nip = 192.0.2.1\n");

	cr_assert_not_null(c, "%s", err);
	cr_assert_not_null(catalog_find(c->catalog, "empty.example.net"),
			   "an empty [list ZONE] adds a list with default rules");
	config_free(c);
	expect_error("[monitor]\ninterval = 1h\n[montor]\n[targets]\nip = 192.0.2.1\n",
		     ":3: unknown section [montor]");
}

Test(config, the_shipped_example_is_valid_and_documents_every_key)
{
	const char *root = getenv("BLMON_ROOT");
	char example[1024], *text;
	config_t *c = NULL;
	FILE *f;
	long len;
	const char *section;

	snprintf(example, sizeof(example), "%s/config.example", root ? root : ".");
	cr_assert_eq(config_load(example, &c, err, sizeof(err)), 0, "config.example: %s", err);
	cr_assert_gt(c->ntargets, 0);
	config_free(c);
	/* every key blmon knows is shown in the example, set or commented out */
	f = fopen(example, "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = malloc((size_t)len + 1);
	text[fread(text, 1, (size_t)len, f)] = '\0';
	fclose(f);
	for (size_t i = 0; i < config_key_count(); i++) {
		const char *key = config_key_name(i, &section);
		char pat[64], pat2[64];
		snprintf(pat, sizeof(pat), "\n%s = ", key);
		snprintf(pat2, sizeof(pat2), "\n#%s = ", key);
		cr_assert(strstr(text, pat) || strstr(text, pat2),
			  "config.example does not show [%s] %s", section, key);
	}
	free(text);
}

/* A PostgreSQL database is a libpq URI; its password is never in it (logs name the
 * database), but in a file of its own or libpq's ~/.pgpass. */
Test(config, a_postgresql_database_never_holds_its_password)
{
	char text[2048], pw[1200];
	config_t *c;

	c = load("[monitor]\ndatabase = postgresql://blmon@db.example.net:5432/blmon?sslmode=require\n"
		 "[targets]\nip = 192.0.2.1\n");
	cr_assert_not_null(c, "%s", err);
	cr_assert_str_eq(c->database, "postgresql://blmon@db.example.net:5432/blmon?sslmode=require");
	cr_assert_null(c->database_password_file);
	config_free(c);
	expect_error("[monitor]\ndatabase = postgresql://blmon:s3cret@db/blmon\n"
		     "[targets]\nip = 192.0.2.1\n", "database: the URI holds a password");
	cr_assert_null(strstr(err, "s3cret"), "the password is quoted: %s", err);
	expect_error("[monitor]\ndatabase = postgres://db/blmon?sslmode=require&password=s3cret\n"
		     "[targets]\nip = 192.0.2.1\n", "password=");
	cr_assert_null(strstr(err, "s3cret"), "the password is quoted: %s", err);
	snprintf(pw, sizeof(pw), "%s/pw", dir);
	cr_assert_eq(harness_write(dir, "pw", "s3cret\n"), 0);
	snprintf(text, sizeof(text), "[monitor]\ndatabase = postgresql://blmon@db/blmon\n"
		 "database_password_file = %s\n[targets]\nip = 192.0.2.1\n", pw);
	c = load(text);
	cr_assert_not_null(c, "%s", err);
	cr_assert_str_eq(c->database_password_file, pw);
	config_free(c);
	snprintf(text, sizeof(text), "[monitor]\ndatabase = blmon.db\n"
		 "database_password_file = %s\n[targets]\nip = 192.0.2.1\n", pw);
	expect_error(text, "database_password_file: only a PostgreSQL database");
}

/* [cluster] shares one PostgreSQL database; a SQLite file has one writer. */
Test(config, a_cluster_needs_postgresql_and_names_its_node)
{
	config_t *c;
	char host[256] = "";

	c = load("[monitor]\ndatabase = postgresql://blmon@db/blmon\n[cluster]\nlease = 9s\n"
		 "[targets]\nip = 192.0.2.1\n");
	cr_assert_not_null(c, "%s", err);
	cr_assert(c->cluster);
	cr_assert_eq(c->cluster_lease_s, 9);
	gethostname(host, sizeof(host) - 1);
	cr_assert_str_eq(c->cluster_node, host, "the host name by default");
	config_free(c);
	c = load("[monitor]\ndatabase = postgresql://blmon@db/blmon\n[cluster]\nnode = n-1.a_b\n"
		 "[targets]\nip = 192.0.2.1\n");
	cr_assert_not_null(c, "%s", err);
	cr_assert_str_eq(c->cluster_node, "n-1.a_b");
	cr_assert_eq(c->cluster_lease_s, 30);
	config_free(c);
	c = load("[monitor]\ndatabase = blmon.db\n[targets]\nip = 192.0.2.1\n");
	cr_assert_not_null(c, "%s", err);
	cr_assert(!c->cluster, "no [cluster]: one node");
	config_free(c);
	expect_error("[monitor]\ndatabase = blmon.db\n[cluster]\nnode = a\n[targets]\nip = 192.0.2.1\n",
		     "a cluster shares one PostgreSQL database");
	expect_error("[monitor]\ndatabase = postgresql://blmon@db/blmon\n[cluster]\nnode = a b\n"
		     "[targets]\nip = 192.0.2.1\n", "is not a node name");
	expect_error("[monitor]\ndatabase = postgresql://blmon@db/blmon\n[cluster]\nlease = 1s\n"
		     "[targets]\nip = 192.0.2.1\n", "out of range");
}
