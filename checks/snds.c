/* snds.c -- Microsoft SNDS documents: a strict, header-free CSV reader, the ranges and lines it holds, results.
 * A document is trusted only whole; one that is not current (its fetch failed) never makes a target clean. */
#include "checks/snds.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/errbuf.h"
#include "lib/xmalloc.h"

/* The columns, by position (the documents have no header line). ipStatus.aspx: first IP, last
 * IP, blocked ("Yes"), details -- dnsbl-reference.md section 7, as sndslib (undersfx/sndslib,
 * tests/conftest.py) receives it: "1.1.1.0,1.1.1.1,Yes,Blocked due to user complaints or other
 * evidence of spamming\r\n". data.aspx: IP address, activity start, activity end, RCPT
 * commands, DATA commands, message recipients, filter result, complaint rate, trap message
 * start, trap message end, trap hits, sample HELO, JMR P1 sender, comments -- the columns of
 * SNDS's own data view (its "Trap message period" and "Activity period" split into start and
 * end in the automated access), 14 fields, as in sndslib's fixture "1.1.1.0,12/31/2019 8:00
 * AM,9/29/2020 9:00 PM,14129,14129,13025,GREEN,< 0.1%,9/29/2020 8:07 AM,9/29/2020 12:03
 * PM,41,,,\r\n". Every record, the last one included, ends with CRLF. */
enum { IS_FIRST, IS_LAST, IS_BLOCKED, IS_DETAILS, IS_NCOLS };
enum {
	D_IP, D_START, D_END, D_RCPT, D_DATA, D_RECIPIENTS, D_FILTER, D_COMPLAINT, D_TRAP_START,
	D_TRAP_END, D_TRAP_HITS, D_HELO, D_SENDER, D_COMMENTS, D_NCOLS
};

#define MAX_COLS 16 /* fields kept per record: the most either document needs */
#define LISTED_RED 0x7f000002u    /* the catalog's codes of the SNDS lists (catalog_data.c) */
#define LISTED_YELLOW 0x7f000003u
#define LISTED_BLOCKED 0x7f000002u

struct srange {
	uint8_t fam; /* 4 or 6 */
	uint8_t first[16], last[16];
	uint32_t details; /* offset into strs */
};

struct srow {
	uint8_t fam;
	uint8_t addr[16];
	uint8_t filter;
	uint32_t idx; /* its line, to keep the first of duplicates */
	uint32_t start, end, complaint, trap_start, trap_end, helo, sender, comments; /* strs */
	uint64_t rcpt, data, recipients, trap_hits;
	double complaint_rate;
};

struct sdoc {
	bool loaded;
	struct srange *ranges;
	size_t nranges, capranges;
	struct srow *rows;
	size_t nrows, caprows;
	/* every string of the document in one block: one free, no per-line malloc */
	char *strs;
	size_t strslen, strscap;
	bool current;
	char why[320];
};

struct snds {
	size_t n;
	struct sdoc (*docs)[SNDS_NDOCS];
};

/* ---- names, keys, URLs ---- */

const char *snds_doc_name(snds_doc_t d)
{
	return d == SNDS_IPSTATUS ? "ipStatus.aspx" : "data.aspx";
}

snds_doc_t snds_list_doc(const catalog_list_t *l)
{
	return l && l->id && !strcmp(l->id, SNDS_LIST_FILTER) ? SNDS_DATA : SNDS_IPSTATUS;
}

dnsbl_health_t snds_fetch_health(long http_code)
{
	return http_code == 401 || http_code == 403 ? HEALTH_REFUSED : HEALTH_UNREACHABLE;
}

const char *snds_filter_name(snds_filter_t f)
{
	static const char *const names[] = {"GREEN", "YELLOW", "RED"};
	return (unsigned)f <= SNDS_RED ? names[f] : "GREEN";
}

bool snds_key_valid(const char *key)
{
	size_t n = key ? strlen(key) : 0;

	if (n < 8 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)key[i]) && key[i] != '-')
			return false;
	return true;
}

int snds_url(const char *base, snds_doc_t doc, const char *key, char *buf, size_t len)
{
	size_t n = strlen(base);
	int w = snprintf(buf, len, "%s%s%s?key=%s", base, n && base[n - 1] == '/' ? "" : "/",
			 snds_doc_name(doc), key);

	return w < 0 || (size_t)w >= len ? -1 : 0;
}

