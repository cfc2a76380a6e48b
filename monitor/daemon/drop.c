/* drop.c -- Spamhaus DROP lists: conditional download (curlx_get), strict NDJSON parse with cJSON, lookups.
 * A list is trusted only whole: any bad line or a record count off from the metadata keeps the old copy. */
#include "monitor/daemon/drop.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/curlx.h"
#include "lib/errbuf.h"
#include "lib/xmalloc.h"

#define DROP_SBLID_MAX 63

struct drop_net {
	uint8_t addr[16]; /* network order, host bits zero; IPv4 in addr[0..3] */
	uint8_t plen;
	uint32_t sblid; /* offset into the table's strs */
};

/* The nets of one prefix length: a binary-search range. */
struct drop_grp {
	unsigned plen;
	size_t start, end;
};

struct drop_asn {
	uint32_t asn;
	uint32_t name; /* offset into strs */
};

/* One list kind. nets are sorted by (plen descending, addr), so scanning the
 * groups in order finds the longest prefix first. */
struct drop_table {
	struct drop_net *nets;
	size_t nnets, capnets;
	struct drop_grp grps[129];
	size_t ngrps;
	struct drop_asn *asns;
	size_t nasns, capasns;
	/* all strings of the list in one block: one free, no per-entry malloc */
	char *strs;
	size_t strslen, strscap;
	long long timestamp;
	bool loaded;
};

struct drop_set {
	struct drop_table t[3]; /* indexed by drop_kind_t */
};

static void table_free(struct drop_table *t)
{
	free(t->nets);
	free(t->asns);
	free(t->strs);
	memset(t, 0, sizeof(*t));
}

drop_set_t *drop_set_new(void)
{
	return xcalloc(1, sizeof(drop_set_t));
}

void drop_set_free(drop_set_t *set)
{
	if (!set)
		return;
	for (int k = 0; k < 3; k++)
		table_free(&set->t[k]);
	free(set);
}

bool drop_set_info(const drop_set_t *set, drop_kind_t kind, size_t *records, long long *timestamp)
{
	const struct drop_table *t;

	if (!set || (unsigned)kind > DROP_ASN || !set->t[kind].loaded)
		return false;
	t = &set->t[kind];
	if (records)
		*records = kind == DROP_ASN ? t->nasns : t->nnets;
	if (timestamp)
		*timestamp = t->timestamp;
	return true;
}

/* ---- parsing ---- */

static uint32_t strs_add(struct drop_table *t, const char *s)
{
	size_t n = strlen(s) + 1, off = t->strslen;

	xgrow((void **)&t->strs, &t->strscap, off + n, 1);
	memcpy(t->strs + off, s, n);
	t->strslen += n;
	return (uint32_t)off; /* bodies are capped at 16 MiB, so offsets fit */
}

/* Zeroes the bits of a (alen bytes) past plen. */
static void mask_addr(uint8_t *a, unsigned plen, unsigned alen)
{
	for (unsigned i = 0; i < alen; i++) {
		unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
		if (bits < 8)
			a[i] &= (uint8_t)(0xff00u >> bits);
	}
}

/* "1.10.16.0/20" or "2001:db8::/32" of the kind's family; the prefix is
 * mandatory and decimal. Host bits are masked. */
static int cidr_parse(drop_kind_t kind, const char *s, struct drop_net *out)
{
	const char *slash = strchr(s, '/'), *p;
	char addr[INET6_ADDRSTRLEN];
	unsigned max = kind == DROP_V4 ? 32 : 128, plen = 0;
	size_t alen;

	memset(out, 0, sizeof(*out));
	if (!slash)
		return -1;
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(kind == DROP_V4 ? AF_INET : AF_INET6, addr, out->addr) != 1)
		return -1;
	p = slash + 1;
	if (!*p || strlen(p) > 3)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		plen = plen * 10 + (unsigned)(*p - '0');
	}
	if (plen > max)
		return -1;
	out->plen = (uint8_t)plen;
	mask_addr(out->addr, plen, kind == DROP_V4 ? 4 : 16);
	return 0;
}

