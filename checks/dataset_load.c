/* dataset_load.c -- reading one dataset: its files line by line, $ lines, values and sets made once.
 * The type's builder gets each entry line; the result is read-only data the zone swaps in whole. */
#include "checks/dataset_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/xmalloc.h"

#define LINE_MAX_BYTES 4096    /* rbldnsd's lines hold an address and a 255-byte TXT */
#define READ_CHUNK (1 << 20)
#define ABORT_EVERY 4096       /* lines between looks at the abort flag */

/* ---- the loader's messages ---- */

int dataset_load_fail(ds_load_t *l, const char *fmt, ...)
{
	va_list ap;
	char msg[400];

	if (l->err[0])
		return -1; /* the first error is the one to fix */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->line)
		snprintf(l->err, l->errlen, "%s:%lu: %s", l->file, l->line, msg);
	else
		snprintf(l->err, l->errlen, "%s: %s", l->file, msg);
	return -1;
}

void dataset_load_warn(ds_load_t *l, const char *fmt, ...)
{
	va_list ap;

	if (l->warnings++)
		return;
	va_start(ap, fmt);
	vsnprintf(l->warning, sizeof(l->warning), fmt, ap);
	va_end(ap);
}

bool dataset_load_aborted(const ds_load_t *l)
{
	return l->abort && atomic_load(l->abort);
}

/* ---- values and sets, each made once ---- */

