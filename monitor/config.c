/* config.c -- table-driven INI loading on top of libinih.
 * One row per key: adding a key is one line, and every error reads FILE:LINE: [section] key: problem. */
#include "monitor/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks/dnsbl.h"
#include "checks/snds.h"
#include "lib/curlx.h"
#include "lib/suggest.h"
#include "lib/text.h"
#include "lib/xmalloc.h"
#include "store/store.h"

#define CONFIG_MAX_BYTES (1024 * 1024)
#define CONFIG_MAX_LINE 199 /* libinih's line buffer holds 200 bytes */
#define DAY 86400ULL

/* Parser state passed through libinih as its user pointer. */
struct ctx {
	config_t *c;
	const char *file;
	const char *buf; /* whole file */
	size_t pos, len;
	int line;
	char *err;
	size_t errlen, errused;
	int nerr;
	catalog_list_t *list; /* current [list ZONE] */
	char section[256];
};

static void cerr(struct ctx *x, const char *section, const char *key, const char *fmt, ...)
{
	va_list ap;
	char msg[512];
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->nerr++;
	if (x->errused + 1 >= x->errlen)
		return;
	if (key)
		n = snprintf(x->err + x->errused, x->errlen - x->errused, "%s%s:%d: [%s] %s: %s",
			     x->errused ? "\n" : "", x->file, x->line, section, key, msg);
	else
		n = snprintf(x->err + x->errused, x->errlen - x->errused, "%s%s:%d: %s",
			     x->errused ? "\n" : "", x->file, x->line, msg);
	if (n > 0)
		x->errused += (size_t)n;
	if (x->errused >= x->errlen)
		x->errused = x->errlen - 1;
}

int config_duration_ms(const char *s, unsigned long long *ms)
{
	char *end;
	unsigned long long v, mul;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (*end == '\0' || strcmp(end, "s") == 0)
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else if (strcmp(end, "h") == 0)
		mul = 3600000;
	else if (strcmp(end, "d") == 0)
		mul = 86400000;
	else
		return -1;
	if (v > UINT64_MAX / mul)
		return -1;
	*ms = v * mul;
	return 0;
}

/* ---- value handlers: (ctx, key row, value) -> 0 or -1 with an error ---- */

struct keydef;
/* base is the struct the row's offset applies to: the config, or the
 * catalog list of the current [list ZONE] section. */
typedef int (*setter_t)(struct ctx *x, const struct keydef *k, void *base, const char *v);

struct keydef {
	const char *section; /* "list" matches every [list ZONE] */
	const char *key;
	setter_t set;
	size_t off;           /* field offset in config_t (or catalog_list_t for [list]) */
	unsigned long long min, max; /* bounds, in the unit of the field */
	const char *help;     /* what a valid value looks like, for errors */
};

#define FIELD(base, k, type) ((type *)((char *)(base) + (k)->off))

static int set_uint(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end || errno || n < k->min || n > k->max) {
		cerr(x, x->section, k->key, "'%s' is not a whole number from %llu to %llu", v, k->min,
		     k->max);
		return -1;
	}
	*FIELD(base, k, unsigned) = (unsigned)n;
	return 0;
}

/* Durations are stored in the unit given by k->help[0]: 's' seconds, else ms. */
static int set_duration(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	unsigned long long ms;
	bool secs = k->help[0] == 's';
	unsigned long long val;

	if (config_duration_ms(v, &ms) < 0) {
		cerr(x, x->section, k->key,
		     "'%s' is not a duration (a number with ms, s, m, h or d, e.g. 90s, 30m, 6h)", v);
		return -1;
	}
	val = secs ? ms / 1000 : ms;
	if (val < k->min || val > k->max || (secs && ms % 1000)) {
		cerr(x, x->section, k->key, "%s is out of range (%llu%s to %llu%s)", v, k->min,
		     secs ? "s" : "ms", k->max, secs ? "s" : "ms");
		return -1;
	}
	*FIELD(base, k, unsigned) = (unsigned)val;
	return 0;
}

static int set_str(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	char **f = FIELD(base, k, char *);

	if (!*v) {
		cerr(x, x->section, k->key, "empty value");
		return -1;
	}
	free(*f);
	*f = xstrdup(v);
	return 0;
}

static int set_bool_into(struct ctx *x, const struct keydef *k, const char *v, bool *f)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") ||
	    !strcasecmp(v, "on"))
		*f = true;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") ||
		 !strcasecmp(v, "off"))
		*f = false;
	else {
		cerr(x, x->section, k->key, "'%s' is not yes or no", v);
		return -1;
	}
	return 0;
}

static int set_bool(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	return set_bool_into(x, k, v, FIELD(base, k, bool));
}

/* budget = refuse (default) | warn */
static int set_budget(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	if (strcmp(v, "refuse") && strcmp(v, "warn")) {
		cerr(x, x->section, k->key, "'%s' is not refuse or warn", v);
		return -1;
	}
	*FIELD(base, k, bool) = !strcmp(v, "warn");
	return 0;
}

static int set_resolver(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	char e[256];

	if (strcmp(v, "system") == 0) {
		free(x->c->resolver);
		x->c->resolver = NULL;
		return 0;
	}
	if (dnsbl_resolver_check(v, e, sizeof(e)) < 0) {
		cerr(x, x->section, k->key, "%s", e);
		return -1;
	}
	return set_str(x, k, base, v);
}

/* host:port where host is an IP literal (IPv6 in brackets). */
static int set_listen(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	char e[256];

	/* the resolver syntax is the same: IP[:PORT], [v6]:PORT */
	if (!strchr(v, ':') || dnsbl_resolver_check(v, e, sizeof(e)) < 0 || strchr(v, ',')) {
		cerr(x, x->section, k->key, "'%s' is not IP:PORT (e.g. 127.0.0.1:8053 or [::1]:8053)",
		     v);
		return -1;
	}
	return set_str(x, k, base, v);
}

static int set_url(struct ctx *x, const struct keydef *k, const char *v, const char *const *schemes)
{
	char shown[256];

	for (const char *const *s = schemes; *s; s++) {
		size_t n = strlen(*s);
		if (strncasecmp(v, *s, n) == 0 && v[n] && !strpbrk(v, " \t"))
			return 0;
	}
	/* a URL may hold a password or a token: quoted only as it may be shown */
	curlx_url_shown(v, false, shown, sizeof(shown));
	cerr(x, x->section, k->key, "'%s' is not a URL starting with %s%s%s", shown, schemes[0],
	     schemes[1] ? " or " : "", schemes[1] ? schemes[1] : "");
	return -1;
}

