/* nagios.c -- `blmon nagios`: a Nagios/Icinga plugin after the Monitoring Plugins guidelines.
 * Live (-H: checks now through the engine) or daemon mode (--url: reads the daemon's status API). */
#include <arpa/inet.h>
#include <cJSON.h>
#include <curl/curl.h>
#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checks/dnsbl.h"
#include "checks/problem.h"
#include "checks/result.h"
#include "lib/curlx.h"
#include "lib/jsonx.h"
#include "lib/timefmt.h"
#include "lib/xmalloc.h"
#include "monitor/cli/cli.h"
#include "monitor/cli/cli_http.h"
#include "monitor/cli/cli_opt.h"
#include "monitor/config.h"
#include "monitor/cli/live.h"

enum { NAG_OK, NAG_WARNING, NAG_CRITICAL, NAG_UNKNOWN };
static const char *const nag_names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

#define NAG_SHOWN 5                      /* problems named in the status line, worst first */
#define NAG_BODY_MAX (64L * 1024 * 1024)  /* one page of the daemon's documents fits */
#define NAG_PAGE 1000                     /* targets or problems per page asked for */
#define NAG_PAGES_MAX 256                 /* pages read at most: a /16 of targets */

static const char nagios_usage[] =
	"Usage: blmon nagios -H TARGET [OPTIONS]                 (live)\n"
	"       blmon nagios --url http://127.0.0.1:8053 [-H TARGET] [OPTIONS]  (daemon)\n"
	"\n"
	"A Nagios / Icinga plugin (Monitoring Plugins guidelines): prints one line\n"
	"\"BLMON OK|WARNING|CRITICAL|UNKNOWN - text | perfdata\" and exits 0, 1, 2 or 3.\n"
	"Live mode checks TARGET now through blmon's engine; daemon mode reads what the\n"
	"running `blmon run` already knows (its API: the summary and problems, or the\n"
	"targets -H names), so monitoring never adds\n"
	"queries against the lists. Counts are of (target, block list) results: for one\n"
	"IP, the lists. Allow and info lists never count. The text names the problems\n"
	"worst first (a listing of the address itself before one of its network or\n"
	"AS; a listed network once, with how many targets it affects).\n"
	"Listings an [ignore] rule of -C FILE accepts are named as ignored and never\n"
	"count as listings for -w/-c: an ignored listing alone is OK.\n"
	"\n"
	"Options:\n"
	"  -H, --hostname TARGET     IP, network, domain or host:NAME (daemon mode: only\n"
	"                            this target, its network's or its domain's addresses)\n"
	"  -U, --url URL             daemon mode: the daemon's HTTP address ([http] listen)\n"
	"  -w, --warning RANGE       listings giving WARNING (Nagios range; default 0: any)\n"
	"  -c, --critical RANGE      listings giving CRITICAL (Nagios range; default 0: any)\n"
	"  -u, --unknown-limit N     this many unknown results make the result UNKNOWN\n"
	"                            (default 1; 0: never). Nothing checked is never OK.\n"
	"  -s, --scope ip|all        ip: ignore network and ASN listings (the neighbourhood)\n"
	"  -i, --ignore ZONE         leave this list out (zone or id; repeatable)\n"
	"  -l, --list ZONE           live: check only this list (repeatable)\n"
	"  -r, --resolver IP[:PORT]  live: DNS server to ask (default: config, else system)\n"
	"  -C, --config FILE         live: lists, keys, resolver and [ignore] rules from FILE\n"
	"                            (default $BLMON_CONFIG, else /etc/blmon.conf when it\n"
	"                            exists, else the built-in lists)\n"
	"  -t, --timeout SECONDS     give up after this long: UNKNOWN (default 30)\n"
	"  -a, --max-age DURATION    daemon: results last answered longer ago are WARNING\n"
	"                            (default two of the daemon's intervals); a listing\n"
	"                            stays CRITICAL, as last confirmed\n"
	"  -V, --version             print blmon's version and exit\n"
	"  -h, --help                this text\n"
	"\n"
	"Ranges (Monitoring Plugins): N alerts above N (outside 0..N), N: below N, ~:N\n"
	"above N, N:M outside N..M, @N:M inside N..M. Unlike check_rbl, whose -w 1 -c 2\n"
	"warn at 1 listing and are critical from 2, -w 1 -c 2 here warn from 2 and are\n"
	"critical from 3: check_rbl's -w 1 -c 2 is -w 0 -c 1 here.\n"
	"Perfdata: listed=N;WARN;CRIT;0;RESULTS unknown=N;;;0;RESULTS clean=N time=Xs\n"
	"\n"
	"Examples:\n"
	"  blmon nagios -H 192.0.2.10 --resolver 127.0.0.1 -w 0 -c 1\n"
	"  blmon nagios --url http://127.0.0.1:8053 -H 192.0.2.10 --scope ip\n";

