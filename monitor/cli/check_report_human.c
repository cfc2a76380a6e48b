/* check_report_human.c -- `blmon check` for people: problems worst first, then targets in numeric order.
 * Memory grows with the problems and the targets worth a line, never with the network's size. */
#include "monitor/cli/check_report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sbuf.h"
#include "lib/text.h"
#include "lib/xmalloc.h"

#define HUMAN_ALL_LIMIT 256     /* above this many targets, only those worth a line are listed */
#define HUMAN_FULL_PROBLEMS 20  /* problems shown as a paragraph; the next ones as one line */
#define HUMAN_MAX_PROBLEMS 200  /* ... and after these only a count (-v: every one) */
#define HUMAN_IGNORED_SHOWN 10  /* ignored problems named, one line each */
#define HUMAN_WHY_MAX 16        /* distinct reasons for unknown results, said once each */
#define HUMAN_BRIEF 72          /* bytes of a reason in a target's line */
#define HUMAN_WIDTH 78          /* prose is wrapped to this many columns */

static const char *col(const check_report_t *r, const char *code)
{
	return check_report_col(r, code);
}

void check_report_human_begin(check_report_t *r)
{
	fprintf(r->o.out, "%sblmon check%s  %s  resolver %s  %llu target%s x %zu list%s\n",
		col(r, BOLD), col(r, RST), r->checked_at, r->o.resolver, r->total,
		r->total == 1 ? "" : "s", r->nlists, r->nlists == 1 ? "" : "s");
	/* list health once, not once per target */
	for (size_t i = 0; i < r->nlists; i++) {
		const dnsbl_list_state_t *s = &r->states[i];
		char det[400];
		if (s->health == HEALTH_OK || s->health == HEALTH_UNTESTED)
			continue;
		text_escape_term(s->detail, det, sizeof(det));
		fprintf(r->o.out, "%s! %s (%s) is %s%s: %s\n    -> %s\n", col(r, YEL), r->lists[i]->name,
			catalog_zone_shown(r->lists[i], r->lists[i]->zone), dnsbl_health_name(s->health), col(r, RST), det,
			result_list_advice(r->lists[i], s->health));
	}
}

void check_report_human_free(check_report_t *r)
{
	for (size_t i = 0; i < r->nlines; i++)
		free(r->lines[i].text);
	free(r->lines);
	free(r->why);
}

/* ---- per target ---- */

static bool sidelined(const dnsbl_result_t *x)
{
	return x->v.reason >= REASON_LIST_DEAD && x->v.reason <= REASON_LIST_UNREACHABLE;
}

/* Keeps a reason for unknown results once, counting how many share it. */
static void why_add(check_report_t *r, uint16_t list, const char *reason)
{
	for (size_t i = 0; i < r->nwhy; i++)
		if (r->why[i].list == list && !strcmp(r->why[i].reason, reason)) {
			r->why[i].n++;
			return;
		}
	if (r->nwhy == HUMAN_WHY_MAX) {
		r->why_more++;
		return;
	}
	if (!r->why)
		r->why = xcalloc(HUMAN_WHY_MAX, sizeof(*r->why));
	r->why[r->nwhy].list = list;
	snprintf(r->why[r->nwhy].reason, sizeof(r->why[0].reason), "%s", reason);
	r->why[r->nwhy++].n = 1;
}

/* A reason in a few words: up to its first ": " (the reasons say what
 * happened, then why and what to do), escaped for the terminal. */
static void brief(const char *reason, char *out, size_t len)
{
	char cut[HUMAN_BRIEF + 1];
	const char *colon = strstr(reason, ": ");
	size_t n = colon ? (size_t)(colon - reason) : strlen(reason);

	if (n > HUMAN_BRIEF)
		n = HUMAN_BRIEF;
	memcpy(cut, reason, n);
	cut[n] = '\0';
	text_escape_term(cut, out, len);
}

/* Appends s to b after sep when b holds something already. */
static void add_item(sbuf_t *b, const char *sep, const char *s)
{
	if (b->len)
		sbuf_puts(b, sep);
	sbuf_puts(b, s);
}

static void keep_line(check_report_t *r, const target_t *t, char *text)
{
	if (r->nlines == r->caplines) {
		r->caplines = r->caplines ? 2 * r->caplines : 64;
		r->lines = xrealloc(r->lines, r->caplines * sizeof(*r->lines));
	}
	r->lines[r->nlines].t = *t;
	r->lines[r->nlines].t.from = NULL; /* borrowed: said in the text instead */
	r->lines[r->nlines++].text = text;
}

