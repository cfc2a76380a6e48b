/* check_report.c -- `blmon check`'s counts, exit status and JSON: streamed per target, or the problems.
 * Untrusted text (TXT) is UTF-8-cleaned for JSON; people's output is check_report_human.c's. */
#include "monitor/cli/check_report.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/text.h"
#include "lib/jsonx.h"
#include "lib/xmalloc.h"
#include "monitor/cli/check_report_int.h"

const char *check_report_col(const check_report_t *r, const char *code)
{
	return r->o.color ? code : "";
}

check_report_t *check_report_new(const check_report_opts_t *o, catalog_list_t *const *lists, size_t nlists,
		     const dnsbl_list_state_t *states, unsigned long long total_targets)
{
	check_report_t *r = xcalloc(1, sizeof(*r));

	r->o = *o;
	r->lists = lists;
	r->nlists = nlists;
	r->states = states;
	r->total = total_targets;
	r->first_target = true;
	r->rule_of = xcalloc(nlists ? nlists : 1, sizeof(*r->rule_of));
	if (!o->json)
		r->ps = problem_set_new();
	timefmt_rfc3339(time(NULL), r->checked_at);
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	return r;
}

void check_report_free(check_report_t *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->clean_json && i < r->nlists; i++)
		cJSON_free(r->clean_json[i]);
	free(r->clean_json);
	free(r->rule_of);
	problem_set_free(r->ps);
	check_report_human_free(r);
	free(r);
}

status_t check_report_target_status(catalog_list_t *const *lists, const dnsbl_result_t *res,
				    size_t nres)
{
	result_tally_t t = RESULT_TALLY_INIT;

	for (size_t i = 0; i < nres; i++)
		result_tally_add(&t, lists[res[i].list]->kind, (status_t)res[i].v.status);
	return result_tally_status(&t);
}

static void print_json(check_report_t *r, cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	fputs(s, r->o.out);
	cJSON_free(s);
}

/* The lists of the run with their health. Caller owns the result. */
static cJSON *lists_json(const check_report_t *r)
{
	cJSON *lists = cJSON_CreateArray();

	for (size_t i = 0; i < r->nlists; i++) {
		result_list_t rl;
		result_list_from_catalog(&rl, r->lists[i], &r->states[i]);
		cJSON_AddItemToArray(lists, result_list_json(&rl));
	}
	return lists;
}

void check_report_begin(check_report_t *r)
{
	if (r->o.problems)
		return; /* one document, printed whole at the end */
	if (r->o.json) {
		cJSON *res = cJSON_CreateString(r->o.resolver), *lists = lists_json(r);
		fprintf(r->o.out, "{\"checked_at\":\"%s\",\"resolver\":", r->checked_at);
		print_json(r, res);
		cJSON_Delete(res);
		fputs(",\"lists\":", r->o.out);
		print_json(r, lists);
		cJSON_Delete(lists);
		fputs(",\"targets\":[\n", r->o.out);
		return;
	}
	check_report_human_begin(r);
}

static cJSON *target_result_json(const check_report_t *r, const target_t *t,
				 const dnsbl_result_t *res)
{
	result_t x;
	char reason[RESULT_REASON_MAX];

	result_from_engine(&x, r->lists[res->list], res, &r->states[res->list], reason);
	return result_json(&x, t->name, RESULT_JSON_CHECK);
}

/* Counts a target: raw is what the lists said, st the same with [ignore]
 * rules applied; ignored: one of its listings is ignored. */
static void count(check_report_t *r, status_t raw, status_t st, bool ignored)
{
	r->done++;
	if (raw == STATUS_LISTED)
		r->listed++;
	else if (raw == STATUS_UNKNOWN)
		r->unknown++;
	else
		r->clean++;
	if (st == STATUS_LISTED)
		r->e_listed++;
	else if (st == STATUS_UNKNOWN)
		r->e_unknown++;
	else if (ignored)
		r->e_ignored++;
	else
		r->e_clean++;
}

