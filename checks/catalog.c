/* catalog.c -- the runtime list catalog: built-in rows plus what the config adds.
 * Code rows are parsed once into octet ranges so matching an answer is a few compares. */
#include "checks/catalog.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/xmalloc.h"

static const char *const kind_names[] = {"block", "allow", "info"};
static const char *const scope_names[] = {"ip", "network", "asn", "domain"};
static const char *const qtype_names[] = {"ip", "domain"};
static const char *const severity_names[] = {"high", "medium", "low"};
static const char *const source_names[] = {"dns", "snds"};

const char *catalog_kind_name(list_kind_t k) { return kind_names[k]; }
const char *catalog_scope_name(list_scope_t s) { return scope_names[s]; }
const char *catalog_qtype_name(list_qtype_t q) { return qtype_names[q]; }
const char *catalog_severity_name(list_severity_t s) { return severity_names[s]; }
const char *catalog_source_name(list_source_t s) { return source_names[s]; }

static int name_lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

#define LOOKUP(tbl, s) name_lookup(tbl, sizeof(tbl) / sizeof(tbl[0]), s)

int catalog_kind_parse(const char *s, list_kind_t *out)
{
	int v = LOOKUP(kind_names, s);
	if (v < 0)
		return -1;
	*out = (list_kind_t)v;
	return 0;
}

int catalog_scope_parse(const char *s, list_scope_t *out)
{
	int v = LOOKUP(scope_names, s);
	if (v < 0)
		return -1;
	*out = (list_scope_t)v;
	return 0;
}

int catalog_qtype_parse(const char *s, list_qtype_t *out)
{
	int v = LOOKUP(qtype_names, s);
	if (v < 0)
		return -1;
	*out = (list_qtype_t)v;
	return 0;
}

int catalog_severity_parse(const char *s, list_severity_t *out)
{
	int v = LOOKUP(severity_names, s);
	if (v < 0)
		return -1;
	*out = (list_severity_t)v;
	return 0;
}

/* Parses one octet spec: "7", "*", or "10-13". */
static int parse_octet(const char *s, size_t len, uint8_t *lo, uint8_t *hi)
{
	char buf[16];
	char *dash, *end;
	long a, b;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strcmp(buf, "*") == 0) {
		*lo = 0;
		*hi = 255;
		return 0;
	}
	if (!isdigit((unsigned char)buf[0]))
		return -1;
	a = strtol(buf, &end, 10);
	b = a;
	dash = end;
	if (*dash == '-') {
		if (!isdigit((unsigned char)dash[1]))
			return -1;
		b = strtol(dash + 1, &end, 10);
	}
	if (*end || a < 0 || b > 255 || a > b)
		return -1;
	*lo = (uint8_t)a;
	*hi = (uint8_t)b;
	return 0;
}

int catalog_code_parse(const char *addr, size_t addrlen, catalog_code_t *out)
{
	const char *p = addr;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < 4; i++) {
		size_t olen = strcspn(p, ".");
		if (i < 3 && (olen >= addrlen || p[olen] != '.'))
			return -1;
		if (i == 3)
			olen = addrlen;
		if (parse_octet(p, olen, &out->lo[i], &out->hi[i]) < 0)
			return -1;
		p += olen + 1;
		addrlen -= olen + 1;
	}
	return 0;
}

int catalog_code_add(catalog_list_t *l, const char *spec, code_class_t cls,
		     char *err, size_t errlen)
{
	catalog_code_t c;
	const char *p = spec, *meaning;
	size_t addrlen;

	while (isspace((unsigned char)*p))
		p++;
	addrlen = strcspn(p, " \t");
	meaning = p + addrlen;
	while (isspace((unsigned char)*meaning))
		meaning++;
	if (catalog_code_parse(p, addrlen, &c) < 0)
		goto bad;
	if (!*meaning) {
		snprintf(err, errlen, "'%s': a meaning must follow the address", spec);
		return -1;
	}
	c.cls = cls;
	c.meaning = xstrdup(meaning);
	xgrow((void **)&l->codes, &l->capcodes, l->ncodes + 1, sizeof(*l->codes));
	l->codes[l->ncodes++] = c;
	return 0;
bad:
	snprintf(err, errlen,
		 "'%s': expected an answer address like 127.0.0.2 (octets may be '*' or a range 'a-b') and a meaning",
		 spec);
	return -1;
}

