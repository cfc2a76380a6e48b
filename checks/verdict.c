/* verdict.c -- the rules that decide what a DNSBL answer means.
 * Three outcomes, never two: anything that is not certain evidence is "unknown" with a reason. */
#include "checks/verdict.h"

#include <stdio.h>
#include <string.h>

const char *verdict_outcome_name(dns_outcome_t o)
{
	switch (o) {
	case DNS_OK: return "ok";
	case DNS_NXDOMAIN: return "NXDOMAIN";
	case DNS_NODATA: return "no record";
	case DNS_TIMEOUT: return "timeout";
	case DNS_SERVFAIL: return "SERVFAIL";
	case DNS_REFUSED: return "REFUSED";
	case DNS_CONNREFUSED: return "connection refused";
	case DNS_OTHER: break;
	}
	return "DNS error";
}

void verdict_addr_str(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static const verdict_reason_t outcome_reason[] = {
	[DNS_OK] = REASON_NONE,           [DNS_NXDOMAIN] = REASON_NXDOMAIN,
	[DNS_NODATA] = REASON_NODATA,     [DNS_TIMEOUT] = REASON_TIMEOUT,
	[DNS_SERVFAIL] = REASON_SERVFAIL, [DNS_REFUSED] = REASON_REFUSED,
	[DNS_CONNREFUSED] = REASON_CONNREFUSED, [DNS_OTHER] = REASON_DNS_OTHER,
};

void verdict_from_answer(const catalog_list_t *l, dns_outcome_t outcome, const uint32_t *addrs,
			 size_t naddrs, verdict_t *out)
{
	bool listed = false;
	verdict_reason_t bad = REASON_NONE;

	memset(out, 0, sizeof(*out));
	if (outcome != DNS_OK || naddrs == 0) {
		bool clean = outcome == DNS_NXDOMAIN || outcome == DNS_NODATA || outcome == DNS_OK;
		out->status = clean ? STATUS_CLEAN : STATUS_UNKNOWN;
		out->reason = outcome == DNS_OK ? REASON_NODATA : outcome_reason[outcome];
		return;
	}
	/* Every record counts: one bad record taints the answer. Severity of the
	 * taint: outside 127/8 (hijack) > 127.0.0.1 > the list's error codes. */
	for (size_t i = 0; i < naddrs; i++) {
		uint32_t a = addrs[i];
		const catalog_code_t *m[VERDICT_MAX_CODES];
		size_t nm;

		if (out->ncodes < VERDICT_MAX_CODES)
			out->codes[out->ncodes++] = a;
		if ((a >> 24) != 127) {
			bad = REASON_OUTSIDE_127;
			continue;
		}
		if (a == 0x7f000001) {
			if (bad != REASON_OUTSIDE_127)
				bad = REASON_LOOPBACK;
			continue;
		}
		nm = catalog_codes_match(l, a, m, VERDICT_MAX_CODES);
		if (nm == 0) {
			listed = true; /* an unlisted code inside 127/8 is still an A record: RFC 5782 */
			continue;
		}
		for (size_t k = 0; k < nm; k++) {
			if (m[k]->cls == CODE_ERROR && bad == REASON_NONE)
				bad = REASON_ERROR_CODE;
			else if (m[k]->cls == CODE_LISTED)
				listed = true;
		}
	}
	/* resolvers may rotate records: a stable order keeps "same answer" equal */
	for (size_t i = 1; i < out->ncodes; i++)
		for (size_t k = i; k > 0 && out->codes[k - 1] > out->codes[k]; k--) {
			uint32_t t = out->codes[k];
			out->codes[k] = out->codes[k - 1];
			out->codes[k - 1] = t;
		}
	if (bad != REASON_NONE) {
		out->status = STATUS_UNKNOWN;
		out->reason = bad;
	} else if (listed) {
		out->status = STATUS_LISTED;
		out->reason = REASON_LISTED;
	} else {
		out->status = STATUS_CLEAN;
		out->reason = REASON_NEUTRAL;
	}
}

/* The first code of v for which pred holds, or 0. */
static uint32_t first_code(const verdict_t *v, const catalog_list_t *l, code_class_t cls,
			   const catalog_code_t **row)
{
	for (size_t i = 0; i < v->ncodes; i++) {
		const catalog_code_t *m[VERDICT_MAX_CODES];
		size_t nm = catalog_codes_match(l, v->codes[i], m, VERDICT_MAX_CODES);
		for (size_t k = 0; k < nm; k++)
			if (m[k]->cls == cls) {
				*row = m[k];
				return v->codes[i];
			}
	}
	return 0;
}

void verdict_reason(const verdict_t *v, const catalog_list_t *l, char *buf, size_t len)
{
	char a[16];
	const catalog_code_t *row = NULL;
	uint32_t code;

	buf[0] = '\0';
	switch ((verdict_reason_t)v->reason) {
	case REASON_NONE:
	case REASON_NXDOMAIN:
	case REASON_LISTED:
		break;
	case REASON_NODATA:
		snprintf(buf, len, "no A record (not listed)");
		break;
	case REASON_NEUTRAL:
		snprintf(buf, len, "answered with a code that is not a listing");
		break;
	case REASON_ERROR_CODE:
		code = first_code(v, l, CODE_ERROR, &row);
		verdict_addr_str(code, a);
		snprintf(buf, len, "%s (%s)", row ? row->meaning : "error code", a);
		break;
	case REASON_OUTSIDE_127:
		for (size_t i = 0; i < v->ncodes; i++)
			if ((v->codes[i] >> 24) != 127) {
				verdict_addr_str(v->codes[i], a);
				break;
			}
		snprintf(buf, len,
			 "answer %s is outside 127.0.0.0/8: the list's domain is hijacked, expired or "
			 "wildcarded; not a listing", a);
		break;
	case REASON_LOOPBACK:
		snprintf(buf, len,
			 "answer 127.0.0.1 is never a listing (RFC 5782): the list refuses this "
			 "resolver or is broken");
		break;
	case REASON_TIMEOUT:
		snprintf(buf, len, "DNS timeout: no answer from the resolver after all retries");
		break;
	case REASON_SERVFAIL:
		snprintf(buf, len, "DNS SERVFAIL: the resolver could not get an answer from %s",
			 l->zone ? l->zone : l->zone_tmpl);
		break;
	case REASON_REFUSED:
		snprintf(buf, len, "DNS REFUSED: the server refused to answer for %s",
			 l->zone ? l->zone : l->zone_tmpl);
		break;
	case REASON_CONNREFUSED:
		snprintf(buf, len, "connection refused: nothing answers DNS at the resolver address");
		break;
	case REASON_DNS_OTHER:
		snprintf(buf, len, "DNS error: the query failed");
		break;
	case REASON_BADNAME:
		snprintf(buf, len, "query name too long for DNS");
		break;
	case REASON_LIST_DEAD:
		snprintf(buf, len, "list failed its test point (127.0.0.2 not listed): dead, emptied "
			 "or refusing this resolver; not used this run");
		break;
	case REASON_LIST_WILDCARD:
		snprintf(buf, len, "list lists its never-listed test point (127.0.0.1): it is "
			 "listing the world; not used this run");
		break;
	case REASON_LIST_REFUSED:
		snprintf(buf, len, "list refuses this resolver (test point answered with a refusal "
			 "code); not used this run");
		break;
	case REASON_LIST_UNREACHABLE:
		snprintf(buf, len, "list unreachable (test point query failed); not used this run");
		break;
	case REASON_NOT_RUN:
		snprintf(buf, len, "not checked: the run was interrupted");
		break;
	}
}

size_t verdict_meanings(const verdict_t *v, const catalog_list_t *l, const char **out,
			size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < v->ncodes && n < max; i++) {
		const catalog_code_t *m[VERDICT_MAX_CODES];
		size_t nm = catalog_codes_match(l, v->codes[i], m, VERDICT_MAX_CODES);
		if (nm == 0 && (v->codes[i] >> 24) == 127 && v->codes[i] != 0x7f000001)
			out[n++] = "code not in the catalog for this list";
		for (size_t k = 0; k < nm && n < max; k++)
			out[n++] = m[k]->meaning;
	}
	return n;
}
