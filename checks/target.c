/* target.c -- parsing of target arguments and iteration over target sets.
 * Networks are kept as (first address, count) so a /16 costs 1 spec, not 65,536. */
#include "checks/target.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

const char *target_type_name(target_type_t t)
{
	switch (t) {
	case TARGET_IPV4: return "ipv4";
	case TARGET_IPV6: return "ipv6";
	case TARGET_DOMAIN: return "domain";
	}
	return "?";
}

void target_from_addr(int family, const void *addr, target_t *out)
{
	out->from = NULL;
	memset(out->addr, 0, sizeof(out->addr));
	if (family == AF_INET) {
		char *p = out->name;
		out->type = TARGET_IPV4;
		memcpy(out->addr, addr, 4);
		/* by hand: inet_ntop goes through printf, and a network sweep answered
		 * from data files makes millions of these a second */
		for (int i = 0; i < 4; i++) {
			unsigned o = out->addr[i];
			if (o >= 100)
				*p++ = (char)('0' + o / 100);
			if (o >= 10)
				*p++ = (char)('0' + o / 10 % 10);
			*p++ = (char)('0' + o % 10);
			*p++ = i < 3 ? '.' : '\0';
		}
		return;
	}
	out->type = TARGET_IPV6;
	memcpy(out->addr, addr, 16);
	inet_ntop(family, out->addr, out->name, sizeof(out->name));
}

int target_parse_ip(const char *s, target_t *out)
{
	uint8_t buf[16];

	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, buf) != 1)
			return -1;
		target_from_addr(AF_INET6, buf, out);
		return 0;
	}
	if (inet_pton(AF_INET, s, buf) != 1)
		return -1;
	target_from_addr(AF_INET, buf, out);
	return 0;
}

bool target_domain_valid(const char *s, bool need_dot)
{
	size_t len = strlen(s), label = 0;
	bool dot = false, alldigit = true;

	if (len == 0 || len > 253 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '.') {
			/* LDH: a label neither starts nor ends with '-' */
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
			dot = true;
			alldigit = true;
			continue;
		}
		if (!(isalnum(c) || c == '-' || c == '_') || (label == 0 && c == '-'))
			return false;
		if (!isdigit(c))
			alldigit = false;
		if (++label > 63)
			return false;
	}
	if (s[len - 1] == '-' || (dot && alldigit)) /* an all-numeric TLD is an IP typo */
		return false;
	return dot || !need_dot;
}

/* Does s look like an attempt at an IP address rather than a domain? Used to
 * give "bad IPv4 address" instead of a confusing "bad domain" message. */
static bool looks_numeric(const char *s)
{
	bool digit = false;

	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			digit = true;
		else if (*s != '.' && *s != '/')
			return false;
	}
	return digit;
}

