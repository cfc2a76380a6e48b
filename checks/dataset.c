/* dataset.c -- a zone's datasets: their specs, loads and background reloads, and the union of answers.
 * A load builds new read-only data beside the old and replaces it only whole: a bad file never empties a list. */
#include "checks/dataset.h"

#include <pthread.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/dataset_int.h"
#include "lib/timefmt.h"
#include "lib/xmalloc.h"

#define ERR_MAX 600

static const ds_type_t *const types[DATASET_NTYPES] = {
	[DATASET_IP4SET] = &dataset_ip4_set,   [DATASET_IP4TSET] = &dataset_ip4_tset,
	[DATASET_IP4TRIE] = &dataset_ip4_trie, [DATASET_IP6TRIE] = &dataset_ip6_trie,
	[DATASET_IP6TSET] = &dataset_ip6_tset, [DATASET_DNSET] = &dataset_dn_set,
};

const char *dataset_type_name(dataset_type_t t)
{
	return types[t]->name;
}

int dataset_type_parse(const char *s, dataset_type_t *out)
{
	for (int i = 0; i < DATASET_NTYPES; i++)
		if (!strcmp(s, types[i]->name)) {
			*out = (dataset_type_t)i;
			return 0;
		}
	return -1;
}

/* ---- the zone ---- */

struct spec {
	dataset_type_t type;
	char **files;
	size_t nfiles;
	char *text; /* "TYPE:PATH,PATH" as resolved */
};

/* The data of every dataset of a zone, from one load. */
struct zdata {
	ds_data_t **ds;
	size_t n;
	int64_t loaded_at, newest_mtime;
	uint64_t entries;
	unsigned long warnings;
	char warning[300];
};

struct dataset_zone {
	struct spec *specs;
	size_t n, cap;
	unsigned flags;          /* DS_F_* of its types, and whether a dnset is among them */
	bool dn;
	struct zdata *cur;       /* in use; NULL: never loaded */
	ds_stamp_t *tried;     /* the files as the last load (good or bad) saw them */
	size_t ntried;
	char error[ERR_MAX];     /* the last load's failure */
	int64_t error_since;
	/* the background load */
	pthread_t th;
	bool running;
	atomic_int done, abort;
	struct zdata *next;
	char next_err[ERR_MAX];
	ds_stamp_t *next_tried;
	size_t next_ntried;
};

static void zdata_free(struct zdata *zd)
{
	if (!zd)
		return;
	for (size_t i = 0; i < zd->n; i++)
		dataset_load_data_free(zd->ds[i]);
	free(zd->ds);
	free(zd);
}

dataset_zone_t *dataset_zone_new(void)
{
	return xcalloc(1, sizeof(dataset_zone_t));
}

static void join_reload(dataset_zone_t *z)
{
	if (!z->running)
		return;
	pthread_join(z->th, NULL);
	z->running = false;
}

void dataset_zone_free(dataset_zone_t *z)
{
	if (!z)
		return;
	atomic_store(&z->abort, 1);
	join_reload(z);
	zdata_free(z->next);
	free(z->next_tried);
	zdata_free(z->cur);
	free(z->tried);
	for (size_t i = 0; i < z->n; i++) {
		for (size_t k = 0; k < z->specs[i].nfiles; k++)
			free(z->specs[i].files[k]);
		free(z->specs[i].files);
		free(z->specs[i].text);
	}
	free(z->specs);
	free(z);
}

static size_t nfiles(const dataset_zone_t *z)
{
	size_t n = 0;

	for (size_t i = 0; i < z->n; i++)
		n += z->specs[i].nfiles;
	return n;
}