static uint32_t hash_bytes(uint32_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static uint32_t val_hash(uint32_t a, const char *txt, size_t n)
{
	return hash_bytes(hash_bytes(2166136261u, &a, sizeof(a)), txt ? txt : "\001", txt ? n : 1);
}

static void val_rehash(ds_load_t *l)
{
	size_t cap = l->valcap ? l->valcap * 2 : 1024;
	uint32_t *h = xcalloc(cap, sizeof(*h));
	const ds_data_t *d = l->d;

	for (size_t i = 0; i < d->nvals; i++) {
		const char *t = d->vals[i].txt == DS_NONE ? NULL : d->strs + d->vals[i].txt;
		size_t k = val_hash(d->vals[i].a, t, t ? strlen(t) : 0) & (cap - 1);
		while (h[k])
			k = (k + 1) & (cap - 1);
		h[k] = (uint32_t)i + 1;
	}
	free(l->valhash);
	l->valhash = h;
	l->valcap = cap;
}

uint32_t dataset_load_val(ds_load_t *l, uint32_t a, const char *txt, size_t n)
{
	ds_data_t *d = l->d;
	size_t k;

	if (txt && n == 0)
		txt = NULL; /* an empty template answers no TXT record */
	if ((d->nvals + 1) * 2 > l->valcap)
		val_rehash(l);
	for (k = val_hash(a, txt, n) & (l->valcap - 1); l->valhash[k]; k = (k + 1) & (l->valcap - 1)) {
		const ds_val_t *v = &d->vals[l->valhash[k] - 1];
		if (v->a != a || (v->txt == DS_NONE) != !txt)
			continue;
		if (!txt || (!strncmp(d->strs + v->txt, txt, n) && d->strs[v->txt + n] == '\0'))
			return l->valhash[k] - 1;
	}
	xgrow((void **)&d->vals, &d->capvals, d->nvals + 1, sizeof(*d->vals));
	d->vals[d->nvals].a = a;
	d->vals[d->nvals].txt = DS_NONE;
	if (txt) {
		/* txt may be a template already stored (":A" takes the scope's): the growth
		 * below may move it */
		bool inside = d->strs && txt >= d->strs && txt < d->strs + d->nstrs;
		size_t off = inside ? (size_t)(txt - d->strs) : 0;
		xgrow((void **)&d->strs, &d->capstrs, d->nstrs + n + 1, 1);
		if (inside)
			txt = d->strs + off;
		memcpy(d->strs + d->nstrs, txt, n);
		d->strs[d->nstrs + n] = '\0';
		d->vals[d->nvals].txt = (uint32_t)d->nstrs;
		d->nstrs += n + 1;
	}
	l->valhash[k] = (uint32_t)d->nvals + 1;
	return (uint32_t)d->nvals++;
}

static void set_rehash(ds_load_t *l)
{
	size_t cap = l->setcap ? l->setcap * 2 : 1024;
	uint32_t *h = xcalloc(cap, sizeof(*h));
	const ds_data_t *d = l->d;

	for (uint32_t id = 2; id < d->nsets; id++) {
		size_t k = hash_bytes(2166136261u, dataset_set_v(d, id),
				      dataset_set_n(d, id) * sizeof(uint32_t)) & (cap - 1);
		while (h[k])
			k = (k + 1) & (cap - 1);
		h[k] = id + 1;
	}
	free(l->sethash);
	l->sethash = h;
	l->setcap = cap;
}

uint32_t dataset_load_set(ds_load_t *l, const uint32_t *v, size_t n)
{
	ds_data_t *d = l->d;
	size_t k;

	if (n == 1 && v[0] < l->capsingle && l->single[v[0]])
		return l->single[v[0]];
	if ((d->nsets + 1) * 2 > l->setcap)
		set_rehash(l);
	for (k = hash_bytes(2166136261u, v, n * sizeof(*v)) & (l->setcap - 1); l->sethash[k];
	     k = (k + 1) & (l->setcap - 1)) {
		uint32_t id = l->sethash[k] - 1;
		if (dataset_set_n(d, id) == n && !memcmp(dataset_set_v(d, id), v, n * sizeof(*v)))
			return id;
	}
	xgrow((void **)&d->pool, &d->cappool, d->npool + n + 1, sizeof(*d->pool));
	if (n)
		memcpy(d->pool + d->npool, v, n * sizeof(*v));
	d->npool += n;
	/* sets[] holds one more offset than sets: the end of the last */
	xgrow((void **)&d->sets, &d->capsets, d->nsets + 2, sizeof(*d->sets));
	d->sets[d->nsets + 1] = (uint32_t)d->npool;
	l->sethash[k] = (uint32_t)d->nsets + 1;
	if (n == 1) {
		if (v[0] >= l->capsingle) {
			size_t old = l->capsingle;
			xgrow((void **)&l->single, &l->capsingle, (size_t)v[0] + 1, sizeof(*l->single));
			memset(l->single + old, 0, (l->capsingle - old) * sizeof(*l->single));
		}
		l->single[v[0]] = (uint32_t)d->nsets;
	}
	return (uint32_t)d->nsets++;
}

uint32_t dataset_load_set1(ds_load_t *l, uint32_t v)
{
	return dataset_load_set(l, &v, 1);
}

/* ---- one dataset's data ---- */

static ds_data_t *data_new(const ds_type_t *type)
{
	ds_data_t *d = xcalloc(1, sizeof(*d));

	d->type = type;
	d->ttl = DS_DEFAULT_TTL;
	/* value 0: rbldnsd's default, 127.0.0.2 without TXT; sets 0 and 1 are empty */
	xgrow((void **)&d->vals, &d->capvals, 1, sizeof(*d->vals));
	d->vals[0].a = 0x7f000002u;
	d->vals[0].txt = DS_NONE;
	d->nvals = 1;
	xgrow((void **)&d->sets, &d->capsets, 3, sizeof(*d->sets));
	d->sets[0] = d->sets[1] = d->sets[2] = 0;
	d->nsets = 2;
	return d;
}

void dataset_load_data_free(ds_data_t *d)
{
	if (!d)
		return;
	if (d->typed)
		d->type->typed_free(d->typed);
	free(d->vals);
	free(d->strs);
	free(d->pool);
	free(d->sets);
	for (int i = 0; i < DS_SUBST; i++)
		free(d->subst[i]);
	free(d);
}

size_t dataset_load_data_bytes(const ds_data_t *d)
{
	return sizeof(*d) + d->capvals * sizeof(*d->vals) + d->capstrs + d->cappool * sizeof(uint32_t) +
	       d->capsets * sizeof(uint32_t) + (d->typed ? d->type->typed_bytes(d->typed) : 0);
}

/* Gives back what the growth of the arrays left over. */
static void data_shrink(ds_data_t *d)
{
	d->vals = xrealloc(d->vals, d->nvals * sizeof(*d->vals));
	d->capvals = d->nvals;
	if (d->nstrs) {
		d->strs = xrealloc(d->strs, d->nstrs);
		d->capstrs = d->nstrs;
	}
	if (d->npool) {
		d->pool = xrealloc(d->pool, d->npool * sizeof(*d->pool));
		d->cappool = d->npool;
	}
	d->sets = xrealloc(d->sets, (d->nsets + 1) * sizeof(*d->sets));
	d->capsets = d->nsets + 1;
}

/* ---- reading lines ---- */

/* One line, blanks around it removed: a $ line, a comment, or the type's. */
static int one_line(ds_load_t *l, char *s, size_t len)
{
	char *e = s + len;

	while (DS_ISSPACE(*s))
		s++;
	while (e > s && DS_ISSPACE(e[-1]))
		e--;
	*e = '\0';
	if (s[0] == '$' || ((DS_ISCOMMENT(s[0]) || s[0] == ':') && s[1] == '$'))
		return dataset_parse_special(l, s[0] == '$' ? s + 1 : s + 2);
	if (!s[0] || DS_ISCOMMENT(s[0]))
		return 0;
	return l->d->type->line(l, s);
}

/* Checks a line's bytes: text and tabs; bytes of 0x80 and up may be UTF-8 in a TXT. */
static int text_only(ds_load_t *l, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != 0x7f)
			continue;
		if (c == '\t')
			continue;
		if (c == '\r' && i + 1 == len)
			return dataset_load_fail(l, "carriage return at the end of the line: the file has DOS "
					    "line ends, which rbldnsd reads as part of every entry");
		return dataset_load_fail(l, "control byte 0x%02x at column %zu: not a text data file", c,
				    i + 1);
	}
	return 0;
}

