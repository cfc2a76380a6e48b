/* dataset_ip4.c -- rbldnsd's ip4set, ip4tset and ip4trie, read into one compact read-only map.
 * Single addresses are a sorted array of 4-byte keys with a radix index; ranges are a sorted array of intervals. */
#include "checks/dataset_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

/* The answer for every address: first the single addresses (the finest
 * entries, whose answer wins), then the intervals that cover the rest.
 * Set ids: 0 is "not listed" (an exclusion is not listed either, once
 * resolved), others index the dataset's value sets. */
typedef struct {
	uint32_t *key;  /* sorted */
	size_t n;
	uint32_t *idx;  /* idx[b]: first i whose key >> shift is b or more; NULL when small */
	unsigned shift;
} keys_t;

typedef struct {
	keys_t p;       /* single addresses */
	void *pid;      /* their set ids: uint8_t, uint16_t or uint32_t per pidw; NULL: pconst, */
	unsigned pidw;
	uint32_t pconst;
	keys_t ex;      /* ... but for these addresses, whose ids are exid (when few differ) */
	uint32_t *exid;
	keys_t iv;      /* interval starts: iv.key[0] is 0, each runs to the next */
	uint32_t *ivid;
} ip4map_t;

/* A range of one granularity, as rbldnsd splits ranges into /32, /24, /16
 * and /8 granules (ip4set) or as a CIDR prefix (ip4trie). */
typedef struct {
	uint32_t lo, hi;
	uint32_t v;     /* value index, DS_NONE for an exclusion */
	uint32_t seq;   /* line order, for "the first entry of a prefix wins" */
	uint8_t level;  /* finer first: ip4set 0 (/32) .. 3 (/8); ip4trie 32 - prefix length */
} piece_t;

typedef struct {
	uint64_t *s;    /* single addresses: address << 32 | code (see each type) */
	size_t ns, caps;
	uint32_t *a32;  /* ip4tset: addresses alone */
	size_t na32, capa32;
	uint32_t *seqv; /* ip4trie: the value of each single address line, by line order */
	size_t nseqv, capseqv;
	piece_t *pc;
	size_t npc, cappc;
} build_t;

#define LEVELS_SET 4
#define LEVELS_TRIE 33

/* ---- growth by half: a 10-million-line file must not need twice its memory ---- */

static void grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap;

	if (need <= c)
		return;
	while (c < need)
		c = c < 1024 ? 1024 : c + c / 2;
	*arr = xrealloc(*arr, c * elem);
	*cap = c;
}

/* ---- sorting in place (MSD radix: no second buffer) ---- */

static void sort64(uint64_t *a, size_t n, int shift)
{
	size_t cnt[256], start[256], end[256];

	if (n < 48) {
		for (size_t i = 1; i < n; i++) {
			uint64_t v = a[i];
			size_t j = i;
			while (j > 0 && a[j - 1] > v) {
				a[j] = a[j - 1];
				j--;
			}
			a[j] = v;
		}
		return;
	}
	memset(cnt, 0, sizeof(cnt));
	for (size_t i = 0; i < n; i++)
		cnt[(a[i] >> shift) & 255]++;
	for (size_t b = 0, o = 0; b < 256; b++) {
		start[b] = end[b] = o;
		o += cnt[b];
	}
	for (size_t b = 0; b < 256; b++) {
		size_t lim = start[b] + cnt[b];
		while (end[b] < lim) {
			uint64_t v = a[end[b]];
			size_t k = (v >> shift) & 255;
			while (k != b) { /* follow the cycle until something belongs here */
				uint64_t t = a[end[k]];
				a[end[k]++] = v;
				v = t;
				k = (v >> shift) & 255;
			}
			a[end[b]++] = v;
		}
	}
	if (shift == 0)
		return;
	for (size_t b = 0; b < 256; b++)
		if (cnt[b] > 1)
			sort64(a + start[b], cnt[b], shift - 8);
}

