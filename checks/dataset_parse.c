/* dataset_parse.c -- rbldnsd's data syntax: address and range forms, A/TXT values, $ lines, names, TXT.
 * Each rule follows what rbldnsd(8) and its parser accept, so a file means here what it means there. */
#include "checks/dataset_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DIGIT(c) ((c) >= '0' && (c) <= '9')

/* ---- IPv4 ---- */

int dataset_parse_ip4prefix(const char *s, uint32_t *a, const char **end)
{
	int bits = 0;

	*a = 0;
	for (int i = 0; i < 4; i++) {
		unsigned o;

		if (i > 0) {
			if (*s != '.')
				break;
			s++;
		}
		if (!DIGIT(*s)) {
			*end = s;
			return -1;
		}
		o = (unsigned)(*s++ - '0');
		while (DIGIT(*s)) {
			o = o * 10 + (unsigned)(*s++ - '0');
			if (o > 255) {
				*end = s - 1;
				return -1;
			}
		}
		*a |= o << (24 - 8 * i);
		bits += 8;
	}
	*end = s;
	return bits;
}

static uint32_t mask4(int bits)
{
	return bits <= 0 ? 0 : bits >= 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
}

/* "/N", N from 0 to 32. */
static int ip4bits(const char *s, const char **end)
{
	int bits;

	if (!DIGIT(*s)) {
		*end = s;
		return -1;
	}
	bits = *s++ - '0';
	while (DIGIT(*s))
		if ((bits = bits * 10 + (*s++ - '0')) > 32) {
			*end = s - 1;
			return -1;
		}
	*end = s;
	return bits;
}

int dataset_parse_ip4cidr(const char *s, uint32_t *a, const char **end)
{
	int bits = dataset_parse_ip4prefix(s, a, end);

	if (bits < 0)
		return -1;
	if (**end == '/')
		return ip4bits(*end + 1, end);
	return bits == 8 ? -1 : bits; /* a bare number is no address: 10/8 says what it means */
}

int dataset_parse_ip4range(const char *s, uint32_t *a, uint32_t *b, const char **end)
{
	int bits = dataset_parse_ip4prefix(s, a, end), bbits;

	if (bits < 0)
		return -1;
	if (**end == '-') {
		bbits = dataset_parse_ip4prefix(*end + 1, b, end);
		if (bbits < 0)
			return -1;
		if (bbits == 8) {
			/* 127.0.0.1-2: the last octet of the first prefix */
			*b = (*b >> (bits - 8)) | (*a & mask4(bits - 8));
			bbits = bits;
		} else if (bbits != bits) {
			return -1; /* 1.2-1.2.3.4 means nothing */
		}
		*b |= ~mask4(bbits);
		return *a > *b ? -1 : 32;
	}
	if (**end == '/') {
		bits = ip4bits(*end + 1, end);
		if (bits < 0)
			return -1;
	} else if (bits == 8) {
		return -1;
	}
	*b = *a | ~mask4(bits);
	return bits;
}

/* inet_aton's forms for an A value: 2 is 0.0.0.2, 127.2 is 127.0.0.2. */
static int ip4addr(const char *s, uint32_t *a, const char **end)
{
	int bits = dataset_parse_ip4prefix(s, a, end);

	if (bits == 8)
		*a >>= 24;
	else if (bits == 16)
		*a = (*a & 0xff000000u) | ((*a >> 16) & 255);
	else if (bits == 24)
		*a = (*a & 0xffff0000u) | ((*a >> 8) & 255);
	return bits;
}

/* ---- IPv6 ---- */