static volatile sig_atomic_t stop_flag;

static void on_alarm(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* A Monitoring Plugins threshold range. */
typedef struct {
	bool inside; /* '@': alert inside start..end */
	bool start_inf, end_inf;
	double start, end;
	char text[32];
} range_t;

static int range_parse(const char *s, range_t *r)
{
	const char *p = s, *colon;
	char *end;

	memset(r, 0, sizeof(*r));
	if (strlen(s) >= sizeof(r->text) || !*s)
		return -1;
	snprintf(r->text, sizeof(r->text), "%s", s);
	if (*p == '@') {
		r->inside = true;
		p++;
	}
	colon = strchr(p, ':');
	if (colon) {
		if (colon - p == 1 && *p == '~')
			r->start_inf = true;
		else if (colon != p) {
			r->start = strtod(p, &end);
			if (end != colon)
				return -1;
		}
		p = colon + 1;
		if (!*p)
			r->end_inf = true;
	}
	if (!r->end_inf) {
		r->end = strtod(p, &end);
		if (end == p || *end)
			return -1;
	}
	if (!r->start_inf && !r->end_inf && r->start > r->end)
		return -1;
	return 0;
}

static bool range_alert(const range_t *r, double v)
{
	bool in = (r->start_inf || v >= r->start) && (r->end_inf || v <= r->end);
	return r->inside ? in : !in;
}

struct nag {
	/* options */
	const char *host, *url, *resolver, *config, *scope;
	const char **ignore, **lists;
	size_t nignore, nlists;
	range_t warn, crit;
	long unknown_limit, timeout;
	long max_age;           /* -a: data older than this is WARNING; 0: two intervals */
	const problem_rule_t *rules; /* live -C FILE: its [ignore] rules (borrowed) */
	size_t nrules;
	/* counts */
	unsigned listed, unknown, clean;
	unsigned ignored;       /* listings an [ignore] rule accepts: never a listing here */
	char ign_first[400];
	long interval;          /* daemon mode: the daemon's interval_seconds */
	int64_t oldest;         /* daemon mode: the oldest last answer of a counted result */
	char oldest_why[300];   /* ... and why its checks fail now, if they do */
	unsigned ntargets;
	char first_target[TARGET_NAME_MAX];
	problem_set_t *ps;      /* the listings folded into problems, to name the worst first */
	char names[1600];       /* ... named, worst first (name_problems) */
	char unk_first[300];
};

static bool list_left_out(const struct nag *n, const char *zone, const char *id)
{
	for (size_t i = 0; i < n->nignore; i++)
		if (!strcasecmp(n->ignore[i], zone) || (id && !strcasecmp(n->ignore[i], id)))
			return true;
	return false;
}

/* Counts result r of target t (allow and info lists never count). asn: t's
 * origin AS (0: not known); checked_at: the daemon's last answer of it (0 in
 * live mode); failing: why its checks fail now (NULL when they do not). */
static void count(struct nag *n, const target_t *t, const result_t *r, uint32_t asn,
		  int64_t checked_at, const char *failing)
{
	const char *zone = catalog_zone_shown(r->list, r->zone);
	const char *name = r->name ? r->name : r->list ? r->list->name : zone;
	const problem_rule_t *rule;

	if (r->kind != LIST_BLOCK || list_left_out(n, zone, r->list ? r->list->id : NULL))
		return;
	if (n->scope && !strcmp(n->scope, "ip") && (r->scope == SCOPE_NETWORK || r->scope == SCOPE_ASN))
		return;
	/* SNDS is asked every [snds] refresh, not every interval: the daemon's own word on its
	 * freshness (stale) counts, not -a */
	if (r->list && r->list->source == SOURCE_SNDS && !r->stale)
		checked_at = 0;
	if (checked_at > 0 && (!n->oldest || checked_at < n->oldest)) {
		n->oldest = checked_at;
		snprintf(n->oldest_why, sizeof(n->oldest_why), "%.250s", failing ? failing : "");
	}
	switch (r->status) {
	case STATUS_LISTED:
		problem_set_add(n->ps, r, t, asn, n->rules, n->nrules);
		rule = problem_rule_match(n->rules, n->nrules, r, t);
		if (rule) { /* accepted on purpose: said, never counted as a listing */
			if (!n->ignored)
				snprintf(n->ign_first, sizeof(n->ign_first), "%.120s (%.120s) by rule '%.120s'",
					 name, zone, rule->text);
			n->ignored++;
			break;
		}
		n->listed++;
		break;
	case STATUS_CLEAN:
		n->clean++;
		break;
	case STATUS_UNCHECKED:
	case STATUS_UNKNOWN: /* no answer is known */
		if (!n->unknown)
			snprintf(n->unk_first, sizeof(n->unk_first), "%s%s%s%s%.120s", t->name,
				 t->name[0] ? " on " : "", zone,
				 r->status == STATUS_UNCHECKED || (r->reason && *r->reason) ? ": " : "",
				 r->status == STATUS_UNCHECKED ? "never checked yet"
				 : r->reason ? r->reason : "");
		n->unknown++;
		break;
	}
}

static void seen_target(struct nag *n, const char *name)
{
	if (!n->ntargets++)
		snprintf(n->first_target, sizeof(n->first_target), "%s", name);
}

/* Names the problems that are not ignored, worst first, into n->names: for
 * one target its lists ("Spamhaus ZEN (zen.spamhaus.org), ..."), for several
 * each problem's headline ("UCEPROTECT Level 2 lists 203.0.113.0/24: affects
 * 16 of your addresses"). Then frees the set. */
static void name_problems(struct nag *n)
{
	size_t np, o = 0, shown = 0;
	problem_t *const *v = problem_set_sorted(n->ps, &np);

	n->names[0] = '\0';
	for (size_t i = 0; i < np && !v[i]->ignored; i++) { /* ignored ones sort last */
		char piece[800];
		if (shown == NAG_SHOWN) {
			snprintf(n->names + o, sizeof(n->names) - o, ", ...");
			break;
		}
		if (n->ntargets == 1)
			snprintf(piece, sizeof(piece), "%s (%s)",
				 v[i]->name[0] ? v[i]->name : catalog_zone_shown(v[i]->list, v[i]->zone),
				 catalog_zone_shown(v[i]->list, v[i]->zone));
		else
			problem_headline(v[i], piece, sizeof(piece));
		o += (size_t)snprintf(n->names + o, sizeof(n->names) - o, "%s%s", shown ? ", " : "",
				      piece);
		if (o >= sizeof(n->names))
			break;
		shown++;
	}
	problem_set_free(n->ps);
	n->ps = NULL;
}

/* ---- live mode ---- */

struct live {
	struct nag *n;
	catalog_list_t **lists;
	const dnsbl_list_state_t *states;
};

static void on_target(void *ud, const target_t *t, const dnsbl_result_t *res, size_t nres)
{
	struct live *lv = ud;

	seen_target(lv->n, t->name);
	for (size_t i = 0; i < nres; i++) {
		const catalog_list_t *l = lv->lists[res[i].list];
		char reason[RESULT_REASON_MAX];
		result_t x;

		result_from_engine(&x, l, &res[i], &lv->states[res[i].list], reason);
		if (res[i].v.reason >= REASON_LIST_DEAD && res[i].v.reason <= REASON_LIST_UNREACHABLE)
			snprintf(reason, sizeof(reason), "list %s",
				 dnsbl_health_name(lv->states[res[i].list].health));
		/* no AS is looked up live: an AS listing naming none in its TXT is "AS?" */
		count(lv->n, t, &x, 0, 0, NULL);
	}
}

/* Returns -1 with err when the check could not run at all. */
static int live(struct nag *n, char *err, size_t errlen)
{
	live_opts_t lo = {config_path_optional(n->config), n->resolver, NULL, -1, 0, n->lists,
			  n->nlists, false, false, NULL, 0};
	live_t lv;
	struct live ctx;
	int ret = -1;

	if (live_open(&lv, &lo, &stop_flag, err, errlen) < 0 ||
	    live_add(&lv, n->host, err, errlen) < 0)
		goto out;
	if (live_test(&lv) < 0) {
		snprintf(err, errlen, "timed out after %lds", n->timeout);
		goto out;
	}
	if (lv.nhosts && lv.host_err[0]) {
		snprintf(err, errlen, "%s", lv.host_err[0]);
		goto out;
	}
	n->rules = lv.cfg->ignore;
	n->nrules = lv.cfg->nignore;
	ctx = (struct live){n, lv.lists, lv.states};
	if (live_run(&lv, on_target, &ctx) < 0) {
		snprintf(err, errlen, "timed out after %lds", n->timeout);
		goto out;
	}
	name_problems(n); /* while the config's rules, which problems point to, live */
	ret = 0;
out:
	n->rules = NULL; /* they belong to the config */
	n->nrules = 0;
	live_free(&lv);
	return ret;
}

/* ---- daemon mode ---- */

/* Does the daemon's target (name, discovered_from) belong to what -H names? */
static bool wanted(const char *want, const target_spec_t *spec, bool have_spec, const char *name,
		   const char *from)
{
	target_t t;

	if (!want)
		return true;
	if (!strncmp(want, "host:", 5))
		want += 5;
	if (!strcasecmp(want, name) || (from && !strcasecmp(want, from)))
		return true;
	if (!have_spec || !spec->prefix || target_parse_ip(name, &t) < 0 || t.type != spec->first.type)
		return false;
	for (unsigned bit = 0; bit < spec->prefix; bit++) {
		unsigned byte = bit / 8, mask = 0x80u >> (bit % 8);
		if ((t.addr[byte] & mask) != (spec->first.addr[byte] & mask))
			return false;
	}
	return true;
}

/* A result object of the daemon's status document as a result_t, borrowing
 * from j, from txt (gets its TXT records, NUL-separated) and from cat (the
 * built-in list of its zone, for severity and meanings; none for a list of
 * the daemon's own config). -1 when j is not a result. */
static int status_result(const cJSON *j, catalog_t *cat, result_t *r, char *txt, size_t txtlen)
{
	const cJSON *c;
	size_t o = 0;

	memset(r, 0, sizeof(*r));
	r->zone = jsonx_str(j, "zone");
	r->name = jsonx_str(j, "name");
	if (!r->zone || status_parse(jsonx_str(j, "status"), &r->status) < 0 ||
	    catalog_kind_parse(jsonx_str(j, "kind"), &r->kind) < 0 ||
	    catalog_scope_parse(jsonx_str(j, "scope"), &r->scope) < 0)
		return -1;
	r->list = catalog_find(cat, r->zone);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "codes"))
	{
		struct in_addr a;
		if (r->ncodes < RESULT_MAX_CODES && cJSON_IsString(c) &&
		    inet_pton(AF_INET, c->valuestring, &a) == 1)
			r->codes[r->ncodes++] = ntohl(a.s_addr);
	}
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "txt"))
	{
		size_t l = cJSON_IsString(c) ? strlen(c->valuestring) : 0;
		if (!cJSON_IsString(c) || o + l + 1 > txtlen)
			break;
		memcpy(txt + o, c->valuestring, l + 1);
		o += l + 1;
		r->ntxt++;
	}
	r->txt = r->ntxt ? txt : NULL;
	r->reason = jsonx_str(j, "reason");
	if (jsonx_str(j, "since"))
		timefmt_parse_rfc3339(jsonx_str(j, "since"), &r->since);
	if (jsonx_str(j, "checked_at"))
		timefmt_parse_rfc3339(jsonx_str(j, "checked_at"), &r->checked_at);
	r->stale = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "stale"));
	r->failing_reason = jsonx_str(j, "failing_reason");
	return 0;
}

