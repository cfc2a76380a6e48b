/* dataset_dn.c -- rbldnsd's dnset: domain names and wildcards in two hash tables of wire-form names.
 * An exact name answers first (an exclusion too); else the longest wildcard suffix, as rbldnsd searches. */
#include "checks/dataset_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

typedef struct {
	uint32_t hash;
	uint32_t name;   /* offset of the wire-form name in names */
	uint32_t set;
} dnent_t;

/* One table: plain names, or the suffixes of wildcards. */
typedef struct {
	dnent_t *e;
	size_t n, cap;
	uint32_t *slot;  /* entry index + 1, 0: free */
	size_t nslot;
	unsigned minlab, maxlab;
} dntab_t;

typedef struct {
	dntab_t t[2];    /* 0: plain, 1: wildcard */
	uint8_t *names;
	size_t nnames, capnames;
	/* while loading: (table << 63 | entry << 32 | value code) per line */
	uint64_t *rec;
	size_t nrec, caprec;
} dnset_t;

static uint32_t dn_hash(const uint8_t *dn, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ dn[i]) * 16777619u;
	return h;
}

static unsigned dn_labels(const uint8_t *dn)
{
	unsigned n = 0;

	for (; *dn; dn += *dn + 1)
		n++;
	return n;
}

static void tab_rehash(dnset_t *s, dntab_t *t)
{
	size_t cap = t->nslot ? t->nslot * 2 : 256;

	free(t->slot);
	t->slot = xcalloc(cap, sizeof(*t->slot));
	t->nslot = cap;
	for (size_t i = 0; i < t->n; i++) {
		size_t k = t->e[i].hash & (cap - 1);
		while (t->slot[k])
			k = (k + 1) & (cap - 1);
		t->slot[k] = (uint32_t)i + 1;
	}
	(void)s;
}

static const dnent_t *tab_find(const dnset_t *s, const dntab_t *t, const uint8_t *dn, size_t len)
{
	uint32_t h;

	if (!t->n)
		return NULL;
	h = dn_hash(dn, len);
	for (size_t k = h & (t->nslot - 1); t->slot[k]; k = (k + 1) & (t->nslot - 1)) {
		const dnent_t *e = &t->e[t->slot[k] - 1];
		if (e->hash == h && !memcmp(s->names + e->name, dn, len))
			return e;
	}
	return NULL;
}

/* The entry of dn in table t, made when new; its name is stored once for both tables. */
static uint32_t tab_add(dnset_t *s, dntab_t *t, const uint8_t *dn, size_t len, uint32_t *name)
{
	const dnent_t *e = tab_find(s, t, dn, len);
	uint32_t h = dn_hash(dn, len);
	unsigned lab = dn_labels(dn);
	size_t k;

	if (e)
		return (uint32_t)(e - t->e);
	if ((t->n + 1) * 2 > t->nslot)
		tab_rehash(s, t);
	if (*name == DS_NONE) {
		xgrow((void **)&s->names, &s->capnames, s->nnames + len, 1);
		memcpy(s->names + s->nnames, dn, len);
		*name = (uint32_t)s->nnames;
		s->nnames += len;
	}
	xgrow((void **)&t->e, &t->cap, t->n + 1, sizeof(*t->e));
	t->e[t->n] = (dnent_t){h, *name, DS_SET_NONE};
	for (k = h & (t->nslot - 1); t->slot[k]; k = (k + 1) & (t->nslot - 1))
		;
	t->slot[k] = (uint32_t)t->n + 1;
	if (!t->n || lab < t->minlab)
		t->minlab = lab;
	if (lab > t->maxlab)
		t->maxlab = lab;
	return (uint32_t)t->n++;
}

static int dn_start(ds_load_t *l)
{
	l->build = xcalloc(1, sizeof(dnset_t)); /* becomes the typed structure */
	return 0;
}

static void dn_free(void *p)
{
	dnset_t *s = p;

	if (!s)
		return;
	for (int i = 0; i < 2; i++) {
		free(s->t[i].e);
		free(s->t[i].slot);
	}
	free(s->names);
	free(s->rec);
	free(s);
}

static void dn_file(ds_load_t *l)
{
	l->def = 0;
}

