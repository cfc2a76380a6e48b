/* problem.c -- listings folded into problems: the cause's entity, ignore rules, order, advice, JSON.
 * The one home of "what is wrong": the CLI, the daemon's store, the API, alerts and Nagios use it. */
#include "checks/problem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/snds.h"
#include "lib/jsonx.h"
#include "lib/xmalloc.h"

/* ---- the cause of one listing ---- */

/* A network named in TXT ("Net 203.0.113.0/24 is ...") that holds t; false
 * when none does (a TXT naming another network is not believed). */
static bool txt_network(const result_t *r, const target_t *t, target_t *net, unsigned *prefix)
{
	/* a DNSBL never escalates to more than a /8 (IPv4) or /16 (IPv6) */
	const target_limits_t lim = {8, 16};
	const char *p = r->txt;

	for (uint16_t i = 0; p && i < r->ntxt; i++, p += strlen(p) + 1)
		for (const char *s = p; *s;) {
			size_t n = strspn(s, "0123456789abcdefABCDEF.:/");
			char tok[64], err[128];
			target_spec_t spec;

			if (n > 2 && n < sizeof(tok) && memchr(s, '/', n)) {
				memcpy(tok, s, n);
				tok[n] = '\0';
				while (n && (tok[n - 1] == '.' || tok[n - 1] == ':'))
					tok[--n] = '\0'; /* "... is in 203.0.113.0/24." */
				if (target_parse(tok, &lim, &spec, err, sizeof(err)) == 0 && spec.prefix &&
				    target_in_prefix(t, &spec.first, spec.prefix)) {
					*net = spec.first;
					*prefix = spec.prefix;
					return true;
				}
			}
			s += n ? n : 1;
		}
	return false;
}

/* The AS a TXT names ("AS14061", "as 14061" is not one), or 0. */
static uint32_t txt_asn(const result_t *r)
{
	const char *p = r->txt;

	for (uint16_t i = 0; p && i < r->ntxt; i++, p += strlen(p) + 1)
		for (const char *s = p; *s; s++) {
			char *end;
			unsigned long v;
			if ((s != p && isalnum((unsigned char)s[-1])) || toupper((unsigned char)s[0]) != 'A' ||
			    toupper((unsigned char)s[1]) != 'S' || !isdigit((unsigned char)s[2]))
				continue;
			v = strtoul(s + 2, &end, 10);
			if (v > 0 && v <= UINT32_MAX && !isalnum((unsigned char)*end))
				return (uint32_t)v;
		}
	return 0;
}

void problem_entity(const result_t *r, const target_t *t, uint32_t asn, char *entity)
{
	target_t net;
	unsigned prefix;
	uint32_t named;

	if (r->scope == SCOPE_NETWORK && t->type != TARGET_DOMAIN) {
		if (!txt_network(r, t, &net, &prefix))
			target_network(t, t->type == TARGET_IPV4 ? 24 : 64, &net);
		else
			target_network(&net, prefix, &net); /* host bits cleared, "a.b.c.d/n" */
		snprintf(entity, PROBLEM_ENTITY_MAX, "%s", net.name);
	} else if (r->scope == SCOPE_ASN && t->type != TARGET_DOMAIN) {
		named = txt_asn(r);
		if (!named)
			named = asn;
		if (named)
			snprintf(entity, PROBLEM_ENTITY_MAX, "AS%u", named);
		else
			snprintf(entity, PROBLEM_ENTITY_MAX, "AS?");
	} else {
		snprintf(entity, PROBLEM_ENTITY_MAX, "%s", t->name);
	}
}

/* ---- ignore rules ---- */

