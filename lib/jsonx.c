/* jsonx.c -- cJSON helpers: cleaned string members, RFC 3339 times, member lookup, printing.
 * One copy of what report, API, metrics and alert builders each used to carry. */
#include "lib/jsonx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/text.h"
#include "lib/timefmt.h"
#include "lib/xmalloc.h"

#define JSONX_TEXT_MAX 4096 /* bytes of one string member: TXT records, reasons, lines */

void jsonx_add_text(cJSON *o, const char *key, const char *s)
{
	if (!s || !*s) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	jsonx_add_str(o, key, s);
}

void jsonx_add_str(cJSON *o, const char *key, const char *s)
{
	char buf[JSONX_TEXT_MAX];

	text_utf8_clean(s ? s : "", buf, sizeof(buf));
	cJSON_AddStringToObject(o, key, buf);
}

void jsonx_add_time(cJSON *o, const char *key, int64_t t)
{
	char buf[TIMEFMT_MAX];

	if (t <= 0) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	timefmt_rfc3339(t, buf);
	cJSON_AddStringToObject(o, key, buf);
}

void jsonx_add_num_or_null(cJSON *o, const char *key, double v, int have)
{
	if (have)
		cJSON_AddNumberToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

void jsonx_push_str(cJSON *arr, const char *s)
{
	char buf[JSONX_TEXT_MAX];

	text_utf8_clean(s ? s : "", buf, sizeof(buf));
	cJSON_AddItemToArray(arr, cJSON_CreateString(buf));
}

const char *jsonx_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

char *jsonx_print(const cJSON *doc)
{
	char *s = cJSON_PrintUnformatted(doc), *r;

	if (!s) {
		fprintf(stderr, "blmon: out of memory printing JSON\n");
		abort();
	}
	r = xstrdup(s);
	cJSON_free(s);
	return r;
}

double jsonx_num(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}