/* A target of the daemon's status document (name, discovered_from borrowed). */
static void status_target(const char *name, const char *from, target_t *t)
{
	if (target_parse_ip(name, t) < 0) {
		memset(t, 0, sizeof(*t));
		t->type = TARGET_DOMAIN;
		snprintf(t->name, sizeof(t->name), "%s", name);
	}
	t->from = from;
}

/* GET path (with its query) from the daemon: the parsed document (caller
 * deletes), or NULL with err. A 404 is *missing (err names what), not an error. */
static cJSON *daemon_get(const struct nag *n, const char *path, bool *missing, char *err,
			 size_t errlen)
{
	cli_http_t h = {n->url, NULL, n->timeout, NAG_BODY_MAX, &stop_flag};
	char shown[2048], why[1024];
	cJSON *doc = NULL;
	long code = 0;

	if (missing)
		*missing = false;
	/* the URL may hold a login: Nagios shows the plugin's line to everyone (the
	 * shown form only, also in errors) */
	if (cli_http_get_json(&h, path, &doc, &code, shown, sizeof(shown), why, sizeof(why)) == 0)
		return doc;
	if (code == 404 && missing)
		*missing = true;
	else if (code)
		snprintf(err, errlen, "the daemon answered %s for %s", why, shown);
	else
		snprintf(err, errlen, "cannot read the daemon's status at %s: %s", shown, why);
	return NULL;
}

