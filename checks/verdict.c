/* verdict.c -- the rules that decide what a DNSBL answer means.
 * Three outcomes, never two: anything that is not certain evidence is "unknown" with a reason. */
#include "checks/verdict.h"

#include <stdbool.h>
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
	case DNS_UNUSABLE: return "unusable answer";
	case DNS_TCP_CLOSED: return "TCP connection closed";
	case DNS_OTHER: break;
	}
	return "DNS error";
}

const char *verdict_error_class(verdict_reason_t r)
{
	switch (r) {
	case REASON_NONE:
	case REASON_NXDOMAIN:
	case REASON_NODATA:
	case REASON_NEUTRAL:
	case REASON_LISTED:
	case REASON_NOT_RUN: return NULL;
	case REASON_TIMEOUT: return "timeout";
	case REASON_SERVFAIL: return "servfail";
	case REASON_REFUSED: return "refused";
	case REASON_CONNREFUSED: return "connection_refused";
	case REASON_TCP_CLOSED: return "tcp_closed";
	case REASON_ERROR_CODE: return "error_code";
	case REASON_OUTSIDE_127:
	case REASON_LOOPBACK:
	case REASON_UNUSABLE: return "bad_answer";
	case REASON_LIST_DEAD: return "list_dead";
	case REASON_LIST_WILDCARD: return "list_wildcard";
	case REASON_LIST_REFUSED: return "list_refused";
	case REASON_LIST_UNREACHABLE: return "list_unreachable";
	case REASON_NO_DATA: return "no_data";
	case REASON_DNS_OTHER:
	case REASON_BADNAME: break;
	}
	return "other";
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
	[DNS_UNUSABLE] = REASON_UNUSABLE, [DNS_TCP_CLOSED] = REASON_TCP_CLOSED,
};

/* How bad a taint is: outside 127/8 (a hijacked zone) > 127.0.0.1 > an error code. */
static int taint_rank(verdict_reason_t r)
{
	return r == REASON_OUTSIDE_127 ? 3 : r == REASON_LOOPBACK ? 2 : r == REASON_ERROR_CODE ? 1 : 0;
}

static void taint(verdict_acc_t *acc, verdict_reason_t r, uint32_t a)
{
	if (taint_rank(r) > taint_rank(acc->bad)) {
		acc->bad = r;
		acc->v->bad = a; /* the first address of the worst kind, named in the reason */
	}
}

/* Keeps a among the distinct codes, sorted: resolvers may rotate records, and
 * a stable set keeps "the same answer" equal. */
static void keep_code(verdict_t *v, uint32_t a)
{
	size_t k = 0;

	while (k < v->ncodes && v->codes[k] < a)
		k++;
	if (k < v->ncodes && v->codes[k] == a)
		return;
	if (v->ncodes == VERDICT_MAX_CODES) {
		v->more = 1;
		return;
	}
	memmove(v->codes + k + 1, v->codes + k, (v->ncodes - k) * sizeof(v->codes[0]));
	v->codes[k] = a;
	v->ncodes++;
}

void verdict_start(verdict_acc_t *acc, const catalog_list_t *l, verdict_t *out)
{
	memset(out, 0, sizeof(*out));
	acc->l = l;
	acc->v = out;
	acc->listed = false;
	acc->bad = REASON_NONE;
}

/* Every record counts: one bad record taints the whole answer. */
void verdict_add(void *ud, uint32_t a)
{
	verdict_acc_t *acc = ud;
	const catalog_code_t *m[VERDICT_MAX_CODES];
	size_t nm;

	keep_code(acc->v, a);
	if ((a >> 24) != 127) {
		taint(acc, REASON_OUTSIDE_127, a);
		return;
	}
	if (a == 0x7f000001) {
		taint(acc, REASON_LOOPBACK, a);
		return;
	}
	nm = catalog_codes_match(acc->l, a, m, VERDICT_MAX_CODES);
	if (nm == 0) {
		acc->listed = true; /* an unlisted code inside 127/8 is still an A record: RFC 5782 */
		return;
	}
	for (size_t k = 0; k < nm; k++) {
		if (m[k]->cls == CODE_ERROR)
			taint(acc, REASON_ERROR_CODE, a);
		else if (m[k]->cls == CODE_LISTED)
			acc->listed = true;
	}
}