int problem_rule_parse(const char *spec, problem_rule_t *out, char *err, size_t errlen)
{
	char buf[sizeof(out->text)], *tok[4], *save = NULL;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "too long (at most %zu characters)", sizeof(buf) - 1);
		return -1;
	}
	snprintf(out->text, sizeof(out->text), "%s", spec);
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == 3) {
			snprintf(err, errlen, "'%s': expected LIST [CODE] [CIDR|DOMAIN], got more", spec);
			return -1;
		}
		tok[n++] = t;
	}
	if (!n) {
		snprintf(err, errlen, "empty: expected LIST [CODE] [CIDR|DOMAIN]");
		return -1;
	}
	snprintf(out->list, sizeof(out->list), "%s", tok[0]);
	for (size_t i = 1; i < n; i++) {
		char e[200];
		target_spec_t ts;
		/* an answer code lies in 127.0.0.0/8; a target never does */
		if (!out->has_code && !out->has_net && !out->domain[0] && !strncmp(tok[i], "127.", 4) &&
		    !strchr(tok[i], '/')) {
			if (catalog_code_parse(tok[i], strlen(tok[i]), &out->code) < 0) {
				snprintf(err, errlen, "'%s' is not an answer code like 127.0.0.10 (octets "
					 "may be '*' or a range 'a-b')", tok[i]);
				return -1;
			}
			out->has_code = true;
		} else if (!out->has_net && !out->domain[0] &&
			   target_parse(tok[i], &(target_limits_t){0, 0}, &ts, e, sizeof(e)) == 0) {
			if (ts.first.type == TARGET_DOMAIN) {
				snprintf(out->domain, sizeof(out->domain), "%s", ts.first.name);
			} else {
				out->has_net = true;
				out->net = ts.first;
				out->prefix = ts.prefix ? ts.prefix
					      : ts.first.type == TARGET_IPV4 ? 32 : 128;
			}
		} else {
			snprintf(err, errlen, "'%s' is neither an answer code (127.x.y.z) nor an address, "
				 "network or domain", tok[i]);
			return -1;
		}
	}
	return 0;
}

bool problem_rule_names(const problem_rule_t *rule, const catalog_list_t *l)
{
	return (l->id && !strcmp(rule->list, l->id)) ||
	       (l->zone_tmpl && !strcmp(rule->list, l->zone_tmpl)) ||
	       (l->zone && !strcmp(rule->list, l->zone));
}

static bool code_in(const catalog_code_t *k, uint32_t a)
{
	for (int i = 0; i < 4; i++) {
		uint8_t o = (uint8_t)(a >> (24 - 8 * i));
		if (o < k->lo[i] || o > k->hi[i])
			return false;
	}
	return true;
}

/* Whether domain d is name or one of its subdomains. */
static bool domain_under(const char *d, const char *name)
{
	size_t ld = strlen(d), ln = strlen(name);

	return ld == ln ? !strcmp(d, name)
	       : ld > ln && d[ld - ln - 1] == '.' && !strcmp(d + ld - ln, name);
}

const problem_rule_t *problem_rule_match(const problem_rule_t *rules, size_t n, const result_t *r,
					 const target_t *t)
{
	for (size_t i = 0; i < n; i++) {
		const problem_rule_t *u = &rules[i];
		bool ok = r->list && problem_rule_names(u, r->list);

		for (uint8_t k = 0; ok && u->has_code && k < r->ncodes; k++)
			ok = code_in(&u->code, r->codes[k]); /* every code: SBL beside PBL is not PBL */
		if (ok && u->has_net)
			ok = target_in_prefix(t, &u->net, u->prefix);
		if (ok && u->domain[0])
			ok = t->type == TARGET_DOMAIN ? domain_under(t->name, u->domain)
						     : t->from && domain_under(t->from, u->domain);
		if (ok)
			return u;
	}
	return NULL;
}

/* ---- one problem ---- */

int problem_scope_rank(list_scope_t s)
{
	return s == SCOPE_NETWORK ? 1 : s == SCOPE_ASN ? 2 : 0;
}

int problem_cmp(const problem_t *a, const problem_t *b)
{
	int d;

	if ((a->ignored != NULL) != (b->ignored != NULL))
		return a->ignored ? 1 : -1;
	if ((d = problem_scope_rank(a->scope) - problem_scope_rank(b->scope)) != 0)
		return d;
	if (a->severity != b->severity)
		return a->severity < b->severity ? -1 : 1;
	if (a->affected != b->affected)
		return a->affected > b->affected ? -1 : 1;
	if (a->since != b->since)
		return a->since > b->since ? -1 : 1; /* newer first */
	if (a->nfirst && b->nfirst && (d = target_cmp(&a->first[0], &b->first[0])) != 0)
		return d;
	if ((d = strcmp(a->entity, b->entity)) != 0)
		return d;
	return strcmp(a->zone, b->zone);
}