static bool sblid_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > DROP_SBLID_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static int add_net(drop_kind_t kind, const cJSON *doc, struct drop_table *t, char *why,
		   size_t whylen)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(doc, "cidr");
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(doc, "sblid");
	unsigned minp = kind == DROP_V4 ? DROP_MIN_PREFIX_V4 : DROP_MIN_PREFIX_V6;
	struct drop_net net;

	if (!cJSON_IsString(c)) {
		errbuf_set(why, whylen, "missing cidr");
		return -1;
	}
	if (cidr_parse(kind, c->valuestring, &net) < 0) {
		errbuf_set(why, whylen, "bad cidr");
		return -1;
	}
	if (net.plen < minp) {
		errbuf_set(why, whylen, "bad cidr (wider than /%u)", minp);
		return -1;
	}
	if (!cJSON_IsString(s)) {
		errbuf_set(why, whylen, "missing sblid");
		return -1;
	}
	if (!sblid_valid(s->valuestring)) {
		errbuf_set(why, whylen, "bad sblid");
		return -1;
	}
	net.sblid = strs_add(t, s->valuestring);
	xgrow((void **)&t->nets, &t->capnets, t->nnets + 1, sizeof(*t->nets));
	t->nets[t->nnets++] = net;
	return 0;
}

static int add_asn(const cJSON *doc, struct drop_table *t, char *why, size_t whylen)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, "asn");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(doc, "asname");
	struct drop_asn e;
	double v;

	if (!cJSON_IsNumber(a)) {
		errbuf_set(why, whylen, "missing asn");
		return -1;
	}
	v = a->valuedouble;
	/* the range test comes first: casting an out-of-range double is undefined */
	if (!(v >= 1 && v <= 4294967295.0) || (double)(uint32_t)v != v) {
		errbuf_set(why, whylen, "bad asn");
		return -1;
	}
	if (n && !cJSON_IsString(n)) {
		errbuf_set(why, whylen, "bad asname");
		return -1;
	}
	e.asn = (uint32_t)v;
	e.name = strs_add(t, n ? n->valuestring : "");
	xgrow((void **)&t->asns, &t->capasns, t->nasns + 1, sizeof(*t->asns));
	t->asns[t->nasns++] = e;
	return 0;
}

static int meta_read(const cJSON *doc, long long *records, long long *timestamp)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(doc, "records");
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(doc, "timestamp");

	if (!cJSON_IsNumber(r) || !(r->valuedouble >= 0 && r->valuedouble <= 1e9) ||
	    (double)(long long)r->valuedouble != r->valuedouble)
		return -1;
	*records = (long long)r->valuedouble;
	*timestamp = 0;
	if (cJSON_IsNumber(ts) && ts->valuedouble >= 0 && ts->valuedouble < 1e15)
		*timestamp = (long long)ts->valuedouble;
	return 0;
}

