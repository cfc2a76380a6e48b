/* api_csv.c -- the paged target and problem documents as CSV (RFC 4180) for spreadsheets.
 * Made from the JSON documents themselves, so both formats always say the same; TXT is untrusted. */
#include "web/api_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/sbuf.h"

/* One cell. Quoted when it holds a comma, a quote or a line break (quotes
 * doubled). A cell a spreadsheet would run as a formula (=, +, -, @, or a tab
 * or CR first: the lists' TXT and the mail log are anyone's text) gets a
 * leading apostrophe, which spreadsheets show as text. */
static void cell(sbuf_t *b, bool first, const char *s)
{
	bool quote;

	if (!first)
		sbuf_puts(b, ",");
	if (!s)
		return;
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		sbuf_puts(b, "\"");
	if (strchr("=+-@\t\r", s[0]) && s[0])
		sbuf_puts(b, "'");
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			sbuf_puts(b, "\"\"");
		else
			sbuf_add(b, p, 1);
	}
	if (quote)
		sbuf_puts(b, "\"");
}

static void row_end(sbuf_t *b)
{
	sbuf_puts(b, "\r\n");
}

/* A member as a cell: strings as they are, numbers in decimal, booleans as
 * true/false, null and absent as an empty cell, arrays joined with "; ". */
static void member(sbuf_t *b, bool first, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key), *it;
	char num[32];
	sbuf_t j = SBUF_INIT;

	if (cJSON_IsString(v)) {
		cell(b, first, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		snprintf(num, sizeof(num), "%.0f", v->valuedouble);
		cell(b, first, num);
	} else if (cJSON_IsBool(v)) {
		cell(b, first, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(it, v)
			if (cJSON_IsString(it))
				sbuf_printf(&j, "%s%s", j.len ? "; " : "", it->valuestring);
		cell(b, first, j.p ? j.p : "");
		sbuf_free(&j);
	} else {
		cell(b, first, NULL);
	}
}

/* ---- targets: one row per target ---- */

static const char *const target_cols[] = {"target", "type", "status", "standing", "stale",
					  "discovered_from", "asn", "as_name", "listed_on",
					  "listed_since", "failing_on", "failing_reason"};

/* The zones of t's results in state `status` (or failing ones: status NULL),
 * "; "-separated into b; the earliest since of them and the first failing reason. */
static void results_cells(const cJSON *t, sbuf_t *listed, sbuf_t *failing, const char **since,
			  const char **why)
{
	const cJSON *r;

	*since = *why = NULL;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(t, "results"))
	{
		const char *zone = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "zone"));
		const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "status"));
		const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "kind"));
		const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "since"));
		const char *f = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(r, "failing_reason"));

		if (!zone)
			continue;
		if (st && !strcmp(st, "listed") && kind && !strcmp(kind, "block")) {
			sbuf_printf(listed, "%s%s", listed->len ? "; " : "", zone);
			/* RFC 3339 in UTC: the text order is the time order */
			if (s && (!*since || strcmp(s, *since) < 0))
				*since = s;
		}
		if (f) {
			sbuf_printf(failing, "%s%s", failing->len ? "; " : "", zone);
			if (!*why)
				*why = f;
		}
	}
}

/* An item of a page: pages hold their items as printed JSON (api_page_add),
 * parsed back here; an object is returned as it is. Caller deletes *tmp. */
static const cJSON *item_object(const cJSON *it, cJSON **tmp)
{
	*tmp = cJSON_IsRaw(it) ? cJSON_Parse(it->valuestring) : NULL;
	return *tmp ? *tmp : it;
}

char *api_csv_targets(const cJSON *doc, size_t *len)
{
	sbuf_t b = SBUF_INIT;
	const cJSON *it;

	for (size_t i = 0; i < sizeof(target_cols) / sizeof(target_cols[0]); i++)
		cell(&b, i == 0, target_cols[i]);
	row_end(&b);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "targets"))
	{
		cJSON *tmp;
		const cJSON *t = item_object(it, &tmp);
		const cJSON *asn = cJSON_GetObjectItemCaseSensitive(t, "asn");
		sbuf_t listed = SBUF_INIT, failing = SBUF_INIT;
		const char *since, *why;

		results_cells(t, &listed, &failing, &since, &why);
		member(&b, true, t, "target");
		member(&b, false, t, "type");
		member(&b, false, t, "status");
		member(&b, false, t, "standing");
		member(&b, false, t, "stale");
		member(&b, false, t, "discovered_from");
		member(&b, false, asn, "asn");
		member(&b, false, asn, "name");
		cell(&b, false, listed.p ? listed.p : "");
		cell(&b, false, since);
		cell(&b, false, failing.p ? failing.p : "");
		cell(&b, false, why);
		row_end(&b);
		sbuf_free(&listed);
		sbuf_free(&failing);
		cJSON_Delete(tmp);
	}
	*len = b.len;
	return sbuf_take(&b);
}

/* ---- problems: one row per problem, worst first ---- */

static const char *const problem_cols[] = {"rank", "id", "headline", "scope", "severity", "zone",
					   "name", "entity", "affected", "targets", "since",
					   "stale", "codes", "meanings", "txt", "advice",
					   "removal_url", "ignored_by"};

char *api_csv_problems(const cJSON *doc, size_t *len)
{
	sbuf_t b = SBUF_INIT;
	const cJSON *it;
	size_t n = sizeof(problem_cols) / sizeof(problem_cols[0]);

	for (size_t i = 0; i < n; i++)
		cell(&b, i == 0, problem_cols[i]);
	row_end(&b);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "problems"))
	{
		cJSON *tmp;
		const cJSON *p = item_object(it, &tmp);
		for (size_t i = 0; i < n; i++)
			member(&b, i == 0, p, problem_cols[i]);
		row_end(&b);
		cJSON_Delete(tmp);
	}
	*len = b.len;
	return sbuf_take(&b);
}