void catalog_code_str(const catalog_code_t *k, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < 4 && o < len; i++) {
		if (k->lo[i] == 0 && k->hi[i] == 255)
			o += (size_t)snprintf(buf + o, len - o, "%s*", i ? "." : "");
		else if (k->lo[i] == k->hi[i])
			o += (size_t)snprintf(buf + o, len - o, "%s%u", i ? "." : "", k->lo[i]);
		else
			o += (size_t)snprintf(buf + o, len - o, "%s%u-%u", i ? "." : "", k->lo[i],
					      k->hi[i]);
	}
}

const char *catalog_code_class_name(code_class_t cls)
{
	static const char *const names[] = {[CODE_LISTED] = "listed", [CODE_NEUTRAL] = "neutral",
					    [CODE_ERROR] = "error"};
	return (unsigned)cls < 3 ? names[cls] : "error";
}

size_t catalog_codes_match(const catalog_list_t *l, uint32_t a, const catalog_code_t **out,
			   size_t max)
{
	uint8_t o[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
	size_t n = 0;

	for (size_t i = 0; i < l->ncodes && n < max; i++) {
		const catalog_code_t *c = &l->codes[i];
		if (o[0] >= c->lo[0] && o[0] <= c->hi[0] && o[1] >= c->lo[1] && o[1] <= c->hi[1] &&
		    o[2] >= c->lo[2] && o[2] <= c->hi[2] && o[3] >= c->lo[3] && o[3] <= c->hi[3])
			out[n++] = c;
	}
	return n;
}

/* Substitutes the first "{name}" in tmpl with value into a new string, or
 * returns NULL when tmpl has no such placeholder. Caller owns the result. */
static char *subst(const char *tmpl, const char *name, const char *value)
{
	char ph[32];
	const char *at;
	size_t len;
	char *out;

	snprintf(ph, sizeof(ph), "{%s}", name);
	at = strstr(tmpl, ph);
	if (!at)
		return NULL;
	len = strlen(tmpl) - strlen(ph) + strlen(value) + 1;
	out = xmalloc(len);
	snprintf(out, len, "%.*s%s%s", (int)(at - tmpl), tmpl, value, at + strlen(ph));
	return out;
}

int catalog_set_key(catalog_list_t *l, const char *key, char *err, size_t errlen)
{
	char *zone = subst(l->zone_tmpl, "key", key);

	if (!zone) {
		snprintf(err, errlen, "zone %s takes no key (it has no {key} placeholder)",
			 l->zone_tmpl);
		return -1;
	}
	free(l->key);
	free(l->zone);
	l->key = xstrdup(key);
	l->zone = zone;
	return 0;
}

int catalog_removal_url(const catalog_list_t *l, const char *target, char *buf, size_t len)
{
	char *url;

	if (!l->removal)
		return -1;
	url = subst(l->removal, "target", target);
	snprintf(buf, len, "%s", url ? url : l->removal);
	free(url);
	return 0;
}

const char *catalog_zone_shown(const catalog_list_t *l, const char *zone)
{
	if (!zone)
		return l ? l->zone_tmpl : "";
	if (l && l->key && l->zone && strcasecmp(l->zone, zone) == 0 && strstr(l->zone_tmpl, "{key}"))
		return l->zone_tmpl;
	return zone;
}

const char *catalog_zone_shown_in(catalog_t *c, const char *zone)
{
	return catalog_zone_shown(c && zone ? catalog_find(c, zone) : NULL, zone);
}

static catalog_list_t *list_push(catalog_t *c)
{
	return xpush((void **)&c->lists, &c->cap, &c->n, sizeof(*c->lists));
}

catalog_t *catalog_new_builtin(void)
{
	catalog_t *c = xcalloc(1, sizeof(*c));
	char err[256];

	for (size_t i = 0; i < catalog_builtin_count; i++) {
		const struct catalog_def *d = &catalog_builtin[i];
		catalog_list_t *l = list_push(c);

		l->id = xstrdup(d->id);
		l->zone_tmpl = xstrdup(d->zone);
		l->name = xstrdup(d->name);
		l->removal = d->removal ? xstrdup(d->removal) : NULL;
		l->kind = d->kind;
		l->qtype = d->qtype;
		l->scope = d->scope;
		l->severity = d->severity;
		l->source = d->source;
		l->ipv4 = d->qtype == QTYPE_IP;
		l->ipv6 = d->ipv6;
		l->budget = d->budget;
		l->builtin = true;
		l->test_listed = d->test_listed ? xstrdup(d->test_listed) : NULL;
		l->test_clean = d->test_clean ? xstrdup(d->test_clean) : NULL;
		/* keyed zones and SNDS stay off until the config provides a key */
		l->zone = strstr(d->zone, "{key}") || d->source != SOURCE_DNS ? NULL : xstrdup(d->zone);
		l->enabled = l->zone != NULL;
		for (const struct catalog_code_def *cd = d->codes; cd->spec; cd++)
			if (catalog_code_add(l, cd->spec, cd->cls, err, sizeof(err)) < 0) {
				/* the table is ours: a bad row is a programming error */
				fprintf(stderr, "blmon: built-in catalog %s: %s\n", d->id, err);
				abort();
			}
	}
	return c;
}

void catalog_snds_enable(catalog_t *c)
{
	for (size_t i = 0; i < c->n; i++) {
		catalog_list_t *l = &c->lists[i];
		if (l->source != SOURCE_SNDS || l->zone)
			continue;
		l->zone = xstrdup(l->zone_tmpl);
		l->enabled = true;
	}
}

catalog_list_t *catalog_find(catalog_t *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++) {
		catalog_list_t *l = &c->lists[i];
		if ((l->id && strcasecmp(l->id, name) == 0) || strcasecmp(l->zone_tmpl, name) == 0 ||
		    (l->zone && strcasecmp(l->zone, name) == 0))
			return l;
		/* "zen.dq.spamhaus.net" names "{key}.zen.dq.spamhaus.net" */
		if (strncmp(l->zone_tmpl, "{key}.", 6) == 0 &&
		    strcasecmp(l->zone_tmpl + 6, name) == 0)
			return l;
	}
	return NULL;
}

catalog_list_t *catalog_add(catalog_t *c, const char *zone)
{
	catalog_list_t *l = list_push(c);

	l->zone_tmpl = xstrdup(zone);
	l->id = xstrdup(zone);
	l->name = xstrdup(zone);
	l->zone = strstr(zone, "{key}") ? NULL : xstrdup(zone);
	l->kind = LIST_BLOCK;
	l->qtype = QTYPE_IP;
	l->scope = SCOPE_IP;
	l->severity = SEVERITY_MEDIUM;
	l->ipv4 = true;
	l->enabled = l->zone != NULL;
	return l;
}

void catalog_free(catalog_t *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		catalog_list_t *l = &c->lists[i];
		free(l->id);
		free(l->zone_tmpl);
		free(l->zone);
		free(l->name);
		free(l->removal);
		free(l->key);
		free(l->test_listed);
		free(l->test_clean);
		for (size_t k = 0; k < l->ncodes; k++)
			free(l->codes[k].meaning);
		free(l->codes);
		dataset_zone_free(l->dataset);
	}
	free(c->lists);
	free(c);
}