int dataset_zone_add(dataset_zone_t *z, const char *spec, const char *basedir, char *err,
		     size_t errlen)
{
	const char *colon = strchr(spec, ':'), *p;
	char tname[16];
	struct spec sp;
	size_t capfiles = 0;

	memset(&sp, 0, sizeof(sp));
	if (!colon || (size_t)(colon - spec) >= sizeof(tname)) {
		snprintf(err, errlen, "'%s' is not TYPE:PATH (e.g. ip4set:/var/lib/blmon/zen/sbl.txt)",
			 spec);
		return -1;
	}
	snprintf(tname, sizeof(tname), "%.*s", (int)(colon - spec), spec);
	if (dataset_type_parse(tname, &sp.type) < 0) {
		snprintf(err, errlen, "unknown dataset type '%s' (ip4set, ip4tset, ip4trie, ip6trie, "
			 "ip6tset, dnset)", tname);
		return -1;
	}
	for (p = colon + 1; *p;) {
		size_t n = strcspn(p, ",");
		char *f;
		if (n == 0) {
			snprintf(err, errlen, "'%s': an empty file name", spec);
			goto fail;
		}
		if (p[0] != '/' && basedir && *basedir) {
			size_t bl = strlen(basedir);
			f = xmalloc(bl + n + 2);
			memcpy(f, basedir, bl);
			f[bl] = '/';
			memcpy(f + bl + 1, p, n);
			f[bl + 1 + n] = '\0';
		} else {
			f = xmalloc(n + 1);
			memcpy(f, p, n);
			f[n] = '\0';
		}
		xgrow((void **)&sp.files, &capfiles, sp.nfiles + 1, sizeof(*sp.files));
		sp.files[sp.nfiles++] = f;
		p += n + (p[n] == ',');
	}
	if (!sp.nfiles) {
		snprintf(err, errlen, "'%s': no file named after the type", spec);
		goto fail;
	}
	{
		size_t len = strlen(tname) + 2, used;
		for (size_t i = 0; i < sp.nfiles; i++)
			len += strlen(sp.files[i]) + 1;
		sp.text = xmalloc(len);
		used = (size_t)sprintf(sp.text, "%s:", tname);
		for (size_t i = 0; i < sp.nfiles; i++)
			used += (size_t)sprintf(sp.text + used, "%s%s", i ? "," : "", sp.files[i]);
	}
	xgrow((void **)&z->specs, &z->cap, z->n + 1, sizeof(*z->specs));
	z->specs[z->n++] = sp;
	z->flags |= types[sp.type]->flags;
	z->dn |= sp.type == DATASET_DNSET;
	return 0;
fail:
	for (size_t i = 0; i < sp.nfiles; i++)
		free(sp.files[i]);
	free(sp.files);
	return -1;
}

size_t dataset_zone_count(const dataset_zone_t *z)
{
	return z ? z->n : 0;
}

const char *dataset_zone_spec(const dataset_zone_t *z, size_t i)
{
	return z->specs[i].text;
}

bool dataset_zone_same(const dataset_zone_t *a, const dataset_zone_t *b)
{
	if (!a || !b || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->specs[i].text, b->specs[i].text))
			return false;
	return true;
}

bool dataset_zone_has_ip6(const dataset_zone_t *z)
{
	return z && (z->flags & DS_F_IP6);
}

/* Loads every dataset of z into *out; the files' stamps go to st (one per
 * file, in order) whatever happens: as they were read, or as they are now for
 * the files a failure left unread. 0, or -1 with err. */