void snds_account_id(const char *key, char *buf)
{
	uint64_t x = 14695981039346656037ull; /* FNV-1a: an identity, not a protection */

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		x = (x ^ *p) * 1099511628211ull;
	snprintf(buf, SNDS_ACCOUNT_MAX, "snds:%016llx", (unsigned long long)x);
}

/* ---- the set ---- */

snds_t *snds_new(size_t naccounts)
{
	snds_t *s = xcalloc(1, sizeof(*s));

	s->n = naccounts ? naccounts : 1;
	s->docs = xcalloc(s->n, sizeof(*s->docs));
	for (size_t i = 0; i < s->n; i++)
		for (int d = 0; d < SNDS_NDOCS; d++)
			snprintf(s->docs[i][d].why, sizeof(s->docs[i][d].why), "not fetched yet");
	return s;
}

static void doc_free(struct sdoc *d)
{
	free(d->ranges);
	free(d->rows);
	free(d->strs);
}

void snds_free(snds_t *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		for (int d = 0; d < SNDS_NDOCS; d++)
			doc_free(&s->docs[i][d]);
	free(s->docs);
	free(s);
}

size_t snds_accounts(const snds_t *s)
{
	return s->n;
}

bool snds_loaded(const snds_t *s, size_t i, snds_doc_t doc)
{
	return i < s->n && s->docs[i][doc].loaded;
}

void snds_set_current(snds_t *s, size_t i, snds_doc_t doc, const char *why)
{
	struct sdoc *d;

	if (i >= s->n)
		return;
	d = &s->docs[i][doc];
	d->current = !why && d->loaded;
	snprintf(d->why, sizeof(d->why), "%s", why ? why : d->loaded ? "" : "no document yet");
}

bool snds_current(const snds_t *s, snds_doc_t doc, const char **why)
{
	for (size_t i = 0; i < s->n; i++)
		if (!s->docs[i][doc].current) {
			if (why)
				*why = s->docs[i][doc].why;
			return false;
		}
	return true;
}

/* ---- the CSV reader ---- */

/* Adds s to d's string block (control bytes as '?', at most SNDS_TEXT_MAX - 1 bytes). */
static uint32_t strs_add(struct sdoc *d, const char *s)
{
	size_t n = strnlen(s, SNDS_TEXT_MAX - 1), off = d->strslen;

	xgrow((void **)&d->strs, &d->strscap, off + n + 1, 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		d->strs[off + i] = (char)(ch < 0x20 || ch == 0x7f ? '?' : ch);
	}
	d->strs[off + n] = '\0';
	d->strslen += n + 1;
	return (uint32_t)off; /* bodies are capped at 16 MiB, so offsets fit */
}

/* One record of the CSV. */
struct record {
	const char *f[MAX_COLS]; /* the fields kept, unescaped (into buf) */
	size_t nf;               /* fields counted, kept or not */
	char buf[SNDS_LINE_MAX + MAX_COLS];
};

/* Reads the record at *pos (a line, unless a quoted field holds a line end)
 * into r: fields separated by commas, a field in double quotes may hold
 * commas, line ends and doubled quotes. *line counts the lines. Returns 1 with
 * a record, 0 at the end of the body, -1 with why. */
static int csv_record(const char *body, size_t len, size_t *pos, unsigned *line,
		      struct record *r, char *why, size_t whylen)
{
	size_t p = *pos, o = 0, fstart = 0, start = *pos;
	bool quoted = false, was_quoted = false;

	if (p >= len)
		return 0;
	r->nf = 0;
	(*line)++;
	for (;; p++) {
		char ch;

		if (p >= len) {
			errbuf_set(why, whylen, quoted ? "truncated: a quoted field is not closed"
					       : "truncated: the last line has no line end");
			return -1;
		}
		if (p - start > SNDS_LINE_MAX) {
			errbuf_set(why, whylen, "longer than %d bytes", SNDS_LINE_MAX);
			return -1;
		}
		ch = body[p];
		if (ch == '\0') {
			errbuf_set(why, whylen, "binary data (NUL byte)");
			return -1;
		}
		if (quoted) {
			if (ch == '"' && p + 1 < len && body[p + 1] == '"') {
				r->buf[o++] = '"';
				p++;
			} else if (ch == '"') {
				quoted = false;
			} else {
				*line += ch == '\n';
				r->buf[o++] = ch;
			}
			continue;
		}
		if (ch == '"' && o == fstart && !was_quoted) {
			quoted = was_quoted = true;
			continue;
		}
		if (ch == ',' || ch == '\n' || (ch == '\r' && p + 1 < len && body[p + 1] == '\n')) {
			/* each separator becomes the field's NUL: buf never outgrows the line */
			r->buf[o++] = '\0';
			if (r->nf < MAX_COLS)
				r->f[r->nf] = r->buf + fstart;
			r->nf++;
			fstart = o;
			was_quoted = false;
			if (ch == ',')
				continue;
			*pos = p + (ch == '\r' ? 2 : 1);
			return 1;
		}
		if (was_quoted) {
			errbuf_set(why, whylen, "a quoted field goes on after its closing quote");
			return -1;
		}
		r->buf[o++] = ch;
	}
}