static void progress(check_report_t *r)
{
	struct timespec now;
	double el;

	if (!r->o.progress || r->total < 1000)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec == r->last_progress.tv_sec && r->done != r->total)
		return;
	r->last_progress = now;
	el = (double)(now.tv_sec - r->start.tv_sec) + (double)(now.tv_nsec - r->start.tv_nsec) / 1e9;
	fprintf(stderr, "\r%llu/%llu targets (%.0f%%), %.1f s, %llu listed, %llu unknown   ",
		r->done, r->total, 100.0 * (double)r->done / (double)r->total, el, r->e_listed,
		r->e_unknown);
	if (r->done == r->total)
		fputc('\n', stderr);
}

/* A result that says nothing but "not listed": its JSON is the same for every
 * target of its list. */
static bool plain_clean(const dnsbl_result_t *x)
{
	return x->v.status == STATUS_CLEAN && x->v.reason == REASON_NXDOMAIN && x->v.ncodes == 0 &&
	       x->ntxt == 0 && !x->skipped;
}

/* Prints a target whose results are all plain NXDOMAINs from the cached
 * objects. Target names are canonical addresses or validated LDH domains:
 * nothing in them needs JSON escaping. */
static bool print_plain(check_report_t *r, const target_t *t, const dnsbl_result_t *res, size_t nres,
			status_t st)
{
	if (t->from)
		return false;
	for (size_t i = 0; i < nres; i++)
		if (!plain_clean(&res[i]))
			return false;
	if (!r->clean_json) {
		target_t dummy;
		memset(&dummy, 0, sizeof(dummy));
		r->clean_json = xcalloc(r->nlists, sizeof(*r->clean_json));
		for (size_t i = 0; i < r->nlists; i++) {
			dnsbl_result_t x;
			cJSON *o;
			memset(&x, 0, sizeof(x));
			x.list = (uint16_t)i;
			x.v.status = STATUS_CLEAN;
			x.v.reason = REASON_NXDOMAIN;
			o = target_result_json(r, &dummy, &x);
			r->clean_json[i] = cJSON_PrintUnformatted(o);
			cJSON_Delete(o);
		}
	}
	fprintf(r->o.out, "%s{\"target\":\"%s\",\"type\":\"%s\",\"status\":\"%s\",\"results\":[",
		r->first_target ? "" : ",\n", t->name, target_type_name(t->type),
		status_name(st));
	for (size_t i = 0; i < nres; i++) {
		if (i)
			fputc(',', r->o.out);
		fputs(r->clean_json[res[i].list], r->o.out);
	}
	fputs("]}", r->o.out);
	r->first_target = false;
	return true;
}

/* Folds t's listings into the problems (people, --problems) and applies the
 * [ignore] rules: r->rule_of[i] gets the rule ignoring result i's listing.
 * Returns t's status with ignored listings counted as clean. */
static status_t fold(check_report_t *r, const target_t *t, const dnsbl_result_t *res, size_t nres,
		     bool *ignored)
{
	result_tally_t tally = RESULT_TALLY_INIT;

	*ignored = false;
	for (size_t i = 0; i < nres; i++) {
		const catalog_list_t *l = r->lists[res[i].list];
		status_t s = (status_t)res[i].v.status;

		r->rule_of[i] = NULL;
		if (s == STATUS_LISTED && l->kind == LIST_BLOCK && (r->ps || r->o.nrules)) {
			result_t x;
			char reason[RESULT_REASON_MAX];

			result_from_engine(&x, l, &res[i], &r->states[res[i].list], reason);
			/* no AS is looked up by `blmon check`: an AS listing whose TXT names
			   none groups as "AS?" */
			if (r->ps)
				problem_set_add(r->ps, &x, t, 0, r->o.rules, r->o.nrules);
			r->rule_of[i] = problem_rule_match(r->o.rules, r->o.nrules, &x, t);
			if (r->rule_of[i]) {
				s = STATUS_CLEAN; /* accepted on purpose: not a listing to act on */
				*ignored = true;
			}
		}
		result_tally_add(&tally, l->kind, s);
	}
	return result_tally_status(&tally);
}