/* Counts the results of one target object of the daemon's API. */
static void count_target(struct nag *n, const cJSON *t, catalog_t *cat)
{
	const char *name = jsonx_str(t, "target"), *from = jsonx_str(t, "discovered_from");
	const cJSON *r, *as = cJSON_GetObjectItemCaseSensitive(
				  cJSON_GetObjectItemCaseSensitive(t, "asn"), "asn");
	uint32_t asn = cJSON_IsNumber(as) && as->valuedouble > 0 && as->valuedouble <= UINT32_MAX
			       ? (uint32_t)as->valuedouble : 0;
	target_t tt;

	seen_target(n, name);
	status_target(name, from, &tt);
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(t, "results"))
	{
		result_t x;
		char txt[PROBLEM_TXT_MAX * 2];
		if (status_result(r, cat, &x, txt, sizeof(txt)) == 0)
			count(n, &tt, &x, asn, x.checked_at, x.failing_reason);
	}
}

/* Reads the pages of a list of the daemon's API from path on, following each page's
 * "next", and calls each(n, item, arg) for every element of its array `key`. 0 when the
 * last page was read, 1 when there are more than NAG_PAGES_MAX pages (the caller says
 * what), -1 with err. */
static int daemon_pages(struct nag *n, const char *path, const char *key,
			void (*each)(struct nag *n, const cJSON *item, void *arg), void *arg,
			char *err, size_t errlen)
{
	char at[1200];

	snprintf(at, sizeof(at), "%s", path);
	for (int pages = 0; pages < NAG_PAGES_MAX; pages++) {
		cJSON *doc = daemon_get(n, at, NULL, err, errlen);
		const cJSON *item, *next;

		if (!doc)
			return -1;
		cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(doc, key))
			each(n, item, arg);
		next = cJSON_GetObjectItemCaseSensitive(doc, "next");
		if (!cJSON_IsString(next)) {
			cJSON_Delete(doc);
			return 0;
		}
		snprintf(at, sizeof(at), "%s", next->valuestring);
		cJSON_Delete(doc);
	}
	return 1;
}