static int set_http_url(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	static const char *const s[] = {"http://", "https://", NULL};
	return set_url(x, k, v, s) < 0 ? -1 : set_str(x, k, base, v);
}

static int set_smtp(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	static const char *const s[] = {"smtp://", "smtps://", NULL};
	return set_url(x, k, v, s) < 0 ? -1 : set_str(x, k, base, v);
}

static void push_str(config_str_t **arr, size_t *n, size_t *cap, const char *v, int line)
{
	xgrow((void **)arr, cap, *n + 1, sizeof(**arr));
	(*arr)[*n].value = xstrdup(v);
	(*arr)[*n].line = line;
	(*n)++;
}

static int set_webhook(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	config_t *c = base;
	static const char *const s[] = {"http://", "https://", NULL};
	if (set_url(x, k, v, s) < 0)
		return -1;
	push_str(&c->webhooks, &c->nwebhooks, &c->capwebhooks, v, x->line);
	return 0;
}

static int set_email_to(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	config_t *c = base;
	const char *at = strchr(v, '@');
	if (!at || at == v || !at[1] || strpbrk(v, " \t<>")) {
		cerr(x, x->section, k->key, "'%s' is not an email address", v);
		return -1;
	}
	push_str(&c->to, &c->nto, &c->capto, v, x->line);
	return 0;
}

static int set_from(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	const char *at = strchr(v, '@');
	if (!at || at == v || !at[1] || strpbrk(v, " \t")) {
		cerr(x, x->section, k->key, "'%s' is not an email address", v);
		return -1;
	}
	return set_str(x, k, base, v);
}

/* starttls = no | yes | required */
static int set_starttls(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	config_starttls_t *f = FIELD(base, k, config_starttls_t);

	if (!strcmp(v, "no"))
		*f = CONFIG_STARTTLS_NO;
	else if (!strcmp(v, "yes"))
		*f = CONFIG_STARTTLS_YES;
	else if (!strcmp(v, "required"))
		*f = CONFIG_STARTTLS_REQUIRED;
	else {
		cerr(x, x->section, k->key, "'%s' is not no, yes or required", v);
		return -1;
	}
	return 0;
}

/* A string that may be empty (subject_prefix = turns the prefix off). */
static int set_text(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	char **f = FIELD(base, k, char *);

	(void)x;
	free(*f);
	*f = xstrdup(v);
	return 0;
}

static int set_readable(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	FILE *f = *v ? fopen(v, "r") : NULL;

	if (!f) {
		cerr(x, x->section, k->key, "cannot read '%s': %s", v, *v ? strerror(errno) : "empty");
		return -1;
	}
	fclose(f);
	return set_str(x, k, base, v);
}

/* database = a SQLite file's path, or a PostgreSQL URI: never one holding a password */
static int set_database(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	char why[300];

	if (store_db_check(v, why, sizeof(why)) < 0) {
		/* the value is not quoted: it holds the password */
		cerr(x, x->section, k->key, "%s", why);
		return -1;
	}
	x->c->database_line = x->line;
	return set_str(x, k, base, v);
}

/* [cluster]: any key of it makes this node one of several over one PostgreSQL database */
static int set_cluster_node(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	if (strlen(v) > 63 || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"0123456789.-_") != strlen(v)) {
		cerr(x, x->section, k->key, "'%s' is not a node name (letters, digits, . - _; at "
		     "most 63)", v);
		return -1;
	}
	x->c->cluster = true;
	x->c->cluster_line = x->line;
	return set_str(x, k, base, v);
}

static int set_cluster_lease(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	x->c->cluster = true;
	x->c->cluster_line = x->line;
	return set_duration(x, k, base, v);
}

static int set_smtp_url(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	x->c->smtp_line = x->line;
	return set_smtp(x, k, base, v);
}

/* header = Name: value (repeatable); sent with every webhook POST */
static int set_webhook_header(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	config_t *c = base;
	const char *colon = strchr(v, ':');
	size_t n = colon ? strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "0123456789!#$%&'*+-.^_`|~") : 0;

	if (!colon || n == 0 || v + n != colon) {
		/* not quoted: a header is where a token goes */
		cerr(x, x->section, k->key, "not 'Name: value' (e.g. Authorization: Bearer TOKEN)");
		return -1;
	}
	push_str(&c->webhook_headers, &c->nwebhook_headers, &c->capwebhook_headers, v, x->line);
	return 0;
}

/* flap_limit = 0 (off) or 2 and more */
static int set_flap_limit(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	if (set_uint(x, k, base, v) < 0)
		return -1;
	if (*FIELD(base, k, unsigned) == 1) {
		cerr(x, x->section, k->key, "1 would call every change flapping: use 0 (off) or 2 "
		     "and more");
		return -1;
	}
	return 0;
}

static int set_prefix(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	const char *p = *v == '/' ? v + 1 : v;
	return set_uint(x, k, base, p);
}

static int add_target(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	config_t *c = base;
	config_target_t *t;
	config_target_kind_t kind = (config_target_kind_t)k->off;

	t = xpush((void **)&c->targets, &c->captargets, &c->ntargets, sizeof(*c->targets));
	t->kind = kind;
	t->value = xstrdup(v);
	t->line = x->line;
	/* parsed after the whole file is read: max_network may come later */
	return 0;
}

static int add_listname(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	config_t *c = base;

	if (!strcmp(k->key, "disable"))
		push_str(&c->disable, &c->ndisable, &c->capdisable, v, x->line);
	else if (!strcmp(k->key, "enable"))
		push_str(&c->enable, &c->nenable, &c->capenable, v, x->line);
	else
		push_str(&c->only, &c->nonly, &c->caponly, v, x->line);
	return 0;
}

/* [ignore] rule: its syntax now, its list once every [list] section is read */
static int add_ignore(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	config_t *c = base;
	problem_rule_t r;
	char e[300];

	if (problem_rule_parse(v, &r, e, sizeof(e)) < 0) {
		cerr(x, x->section, k->key, "%s", e);
		return -1;
	}
	xgrow((void **)&c->ignore, &c->capignore, c->nignore + 1, sizeof(*c->ignore));
	xgrow((void **)&c->ignore_line, &c->capignore_line, c->nignore + 1,
	      sizeof(*c->ignore_line));
	c->ignore_line[c->nignore] = x->line;
	c->ignore[c->nignore++] = r;
	return 0;
}

/* ---- [list ZONE] keys: fields of the current catalog list ---- */

