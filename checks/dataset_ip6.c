/* dataset_ip6.c -- rbldnsd's ip6trie and ip6tset: IPv6 prefixes flattened into sorted intervals, /64 sets.
 * The longest prefix answers (an exclusion too); ip6tset lists /64s and excludes single addresses. */
#include "checks/dataset_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

typedef struct {
	uint64_t hi, lo;
} u128_t;

static u128_t u128_of(const uint8_t a[16])
{
	u128_t u = {0, 0};

	for (int i = 0; i < 8; i++) {
		u.hi = u.hi << 8 | a[i];
		u.lo = u.lo << 8 | a[8 + i];
	}
	return u;
}

static int u128_cmp(u128_t a, u128_t b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	return a.lo < b.lo ? -1 : a.lo > b.lo;
}

/* The last address of the prefix a/bits. */
static u128_t u128_end(u128_t a, unsigned bits)
{
	if (bits == 0)
		return (u128_t){UINT64_MAX, UINT64_MAX};
	if (bits <= 64) {
		a.hi |= bits == 64 ? 0 : UINT64_MAX >> bits;
		a.lo = UINT64_MAX;
	} else {
		a.lo |= bits == 128 ? 0 : UINT64_MAX >> (bits - 64);
	}
	return a;
}

static u128_t u128_next(u128_t a)
{
	if (++a.lo == 0)
		a.hi++;
	return a;
}

/* ---- ip6trie ---- */

typedef struct {
	u128_t a;
	uint32_t v;    /* value index, DS_NONE: excluded */
	uint32_t seq;
	uint8_t bits;
} pfx_t;

typedef struct {
	pfx_t *p;
	size_t n, cap;
} trie_build_t;

/* Sorted interval starts, each with the set that answers up to the next. */
typedef struct {
	u128_t *key;
	uint32_t *id;
	size_t n;
} ivmap_t;