static int load_all(const dataset_zone_t *z, struct zdata **out, ds_stamp_t *st, char *err,
		    size_t errlen, atomic_int *abort_flag)
{
	struct zdata *zd = xcalloc(1, sizeof(*zd));
	size_t k = 0;
	ds_load_t l;
	int ret = -1;

	*out = NULL;
	zd->ds = xcalloc(z->n ? z->n : 1, sizeof(*zd->ds));
	memset(&l, 0, sizeof(l));
	for (size_t i = 0; i < z->n; i++) {
		const struct spec *sp = &z->specs[i];
		dataset_load_begin(&l, types[sp->type], err, errlen, abort_flag);
		l.file = sp->files[0];
		if (l.d->type->start(&l) < 0)
			goto out;
		for (size_t f = 0; f < sp->nfiles; f++) {
			l.file = sp->files[f];
			l.line = 0;
			l.d->type->file(&l);
			if (dataset_load_file(&l, sp->files[f], &st[k++]) < 0)
				goto out;
			if (st[k - 1].mtime_ns / 1000000000 > zd->newest_mtime)
				zd->newest_mtime = st[k - 1].mtime_ns / 1000000000;
		}
		if (dataset_load_end(&l) < 0)
			goto out;
		zd->entries += l.d->entries;
		if (l.warnings && !zd->warnings)
			snprintf(zd->warning, sizeof(zd->warning), "%s", l.warning);
		zd->warnings += l.warnings;
		zd->ds[zd->n++] = l.d;
		dataset_load_done(&l);
		l.d = NULL;
	}
	zd->loaded_at = (int64_t)time(NULL);
	*out = zd;
	zd = NULL;
	ret = 0;
out:
	for (size_t i = 0, j = 0; i < z->n; i++)
		for (size_t f = 0; f < z->specs[i].nfiles; f++, j++)
			if (j >= k)
				dataset_load_stamp(z->specs[i].files[f], &st[j]);
	if (ret < 0 && l.d) {
		dataset_load_done(&l);
		dataset_load_data_free(l.d);
	}
	zdata_free(zd);
	return ret;
}

/* Records a load's outcome: its data (or its failure) and the files as it saw them. */
static int take(dataset_zone_t *z, struct zdata *zd, ds_stamp_t *st, const char *err)
{
	free(z->tried);
	z->tried = st;
	z->ntried = nfiles(z);
	if (!zd) {
		if (!z->error_since)
			z->error_since = (int64_t)time(NULL);
		snprintf(z->error, sizeof(z->error), "%s", err);
		return -1;
	}
	zdata_free(z->cur);
	z->cur = zd;
	z->error[0] = '\0';
	z->error_since = 0;
	return 0;
}

int dataset_zone_load(dataset_zone_t *z, char *err, size_t errlen)
{
	struct zdata *zd = NULL;
	ds_stamp_t *st = xcalloc(nfiles(z) + 1, sizeof(*st));
	char e[ERR_MAX];

	join_reload(z); /* a synchronous load wins over one in the background */
	zdata_free(z->next);
	z->next = NULL;
	if (load_all(z, &zd, st, e, sizeof(e), &z->abort) < 0) {
		snprintf(err, errlen, "%s", e);
		return take(z, NULL, st, e);
	}
	err[0] = '\0';
	return take(z, zd, st, "");
}

int dataset_zone_load_text(dataset_zone_t *z, dataset_type_t t, const char *name,
			   const char *text, size_t len, char *err, size_t errlen)
{
	ds_load_t l;
	struct zdata *zd = NULL;
	char *buf = xmalloc(len + 1), e[ERR_MAX];
	size_t n = len;
	int ret = -1;

	memcpy(buf, text, len);
	buf[len] = '\0';
	for (size_t i = 0; i < z->n; i++) { /* a text zone has this one dataset only */
		for (size_t k = 0; k < z->specs[i].nfiles; k++)
			free(z->specs[i].files[k]);
		free(z->specs[i].files);
		free(z->specs[i].text);
	}
	z->n = 0;
	z->flags = 0;
	z->dn = false;
	{
		char spec[300];
		snprintf(spec, sizeof(spec), "%s:%s", types[t]->name, name);
		if (dataset_zone_add(z, spec, NULL, e, sizeof(e)) < 0)
			goto out;
	}
	dataset_load_begin(&l, types[t], e, sizeof(e), NULL);
	l.file = name;
	if (l.d->type->start(&l) < 0)
		goto fail;
	l.d->type->file(&l);
	if (dataset_load_text(&l, buf, n) < 0 || dataset_load_end(&l) < 0)
		goto fail;
	zd = xcalloc(1, sizeof(*zd));
	zd->ds = xcalloc(1, sizeof(*zd->ds));
	zd->ds[zd->n++] = l.d;
	zd->entries = l.d->entries;
	zd->warnings = l.warnings;
	snprintf(zd->warning, sizeof(zd->warning), "%s", l.warning);
	zd->loaded_at = (int64_t)time(NULL);
	dataset_load_done(&l);
	l.d = NULL;
	ret = take(z, zd, xcalloc(2, sizeof(ds_stamp_t)), "");
	goto out;
fail:
	dataset_load_done(&l);
	dataset_load_data_free(l.d);
	take(z, NULL, xcalloc(2, sizeof(ds_stamp_t)), e);
out:
	snprintf(err, errlen, "%s", ret < 0 ? e : "");
	free(buf);
	return ret;
}