static int lset_kind(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	catalog_list_t *l = base;
	if (catalog_kind_parse(v, &l->kind) < 0) {
		cerr(x, x->section, k->key, "'%s' is not block, allow or info", v);
		return -1;
	}
	return 0;
}

static int lset_type(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	catalog_list_t *l = base;
	if (catalog_qtype_parse(v, &l->qtype) < 0) {
		cerr(x, x->section, k->key, "'%s' is not ip or domain", v);
		return -1;
	}
	l->ipv4 = l->qtype == QTYPE_IP;
	if (l->qtype == QTYPE_DOMAIN) {
		l->ipv6 = false;
		l->scope = SCOPE_DOMAIN;
	}
	return 0;
}

static int lset_scope(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	catalog_list_t *l = base;
	if (catalog_scope_parse(v, &l->scope) < 0) {
		cerr(x, x->section, k->key, "'%s' is not ip, network, asn or domain", v);
		return -1;
	}
	return 0;
}

static int lset_severity(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	catalog_list_t *l = base;
	if (catalog_severity_parse(v, &l->severity) < 0) {
		cerr(x, x->section, k->key, "'%s' is not high, medium or low", v);
		return -1;
	}
	return 0;
}

static int lset_code(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	catalog_list_t *l = base;
	char e[300];
	code_class_t cls = (code_class_t)k->min;

	if (catalog_code_add(l, v, cls, e, sizeof(e)) < 0) {
		cerr(x, x->section, k->key, "%s", e);
		return -1;
	}
	return 0;
}

/* rate = 50/s, 3000/m, or a bare number per second; 0 = no limit */
static int lset_rate(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	catalog_list_t *l = base;
	char *end;
	double n;

	errno = 0;
	n = strtod(v, &end);
	if (errno || end == v || n < 0 || n > 1e6 ||
	    (*end && strcmp(end, "/s") && strcmp(end, "/m"))) {
		cerr(x, x->section, k->key, "'%s' is not a rate like 50/s or 3000/m (0 = no limit)", v);
		return -1;
	}
	l->rate = !strcmp(end, "/m") ? n / 60 : n;
	return 0;
}

/* test_listed / test_clean: the list's published test entry, an address (IP
 * lists) or a domain name (domain lists) */
static int lset_test(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	char **f = FIELD(base, k, char *);
	target_t t;

	if (target_parse_ip(v, &t) < 0 && !target_domain_valid(v, false)) {
		cerr(x, x->section, k->key, "'%s' is not an address or a domain name", v);
		return -1;
	}
	free(*f);
	*f = xstrdup(v);
	return 0;
}

static int lset_key(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	catalog_list_t *l = base;
	char e[300];

	if (l->source == SOURCE_SNDS) {
		cerr(x, x->section, k->key, "SNDS keys go in [snds] key =");
		return -1;
	}
	if (!target_domain_valid(v, false)) {
		cerr(x, x->section, k->key, "the key must be letters and digits only");
		return -1;
	}
	if (catalog_set_key(l, v, e, sizeof(e)) < 0) {
		cerr(x, x->section, k->key, "%s", e);
		return -1;
	}
	l->enabled = true;
	return 0;
}

/* [snds] key = KEY (repeatable): the key of an SNDS account's automated access. A secret:
 * no error quotes it. */
static int set_snds_key(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	config_t *c = base;

	if (!snds_key_valid(v)) {
		cerr(x, x->section, k->key, "not an SNDS key (8 to 128 letters, digits and dashes, "
		     "as SNDS's automated access page shows it)");
		return -1;
	}
	for (size_t i = 0; i < c->nsnds_keys; i++)
		if (!strcmp(c->snds_keys[i].value, v)) {
			cerr(x, x->section, k->key, "the same key as line %d", c->snds_keys[i].line);
			return -1;
		}
	push_str(&c->snds_keys, &c->nsnds_keys, &c->capsnds_keys, v, x->line);
	return 0;
}

static void push_listval(config_listval_t **arr, size_t *n, size_t *cap, size_t list,
			 const char *v, int line)
{
	xgrow((void **)arr, cap, *n + 1, sizeof(**arr));
	(*arr)[*n].list = list;
	(*arr)[*n].value = xstrdup(v);
	(*arr)[*n].line = line;
	(*n)++;
}

/* dataset = TYPE:PATH[,PATH...] (repeatable): its type now, its paths once it
 * is known whether the list has a mirror (rsync = may come later) */
static int lset_dataset(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	catalog_list_t *l = base;
	const char *colon = strchr(v, ':');
	char type[16];
	dataset_type_t t;

	snprintf(type, sizeof(type), "%.*s", colon ? (int)(colon - v) : 0, v);
	if (!colon || !colon[1] || dataset_type_parse(type, &t) < 0) {
		cerr(x, x->section, k->key, "'%s' is not TYPE:PATH with an rbldnsd dataset type "
		     "(ip4set, ip4tset, ip4trie, ip6trie, ip6tset, dnset), e.g. ip4set:sbl.txt", v);
		return -1;
	}
	push_listval(&x->c->datasets, &x->c->ndatasets, &x->c->capdatasets,
		     (size_t)(l - x->c->catalog->lists), v, x->line);
	return 0;
}

/* rsync = rsync://HOST[:PORT]/MODULE[/PATH], or an rsync command line (words,
 * no shell) to which blmon adds the destination */
static int lset_rsync(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	catalog_list_t *l = base;
	size_t idx = (size_t)(l - x->c->catalog->lists);
	const char *host = v + 8, *slash;

	for (size_t i = 0; i < x->c->nrsyncs; i++)
		if (x->c->rsyncs[i].list == idx) {
			cerr(x, x->section, k->key, "given twice (line %d): one source per list",
			     x->c->rsyncs[i].line);
			return -1;
		}
	if (!strncmp(v, "rsync://", 8)) {
		slash = strchr(host, '/');
		if (!slash || slash == host || !slash[1] || strpbrk(v, " 	")) {
			cerr(x, x->section, k->key, "'%s' is not rsync://HOST/MODULE[/PATH]", v);
			return -1;
		}
	} else if (strncmp(v, "rsync ", 6) || !v[6 + strspn(v + 6, " 	")]) {
		cerr(x, x->section, k->key, "'%s' is neither rsync://HOST/MODULE[/PATH] nor an rsync "
		     "command line (rsync OPTIONS... SOURCE)", v);
		return -1;
	}
	push_listval(&x->c->rsyncs, &x->c->nrsyncs, &x->c->caprsyncs, idx, v, x->line);
	return 0;
}