/* What the pages of -H's targets count: those it names (a network's prefix, or host:NAME's). */
struct wanted_targets {
	catalog_t *cat;
	const target_spec_t *spec;
	bool have_spec;
};

static void count_wanted(struct nag *n, const cJSON *t, void *arg)
{
	const struct wanted_targets *w = arg;
	const char *name = jsonx_str(t, "target");

	if (name && wanted(n->host, w->spec, w->have_spec, name, jsonx_str(t, "discovered_from")))
		count_target(n, t, w->cat);
}

/* -H names targets: one (GET /api/v1/targets/NAME), or a network's or a host's
 * addresses (the pages of /api/v1/targets: a network's own prefix, or every
 * page for host:NAME, whose addresses only their discovered_from names). */
static int daemon_targets(struct nag *n, catalog_t *cat, char *err, size_t errlen)
{
	target_spec_t spec;
	bool have_spec = false, missing;
	char path[1200];
	cJSON *doc;

	if (strncmp(n->host, "host:", 5)) {
		target_limits_t lim = {0, 0}; /* any size: only compared against */
		char e[200];
		have_spec = target_parse(n->host, &lim, &spec, e, sizeof(e)) == 0;
	}
	if (have_spec && !spec.prefix) {
		char esc[600];
		size_t o = 0;
		for (const unsigned char *p = (const unsigned char *)spec.first.name; *p && o + 4 < sizeof(esc); p++)
			o += (size_t)snprintf(esc + o, sizeof(esc) - o, isalnum(*p) || strchr(".-:_", *p) ? "%c" : "%%%02X", *p);
		snprintf(path, sizeof(path), "/api/v1/targets/%s", esc);
		if (!(doc = daemon_get(n, path, &missing, err, errlen)))
			return missing ? 0 : -1;
		count_target(n, doc, cat);
		cJSON_Delete(doc);
		return 0;
	}
	if (have_spec)
		snprintf(path, sizeof(path), "/api/v1/targets?limit=%d&prefix=%s/%u", NAG_PAGE,
			 spec.first.name, spec.prefix);
	else
		snprintf(path, sizeof(path), "/api/v1/targets?limit=%d", NAG_PAGE);
	switch (daemon_pages(n, path, "targets", count_wanted,
			     &(struct wanted_targets){cat, &spec, have_spec}, err, errlen)) {
	case 0:
		return 0;
	case 1:
		snprintf(err, errlen, "more than %d targets match %s: name fewer",
			 NAG_PAGE * NAG_PAGES_MAX, n->host);
		return -1;
	default:
		return -1;
	}
}

/* How the problems pages count: the ignored ones or the others, and how many are named. */
struct problem_count {
	bool ignored;
	size_t o;         /* the length of n->names */
	unsigned shown;
};

static void count_problem(struct nag *n, const cJSON *p, void *arg)
{
	struct problem_count *c = arg;
	const char *zone = jsonx_str(p, "zone"), *scope = jsonx_str(p, "scope");
	unsigned affected = (unsigned)jsonx_num(p, "affected", 0);

	if (!zone || list_left_out(n, zone, NULL))
		return;
	/* --scope ip: a network's or AS's listing is neither listed nor clean */
	if (n->scope && !strcmp(n->scope, "ip") && scope &&
	    (!strcmp(scope, "network") || !strcmp(scope, "asn")))
		return;
	if (c->ignored) {
		if (!n->ignored)
			snprintf(n->ign_first, sizeof(n->ign_first), "%.200s by rule '%.120s'",
				 jsonx_str(p, "headline"), jsonx_str(p, "ignored_by"));
		n->ignored += affected;
		return;
	}
	n->listed += affected;
	if (c->shown < NAG_SHOWN && c->o + 1 < sizeof(n->names))
		c->o += (size_t)snprintf(n->names + c->o, sizeof(n->names) - c->o, "%s%s",
					 c->shown ? ", " : "", jsonx_str(p, "headline"));
	else if (c->shown == NAG_SHOWN && c->o + 1 < sizeof(n->names))
		c->o += (size_t)snprintf(n->names + c->o, sizeof(n->names) - c->o, ", ...");
	c->shown++;
}

