/* discover.c -- finds the mail addresses of a domain from its MX hosts and its SPF record.
 * SPF text is untrusted: terms are bounded, names validated, warnings made printable. */
#include "checks/discover.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/xmalloc.h"

/* root plus one domain per followed include/redirect, which the limit bounds */
#define WALK_MAX (DISCOVER_SPF_LIMIT + 1)

struct disc {
	dnsbl_t *d;
	const char *domain; /* the caller's string: every target's `from` */
	target_limits_t lim;
	targetset_t *out;
	size_t start;       /* first spec of out added by this call */
	char *warn;
	size_t warnlen;
	unsigned lookups;   /* DNS-querying SPF terms met so far */
	bool limit_hit;
	bool interrupted;
	dns_outcome_t root_txt; /* what the domain's own TXT query gave */
	/* domains whose SPF has been walked; on_path marks the current include chain */
	char walked[WALK_MAX][TARGET_NAME_MAX];
	bool on_path[WALK_MAX];
	size_t nwalked;
};

/* ---- pure SPF text ---- */

bool discover_spf_record(const char *txt)
{
	return strncasecmp(txt, "v=spf1", 6) == 0 && (txt[6] == '\0' || txt[6] == ' ');
}

/* Parses "/N" (max bits) at *p; advances *p. 0 or -1. */
static int parse_cidr(const char **p, unsigned max, int *out)
{
	const char *s = *p + 1;
	unsigned v = 0;
	size_t digits = 0;

	while (*s >= '0' && *s <= '9') {
		if (++digits > 3)
			return -1;
		v = v * 10 + (unsigned)(*s++ - '0');
	}
	if (digits == 0 || v > max)
		return -1;
	*out = (int)v;
	*p = s;
	return 0;
}

/* Splits "value[/c4][//c6]" (a, mx) or "value[/c]" (ip4, ip6) into out. */
static int parse_value_cidr(const char *v, discover_term_t *out, bool dual, unsigned single_max,
			    int *single)
{
	const char *slash = strchr(v, '/');
	size_t len = slash ? (size_t)(slash - v) : strlen(v);

	if (len >= sizeof(out->value))
		return -1;
	memcpy(out->value, v, len);
	out->value[len] = '\0';
	if (!slash)
		return 0;
	if (!dual)
		return parse_cidr(&slash, single_max, single) < 0 || *slash ? -1 : 0;
	if (slash[1] != '/' && parse_cidr(&slash, 32, &out->cidr4) < 0)
		return -1;
	if (slash[0] == '/' && slash[1] == '/') {
		slash++;
		if (parse_cidr(&slash, 128, &out->cidr6) < 0)
			return -1;
	}
	return *slash ? -1 : 0;
}