size_t problem_meanings(const problem_t *p, const char **out, size_t max)
{
	verdict_t v;

	if (!p->list)
		return 0;
	memset(&v, 0, sizeof(v));
	v.status = STATUS_LISTED;
	v.ncodes = p->ncodes;
	memcpy(v.codes, p->codes, sizeof(p->codes[0]) * p->ncodes);
	return verdict_meanings(&v, p->list, out, max);
}

/* What to do about Microsoft's own word: its forms, not a DNSBL's. */
static const char *snds_advice(const problem_t *p, char *buf, size_t len)
{
	if (snds_list_doc(p->list) == SNDS_DATA)
		snprintf(buf, len, "Outlook.com's filter judges much of the mail from %s spam: look "
			 "at the complaint rate and trap hits SNDS shows for it, stop what its "
			 "recipients report (mail without consent, a compromised account), and send "
			 "less until it is GREEN again, before Outlook.com blocks it.", p->entity);
	else
		snprintf(buf, len, "Outlook.com blocks mail from %s. Find what made it send spam or "
			 "draw complaints (a compromised account or form, mail without consent), "
			 "stop it, then ask Microsoft to lift the block with the Outlook.com sender "
			 "support request form (the removal link); Office 365 blocks (5.7.606) go "
			 "through https://sender.office.com instead.", p->entity);
	return buf;
}

const char *problem_advice(const problem_t *p, char *buf, size_t len)
{
	if (p->list && p->list->source == SOURCE_SNDS)
		return snds_advice(p, buf, len);
	switch (p->scope) {
	case SCOPE_NETWORK:
		snprintf(buf, len, "The list escalated the whole network %s because of addresses in "
			 "it: only its owner (your provider) can get it lifted. Ask them; meanwhile "
			 "relay mail through a smarthost with a clean address, or move the server "
			 "to a clean range. A removal request for one address does not help.",
			 p->entity);
		break;
	case SCOPE_ASN:
		snprintf(buf, len, "The list escalated your provider's whole network %s: only the "
			 "provider can get it lifted. Ask them; meanwhile relay mail through a "
			 "smarthost outside %s, or move.", p->entity, p->entity);
		break;
	case SCOPE_DOMAIN:
		snprintf(buf, len, "Find why %s is listed (spam advertising it, a compromised site "
			 "or account), fix that, then request removal.", p->entity);
		break;
	default:
		snprintf(buf, len, "Find what made %s send spam (a compromised account or form, "
			 "malware, an open relay), stop it, then request removal: a listing "
			 "removed while the source still sends comes back.", p->entity);
		break;
	}
	return buf;
}

int problem_removal_url(const problem_t *p, char *buf, size_t len)
{
	const char *who = p->nfirst ? p->first[0].name : p->entity;

	if (!p->list)
		return -1;
	return catalog_removal_url(p->list, who, buf, len);
}

void problem_affected(const problem_t *p, char *buf, size_t len)
{
	size_t n, o;

	if (p->spans.n) { /* addresses */
		target_spans_str(&p->spans, buf, len);
		return;
	}
	n = target_ranges(p->first, p->nfirst, buf, len); /* domains */
	o = strlen(buf);
	if (n == p->nfirst && p->affected > p->nfirst && o + 5 <= len)
		snprintf(buf + o, len - o, ", ...");
}

void problem_headline(const problem_t *p, char *buf, size_t len)
{
	const char *name = p->name[0] ? p->name : catalog_zone_shown(p->list, p->zone);

	if (p->scope == SCOPE_NETWORK || p->scope == SCOPE_ASN)
		snprintf(buf, len, "%s lists %s%s: affects %llu of your addresses", name, p->entity,
			 p->scope == SCOPE_ASN ? " (your provider's network)" : "",
			 (unsigned long long)p->affected); /* "1 of your addresses", not "address" */
	else
		snprintf(buf, len, "%s lists %s", name, p->entity);
}

