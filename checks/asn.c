/* asn.c -- origin ASN, prefix and AS name of an address from Team Cymru's DNS TXT records.
 * The TXT comes from the network, so every field is bounded and validated before it is kept. */
#include "checks/asn.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "checks/qname.h"

#define FIELDS_MAX 6

typedef struct {
	const char *p;
	size_t len;
} field_t;

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Splits txt at '|' into at most max trimmed fields (views into txt). The last
 * field takes the rest of the line, '|' included, so an AS name may hold one.
 * Returns the number of fields. */
static size_t split_fields(const char *txt, field_t *f, size_t max)
{
	size_t n = 0;
	const char *p = txt;

	while (n < max) {
		const char *end = n + 1 == max ? p + strlen(p) : strchr(p, '|');
		const char *e;

		if (!end)
			end = p + strlen(p);
		e = end;
		while (p < e && is_blank(*p))
			p++;
		while (e > p && is_blank(e[-1]))
			e--;
		f[n].p = p;
		f[n].len = (size_t)(e - p);
		n++;
		if (*end != '|')
			break;
		p = end + 1;
	}
	return n;
}

/* Copies a field that must be short and made of [A-Za-z0-9-_] only: country
 * and registry codes never hold anything else, so anything else is hostile. */
static int copy_code(const field_t *f, char *dst, size_t dstlen)
{
	if (f->len >= dstlen)
		return -1;
	for (size_t i = 0; i < f->len; i++) {
		unsigned char c = (unsigned char)f->p[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '-' || c == '_'))
			return -1;
	}
	memcpy(dst, f->p, f->len);
	dst[f->len] = '\0';
	return 0;
}

/* Parses "a/len" into family, network bytes and length. 0 or -1. */
static int parse_prefix(const char *s, size_t slen, int *family, uint8_t *addr, unsigned *plen)
{
	char buf[64];
	char *slash;
	unsigned v = 0, max;
	size_t digits = 0;

	if (slen == 0 || slen >= sizeof(buf))
		return -1;
	memcpy(buf, s, slen);
	buf[slen] = '\0';
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	for (const char *p = slash + 1; *p; p++) {
		if (*p < '0' || *p > '9' || ++digits > 3)
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (digits == 0 || v > max)
		return -1;
	*plen = v;
	return 0;
}

/* Does the network addr/plen (of ip's family) contain ip? */
static bool prefix_contains(const uint8_t *addr, unsigned plen, const uint8_t *ip)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(addr, ip, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((addr[full] & mask) != (ip[full] & mask))
			return false;
	}
	return true;
}

/* Parses one decimal ASN of at most 10 digits that fits in 32 bits. */
static int parse_asn(const char *p, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int asn_origin_qname(const target_t *ip, char *buf, size_t len)
{
	if (ip->type == TARGET_IPV4)
		return qname_build(ip, ASN_ORIGIN_ZONE, buf, len);
	if (ip->type == TARGET_IPV6)
		return qname_build(ip, ASN_ORIGIN6_ZONE, buf, len);
	return -1;
}

int asn_parse_origin(const char *txt, asn_info_t *out)
{
	field_t f[FIELDS_MAX];
	size_t n = split_fields(txt, f, FIELDS_MAX);
	const char *p, *end;
	int family;
	uint8_t addr[16];
	unsigned plen;

	memset(out, 0, sizeof(*out));
	/* ASN | prefix | CC [| registry [| date]]: more fields is not this format */
	if (n < 3 || n > 5)
		goto fail;
	p = f[0].p;
	end = f[0].p + f[0].len;
	while (p < end) {
		const char *tok = p;
		uint32_t asn;
		while (p < end && !is_blank(*p))
			p++;
		if (parse_asn(tok, (size_t)(p - tok), &asn) < 0)
			goto fail;
		if (out->nasn < ASN_MAX)
			out->asn[out->nasn++] = asn;
		while (p < end && is_blank(*p))
			p++;
	}
	if (out->nasn == 0)
		goto fail;
	if (parse_prefix(f[1].p, f[1].len, &family, addr, &plen) < 0)
		goto fail;
	memcpy(out->prefix, f[1].p, f[1].len); /* validated: < 64 bytes of [0-9a-fA-F.:/] */
	out->prefix[f[1].len] = '\0';
	if (copy_code(&f[2], out->country, sizeof(out->country)) < 0)
		goto fail;
	if (n > 3 && copy_code(&f[3], out->registry, sizeof(out->registry)) < 0)
		goto fail;
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return -1;
}

int asn_parse_name(const char *txt, asn_info_t *out)
{
	field_t f[5];
	size_t n = split_fields(txt, f, 5), len;
	uint32_t asn;
	char country[sizeof(out->country)], registry[sizeof(out->registry)];

	out->name[0] = '\0';
	/* ASN | CC | registry | date | name */
	if (n < 5 || parse_asn(f[0].p, f[0].len, &asn) < 0 ||
	    copy_code(&f[1], country, sizeof(country)) < 0 ||
	    copy_code(&f[2], registry, sizeof(registry)) < 0)
		return -1;
	if (out->nasn > 0 && out->asn[0] != asn)
		return -1; /* an answer for another AS: do not pin its name on ours */
	len = f[4].len < sizeof(out->name) - 1 ? f[4].len : sizeof(out->name) - 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)f[4].p[i];
		out->name[i] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
	}
	out->name[len] = '\0';
	if (out->nasn == 0) {
		out->asn[0] = asn;
		out->nasn = 1;
		memcpy(out->country, country, sizeof(country));
		memcpy(out->registry, registry, sizeof(registry));
	}
	return 0;
}