static int net_cmp(const void *a, const void *b)
{
	const struct drop_net *x = a, *y = b;

	if (x->plen != y->plen)
		return x->plen > y->plen ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static int asn_cmp(const void *a, const void *b)
{
	const struct drop_asn *x = a, *y = b;

	return x->asn < y->asn ? -1 : x->asn > y->asn;
}

/* Sorts the entries and builds the per-prefix-length ranges. */
static void table_index(struct drop_table *t)
{
	if (t->nnets)
		qsort(t->nets, t->nnets, sizeof(*t->nets), net_cmp);
	if (t->nasns)
		qsort(t->asns, t->nasns, sizeof(*t->asns), asn_cmp);
	t->ngrps = 0;
	for (size_t i = 0; i < t->nnets; i++) {
		if (t->ngrps == 0 || t->grps[t->ngrps - 1].plen != t->nets[i].plen) {
			t->grps[t->ngrps].plen = t->nets[i].plen;
			t->grps[t->ngrps].start = i;
			t->ngrps++;
		}
		t->grps[t->ngrps - 1].end = i + 1;
	}
}

int drop_parse(drop_kind_t kind, const char *body, size_t len, drop_set_t *set, char *err,
	       size_t errlen)
{
	struct drop_table tmp;
	char line[DROP_LINE_MAX + 1], why[96];
	cJSON *doc = NULL;
	size_t pos = 0, lineno = 0, ndata = 0;
	long long records = -1;
	bool have_meta = false;
	int rc = -1;

	memset(&tmp, 0, sizeof(tmp));
	if (!set || (unsigned)kind > DROP_ASN || (!body && len)) {
		errbuf_set(err, errlen, "invalid arguments");
		goto out;
	}
	if (len > DROP_BODY_MAX) {
		errbuf_set(err, errlen, "body of %zu bytes exceeds the %u MiB limit", len,
		       DROP_BODY_MAX >> 20);
		goto out;
	}
	while (pos < len) {
		const char *p = body + pos, *nl = memchr(p, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - p) : len - pos;
		const cJSON *type;

		lineno++;
		pos += n + (nl ? 1 : 0);
		if (n && p[n - 1] == '\r')
			n--;
		if (have_meta) {
			errbuf_set(err, errlen, "line %zu: follows the metadata line", lineno);
			goto out;
		}
		if (n == 0) {
			errbuf_set(err, errlen, "line %zu: empty line", lineno);
			goto out;
		}
		if (n > DROP_LINE_MAX) {
			errbuf_set(err, errlen, "line %zu: longer than %d bytes", lineno, DROP_LINE_MAX);
			goto out;
		}
		if (memchr(p, '\0', n)) {
			errbuf_set(err, errlen, "line %zu: binary data (NUL byte)", lineno);
			goto out;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		doc = cJSON_ParseWithOpts(line, NULL, 1);
		if (!cJSON_IsObject(doc)) {
			/* a cut-off download usually ends inside a line */
			if (!nl)
				errbuf_set(err, errlen, "truncated: line %zu is incomplete", lineno);
			else
				errbuf_set(err, errlen, "line %zu: not a JSON object", lineno);
			goto out;
		}
		type = cJSON_GetObjectItemCaseSensitive(doc, "type");
		if (type) {
			if (!cJSON_IsString(type) || strcmp(type->valuestring, "metadata")) {
				errbuf_set(err, errlen, "line %zu: unknown type", lineno);
				goto out;
			}
			if (meta_read(doc, &records, &tmp.timestamp) < 0) {
				errbuf_set(err, errlen, "line %zu: metadata without a valid records count",
				       lineno);
				goto out;
			}
			have_meta = true;
		} else {
			int r = kind == DROP_ASN ? add_asn(doc, &tmp, why, sizeof(why))
						 : add_net(kind, doc, &tmp, why, sizeof(why));
			if (r < 0) {
				errbuf_set(err, errlen, "line %zu: %s", lineno, why);
				goto out;
			}
			ndata++;
		}
		cJSON_Delete(doc);
		doc = NULL;
	}
	if (!have_meta) {
		if (lineno == 0)
			errbuf_set(err, errlen, "empty body");
		else
			errbuf_set(err, errlen, "truncated: no metadata line after line %zu", lineno);
		goto out;
	}
	if ((unsigned long long)records != ndata) {
		errbuf_set(err, errlen, "%s: metadata says %lld records, got %zu",
		       (unsigned long long)records > ndata ? "truncated" : "record count mismatch",
		       records, ndata);
		goto out;
	}
	table_index(&tmp);
	tmp.loaded = true;
	/* only now is the old copy replaced: a refused body changes nothing */
	table_free(&set->t[kind]);
	set->t[kind] = tmp;
	memset(&tmp, 0, sizeof(tmp));
	rc = 0;
out:
	cJSON_Delete(doc);
	table_free(&tmp);
	return rc;
}

/* ---- lookups ---- */

bool drop_match_ip(const drop_set_t *set, const target_t *ip, const char **sblid_out)
{
	const struct drop_table *t;
	unsigned alen;

	if (sblid_out)
		*sblid_out = NULL;
	if (!set || !ip)
		return false;
	if (ip->type == TARGET_IPV4) {
		t = &set->t[DROP_V4];
		alen = 4;
	} else if (ip->type == TARGET_IPV6) {
		t = &set->t[DROP_V6];
		alen = 16;
	} else {
		return false;
	}
	for (size_t g = 0; g < t->ngrps; g++) {
		const struct drop_grp *gr = &t->grps[g];
		size_t lo = gr->start, hi = gr->end;
		uint8_t key[16];

		memcpy(key, ip->addr, alen);
		mask_addr(key, gr->plen, alen);
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = memcmp(t->nets[mid].addr, key, alen);
			if (c == 0) {
				if (sblid_out)
					*sblid_out = t->strs + t->nets[mid].sblid;
				return true;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return false;
}

bool drop_match_asn(const drop_set_t *set, uint32_t asn, const char **asname_out)
{
	const struct drop_table *t;
	size_t lo = 0, hi;

	if (asname_out)
		*asname_out = NULL;
	if (!set)
		return false;
	t = &set->t[DROP_ASN];
	hi = t->nasns;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->asns[mid].asn == asn) {
			if (asname_out)
				*asname_out = t->strs + t->asns[mid].name;
			return true;
		}
		if (t->asns[mid].asn < asn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* ---- fetching ---- */

bool drop_fetch_due(time_t last_attempt, time_t now)
{
	return last_attempt == 0 || now < last_attempt ||
	       now - last_attempt >= DROP_FETCH_INTERVAL_MIN;
}

int drop_fetch(const char *url, const char *etag, const char *last_modified, int timeout_s,
	       curlx_get_t *result, char *err, size_t errlen)
{
	return curlx_get(url, etag, last_modified, timeout_s, DROP_BODY_MAX, NULL, result, err,
			 errlen);
}