void check_report_human_target(check_report_t *r, const target_t *t, const dnsbl_result_t *res,
			       size_t nres, status_t st, bool ignored)
{
	sbuf_t own = SBUF_INIT, hood = SBUF_INIT, ign = SBUF_INIT, unk = SBUF_INIT,
	       allow = SBUF_INIT, line = SBUF_INIT;
	bool net = false, as = false, ign_net = false, ign_as = false, unknown_own = false;

	for (size_t i = 0; i < nres; i++) {
		const dnsbl_result_t *x = &res[i];
		const catalog_list_t *l = r->lists[x->list];

		if (x->v.status == STATUS_LISTED && l->kind != LIST_BLOCK) {
			add_item(&allow, ", ", l->name);
		} else if (x->v.status == STATUS_LISTED && r->rule_of[i]) {
			if (l->scope == SCOPE_NETWORK || l->scope == SCOPE_ASN) {
				ign_net |= l->scope == SCOPE_NETWORK;
				ign_as |= l->scope == SCOPE_ASN;
			} else {
				add_item(&ign, ", ", l->name);
			}
		} else if (x->v.status == STATUS_LISTED && (l->scope == SCOPE_NETWORK ||
							    l->scope == SCOPE_ASN)) {
			add_item(&hood, ", ", l->name);
			net |= l->scope == SCOPE_NETWORK;
			as |= l->scope == SCOPE_ASN;
		} else if (x->v.status == STATUS_LISTED) {
			add_item(&own, ", ", l->name);
		} else if (x->v.status == STATUS_UNKNOWN && l->kind == LIST_BLOCK) {
			result_t rx;
			char reason[RESULT_REASON_MAX], b[HUMAN_BRIEF * 4 + 1];

			result_from_engine(&rx, l, x, &r->states[x->list], reason);
			if (sidelined(x)) /* its banner above says the rest */
				snprintf(b, sizeof(b), "list %s",
					 dnsbl_health_name(r->states[x->list].health));
			else
				brief(reason, b, sizeof(b));
			if (unk.len)
				sbuf_puts(&unk, ", ");
			sbuf_printf(&unk, "%s (%s)", l->name, b);
			unknown_own |= !sidelined(x);
			if (!sidelined(x) || r->o.verbose)
				why_add(r, x->list, reason);
		}
	}
	/* a line for every target of a small run; of a large one, only for those
	   with a listing or a failure of their own */
	if (!own.len && !unknown_own && !r->o.verbose && r->total > HUMAN_ALL_LIMIT) {
		if (st == STATUS_LISTED)
			r->hid_hood++;
		else if (st == STATUS_UNKNOWN)
			r->hid_unknown++;
		else if (ignored)
			r->hid_ignored++;
		else
			r->hid_clean++;
		goto out;
	}
	if (own.len)
		sbuf_printf(&line, "%sLISTED%s: %s", col(r, RED), col(r, RST), own.p);
	/* the neighbourhood's listing is said once, in its problem; here only that it applies */
	if (hood.len)
		sbuf_printf(&line, "%s through its %s", own.len ? "; also" : "listed",
			    net && as ? "network and AS" : net ? "network" : "AS");
	if (ign_net || ign_as)
		add_item(&ign, ", ", ign_net && ign_as ? "its network's and AS's listings"
				     : ign_net ? "its network's listing" : "its AS's listing");
	if (ign.len)
		sbuf_printf(&line, "%s%signored: %s%s", line.len ? "; " : "", col(r, DIM), ign.p,
			    col(r, RST));
	if (unk.len)
		sbuf_printf(&line, "%s%sUNKNOWN%s: %s", line.len ? "; " : "", col(r, YEL),
			    col(r, RST), unk.p);
	if (!line.len)
		sbuf_printf(&line, "%sclean%s", col(r, GRN), col(r, RST));
	if (allow.len)
		sbuf_printf(&line, "; on %s", allow.p);
	if (t->from)
		sbuf_printf(&line, "  (address of %s)", t->from);
	keep_line(r, t, sbuf_take(&line));
out:
	sbuf_free(&own);
	sbuf_free(&hood);
	sbuf_free(&ign);
	sbuf_free(&unk);
	sbuf_free(&allow);
	sbuf_free(&line);
}

void check_report_human_unchecked(check_report_t *r, const char *name, const char *reason)
{
	target_t t;
	sbuf_t line = SBUF_INIT;
	char esc[512];

	memset(&t, 0, sizeof(t));
	t.type = TARGET_DOMAIN; /* a host name: it sorts after the addresses */
	text_escape_term(name, t.name, sizeof(t.name));
	text_escape_term(reason, esc, sizeof(esc));
	sbuf_printf(&line, "%sUNKNOWN%s: %s", col(r, YEL), col(r, RST), esc);
	keep_line(r, &t, sbuf_take(&line));
}