/* [logwatch] file = PATH (repeatable) */
static int set_logfile(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	config_t *c = base;

	if (*v != '/') {
		cerr(x, x->section, k->key, "'%s' is not an absolute path (e.g. /var/log/mail.log)", v);
		return -1;
	}
	push_str(&c->logfiles, &c->nlogfiles, &c->caplogfiles, v, x->line);
	return 0;
}

/* [logwatch] command = SHELL COMMAND (repeatable), e.g. journalctl -f -n 0 -u postfix@- */
static int set_logcmd(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	config_t *c = base;

	if (!v[strspn(v, " \t")]) {
		cerr(x, x->section, k->key, "empty value (e.g. journalctl -f -n 0 -u postfix@-)");
		return -1;
	}
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			cerr(x, x->section, k->key, "contains a control character");
			return -1;
		}
	push_str(&c->logcmds, &c->nlogcmds, &c->caplogcmds, v, x->line);
	return 0;
}

static int set_logformat(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	if (strcmp(v, "postfix") && strcmp(v, "exim") && strcmp(v, "auto")) {
		cerr(x, x->section, k->key, "'%s' is not postfix, exim or auto", v);
		return -1;
	}
	return set_str(x, k, base, v);
}

/* threshold = N in DURATION (e.g. 3 in 10m) */
static int set_threshold(struct ctx *x, const struct keydef *k, void *base, const char *v)
{
	config_t *c = base;
	char *end;
	unsigned long n;
	unsigned long long ms;
	const char *in;

	errno = 0;
	n = strtoul(v, &end, 10);
	in = end;
	while (*in == ' ')
		in++;
	if (!isdigit((unsigned char)*v) || errno || n < 1 || n > 100000 || strncmp(in, "in ", 3) ||
	    config_duration_ms(in + 3 + strspn(in + 3, " "), &ms) < 0 || ms < 1000 ||
	    ms > 30 * DAY * 1000) {
		cerr(x, x->section, k->key, "'%s' is not 'N in DURATION' (e.g. 3 in 10m; N from 1, "
		     "DURATION from 1s to 30d)", v);
		return -1;
	}
	c->lw_threshold = (unsigned)n;
	c->lw_window_s = (unsigned)(ms / 1000);
	return 0;
}

#define CO(f) offsetof(config_t, f)
#define LO(f) offsetof(catalog_list_t, f)

static const struct keydef keys[] = {
	{"monitor", "interval", set_duration, CO(interval_s), 1, 30 * DAY, "s"},
	{"monitor", "resolver", set_resolver, CO(resolver), 0, 0, ""},
	{"monitor", "database", set_database, CO(database), 0, 0, ""},
	{"monitor", "database_password_file", set_readable, CO(database_password_file), 0, 0, ""},
	{"monitor", "confirm", set_uint, CO(confirm), 1, 10, ""},
	{"monitor", "timeout", set_duration, CO(timeout_ms), 100, 60000, "ms"},
	{"monitor", "retries", set_uint, CO(retries), 0, 10, ""},
	{"monitor", "concurrency", set_uint, CO(concurrency), 1, 10000, ""},
	{"monitor", "retention", set_duration, CO(retention_s), 3600, 3650 * DAY, "s"},
	{"monitor", "asn_refresh", set_duration, CO(asn_refresh_s), 600, 30 * DAY, "s"},
	{"monitor", "max_ttl", set_duration, CO(max_ttl_s), 0, 7 * DAY, "s"},
	{"monitor", "stale_grace", set_duration, CO(stale_grace_s), 0, 30 * DAY, "s"},
	{"monitor", "budget", set_budget, CO(budget_warn), 0, 0, ""},
	{"targets", "ip", add_target, CT_IP, 0, 0, ""},
	{"targets", "network", add_target, CT_NETWORK, 0, 0, ""},
	{"targets", "host", add_target, CT_HOST, 0, 0, ""},
	{"targets", "domain", add_target, CT_DOMAIN, 0, 0, ""},
	{"targets", "max_network", set_prefix, CO(limits.min_prefix_v4), 8, 32, ""},
	{"targets", "max_network6", set_prefix, CO(limits.min_prefix_v6), 96, 128, ""},
	{"lists", "default", set_bool, CO(lists_default), 0, 0, ""},
	{"lists", "disable", add_listname, 0, 0, 0, ""},
	{"lists", "enable", add_listname, 0, 0, 0, ""},
	{"lists", "only", add_listname, 0, 0, 0, ""},
	{"list", "name", set_str, LO(name), 0, 0, ""},
	{"list", "kind", lset_kind, 0, 0, 0, ""},
	{"list", "type", lset_type, 0, 0, 0, ""},
	{"list", "scope", lset_scope, 0, 0, 0, ""},
	{"list", "severity", lset_severity, 0, 0, 0, ""},
	{"list", "code", lset_code, 0, CODE_LISTED, 0, ""},
	{"list", "error", lset_code, 0, CODE_ERROR, 0, ""},
	{"list", "neutral", lset_code, 0, CODE_NEUTRAL, 0, ""},
	{"list", "removal", set_str, LO(removal), 0, 0, ""},
	{"list", "key", lset_key, 0, 0, 0, ""},
	{"list", "ipv6", set_bool, LO(ipv6), 0, 0, ""},
	{"list", "interval", set_duration, LO(interval_s), 1, 30 * DAY, "s"},
	{"list", "budget", set_uint, LO(budget), 0, 100000000, ""},
	{"list", "rate", lset_rate, 0, 0, 0, ""},
	{"list", "test_listed", lset_test, LO(test_listed), 0, 0, ""},
	{"list", "test_clean", lset_test, LO(test_clean), 0, 0, ""},
	{"list", "dataset", lset_dataset, 0, 0, 0, ""},
	{"list", "rsync", lset_rsync, 0, 0, 0, ""},
	{"mirror", "dir", set_str, CO(mirror_dir), 0, 0, ""},
	{"mirror", "refresh", set_duration, CO(mirror_refresh_s), 1, 30 * DAY, "s"},
	{"mirror", "timeout", set_duration, CO(mirror_timeout_s), 1, DAY, "s"},
	{"ignore", "rule", add_ignore, 0, 0, 0, ""},
	{"drop", "enabled", set_bool, CO(drop_enabled), 0, 0, ""},
	{"drop", "url_v4", set_http_url, CO(drop_url_v4), 0, 0, ""},
	{"drop", "url_v6", set_http_url, CO(drop_url_v6), 0, 0, ""},
	{"drop", "url_asn", set_http_url, CO(drop_url_asn), 0, 0, ""},
	/* Spamhaus firewalls clients that download more than hourly */
	{"drop", "refresh", set_duration, CO(drop_refresh_s), 3600, 30 * DAY, "s"},
	{"snds", "key", set_snds_key, 0, 0, 0, ""},
	{"snds", "url", set_http_url, CO(snds_url), 0, 0, ""},
	/* SNDS updates its data once a day; asking more often than this helps nobody */
	{"snds", "refresh", set_duration, CO(snds_refresh_s), 900, 30 * DAY, "s"},
	{"snds", "timeout", set_duration, CO(snds_timeout_s), 1, 300, "s"},
	{"cluster", "node", set_cluster_node, CO(cluster_node), 0, 0, ""},
	{"cluster", "lease", set_cluster_lease, CO(cluster_lease_s), 3, 3600, "s"},
	{"http", "listen", set_listen, CO(http_listen), 0, 0, ""},
	{"http", "token", set_str, CO(http_token), 0, 0, ""},
	{"http", "healthz_max_age", set_duration, CO(healthz_max_age_s), 0, 30 * DAY, "s"},
	{"http", "cert", set_str, CO(http_cert), 0, 0, ""},
	{"http", "key", set_str, CO(http_key), 0, 0, ""},
	{"email", "smtp", set_smtp_url, CO(smtp), 0, 0, ""},
	{"email", "from", set_from, CO(from), 0, 0, ""},
	{"email", "to", set_email_to, 0, 0, 0, ""},
	{"email", "starttls", set_starttls, CO(starttls), 0, 0, ""},
	{"email", "user", set_str, CO(smtp_user), 0, 0, ""},
	{"email", "password", set_str, CO(smtp_password), 0, 0, ""},
	{"email", "password_file", set_readable, CO(smtp_password_file), 0, 0, ""},
	{"email", "subject_prefix", set_text, CO(subject_prefix), 0, 0, ""},
	{"webhook", "url", set_webhook, 0, 0, 0, ""},
	{"webhook", "header", set_webhook_header, 0, 0, 0, ""},
	{"alerts", "batch", set_duration, CO(alert_batch_s), 0, DAY, "s"},
	{"alerts", "flap_limit", set_flap_limit, CO(flap_limit), 0, 1000, ""},
	{"alerts", "flap_window", set_duration, CO(flap_window_s), 1, 30 * DAY, "s"},
	{"alerts", "give_up", set_duration, CO(alert_give_up_s), 1, 30 * DAY, "s"},
	{"logwatch", "file", set_logfile, 0, 0, 0, ""},
	{"logwatch", "command", set_logcmd, 0, 0, 0, ""},
	{"logwatch", "format", set_logformat, CO(logwatch_format), 0, 0, ""},
	{"logwatch", "threshold", set_threshold, 0, 0, 0, ""},
	{"logwatch", "quiet", set_duration, CO(lw_quiet_s), 1, 30 * DAY, "s"},
};