/* Processes the whole lines of buf[0, *len) (and at eof the last, unended one);
 * what is left of a line waits at the front of buf for the next read. */
static int lines(ds_load_t *l, char *buf, size_t *len, bool eof)
{
	size_t pos = 0;

	while (pos < *len) {
		char *s = buf + pos, *nl = memchr(s, '\n', *len - pos);
		size_t n = nl ? (size_t)(nl - s) : *len - pos;

		if (!nl && !eof)
			break;
		l->line++;
		if (n > LINE_MAX_BYTES)
			return dataset_load_fail(l, "line is %zu bytes long (at most %d)", n, LINE_MAX_BYTES);
		if (text_only(l, s, n) < 0 || one_line(l, s, n) < 0)
			return -1;
		pos += n + (nl != NULL);
		if (l->line % ABORT_EVERY == 0 && dataset_load_aborted(l))
			return dataset_load_fail(l, "load abandoned");
	}
	memmove(buf, buf + pos, *len - pos);
	*len -= pos;
	if (*len > LINE_MAX_BYTES) {
		l->line++;
		return dataset_load_fail(l, "line is longer than %d bytes", LINE_MAX_BYTES);
	}
	return 0;
}

static void stamp_of(const struct stat *st, ds_stamp_t *s)
{
	s->ok = true;
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = st->st_size;
	s->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

void dataset_load_stamp(const char *path, ds_stamp_t *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (stat(path, &st) == 0)
		stamp_of(&st, s);
}

bool dataset_load_stamp_eq(const ds_stamp_t *a, const ds_stamp_t *b)
{
	if (a->ok != b->ok)
		return false;
	return !a->ok || (a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
			  a->mtime_ns == b->mtime_ns);
}

int dataset_load_file(ds_load_t *l, const char *path, ds_stamp_t *st)
{
	int fd = -1, ret = -1;
	char *buf = NULL;
	size_t len = 0;
	struct stat s0, s1;

	st->ok = false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &s0) < 0) {
		dataset_load_fail(l, "cannot open: %s", strerror(errno));
		goto out;
	}
	stamp_of(&s0, st);
	if (!S_ISREG(s0.st_mode)) {
		dataset_load_fail(l, "not a regular file");
		goto out;
	}
	buf = xmalloc(READ_CHUNK + LINE_MAX_BYTES + 2);
	for (;;) {
		ssize_t r = read(fd, buf + len, READ_CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			dataset_load_fail(l, "cannot read: %s", strerror(errno));
			goto out;
		}
		if (l->line == 0 && len == 0 && r >= 2 && (unsigned char)buf[0] == 0x1f &&
		    (unsigned char)buf[1] == 0x8b) {
			dataset_load_fail(l, "gzip-compressed: blmon reads the plain text (gunzip it first)");
			goto out;
		}
		len += (size_t)r;
		if (lines(l, buf, &len, r == 0) < 0)
			goto out;
		if (r == 0)
			break;
	}
	/* a file rewritten in place while it was read is half old, half new */
	if (fstat(fd, &s1) < 0 || s1.st_size != s0.st_size || s1.st_mtim.tv_sec != s0.st_mtim.tv_sec ||
	    s1.st_mtim.tv_nsec != s0.st_mtim.tv_nsec) {
		l->line = 0;
		dataset_load_fail(l, "changed while it was read (write data files under another name, "
			     "then rename them into place)");
		goto out;
	}
	ret = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

void dataset_load_done(ds_load_t *l)
{
	if (l->build)
		l->d->type->build_free(l->build);
	l->build = NULL;
	free(l->valhash);
	free(l->sethash);
	free(l->single);
	l->valhash = l->sethash = l->single = NULL;
}

void dataset_load_begin(ds_load_t *l, const ds_type_t *type, char *err, size_t errlen,
		       atomic_int *abort_flag)
{
	memset(l, 0, sizeof(*l));
	l->d = data_new(type);
	l->err = err;
	l->errlen = errlen;
	l->abort = abort_flag;
	err[0] = '\0';
}

int dataset_load_end(ds_load_t *l)
{
	l->line = 0;
	if (l->d->type->finish(l) < 0)
		return -1;
	data_shrink(l->d);
	return 0;
}

int dataset_load_text(ds_load_t *l, char *buf, size_t len)
{
	return lines(l, buf, &len, true);
}
