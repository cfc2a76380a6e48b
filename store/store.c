/* store.c -- the store's encodings: an answer's codes and TXT in columns, a target's ipkey,
 * list rows and answers read back, and results made from what is stored. */
#include "store/store_int.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/text.h"

size_t store_ipkey(const target_t *t, uint8_t *out)
{
	size_t n;

	switch (t->type) {
	case TARGET_IPV4:
		out[0] = STORE_IPKEY_V4;
		memcpy(out + 1, t->addr, 4);
		return 5;
	case TARGET_IPV6:
		out[0] = STORE_IPKEY_V6;
		memcpy(out + 1, t->addr, 16);
		return 17;
	default:
		out[0] = STORE_IPKEY_DOMAIN;
		n = strnlen(t->name, STORE_IPKEY_BUF - 1);
		memcpy(out + 1, t->name, n);
		return n + 1;
	}
}

void store_bind_ipkey(store_stmt_t *st, int i, const target_t *t)
{
	uint8_t k[STORE_IPKEY_BUF];
	size_t n = store_ipkey(t, k);

	store_bind_blob(st, i, k, n);
}

/* ---- encodings ---- */

void store_codes_encode(const uint32_t *codes, size_t n, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "[");
	char a[16];

	for (size_t i = 0; i < n && o < len; i++) {
		verdict_addr_str(codes[i], a);
		o += (size_t)snprintf(buf + o, len - o, "%s\"%s\"", i ? "," : "", a);
	}
	if (o < len)
		snprintf(buf + o, len - o, "]");
}

size_t store_codes_decode(const char *json, uint32_t *out, size_t max)
{
	cJSON *arr = json ? cJSON_Parse(json) : NULL, *v;
	size_t n = 0;

	cJSON_ArrayForEach(v, arr)
	{
		struct in_addr a;
		if (n < max && cJSON_IsString(v) && inet_pton(AF_INET, v->valuestring, &a) == 1)
			out[n++] = ntohl(a.s_addr);
	}
	cJSON_Delete(arr);
	return n;
}

void store_txt_encode(const char *txt, uint16_t ntxt, char *buf, size_t len)
{
	cJSON *arr = cJSON_CreateArray();
	const char *p = txt;
	char *s;

	for (uint16_t i = 0; p && i < ntxt; i++) {
		char clean[1024];
		text_utf8_clean(p, clean, sizeof(clean));
		cJSON_AddItemToArray(arr, cJSON_CreateString(clean));
		p += strlen(p) + 1;
	}
	s = cJSON_PrintUnformatted(arr);
	if (s && strlen(s) < len)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "[]"); /* never store a cut, invalid JSON array */
	cJSON_free(s);
	cJSON_Delete(arr);
}

uint16_t store_txt_decode(const char *json, char *buf, size_t len)
{
	cJSON *arr = json ? cJSON_Parse(json) : NULL, *v;
	size_t o = 0;
	uint16_t n = 0;

	cJSON_ArrayForEach(v, arr)
	{
		size_t k;
		if (!cJSON_IsString(v))
			continue;
		k = strlen(v->valuestring);
		if (o + k + 1 > len)
			break;
		memcpy(buf + o, v->valuestring, k + 1);
		o += k + 1;
		n++;
	}
	if (len && !o)
		buf[0] = '\0';
	cJSON_Delete(arr);
	return n;
}

void store_answer_cols(store_stmt_t *st, int codes, int txt, int reason, store_answer_t *a)
{
	a->ncodes = (uint8_t)store_codes_decode(store_col_str(st, codes), a->codes, RESULT_MAX_CODES);
	a->ntxt = store_txt_decode(store_col_str(st, txt), a->txt, sizeof(a->txt));
	if (reason >= 0)
		store_col_copy(st, reason, a->reason, sizeof(a->reason));
	else
		a->reason[0] = '\0';
}