static const char *const sections[] = {"monitor", "targets", "lists", "ignore", "mirror", "drop",
				       "snds", "cluster", "http", "email", "webhook", "alerts",
				       "logwatch"};

/* Enters "[list ZONE]": finds the built-in it names or adds a new list. */
static int enter_list(struct ctx *x, const char *section)
{
	const char *zone = section + 5;

	while (*zone == ' ')
		zone++;
	x->list = catalog_find(x->c->catalog, zone);
	if (x->list)
		return 0;
	/* a new zone: "{key}." may prefix a keyed one */
	{
		const char *bare = strncmp(zone, "{key}.", 6) == 0 ? zone + 6 : zone;
		if (!target_domain_valid(bare, true)) {
			cerr(x, section, "zone", "'%s' is not a DNS zone name", zone);
			return -1;
		}
	}
	x->list = catalog_add(x->c->catalog, zone);
	return 0;
}

/* Enters a [section]: checks that it is known and, for [list ZONE], finds or
 * adds the list. Called when the section changes, from the reader as soon as
 * the header is read (libinih says nothing about sections without keys, yet
 * an empty [list ZONE] adds a list with default rules). */
static void enter_section(struct ctx *x, const char *section)
{
	bool known = strncmp(section, "list ", 5) == 0;

	snprintf(x->section, sizeof(x->section), "%s", section);
	x->list = NULL;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]) && !known; i++)
		known = strcmp(section, sections[i]) == 0;
	if (!known) {
		const char *near = suggest_pick(section, sections, sizeof(sections) / sizeof(sections[0]));
		if (near)
			cerr(x, NULL, NULL, "unknown section [%s] (did you mean [%s]?)", section, near);
		else
			cerr(x, NULL, NULL, "unknown section [%s] (known: monitor, targets, lists, "
			     "list ZONE, ignore, mirror, drop, snds, http, email, webhook, alerts, logwatch)", section);
	}
	else if (!strncmp(section, "list ", 5))
		enter_list(x, section);
}

/* The first control character of v (tab is text), or NULL. */
static const char *control_char(const char *v)
{
	for (; *v; v++)
		if (((unsigned char)*v < 0x20 && *v != '\t') || *v == 0x7f)
			return v;
	return NULL;
}

/* An unknown key, and what was likely meant: the same key in the section it
 * belongs to, else the closest key of this section. */
static void unknown_key(struct ctx *x, const char *section, const char *rows, const char *name)
{
	const char *cands[sizeof(keys) / sizeof(keys[0])], *near;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(keys[i].key, name)) {
			cerr(x, section, name, "unknown key here (it belongs in [%s])",
			     strcmp(keys[i].section, "list") ? keys[i].section : "list ZONE");
			return;
		}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(keys[i].section, rows))
			cands[n++] = keys[i].key;
	near = suggest_pick(name, cands, n);
	if (near)
		cerr(x, section, name, "unknown key (did you mean %s?)", near);
	else
		cerr(x, section, name, "unknown key");
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct ctx *x = user;
	bool is_list = strncmp(section, "list ", 5) == 0;
	bool known = is_list;

	if (strcmp(section, x->section) != 0)
		enter_section(x, section);
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]) && !known; i++)
		known = strcmp(section, sections[i]) == 0;
	if (!*section) {
		cerr(x, NULL, NULL, "'%s' is outside any [section]", name);
		return 1;
	}
	if (!known)
		return 1; /* reported when the section was entered */
	if (is_list && !x->list)
		return 1; /* the section header was already reported */
	if (control_char(value)) {
		/* a CR in a webhook header would smuggle another header into a request */
		cerr(x, section, name, "control character (byte 0x%02x) in the value: only printable "
		     "text and tabs are allowed", (unsigned char)*control_char(value));
		return 1;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct keydef *k = &keys[i];
		if (strcmp(k->key, name) != 0 || strcmp(k->section, is_list ? "list" : section) != 0)
			continue;
		k->set(x, k, is_list ? (void *)x->list : (void *)x->c, value);
		return 1; /* errors are collected, never abort the parse */
	}
	unknown_key(x, section, is_list ? "list" : section, name);
	return 1;
}

