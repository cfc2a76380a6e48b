/* check_report.c -- human tables and streamed JSON for `blmon check`.
 * Untrusted text (TXT) is escaped for the terminal and UTF-8-cleaned for JSON. */
#include "monitor/cli/check_report.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checks/result.h"
#include "lib/text.h"
#include "lib/jsonx.h"
#include "lib/timefmt.h"
#include "lib/xmalloc.h"

#define HUMAN_ALL_LIMIT 256 /* above this many targets, clean ones are not printed */

struct check_report {
	check_report_opts_t o;
	catalog_list_t *const *lists;
	size_t nlists;
	const dnsbl_list_state_t *states;
	unsigned long long total, done;
	unsigned long long listed, unknown, clean;
	bool first_target;
	struct timespec start, last_progress;
	/* Per list, its result object for a plain NXDOMAIN, printed once by
	 * cJSON: most results of a network sweep are exactly that, and building
	 * and freeing a tree for each cost most of a sweep's CPU. */
	char **clean_json;
};

static const char *col(const check_report_t *r, const char *code)
{
	return r->o.color ? code : "";
}

#define RED "\033[1;31m"
#define YEL "\033[33m"
#define GRN "\033[32m"
#define DIM "\033[2m"
#define RST "\033[0m"

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

void check_report_begin(check_report_t *r)
{
	char ts[TIMEFMT_MAX];

	timefmt_rfc3339(time(NULL), ts);
	if (r->o.json) {
		cJSON *lists = cJSON_CreateArray();
		fprintf(r->o.out, "{\"checked_at\":\"%s\",\"resolver\":", ts);
		{
			cJSON *res = cJSON_CreateString(r->o.resolver);
			print_json(r, res);
			cJSON_Delete(res);
		}
		for (size_t i = 0; i < r->nlists; i++) {
			result_list_t rl;
			result_list_from_catalog(&rl, r->lists[i], &r->states[i]);
			cJSON_AddItemToArray(lists, result_list_json(&rl));
		}
		fputs(",\"lists\":", r->o.out);
		print_json(r, lists);
		cJSON_Delete(lists);
		fputs(",\"targets\":[\n", r->o.out);
		return;
	}
	fprintf(r->o.out, "%sblmon check%s  %s  resolver %s  %llu target%s x %zu list%s\n",
		col(r, "\033[1m"), col(r, RST), ts, r->o.resolver, r->total,
		r->total == 1 ? "" : "s", r->nlists, r->nlists == 1 ? "" : "s");
	/* list health once, not once per target */
	for (size_t i = 0; i < r->nlists; i++) {
		const dnsbl_list_state_t *s = &r->states[i];
		char det[400];
		if (s->health == HEALTH_OK || s->health == HEALTH_UNTESTED)
			continue;
		text_escape_term(s->detail, det, sizeof(det));
		fprintf(r->o.out, "%s! %s (%s) is %s%s: %s\n    -> %s\n", col(r, YEL), r->lists[i]->name,
			catalog_zone_shown(r->lists[i], r->lists[i]->zone), dnsbl_health_name(s->health),
			col(r, RST), det,
			result_health_advice(s->health));
	}
	fputc('\n', r->o.out);
}

static cJSON *target_result_json(const check_report_t *r, const target_t *t,
				 const dnsbl_result_t *res)
{
	result_t x;
	char reason[RESULT_REASON_MAX];

	result_from_engine(&x, r->lists[res->list], res, &r->states[res->list], reason);
	return result_json(&x, t->name, RESULT_JSON_CHECK);
}

static void count(check_report_t *r, status_t st)
{
	r->done++;
	if (st == STATUS_LISTED)
		r->listed++;
	else if (st == STATUS_UNKNOWN)
		r->unknown++;
	else
		r->clean++;
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
		r->done, r->total, 100.0 * (double)r->done / (double)r->total, el, r->listed,
		r->unknown);
	if (r->done == r->total)
		fputc('\n', stderr);
}