cJSON *problem_json(const problem_t *p)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	const char *m[RESULT_MAX_MEANINGS];
	size_t nm = problem_meanings(p, m, RESULT_MAX_MEANINGS);
	char advice[600], url[512], head[800];

	problem_headline(p, head, sizeof(head));
	jsonx_add_text(o, "headline", head);
	jsonx_add_str(o, "zone", catalog_zone_shown(p->list, p->zone));
	jsonx_add_text(o, "name", p->name[0] ? p->name : catalog_zone_shown(p->list, p->zone));
	cJSON_AddStringToObject(o, "scope", catalog_scope_name(p->scope));
	cJSON_AddStringToObject(o, "severity", catalog_severity_name(p->severity));
	jsonx_add_str(o, "entity", p->entity);
	result_codes_into(o, p->codes, p->ncodes, m, nm);
	jsonx_add_text(o, "txt", p->txt[0] ? p->txt : NULL);
	cJSON_AddNumberToObject(o, "affected", (double)p->affected);
	arr = cJSON_AddArrayToObject(o, "targets");
	for (uint8_t i = 0; i < p->nfirst; i++)
		jsonx_push_str(arr, p->first[i].name);
	jsonx_add_time(o, "since", p->since);
	cJSON_AddBoolToObject(o, "stale", p->stale);
	jsonx_add_text(o, "advice", problem_advice(p, advice, sizeof(advice)));
	if (problem_removal_url(p, url, sizeof(url)) == 0)
		jsonx_add_str(o, "removal_url", url);
	else
		cJSON_AddNullToObject(o, "removal_url");
	jsonx_add_text(o, "ignored_by", p->ignored ? p->ignored->text : NULL);
	return o;
}

/* ---- the set ---- */

struct problem_set {
	problem_t *v;
	size_t n, cap;
	size_t *slot; /* open addressing: index + 1 into v, 0 empty */
	size_t nslot;
	problem_t **sorted;
	size_t nsorted;
};

problem_set_t *problem_set_new(void)
{
	return xcalloc(1, sizeof(problem_set_t));
}

void problem_set_free(problem_set_t *ps)
{
	if (!ps)
		return;
	free(ps->v);
	free(ps->slot);
	free(ps->sorted);
	free(ps);
}

static uint64_t key_hash(const char *zone, const char *entity)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *s = zone; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const char *s = entity; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void rehash(problem_set_t *ps)
{
	size_t n = ps->nslot ? ps->nslot * 2 : 64;

	free(ps->slot);
	ps->slot = xcalloc(n, sizeof(*ps->slot));
	ps->nslot = n;
	for (size_t i = 0; i < ps->n; i++) {
		size_t j = key_hash(ps->v[i].zone, ps->v[i].entity) & (n - 1);
		while (ps->slot[j])
			j = (j + 1) & (n - 1);
		ps->slot[j] = i + 1;
	}
}

/* The slot of (zone, entity): its problem's, or the empty one where it would go. */
static size_t slot_of(const problem_set_t *ps, const char *zone, const char *entity)
{
	size_t j = key_hash(zone, entity) & (ps->nslot - 1);

	for (; ps->slot[j]; j = (j + 1) & (ps->nslot - 1)) {
		const problem_t *p = &ps->v[ps->slot[j] - 1];
		if (!strcmp(p->entity, entity) && !strcmp(p->zone, zone))
			break;
	}
	return j;
}

const problem_t *problem_set_get(const problem_set_t *ps, const char *zone, const char *entity)
{
	size_t j;

	if (!ps->nslot)
		return NULL;
	j = slot_of(ps, zone, entity);
	return ps->slot[j] ? &ps->v[ps->slot[j] - 1] : NULL;
}

/* The problem of (zone, entity), made when missing (*made set). */
static problem_t *find(problem_set_t *ps, const char *zone, const char *entity, bool *made)
{
	size_t j;

	*made = false;
	if ((ps->n + 1) * 2 > ps->nslot)
		rehash(ps);
	j = slot_of(ps, zone, entity);
	if (ps->slot[j])
		return &ps->v[ps->slot[j] - 1];
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 16;
		ps->v = xrealloc(ps->v, ps->cap * sizeof(*ps->v));
	}
	ps->slot[j] = ++ps->n;
	*made = true;
	free(ps->sorted); /* pointers into v may have moved */
	ps->sorted = NULL;
	memset(&ps->v[ps->n - 1], 0, sizeof(problem_t));
	return &ps->v[ps->n - 1];
}