bool dataset_zone_changed(const dataset_zone_t *z)
{
	size_t j = 0;

	if (!z->tried)
		return true;
	for (size_t i = 0; i < z->n; i++)
		for (size_t f = 0; f < z->specs[i].nfiles; f++, j++) {
			ds_stamp_t now;
			dataset_load_stamp(z->specs[i].files[f], &now);
			if (j >= z->ntried || !dataset_load_stamp_eq(&now, &z->tried[j]))
				return true;
		}
	return false;
}

static void *reload_main(void *arg)
{
	dataset_zone_t *z = arg;

	load_all(z, &z->next, z->next_tried, z->next_err, sizeof(z->next_err), &z->abort);
	atomic_store(&z->done, 1);
	return NULL;
}

int dataset_zone_reload_start(dataset_zone_t *z)
{
	if (z->running)
		return 0;
	atomic_store(&z->done, 0);
	z->next = NULL;
	z->next_err[0] = '\0';
	free(z->next_tried);
	z->next_tried = xcalloc(nfiles(z) + 1, sizeof(*z->next_tried));
	if (pthread_create(&z->th, NULL, reload_main, z) != 0)
		return -1;
	z->running = true;
	return 0;
}

/* Takes in what a joined background load left. */
static int collect(dataset_zone_t *z, char *err, size_t errlen)
{
	struct zdata *zd = z->next;

	z->next = NULL;
	if (!zd)
		snprintf(err, errlen, "%s", z->next_err);
	take(z, zd, z->next_tried, z->next_err);
	z->next_tried = NULL;
	return zd ? 1 : -1;
}

int dataset_zone_reload_poll(dataset_zone_t *z, char *err, size_t errlen)
{
	err[0] = '\0';
	if (!z->running || !atomic_load(&z->done))
		return 0;
	join_reload(z);
	return collect(z, err, errlen);
}

bool dataset_zone_reloading(const dataset_zone_t *z)
{
	return z->running;
}

bool dataset_zone_adopt(dataset_zone_t *z, dataset_zone_t *old)
{
	char e[ERR_MAX];

	if (!old || !dataset_zone_same(z, old))
		return false;
	if (old->running) {
		join_reload(old);
		collect(old, e, sizeof(e));
	}
	zdata_free(z->cur);
	z->cur = old->cur;
	old->cur = NULL;
	free(z->tried);
	z->tried = old->tried;
	z->ntried = old->ntried;
	old->tried = NULL;
	old->ntried = 0;
	memcpy(z->error, old->error, sizeof(z->error));
	z->error_since = old->error_since;
	return true;
}

void dataset_zone_info(const dataset_zone_t *z, dataset_zone_info_t *out)
{
	memset(out, 0, sizeof(*out));
	out->error = z->error;
	out->error_since = z->error_since;
	out->warning = "";
	if (!z->cur)
		return;
	out->loaded = true;
	out->loaded_at = z->cur->loaded_at;
	out->newest_mtime = z->cur->newest_mtime;
	out->entries = z->cur->entries;
	out->warnings = z->cur->warnings;
	out->warning = z->cur->warning;
	out->bytes = sizeof(*z->cur);
	for (size_t i = 0; i < z->cur->n; i++) {
		out->bytes += dataset_load_data_bytes(z->cur->ds[i]);
		if (z->cur->ds[i]->expires &&
		    (!out->expires || z->cur->ds[i]->expires < out->expires))
			out->expires = z->cur->ds[i]->expires;
	}
}