/* Counts the problems (ignored: the ignored ones) into n; names the first that count.
 * 0, or -1 with err. */
static int daemon_problems(struct nag *n, bool ignored, char *err, size_t errlen)
{
	char path[200];
	int rc;

	snprintf(path, sizeof(path), "/api/v1/problems?limit=%d%s", NAG_PAGE,
		 ignored ? "&ignored=yes" : "");
	rc = daemon_pages(n, path, "problems", count_problem,
			  &(struct problem_count){ignored, strlen(n->names), 0}, err, errlen);
	if (rc == 1)
		snprintf(err, errlen, "more than %d problems: the daemon's dashboard says more",
			 NAG_PAGE * NAG_PAGES_MAX);
	return rc == 0 ? 0 : -1;
}

/* No -H: every target, from what the daemon's last digest counted -- the
 * summary's per-list tallies and the problems -- so that a /16 costs a few
 * small documents, not every target's results. */
static int daemon_all(struct nag *n, char *err, size_t errlen)
{
	cJSON *sum = daemon_get(n, "/api/v1/summary", NULL, err, errlen);
	const cJSON *l, *res = cJSON_GetObjectItemCaseSensitive(sum, "resolver");
	long long results = 0, listed = 0;

	if (!sum)
		return -1;
	n->interval = (long)jsonx_num(sum, "interval_seconds", 0);
	n->ntargets = (unsigned)jsonx_num(cJSON_GetObjectItemCaseSensitive(sum, "targets"), "total", 0);
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(sum, "lists"))
	{
		const char *zone = jsonx_str(l, "zone"), *kind = jsonx_str(l, "kind");
		int64_t answered = 0;
		unsigned unchecked = (unsigned)jsonx_num(l, "unchecked", 0);

		if (!zone || !kind || strcmp(kind, "block") || list_left_out(n, zone, jsonx_str(l, "id")))
			continue;
		results += (long long)jsonx_num(l, "results", 0);
		listed += (long long)jsonx_num(l, "listed", 0);
		if (unchecked && !n->unknown)
			snprintf(n->unk_first, sizeof(n->unk_first), "%.120s: %u never checked yet", zone,
				 unchecked);
		n->unknown += unchecked;
		/* a list whose results went stale: as of its newest answer */
		if (jsonx_num(l, "stale", 0) > 0 && jsonx_str(l, "last_answer") &&
		    timefmt_parse_rfc3339(jsonx_str(l, "last_answer"), &answered) == 0 &&
		    (!n->oldest || answered < n->oldest)) {
			n->oldest = answered;
			snprintf(n->oldest_why, sizeof(n->oldest_why), "%.250s",
				 jsonx_str(res, "reason") ? jsonx_str(res, "reason")
				 : jsonx_str(l, "detail") ? jsonx_str(l, "detail") : "");
		}
	}
	cJSON_Delete(sum);
	if (daemon_problems(n, false, err, errlen) < 0 || daemon_problems(n, true, err, errlen) < 0)
		return -1;
	/* the results that are neither listed (counted or not), ignored nor unchecked */
	n->clean = (unsigned)(results - listed - n->unknown > 0 ? results - listed - n->unknown : 0);
	return 0;
}

static int daemon_mode(struct nag *n, char *err, size_t errlen)
{
	catalog_t *cat = catalog_new_builtin();
	char shown[2048];
	int ret = -1;

	if (n->host) {
		/* the interval, for how old is too old: the summary is a small document */
		cJSON *sum = daemon_get(n, "/api/v1/summary", NULL, err, errlen);
		if (!sum)
			goto out;
		n->interval = (long)jsonx_num(sum, "interval_seconds", 0);
		cJSON_Delete(sum);
	}
	if (n->host ? daemon_targets(n, cat, err, errlen) < 0 : daemon_all(n, err, errlen) < 0)
		goto out;
	if (!n->max_age && n->interval > 0)
		n->max_age = 2 * n->interval; /* data older than two of the daemon's intervals */
	if (n->host && !n->ntargets) {
		curlx_url_shown(n->url, true, shown, sizeof(shown));
		snprintf(err, errlen, "%s is not monitored by the daemon at %s", n->host, shown);
		goto out;
	}
	if (n->host)
		name_problems(n); /* while the catalog, which problems point to, lives */
	ret = 0;
out:
	catalog_free(cat);
	return ret;
}