/* ---- the end: problems, reasons, targets ---- */

/* Prints text after indent, wrapped at HUMAN_WIDTH on spaces. */
static void wrap(check_report_t *r, const char *indent, const char *text)
{
	size_t w = strlen(indent), at = w;

	fputs(indent, r->o.out);
	while (*text) {
		size_t n = strcspn(text, " ");
		if (at > w && at + 1 + n > HUMAN_WIDTH) {
			fprintf(r->o.out, "\n%*s", (int)w, "");
			at = w;
		} else if (at > w) {
			fputc(' ', r->o.out);
			at++;
		}
		fwrite(text, 1, n, r->o.out);
		at += n;
		text += n;
		text += strspn(text, " ");
	}
	fputc('\n', r->o.out);
}

static bool own_scope(const problem_t *p)
{
	return problem_scope_rank(p->scope) == 0;
}

/* One problem as a paragraph: what, the codes and their meanings, the list's
 * words, which addresses, what to do, where to ask for removal. */
static void paragraph(check_report_t *r, size_t i, const problem_t *p)
{
	char head[800], buf[1024], esc[PROBLEM_TXT_MAX * 4 + 1];

	problem_headline(p, head, sizeof(head));
	text_escape_term(head, buf, sizeof(buf));
	fprintf(r->o.out, "\n%zu. %s%s%s\n", i + 1, col(r, own_scope(p) ? RED : YEL), buf,
		col(r, RST));
	fprintf(r->o.out, "   %s: scope %s, severity %s%s\n", catalog_zone_shown(p->list, p->zone),
		catalog_scope_name(p->scope), catalog_severity_name(p->severity),
		p->stale ? ", stale" : "");
	/* each code with what it means on this list */
	for (uint8_t k = 0; k < p->ncodes; k++) {
		problem_t one = *p;
		const char *m[RESULT_MAX_MEANINGS];
		size_t nm;
		char a[16];

		one.ncodes = 1;
		one.codes[0] = p->codes[k];
		nm = problem_meanings(&one, m, RESULT_MAX_MEANINGS);
		verdict_addr_str(p->codes[k], a);
		fprintf(r->o.out, "   %-15s %s\n", a, nm ? m[0] : "");
		for (size_t j = 1; j < nm; j++)
			fprintf(r->o.out, "   %-15s %s\n", "", m[j]);
	}
	if (p->txt[0]) {
		text_escape_term(p->txt, esc, sizeof(esc));
		fprintf(r->o.out, "   TXT: %s\n", esc);
	}
	if (!own_scope(p) || p->affected > 1) {
		problem_affected(p, buf, sizeof(buf));
		fprintf(r->o.out, "   addresses: %s\n", buf);
	}
	wrap(r, "   what to do: ", problem_advice(p, buf, sizeof(buf)));
	if (problem_removal_url(p, buf, sizeof(buf)) == 0)
		fprintf(r->o.out, "   removal: %s\n", buf);
}

static void print_problems(check_report_t *r)
{
	size_t n, nact = 0, shown;
	problem_t *const *v = problem_set_sorted(r->ps, &n);
	char head[800], esc[1200];

	while (nact < n && !v[nact]->ignored) /* ignored ones sort last */
		nact++;
	if (nact)
		fprintf(r->o.out, "\n%sProblems: %zu, worst first%s\n", col(r, BOLD), nact,
			col(r, RST));
	for (size_t i = 0; i < nact; i++) {
		if (i < HUMAN_FULL_PROBLEMS || r->o.verbose) {
			paragraph(r, i, v[i]);
			continue;
		}
		if (i == HUMAN_FULL_PROBLEMS)
			fputc('\n', r->o.out); /* the rest in one line each */
		if (i >= HUMAN_MAX_PROBLEMS && !r->o.verbose) {
			fprintf(r->o.out, "... and %zu more problems (-v or --problems shows every one)\n",
				nact - i);
			break;
		}
		problem_headline(v[i], head, sizeof(head));
		text_escape_term(head, esc, sizeof(esc));
		fprintf(r->o.out, "%zu. %s\n", i + 1, esc);
	}
	if (n == nact)
		return;
	/* accepted on purpose: folded, one line each, never a paragraph */
	fprintf(r->o.out, "\n%sIgnored on purpose: %zu, by [ignore] rules%s\n", col(r, BOLD),
		n - nact, col(r, RST));
	shown = r->o.verbose ? n - nact : HUMAN_IGNORED_SHOWN;
	for (size_t i = nact; i < n && i - nact < shown; i++) {
		char rule[sizeof(v[i]->ignored->text) * 4];
		problem_headline(v[i], head, sizeof(head));
		text_escape_term(head, esc, sizeof(esc));
		text_escape_term(v[i]->ignored->text, rule, sizeof(rule));
		fprintf(r->o.out, "  - %s%s; ignored by rule '%s'%s\n", col(r, DIM), esc, rule,
			col(r, RST));
	}
	if (n - nact > shown)
		fprintf(r->o.out, "  ... and %zu more ignored (-v or --problems shows them)\n",
			n - nact - shown);
}