static void sort32(uint32_t *a, size_t n, int shift)
{
	size_t cnt[256], start[256], end[256];

	if (n < 48) {
		for (size_t i = 1; i < n; i++) {
			uint32_t v = a[i];
			size_t j = i;
			while (j > 0 && a[j - 1] > v) {
				a[j] = a[j - 1];
				j--;
			}
			a[j] = v;
		}
		return;
	}
	memset(cnt, 0, sizeof(cnt));
	for (size_t i = 0; i < n; i++)
		cnt[(a[i] >> shift) & 255]++;
	for (size_t b = 0, o = 0; b < 256; b++) {
		start[b] = end[b] = o;
		o += cnt[b];
	}
	for (size_t b = 0; b < 256; b++) {
		size_t lim = start[b] + cnt[b];
		while (end[b] < lim) {
			uint32_t v = a[end[b]];
			size_t k = (v >> shift) & 255;
			while (k != b) {
				uint32_t t = a[end[k]];
				a[end[k]++] = v;
				v = t;
				k = (v >> shift) & 255;
			}
			a[end[b]++] = v;
		}
	}
	if (shift == 0)
		return;
	for (size_t b = 0; b < 256; b++)
		if (cnt[b] > 1)
			sort32(a + start[b], cnt[b], shift - 8);
}

static int piece_cmp(const void *x, const void *y)
{
	const piece_t *a = x, *b = y;

	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->level != b->level)
		return a->level < b->level ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* ---- sorted keys with a radix index ---- */

/* An index of 2^bits buckets over the top bits: about 8 keys a bucket, at
 * most 2^20 buckets (4 MiB), none for small arrays. */
static void keys_index(keys_t *k)
{
	unsigned bits = 0;

	free(k->idx);
	k->idx = NULL;
	while (bits < 20 && ((size_t)8 << bits) < k->n)
		bits++;
	if (bits < 4)
		return;
	k->shift = 32 - bits;
	k->idx = xmalloc((((size_t)1 << bits) + 1) * sizeof(*k->idx));
	for (size_t b = 0, i = 0; b <= ((size_t)1 << bits); b++) {
		while (i < k->n && (size_t)(k->key[i] >> k->shift) < b)
			i++;
		k->idx[b] = (uint32_t)i;
	}
}

/* The last i with key[i] <= q, or SIZE_MAX when every key is above q. */
static inline size_t keys_le(const keys_t *k, uint32_t q)
{
	size_t lo = 0, hi = k->n;

	if (k->idx) {
		size_t b = q >> k->shift;
		lo = k->idx[b];
		hi = k->idx[b + 1];
	}
	/* the first key above q in [lo, hi) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->key[mid] <= q)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1; /* wraps to SIZE_MAX at 0 */
}

static void keys_free(keys_t *k)
{
	free(k->key);
	free(k->idx);
}

static size_t keys_bytes(const keys_t *k)
{
	return k->n * sizeof(*k->key) + (k->idx ? (((size_t)1 << (32 - k->shift)) + 1) * 4 : 0);
}

static uint32_t pid_get(const ip4map_t *m, size_t i, uint32_t q)
{
	size_t j;

	switch (m->pidw) {
	case 1: return ((const uint8_t *)m->pid)[i];
	case 2: return ((const uint16_t *)m->pid)[i];
	case 4: return ((const uint32_t *)m->pid)[i];
	}
	if (!m->ex.n)
		return m->pconst;
	j = keys_le(&m->ex, q);
	return j != SIZE_MAX && m->ex.key[j] == q ? m->exid[j] : m->pconst;
}

static inline uint32_t map_get(const ip4map_t *m, uint32_t q)
{
	size_t i;

	if (m->p.n) {
		i = keys_le(&m->p, q);
		if (i != SIZE_MAX && m->p.key[i] == q)
			return pid_get(m, i, q);
	}
	if (!m->iv.n)
		return 0;
	return m->ivid[keys_le(&m->iv, q)];
}

static void map_free(void *typed)
{
	ip4map_t *m = typed;

	if (!m)
		return;
	keys_free(&m->p);
	free(m->pid);
	keys_free(&m->ex);
	free(m->exid);
	keys_free(&m->iv);
	free(m->ivid);
	free(m);
}

static size_t map_bytes(const void *typed)
{
	const ip4map_t *m = typed;

	return sizeof(*m) + keys_bytes(&m->p) + m->p.n * m->pidw + keys_bytes(&m->ex) +
	       m->ex.n * sizeof(*m->exid) + keys_bytes(&m->iv) + m->iv.n * sizeof(*m->ivid);
}