static int parse_prefix(const char *p, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Zero the host bits of addr (len bytes) beyond prefix; report if any were set. */
static bool mask_host_bits(uint8_t *addr, size_t len, unsigned prefix)
{
	bool had = false;

	for (size_t i = 0; i < len; i++) {
		unsigned bits = prefix > i * 8 ? prefix - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		if (addr[i] & ~mask)
			had = true;
		addr[i] &= mask;
	}
	return had;
}

int target_parse(const char *s, const target_limits_t *lim, target_spec_t *out,
		 char *err, size_t errlen)
{
	char buf[TARGET_NAME_MAX];
	char *slash;
	size_t len = strlen(s);
	bool v6;
	unsigned prefix, maxbits, minp;

	memset(out, 0, sizeof(*out));
	out->count = 1;
	if (len == 0) {
		snprintf(err, errlen, "empty target");
		return -1;
	}
	if (len >= sizeof(buf)) {
		snprintf(err, errlen, "target too long (%zu characters, at most 253)", len);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x21 || c > 0x7e) {
			snprintf(err, errlen, "target contains a %s character at offset %zu",
				 c == ' ' ? "space" : "non-printable", i);
			return -1;
		}
	}
	memcpy(buf, s, len + 1);
	v6 = strchr(buf, ':') != NULL;
	slash = strchr(buf, '/');
	if (!v6 && !slash && !looks_numeric(buf)) {
		for (char *p = buf; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (buf[len - 1] == '.') /* a trailing root dot is harmless */
			buf[--len] = '\0';
		if (!target_domain_valid(buf, true)) {
			snprintf(err, errlen,
				 "'%s' is neither an IP address, a CIDR network nor a valid domain name", s);
			return -1;
		}
		out->first.type = TARGET_DOMAIN;
		memcpy(out->first.name, buf, len + 1);
		return 0;
	}
	if (slash)
		*slash = '\0';
	if (target_parse_ip(buf, &out->first) < 0 ||
	    (out->first.type == TARGET_IPV6) != v6) {
		snprintf(err, errlen, "'%s' is not a valid %s address", buf, v6 ? "IPv6" : "IPv4");
		return -1;
	}
	if (!slash)
		return 0;
	maxbits = v6 ? 128 : 32;
	minp = v6 ? lim->min_prefix_v6 : lim->min_prefix_v4;
	if (parse_prefix(slash + 1, maxbits, &prefix) < 0) {
		snprintf(err, errlen, "'%s': prefix length must be a number from 0 to %u", s, maxbits);
		return -1;
	}
	if (prefix < minp) {
		snprintf(err, errlen,
			 "'%s' is larger than the /%u allowed (raise max_network in [targets] to allow it)",
			 s, minp);
		return -1;
	}
	if (mask_host_bits(out->first.addr, v6 ? 16 : 4, prefix)) {
		char net[64];
		inet_ntop(v6 ? AF_INET6 : AF_INET, out->first.addr, net, sizeof(net));
		snprintf(err, errlen, "'%s' has host bits set: did you mean %s/%u?", s, net, prefix);
		return -1;
	}
	out->prefix = prefix;
	out->count = (uint64_t)1 << (maxbits - prefix);
	inet_ntop(v6 ? AF_INET6 : AF_INET, out->first.addr, out->first.name,
		  sizeof(out->first.name));
	return 0;
}

void target_spec_nth(const target_spec_t *spec, uint64_t i, target_t *out)
{
	uint8_t a[16];
	size_t len;

	if (spec->count == 1) {
		*out = spec->first;
		return;
	}
	len = spec->first.type == TARGET_IPV6 ? 16 : 4;
	memcpy(a, spec->first.addr, len);
	/* add i to the big-endian address; networks never exceed 2^32 entries */
	for (size_t k = len; k-- > 0 && i;) {
		uint64_t sum = a[k] + (i & 0xff);
		a[k] = (uint8_t)sum;
		i = (i >> 8) + (sum >> 8);
	}
	target_from_addr(len == 16 ? AF_INET6 : AF_INET, a, out);
	out->from = spec->first.from;
}

void targetset_init(targetset_t *ts)
{
	memset(ts, 0, sizeof(*ts));
}

void targetset_free(targetset_t *ts)
{
	free(ts->specs);
	memset(ts, 0, sizeof(*ts));
}

void targetset_add(targetset_t *ts, const target_spec_t *spec)
{
	xgrow((void **)&ts->specs, &ts->cap, ts->n + 1, sizeof(*ts->specs));
	ts->specs[ts->n++] = *spec;
	ts->total += spec->count;
}

bool targetset_next(const targetset_t *ts, targetset_iter_t *it, target_t *out)
{
	while (it->spec < ts->n && it->idx >= ts->specs[it->spec].count) {
		it->spec++;
		it->idx = 0;
	}
	if (it->spec >= ts->n)
		return false;
	target_spec_nth(&ts->specs[it->spec], it->idx++, out);
	return true;
}

/* ---- order, networks and ranges ---- */

static size_t type_len(target_type_t t)
{
	return t == TARGET_IPV4 ? 4 : 16;
}

static size_t addr_len(const target_t *t)
{
	return type_len(t->type);
}

int target_cmp(const target_t *a, const target_t *b)
{
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->type == TARGET_DOMAIN)
		return strcmp(a->name, b->name);
	return memcmp(a->addr, b->addr, addr_len(a));
}

bool target_in_prefix(const target_t *t, const target_t *net, unsigned prefix)
{
	uint8_t a[16];

	if (t->type == TARGET_DOMAIN || t->type != net->type || prefix > addr_len(t) * 8)
		return false;
	memcpy(a, t->addr, addr_len(t));
	mask_host_bits(a, addr_len(t), prefix);
	return memcmp(a, net->addr, addr_len(t)) == 0;
}

void target_network(const target_t *t, unsigned prefix, target_t *net)
{
	char a[INET6_ADDRSTRLEN];

	*net = *t;
	net->from = NULL;
	if (t->type == TARGET_DOMAIN)
		return;
	if (prefix > addr_len(t) * 8)
		prefix = (unsigned)addr_len(t) * 8;
	mask_host_bits(net->addr, addr_len(t), prefix);
	inet_ntop(t->type == TARGET_IPV4 ? AF_INET : AF_INET6, net->addr, a, sizeof(a));
	snprintf(net->name, sizeof(net->name), "%s/%u", a, prefix);
}

/* Address order across families: IPv4 before IPv6. */
static int span_cmp(target_type_t ta, const uint8_t *a, target_type_t tb, const uint8_t *b)
{
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return memcmp(a, b, type_len(ta));
}