bool dataset_zone_usable(const dataset_zone_t *z, int64_t now, char *why, size_t len)
{
	dataset_zone_info_t in;

	dataset_zone_info(z, &in);
	if (!in.loaded) {
		snprintf(why, len, "no data loaded%s%s", in.error[0] ? ": " : "", in.error);
		return false;
	}
	if (in.expires && now > in.expires) {
		char ts[TIMEFMT_MAX];
		timefmt_human(in.expires, ts);
		snprintf(why, len, "the data expired at %s ($TIMESTAMP)", ts);
		return false;
	}
	why[0] = '\0';
	return true;
}

/* ---- answers ---- */

/* The name asked under the zone, in wire form, for dnset: the reversed
 * address, or the domain. Returns its length. */
static unsigned query_dn(const target_t *t, uint8_t *dn)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t *p = dn;

	if (t->type == TARGET_IPV4) {
		for (int i = 3; i >= 0; i--) {
			int n = sprintf((char *)p + 1, "%u", t->addr[i]);
			*p = (uint8_t)n;
			p += n + 1;
		}
	} else if (t->type == TARGET_IPV6) {
		for (int i = 15; i >= 0; i--) {
			p[0] = 1;
			p[1] = (uint8_t)hex[t->addr[i] & 15];
			p[2] = 1;
			p[3] = (uint8_t)hex[t->addr[i] >> 4];
			p += 4;
		}
	} else {
		return dataset_parse_dn(t->name, strlen(t->name), dn, 256);
	}
	*p++ = 0;
	return (unsigned)(p - dn);
}

/* A name of 4 numeric labels (each up to 255) as an IPv4 address, as rbldnsd reads one. */
static bool dn_ip4(const uint8_t *dn, unsigned labels, uint32_t *a)
{
	uint32_t v = 0;

	if (labels != 4)
		return false;
	for (int i = 0; i < 4; i++) {
		unsigned n = *dn++, o = 0;
		if (n < 1 || n > 3)
			return false;
		for (unsigned k = 0; k < n; k++, dn++) {
			if (*dn < '0' || *dn > '9')
				return false;
			o = o * 10 + (unsigned)(*dn - '0');
		}
		if (o > 255)
			return false;
		v |= o << (8 * i);
	}
	*a = v;
	return true;
}

static unsigned dn_labels(const uint8_t *dn)
{
	unsigned n = 0;

	while (*dn) {
		n++;
		dn += *dn + 1;
	}
	return n;
}

/* What rbldnsd reads from the name asked: an IPv4 address (4 labels), an
 * IPv6 address (32 nibbles; with IPv4 data also the address inside a 6to4 or
 * IPv4-mapped one), and the name itself. */
static void query_of(const dataset_zone_t *z, const target_t *t, ds_query_t *q, uint8_t *dnbuf)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(q, 0, sizeof(*q));
	if (z->dn || t->type == TARGET_DOMAIN) {
		q->dnlen = query_dn(t, dnbuf);
		q->dn = dnbuf;
		q->dnlab = q->dnlen ? dn_labels(dnbuf) : 0;
	}
	if (t->type == TARGET_IPV4) {
		q->ip4valid = true;
		q->ip4 = (uint32_t)t->addr[0] << 24 | (uint32_t)t->addr[1] << 16 |
			 (uint32_t)t->addr[2] << 8 | t->addr[3];
	} else if (t->type == TARGET_IPV6) {
		q->ip6valid = true;
		memcpy(q->ip6, t->addr, 16);
		if (z->flags & DS_F_IP4) {
			if (t->addr[0] == 0x20 && t->addr[1] == 0x02) { /* 6to4, RFC 3056 */
				q->ip4valid = true;
				q->ip4 = (uint32_t)t->addr[2] << 24 | (uint32_t)t->addr[3] << 16 |
					 (uint32_t)t->addr[4] << 8 | t->addr[5];
			} else if (!memcmp(t->addr, mapped, 12)) {
				q->ip4valid = true;
				q->ip6valid = false;
				q->ip4 = (uint32_t)t->addr[12] << 24 | (uint32_t)t->addr[13] << 16 |
					 (uint32_t)t->addr[14] << 8 | t->addr[15];
			}
		}
	} else if (q->dnlen) {
		q->ip4valid = dn_ip4(q->dn, q->dnlab, &q->ip4);
	}
}