/* Fills out->name from the AS record of out->asn[0]; a failure leaves it empty,
 * since the origin answer alone is already worth reporting. */
static void lookup_name(dnsbl_t *d, asn_info_t *out)
{
	char qn[64];
	char **v = NULL;
	size_t n = 0;
	dns_outcome_t oc;

	snprintf(qn, sizeof(qn), "AS%u." ASN_NAME_ZONE, (unsigned)out->asn[0]);
	if (dnsbl_lookup_txt(d, qn, &v, &n, &oc) < 0 || oc != DNS_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (asn_parse_name(v[i], out) == 0)
			break;
out:
	dnsbl_strings_free(v, n);
}

asn_status_t asn_lookup(dnsbl_t *d, const target_t *ip, asn_info_t *out, char *err, size_t errlen)
{
	char qn[QNAME_MAX];
	char **v = NULL;
	size_t n = 0, bad = 0, foreign = 0;
	dns_outcome_t oc;
	int best = -1;
	asn_status_t ret = ASN_UNUSABLE;

	memset(out, 0, sizeof(*out));
	if (asn_origin_qname(ip, qn, sizeof(qn)) < 0) {
		snprintf(err, errlen, "%s: ASN lookup needs an IP address", ip->name);
		goto out;
	}
	if (dnsbl_lookup_txt(d, qn, &v, &n, &oc) < 0) {
		snprintf(err, errlen, "%s: ASN lookup interrupted", ip->name);
		ret = ASN_INTERRUPTED;
		goto out;
	}
	if (oc == DNS_NXDOMAIN || oc == DNS_NODATA || (oc == DNS_OK && n == 0)) {
		ret = ASN_UNROUTED;
		goto out;
	}
	if (oc != DNS_OK) {
		snprintf(err, errlen, "%s: ASN lookup (%s) failed: %s", ip->name, qn, verdict_outcome_name(oc));
		/* records that were no TXT are this name's answer; anything else is the resolver's */
		ret = oc == DNS_UNUSABLE ? ASN_UNUSABLE : ASN_RESOLVER_FAILED;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		asn_info_t cand;
		int family;
		uint8_t addr[16];
		unsigned plen;

		if (asn_parse_origin(v[i], &cand) < 0) {
			bad++;
			continue;
		}
		/* cannot fail: asn_parse_origin validated it */
		parse_prefix(cand.prefix, strlen(cand.prefix), &family, addr, &plen);
		if (family != (ip->type == TARGET_IPV4 ? AF_INET : AF_INET6) ||
		    !prefix_contains(addr, plen, ip->addr)) {
			foreign++;
			continue;
		}
		/* overlapping announcements: the longest prefix is the one routed */
		if ((int)plen > best) {
			best = (int)plen;
			*out = cand;
		}
	}
	if (best < 0) {
		snprintf(err, errlen,
			 "%s: ASN lookup gave no usable record (%zu malformed, %zu for other addresses)",
			 ip->name, bad, foreign);
		goto out;
	}
	lookup_name(d, out);
	ret = ASN_FOUND;
out:
	dnsbl_strings_free(v, n); /* out was only written once the answer was usable */
	return ret;
}