/* fgets-style reader over the in-memory file, counting lines for errors. */
static char *reader(char *str, int num, void *stream)
{
	struct ctx *x = stream;
	size_t n = 0;

	if (x->pos >= x->len)
		return NULL;
	/* the whole line, newline included, is consumed even when str is full:
	 * left behind, the newline of a line of the longest length allowed read
	 * as one more line and every later error named the wrong line. prescan
	 * refused longer lines, so what does not fit is at most a CR. */
	while (x->pos < x->len && x->buf[x->pos] != '\n') {
		char ch = x->buf[x->pos++];
		if (n + 1 < (size_t)num)
			str[n++] = ch;
	}
	if (x->pos < x->len)
		x->pos++;
	str[n] = '\0';
	x->line++;
	/* libinih would otherwise take an indented line as a continuation of
	 * the previous value, silently merging two keys */
	{
		size_t lead = strspn(str, " \t");
		if (lead)
			memmove(str, str + lead, n - lead + 1);
	}
	if (str[0] == '[') {
		char *end = strchr(str, ']');
		if (end) {
			char name[256];
			snprintf(name, sizeof(name), "%.*s", (int)(end - str - 1), str + 1);
			if (strcmp(name, x->section) != 0)
				enter_section(x, name);
		}
	}
	return str;
}

/* Refuses what INI cannot sensibly hold before libinih sees it: NUL and
 * control bytes (binary garbage) and lines longer than libinih's buffer. */
static int prescan(struct ctx *x)
{
	size_t linestart = 0;
	int line = 1, bad = 0;

	for (size_t i = 0; i <= x->len; i++) {
		unsigned char ch = i < x->len ? (unsigned char)x->buf[i] : '\n';
		if (ch == '\n') {
			size_t l = i - linestart;
			if (l && x->buf[i - 1] == '\r')
				l--;
			if (l > CONFIG_MAX_LINE) {
				x->line = line;
				cerr(x, NULL, NULL, "line is %zu characters long (at most %d)", l,
				     CONFIG_MAX_LINE);
				bad++;
			}
			line++;
			linestart = i + 1;
		} else if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f) {
			x->line = line;
			cerr(x, NULL, NULL,
			     "control byte 0x%02x at column %zu: this is not a text config file", ch,
			     i - linestart + 1);
			bad++;
			while (i < x->len && x->buf[i] != '\n') /* one report per line */
				i++;
			i--;
			if (bad > 5)
				return -1;
		}
	}
	return bad ? -1 : 0;
}

config_t *config_new_default(void)
{
	config_t *c = xcalloc(1, sizeof(*c));

	c->interval_s = 1800;
	c->confirm = 2;
	c->timeout_ms = 2000;
	c->retries = 2;
	c->concurrency = 200;
	c->database = xstrdup("blmon.db");
	c->retention_s = 400 * 86400;
	c->asn_refresh_s = 6 * 3600;
	c->max_ttl_s = 3600;
	c->limits = TARGET_LIMITS_DEFAULT;
	c->lists_default = true;
	c->http_listen = xstrdup("127.0.0.1:8053");
	c->drop_url_v4 = xstrdup("https://www.spamhaus.org/drop/drop_v4.json");
	c->drop_url_v6 = xstrdup("https://www.spamhaus.org/drop/drop_v6.json");
	c->drop_url_asn = xstrdup("https://www.spamhaus.org/drop/asndrop.json");
	c->drop_refresh_s = 12 * 3600;
	c->snds_url = xstrdup(SNDS_URL_DEFAULT);
	c->snds_refresh_s = 3600;
	c->snds_timeout_s = 60;
	c->cluster_lease_s = 30;
	c->starttls = CONFIG_STARTTLS_YES;
	c->subject_prefix = xstrdup("[blmon]");
	c->alert_batch_s = 60;
	c->flap_limit = 4;
	c->flap_window_s = 6 * 3600;
	c->alert_give_up_s = 2 * 86400;
	c->logwatch_format = xstrdup("auto");
	c->lw_threshold = 3;
	c->lw_window_s = 600;
	c->lw_quiet_s = 1800;
	c->mirror_refresh_s = 3600;
	c->mirror_timeout_s = 300;
	c->catalog = catalog_new_builtin();
	return c;
}

static const char *const kind_key[] = {"ip", "network", "host", "domain"};