int dataset_zone_query(const dataset_zone_t *z, const target_t *t, dataset_answer_t *ans)
{
	const struct zdata *zd = z->cur;
	uint8_t dnbuf[260];
	ds_query_t q;

	ans->found = false;
	ans->na = ans->nhits = 0;
	ans->ttl = 0;
	if (!zd)
		return -1;
	query_of(z, t, &q, dnbuf);
	ans->ip4 = q.ip4;
	memcpy(ans->ip6, q.ip6, 16);
	for (size_t i = 0; i < zd->n; i++) {
		const ds_data_t *d = zd->ds[i];
		ds_hit_t hit;
		const uint32_t *v;
		size_t nv;

		if (!d->type->query(d, &q, &hit) || hit.set <= DS_SET_EXCL)
			continue;
		if (!ans->found || d->ttl < ans->ttl)
			ans->ttl = d->ttl;
		ans->found = true;
		if (ans->nhits < DATASET_ANSWER_MAX) {
			ans->hits[ans->nhits].data = d;
			ans->hits[ans->nhits].set = hit.set;
			ans->hits[ans->nhits++].name = hit.name;
		}
		v = dataset_set_v(d, hit.set);
		nv = dataset_set_n(d, hit.set);
		for (size_t k = 0; k < nv; k++) {
			uint32_t a = d->vals[v[k]].a;
			size_t j = 0;
			while (j < ans->na && ans->a[j] != a)
				j++;
			if (j == ans->na && ans->na < DATASET_ANSWER_MAX)
				ans->a[ans->na++] = a;
		}
	}
	return ans->found ? 1 : 0;
}

unsigned dataset_answer_txt(const dataset_answer_t *ans, char *buf, size_t len, size_t *used)
{
	unsigned n = 0;

	*used = 0;
	for (size_t h = 0; h < ans->nhits; h++) {
		const ds_data_t *d = ans->hits[h].data;
		const uint32_t *v = dataset_set_v(d, ans->hits[h].set);
		size_t nv = dataset_set_n(d, ans->hits[h].set);
		char subject[1100], rec[256];

		if (ans->hits[h].name) {
			dataset_parse_dntop(ans->hits[h].name, subject, sizeof(subject));
		} else if (d->type->flags & DS_F_IP6) {
			dataset_parse_ip6str(ans->ip6, subject);
		} else {
			uint8_t a[4] = {(uint8_t)(ans->ip4 >> 24), (uint8_t)(ans->ip4 >> 16),
					(uint8_t)(ans->ip4 >> 8), (uint8_t)ans->ip4};
			target_t t;
			target_from_addr(AF_INET, a, &t); /* the one IPv4 formatter, without printf */
			memcpy(subject, t.name, strlen(t.name) + 1);
		}
		for (size_t k = 0; k < nv; k++) {
			const ds_val_t *val = &d->vals[v[k]];
			size_t rl, o = 0;
			bool dup = false;

			/* an empty template still takes the base template ($=) when there is one */
			rl = dataset_parse_txt(d, val->txt == DS_NONE ? "" : d->strs + val->txt, subject,
					       rec);
			if (!rl)
				continue; /* rbldnsd answers no empty TXT record */
			for (unsigned r = 0; r < n && !dup; r++) { /* nor the same record twice */
				size_t l = strlen(buf + o);
				dup = l == rl && !memcmp(buf + o, rec, rl);
				o += l + 1;
			}
			if (dup || *used + rl + 1 > len)
				continue;
			memcpy(buf + *used, rec, rl);
			buf[*used + rl] = '\0';
			*used += rl + 1;
			n++;
		}
	}
	return n;
}