/* Field i of r, or "" when the record has fewer. */
static const char *field(const struct record *r, size_t i)
{
	return i < r->nf && i < MAX_COLS ? r->f[i] : "";
}

/* s without leading and trailing blanks, into buf. */
static const char *trimmed(const char *s, char *buf, size_t len)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	snprintf(buf, len, "%.*s", (int)n, s);
	return buf;
}

static int parse_ip(const char *s, uint8_t *fam, uint8_t *addr)
{
	char b[64];

	memset(addr, 0, 16);
	trimmed(s, b, sizeof(b));
	if (inet_pton(AF_INET, b, addr) == 1)
		*fam = 4;
	else if (inet_pton(AF_INET6, b, addr) == 1)
		*fam = 6;
	else
		return -1;
	return 0;
}

/* A count: digits only (empty when empty_ok, as 0). */
static int parse_count(const char *s, bool empty_ok, uint64_t *out)
{
	char b[32], *end;
	const char *t = trimmed(s, b, sizeof(b));

	*out = 0;
	if (!*t)
		return empty_ok ? 0 : -1;
	if (strspn(t, "0123456789") != strlen(t) || strlen(t) > 18)
		return -1;
	*out = strtoull(t, &end, 10);
	return 0;
}

/* "< 0.1%", "2.1%", "" (no mail to judge) as a fraction; an upper bound counts as 0. */
static int parse_complaint(const char *s, double *out)
{
	char b[32], *end;
	const char *t = trimmed(s, b, sizeof(b));
	bool below = *t == '<';
	double v;

	*out = 0;
	if (!*t)
		return 0;
	if (below)
		t += 1 + strspn(t + 1, " ");
	if (!isdigit((unsigned char)*t))
		return -1;
	v = strtod(t, &end);
	if (strcmp(end, "%") || v < 0 || v > 100)
		return -1;
	*out = below ? 0 : v / 100;
	return 0;
}

static int parse_filter(const char *s, uint8_t *out)
{
	char b[16];
	const char *t = trimmed(s, b, sizeof(b));

	for (int f = SNDS_GREEN; f <= SNDS_RED; f++)
		if (!strcasecmp(t, snds_filter_name((snds_filter_t)f))) {
			*out = (uint8_t)f;
			return 0;
		}
	return -1;
}

/* A time as SNDS writes it ("9/29/2020 8:07 AM"), or empty: printable, short. */
static int parse_when(const char *s, bool empty_ok)
{
	size_t n = strlen(s);

	if (!n)
		return empty_ok ? 0 : -1;
	if (n > 31)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("/: .-+", s[i]))
			return -1;
	return 0;
}

static int addr_cmp(uint8_t fa, const uint8_t *a, uint8_t fb, const uint8_t *b)
{
	if (fa != fb)
		return fa < fb ? -1 : 1;
	return memcmp(a, b, 16);
}