/* Each distinct reason for unknown results once, in full. */
static void print_why(check_report_t *r)
{
	char esc[RESULT_REASON_MAX * 4];

	if (!r->nwhy)
		return;
	fprintf(r->o.out, "\n%sWhy some results are unknown%s\n", col(r, BOLD), col(r, RST));
	for (size_t i = 0; i < r->nwhy; i++) {
		text_escape_term(r->why[i].reason, esc, sizeof(esc));
		fprintf(r->o.out, "   %s, %llu result%s:\n", r->lists[r->why[i].list]->name,
			r->why[i].n, r->why[i].n == 1 ? "" : "s");
		wrap(r, "      ", esc);
	}
	if (r->why_more)
		fprintf(r->o.out, "   ... and %llu results for other reasons (--json has each)\n",
			r->why_more);
}

static int line_cmp(const void *a, const void *b)
{
	return target_cmp(&((const check_line_t *)a)->t, &((const check_line_t *)b)->t);
}

static void print_targets(check_report_t *r)
{
	unsigned long long hidden = r->hid_clean + r->hid_hood + r->hid_unknown + r->hid_ignored;
	int width = 0;

	if (r->nlines) {
		qsort(r->lines, r->nlines, sizeof(*r->lines), line_cmp);
		for (size_t i = 0; i < r->nlines; i++)
			if ((int)strlen(r->lines[i].t.name) > width)
				width = (int)strlen(r->lines[i].t.name);
		if (width > 39)
			width = 39;
		if (hidden)
			fprintf(r->o.out, "\n%sTargets: %zu of %llu, in numeric order%s\n",
				col(r, BOLD), r->nlines, r->done, col(r, RST));
		else
			fprintf(r->o.out, "\n%sTargets: %zu, in numeric order%s\n", col(r, BOLD),
				r->nlines, col(r, RST));
		for (size_t i = 0; i < r->nlines; i++)
			fprintf(r->o.out, "  %s%-*s%s  %s\n", col(r, BOLD), width, r->lines[i].t.name,
				col(r, RST), r->lines[i].text);
	}
	if (!hidden)
		return;
	fprintf(r->o.out, "(%llu target%s not shown:", hidden, hidden == 1 ? "" : "s");
	if (r->hid_clean)
		fprintf(r->o.out, " %llu clean;", r->hid_clean);
	if (r->hid_hood)
		fprintf(r->o.out, " %llu listed only through their network or AS (see Problems);",
			r->hid_hood);
	if (r->hid_ignored)
		fprintf(r->o.out, " %llu with ignored listings only;", r->hid_ignored);
	if (r->hid_unknown)
		fprintf(r->o.out, " %llu unknown only on the lists above that failed their test;",
			r->hid_unknown);
	fprintf(r->o.out, " -v shows them)\n");
}

void check_report_human_end(check_report_t *r, const dnsbl_stats_t *st, double seconds)
{
	char ign[64] = "";

	print_problems(r);
	print_why(r);
	print_targets(r);
	if (r->e_ignored)
		snprintf(ign, sizeof(ign), "%llu ignored, ", r->e_ignored);
	fprintf(r->o.out,
		"\n%s%llu listed%s, %s%s%llu unknown%s, %llu clean: %llu target%s, %llu queries "
		"(%llu timed out) in %.2f s\n",
		col(r, r->e_listed ? RED : ""), r->e_listed, col(r, r->e_listed ? RST : ""), ign,
		col(r, r->e_unknown ? YEL : ""), r->e_unknown, col(r, r->e_unknown ? RST : ""),
		r->e_clean, r->done, r->done == 1 ? "" : "s",
		(unsigned long long)(st->queries + st->txt_queries), (unsigned long long)st->timeouts,
		seconds);
}