static int pfx_cmp(const void *x, const void *y)
{
	const pfx_t *a = x, *b = y;
	int c = u128_cmp(a->a, b->a);

	if (c)
		return c;
	if (a->bits != b->bits)
		return a->bits < b->bits ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int trie_start(ds_load_t *l)
{
	l->build = xcalloc(1, sizeof(trie_build_t));
	return 0;
}

static void trie_build_free(void *build)
{
	trie_build_t *b = build;

	if (b)
		free(b->p);
	free(b);
}

static void trie_file(ds_load_t *l)
{
	l->def = 0;
}

static bool addr_end_ok(const char *e)
{
	return !*e || DS_ISSPACE(*e) || DS_ISCOMMENT(*e) || *e == ':';
}

static int trie_line(ds_load_t *l, char *s)
{
	trie_build_t *b = l->build;
	uint8_t a[16];
	uint32_t v = DS_NONE;
	bool excl = false;
	const char *e;
	int bits;

	/* "::1" is an address; a default line is ":A:TXT" */
	if (*s == ':' && s[1] != ':')
		return dataset_parse_value(l, s, 0, &l->def);
	if (*s == '!') {
		excl = true;
		s++;
		while (DS_ISSPACE(*s))
			s++;
	}
	bits = dataset_parse_ip6cidr(s, a, &e);
	if (bits < 0 || !addr_end_ok(e))
		return dataset_load_fail(l, "invalid address '%.50s' (an IPv6 prefix such as 2001:db8::/32, "
				    "or words such as 2001:db8:1)", s);
	dataset_parse_ip6mask(a, (unsigned)bits); /* a host part is dropped, as rbldnsd -e does */
	if (!excl) {
		while (DS_ISSPACE(*e))
			e++;
		if (!*e || DS_ISCOMMENT(*e))
			v = l->def;
		else if (dataset_parse_value(l, e, l->def, &v) < 0)
			return -1;
	}
	l->d->entries++;
	xgrow((void **)&b->p, &b->cap, b->n + 1, sizeof(*b->p));
	b->p[b->n++] = (pfx_t){u128_of(a), v, (uint32_t)b->n, (uint8_t)bits};
	return 0;
}

static void iv_push(ivmap_t *m, size_t *cap, u128_t at, uint32_t id)
{
	if (m->n && u128_cmp(m->key[m->n - 1], at) == 0) {
		m->id[m->n - 1] = id; /* the same address: the last word counts */
		if (m->n > 1 && m->id[m->n - 2] == id)
			m->n--;
		return;
	}
	if (m->n && m->id[m->n - 1] == id)
		return;
	if (m->n == *cap) {
		size_t c = *cap;
		xgrow((void **)&m->key, &c, m->n + 1, sizeof(*m->key));
		m->id = xrealloc(m->id, c * sizeof(*m->id));
		*cap = c;
	}
	m->key[m->n] = at;
	m->id[m->n++] = id;
}

static int trie_finish(ds_load_t *l)
{
	trie_build_t *b = l->build;
	ivmap_t *m = xcalloc(1, sizeof(*m));
	size_t n = 0, cap = 0, depth = 0;
	u128_t *end = NULL;
	uint32_t *sid = NULL;

	if (b->n)
		qsort(b->p, b->n, sizeof(*b->p), pfx_cmp);
	for (size_t i = 0; i < b->n; i++) /* one value per prefix: the first line counts */
		if (!n || u128_cmp(b->p[n - 1].a, b->p[i].a) || b->p[n - 1].bits != b->p[i].bits)
			b->p[n++] = b->p[i];
	/* prefixes nest or are apart: in address order, a stack of the open ones
	 * gives the longest at every address */
	end = xcalloc(130, sizeof(*end)); /* prefixes of 129 lengths nest at most 129 deep */
	sid = xcalloc(130, sizeof(*sid));
	iv_push(m, &cap, (u128_t){0, 0}, 0);
	for (size_t i = 0; i <= n; i++) {
		const pfx_t *p = i < n ? &b->p[i] : NULL;
		while (depth && (!p || u128_cmp(end[depth - 1], p->a) < 0)) {
			u128_t after = u128_next(end[depth - 1]);
			bool last = end[depth - 1].hi == UINT64_MAX && end[depth - 1].lo == UINT64_MAX;
			depth--;
			if (!last)
				iv_push(m, &cap, after, depth ? sid[depth - 1] : 0);
		}
		if (!p)
			break;
		end[depth] = u128_end(p->a, p->bits);
		sid[depth] = p->v == DS_NONE ? 0 : dataset_load_set1(l, p->v);
		iv_push(m, &cap, p->a, sid[depth]);
		depth++;
	}
	free(end);
	free(sid);
	m->key = xrealloc(m->key, m->n * sizeof(*m->key));
	m->id = xrealloc(m->id, m->n * sizeof(*m->id));
	l->d->typed = m;
	return 0;
}

static void ivmap_free(void *typed)
{
	ivmap_t *m = typed;

	if (!m)
		return;
	free(m->key);
	free(m->id);
	free(m);
}

static size_t ivmap_bytes(const void *typed)
{
	const ivmap_t *m = typed;

	return sizeof(*m) + m->n * (sizeof(*m->key) + sizeof(*m->id));
}

static int trie_query(const ds_data_t *d, const ds_query_t *q, ds_hit_t *hit)
{
	const ivmap_t *m = d->typed;
	u128_t a;
	size_t lo = 0, hi;

	if (!q->ip6valid || !m->n)
		return 0;
	a = u128_of(q->ip6);
	hi = m->n;
	while (lo < hi) { /* the first start above a */
		size_t mid = lo + (hi - lo) / 2;
		if (u128_cmp(m->key[mid], a) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	hit->set = m->id[lo - 1]; /* key[0] is ::, so lo >= 1 */
	hit->name = NULL;
	return hit->set > DS_SET_EXCL;
}

const ds_type_t dataset_ip6_trie = {
	"ip6trie", DS_F_IP6, trie_start, trie_file, trie_line, trie_finish, trie_build_free,
	ivmap_free, ivmap_bytes, trie_query,
};

/* ---- ip6tset: /64s sharing one value, single addresses excluded ---- */

typedef struct {
	uint64_t *net;   /* the /64s, sorted */
	size_t nnet, capnet;
	u128_t *ex;      /* the excluded addresses, sorted */
	size_t nex, capex;
	uint32_t set;
} tset_t;

static int tset_start(ds_load_t *l)
{
	l->build = xcalloc(1, sizeof(tset_t)); /* becomes the typed structure as it is */
	return 0;
}

static void tset_free(void *p)
{
	tset_t *t = p;

	if (!t)
		return;
	free(t->net);
	free(t->ex);
	free(t);
}

static void tset_file(ds_load_t *l)
{
	(void)l; /* the dataset's first default line counts, whichever file holds it */
}

static int tset_line(ds_load_t *l, char *s)
{
	tset_t *t = l->build;
	uint8_t a[16];
	bool excl = false;
	const char *e;
	int bits;

	if (*s == ':') {
		if (l->def_seen)
			return 0;
		l->def_seen = true;
		return dataset_parse_value(l, s, 0, &l->def);
	}
	if (*s == '!') {
		excl = true;
		s++;
		while (DS_ISSPACE(*s))
			s++;
	}
	bits = dataset_parse_ip6prefix(s, a, &e);
	if (bits < 0 || !addr_end_ok(e))
		return dataset_load_fail(l, "invalid address '%.50s'", s);
	if (bits != (excl ? 128 : 64))
		return dataset_load_fail(l, "%s must be %s (ip6tset lists /64s as four words, and "
				    "excludes single addresses)", excl ? "an exclusion" : "an entry",
				    excl ? "a whole address" : "four words, such as 2001:db8:1:2");
	l->d->entries++;
	if (excl) {
		xgrow((void **)&t->ex, &t->capex, t->nex + 1, sizeof(*t->ex));
		t->ex[t->nex++] = u128_of(a);
	} else {
		xgrow((void **)&t->net, &t->capnet, t->nnet + 1, sizeof(*t->net));
		t->net[t->nnet++] = u128_of(a).hi;
	}
	return 0;
}

static int u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

static int ex_cmp(const void *x, const void *y)
{
	return u128_cmp(*(const u128_t *)x, *(const u128_t *)y);
}

static int tset_finish(ds_load_t *l)
{
	tset_t *t = l->build;
	size_t n = 0;

	if (t->nnet)
		qsort(t->net, t->nnet, sizeof(*t->net), u64_cmp);
	for (size_t i = 0; i < t->nnet; i++)
		if (!n || t->net[n - 1] != t->net[i])
			t->net[n++] = t->net[i];
	t->nnet = n;
	if (t->nex)
		qsort(t->ex, t->nex, sizeof(*t->ex), ex_cmp);
	n = 0;
	for (size_t i = 0; i < t->nex; i++)
		if (!n || u128_cmp(t->ex[n - 1], t->ex[i]))
			t->ex[n++] = t->ex[i];
	t->nex = n;
	t->set = dataset_load_set1(l, l->def);
	l->d->typed = t;
	l->build = NULL;
	return 0;
}

static size_t tset_bytes(const void *p)
{
	const tset_t *t = p;

	return sizeof(*t) + t->capnet * sizeof(*t->net) + t->capex * sizeof(*t->ex);
}

static int tset_query(const ds_data_t *d, const ds_query_t *q, ds_hit_t *hit)
{
	const tset_t *t = d->typed;
	u128_t a;

	if (!q->ip6valid)
		return 0;
	a = u128_of(q->ip6);
	if (!t->nnet || !bsearch(&a.hi, t->net, t->nnet, sizeof(*t->net), u64_cmp) ||
	    (t->nex && bsearch(&a, t->ex, t->nex, sizeof(*t->ex), ex_cmp)))
		return 0;
	hit->set = t->set;
	hit->name = NULL;
	return 1;
}

const ds_type_t dataset_ip6_tset = {
	"ip6tset", DS_F_IP6, tset_start, tset_file, tset_line, tset_finish, tset_free, tset_free,
	tset_bytes, tset_query,
};