void check_report_target(void *ud, const target_t *t, const dnsbl_result_t *res, size_t nres)
{
	check_report_t *r = ud;
	status_t raw = check_report_target_status(r->lists, res, nres), st;
	bool ignored;

	st = fold(r, t, res, nres, &ignored);
	count(r, raw, st, ignored);
	if (r->o.problems)
		return;
	if (r->o.json && print_plain(r, t, res, nres, raw))
		return;
	if (r->o.json) {
		cJSON *o = cJSON_CreateObject(), *arr;
		cJSON_AddStringToObject(o, "target", t->name);
		cJSON_AddStringToObject(o, "type", target_type_name(t->type));
		cJSON_AddStringToObject(o, "status", status_name(raw));
		if (t->from)
			cJSON_AddStringToObject(o, "discovered_from", t->from);
		arr = cJSON_AddArrayToObject(o, "results");
		for (size_t i = 0; i < nres; i++)
			cJSON_AddItemToArray(arr, target_result_json(r, t, &res[i]));
		if (!r->first_target)
			fputs(",\n", r->o.out);
		r->first_target = false;
		print_json(r, o);
		cJSON_Delete(o);
	} else {
		check_report_human_target(r, t, res, nres, st, ignored);
		progress(r);
	}
}

void check_report_unchecked(check_report_t *r, const char *name, const char *reason)
{
	count(r, STATUS_UNKNOWN, STATUS_UNKNOWN, false);
	if (r->o.problems)
		return;
	if (r->o.json) {
		cJSON *o = cJSON_CreateObject();
		char clean[512];
		text_utf8_clean(name, clean, sizeof(clean));
		cJSON_AddStringToObject(o, "target", clean);
		cJSON_AddStringToObject(o, "type", "domain");
		cJSON_AddStringToObject(o, "status", "unknown");
		jsonx_add_text(o, "reason", reason);
		cJSON_AddArrayToObject(o, "results");
		if (!r->first_target)
			fputs(",\n", r->o.out);
		r->first_target = false;
		print_json(r, o);
		cJSON_Delete(o);
		return;
	}
	check_report_human_unchecked(r, name, reason);
}

/* The targets by status, as the lists said them (both JSON documents). */
static cJSON *summary_json(const check_report_t *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "targets", (double)r->done);
	cJSON_AddNumberToObject(o, "listed", (double)r->listed);
	cJSON_AddNumberToObject(o, "unknown", (double)r->unknown);
	cJSON_AddNumberToObject(o, "clean", (double)r->clean);
	return o;
}

/* --problems: schemas/check-problems.schema.json, whole (it grows with the
 * problems, not with the targets). */
static void print_problems(check_report_t *r)
{
	cJSON *doc = cJSON_CreateObject(), *arr;
	problem_t *const *v;
	size_t n;

	cJSON_AddStringToObject(doc, "checked_at", r->checked_at);
	jsonx_add_str(doc, "resolver", r->o.resolver);
	cJSON_AddItemToObject(doc, "lists", lists_json(r));
	arr = cJSON_AddArrayToObject(doc, "problems");
	v = problem_set_sorted(r->ps, &n);
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, problem_json(v[i]));
	cJSON_AddItemToObject(doc, "summary", summary_json(r));
	print_json(r, doc);
	fputc('\n', r->o.out);
	cJSON_Delete(doc);
}

int check_report_end(check_report_t *r, const dnsbl_stats_t *st, double seconds)
{
	int rc = r->e_listed ? 1 : r->e_unknown ? 3 : 0;

	if (r->o.problems) {
		print_problems(r);
	} else if (r->o.json) {
		fprintf(r->o.out,
			"\n],\"summary\":{\"targets\":%llu,\"listed\":%llu,\"unknown\":%llu,"
			"\"clean\":%llu},\"queries\":%llu,\"duration_seconds\":%.3f}\n",
			r->done, r->listed, r->unknown, r->clean,
			(unsigned long long)(st->queries + st->txt_queries), seconds);
	} else {
		check_report_human_end(r, st, seconds);
	}
	fflush(r->o.out);
	return rc;
}