/* The directory of path ("." when it has none) into buf. */
static void dir_of(const char *path, char *buf, size_t len)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	if (!slash)
		snprintf(buf, len, ".");
	else if (slash == path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

/* Each list's datasets become its dataset zone, their relative paths taken in
 * its mirror's copy (rsync =) or else beside the config file. */
static void finish_datasets(struct ctx *x)
{
	config_t *c = x->c;
	char base[1100], e[600];

	if (!c->mirror_dir) {
		char db[1024];
		dir_of(c->database, db, sizeof(db));
		c->mirror_dir = xmalloc(strlen(db) + 8);
		sprintf(c->mirror_dir, "%s/mirror", db);
	}
	for (size_t i = 0; i < c->nrsyncs; i++) {
		bool has = false;
		for (size_t k = 0; k < c->ndatasets && !has; k++)
			has = c->datasets[k].list == c->rsyncs[i].list;
		if (!has) {
			char section[300];
			snprintf(section, sizeof(section), "list %s",
				 c->catalog->lists[c->rsyncs[i].list].zone_tmpl);
			x->line = c->rsyncs[i].line;
			cerr(x, section, "rsync",
			     "fetches data files for dataset = TYPE:PATH, and this list has none");
		}
	}
	for (size_t i = 0; i < c->ndatasets; i++) {
		catalog_list_t *l = &c->catalog->lists[c->datasets[i].list];
		char section[300];

		if (config_list_rsync(c, l)) {
			char m[1024];
			config_mirror_path(c, l, m, sizeof(m));
			snprintf(base, sizeof(base), "%s/current", m);
		} else {
			dir_of(c->path, base, sizeof(base));
		}
		if (!l->dataset)
			l->dataset = dataset_zone_new();
		x->line = c->datasets[i].line;
		snprintf(section, sizeof(section), "list %s", l->zone_tmpl);
		if (dataset_zone_add(l->dataset, c->datasets[i].value, base, e, sizeof(e)) < 0)
			cerr(x, section, "dataset", "%s", e);
	}
}

/* Checks what can only be judged once the whole file is read. */
static void finish(struct ctx *x)
{
	config_t *c = x->c;
	char e[300];

	for (size_t i = 0; i < c->ntargets; i++) {
		config_target_t *t = &c->targets[i];
		x->line = t->line;
		if (t->kind == CT_HOST) {
			if (!target_domain_valid(t->value, true))
				cerr(x, "targets", "host", "'%s' is not a host name", t->value);
			continue;
		}
		if (target_parse(t->value, &c->limits, &t->spec, e, sizeof(e)) < 0) {
			cerr(x, "targets", kind_key[t->kind], "%s", e);
			continue;
		}
		if (t->kind == CT_IP && (t->spec.first.type == TARGET_DOMAIN || t->spec.prefix))
			cerr(x, "targets", "ip", "'%s' is not a single IP address (use network = for "
			     "CIDR, domain = for names)", t->value);
		else if (t->kind == CT_NETWORK && t->spec.first.type == TARGET_DOMAIN)
			cerr(x, "targets", "network", "'%s' is not a CIDR network", t->value);
		else if (t->kind == CT_DOMAIN && t->spec.first.type != TARGET_DOMAIN)
			cerr(x, "targets", "domain", "'%s' is an address, not a domain (use ip =)",
			     t->value);
	}
	for (size_t i = 0; i < c->nignore; i++) {
		bool named = false;
		x->line = c->ignore_line[i];
		for (size_t j = 0; j < c->catalog->n && !named; j++)
			named = problem_rule_names(&c->ignore[i], &c->catalog->lists[j]);
		if (!named)
			cerr(x, "ignore", "rule", "no list named '%s' (see `blmon lists`)",
			     c->ignore[i].list);
	}
	/* [lists]: default, then enable, then disable; only overrides all */
	for (size_t i = 0; i < c->catalog->n; i++) {
		catalog_list_t *l = &c->catalog->lists[i];
		if (!c->lists_default && l->builtin && !l->key)
			l->enabled = false;
		/* SNDS lists are as fresh as their documents: checked when those are fetched */
		if (l->source == SOURCE_SNDS)
			l->interval_s = c->snds_refresh_s;
	}
	/* a key brings Microsoft's own word in, like a DQS key brings in its zones */
	if (c->nsnds_keys)
		catalog_snds_enable(c->catalog);
	for (int pass = 0; pass < 3; pass++) {
		config_str_t *arr = pass == 0 ? c->enable : pass == 1 ? c->disable : c->only;
		size_t n = pass == 0 ? c->nenable : pass == 1 ? c->ndisable : c->nonly;
		const char *key = pass == 0 ? "enable" : pass == 1 ? "disable" : "only";

		if (pass == 2 && n > 0)
			for (size_t i = 0; i < c->catalog->n; i++)
				c->catalog->lists[i].enabled = false;
		for (size_t i = 0; i < n; i++) {
			catalog_list_t *l = catalog_find(c->catalog, arr[i].value);
			x->line = arr[i].line;
			if (!l) {
				cerr(x, "lists", key, "no list named '%s' (see `blmon lists`)",
				     arr[i].value);
				continue;
			}
			if (pass != 1 && !l->zone && l->source == SOURCE_SNDS) {
				cerr(x, "lists", key, "%s needs an SNDS key: set key = in [snds]", l->id);
				continue;
			}
			if (pass != 1 && !l->zone) {
				cerr(x, "lists", key, "%s needs a key: set key = in [list %s]", l->id,
				     l->zone_tmpl);
				continue;
			}
			l->enabled = pass != 1;
		}
	}
	finish_datasets(x);
	/* [email]: a mail needs a server, a sender and a recipient */
	if (c->smtp && (!c->from || c->nto == 0)) {
		x->line = c->smtp_line;
		cerr(x, "email", "smtp", "alerts by mail also need from = and at least one to =");
	} else if (!c->smtp && c->nto) {
		x->line = c->to[0].line;
		cerr(x, "email", "to", "no smtp = to send through (e.g. smtp://127.0.0.1:25)");
	}
	if (c->cluster && !store_db_is_pg(c->database)) {
		x->line = c->cluster_line;
		cerr(x, "cluster", "node", "a cluster shares one PostgreSQL database "
		     "(database = postgresql://...): a SQLite file has one writer");
	}
	if (c->cluster && !c->cluster_node) {
		char host[256] = "";
		gethostname(host, sizeof(host) - 1);
		c->cluster_node = xstrdup(*host ? host : "blmon");
	}
	if (c->database_password_file && !store_db_is_pg(c->database)) {
		x->line = c->database_line;
		cerr(x, "monitor", "database_password_file", "only a PostgreSQL database "
		     "(database = postgresql://...) has a password");
	}
	if (c->smtp_password && c->smtp_password_file) {
		x->line = c->smtp_line;
		cerr(x, "email", "password", "give password or password_file, not both");
	} else if ((c->smtp_password || c->smtp_password_file) && !c->smtp_user) {
		x->line = c->smtp_line;
		cerr(x, "email", "user", "a password needs user =");
	}
}

int config_load_string(const char *name, const char *text, size_t len, config_t **out, char *err,
		       size_t errlen)
{
	struct ctx x;
	int ret = -1, rc;

	*out = NULL;
	memset(&x, 0, sizeof(x));
	x.file = name;
	x.err = err;
	x.errlen = errlen;
	err[0] = '\0';
	if (len > CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %d bytes: not a config file", name,
			 CONFIG_MAX_BYTES);
		goto out;
	}
	x.buf = text;
	x.len = len;
	if (prescan(&x) < 0)
		goto out;
	x.c = config_new_default();
	x.c->path = xstrdup(name);
	x.line = 0;
	rc = ini_parse_stream(reader, &x, handler, &x);
	if (rc > 0) {
		x.line = rc;
		cerr(&x, NULL, NULL, "syntax error: expected [section], key = value, or a comment");
	}
	finish(&x);
	config_redact(x.c, err, errlen); /* what the errors quote of the secrets read so far */
	if (x.nerr == 0) {
		*out = x.c;
		x.c = NULL;
		ret = 0;
	}
out:
	config_free(x.c);
	return ret;
}