static void human_target(check_report_t *r, const target_t *t, const dnsbl_result_t *res, size_t nres,
			 status_t st)
{
	size_t nclean = 0, nblock = 0;
	const char *stc = st == STATUS_LISTED ? RED : st == STATUS_UNKNOWN ? YEL : GRN;

	for (size_t i = 0; i < nres; i++)
		if (r->lists[res[i].list]->kind == LIST_BLOCK) {
			nblock++;
			nclean += res[i].v.status == STATUS_CLEAN;
		}
	if (st == STATUS_CLEAN && !r->o.verbose && r->total > HUMAN_ALL_LIMIT)
		return;
	fprintf(r->o.out, "%s%s%s  %s%s%s", col(r, "\033[1m"), t->name, col(r, RST), col(r, stc),
		st == STATUS_LISTED ? "LISTED" : st == STATUS_UNKNOWN ? "UNKNOWN" : "clean",
		col(r, RST));
	if (t->from)
		fprintf(r->o.out, "  (address of %s)", t->from);
	fprintf(r->o.out, "  %zu of %zu block lists clean\n", nclean, nblock);
	for (size_t i = 0; i < nres; i++) {
		const dnsbl_result_t *x = &res[i];
		const catalog_list_t *l = r->lists[x->list];
		result_t rx;
		char reason[RESULT_REASON_MAX], esc[4096], url[512];
		const char *p = x->txt;
		bool allow = l->kind != LIST_BLOCK;

		if (x->v.status == STATUS_CLEAN && !r->o.verbose && x->v.ncodes == 0)
			continue;
		if (x->v.reason >= REASON_LIST_DEAD && x->v.reason <= REASON_LIST_UNREACHABLE &&
		    !r->o.verbose)
			continue; /* the list's health banner already said it, once */
		result_from_engine(&rx, l, x, &r->states[x->list], reason);
		fprintf(r->o.out, "  %s%-8s%s %s (%s)",
			col(r, x->v.status == STATUS_LISTED ? (allow ? GRN : RED)
			       : x->v.status == STATUS_UNKNOWN ? YEL : GRN),
			status_name(rx.status), col(r, RST), l->name, result_zone_shown(&rx));
		if (allow && x->v.status == STATUS_LISTED)
			fprintf(r->o.out, " [%s list: not a problem]", catalog_kind_name(l->kind));
		else if (l->scope == SCOPE_NETWORK || l->scope == SCOPE_ASN)
			fprintf(r->o.out, " [%s listing: your neighbourhood, not only this IP]",
				catalog_scope_name(l->scope));
		fputc('\n', r->o.out);
		/* each code with what it means on this list */
		for (size_t k = 0; k < rx.ncodes && x->v.reason != REASON_ERROR_CODE; k++) {
			result_t one = rx;
			const char *m[RESULT_MAX_MEANINGS];
			size_t nm;
			char a[16];

			one.ncodes = 1;
			one.codes[0] = rx.codes[k];
			nm = result_meanings(&one, m, RESULT_MAX_MEANINGS);
			verdict_addr_str(rx.codes[k], a);
			fprintf(r->o.out, "           %-15s %s\n", a, nm ? m[0] : "");
			for (size_t j = 1; j < nm; j++)
				fprintf(r->o.out, "           %-15s %s\n", "", m[j]);
		}
		if (reason[0]) {
			text_escape_term(reason, esc, sizeof(esc));
			fprintf(r->o.out, "           %s\n", esc);
		}
		for (uint16_t k = 0; k < x->ntxt; k++) {
			text_escape_term(p, esc, sizeof(esc));
			fprintf(r->o.out, "           TXT: %s\n", esc);
			p += strlen(p) + 1;
		}
		if (result_removal_url(&rx, t->name, url, sizeof(url)) == 0)
			fprintf(r->o.out, "           removal: %s\n", url);
	}
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

void check_report_target(void *ud, const target_t *t, const dnsbl_result_t *res, size_t nres)
{
	check_report_t *r = ud;
	status_t st = check_report_target_status(r->lists, res, nres);

	count(r, st);
	if (r->o.json && print_plain(r, t, res, nres, st))
		return;
	if (r->o.json) {
		cJSON *o = cJSON_CreateObject(), *arr;
		cJSON_AddStringToObject(o, "target", t->name);
		cJSON_AddStringToObject(o, "type", target_type_name(t->type));
		cJSON_AddStringToObject(o, "status", status_name(st));
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
		human_target(r, t, res, nres, st);
		progress(r);
	}
}

void check_report_unchecked(check_report_t *r, const char *name, const char *reason)
{
	char esc[512];

	count(r, STATUS_UNKNOWN);
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
	text_escape_term(reason, esc, sizeof(esc));
	fprintf(r->o.out, "%s%s%s  %sUNKNOWN%s  %s\n", col(r, "\033[1m"), name, col(r, RST),
		col(r, YEL), col(r, RST), esc);
}

int check_report_end(check_report_t *r, const dnsbl_stats_t *st, double seconds)
{
	int rc = r->listed ? 1 : r->unknown ? 3 : 0;

	if (r->o.json) {
		fprintf(r->o.out,
			"\n],\"summary\":{\"targets\":%llu,\"listed\":%llu,\"unknown\":%llu,"
			"\"clean\":%llu},\"queries\":%llu,\"duration_seconds\":%.3f}\n",
			r->done, r->listed, r->unknown, r->clean,
			(unsigned long long)(st->queries + st->txt_queries), seconds);
	} else {
		if (r->clean && !r->o.verbose && r->total > HUMAN_ALL_LIMIT)
			fprintf(r->o.out, "(%llu clean targets not shown; -v shows them)\n", r->clean);
		fprintf(r->o.out,
			"\n%s%llu listed%s, %s%llu unknown%s, %llu clean: %llu target%s, %llu queries "
			"(%llu timed out) in %.2f s\n",
			col(r, r->listed ? RED : ""), r->listed, col(r, r->listed ? RST : ""),
			col(r, r->unknown ? YEL : ""), r->unknown, col(r, r->unknown ? RST : ""),
			r->clean, r->done, r->done == 1 ? "" : "s",
			(unsigned long long)(st->queries + st->txt_queries),
			(unsigned long long)st->timeouts, seconds);
	}
	fflush(r->o.out);
	return rc;
}