int discover_term_parse(const char *term, discover_term_t *out)
{
	static const struct {
		const char *name;
		discover_term_kind_t kind;
		char value; /* 'n' none, 'o' optional, 'r' required */
	} mech[] = {
		{"all", DISCOVER_TERM_ALL, 'n'},         {"include", DISCOVER_TERM_INCLUDE, 'r'},
		{"a", DISCOVER_TERM_A, 'o'},             {"mx", DISCOVER_TERM_MX, 'o'},
		{"ptr", DISCOVER_TERM_PTR, 'o'},         {"ip4", DISCOVER_TERM_IP4, 'r'},
		{"ip6", DISCOVER_TERM_IP6, 'r'},         {"exists", DISCOVER_TERM_EXISTS, 'r'},
	};
	const char *p = term, *v;
	size_t nlen;

	memset(out, 0, sizeof(*out));
	out->cidr4 = out->cidr6 = -1;
	out->qualifier = '+';
	if (*p == '+' || *p == '-' || *p == '~' || *p == '?')
		out->qualifier = *p++;
	nlen = strcspn(p, ":/=");
	if (nlen == 0)
		goto fail;
	if (p[nlen] == '=') {
		/* a modifier: name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
		if (p != term || !isalpha((unsigned char)p[0]))
			goto fail;
		for (size_t i = 1; i < nlen; i++)
			if (!isalnum((unsigned char)p[i]) && !strchr("-_.", p[i]))
				goto fail;
		v = p + nlen + 1;
		if (strlen(v) >= sizeof(out->value))
			goto fail;
		out->kind = nlen == 8 && !strncasecmp(p, "redirect", 8) ? DISCOVER_TERM_REDIRECT
									 : DISCOVER_TERM_MODIFIER;
		if (out->kind == DISCOVER_TERM_REDIRECT && *v == '\0')
			goto fail;
		strcpy(out->value, v); /* length checked above */
		return 0;
	}
	for (size_t i = 0; i < sizeof(mech) / sizeof(mech[0]); i++) {
		if (strlen(mech[i].name) != nlen || strncasecmp(p, mech[i].name, nlen) != 0)
			continue;
		out->kind = mech[i].kind;
		v = p + nlen;
		if (*v == ':') {
			if (mech[i].value == 'n' || *++v == '\0' || *v == '/')
				goto fail;
		} else if (mech[i].value == 'r' || (*v == '/' && out->kind != DISCOVER_TERM_A &&
						    out->kind != DISCOVER_TERM_MX)) {
			goto fail;
		} else if (*v != '\0' && *v != '/') {
			goto fail;
		}
		switch (out->kind) {
		case DISCOVER_TERM_A:
		case DISCOVER_TERM_MX:
			if (parse_value_cidr(v, out, true, 0, NULL) < 0)
				goto fail;
			break;
		case DISCOVER_TERM_IP4:
			if (parse_value_cidr(v, out, false, 32, &out->cidr4) < 0)
				goto fail;
			break;
		case DISCOVER_TERM_IP6:
			/* the address holds ':' but never '/', so the first '/' starts the CIDR */
			if (parse_value_cidr(v, out, false, 128, &out->cidr6) < 0)
				goto fail;
			break;
		default:
			if (strlen(v) >= sizeof(out->value))
				goto fail;
			strcpy(out->value, v);
			break;
		}
		return 0;
	}
fail:
	memset(out, 0, sizeof(*out));
	out->cidr4 = out->cidr6 = -1;
	return -1;
}

/* ---- collecting targets ---- */

/* Appends one line to the warnings, with unprintable bytes made '?': SPF text
 * and DNS names are foreign and the warnings end up on a terminal. */
static void warnf(struct disc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(struct disc *c, const char *fmt, ...)
{
	char line[512];
	size_t used, len;
	va_list ap;

	if (!c->warn || c->warnlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	used = strlen(c->warn);
	if (used + 2 >= c->warnlen)
		return;
	if (used)
		c->warn[used++] = '\n';
	len = strlen(line);
	if (len > c->warnlen - used - 1)
		len = c->warnlen - used - 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];
		c->warn[used + i] = ch >= 0x20 && ch <= 0x7e ? (char)ch : '?';
	}
	c->warn[used + len] = '\0';
}

static unsigned spec_bits(const target_spec_t *s)
{
	if (s->count == 1)
		return s->first.type == TARGET_IPV4 ? 32 : 128;
	return s->prefix;
}