/* Keeps the PROBLEM_FIRST_MAX lowest targets, in order. */
static void keep_first(problem_t *p, const target_t *t)
{
	size_t i = p->nfirst;

	if (i == PROBLEM_FIRST_MAX && target_cmp(t, &p->first[i - 1]) >= 0)
		return;
	if (i == PROBLEM_FIRST_MAX)
		i--;
	else
		p->nfirst++;
	while (i > 0 && target_cmp(t, &p->first[i - 1]) < 0) {
		p->first[i] = p->first[i - 1];
		i--;
	}
	p->first[i] = *t;
	p->first[i].from = NULL; /* borrowed from the caller: not kept */
}

static void add_codes(problem_t *p, const result_t *r)
{
	for (uint8_t i = 0; i < r->ncodes; i++) {
		uint8_t k = 0;
		while (k < p->ncodes && p->codes[k] < r->codes[i])
			k++;
		if ((k < p->ncodes && p->codes[k] == r->codes[i]) || p->ncodes == RESULT_MAX_CODES)
			continue;
		memmove(&p->codes[k + 1], &p->codes[k], (p->ncodes - k) * sizeof(p->codes[0]));
		p->codes[k] = r->codes[i];
		p->ncodes++;
	}
}

problem_t *problem_set_fold(problem_set_t *ps, const result_t *r, const target_t *t, uint32_t asn,
			    const problem_rule_t *rules, size_t nrules)
{
	char entity[PROBLEM_ENTITY_MAX];
	const problem_rule_t *rule;
	problem_t *p;
	bool made;

	if (r->status != STATUS_LISTED || r->kind != LIST_BLOCK)
		return NULL;
	problem_entity(r, t, asn, entity);
	rule = problem_rule_match(rules, nrules, r, t);
	p = find(ps, r->zone ? r->zone : "", entity, &made);
	if (made) {
		p->list = r->list;
		snprintf(p->zone, sizeof(p->zone), "%s", r->zone ? r->zone : "");
		snprintf(p->name, sizeof(p->name), "%s",
			 r->name ? r->name : r->list ? r->list->name : "");
		snprintf(p->entity, sizeof(p->entity), "%s", entity);
		p->scope = r->scope;
		p->severity = r->list ? r->list->severity : SEVERITY_MEDIUM;
		if (r->ntxt)
			snprintf(p->txt, sizeof(p->txt), "%s", r->txt);
		p->ignored = rule;
	} else if (!rule) {
		p->ignored = NULL; /* a part no rule covers: the problem is not ignored */
	}
	p->affected++;
	keep_first(p, t);
	target_spans_add(&p->spans, t);
	add_codes(p, r);
	if (r->since && (!p->since || r->since < p->since))
		p->since = r->since;
	p->stale |= r->stale;
	return p;
}

int problem_set_add(problem_set_t *ps, const result_t *r, const target_t *t, uint32_t asn,
		    const problem_rule_t *rules, size_t nrules)
{
	return problem_set_fold(ps, r, t, asn, rules, nrules) ? 1 : 0;
}

size_t problem_set_count(const problem_set_t *ps)
{
	return ps->n;
}

static int cmp_ptr(const void *a, const void *b)
{
	return problem_cmp(*(problem_t *const *)a, *(problem_t *const *)b);
}

problem_t *const *problem_set_sorted(problem_set_t *ps, size_t *n)
{
	free(ps->sorted);
	ps->sorted = xcalloc(ps->n ? ps->n : 1, sizeof(*ps->sorted));
	for (size_t i = 0; i < ps->n; i++)
		ps->sorted[i] = &ps->v[i];
	qsort(ps->sorted, ps->n, sizeof(*ps->sorted), cmp_ptr);
	*n = ps->n;
	return ps->sorted;
}