static int ipstatus_line(struct sdoc *d, const struct record *r, char *why, size_t whylen)
{
	struct srange g;
	char b[16];
	const char *blocked;
	uint8_t fam;

	if (r->nf < IS_NCOLS) {
		errbuf_set(why, whylen, "%zu field%s, %d expected (first IP, last IP, blocked, details)",
		       r->nf, r->nf == 1 ? "" : "s", IS_NCOLS);
		return -1;
	}
	memset(&g, 0, sizeof(g));
	if (parse_ip(field(r, IS_FIRST), &g.fam, g.first) < 0) {
		errbuf_set(why, whylen, "first IP is not an address");
		return -1;
	}
	if (parse_ip(field(r, IS_LAST), &fam, g.last) < 0 || fam != g.fam) {
		errbuf_set(why, whylen, "last IP is not an address of the first one's family");
		return -1;
	}
	if (addr_cmp(g.fam, g.first, g.fam, g.last) > 0) {
		errbuf_set(why, whylen, "last IP is below the first");
		return -1;
	}
	blocked = trimmed(field(r, IS_BLOCKED), b, sizeof(b));
	if (!strcasecmp(blocked, "no"))
		return 0; /* a range that is not blocked is no listing */
	if (strcasecmp(blocked, "yes")) {
		errbuf_set(why, whylen, "blocked is neither Yes nor No");
		return -1;
	}
	g.details = strs_add(d, field(r, IS_DETAILS));
	xgrow((void **)&d->ranges, &d->capranges, d->nranges + 1, sizeof(*d->ranges));
	d->ranges[d->nranges++] = g;
	return 0;
}