void store_list_cols(store_stmt_t *st, int first, store_list_t *out)
{
	memset(out, 0, sizeof(*out));
	out->id = store_col_int64(st, first);
	store_col_copy(st, first + 1, out->zone, sizeof(out->zone));
	store_col_copy(st, first + 2, out->name, sizeof(out->name));
	/* written from the catalog's names; anything unreadable is an info list, which
	 * never makes a target worse nor alerts */
	if (catalog_kind_parse(store_col_str(st, first + 3), &out->kind) < 0)
		out->kind = LIST_INFO;
	if (catalog_scope_parse(store_col_str(st, first + 4), &out->scope) < 0)
		out->scope = SCOPE_IP;
	if (dnsbl_health_parse(store_col_str(st, first + 5), &out->health) < 0)
		out->health = HEALTH_UNTESTED;
	store_col_copy(st, first + 6, out->detail, sizeof(out->detail));
	out->health_since = store_col_int64(st, first + 7);
	if (catalog_severity_parse(store_col_str(st, first + 8), &out->severity) < 0)
		out->severity = SEVERITY_MEDIUM;
	out->tally.results = store_col_int64(st, first + 9);
	out->tally.listed = store_col_int64(st, first + 10);
	out->tally.problems = store_col_int64(st, first + 11);
	out->tally.stale = store_col_int64(st, first + 12);
	out->tally.failing = store_col_int64(st, first + 13);
	out->tally.last_answer = store_col_int64(st, first + 14);
	out->tally.unchecked = store_col_int64(st, first + 15);
	store_col_copy(st, first + 16, out->data_source, sizeof(out->data_source));
	out->data_at = store_col_int64(st, first + 17);
	out->data_failing_since = store_col_int64(st, first + 18);
	store_col_copy(st, first + 19, out->data_error, sizeof(out->data_error));
}

target_type_t store_type_parse(const char *s)
{
	for (int t = TARGET_IPV4; t <= TARGET_DOMAIN; t++)
		if (s && !strcmp(s, target_type_name((target_type_t)t)))
			return (target_type_t)t;
	return TARGET_DOMAIN;
}

/* ---- answers ---- */

void store_answer_set(store_answer_t *a, const dnsbl_result_t *res, const char *reason)
{
	const char *p = res->txt;
	size_t o = 0;

	memset(a, 0, sizeof(*a));
	a->ncodes = res->v.ncodes;
	memcpy(a->codes, res->v.codes, sizeof(a->codes[0]) * res->v.ncodes);
	for (uint16_t i = 0; p && i < res->ntxt; i++) {
		char clean[1024];
		size_t k = text_utf8_clean(p, clean, sizeof(clean));
		if (o + k + 1 > sizeof(a->txt))
			break;
		memcpy(a->txt + o, clean, k + 1);
		o += k + 1;
		a->ntxt++;
		p += strlen(p) + 1;
	}
	snprintf(a->reason, sizeof(a->reason), "%s", reason ? reason : "");
}

void store_answer_to_result(const store_answer_t *a, result_t *r)
{
	r->ncodes = a->ncodes;
	memcpy(r->codes, a->codes, sizeof(a->codes[0]) * a->ncodes);
	r->txt = a->ntxt ? a->txt : NULL;
	r->ntxt = a->ntxt;
	r->reason = a->reason;
}

void store_result(result_t *r, const catalog_list_t *list, const store_list_t *row,
		  status_t status, const store_answer_t *ans)
{
	memset(r, 0, sizeof(*r));
	r->list = list;
	r->zone = row->zone;
	r->name = row->name;
	r->scope = row->scope;
	r->kind = row->kind;
	r->status = status;
	store_answer_to_result(ans, r);
}

bool store_answer_same_codes(const store_answer_t *a, const store_answer_t *b)
{
	return a->ncodes == b->ncodes &&
	       !memcmp(a->codes, b->codes, sizeof(a->codes[0]) * a->ncodes);
}