/* Is b (an address or network) inside a? */
static bool spec_covers(const target_spec_t *a, const target_spec_t *b)
{
	unsigned bits = spec_bits(a), full = bits / 8, rest = bits % 8;

	if (a->first.type != b->first.type || bits > spec_bits(b))
		return false;
	if (memcmp(a->first.addr, b->first.addr, full) != 0)
		return false;
	return rest == 0 ||
	       ((a->first.addr[full] ^ b->first.addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* Adds spec to out unless this call already added it or a network holding
 * it; drops earlier entries of this call that spec now holds. */
static void add_spec(struct disc *c, target_spec_t *spec)
{
	targetset_t *ts = c->out;
	size_t k = c->start;

	for (size_t i = c->start; i < ts->n; i++)
		if (spec_covers(&ts->specs[i], spec))
			return;
	for (size_t i = c->start; i < ts->n; i++) {
		if (spec_covers(spec, &ts->specs[i]))
			ts->total -= ts->specs[i].count;
		else
			ts->specs[k++] = ts->specs[i];
	}
	ts->n = k;
	spec->first.from = c->domain;
	targetset_add(ts, spec);
}

/* Adds addr/plen (family AF_INET or AF_INET6; host bits are cleared, as SPF
 * evaluators do) as a network, or as an address at full length. what names
 * the SPF term in warnings. */
static void add_network(struct disc *c, int family, const uint8_t *addr, unsigned plen,
			const char *what)
{
	unsigned bits = family == AF_INET ? 32 : 128;
	unsigned minp = family == AF_INET ? c->lim.min_prefix_v4 : c->lim.min_prefix_v6;
	uint8_t net[16] = {0};
	char text[INET6_ADDRSTRLEN + 8], e[256];
	target_spec_t spec;

	memcpy(net, addr, bits / 8);
	for (unsigned i = plen; i < bits; i++)
		net[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	inet_ntop(family, net, text, INET6_ADDRSTRLEN);
	if (plen < bits && plen < minp) {
		warnf(c, "%s: %s/%u skipped: larger than the /%u allowed", what, text, plen, minp);
		return;
	}
	if (plen < bits)
		snprintf(text + strlen(text), 8, "/%u", plen);
	if (target_parse(text, &c->lim, &spec, e, sizeof(e)) < 0) {
		warnf(c, "%s: skipped: %s", what, e);
		return;
	}
	add_spec(c, &spec);
}

/* Resolves host and adds its addresses, widened to cidr4/cidr6 when >= 0.
 * Failures are warnings about what (none if NULL): one dead MX host does not
 * void the others. */
static void add_host(struct disc *c, const char *host, int cidr4, int cidr6, const char *what)
{
	targetset_t tmp;
	char e[512];

	targetset_init(&tmp);
	if (dnsbl_resolve_host(c->d, host, &tmp, e, sizeof(e)) < 0) {
		if (what)
			warnf(c, "%s: %s", what, e);
		goto out;
	}
	for (size_t i = 0; i < tmp.n; i++) {
		target_spec_t *s = &tmp.specs[i];
		int cidr = s->first.type == TARGET_IPV4 ? cidr4 : cidr6;
		if (cidr >= 0)
			add_network(c, s->first.type == TARGET_IPV4 ? AF_INET : AF_INET6,
				    s->first.addr, (unsigned)cidr, what);
		else
			add_spec(c, s);
	}
out:
	targetset_free(&tmp);
}

/* Lower-cases name into buf (TARGET_NAME_MAX bytes) without a trailing root
 * dot. 0, or -1 (with a warning about what, unless NULL) if it is not a name
 * we can query: SPF macros, for one, need a sender to expand. */
static int norm_domain(struct disc *c, const char *name, char *buf, const char *what)
{
	size_t len = strlen(name);
	const char *why = "not a valid domain name";

	if (len && name[len - 1] == '.')
		len--;
	if (strchr(name, '%'))
		why = "not followed: SPF macros need a sender to expand";
	else if (len > 0 && len < TARGET_NAME_MAX) {
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)tolower((unsigned char)name[i]);
		buf[len] = '\0';
		if (target_domain_valid(buf, false))
			return 0;
	}
	if (what)
		warnf(c, "%s: %s", what, why);
	return -1;
}

/* A DNS answer that says something (the name exists or not), unlike a failure. */
static bool answered(dns_outcome_t o)
{
	return o == DNS_OK || o == DNS_NODATA || o == DNS_NXDOMAIN;
}

/* Adds the addresses of the MX hosts of name (at most max of them, in
 * preference order). Returns the DNS outcome of the MX query, DNS_OTHER with
 * c->interrupted set when stopped. */
static dns_outcome_t add_mx(struct disc *c, const char *name, int cidr4, int cidr6, size_t max,
			    const char *what)
{
	char **mx = NULL;
	size_t n = 0;
	dns_outcome_t oc;
	char label[TARGET_NAME_MAX + 64];

	if (dnsbl_lookup_mx(c->d, name, &mx, &n, &oc) < 0) {
		c->interrupted = true;
		return DNS_OTHER;
	}
	for (size_t i = 0; i < n && i < max && !c->interrupted; i++) {
		/* RFC 7505 null MX "0 ." (c-ares gives "" or "."): no mail at all */
		if (mx[i][0] == '\0' || !strcmp(mx[i], ".")) {
			warnf(c, "%s: null MX: %s accepts no mail", what, name);
			continue;
		}
		snprintf(label, sizeof(label), "%s: MX host %.*s", what, 255, mx[i]);
		add_host(c, mx[i], cidr4, cidr6, label);
	}
	if (n > max)
		warnf(c, "%s: only the first %zu of %zu MX hosts used", what, max, n);
	dnsbl_strings_free(mx, n);
	return oc;
}

/* Counts one DNS-querying SPF term. false once the limit is passed: the term
 * and every later one are not followed (RFC 7208 makes this a permerror). */
static bool spf_count(struct disc *c, const char *name, const char *term)
{
	if (c->limit_hit)
		return false;
	if (++c->lookups <= DISCOVER_SPF_LIMIT)
		return true;
	c->limit_hit = true;
	warnf(c, "SPF of %s: limit of %d DNS-querying terms reached at '%.80s': "
		 "it and later ones not followed",
	      name, DISCOVER_SPF_LIMIT, term);
	return false;
}

static int spf_walk(struct disc *c, const char *name);

/* Follows include:/redirect= target from the SPF of name. */
static void spf_follow(struct disc *c, const char *name, const char *target, const char *term)
{
	char dom[TARGET_NAME_MAX], what[TARGET_NAME_MAX + 100];

	snprintf(what, sizeof(what), "SPF of %s: '%.80s'", name, term);
	if (norm_domain(c, target, dom, what) < 0)
		return;
	for (size_t i = 0; i < c->nwalked; i++) {
		if (strcmp(c->walked[i], dom) != 0)
			continue;
		if (c->on_path[i])
			warnf(c, "%s: SPF loop: %s is already being followed", what, dom);
		return; /* walked before through another branch: nothing new there */
	}
	spf_walk(c, dom);
}

/* Walks the SPF record of name (normalized), depth first. Returns 0, or -1
 * when interrupted. */
static int spf_walk(struct disc *c, const char *name)
{
	char **v = NULL, *rec = NULL, *save = NULL, *redirect = NULL;
	const char *spf = NULL;
	size_t n = 0, nspf = 0, slot;
	dns_outcome_t oc;
	bool has_all = false, root = c->nwalked == 0;
	int ret = -1;

	if (c->nwalked >= WALK_MAX) /* cannot happen within the limit; a guard all the same */
		return 0;
	slot = c->nwalked++;
	snprintf(c->walked[slot], sizeof(c->walked[slot]), "%s", name);
	c->on_path[slot] = true;
	if (dnsbl_lookup_txt(c->d, name, &v, &n, &oc) < 0) {
		c->interrupted = true;
		goto out;
	}
	if (root)
		c->root_txt = oc;
	for (size_t i = 0; i < n; i++)
		if (discover_spf_record(v[i])) {
			spf = v[i];
			nspf++;
		}
	if (!answered(oc)) {
		warnf(c, "SPF of %s: TXT lookup failed: %s", name, verdict_outcome_name(oc));
		ret = 0;
		goto out;
	}
	if (nspf != 1) {
		if (nspf > 1)
			warnf(c, "SPF of %s: %zu SPF records (RFC 7208 permerror): none used", name, nspf);
		else if (!root || oc != DNS_NXDOMAIN) /* the MX side reports a missing root */
			warnf(c, "%s has no SPF record%s", name,
			      oc == DNS_NXDOMAIN ? " (no such domain)" : "");
		ret = 0;
		goto out;
	}
	rec = xstrdup(spf);
	for (char *term = strtok_r(rec, " \t", &save); term && !c->interrupted;
	     term = strtok_r(NULL, " \t", &save)) {
		discover_term_t t;
		char what[TARGET_NAME_MAX + 100];
		target_t ip;

		if (discover_spf_record(term) && term == rec)
			continue; /* the version tag */
		if (discover_term_parse(term, &t) < 0) {
			warnf(c, "SPF of %s: malformed term '%.80s' ignored", name, term);
			continue;
		}
		snprintf(what, sizeof(what), "SPF of %s: '%.80s'", name, term);
		switch (t.kind) {
		case DISCOVER_TERM_ALL:
			has_all = true;
			break;
		case DISCOVER_TERM_IP4:
		case DISCOVER_TERM_IP6:
			if (t.qualifier != '+')
				break; /* not a sender: -ip4 etc. name addresses that must not send */
			if (target_parse_ip(t.value, &ip) < 0 ||
			    ip.type != (t.kind == DISCOVER_TERM_IP4 ? TARGET_IPV4 : TARGET_IPV6)) {
				warnf(c, "%s: not a valid address", what);
				break;
			}
			if (t.kind == DISCOVER_TERM_IP4)
				add_network(c, AF_INET, ip.addr, t.cidr4 < 0 ? 32 : (unsigned)t.cidr4, what);
			else
				add_network(c, AF_INET6, ip.addr, t.cidr6 < 0 ? 128 : (unsigned)t.cidr6, what);
			break;
		case DISCOVER_TERM_INCLUDE:
			if (spf_count(c, name, term) && t.qualifier == '+')
				spf_follow(c, name, t.value, term);
			break;
		case DISCOVER_TERM_A:
		case DISCOVER_TERM_MX: {
			char dom[TARGET_NAME_MAX];
			if (!spf_count(c, name, term) || t.qualifier != '+' ||
			    norm_domain(c, t.value[0] ? t.value : name, dom, what) < 0)
				break;
			if (t.kind == DISCOVER_TERM_A)
				add_host(c, dom, t.cidr4, t.cidr6, what);
			else
				add_mx(c, dom, t.cidr4, t.cidr6, DISCOVER_MX_HOSTS, what);
			break;
		}
		case DISCOVER_TERM_PTR:
		case DISCOVER_TERM_EXISTS:
			spf_count(c, name, term); /* cost a query, name no address */
			break;
		case DISCOVER_TERM_REDIRECT:
			free(redirect);
			redirect = xstrdup(term);
			break;
		case DISCOVER_TERM_MODIFIER:
			break;
		}
	}
	/* RFC 7208 6.1: redirect= only applies when no "all" matched first */
	if (redirect && !has_all && !c->interrupted && spf_count(c, name, redirect))
		spf_follow(c, name, strchr(redirect, '=') + 1, redirect);
	ret = c->interrupted ? -1 : 0;
out:
	c->on_path[slot] = false;
	free(redirect);
	free(rec);
	dnsbl_strings_free(v, n);
	return ret;
}

int discover_domain(dnsbl_t *d, const char *domain, const target_limits_t *lim, targetset_t *out,
		    char *warn, size_t warnlen, char *err, size_t errlen)
{
	struct disc *c = xcalloc(1, sizeof(*c));
	char dom[TARGET_NAME_MAX];
	dns_outcome_t mx;
	int ret = -1;

	c->d = d;
	c->domain = domain;
	c->lim = lim ? *lim : TARGET_LIMITS_DEFAULT;
	c->out = out;
	c->start = out->n;
	c->warn = warn;
	c->warnlen = warnlen;
	if (warn && warnlen)
		warn[0] = '\0';
	if (norm_domain(c, domain, dom, NULL) < 0 || !target_domain_valid(dom, true)) {
		snprintf(err, errlen, "'%.255s' is not a valid domain name", domain);
		goto out;
	}
	mx = add_mx(c, dom, -1, -1, (size_t)-1, dom);
	if (c->interrupted)
		goto interrupted;
	if (mx == DNS_NXDOMAIN) {
		snprintf(err, errlen, "domain %s does not exist", dom);
		goto out;
	}
	if (mx == DNS_NODATA) {
		size_t before = out->n;
		add_host(c, dom, -1, -1, NULL);
		warnf(c, "%s has no MX record%s", dom,
		      out->n > before ? ": its own address is its mail host (implicit MX)"
				      : " and no address");
	} else if (mx != DNS_OK) {
		warnf(c, "%s: MX lookup failed: %s", dom, verdict_outcome_name(mx));
	}
	if (spf_walk(c, dom) < 0)
		goto interrupted;
	if (c->root_txt == DNS_NXDOMAIN && out->n == c->start) {
		snprintf(err, errlen, "domain %s does not exist", dom);
		goto out;
	}
	if (!answered(mx) && !answered(c->root_txt)) {
		snprintf(err, errlen, "%s: no answer from DNS (MX: %s, TXT: %s)", dom,
			 verdict_outcome_name(mx), verdict_outcome_name(c->root_txt));
		goto out;
	}
	ret = (int)(out->n - c->start);
	goto out;
interrupted:
	snprintf(err, errlen, "%s: discovery interrupted", dom);
out:
	free(c);
	return ret;
}