static int data_line(struct sdoc *d, const struct record *r, uint32_t idx, char *why,
		     size_t whylen)
{
	static const char *const what[D_NCOLS] = {
		"IP", "activity start", "activity end", "RCPT commands", "DATA commands",
		"message recipients", "filter result", "complaint rate", "trap message start",
		"trap message end", "trap hits", "sample HELO", "JMR P1 sender", "comments"};
	struct srow w;
	int bad = -1;

	if (r->nf < D_NCOLS) {
		errbuf_set(why, whylen, "%zu field%s, %d expected (IP, activity start and end, RCPT, "
		       "DATA, recipients, filter result, complaint rate, trap start and end, trap "
		       "hits, sample HELO, JMR P1 sender, comments)", r->nf, r->nf == 1 ? "" : "s",
		       D_NCOLS);
		return -1;
	}
	memset(&w, 0, sizeof(w));
	w.idx = idx;
	if (parse_ip(field(r, D_IP), &w.fam, w.addr) < 0)
		bad = D_IP;
	else if (parse_when(field(r, D_START), false) < 0)
		bad = D_START;
	else if (parse_when(field(r, D_END), false) < 0)
		bad = D_END;
	else if (parse_count(field(r, D_RCPT), false, &w.rcpt) < 0)
		bad = D_RCPT;
	else if (parse_count(field(r, D_DATA), false, &w.data) < 0)
		bad = D_DATA;
	else if (parse_count(field(r, D_RECIPIENTS), false, &w.recipients) < 0)
		bad = D_RECIPIENTS;
	else if (parse_filter(field(r, D_FILTER), &w.filter) < 0)
		bad = D_FILTER;
	else if (parse_complaint(field(r, D_COMPLAINT), &w.complaint_rate) < 0)
		bad = D_COMPLAINT;
	else if (parse_when(field(r, D_TRAP_START), true) < 0)
		bad = D_TRAP_START;
	else if (parse_when(field(r, D_TRAP_END), true) < 0)
		bad = D_TRAP_END;
	else if (parse_count(field(r, D_TRAP_HITS), true, &w.trap_hits) < 0)
		bad = D_TRAP_HITS;
	if (bad >= 0) {
		errbuf_set(why, whylen, "bad %s", what[bad]);
		return -1;
	}
	w.start = strs_add(d, field(r, D_START));
	w.end = strs_add(d, field(r, D_END));
	{
		char b[32];
		w.complaint = strs_add(d, trimmed(field(r, D_COMPLAINT), b, sizeof(b)));
	}
	w.trap_start = strs_add(d, field(r, D_TRAP_START));
	w.trap_end = strs_add(d, field(r, D_TRAP_END));
	w.helo = strs_add(d, field(r, D_HELO));
	w.sender = strs_add(d, field(r, D_SENDER));
	w.comments = strs_add(d, field(r, D_COMMENTS));
	xgrow((void **)&d->rows, &d->caprows, d->nrows + 1, sizeof(*d->rows));
	d->rows[d->nrows++] = w;
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct srow *x = a, *y = b;
	int c = addr_cmp(x->fam, x->addr, y->fam, y->addr);

	return c ? c : x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Sorts the lines by address and keeps the first of an address met twice. */
static void rows_index(struct sdoc *d)
{
	size_t o = 0;

	if (!d->nrows)
		return; /* an empty document has no array to sort */
	qsort(d->rows, d->nrows, sizeof(*d->rows), row_cmp);
	for (size_t i = 0; i < d->nrows; i++)
		if (!o || addr_cmp(d->rows[o - 1].fam, d->rows[o - 1].addr, d->rows[i].fam,
				   d->rows[i].addr))
			d->rows[o++] = d->rows[i];
	d->nrows = o;
}

/* Is body nothing but blanks and line ends? SNDS answers an empty document when
 * nothing is blocked or nothing was sent. */
static bool blank(const char *body, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n", body[i]) || !body[i])
			return false;
	return true;
}

int snds_parse(snds_t *s, size_t i, snds_doc_t doc, const char *body, size_t len, char *err,
	       size_t errlen)
{
	struct sdoc nd;
	struct record *r = NULL;
	char why[200];
	size_t pos = 0, lead;
	unsigned line = 0;
	int rc = -1, got;

	memset(&nd, 0, sizeof(nd));
	if (i >= s->n) {
		errbuf_set(err, errlen, "no such account");
		return -1;
	}
	if (len > SNDS_BODY_MAX) {
		errbuf_set(err, errlen, "body of %zu bytes exceeds the %u MiB limit", len,
		       SNDS_BODY_MAX >> 20);
		return -1;
	}
	if (!blank(body, len)) {
		lead = 0;
		while (lead < len && strchr(" \t\r\n", body[lead]) && body[lead])
			lead++;
		/* what a portal answers for a bad key or an outage: never "nothing blocked" */
		if (body[lead] == '<') {
			errbuf_set(err, errlen, "not SNDS CSV: an HTML page (an error or sign-in page?)");
			return -1;
		}
		r = xmalloc(sizeof(*r));
		for (;;) {
			unsigned at = line + 1; /* where the record starts: a quoted line end in it
						   counts as a line too */
			int ok;

			got = csv_record(body, len, &pos, &line, r, why, sizeof(why));
			if (got <= 0) {
				line = at;
				break;
			}

			if (r->nf == 1 && !field(r, 0)[0]) {
				errbuf_set(err, errlen, "line %u: empty line", at);
				goto out;
			}
			ok = doc == SNDS_IPSTATUS ? ipstatus_line(&nd, r, why, sizeof(why))
						  : data_line(&nd, r, at, why, sizeof(why));
			if (ok < 0) {
				errbuf_set(err, errlen, "line %u: %s", line, why);
				goto out;
			}
		}
		if (got < 0) {
			errbuf_set(err, errlen, "line %u: %s", line, why);
			goto out;
		}
	}
	if (doc == SNDS_DATA)
		rows_index(&nd);
	nd.loaded = true;
	nd.current = s->docs[i][doc].current;
	memcpy(nd.why, s->docs[i][doc].why, sizeof(nd.why));
	doc_free(&s->docs[i][doc]);
	s->docs[i][doc] = nd;
	memset(&nd, 0, sizeof(nd));
	rc = 0;
out:
	free(r);
	doc_free(&nd);
	return rc;
}

/* ---- reading ---- */

size_t snds_rows(const snds_t *s, size_t i)
{
	return i < s->n ? s->docs[i][SNDS_DATA].nrows : 0;
}

static void row_view(const struct sdoc *d, const struct srow *w, snds_row_t *out)
{
	const char *st = d->strs;

	memset(out, 0, sizeof(*out));
	inet_ntop(w->fam == 4 ? AF_INET : AF_INET6, w->addr, out->ip, sizeof(out->ip));
	out->activity_start = st + w->start;
	out->activity_end = st + w->end;
	out->rcpt = w->rcpt;
	out->data = w->data;
	out->recipients = w->recipients;
	out->filter = (snds_filter_t)w->filter;
	out->complaint = st + w->complaint;
	out->complaint_rate = w->complaint_rate;
	out->trap_start = st + w->trap_start;
	out->trap_end = st + w->trap_end;
	out->trap_hits = w->trap_hits;
	out->helo = st + w->helo;
	out->mail_from = st + w->sender;
	out->comments = st + w->comments;
}

void snds_row(const snds_t *s, size_t i, size_t n, snds_row_t *out)
{
	row_view(&s->docs[i][SNDS_DATA], &s->docs[i][SNDS_DATA].rows[n], out);
}

/* t as the documents store an address; false for a domain. */
static bool target_addr(const target_t *t, uint8_t *fam, uint8_t *addr)
{
	memset(addr, 0, 16);
	if (t->type == TARGET_IPV4) {
		*fam = 4;
		memcpy(addr, t->addr, 4);
	} else if (t->type == TARGET_IPV6) {
		*fam = 6;
		memcpy(addr, t->addr, 16);
	} else {
		return false;
	}
	return true;
}

static const struct srow *row_find(const struct sdoc *d, uint8_t fam, const uint8_t *addr)
{
	size_t lo = 0, hi = d->nrows;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = addr_cmp(d->rows[mid].fam, d->rows[mid].addr, fam, addr);
		if (!c)
			return &d->rows[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool snds_find(const snds_t *s, const target_t *t, snds_row_t *out)
{
	uint8_t fam, addr[16];

	if (!target_addr(t, &fam, addr))
		return false;
	for (size_t i = 0; i < s->n; i++) {
		const struct sdoc *d = &s->docs[i][SNDS_DATA];
		const struct srow *w = d->current ? row_find(d, fam, addr) : NULL;
		if (w) {
			row_view(d, w, out);
			return true;
		}
	}
	return false;
}

/* The first blocked range of a current ipStatus.aspx holding the address, or NULL. */
static const char *blocked(const snds_t *s, uint8_t fam, const uint8_t *addr)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct sdoc *d = &s->docs[i][SNDS_IPSTATUS];
		for (size_t k = 0; d->current && k < d->nranges; k++) {
			const struct srange *g = &d->ranges[k];
			if (addr_cmp(g->fam, g->first, fam, addr) <= 0 &&
			    addr_cmp(fam, addr, g->fam, g->last) <= 0)
				return d->strs + g->details;
		}
	}
	return NULL;
}

void snds_result(const snds_t *s, snds_doc_t doc, const target_t *t, uint16_t list,
		 dnsbl_result_t *out, char *buf, size_t len)
{
	size_t half = len / 2;
	char *why = buf, *txt = buf + half;
	const char *failing = NULL, *details = NULL;
	uint8_t fam, addr[16];
	snds_row_t row;
	bool have_row;

	memset(out, 0, sizeof(*out));
	out->list = list;
	out->why = why;
	why[0] = txt[0] = '\0';
	if (!target_addr(t, &fam, addr)) {
		out->v.status = STATUS_UNKNOWN;
		snprintf(why, half, "SNDS knows addresses only");
		return;
	}
	have_row = snds_find(s, t, &row);
	if (doc == SNDS_IPSTATUS)
		details = blocked(s, fam, addr);
	if (details || (doc == SNDS_DATA && have_row && row.filter != SNDS_GREEN)) {
		/* a listing a current document states: true whatever another key's fetch did */
		out->v.status = STATUS_LISTED;
		out->v.reason = REASON_LISTED;
		out->v.ncodes = 1;
		out->v.codes[0] = details ? LISTED_BLOCKED
				  : row.filter == SNDS_RED ? LISTED_RED : LISTED_YELLOW;
		snprintf(txt, len - half, "%s", details ? details : row.comments);
		out->ntxt = txt[0] ? 1 : 0;
		out->txt = txt[0] ? txt : NULL;
		out->why = NULL;
		return;
	}
	if (doc == SNDS_DATA && have_row) {
		out->v.status = STATUS_CLEAN;
		out->v.reason = REASON_NEUTRAL;
		snprintf(why, half, "GREEN: less than 10%% of its mail is judged spam (SNDS filter "
			 "result, activity until %s)", row.activity_end);
		return;
	}
	if (!snds_current(s, doc, &failing)) {
		/* a key whose document could not be read might name it: nothing is known */
		out->v.status = STATUS_UNKNOWN;
		snprintf(why, half, "SNDS %s: %s", snds_doc_name(doc), failing ? failing : "failing");
		return;
	}
	out->v.status = STATUS_CLEAN;
	out->v.reason = REASON_NXDOMAIN;
	if (doc == SNDS_IPSTATUS && have_row)
		snprintf(why, half, "Outlook.com does not block it (SNDS IP status)");
	else if (doc == SNDS_IPSTATUS)
		snprintf(why, half, "not in SNDS's blocked ranges; SNDS covers only the addresses "
			 "registered to its key");
	else
		snprintf(why, half, "no SNDS data for it: SNDS covers only the addresses registered "
			 "to its key, on days they sent mail to Outlook.com");
}