/* ---- the status line ---- */

/* The plugin output must stay one line, and '|' starts the perfdata. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if (*s == '|')
			*s = '/';
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static void listing_text(const struct nag *n, const char *who, unsigned total, const char *names,
			 char *buf, size_t len)
{
	if (n->ntargets == 1)
		snprintf(buf, len, "%s listed on %u of %u list%s: %s", who, n->listed, total,
			 total == 1 ? "" : "s", names);
	else
		snprintf(buf, len, "%s: %u listing%s in %u results: %s", who, n->listed,
			 n->listed == 1 ? "" : "s", total, names);
}

/* Daemon mode: how old the oldest answer is, when it is older than -a allows. */
static bool stale(const struct nag *n, char *buf, size_t len)
{
	int64_t age = (int64_t)time(NULL) - n->oldest;
	char a[32];

	if (!n->url || !n->oldest || !n->max_age || age <= n->max_age)
		return false;
	timefmt_age(age, a, sizeof(a));
	snprintf(buf, len, "as of %s ago (more than %lds)%s%s", a, n->max_age,
		 n->oldest_why[0] ? ": checks failing: " : "", n->oldest_why);
	return true;
}

static int finish(struct nag *n, double secs)
{
	/* an ignored listing was checked: it counts among the results, never as listed */
	unsigned total = n->listed + n->unknown + n->clean + n->ignored;
	char text[2048], who[300], old[600], ign[500] = "";
	const char *names = n->names;
	int st;
	bool is_stale = stale(n, old, sizeof(old));

	/* one target: name it once and list the lists; several: "N targets" */
	if (n->ntargets == 1)
		snprintf(who, sizeof(who), "%s", n->first_target);
	else
		snprintf(who, sizeof(who), "%u targets", n->ntargets);
	if (n->ignored)
		snprintf(ign, sizeof(ign), "%u ignored: %s%s", n->ignored, n->ign_first,
			 n->ignored > 1 ? ", ..." : "");

	if (n->listed + n->clean + n->ignored == 0) {
		st = NAG_UNKNOWN;
		if (total == 0)
			snprintf(text, sizeof(text), "%s: no block list applies%s", who,
				 n->nignore || n->scope ? " (after --ignore/--scope)" : "");
		else
			snprintf(text, sizeof(text), "%s: nothing could be checked, %u unknown (%s)", who,
				 n->unknown, n->unk_first);
	} else if (range_alert(&n->crit, n->listed) || range_alert(&n->warn, n->listed)) {
		st = range_alert(&n->crit, n->listed) ? NAG_CRITICAL : NAG_WARNING;
		listing_text(n, who, total, names, text, sizeof(text));
		/* a listing stays a listing while the checks fail: it is as last confirmed */
		if (is_stale)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "; %s", old);
		if (n->unknown)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "; unknown: %s",
				 n->unk_first);
		if (n->ignored)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "; %s", ign);
	} else if (is_stale) {
		st = NAG_WARNING;
		snprintf(text, sizeof(text), "%s: %u clean, %u listed %s", who, n->clean, n->listed,
			 old);
	} else if (n->unknown_limit && n->unknown >= (unsigned long)n->unknown_limit) {
		st = NAG_UNKNOWN;
		snprintf(text, sizeof(text), "%s: %u of %u results could not be checked (%s)%s%s", who,
			 n->unknown, total, n->unk_first, n->listed ? "; listed: " : "", names);
	} else {
		st = NAG_OK;
		if (n->listed) {
			listing_text(n, who, total, names, text, sizeof(text));
			snprintf(text + strlen(text), sizeof(text) - strlen(text), " (within thresholds)");
			if (n->ignored)
				snprintf(text + strlen(text), sizeof(text) - strlen(text), "; %s", ign);
		} else {
			snprintf(text, sizeof(text), "%s not listed (%u clean%s%s%s%s)", who, n->clean,
				 n->ignored ? ", " : "", ign, n->unknown ? ", unknown: " : "",
				 n->unknown ? n->unk_first : "");
		}
	}
	sanitize(text);
	printf("BLMON %s - %s | listed=%u;%s;%s;0;%u unknown=%u;;;0;%u clean=%u time=%.3fs\n",
	       nag_names[st], text, n->listed, n->warn.text, n->crit.text, total, n->unknown, total,
	       n->clean, secs);
	return st;
}

static int usage_error(const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg);
	sanitize(msg);
	printf("BLMON UNKNOWN - %s (see blmon nagios --help)\n", msg);
	return NAG_UNKNOWN;
}

/* Parses the options into n. Returns -1 to go on, or the plugin's exit status
 * when done (after --help, or a usage error already printed as UNKNOWN). */