static int dn_line(ds_load_t *l, char *s)
{
	dnset_t *ds = l->build;
	uint8_t dn[256];
	bool excl = false, wild, plain;
	uint32_t v = 0, name = DS_NONE;
	char *e;
	unsigned len;

	if (*s == ':')
		return dataset_parse_value(l, s, 0, &l->def);
	if (*s == '!') {
		excl = true;
		s++;
		while (DS_ISSPACE(*s))
			s++;
	}
	/* .name lists the name and below it; *.name only below it */
	if (*s == '.') {
		wild = plain = true;
		s++;
	} else if (s[0] == '*' && s[1] == '.') {
		wild = true;
		plain = false;
		s += 2;
	} else {
		wild = false;
		plain = true;
	}
	for (e = s; *e && !DS_ISSPACE(*e); e++)
		;
	len = e > s ? dataset_parse_dn(s, (size_t)(e - s), dn, sizeof(dn)) : 0;
	if (len <= 1)
		return dataset_load_fail(l, "invalid domain name '%.60s'", s);
	if (!excl) {
		while (DS_ISSPACE(*e))
			e++;
		if (!*e || DS_ISCOMMENT(*e))
			v = l->def;
		else if (dataset_parse_value(l, e, l->def, &v) < 0)
			return -1;
	}
	l->d->entries++;
	for (int t = 0; t < 2; t++) {
		uint32_t ent;
		if (!(t ? wild : plain))
			continue;
		ent = tab_add(ds, &ds->t[t], dn, len, &name);
		xgrow((void **)&ds->rec, &ds->caprec, ds->nrec + 1, sizeof(*ds->rec));
		ds->rec[ds->nrec++] = (uint64_t)t << 63 | (uint64_t)ent << 32 | (excl ? 0 : v + 1);
	}
	return 0;
}

static int rec_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

static int dn_finish(ds_load_t *l)
{
	dnset_t *s = l->build;
	uint32_t *tmp = NULL;
	size_t cap = 0;

	/* the values of each entry: in value order, distinct; an exclusion hides all */
	if (s->nrec)
		qsort(s->rec, s->nrec, sizeof(*s->rec), rec_cmp);
	for (size_t i = 0; i < s->nrec;) {
		uint64_t key = s->rec[i] >> 32;
		size_t j = i, k = 0;
		bool excl = (uint32_t)s->rec[i] == 0;
		while (j < s->nrec && s->rec[j] >> 32 == key) {
			uint32_t v = (uint32_t)s->rec[j] - 1;
			xgrow((void **)&tmp, &cap, k + 1, sizeof(*tmp));
			if (!excl && (!k || tmp[k - 1] != v))
				tmp[k++] = v;
			j++;
		}
		s->t[key >> 31].e[key & 0x7fffffff].set = excl ? DS_SET_EXCL : dataset_load_set(l, tmp, k);
		i = j;
	}
	free(tmp);
	free(s->rec);
	s->rec = NULL;
	s->nrec = s->caprec = 0;
	l->d->typed = s;
	l->build = NULL;
	return 0;
}

static size_t dn_bytes(const void *p)
{
	const dnset_t *s = p;
	size_t n = sizeof(*s) + s->capnames;

	for (int i = 0; i < 2; i++)
		n += s->t[i].cap * sizeof(dnent_t) + s->t[i].nslot * sizeof(uint32_t);
	return n;
}

static int dn_query(const ds_data_t *d, const ds_query_t *q, ds_hit_t *hit)
{
	const dnset_t *s = d->typed;
	const dntab_t *w = &s->t[1];
	const dnent_t *e;
	const uint8_t *dn = q->dn;
	unsigned len = q->dnlen, lab = q->dnlab;

	if (!dn || !lab)
		return 0;
	e = tab_find(s, &s->t[0], dn, len);
	if (!e && w->n) {
		/* at least the wildcard's own label goes, then all beyond its longest */
		do {
			len -= *dn + 1u;
			dn += *dn + 1;
			lab--;
		} while (lab > w->maxlab);
		for (; !e && lab >= w->minlab && lab; lab--) {
			e = tab_find(s, w, dn, len);
			len -= *dn + 1u;
			dn += *dn + 1;
		}
	}
	if (!e)
		return 0;
	hit->set = e->set;
	hit->name = s->names + e->name;
	return e->set > DS_SET_EXCL;
}

const ds_type_t dataset_dn_set = {
	"dnset", 0, dn_start, dn_file, dn_line, dn_finish, dn_free, dn_free, dn_bytes, dn_query,
};