static int map_query(const ds_data_t *d, const ds_query_t *q, ds_hit_t *hit)
{
	uint32_t id;

	if (!q->ip4valid)
		return 0;
	id = map_get(d->typed, q->ip4);
	hit->set = id;
	hit->name = NULL;
	return id > DS_SET_EXCL;
}

/* ---- intervals from pieces: the finest level covering an address answers ---- */

/* The values of one level that are active at the sweep's position. */
typedef struct {
	uint32_t *v;     /* value indexes, sorted, with their counts */
	uint32_t *cnt;
	size_t n, cap;
	uint32_t excl;   /* active exclusions */
} active_t;

static void active_add(active_t *a, uint32_t v, int d)
{
	size_t lo = 0, hi = a->n;

	if (v == DS_NONE) {
		a->excl += (uint32_t)d;
		return;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (a->v[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < a->n && a->v[lo] == v) {
		a->cnt[lo] += (uint32_t)d;
		if (!a->cnt[lo]) {
			memmove(a->v + lo, a->v + lo + 1, (a->n - lo - 1) * sizeof(*a->v));
			memmove(a->cnt + lo, a->cnt + lo + 1, (a->n - lo - 1) * sizeof(*a->cnt));
			a->n--;
		}
		return;
	}
	if (a->n == a->cap) {
		size_t c = a->cap;
		xgrow((void **)&a->v, &c, a->n + 1, sizeof(*a->v));
		xgrow((void **)&a->cnt, &a->cap, a->n + 1, sizeof(*a->cnt));
	}
	memmove(a->v + lo + 1, a->v + lo, (a->n - lo) * sizeof(*a->v));
	memmove(a->cnt + lo + 1, a->cnt + lo, (a->n - lo) * sizeof(*a->cnt));
	a->v[lo] = v;
	a->cnt[lo] = 1;
	a->n++;
}

typedef struct {
	uint64_t at;    /* address (2^32: past the end) */
	uint32_t piece;
	int8_t d;       /* +1 starts, -1 ends */
} event_t;

static int event_cmp(const void *x, const void *y)
{
	const event_t *a = x, *b = y;
	return a->at < b->at ? -1 : a->at > b->at;
}

/* Resolves pieces (levels 0..nlev-1, finer first) into sorted interval
 * starts and set ids, every address covered: the finest level active at an
 * address answers, an exclusion there with DS_SET_EXCL when keep_excl (else
 * with 0, as unlisted), otherwise with the set of its values. */
static void sweep(ds_load_t *l, const piece_t *pc, size_t n, int nlev, bool keep_excl, keys_t *out,
		  uint32_t **outid)
{
	event_t *ev = xmalloc((2 * n + 1) * sizeof(*ev));
	active_t *act = xcalloc((size_t)nlev, sizeof(*act));
	size_t nev = 0, nout = 0, cap = 0;
	uint32_t *key = NULL, *id = NULL;

	for (size_t i = 0; i < n; i++) {
		ev[nev++] = (event_t){pc[i].lo, (uint32_t)i, 1};
		ev[nev++] = (event_t){(uint64_t)pc[i].hi + 1, (uint32_t)i, -1};
	}
	if (nev)
		qsort(ev, nev, sizeof(*ev), event_cmp);
	xgrow((void **)&key, &cap, 1, sizeof(*key));
	id = xmalloc(cap * sizeof(*id));
	key[0] = 0;
	id[0] = 0;
	nout = 1;
	for (size_t i = 0; i < nev;) {
		uint64_t at = ev[i].at;
		uint32_t sid = 0;
		int lev;

		for (; i < nev && ev[i].at == at; i++) {
			const piece_t *p = &pc[ev[i].piece];
			active_add(&act[p->level], p->v, ev[i].d);
		}
		if (at > 0xffffffffu)
			break;
		for (lev = 0; lev < nlev && !act[lev].n && !act[lev].excl; lev++)
			;
		if (lev < nlev)
			sid = act[lev].excl ? (keep_excl ? DS_SET_EXCL : 0)
					    : dataset_load_set(l, act[lev].v, act[lev].n);
		if (sid == id[nout - 1])
			continue;
		if (key[nout - 1] == (uint32_t)at) { /* the same address: the last word counts */
			id[nout - 1] = sid;
			if (nout > 1 && id[nout - 2] == sid)
				nout--;
			continue;
		}
		if (nout == cap) {
			size_t c = cap;
			xgrow((void **)&key, &c, nout + 1, sizeof(*key));
			id = xrealloc(id, c * sizeof(*id));
			cap = c;
		}
		key[nout] = (uint32_t)at;
		id[nout++] = sid;
	}
	for (int k = 0; k < nlev; k++) {
		free(act[k].v);
		free(act[k].cnt);
	}
	free(act);
	free(ev);
	out->key = xrealloc(key, nout * sizeof(*key));
	out->n = nout;
	*outid = xrealloc(id, nout * sizeof(*id));
	keys_index(out);
}

/* The set id of the intervals at q (0 when none). */
static uint32_t iv_get(const keys_t *k, const uint32_t *id, uint32_t q)
{
	return k->n ? id[keys_le(k, q)] : 0;
}

/* ---- the single addresses: sorted, resolved, and stored narrow ---- */

/* The id most addresses have, and how many do not have it. */
static uint32_t mode(const uint32_t *ids, size_t n, uint32_t max, size_t *others)
{
	uint32_t *cnt = xcalloc((size_t)max + 1, sizeof(*cnt)), best = 0;

	for (size_t i = 0; i < n; i++)
		if (++cnt[ids[i]] > cnt[best])
			best = ids[i];
	*others = n - cnt[best];
	free(cnt);
	return best;
}

/* Stores the resolved ids of the single addresses (m->p.key[0..n)), dropping
 * those the intervals already answer the same way; the ids as narrow as they
 * fit, or, when few addresses differ from the rest, only theirs (a feed of
 * ten million addresses with a TXT of its own on one in a hundred keeps a
 * small sorted table of those instead of an id for every address). */
static void singles_store(ip4map_t *m, uint32_t *ids)
{
	size_t w = 0, others = 0;
	uint32_t max = 0;

	for (size_t i = 0; i < m->p.n; i++) {
		uint32_t iv = iv_get(&m->iv, m->ivid, m->p.key[i]);
		if (ids[i] == iv)
			continue;
		m->p.key[w] = m->p.key[i];
		ids[w] = ids[i];
		if (ids[w] > max)
			max = ids[w];
		w++;
	}
	m->p.n = w;
	m->p.key = xrealloc(m->p.key, (w ? w : 1) * sizeof(*m->p.key));
	m->pidw = 0;
	m->pconst = w ? mode(ids, w, max, &others) : 0;
	m->pid = NULL;
	if (others && others * 8 < w * (max < 256 ? 1 : max < 65536 ? 2 : 4)) {
		size_t k = 0;
		m->ex.key = xmalloc(others * sizeof(*m->ex.key));
		m->exid = xmalloc(others * sizeof(*m->exid));
		for (size_t i = 0; i < w; i++)
			if (ids[i] != m->pconst) {
				m->ex.key[k] = m->p.key[i];
				m->exid[k++] = ids[i];
			}
		m->ex.n = k;
		keys_index(&m->ex);
	} else if (others) {
		m->pidw = max < 256 ? 1 : max < 65536 ? 2 : 4;
		m->pid = xmalloc(w * m->pidw);
		for (size_t i = 0; i < w; i++) {
			if (m->pidw == 1)
				((uint8_t *)m->pid)[i] = (uint8_t)ids[i];
			else if (m->pidw == 2)
				((uint16_t *)m->pid)[i] = (uint16_t)ids[i];
			else
				((uint32_t *)m->pid)[i] = ids[i];
		}
	}
	keys_index(&m->p);
}

/* ---- the builder's shared steps ---- */

static int b_start(ds_load_t *l)
{
	l->build = xcalloc(1, sizeof(build_t));
	return 0;
}

static void b_free(void *build)
{
	build_t *b = build;

	if (!b)
		return;
	free(b->s);
	free(b->a32);
	free(b->seqv);
	free(b->pc);
	free(b);
}

/* The default value is the file's own: each file starts with rbldnsd's. */
static void b_file(ds_load_t *l)
{
	l->def = 0;
}

static void add_piece(build_t *b, unsigned level, uint32_t lo, uint64_t count, uint32_t v,
		      uint32_t seq)
{
	if (!count)
		return;
	grow((void **)&b->pc, &b->cappc, b->npc + 1, sizeof(*b->pc));
	b->pc[b->npc++] = (piece_t){lo, (uint32_t)(lo + (count << (8 * level)) - 1), v, seq,
				    (uint8_t)level};
}

static void add_single(build_t *b, uint64_t key)
{
	grow((void **)&b->s, &b->caps, b->ns + 1, sizeof(*b->s));
	b->s[b->ns++] = key;
}

/* The address part of a line (after a '!'), and whether what follows it may
 * follow an address: blanks, a comment, or a value. */
static bool addr_end_ok(const char *e)
{
	return !*e || DS_ISSPACE(*e) || DS_ISCOMMENT(*e) || *e == ':';
}

/* The value of an entry after its address: the scope's default when none. */
static int entry_value(ds_load_t *l, const char *e, uint32_t *v)
{
	while (DS_ISSPACE(*e))
		e++;
	if (!*e || DS_ISCOMMENT(*e)) {
		*v = l->def;
		return 0;
	}
	return dataset_parse_value(l, e, l->def, v);
}

static uint32_t mask4(int bits)
{
	return bits <= 0 ? 0 : bits >= 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
}

/* ---- ip4set ---- */

/* Splits [a, b] as rbldnsd does: whole octets at the coarsest granule that
 * fits, the ragged ends at the finer ones. code is the value + 1 (0: excluded). */
static void set_expand(build_t *b, uint32_t a, uint32_t z, uint32_t code, uint32_t seq)
{
	uint32_t v = code ? code - 1 : DS_NONE;

	for (unsigned lev = 0; lev < 3; lev++) {
		unsigned bits = 8 * lev;
		if ((a | 255u) >= z) {
			if (z - a == 255u)
				add_piece(b, lev + 1, a << bits, 1, v, seq);
			else
				add_piece(b, lev, a << bits, (uint32_t)(z - a + 1u), v, seq);
			return;
		}
		if (a & 255u) {
			add_piece(b, lev, a << bits, 256u - (a & 255u), v, seq);
			a = (a >> 8) + 1;
		} else {
			a >>= 8;
		}
		if ((z & 255u) != 255u) {
			add_piece(b, lev, (z & ~255u) << bits, (z & 255u) + 1, v, seq);
			z = (z >> 8) - 1;
		} else {
			z >>= 8;
		}
	}
	add_piece(b, 3, a << 24, (uint32_t)(z - a + 1u), v, seq);
}

static int set_line(ds_load_t *l, char *s)
{
	build_t *b = l->build;
	bool excl = false;
	uint32_t a, z, v = 0;
	const char *e;
	int bits;

	if (*s == ':')
		return dataset_parse_value(l, s, 0, &l->def);
	if (*s == '!') {
		excl = true;
		s++;
		while (DS_ISSPACE(*s))
			s++;
	}
	bits = dataset_parse_ip4range(s, &a, &z, &e);
	if (bits < 0 || !addr_end_ok(e))
		return dataset_load_fail(l, "invalid address '%.40s' (an address, a.b.c.d/N, a.b.c, "
				    "a.b.c.d-e.f.g.h or a.b.c.d-h)", s);
	a &= mask4(bits); /* a host part in a CIDR is dropped, as rbldnsd -e does */
	if (l->maxrange4 && l->maxrange4 <= z - a) {
		dataset_load_warn(l, "%s:%lu: range of %llu addresses ignored ($MAXRANGE4 %u)", l->file,
			     l->line, (unsigned long long)(z - a) + 1, l->maxrange4);
		return 0;
	}
	if (!excl && entry_value(l, e, &v) < 0)
		return -1;
	l->d->entries++;
	if (a == z) /* the common line: one address */
		add_single(b, (uint64_t)a << 32 | (excl ? 0 : v + 1));
	else
		set_expand(b, a, z, excl ? 0 : v + 1, (uint32_t)l->d->entries);
	return 0;
}

/* The set of the values of one address: its single entries (codes, sorted,
 * 0 first for an exclusion) and the /32 granules of ranges over it (r, a set
 * id with DS_SET_EXCL kept). An exclusion at that level wins. */
static uint32_t set_resolve(ds_load_t *l, const uint64_t *g, size_t n, uint32_t r,
			    uint32_t **tmp, size_t *cap)
{
	size_t k = 0, nr;

	if ((uint32_t)g[0] == 0 || r == DS_SET_EXCL)
		return DS_SET_EXCL;
	nr = r ? dataset_set_n(l->d, r) : 0;
	xgrow((void **)tmp, cap, n + nr, sizeof(**tmp));
	for (size_t i = 0; i < n; i++)
		if (!k || (*tmp)[k - 1] != (uint32_t)g[i] - 1)
			(*tmp)[k++] = (uint32_t)g[i] - 1;
	if (nr) { /* merge, keeping the values in order and distinct */
		const uint32_t *rv = dataset_set_v(l->d, r);
		for (size_t i = 0; i < nr; i++) {
			size_t j = 0;
			while (j < k && (*tmp)[j] < rv[i])
				j++;
			if (j < k && (*tmp)[j] == rv[i])
				continue;
			memmove(*tmp + j + 1, *tmp + j, (k - j) * sizeof(**tmp));
			(*tmp)[j] = rv[i];
			k++;
		}
	}
	return dataset_load_set(l, *tmp, k);
}

/* Groups the sorted single entries by address into m->p with their ids. */
static uint32_t *singles_group(ds_load_t *l, ip4map_t *m, const keys_t *r32, const uint32_t *r32id,
			       bool trie)
{
	build_t *b = l->build;
	uint32_t *ids = xmalloc((b->ns ? b->ns : 1) * sizeof(*ids)), *tmp = NULL, *keys;
	size_t n = 0, captmp = 0;

	/* the keys are written over the front of the 8-byte entries they come from */
	keys = (uint32_t *)b->s;
	for (size_t i = 0; i < b->ns;) {
		uint32_t addr = (uint32_t)(b->s[i] >> 32), id;
		size_t j = i + 1;
		while (j < b->ns && (uint32_t)(b->s[j] >> 32) == addr)
			j++;
		if (trie) { /* the first line of a prefix counts */
			uint32_t v = b->seqv[(uint32_t)b->s[i]];
			id = v == DS_NONE ? DS_SET_EXCL : dataset_load_set1(l, v);
		} else {
			id = set_resolve(l, b->s + i, j - i, r32 ? iv_get(r32, r32id, addr) : 0, &tmp,
					 &captmp);
		}
		keys[n] = addr;
		ids[n++] = id == DS_SET_EXCL ? 0 : id;
		i = j;
	}
	free(tmp);
	m->p.key = xrealloc(b->s, (n ? n : 1) * sizeof(*keys));
	m->p.n = n;
	b->s = NULL;
	b->ns = b->caps = 0;
	return ids;
}

static int set_finish(ds_load_t *l)
{
	build_t *b = l->build;
	ip4map_t *m = xcalloc(1, sizeof(*m));
	keys_t r32 = {0};
	uint32_t *r32id = NULL, *ids;
	size_t n32 = 0;

	/* the /32 granules of ranges first: they answer at the single addresses' level */
	for (size_t i = 0; i < b->npc; i++)
		if (b->pc[i].level == 0) {
			piece_t t = b->pc[n32];
			b->pc[n32++] = b->pc[i];
			b->pc[i] = t;
		}
	if (n32)
		sweep(l, b->pc, n32, 1, true, &r32, &r32id);
	sweep(l, b->pc, b->npc, LEVELS_SET, false, &m->iv, &m->ivid);
	free(b->pc);
	b->pc = NULL;
	sort64(b->s, b->ns, 56);
	ids = singles_group(l, m, n32 ? &r32 : NULL, r32id, false);
	keys_free(&r32);
	free(r32id);
	singles_store(m, ids);
	free(ids);
	l->d->typed = m;
	return 0;
}

const ds_type_t dataset_ip4_set = {
	"ip4set", DS_F_IP4, b_start, b_file, set_line, set_finish, b_free, map_free, map_bytes,
	map_query,
};

/* ---- ip4tset: addresses only, one value ---- */

static void tset_file(ds_load_t *l)
{
	(void)l; /* the dataset's first default line counts, whichever file holds it */
}

static int tset_line(ds_load_t *l, char *s)
{
	build_t *b = l->build;
	const char *e;
	uint32_t a;

	if (*s == ':') {
		if (l->def_seen)
			return 0;
		l->def_seen = true;
		return dataset_parse_value(l, s, 0, &l->def);
	}
	if (dataset_parse_ip4prefix(s, &a, &e) != 32 || !addr_end_ok(e))
		return dataset_load_fail(l, "invalid address '%.40s' (ip4tset holds single addresses)", s);
	l->d->entries++;
	grow((void **)&b->a32, &b->capa32, b->na32 + 1, sizeof(*b->a32));
	b->a32[b->na32++] = a;
	return 0;
}

static int tset_finish(ds_load_t *l)
{
	build_t *b = l->build;
	ip4map_t *m = xcalloc(1, sizeof(*m));
	size_t n = 0;

	sort32(b->a32, b->na32, 24);
	for (size_t i = 0; i < b->na32; i++)
		if (!n || b->a32[n - 1] != b->a32[i])
			b->a32[n++] = b->a32[i];
	m->p.key = xrealloc(b->a32, (n ? n : 1) * sizeof(*m->p.key));
	m->p.n = n;
	b->a32 = NULL;
	m->pconst = dataset_load_set1(l, l->def);
	keys_index(&m->p);
	l->d->typed = m;
	return 0;
}

const ds_type_t dataset_ip4_tset = {
	"ip4tset", DS_F_IP4, b_start, tset_file, tset_line, tset_finish, b_free, map_free, map_bytes,
	map_query,
};

/* ---- ip4trie: CIDR prefixes, the longest answers ---- */

static int trie_line(ds_load_t *l, char *s)
{
	build_t *b = l->build;
	bool excl = false;
	uint32_t a, v = DS_NONE;
	const char *e;
	int bits;

	if (*s == ':')
		return dataset_parse_value(l, s, 0, &l->def);
	if (*s == '!') {
		excl = true;
		s++;
		while (DS_ISSPACE(*s))
			s++;
	}
	bits = dataset_parse_ip4cidr(s, &a, &e);
	if (bits < 0 || !addr_end_ok(e))
		return dataset_load_fail(l, "invalid address '%.40s' (ip4trie takes a.b.c.d/N or a prefix "
				    "such as a.b.c)", s);
	a &= mask4(bits);
	if (l->maxrange4 && l->maxrange4 <= ~mask4(bits)) {
		dataset_load_warn(l, "%s:%lu: range of %llu addresses ignored ($MAXRANGE4 %u)", l->file,
			     l->line, (unsigned long long)~mask4(bits) + 1, l->maxrange4);
		return 0;
	}
	if (!excl && entry_value(l, e, &v) < 0)
		return -1;
	l->d->entries++;
	if (bits == 32) {
		grow((void **)&b->seqv, &b->capseqv, b->nseqv + 1, sizeof(*b->seqv));
		add_single(b, (uint64_t)a << 32 | b->nseqv);
		b->seqv[b->nseqv++] = v;
	} else {
		add_piece(b, 0, a, (uint64_t)1 << (32 - bits), v, (uint32_t)l->d->entries);
		b->pc[b->npc - 1].level = (uint8_t)(32 - bits);
	}
	return 0;
}

static int trie_finish(ds_load_t *l)
{
	build_t *b = l->build;
	ip4map_t *m = xcalloc(1, sizeof(*m));
	size_t n = 0;
	uint32_t *ids;

	/* one value per prefix: the first line of it counts, as in rbldnsd */
	if (b->npc)
		qsort(b->pc, b->npc, sizeof(*b->pc), piece_cmp);
	for (size_t i = 0; i < b->npc; i++)
		if (!n || b->pc[n - 1].lo != b->pc[i].lo || b->pc[n - 1].level != b->pc[i].level)
			b->pc[n++] = b->pc[i];
	sweep(l, b->pc, n, LEVELS_TRIE, false, &m->iv, &m->ivid);
	free(b->pc);
	b->pc = NULL;
	sort64(b->s, b->ns, 56);
	ids = singles_group(l, m, NULL, NULL, true);
	singles_store(m, ids);
	free(ids);
	l->d->typed = m;
	return 0;
}

const ds_type_t dataset_ip4_trie = {
	"ip4trie", DS_F_IP4, b_start, b_file, trie_line, trie_finish, b_free, map_free, map_bytes,
	map_query,
};