/* Whether b is the address right after a (same family). */
static bool span_next(target_type_t ta, const uint8_t *a, target_type_t tb, const uint8_t *b)
{
	uint8_t x[16];
	size_t n = type_len(ta);

	if (ta != tb)
		return false;
	memcpy(x, a, n);
	for (size_t i = n; i-- > 0;)
		if (++x[i] != 0)
			return memcmp(x, b, n) == 0;
	return false; /* the last address has no next */
}

/* Whether b is the address right after a (same family). */
static bool next_addr(const target_t *a, const target_t *b)
{
	return a->type != TARGET_DOMAIN && span_next(a->type, a->addr, b->type, b->addr);
}

/* Appends "lo" or "lo-hi" (hi NULL: one address) to buf at *o, after ", " when
 * something precedes it. When it does not fit with room for ", ...", writes
 * "..." instead and returns false. */
static bool put_range(char *buf, size_t len, size_t *o, const char *lo, const char *hi)
{
	char piece[2 * TARGET_NAME_MAX + 4];
	int w = hi ? snprintf(piece, sizeof(piece), "%s%s-%s", *o ? ", " : "", lo, hi)
		   : snprintf(piece, sizeof(piece), "%s%s", *o ? ", " : "", lo);

	if (*o + (size_t)w + 5 > len) { /* room for ", ..." */
		if (*o + 5 <= len)
			snprintf(buf + *o, len - *o, "%s...", *o ? ", " : "");
		return false;
	}
	memcpy(buf + *o, piece, (size_t)w + 1);
	*o += (size_t)w;
	return true;
}

size_t target_ranges(const target_t *sorted, size_t n, char *buf, size_t len)
{
	size_t o = 0, i = 0, done = 0;

	if (len)
		buf[0] = '\0';
	while (i < n) {
		size_t j = i;
		while (j + 1 < n && next_addr(&sorted[j], &sorted[j + 1]))
			j++;
		if (!put_range(buf, len, &o, sorted[i].name, j > i ? sorted[j].name : NULL))
			break;
		done += j - i + 1;
		i = j + 1;
	}
	return done;
}

/* ---- spans ---- */

/* Addresses from `from` upwards are no longer kept (runs are dropped highest first). */
static void span_cut(target_spans_t *s, target_type_t type, const uint8_t *from)
{
	if (!s->cut || span_cmp(type, from, s->cut_type, s->cut_addr) < 0) {
		s->cut = true;
		s->cut_type = type;
		memcpy(s->cut_addr, from, 16);
	}
}

void target_spans_add(target_spans_t *s, const target_t *t)
{
	uint8_t a[16] = {0};
	size_t i = 0;
	bool after, before;

	if (t->type == TARGET_DOMAIN)
		return;
	memcpy(a, t->addr, type_len(t->type));
	if (s->cut && span_cmp(t->type, a, s->cut_type, s->cut_addr) >= 0)
		return;
	while (i < s->n && span_cmp(s->v[i].type, s->v[i].hi, t->type, a) < 0)
		i++;
	if (i < s->n && span_cmp(s->v[i].type, s->v[i].lo, t->type, a) <= 0)
		return; /* already in run i */
	after = i > 0 && span_next(s->v[i - 1].type, s->v[i - 1].hi, t->type, a);
	before = i < s->n && span_next(t->type, a, s->v[i].type, s->v[i].lo);
	if (after && before) { /* a joins two runs */
		memcpy(s->v[i - 1].hi, s->v[i].hi, 16);
		memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
		s->n--;
	} else if (after) {
		memcpy(s->v[i - 1].hi, a, 16);
	} else if (before) {
		memcpy(s->v[i].lo, a, 16);
	} else {
		if (i == TARGET_SPANS_MAX) { /* above every run kept, and no room */
			span_cut(s, t->type, a);
			return;
		}
		if (s->n == TARGET_SPANS_MAX) {
			span_cut(s, s->v[s->n - 1].type, s->v[s->n - 1].lo);
			s->n--;
		}
		memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(s->v[0]));
		s->v[i].type = t->type;
		memcpy(s->v[i].lo, a, 16);
		memcpy(s->v[i].hi, a, 16);
		s->n++;
	}
}

size_t target_spans_str(const target_spans_t *s, char *buf, size_t len)
{
	size_t o = 0, i;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < s->n; i++) {
		int af = s->v[i].type == TARGET_IPV4 ? AF_INET : AF_INET6;
		char lo[INET6_ADDRSTRLEN], hi[INET6_ADDRSTRLEN];
		bool one = !memcmp(s->v[i].lo, s->v[i].hi, 16);

		inet_ntop(af, s->v[i].lo, lo, sizeof(lo));
		inet_ntop(af, s->v[i].hi, hi, sizeof(hi));
		if (!put_range(buf, len, &o, lo, one ? NULL : hi))
			return i;
	}
	if (s->cut && o + 5 <= len)
		snprintf(buf + o, len - o, "%s...", o ? ", " : "");
	return i;
}