const char *config_path(const char *option)
{
	const char *env = getenv("BLMON_CONFIG");

	if (option)
		return option;
	return env && *env ? env : CONFIG_DEFAULT_PATH;
}

const char *config_path_optional(const char *option)
{
	const char *path = config_path(option);

	if (path == option || strcmp(path, CONFIG_DEFAULT_PATH) || access(path, F_OK) == 0)
		return path;
	return NULL;
}

/* Where a config path that is not there came from, and how to choose another. */
static const char *missing_hint(const char *path)
{
	const char *env = getenv("BLMON_CONFIG");

	if (env && !strcmp(env, path))
		return "named by BLMON_CONFIG; give another there or with -c FILE";
	if (!strcmp(path, CONFIG_DEFAULT_PATH))
		return "the default config file; give another with -c FILE or BLMON_CONFIG=FILE, "
		       "or create it: see config.example and blmon.conf(5)";
	return "choose the config with -c FILE or BLMON_CONFIG=FILE; without either, blmon "
	       "reads " CONFIG_DEFAULT_PATH;
}

int config_load(const char *path, config_t **out, char *err, size_t errlen)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t len = 0;
	int ret = -1;

	*out = NULL;
	err[0] = '\0';
	f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot open: %s%s%s%s", path, strerror(e),
			 e == ENOENT ? " (" : "", e == ENOENT ? missing_hint(path) : "",
			 e == ENOENT ? ")" : "");
		goto out;
	}
	/* one byte more than allowed: a larger file is refused, never cut short */
	buf = xmalloc(CONFIG_MAX_BYTES + 1);
	len = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	ret = config_load_string(path, buf, len, out, err, errlen);
out:
	free(buf);
	if (f)
		fclose(f);
	return ret;
}

static void free_strs(config_str_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(a[i].value);
	free(a);
}

void config_free(config_t *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->resolver);
	free(c->database);
	free(c->database_password_file);
	free(c->cluster_node);
	for (size_t i = 0; i < c->ntargets; i++)
		free(c->targets[i].value);
	free(c->targets);
	free_strs(c->disable, c->ndisable);
	free_strs(c->enable, c->nenable);
	free_strs(c->only, c->nonly);
	free_strs(c->to, c->nto);
	free_strs(c->webhooks, c->nwebhooks);
	catalog_free(c->catalog);
	free(c->ignore);
	free(c->ignore_line);
	free(c->http_listen);
	free(c->http_token);
	free(c->http_cert);
	free(c->http_key);
	free(c->drop_url_v4);
	free(c->drop_url_v6);
	free(c->drop_url_asn);
	free_strs(c->snds_keys, c->nsnds_keys);
	free(c->snds_url);
	free(c->smtp);
	free(c->from);
	free(c->smtp_user);
	free(c->smtp_password);
	free(c->smtp_password_file);
	free(c->subject_prefix);
	free_strs(c->webhook_headers, c->nwebhook_headers);
	free_strs(c->logfiles, c->nlogfiles);
	free_strs(c->logcmds, c->nlogcmds);
	free(c->logwatch_format);
	for (size_t i = 0; i < c->ndatasets; i++)
		free(c->datasets[i].value);
	free(c->datasets);
	for (size_t i = 0; i < c->nrsyncs; i++)
		free(c->rsyncs[i].value);
	free(c->rsyncs);
	free(c->mirror_dir);
	free(c);
}

/* A [webhook] header's value ("Name: value"), and its last word (the token
 * after "Bearer"), as a server may quote either. */
static void redact_header(const char *h, char *text, size_t len)
{
	const char *v = strchr(h, ':'), *last;

	if (!v)
		return;
	v += 1 + strspn(v + 1, " \t");
	text_redact(text, len, v, "***");
	last = strrchr(v, ' ');
	if (last)
		text_redact(text, len, last + 1, "***");
}

void config_redact(const config_t *c, char *text, size_t len)
{
	if (!c || !len)
		return;
	/* whole URLs first, then what is left of them quoted on its own */
	if (c->smtp)
		curlx_url_redact(c->smtp, true, text, len);
	for (size_t i = 0; i < c->nwebhooks; i++)
		curlx_url_redact(c->webhooks[i].value, false, text, len);
	if (c->drop_url_v4)
		curlx_url_redact(c->drop_url_v4, true, text, len);
	if (c->drop_url_v6)
		curlx_url_redact(c->drop_url_v6, true, text, len);
	if (c->drop_url_asn)
		curlx_url_redact(c->drop_url_asn, true, text, len);
	if (c->snds_url)
		curlx_url_redact(c->snds_url, true, text, len);
	for (size_t i = 0; i < c->nsnds_keys; i++)
		text_redact(text, len, c->snds_keys[i].value, "***");
	for (size_t i = 0; i < c->nwebhook_headers; i++)
		redact_header(c->webhook_headers[i].value, text, len);
	text_redact(text, len, c->smtp_password, "***");
	text_redact(text, len, c->http_token, "***");
	for (size_t i = 0; c->catalog && i < c->catalog->n; i++)
		text_redact(text, len, c->catalog->lists[i].key, "***");
}

dnsbl_t *config_engine(const config_t *c, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	dnsbl_opts_t o = DNSBL_OPTS_DEFAULT;

	o.resolver = c->resolver;
	o.concurrency = c->concurrency;
	o.timeout_ms = c->timeout_ms;
	o.tries = c->retries + 1;
	o.stop = stop;
	return dnsbl_new(&o, err, errlen);
}

const char *config_list_rsync(const config_t *c, const catalog_list_t *l)
{
	size_t idx = (size_t)(l - c->catalog->lists);

	for (size_t i = 0; i < c->nrsyncs; i++)
		if (c->rsyncs[i].list == idx)
			return c->rsyncs[i].value;
	return NULL;
}

void config_mirror_path(const config_t *c, const catalog_list_t *l, char *buf, size_t len)
{
	char id[256];
	size_t i;

	/* the list's id, as a file name: a {key} template must not name a directory */
	for (i = 0; l->id[i] && i + 1 < sizeof(id); i++) {
		char ch = l->id[i];
		id[i] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
				ch == '.' || ch == '-' || ch == '_' ? ch : '_';
	}
	id[i] = '\0';
	snprintf(buf, len, "%s/%s", c->mirror_dir ? c->mirror_dir : "mirror", id);
}

size_t config_key_count(void)
{
	return sizeof(keys) / sizeof(keys[0]);
}

const char *config_key_name(size_t i, const char **section)
{
	*section = keys[i].section;
	return keys[i].key;
}