static int parse_options(int argc, char **argv, struct nag *n)
{
	static const struct option opts[] = {
		{"hostname", required_argument, NULL, 'H'}, {"url", required_argument, NULL, 'U'},
		{"warning", required_argument, NULL, 'w'},  {"critical", required_argument, NULL, 'c'},
		{"unknown-limit", required_argument, NULL, 'u'},
		{"scope", required_argument, NULL, 's'},    {"ignore", required_argument, NULL, 'i'},
		{"list", required_argument, NULL, 'l'},     {"resolver", required_argument, NULL, 'r'},
		{"config", required_argument, NULL, 'C'},   {"timeout", required_argument, NULL, 't'},
		{"max-age", required_argument, NULL, 'a'},  {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	static const char shortopts[] = ":H:U:w:c:u:s:i:l:r:C:t:a:Vh";
	char *end, msg[300];
	int ch;

	range_parse("0", &n->warn);
	range_parse("0", &n->crit);
	n->unknown_limit = 1;
	n->timeout = 30;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (ch) {
		case 'H': n->host = optarg; break;
		case 'U': n->url = optarg; break;
		case 'w':
			if (range_parse(optarg, &n->warn) < 0)
				return usage_error("-w: '%s' is not a range (N, N:, ~:N, N:M, @N:M)", optarg);
			break;
		case 'c':
			if (range_parse(optarg, &n->crit) < 0)
				return usage_error("-c: '%s' is not a range (N, N:, ~:N, N:M, @N:M)", optarg);
			break;
		case 'u':
			n->unknown_limit = strtol(optarg, &end, 10);
			if (!*optarg || *end || n->unknown_limit < 0 || n->unknown_limit > 1000000)
				return usage_error("--unknown-limit: '%s' is not a count", optarg);
			break;
		case 's':
			if (strcmp(optarg, "ip") && strcmp(optarg, "all"))
				return usage_error("--scope: '%s' is not ip or all", optarg);
			n->scope = optarg;
			break;
		case 'i':
			n->ignore = xrealloc(n->ignore, (n->nignore + 1) * sizeof(*n->ignore));
			n->ignore[n->nignore++] = optarg;
			break;
		case 'l':
			n->lists = xrealloc(n->lists, (n->nlists + 1) * sizeof(*n->lists));
			n->lists[n->nlists++] = optarg;
			break;
		case 'r': n->resolver = optarg; break;
		case 'C': n->config = optarg; break;
		case 't':
			n->timeout = strtol(optarg, &end, 10);
			if (!*optarg || *end || n->timeout < 1 || n->timeout > 3600)
				return usage_error("--timeout: '%s' is not seconds from 1 to 3600", optarg);
			break;
		case 'a': {
			unsigned long long ms;
			if (config_duration_ms(optarg, &ms) < 0 || ms < 1000 || ms > 86400000ULL * 365)
				return usage_error("--max-age: '%s' is not a duration (e.g. 30m, 2h)", optarg);
			n->max_age = (long)(ms / 1000);
			break;
		}
		case 'h':
			fputs(nagios_usage, stdout);
			return NAG_OK;
		case 'V':
			puts("blmon nagios " BLMON_VERSION);
			return NAG_OK;
		default: /* ':' or '?' */
			cli_opt_error(opts, shortopts, argv, msg, sizeof(msg));
			return usage_error("%s", msg);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!n->host && !n->url)
		return usage_error("%s", "give -H TARGET (live) or --url URL (daemon)");
	if (n->url && strncmp(n->url, "http://", 7) && strncmp(n->url, "https://", 8)) {
		char shown[512];
		curlx_url_shown(n->url, true, shown, sizeof(shown));
		return usage_error("--url: '%s' is not an http:// or https:// URL", shown);
	}
	if (n->url && (n->resolver || n->nlists || n->config))
		return usage_error("%s", "--resolver, --list and --config are for live mode, not --url");
	return -1;
}

int cmd_nagios(int argc, char **argv)
{
	struct nag n;
	struct timespec t0, t1;
	struct sigaction sa;
	char err[8192] = "";
	int ret, rc;

	memset(&n, 0, sizeof(n));
	n.ps = problem_set_new();
	ret = parse_options(argc, argv, &n);
	if (ret >= 0)
		goto out;
	/* the plugin's own deadline: a stop flag the engine and libcurl honour */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	alarm((unsigned)n.timeout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = n.url ? daemon_mode(&n, err, sizeof(err)) : live(&n, err, sizeof(err));
	alarm(0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc < 0) {
		sanitize(err);
		printf("BLMON UNKNOWN - %s\n", err);
		ret = NAG_UNKNOWN;
		goto out;
	}
	ret = finish(&n, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
out:
	fflush(stdout);
	problem_set_free(n.ps);
	free(n.ignore);
	free(n.lists);
	return ret;
}