void verdict_finish(verdict_acc_t *acc)
{
	verdict_t *v = acc->v;

	if (acc->bad != REASON_NONE) {
		v->status = STATUS_UNKNOWN;
		v->reason = (uint8_t)acc->bad;
	} else if (acc->listed) {
		v->status = STATUS_LISTED;
		v->reason = REASON_LISTED;
	} else if (v->ncodes) {
		v->status = STATUS_CLEAN;
		v->reason = REASON_NEUTRAL;
	} else {
		v->status = STATUS_CLEAN;
		v->reason = REASON_NODATA;
	}
}

/* A verdict from an outcome without records. */
static void no_records(dns_outcome_t outcome, verdict_t *out)
{
	bool clean = outcome == DNS_NXDOMAIN || outcome == DNS_NODATA || outcome == DNS_OK;

	memset(out, 0, sizeof(*out));
	out->status = clean ? STATUS_CLEAN : STATUS_UNKNOWN;
	out->reason = outcome == DNS_OK ? REASON_NODATA : outcome_reason[outcome];
}

void verdict_from_answer(const catalog_list_t *l, dns_outcome_t outcome, const uint32_t *addrs,
			 size_t naddrs, verdict_t *out)
{
	verdict_acc_t acc;

	if (outcome != DNS_OK || naddrs == 0) {
		no_records(outcome, out);
		return;
	}
	verdict_start(&acc, l, out);
	for (size_t i = 0; i < naddrs; i++)
		verdict_add(&acc, addrs[i]);
	verdict_finish(&acc);
}

void verdict_from_packet(const catalog_list_t *l, dns_outcome_t outcome, const unsigned char *buf,
			 size_t len, verdict_t *out, uint32_t *ttl)
{
	verdict_acc_t acc;
	answer_info_t info;

	*ttl = 0;
	if (outcome != DNS_OK) {
		no_records(outcome, out);
		return;
	}
	verdict_start(&acc, l, out);
	switch (answer_read_a(buf, len, verdict_add, &acc, &info)) {
	case ANSWER_EMPTY:
		no_records(DNS_NODATA, out);
		return;
	case ANSWER_UNUSABLE:
		/* records, none of them an answer: a broken or lying resolver, never clean */
		memset(out, 0, sizeof(*out));
		out->status = STATUS_UNKNOWN;
		out->reason = REASON_UNUSABLE;
		out->flaw = (uint8_t)info.flaw;
		return;
	case ANSWER_OK:
		break;
	}
	verdict_finish(&acc);
	*ttl = info.ttl;
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
		code = v->bad ? v->bad : first_code(v, l, CODE_ERROR, &row);
		if (!row) {
			const catalog_code_t *m[VERDICT_MAX_CODES];
			size_t nm = catalog_codes_match(l, code, m, VERDICT_MAX_CODES);
			for (size_t k = 0; k < nm && !row; k++)
				if (m[k]->cls == CODE_ERROR)
					row = m[k];
		}
		verdict_addr_str(code, a);
		snprintf(buf, len, "%s (%s)", row ? row->meaning : "error code", a);
		break;
	case REASON_OUTSIDE_127:
		verdict_addr_str(v->bad, a); /* the address that was seen, whichever record it was */
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
		/* the zone as shown: a keyed zone holds its key */
		snprintf(buf, len, "DNS SERVFAIL: the resolver could not get an answer from %s",
			 catalog_zone_shown(l, l->zone));
		break;
	case REASON_REFUSED:
		snprintf(buf, len, "DNS REFUSED: the server refused to answer for %s",
			 catalog_zone_shown(l, l->zone));
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
	case REASON_UNUSABLE:
		snprintf(buf, len,
			 "the answer holds records but no usable A record for the name asked (%s): "
			 "a broken or lying resolver; neither listed nor clean",
			 answer_flaw_text((answer_flaw_t)v->flaw));
		break;
	case REASON_TCP_CLOSED:
		snprintf(buf, len, "the server closed the TCP connection before answering (retried)");
		break;
	case REASON_NO_DATA:
		snprintf(buf, len, "the list's data files are not loaded: nothing to answer from");
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