static int hexval(unsigned char c)
{
	if (DIGIT(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int dataset_parse_ip6prefix(const char *s, uint8_t a[16], const char **end)
{
	unsigned bytes = 0;
	int zstart = -1, ret = -1;

	memset(a, 0, 16);
	if (s[0] == ':' && s[1] == ':') {
		zstart = 0;
		s += 2;
	}
	for (;;) {
		unsigned v = 0;
		const char *w = s;
		int h;

		while ((h = hexval((unsigned char)*s)) >= 0) {
			v = (v << 4) + (unsigned)h;
			if (v > 0xffff)
				break;
			s++;
		}
		if (w == s || v > 0xffff)
			break;
		a[bytes++] = (uint8_t)(v >> 8);
		a[bytes++] = (uint8_t)v;
		if (*s != ':' || bytes + 2 > 16) {
			ret = (int)bytes * 8;
			break;
		}
		s++;
		if (zstart < 0 && *s == ':') {
			zstart = (int)bytes;
			s++;
		}
	}
	if (zstart >= 0) {
		unsigned zeros = 16 - bytes;
		if (zeros == 0) {
			ret = -1; /* "::" with no room left for zeros */
		} else {
			memmove(a + zstart + zeros, a + zstart, bytes - (unsigned)zstart);
			memset(a + zstart, 0, zeros);
			ret = 128;
		}
	}
	*end = s;
	return ret;
}

int dataset_parse_ip6cidr(const char *s, uint8_t a[16], const char **end)
{
	int bits = dataset_parse_ip6prefix(s, a, end);

	if (bits >= 0 && **end == '/') {
		s = *end + 1;
		if (!DIGIT(*s)) {
			*end = s;
			return -1;
		}
		bits = *s++ - '0';
		while (DIGIT(*s))
			if ((bits = bits * 10 + (*s++ - '0')) > 128) {
				*end = s;
				return -1;
			}
		*end = s;
	} else if (bits == 16) {
		bits = -1; /* a bare word is no address */
	}
	return bits;
}

bool dataset_parse_ip6mask(uint8_t a[16], unsigned bits)
{
	bool host = false;
	unsigned i = bits / 8;

	if (i < 16 && bits % 8) {
		uint8_t m = (uint8_t)(0xff << (8 - bits % 8));
		host |= (a[i] & ~m) != 0;
		a[i] &= m;
		i++;
	}
	for (; i < 16; i++) {
		host |= a[i] != 0;
		a[i] = 0;
	}
	return host;
}

size_t dataset_parse_ip6str(const uint8_t a[16], char *out)
{
	unsigned w[8], zstart = 0, nzeros = 0, i;
	size_t n = 0;
	char buf[48];

	for (i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (i = 0; i + nzeros < 8; i++) {
		unsigned nz = 0;
		while (i + nz < 8 && w[i + nz] == 0)
			nz++;
		if (nz > 1 && nz > nzeros) {
			nzeros = nz;
			zstart = i;
		}
	}
	for (i = 0; i < zstart; i++)
		n += (size_t)sprintf(buf + n, ":%x", w[i]);
	if (nzeros) {
		buf[n++] = ':';
		if (zstart == 0)
			buf[n++] = ':';
		if (zstart + nzeros == 8)
			buf[n++] = ':';
	}
	for (i = zstart + nzeros; i < 8; i++)
		n += (size_t)sprintf(buf + n, ":%x", w[i]);
	buf[n] = '\0';
	memcpy(out, buf + 1, n);
	return n - 1;
}

/* ---- values ---- */

int dataset_parse_value(ds_load_t *l, const char *s, uint32_t dval, uint32_t *val)
{
	const ds_val_t *dv = &l->d->vals[dval];
	const char *txt, *end;
	uint32_t a;
	size_t tlen;

	if (*s == ':') {
		int bits = ip4addr(s + 1, &a, &end);
		if (bits <= 0 || !a)
			return dataset_load_fail(l, "invalid A value '%.40s' (e.g. :127.0.0.2:Listed, or :2:)",
					    s);
		if (bits == 8)
			a |= 0x7f000000u; /* ":2" is 127.0.0.2 */
		while (DS_ISSPACE(*end))
			end++;
		if (*end == ':') {
			txt = end + 1;
			while (DS_ISSPACE(*txt))
				txt++;
		} else if (*end) {
			return dataset_load_fail(l, "unrecognized value '%.40s' after the A record (want "
					    ":A:TXT)", end);
		} else {
			/* ":A" alone: the scope's TXT */
			*val = dataset_load_val(l, a, dv->txt == DS_NONE ? NULL : l->d->strs + dv->txt,
					   dv->txt == DS_NONE ? 0 : strlen(l->d->strs + dv->txt));
			return 0;
		}
	} else {
		a = dv->a;
		txt = s;
	}
	tlen = strlen(txt);
	if (tlen > DS_TXT_MAX)
		tlen = DS_TXT_MAX; /* rbldnsd truncates (and so do TXT records) */
	*val = dataset_load_val(l, a, txt, tlen);
	return 0;
}

/* ---- $ lines ---- */

/* The rest of line after word (case-insensitive) and its spaces; NULL when
 * line does not start with word and a space. */
static char *firstword(char *line, const char *word)
{
	size_t n = strlen(word);

	if (strncasecmp(line, word, n) || !DS_ISSPACE(line[n]))
		return NULL;
	line += n;
	while (DS_ISSPACE(*line))
		line++;
	return line;
}

/* A time with an optional unit (s, m, h, d, w), then spaces: rbldnsd's parse_time. */
static char *parse_time(char *s, uint32_t *t)
{
	unsigned long long v = 0, m = 1;

	if (!DIGIT(*s))
		return NULL;
	while (DIGIT(*s)) {
		v = v * 10 + (unsigned)(*s++ - '0');
		if (v > 0xffffffffu)
			return NULL;
	}
	switch (*s) {
	case 'w': case 'W': m = 7 * 86400; s++; break;
	case 'd': case 'D': m = 86400; s++; break;
	case 'h': case 'H': m = 3600; s++; break;
	case 'm': case 'M': m = 60; s++; break;
	case 's': case 'S': s++; break;
	default: break;
	}
	if (v * m > 0xffffffffu)
		return NULL;
	*t = (uint32_t)(v * m);
	if (*s && *s != ':') {
		if (!DS_ISSPACE(*s))
			return NULL;
		while (DS_ISSPACE(*s))
			s++;
	}
	return s;
}

/* One field of a timestamp: up to w digits within [min, max], then an
 * optional ':' or '-'. */
static char *tsfield(char *s, int *out, int min, int max, int w)
{
	int n = 0;

	if (!DIGIT(*s))
		return NULL;
	do
		n = n * 10 + (*s++ - '0');
	while (DIGIT(*s) && --w);
	if (n < min || n > max)
		return NULL;
	if (*s == ':' || *s == '-')
		s++;
	*out = n;
	return s;
}

/* yyyy:mm:dd[:hh[:mi[:ss]]] (delimiters optional), or 0 / - for none. */
static char *parse_timestamp(char *s, int64_t *ts)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, dmax;

	if ((*s == '0' || *s == '-' || *s == ':') && (DS_ISSPACE(s[1]) || !s[1])) {
		*ts = 0;
		s++;
		while (DS_ISSPACE(*s))
			s++;
		return s;
	}
	if (!(s = tsfield(s, &y, 1970, 2038, 4)) || !(s = tsfield(s, &mo, 1, 12, 2)))
		return NULL;
	dmax = mdays[mo - 1] + (mo == 2 && y % 4 == 0 && (y % 100 || y % 400 == 0));
	if (!(s = tsfield(s, &d, 1, dmax, 2)))
		return NULL;
	if (*s && !DS_ISSPACE(*s) && !(s = tsfield(s, &h, 0, 23, 2)))
		return NULL;
	if (*s && !DS_ISSPACE(*s) && !(s = tsfield(s, &mi, 0, 59, 2)))
		return NULL;
	if (*s && !DS_ISSPACE(*s) && !(s = tsfield(s, &sec, 0, 59, 2)))
		return NULL;
	if (*s) {
		if (!DS_ISSPACE(*s))
			return NULL;
		while (DS_ISSPACE(*s))
			s++;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*ts = (int64_t)timegm(&tm);
	return s;
}

static int special_timestamp(ds_load_t *l, char *w)
{
	int64_t stamp, expires = 0, now = (int64_t)time(NULL);

	if (!(w = parse_timestamp(w, &stamp)))
		return dataset_load_fail(l, "invalid $TIMESTAMP (yyyy:mm:dd[:hh[:mi[:ss]]] [expires])");
	if (*w == '+') {
		uint32_t rel;
		if (!(w = parse_time(w + 1, &rel)) || *w || !stamp || !rel)
			return dataset_load_fail(l, "invalid $TIMESTAMP expiry (+TIME after a timestamp)");
		expires = stamp + rel;
	} else if (*w && (!(w = parse_timestamp(w, &expires)) || *w)) {
		return dataset_load_fail(l, "invalid $TIMESTAMP expiry");
	}
	if (stamp > now)
		return dataset_load_fail(l, "data timestamp is %lld s in the future: not loaded",
				    (long long)(stamp - now));
	if (expires && (!l->d->expires || l->d->expires > expires))
		l->d->expires = expires;
	return 0;
}

static int special_maxrange(ds_load_t *l, char *w)
{
	bool cidr = *w == '/';
	char *end;
	unsigned long r;

	w += cidr;
	if (!DIGIT(*w))
		return dataset_load_fail(l, "invalid $MAXRANGE4 (a count like 256, or /24)");
	r = strtoul(w, &end, 10);
	if (*end || !r || r > 0xffffffffu || (cidr && r > 32))
		return dataset_load_fail(l, "invalid $MAXRANGE4 (a count like 256, or /24)");
	if (cidr)
		r = (unsigned long)(~mask4((int)r)) + 1;
	if (l->maxrange4 && l->maxrange4 < r)
		dataset_load_warn(l, "ignoring an attempt to raise $MAXRANGE4 from %u to %lu",
			     l->maxrange4, r);
	else
		l->maxrange4 = (uint32_t)r;
	return 0;
}

int dataset_parse_special(ds_load_t *l, char *line)
{
	char *w;

	if (firstword(line, "soa") || firstword(line, "ns") || firstword(line, "nameserver"))
		return 0; /* they shape rbldnsd's zone, not its answers to an address */
	if ((w = firstword(line, "ttl"))) {
		uint32_t ttl;
		if (!(w = parse_time(w, &ttl)) || *w)
			return dataset_load_fail(l, "invalid $TTL (a time like 300, 35m, 1h)");
		l->d->ttl = ttl ? ttl : DS_DEFAULT_TTL;
		return 0;
	}
	if ((w = firstword(line, "maxrange4")))
		return special_maxrange(l, w);
	if ((DIGIT(line[0]) || line[0] == '=') && DS_ISSPACE(line[1])) {
		int n = line[0] == '=' ? DS_SUBST_BASE : line[0] - '0';
		w = line + 2;
		while (DS_ISSPACE(*w))
			w++;
		if (!*w)
			return dataset_load_fail(l, "empty substitution $%c", line[0]);
		if (!l->d->subst[n]) /* the first assignment counts */
			l->d->subst[n] = strdup(w);
		if (!l->d->subst[n])
			return dataset_load_fail(l, "out of memory");
		return 0;
	}
	if (firstword(line, "dataset"))
		return dataset_load_fail(l, "$DATASET: combined datasets are not read; give each dataset "
				    "as its own dataset = TYPE:PATH");
	if ((w = firstword(line, "timestamp")))
		return special_timestamp(l, w);
	dataset_load_warn(l, "%s:%lu: unrecognized special entry '$%.30s' ignored", l->file, l->line,
		     line);
	return 0;
}

/* ---- names ---- */

unsigned dataset_parse_dn(const char *s, size_t len, uint8_t *dn, size_t cap)
{
	uint8_t *d = dn + 1, *label = d, *m;
	const char *e = s + len;

	if (cap > 255)
		cap = 255;
	m = dn + cap - 1;
	while (s < e) {
		unsigned c = (unsigned char)*s++;
		if (c == '.') {
			size_t n = (size_t)(d - label);
			if (n) { /* empty labels are skipped, as rbldnsd does */
				if (n > 63)
					return 0;
				label[-1] = (uint8_t)n;
				label = ++d;
			}
			continue;
		}
		if (c == '\\') {
			if (s >= e)
				break;
			c = (unsigned char)*s++;
			if (DIGIT(c)) {
				c -= '0';
				if (s < e && DIGIT(*s)) {
					c = c * 10 + (unsigned)(*s++ - '0');
					if (s < e && DIGIT(*s)) {
						c = c * 10 + (unsigned)(*s++ - '0');
						if (c > 255)
							return 0;
					}
				}
			}
		}
		if (d >= m)
			return 0;
		*d++ = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	if (d - label > 63)
		return 0;
	label[-1] = (uint8_t)(d - label);
	if (label[-1])
		*d++ = 0;
	return (unsigned)(d - dn);
}

unsigned dataset_parse_dntop(const uint8_t *dn, char *out, size_t cap)
{
	char *o = out, *m = out + cap - 1;
	unsigned n;

	if (!(n = *dn++)) {
		if (cap < 2)
			return 0;
		out[0] = '.';
		out[1] = '\0';
		return 1;
	}
	do {
		if (o >= m)
			return 0;
		if (o != out)
			*o++ = '.';
		do {
			unsigned char c = *dn++;
			if (c == '"' || c == '.' || c == ';' || c == '\\' || c == '@' || c == '$') {
				if (o + 1 >= m)
					return 0;
				*o++ = '\\';
				*o++ = (char)c;
			} else if (c <= 0x20 || c >= 0x7f) {
				if (o + 3 >= m)
					return 0;
				*o++ = '\\';
				*o++ = (char)('0' + c / 100);
				*o++ = (char)('0' + c % 100 / 10);
				*o++ = (char)('0' + c % 10);
			} else {
				if (o >= m)
					return 0;
				*o++ = (char)c;
			}
		} while (--n);
	} while ((n = *dn++) != 0);
	*o = '\0';
	return (unsigned)(o - out);
}

/* ---- TXT ---- */

size_t dataset_parse_txt(const ds_data_t *d, const char *tmpl, const char *subject, char *out)
{
	const char *base = d->subst[DS_SUBST_BASE], *sx, *t;
	size_t n = 0, max = 254;

	if (tmpl[0] == '=') { /* "=text": this entry does without the base template */
		sx = t = tmpl + 1;
	} else if (base && *base) {
		sx = *tmpl ? tmpl : subject;
		t = base;
	} else {
		sx = t = tmpl;
	}
	while (n < max) {
		const char *dollar = strchr(t, '$'), *ins;
		size_t k = dollar ? (size_t)(dollar - t) : strlen(t), ilen;

		if (k > max - n)
			k = max - n;
		memcpy(out + n, t, k);
		n += k;
		if (!dollar)
			break;
		t = dollar + 1;
		if (*t == '$') {
			ins = t++;
			ilen = 1;
		} else if (DIGIT(*t)) {
			ins = d->subst[*t - '0'];
			if (ins) {
				ilen = strlen(ins);
			} else { /* an unset $N stays as written */
				ins = t - 1;
				ilen = 2;
			}
			t++;
		} else if (*t == '=') {
			ins = sx;
			ilen = strlen(sx);
			t++;
		} else {
			ins = subject;
			ilen = strlen(subject);
		}
		if (ilen > max - n)
			ilen = max - n;
		memcpy(out + n, ins, ilen);
		n += ilen;
	}
	return n;
}
