/* alert_msg.c -- the words of an alert: subject, body, RFC 5322 mail, webhook JSON.
 * Text from the lists (TXT) is untrusted: control characters are stripped before a person sees it. */
#include "monitor/alert/alert_msg.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/problem.h"
#include "checks/verdict.h"
#include "lib/jsonx.h"
#include "lib/sbuf.h"
#include "lib/text.h"
#include "lib/timefmt.h"
#include "lib/xmalloc.h"

#define LABEL "  %-14s"
#define INDENT 16         /* the width of LABEL: continuation lines start under the text */
#define WRAP 76           /* prose is wrapped at this column */
#define TXT_SHOWN 300     /* bytes of one TXT record in a mail */
#define RANGES_SHOWN 640  /* bytes of a problem's or group's addresses as ranges */
#define CHAT_LINES 10

static bool is_listed_now(const alert_item_t *it)
{
	return it->to == STATUS_LISTED;
}

/* The item as a result of the one result vocabulary (checks/result.h): its
 * pointers are borrowed from it and from the config's catalog. */
static void item_result(const alert_item_t *it, result_t *r)
{
	store_result(r, it->cat, &it->list, it->to, &it->ans);
	r->since = it->since;
}

/* ---- codes, meanings, TXT ---- */

/* One line per code, with the meanings the list gives that code. */
static void codes_text(sbuf_t *b, const alert_item_t *it, const char *label, const uint32_t *codes,
		       size_t n)
{
	result_t one;

	item_result(it, &one);
	for (size_t i = 0; i < n; i++) {
		const char *m[RESULT_MAX_MEANINGS];
		char a[16], mean[600] = "";
		size_t nm, o = 0;

		one.ncodes = 1;
		one.codes[0] = codes[i];
		nm = result_meanings(&one, m, RESULT_MAX_MEANINGS);
		verdict_addr_str(codes[i], a);
		for (size_t k = 0; k < nm && o < sizeof(mean); k++)
			o += (size_t)snprintf(mean + o, sizeof(mean) - o, "%s%s", k ? "; " : "", m[k]);
		sbuf_printf(b, LABEL "%s%s%s%s\n", i ? "" : label, a, nm ? " (" : "", mean,
			    nm ? ")" : "");
	}
}

/* One TXT record, untrusted: control characters and bad UTF-8 dropped, cut to
 * TXT_SHOWN. Returns false when nothing is left to show. */
static bool txt_line(sbuf_t *b, const char *txt, bool first)
{
	char clean[TXT_SHOWN + 1];

	if (!text_oneline(txt, clean, sizeof(clean)))
		return false;
	sbuf_printf(b, LABEL "\"%s\"%s\n", first ? "TXT reason:" : "", clean,
		    first ? " (the list's own words)" : "");
	return true;
}

static void txt_text(sbuf_t *b, const store_answer_t *ans)
{
	const char *p = ans->txt;
	bool first = true;

	for (uint16_t i = 0; i < ans->ntxt; i++, p += strlen(p) + 1)
		if (txt_line(b, p, first))
			first = false;
}

/* A labelled line of prose (label NULL: a title) wrapped at WRAP columns,
 * continuation lines under the text; a word longer than a line (a link) stays whole. */
static void wrapped(sbuf_t *b, const char *label, const char *text)
{
	size_t col = label ? INDENT : 0;
	bool first = true;

	if (label)
		sbuf_printf(b, LABEL, label);
	for (const char *p = text; *p;) {
		size_t w;
		while (*p == ' ')
			p++;
		if (!(w = strcspn(p, " ")))
			break;
		if (!first && col + 1 + w > WRAP) {
			sbuf_printf(b, "\n%*s", INDENT, "");
			col = INDENT;
			first = true;
		}
		sbuf_printf(b, "%s%.*s", first ? "" : " ", (int)w, p);
		col += w + !first;
		first = false;
		p += w;
	}
	sbuf_puts(b, "\n");
}

static void scope_text(const alert_item_t *it, char *buf, size_t len)
{
	const char *target = it->target.name;
	char name[200];

	text_oneline(it->asn.name, name, sizeof(name));
	switch (it->list.scope) {
	case SCOPE_ASN:
		if (it->have_asn && it->asn.asn >= 0)
			snprintf(buf, len, "ASN: AS%lld (%s) is listed: this affects every IP of that "
				 "network, not only this one", (long long)it->asn.asn, name);
		else
			snprintf(buf, len, "ASN: this address's whole ASN is listed: every IP of that "
				 "network is affected");
		break;
	case SCOPE_NETWORK:
		if (it->have_asn && it->asn.asn >= 0 && it->asn.prefix[0])
			snprintf(buf, len, "network: the listing covers the neighbourhood of %s "
				 "(BGP prefix %s, AS%lld %s), not only this address", target,
				 it->asn.prefix, (long long)it->asn.asn, name);
		else
			snprintf(buf, len, "network: the listing covers the network around %s, not "
				 "only this address", target);
		break;
	case SCOPE_DOMAIN:
		snprintf(buf, len, "domain: %s itself", target);
		break;
	case SCOPE_IP:
		snprintf(buf, len, "IP: this address only");
		break;
	}
}

static void overall_text(const alert_item_t *it, char *buf, size_t len)
{
	const char *target = it->target.name;
	unsigned block = it->tally.block, listed = it->tally.n[STATUS_LISTED];
	unsigned unknown = it->tally.n[STATUS_UNCHECKED]; /* no real answer yet */
	const char *pl = block == 1 ? "" : "s";

	if (!block)
		snprintf(buf, len, "%s is checked on no block list now", target);
	else if (listed)
		snprintf(buf, len, "%s is LISTED on %u of %u block list%s (%s)%s", target, listed, block,
			 pl, it->listed_on, unknown ? "; some could not be checked" : "");
	else if (unknown)
		snprintf(buf, len, "%s is not listed on the block lists that answered; %u of %u could "
			 "not be checked yet", target, unknown, block);
	else if (block == 1)
		snprintf(buf, len, "%s is clean on its 1 block list", target);
	else
		snprintf(buf, len, "%s is clean on all %u block lists", target, block);
}

/* ---- subjects ---- */

static void health_upper(dnsbl_health_t health, char *buf, size_t len)
{
	const char *h = dnsbl_health_name(health);
	size_t i;

	for (i = 0; h[i] && i + 1 < len; i++)
		buf[i] = (char)(h[i] >= 'a' && h[i] <= 'z' ? h[i] - 32 : h[i]);
	buf[i] = '\0';
}

static void item_subject(const alert_item_t *it, char *buf, size_t len)
{
	const char *target = it->target.name, *list = it->list.name;
	char h[16];

	switch (it->kind) {
	case ALERT_ITEM_LISTED:
	case ALERT_ITEM_EXISTING:
		snprintf(buf, len, "%s LISTED on %s", target, list);
		break;
	case ALERT_ITEM_DELISTED:
		snprintf(buf, len, "%s DELISTED from %s", target, list);
		break;
	case ALERT_ITEM_CHANGED:
		snprintf(buf, len, "%s listing CHANGED on %s", target, list);
		break;
	case ALERT_ITEM_FLAPPING:
		snprintf(buf, len, "%s FLAPPING on %s", target, list);
		break;
	case ALERT_ITEM_SETTLED:
		snprintf(buf, len, "%s settled on %s: %s", target, list,
			 is_listed_now(it) ? "LISTED" : status_name(it->to));
		break;
	case ALERT_ITEM_LIST_PROBLEM:
		health_upper(it->health, h, sizeof(h));
		snprintf(buf, len, "list %s (%s) is %s", list, it->list.zone, h);
		break;
	case ALERT_ITEM_LIST_OK:
		snprintf(buf, len, "list %s (%s) is ok again", list, it->list.zone);
		break;
	case ALERT_ITEM_INCIDENT_OPEN:
		snprintf(buf, len, "%s REJECTS mail%s%s (%s%s%s)", it->provider_name,
			 it->sending_ip[0] ? " from " : "", it->sending_ip, it->rcode,
			 it->rcode[0] ? ", " : "", it->rkind);
		break;
	case ALERT_ITEM_INCIDENT_CLOSED:
		snprintf(buf, len, "%s accepts mail%s%s again", it->provider_name,
			 it->sending_ip[0] ? " from " : "", it->sending_ip);
		break;
	case ALERT_ITEM_RESOLVER_DOWN:
		snprintf(buf, len, "the resolver %s is DOWN: nothing can be checked", it->resolver);
		break;
	case ALERT_ITEM_RESOLVER_UP:
		snprintf(buf, len, "the resolver %s answers again", it->resolver);
		break;
	}
}

/* Up to three distinct target names of the items, ", "-separated. */
static void some_targets(const alert_msg_t *m, char *buf, size_t len)
{
	size_t o = 0, shown = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->n && o < len; i++) {
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(m->items[k].target.name, m->items[i].target.name);
		if (seen)
			continue;
		if (shown == 3) {
			o += (size_t)snprintf(buf + o, len - o, ", ...");
			break;
		}
		o += (size_t)snprintf(buf + o, len - o, "%s%s", shown ? ", " : "",
				      m->items[i].target.name);
		shown++;
	}
}

/* pre + what + post in at most ALERT_MSG_SUBJECT_MAX bytes: what (a headline,
 * which may name a 253-character domain) is cut with "..." when it must. */
static void subject_fit(const char *pre, const char *what, const char *post, char *buf, size_t len)
{
	size_t max = len < ALERT_MSG_SUBJECT_MAX + 1 ? len : ALERT_MSG_SUBJECT_MAX + 1;
	size_t fixed = strlen(pre) + strlen(post), room = max > fixed + 8 ? max - fixed - 1 : 8;
	char cut[ALERT_MSG_SUBJECT_MAX + 1];

	if (strlen(what) <= room) {
		snprintf(buf, max, "%s%s%s", pre, what, post);
		return;
	}
	text_oneline(what, cut, room - 3 + 1 < sizeof(cut) ? room - 3 + 1 : sizeof(cut));
	snprintf(buf, max, "%s%s...%s", pre, cut, post);
}

/* How a group's kind reads before its list: "DELISTED from UCEPROTECT Level 2". */
static const char *group_verb(alert_item_kind_t k)
{
	switch (k) {
	case ALERT_ITEM_DELISTED:
		return "DELISTED from";
	case ALERT_ITEM_CHANGED:
		return "listing CHANGED on";
	case ALERT_ITEM_FLAPPING:
		return "FLAPPING on";
	default:
		return "settled on";
	}
}

/* "DELISTED from UCEPROTECT Level 2: 203.0.113.1-203.0.113.16" */
static void group_title(alert_fold_t *f, size_t i, char *buf, size_t len)
{
	const alert_fold_group_t *g = alert_fold_group(f, i);
	char ranges[RANGES_SHOWN];

	alert_fold_group_ranges(f, i, ranges, sizeof(ranges));
	if (g->kind == ALERT_ITEM_SETTLED)
		snprintf(buf, len, "%s %s, %s now: %s", group_verb(g->kind), g->list,
			 g->to == STATUS_LISTED ? "LISTED" : status_name(g->to), ranges);
	else
		snprintf(buf, len, "%s %s: %s", group_verb(g->kind), g->list, ranges);
}

/* A batch or the first run: the worst problem names the message. false: the
 * subject is not the fold's to make. */
static bool fold_subject(const alert_msg_t *m, char *buf, size_t len)
{
	alert_fold_t *f = m->fold;
	size_t np, ng = alert_fold_ngroups(f);
	problem_t *const *v = alert_fold_problems(f, &np);
	unsigned other = m->total - m->total_listed - m->total_delisted;
	char head[800], pre[80] = "", post[160] = "";
	size_t o = 0;

	if (m->kind == ALERT_MSG_SUMMARY)
		snprintf(pre, sizeof(pre), "first check of %u target%s: ", m->ntargets,
			 m->ntargets == 1 ? "" : "s");
	if (!np && ng == 1) {
		const alert_fold_group_t *g = alert_fold_group(f, 0);
		if (g->count == 1 && g->item >= 0 && (size_t)g->item < m->n) {
			item_subject(&m->items[g->item], head, sizeof(head));
		} else {
			char title[RANGES_SHOWN + 300];
			group_title(f, 0, title, sizeof(title));
			snprintf(head, sizeof(head), "%u %s", g->count, title);
		}
		subject_fit(pre, head, "", buf, len);
		return true;
	}
	if (!np)
		return false; /* several kinds of change and no listing: counted by kind */
	problem_headline(v[0], head, sizeof(head));
	if (m->kind == ALERT_MSG_SUMMARY) {
		if (np > 1)
			snprintf(post, sizeof(post), ", +%zu more problem%s", np - 1, np == 2 ? "" : "s");
		subject_fit(pre, head, post, buf, len);
		return true;
	}
	if (np > 1)
		o += (size_t)snprintf(post + o, sizeof(post) - o, "+%zu more problem%s", np - 1,
				      np == 2 ? "" : "s");
	if (m->total_delisted)
		o += (size_t)snprintf(post + o, sizeof(post) - o, "%s%u DELISTED", o ? ", " : "",
				      m->total_delisted);
	if (other)
		o += (size_t)snprintf(post + o, sizeof(post) - o, "%s%u other change%s", o ? ", " : "",
				      other, other == 1 ? "" : "s");
	if (o) {
		char p2[sizeof(post) + 4];
		snprintf(p2, sizeof(p2), " (%s)", post);
		subject_fit(pre, head, p2, buf, len);
	} else {
		subject_fit(pre, head, "", buf, len);
	}
	return true;
}

/* The subject, whatever its length. */
static void subject_whole(const alert_msg_t *m, char *buf, size_t len)
{
	char names[300], parts[200] = "";
	size_t o = 0;

	if ((m->kind == ALERT_MSG_CHANGES || m->kind == ALERT_MSG_SUMMARY) && m->fold &&
	    fold_subject(m, buf, len))
		return;
	if ((m->n == 1 && m->total <= 1 && m->kind != ALERT_MSG_SUMMARY) ||
	    ((m->kind == ALERT_MSG_INCIDENT || m->kind == ALERT_MSG_RESOLVER) && m->n)) {
		item_subject(&m->items[0], buf, len);
		return;
	}
	some_targets(m, names, sizeof(names));
	switch (m->kind) {
	case ALERT_MSG_SUMMARY:
		if (m->total == 1) {
			char one[400];
			item_subject(&m->items[0], one, sizeof(one));
			snprintf(buf, len, "first check of %u target%s: %s", m->ntargets,
				 m->ntargets == 1 ? "" : "s", one);
		} else {
			snprintf(buf, len, "first check of %u target%s: %u listings (%s)", m->ntargets,
				 m->ntargets == 1 ? "" : "s", m->total, names);
		}
		break;
	case ALERT_MSG_HEALTH:
		for (size_t i = 0; i < m->n && i < 3; i++)
			o += (size_t)snprintf(parts + o, o < sizeof(parts) ? sizeof(parts) - o : 0,
					      "%s%s %s", i ? ", " : "", m->items[i].list.name,
					      m->items[i].kind == ALERT_ITEM_LIST_OK
						      ? "ok again"
						      : dnsbl_health_name(m->items[i].health));
		snprintf(buf, len, "%zu lists changed health: %s%s", m->n, parts, m->n > 3 ? ", ..." : "");
		break;
	case ALERT_MSG_CHANGES: {
		unsigned other = m->total - m->total_listed - m->total_delisted;
		if (m->total_listed)
			o += (size_t)snprintf(parts + o, sizeof(parts) - o, "%u LISTED", m->total_listed);
		if (m->total_delisted)
			o += (size_t)snprintf(parts + o, o < sizeof(parts) ? sizeof(parts) - o : 0,
					      "%s%u DELISTED", o ? ", " : "", m->total_delisted);
		if (other)
			snprintf(parts + o, o < sizeof(parts) ? sizeof(parts) - o : 0, "%s%u other",
				 o ? ", " : "", other);
		snprintf(buf, len, "%u changes: %s (%s)", m->total, parts, names);
		break;
	}
	case ALERT_MSG_INCIDENT:
		snprintf(buf, len, "provider incident");
		break;
	case ALERT_MSG_RESOLVER:
		snprintf(buf, len, "resolver");
		break;
	case ALERT_MSG_TEST:
		snprintf(buf, len, "test message from %s: alerts reach you",
			 m->test_host && *m->test_host ? m->test_host : "blmon");
		break;
	}
}

void alert_msg_subject(const alert_msg_t *m, char *buf, size_t len)
{
	char whole[1200];

	subject_whole(m, whole, sizeof(whole));
	subject_fit("", whole, "", buf, len);
}

/* ---- the body ---- */

/* The resolver's outage: one root cause, told once each way. */
static void resolver_text(sbuf_t *b, const alert_item_t *it)
{
	char t[TIMEFMT_MAX], t2[TIMEFMT_MAX], why[sizeof(it->detail)];

	timefmt_human(it->at, t);
	text_oneline(it->detail, why, sizeof(why));
	if (it->kind == ALERT_ITEM_RESOLVER_DOWN) {
		sbuf_printf(b, "The resolver %s does not answer: nothing could be checked since %s.\n",
			    it->resolver, t);
		sbuf_printf(b, LABEL "%s\n", "Seen:", why);
		sbuf_printf(b, LABEL "%s\n", "Meanwhile:",
			    "every listing and clean result shown is as last confirmed; nothing is "
			    "recorded as changed while the resolver is down");
		sbuf_printf(b, LABEL "%s\n", "What to do:",
			    "check that the resolver is running and reachable from blmon (resolver = "
			    "in [monitor])");
		return;
	}
	timefmt_human(it->closed, t2);
	sbuf_printf(b, "The resolver %s answers again: checks resumed at %s.\n", it->resolver, t2);
	sbuf_printf(b, LABEL "%s -> %s\n", "Outage:", t, t2);
	sbuf_printf(b, LABEL "%s\n", "Seen:", why);
}

/* A provider incident: who rejects what, where, and what to do. */
static void incident_text(sbuf_t *b, const alert_item_t *it)
{
	char t[64], dur[32], clean[1100];

	timefmt_human(it->at, t);
	if (it->kind == ALERT_ITEM_INCIDENT_CLOSED) {
		char t2[64];
		timefmt_human(it->closed, t2);
		sbuf_printf(b, "%s accepts mail%s%s again.\n", it->provider_name,
			  it->sending_ip[0] ? " from " : "", it->sending_ip);
		sbuf_printf(b, LABEL "%s -> %s (%u rejections)\n", "Incident:", t, t2, it->rejections);
		timefmt_duration(it->window_s, dur, sizeof(dur));
		sbuf_printf(b, LABEL "no rejection for %s, and mail to it was delivered since\n",
			  "Closed:", dur);
		if (it->domains[0])
			sbuf_printf(b, LABEL "%s\n", "Domains:", it->domains);
		return;
	}
	sbuf_printf(b, "%s rejects mail%s%s (%s%s%s)\n", it->provider_name,
		  it->sending_ip[0] ? " from " : "", it->sending_ip, it->rcode,
		  it->rcode[0] ? ": " : "", it->meaning);
	timefmt_duration(it->window_s, dur, sizeof(dur));
	sbuf_printf(b, LABEL "%s: %u rejections within %s ([logwatch] threshold)\n", "Since:", t,
		  it->rejections, dur);
	sbuf_printf(b, LABEL "%s\n", "Kind:", it->rkind);
	if (it->domains[0])
		sbuf_printf(b, LABEL "%s\n", "Domains:", it->domains);
	text_oneline(it->sample, clean, sizeof(clean));
	sbuf_printf(b, LABEL "%s\n", "Log line:", clean);
	sbuf_printf(b, LABEL "%s\n", "DNSBLs now:", it->dnsbl);
	if (it->removal[0])
		sbuf_printf(b, LABEL "%s\n", "Removal:", it->removal);
	sbuf_printf(b, LABEL "%s\n", "What to do:", it->advice);
}

/* A list that changed health: what it showed and what to do. */
static void health_text(sbuf_t *b, const alert_item_t *it)
{
	char t[TIMEFMT_MAX], subj[512], det[sizeof(it->detail)];
	const char *advice = result_list_advice(it->cat, it->health);

	timefmt_human(it->at, t);
	item_subject(it, subj, sizeof(subj));
	sbuf_printf(b, "The %s\n", subj);
	sbuf_printf(b, LABEL "%s -> %s at %s\n", "What changed:",
		    it->have_prev_health ? dnsbl_health_name(it->prev_health) : "untested",
		    dnsbl_health_name(it->health), t);
	if (it->kind != ALERT_ITEM_LIST_PROBLEM)
		return;
	text_oneline(it->detail, det, sizeof(det));
	if (det[0])
		sbuf_printf(b, LABEL "%s\n", "Seen:", det);
	sbuf_printf(b, LABEL "%s\n", "What to do:", advice ? advice : "");
	sbuf_printf(b, LABEL "%s\n", "Meanwhile:",
		    "its results stay as last confirmed (shown stale): nothing is recorded as "
		    "changed on it until it works again");
}

/* The first line: what happened to which target on which list. */
static void headline_text(sbuf_t *b, const alert_item_t *it)
{
	const char *target = it->target.name, *list = it->list.name, *zone = it->list.zone;

	switch (it->kind) {
	case ALERT_ITEM_LISTED:
	case ALERT_ITEM_EXISTING:
		sbuf_printf(b, "%s is LISTED on %s (%s)\n", target, list, zone);
		break;
	case ALERT_ITEM_DELISTED:
		sbuf_printf(b, "%s is no longer listed on %s (%s)\n", target, list, zone);
		break;
	case ALERT_ITEM_CHANGED:
		sbuf_printf(b, "%s is listed differently on %s (%s)\n", target, list, zone);
		break;
	case ALERT_ITEM_FLAPPING:
		sbuf_printf(b, "%s is FLAPPING on %s (%s)\n", target, list, zone);
		break;
	case ALERT_ITEM_SETTLED:
		sbuf_printf(b, "%s stopped flapping on %s (%s): %s now\n", target, list, zone,
			    is_listed_now(it) ? "LISTED" : status_name(it->to));
		break;
	default:
		break;
	}
	if (it->target.from[0])
		sbuf_printf(b, LABEL "%s\n", "Address of:", it->target.from);
}

/* The "What changed" part, by kind. */
static void change_text(sbuf_t *b, const alert_item_t *it)
{
	char t[TIMEFMT_MAX], t2[TIMEFMT_MAX], dur[32];
	const char *to = status_name(it->to);

	timefmt_human(it->at, t);
	switch (it->kind) {
	case ALERT_ITEM_EXISTING:
		timefmt_human(it->since ? it->since : it->at, t2);
		sbuf_printf(b, LABEL "listed since %s (when blmon first checked it)\n", "Since:", t2);
		break;
	case ALERT_ITEM_LISTED:
		if (it->have_prev)
			sbuf_printf(b, LABEL "%s -> listed at %s: listed since then\n", "What changed:",
				    status_name(it->prev.status), t);
		else
			sbuf_printf(b, LABEL "first checked at %s and found listed\n", "What changed:", t);
		break;
	case ALERT_ITEM_DELISTED:
		if (it->prev_since) {
			timefmt_human(it->prev_since, t2);
			sbuf_printf(b, LABEL "listed -> clean at %s (it was listed since %s)\n",
				    "What changed:", t, t2);
		} else {
			sbuf_printf(b, LABEL "listed -> clean at %s\n", "What changed:", t);
		}
		break;
	case ALERT_ITEM_CHANGED:
		sbuf_printf(b, LABEL "other codes at %s; before:\n", "What changed:", t);
		codes_text(b, it, "", it->prev.codes, it->prev.ncodes);
		break;
	case ALERT_ITEM_FLAPPING:
		timefmt_duration(it->window_s, dur, sizeof(dur));
		sbuf_printf(b, LABEL "%u changes within %s, the last one to %s at %s\n",
			    "What changed:", it->changes, dur, to, t);
		sbuf_printf(b, LABEL "further changes of this listing are not reported until it "
			    "settles (no change for %s)\n", "Quiet:", dur);
		break;
	case ALERT_ITEM_SETTLED:
		timefmt_duration(it->window_s, dur, sizeof(dur));
		timefmt_human(it->since ? it->since : it->at, t2);
		sbuf_printf(b, LABEL "no change for %s; %s since %s\n", "Settled:", dur, to, t2);
		break;
	default:
		break;
	}
}

/* A listing: its codes and their meanings, the list's TXT, scope and removal link. */
static void listing_text(sbuf_t *b, const alert_item_t *it)
{
	char line[1024], url[512];
	result_t r;

	item_result(it, &r);
	codes_text(b, it, "Codes:", it->ans.codes, it->ans.ncodes);
	txt_text(b, &it->ans);
	scope_text(it, line, sizeof(line));
	sbuf_printf(b, LABEL "%s\n", "Scope:", line);
	if (result_removal_url(&r, it->target.name, url, sizeof(url)) == 0)
		sbuf_printf(b, LABEL "%s\n", "Removal:", url);
}

static void item_text(sbuf_t *b, const alert_item_t *it)
{
	char line[1024];

	if (it->kind == ALERT_ITEM_INCIDENT_OPEN || it->kind == ALERT_ITEM_INCIDENT_CLOSED) {
		incident_text(b, it);
		return;
	}
	if (it->kind == ALERT_ITEM_RESOLVER_DOWN || it->kind == ALERT_ITEM_RESOLVER_UP) {
		resolver_text(b, it);
		return;
	}
	if (it->kind == ALERT_ITEM_LIST_PROBLEM || it->kind == ALERT_ITEM_LIST_OK) {
		health_text(b, it);
		return;
	}
	headline_text(b, it);
	change_text(b, it);
	if (is_listed_now(it))
		listing_text(b, it);
	if (it->ans.reason[0]) {
		char r[sizeof(it->ans.reason)];
		text_oneline(it->ans.reason, r, sizeof(r));
		sbuf_printf(b, LABEL "%s\n", "Note:", r);
	}
	overall_text(it, line, sizeof(line));
	sbuf_printf(b, LABEL "%s\n", "Target now:", line);
}

/* ---- problems and groups (a batch, the first run) ---- */

/* One line per code of p, with the meanings its list gives that code. */
static void problem_codes_text(sbuf_t *b, const problem_t *p)
{
	problem_t *one = xmalloc(sizeof(*one));

	*one = *p;
	one->ncodes = 1;
	for (uint8_t i = 0; i < p->ncodes; i++) {
		const char *m[RESULT_MAX_MEANINGS];
		char a[16], mean[600] = "";
		size_t nm, o = 0;

		one->codes[0] = p->codes[i];
		nm = problem_meanings(one, m, RESULT_MAX_MEANINGS);
		verdict_addr_str(p->codes[i], a);
		for (size_t k = 0; k < nm && o < sizeof(mean); k++)
			o += (size_t)snprintf(mean + o, sizeof(mean) - o, "%s%s", k ? "; " : "", m[k]);
		sbuf_printf(b, LABEL "%s%s%s%s\n", i ? "" : "Codes:", a, nm ? " (" : "", mean,
			    nm ? ")" : "");
	}
	free(one);
}

/* One problem: what is wrong, why, which addresses, what to do. */
static void problem_text(sbuf_t *b, alert_fold_t *f, const problem_t *p)
{
	char head[800], ranges[RANGES_SHOWN], advice[600], url[512], t[TIMEFMT_MAX];
	const store_asn_t *asn = alert_fold_problem_asn(f, p);

	problem_headline(p, head, sizeof(head));
	sbuf_printf(b, "%s\n", head);
	problem_codes_text(b, p);
	if (p->txt[0])
		txt_line(b, p->txt, true);
	/* an own listing names its one address already */
	if (p->affected > 1 || p->scope == SCOPE_NETWORK || p->scope == SCOPE_ASN) {
		alert_fold_problem_ranges(f, p, ranges, sizeof(ranges));
		wrapped(b, "Addresses:", ranges);
	}
	if (asn && (p->scope == SCOPE_NETWORK || p->scope == SCOPE_ASN)) {
		char name[200];
		text_oneline(asn->name, name, sizeof(name));
		sbuf_printf(b, LABEL "AS%lld%s%s%s%s%s\n", "Provider:", (long long)asn->asn,
			    name[0] ? " " : "", name, asn->prefix[0] ? " (BGP prefix " : "", asn->prefix,
			    asn->prefix[0] ? ")" : "");
	}
	if (p->since) {
		timefmt_human(p->since, t);
		sbuf_printf(b, LABEL "%s\n", "Listed since:", t);
	}
	if (p->stale)
		sbuf_printf(b, LABEL "%s\n", "Note:", "the list's last answer is old: shown as last "
			    "confirmed");
	wrapped(b, "What to do:", problem_advice(p, advice, sizeof(advice)));
	if (problem_removal_url(p, url, sizeof(url)) == 0)
		sbuf_printf(b, LABEL "%s\n", "Removal:", url);
}

/* One group of other changes; a group of one change tells it as its item does. */
static void group_text(sbuf_t *b, const alert_msg_t *m, size_t i)
{
	alert_fold_t *f = m->fold;
	const alert_fold_group_t *g = alert_fold_group(f, i);
	const alert_item_t *it =
		g->count == 1 && g->item >= 0 && (size_t)g->item < m->n ? &m->items[g->item] : NULL;
	char title[RANGES_SHOWN + 300], t[TIMEFMT_MAX], t2[TIMEFMT_MAX], when[200], line[1024];

	group_title(f, i, title, sizeof(title));
	wrapped(b, NULL, title);
	if (it) {
		if (it->target.from[0])
			sbuf_printf(b, LABEL "%s\n", "Address of:", it->target.from);
		change_text(b, it);
		if (is_listed_now(it))
			listing_text(b, it);
		overall_text(it, line, sizeof(line));
		sbuf_printf(b, LABEL "%s\n", "Target now:", line);
		return;
	}
	timefmt_human(g->first_at, t);
	timefmt_human(g->last_at, t2);
	if (g->first_at == g->last_at)
		snprintf(when, sizeof(when), "at %s", t);
	else
		snprintf(when, sizeof(when), "between %s and %s", t, t2);
	switch (g->kind) {
	case ALERT_ITEM_DELISTED:
		snprintf(line, sizeof(line), "%u listings ended (listed -> clean) %s", g->count, when);
		break;
	case ALERT_ITEM_CHANGED:
		snprintf(line, sizeof(line), "%u listings changed their codes %s", g->count, when);
		break;
	case ALERT_ITEM_FLAPPING:
		snprintf(line, sizeof(line), "%u listings changed too often, the last changes %s",
			 g->count, when);
		break;
	default:
		snprintf(line, sizeof(line), "%u listings stopped changing %s", g->count, when);
		break;
	}
	wrapped(b, g->kind == ALERT_ITEM_SETTLED ? "Settled:" : "What changed:", line);
	if (g->kind == ALERT_ITEM_FLAPPING)
		wrapped(b, "Quiet:", "further changes of these listings are not reported until each "
				     "settles (no change for a whole [alerts] flap_window)");
}

/* The problems worst first, then the other changes by kind. */
static void fold_text(sbuf_t *b, const alert_msg_t *m)
{
	alert_fold_t *f = m->fold;
	size_t np, ng = alert_fold_ngroups(f);
	problem_t *const *v = alert_fold_problems(f, &np);

	if (np && m->kind == ALERT_MSG_CHANGES)
		sbuf_printf(b, "New listings: %zu problem%s, worst first.\n\n", np, np == 1 ? "" : "s");
	for (size_t i = 0; i < np && i < ALERT_MSG_MAX_PROBLEMS; i++) {
		problem_text(b, f, v[i]);
		sbuf_puts(b, "\n");
	}
	if (np > ALERT_MSG_MAX_PROBLEMS)
		sbuf_printf(b, "... and %zu more problem%s, each less severe or smaller: see the "
			    "dashboard.\n\n", np - ALERT_MSG_MAX_PROBLEMS,
			    np - ALERT_MSG_MAX_PROBLEMS == 1 ? "" : "s");
	if (ng && np)
		sbuf_printf(b, "Delistings and other changes:\n\n");
	for (size_t i = 0; i < ng; i++) {
		group_text(b, m, i);
		sbuf_puts(b, "\n");
	}
}

char *alert_msg_text(const alert_msg_t *m)
{
	sbuf_t b = SBUF_INIT;
	unsigned shown = (unsigned)m->n;

	switch (m->kind) {
	case ALERT_MSG_SUMMARY:
		sbuf_printf(&b, "blmon checked %u target%s against %u list%s for the first time.\n",
			  m->ntargets, m->ntargets == 1 ? "" : "s", m->nlists, m->nlists == 1 ? "" : "s");
		if (m->fold) {
			size_t np;
			alert_fold_problems(m->fold, &np);
			sbuf_printf(&b, "%u listing%s already exist%s: %zu problem%s, worst first.\n\n",
				    m->total, m->total == 1 ? "" : "s", m->total == 1 ? "s" : "", np,
				    np == 1 ? "" : "s");
		} else {
			sbuf_printf(&b, "%u listing%s already exist%s:\n\n", m->total,
				    m->total == 1 ? "" : "s", m->total == 1 ? "s" : "");
		}
		break;
	case ALERT_MSG_HEALTH:
		sbuf_printf(&b, "The health of %zu list%s changed (RFC 5782 test points):\n\n", m->n,
			  m->n == 1 ? "" : "s");
		break;
	case ALERT_MSG_CHANGES:
		sbuf_printf(&b, "blmon recorded %u confirmed change%s%s\n\n", m->total,
			    m->total == 1 ? "" : "s", m->fold ? "." : ":");
		break;
	case ALERT_MSG_INCIDENT:
		sbuf_printf(&b, "blmon read this in your mail server's log:\n\n");
		break;
	case ALERT_MSG_RESOLVER:
		break;
	case ALERT_MSG_TEST: {
		char t[TIMEFMT_MAX];
		timefmt_human(m->created, t);
		sbuf_printf(&b, "This is a test message from blmon on %s, sent at %s by\n"
			    "`blmon alert test`%s%s%s. It went out through the channel blmon's alerts\n"
			    "take ([email] or [webhook]), directly: it was not queued, and it says\n"
			    "nothing about any listing.\n\n"
			    "If you read this, blmon's alerts reach you.\n\n",
			    m->test_host && *m->test_host ? m->test_host : "this host", t,
			    m->test_config ? " (config " : "", m->test_config ? m->test_config : "",
			    m->test_config ? ")" : "");
		break;
	}
	}
	if ((m->kind == ALERT_MSG_CHANGES || m->kind == ALERT_MSG_SUMMARY) && m->fold) {
		fold_text(&b, m); /* every change, folded: nothing is left out */
	} else {
		for (size_t i = 0; i < m->n; i++) {
			item_text(&b, &m->items[i]);
			sbuf_printf(&b, "\n");
		}
		if (m->total > shown)
			sbuf_printf(&b, "... and %u more not shown here: see the dashboard or the "
				    "events API.\n\n", m->total - shown);
	}
	if (m->kind == ALERT_MSG_SUMMARY && m->nignored)
		sbuf_printf(&b, "%u listing%s ignored on purpose ([ignore] rules) %s not reported.\n\n",
			    m->nignored, m->nignored == 1 ? "" : "s", m->nignored == 1 ? "is" : "are");
	if (m->kind == ALERT_MSG_SUMMARY && m->nunknown)
		sbuf_printf(&b, "%u result%s could not be checked yet: see the dashboard.\n\n",
			  m->nunknown, m->nunknown == 1 ? "" : "s");
	if (m->kind == ALERT_MSG_SUMMARY)
		sbuf_printf(&b, "From now on, each confirmed change is reported.\n\n");
	sbuf_printf(&b, "-- \nblmon, DNS blocklist monitor. TXT reasons are the lists' own words,\n"
		      "shown with control characters removed.\n");
	return sbuf_take(&b);
}

/* ---- JSON ---- */

static const char *const kind_names[] = {
	[ALERT_ITEM_LISTED] = "listed",	    [ALERT_ITEM_DELISTED] = "delisted",
	[ALERT_ITEM_CHANGED] = "changed",   [ALERT_ITEM_EXISTING] = "existing",
	[ALERT_ITEM_FLAPPING] = "flapping", [ALERT_ITEM_SETTLED] = "settled",
	[ALERT_ITEM_LIST_PROBLEM] = "list_problem", [ALERT_ITEM_LIST_OK] = "list_ok",
	[ALERT_ITEM_INCIDENT_OPEN] = "incident_open", [ALERT_ITEM_INCIDENT_CLOSED] = "incident_closed",
	[ALERT_ITEM_RESOLVER_DOWN] = "resolver_down", [ALERT_ITEM_RESOLVER_UP] = "resolver_up",
};

/* The codes before a change, written as the result vocabulary writes codes. */
static cJSON *previous_codes_json(const alert_item_t *it)
{
	result_t r;
	cJSON *o, *codes;

	item_result(it, &r);
	r.ncodes = it->prev.ncodes;
	memcpy(r.codes, it->prev.codes, sizeof(r.codes[0]) * it->prev.ncodes);
	o = result_json(&r, it->target.name, RESULT_JSON_EVENT);
	codes = cJSON_DetachItemFromObject(o, "codes");
	cJSON_Delete(o);
	return codes;
}

static cJSON *event_json(const alert_item_t *it)
{
	cJSON *o = cJSON_CreateObject();
	result_t r;

	item_result(it, &r);
	cJSON_AddStringToObject(o, "kind", kind_names[it->kind]);
	jsonx_add_time(o, "at", it->at);
	jsonx_add_time(o, "since", it->since);
	jsonx_add_str(o, "target", it->target.name);
	cJSON_AddStringToObject(o, "target_type", target_type_name(it->target.type));
	jsonx_add_text(o, "discovered_from", it->target.from);
	jsonx_add_text(o, "from", it->have_prev ? status_name(it->prev.status) : NULL);
	cJSON_AddStringToObject(o, "to", status_name(it->to));
	cJSON_AddStringToObject(o, "target_status", status_name(result_tally_status(&it->tally)));
	cJSON_AddItemToObject(o, "result", result_json(&r, it->target.name, RESULT_JSON_CHECK));
	if (it->have_asn && it->asn.asn >= 0) {
		cJSON *h = cJSON_AddObjectToObject(o, "neighbourhood");
		cJSON_AddNumberToObject(h, "asn", (double)it->asn.asn);
		jsonx_add_text(h, "as_name", it->asn.name);
		jsonx_add_text(h, "prefix", it->asn.prefix);
		jsonx_add_text(h, "country", it->asn.country);
	} else {
		cJSON_AddNullToObject(o, "neighbourhood");
	}
	if (it->kind == ALERT_ITEM_CHANGED)
		cJSON_AddItemToObject(o, "previous_codes", previous_codes_json(it));
	if (it->kind == ALERT_ITEM_FLAPPING) {
		cJSON_AddNumberToObject(o, "changes", it->changes);
		cJSON_AddNumberToObject(o, "window_seconds", it->window_s);
	}
	if (it->kind == ALERT_ITEM_SETTLED)
		cJSON_AddNumberToObject(o, "window_seconds", it->window_s);
	return o;
}

static cJSON *list_json(const alert_item_t *it)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "kind", kind_names[it->kind]);
	jsonx_add_time(o, "at", it->at);
	jsonx_add_str(o, "zone", it->list.zone);
	jsonx_add_str(o, "name", it->list.name);
	cJSON_AddStringToObject(o, "health", dnsbl_health_name(it->health));
	jsonx_add_text(o, "previous",
		       it->have_prev_health ? dnsbl_health_name(it->prev_health) : NULL);
	jsonx_add_text(o, "detail", it->detail);
	jsonx_add_text(o, "advice", result_list_advice(it->cat, it->health));
	return o;
}

static cJSON *incident_json(const alert_item_t *it)
{
	cJSON *o = cJSON_CreateObject(), *d = cJSON_CreateArray();
	char clean[1100], dom[1024], *p, *save = NULL;

	cJSON_AddNumberToObject(o, "id", (double)it->incident_id);
	cJSON_AddStringToObject(o, "state", it->kind == ALERT_ITEM_INCIDENT_OPEN ? "open" : "closed");
	cJSON_AddStringToObject(o, "provider", it->provider);
	cJSON_AddStringToObject(o, "provider_name", it->provider_name);
	jsonx_add_time(o, "opened", it->at);
	jsonx_add_time(o, "closed", it->closed);
	cJSON_AddStringToObject(o, "kind", it->rkind);
	jsonx_add_text(o, "code", it->rcode);
	cJSON_AddStringToObject(o, "meaning", it->meaning);
	jsonx_add_text(o, "sending_ip", it->sending_ip);
	cJSON_AddNumberToObject(o, "rejections", it->rejections);
	snprintf(dom, sizeof(dom), "%s", it->domains);
	for (p = strtok_r(dom, ", ", &save); p; p = strtok_r(NULL, ", ", &save))
		cJSON_AddItemToArray(d, cJSON_CreateString(p));
	cJSON_AddItemToObject(o, "domains", d);
	text_oneline(it->sample, clean, sizeof(clean));
	cJSON_AddStringToObject(o, "sample", clean);
	cJSON_AddStringToObject(o, "dnsbl", it->dnsbl);
	jsonx_add_text(o, "removal", it->removal);
	cJSON_AddStringToObject(o, "advice", it->advice);
	return o;
}

/* The chat text of a batch or the first run: the worst problems, then the other changes. */
static void chat_fold(sbuf_t *b, const alert_msg_t *m)
{
	alert_fold_t *f = m->fold;
	size_t np, ng = alert_fold_ngroups(f), lines = 0;
	problem_t *const *v = alert_fold_problems(f, &np);
	char line[RANGES_SHOWN + 300], cut[200], url[512];

	for (size_t i = 0; i < np && lines < CHAT_LINES; i++, lines++) {
		problem_headline(v[i], line, sizeof(line));
		subject_fit("", line, "", cut, sizeof(cut));
		sbuf_printf(b, "\n- %s", cut);
	}
	for (size_t i = 0; i < ng && lines < CHAT_LINES; i++, lines++) {
		group_title(f, i, line, sizeof(line));
		subject_fit("", line, "", cut, sizeof(cut));
		sbuf_printf(b, "\n- %s", cut);
	}
	if (np + ng > lines)
		sbuf_printf(b, "\n- ... %zu more", np + ng - lines);
	if (np == 1 && problem_removal_url(v[0], url, sizeof(url)) == 0)
		sbuf_printf(b, "\nremoval: %s", url);
}

/* A short text for chat tools that show a "text" field. */
static char *chat_text(const alert_msg_t *m, const char *subject)
{
	sbuf_t b = SBUF_INIT;

	sbuf_printf(&b, "blmon: %s", subject);
	if ((m->kind == ALERT_MSG_CHANGES || m->kind == ALERT_MSG_SUMMARY) && m->fold) {
		chat_fold(&b, m);
		return sbuf_take(&b);
	}
	for (size_t i = 0; i < m->n && i < CHAT_LINES && m->total > 1; i++) {
		char s[512];
		item_subject(&m->items[i], s, sizeof(s));
		sbuf_printf(&b, "\n- %s", s);
	}
	if (m->n == 1 && is_listed_now(&m->items[0])) {
		char url[512];
		result_t r;
		item_result(&m->items[0], &r);
		if (result_removal_url(&r, m->items[0].target.name, url, sizeof(url)) == 0)
			sbuf_printf(&b, "\nremoval: %s", url);
	}
	if (m->total > CHAT_LINES && m->total > 1)
		sbuf_printf(&b, "\n... %u in all", m->total);
	return sbuf_take(&b);
}

static cJSON *resolver_json(const alert_item_t *it)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "state", it->kind == ALERT_ITEM_RESOLVER_DOWN ? "down" : "up");
	jsonx_add_str(o, "resolver", it->resolver);
	jsonx_add_time(o, "since", it->at);
	jsonx_add_time(o, "ended", it->closed);
	jsonx_add_str(o, "reason", it->detail);
	return o;
}

/* The problems worst first as checks/problem.c writes them (at most
 * ALERT_MSG_MAX_PROBLEMS), and how many there are. */
static void problems_json(cJSON *o, const alert_msg_t *m)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "problems");
	size_t np = 0;

	if ((m->kind == ALERT_MSG_CHANGES || m->kind == ALERT_MSG_SUMMARY) && m->fold) {
		problem_t *const *v = alert_fold_problems(m->fold, &np);
		for (size_t i = 0; i < np && i < ALERT_MSG_MAX_PROBLEMS; i++)
			cJSON_AddItemToArray(arr, problem_json(v[i]));
	}
	cJSON_AddNumberToObject(o, "problems_total", (double)np);
}

char *alert_msg_json(const alert_msg_t *m)
{
	static const char *const msg_kinds[] = {"changes", "summary", "list_health", "incident",
						"resolver", "test"};
	cJSON *o = cJSON_CreateObject(), *events, *lists;
	char subject[600], *text, *ret;

	alert_msg_subject(m, subject, sizeof(subject));
	text = chat_text(m, subject);
	cJSON_AddNumberToObject(o, "version", 1);
	cJSON_AddStringToObject(o, "kind", msg_kinds[m->kind]);
	jsonx_add_time(o, "created", m->created);
	cJSON_AddStringToObject(o, "subject", subject);
	cJSON_AddStringToObject(o, "text", text);
	events = cJSON_AddArrayToObject(o, "events");
	lists = cJSON_AddArrayToObject(o, "lists");
	for (size_t i = 0; i < m->n; i++) {
		const alert_item_t *it = &m->items[i];
		if (it->kind == ALERT_ITEM_LIST_PROBLEM || it->kind == ALERT_ITEM_LIST_OK)
			cJSON_AddItemToArray(lists, list_json(it));
		else if (it->kind == ALERT_ITEM_INCIDENT_OPEN || it->kind == ALERT_ITEM_INCIDENT_CLOSED)
			cJSON_AddItemToObject(o, "incident", incident_json(it));
		else if (it->kind == ALERT_ITEM_RESOLVER_DOWN || it->kind == ALERT_ITEM_RESOLVER_UP)
			cJSON_AddItemToObject(o, "resolver", resolver_json(it));
		else
			cJSON_AddItemToArray(events, event_json(it));
	}
	cJSON_AddNumberToObject(o, "total", m->total);
	cJSON_AddNumberToObject(o, "omitted", m->total > m->n ? m->total - (unsigned)m->n : 0);
	problems_json(o, m);
	ret = jsonx_print(o);
	cJSON_Delete(o);
	free(text);
	return ret;
}

/* ---- RFC 5322 / MIME ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t base64(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

void alert_header(const char *name, const char *value, char *buf, size_t len)
{
	size_t o, col;
	bool ascii = true;

	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		ascii &= *p >= 0x20 && *p < 0x7f;
	o = (size_t)snprintf(buf, len, "%s:", name);
	col = o;
	if (ascii) {
		/* fold between words so lines stay within 78 characters where words allow */
		const char *p = value;
		bool first = true;
		while (*p) {
			size_t w;
			while (*p == ' ')
				p++;
			w = strcspn(p, " ");
			if (!w)
				break;
			if (!first && col + 1 + w > 78) {
				o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "\r\n");
				col = 0;
			}
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, " %.*s", (int)w, p);
			col += 1 + w;
			p += w;
			first = false;
		}
		return;
	}
	/* RFC 2047 encoded words of whole UTF-8 characters, at most 45 bytes each */
	{
		const unsigned char *p = (const unsigned char *)value;
		bool first = true;
		while (*p && o + 1 < len) {
			unsigned char chunk[48];
			char enc[72];
			size_t n = 0;
			while (*p) {
				size_t cl = text_utf8_len(p);
				if (cl == 0) { /* invalid byte: skipped */
					p++;
					continue;
				}
				if (n + cl > 45)
					break;
				memcpy(chunk + n, p, cl);
				n += cl;
				p += cl;
			}
			base64(chunk, n, enc);
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s=?UTF-8?B?%s?=",
					      first ? " " : "\r\n ", enc);
			first = false;
		}
		if (o >= len)
			buf[len - 1] = '\0';
	}
}

char *alert_qp_encode(const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	sbuf_t b = SBUF_INIT;
	const unsigned char *p = (const unsigned char *)text;

	while (*p) {
		size_t col = 0;
		while (*p && *p != '\n') {
			char tok[4];
			bool last = p[1] == '\n' || p[1] == '\0';
			if ((*p >= 33 && *p <= 126 && *p != '=') || ((*p == ' ' || *p == '\t') && !last)) {
				tok[0] = (char)*p;
				tok[1] = '\0';
			} else {
				tok[0] = '=';
				tok[1] = hex[*p >> 4];
				tok[2] = hex[*p & 15];
				tok[3] = '\0';
			}
			if (col + strlen(tok) > 75) {
				sbuf_printf(&b, "=\r\n");
				col = 0;
			}
			sbuf_printf(&b, "%s", tok);
			col += strlen(tok);
			p++;
		}
		sbuf_printf(&b, "\r\n");
		if (*p == '\n')
			p++;
	}
	return sbuf_take(&b);
}

/* CRLF line ends; 7bit is enough when every byte is ASCII and lines are short. */
static char *body_7bit(const char *text)
{
	sbuf_t b = SBUF_INIT;
	size_t col = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p >= 0x80 || (*p < 0x20 && *p != '\n' && *p != '\t') || col > 900) {
			sbuf_free(&b);
			return NULL;
		}
		if (*p == '\n') {
			sbuf_printf(&b, "\r\n");
			col = 0;
		} else {
			sbuf_printf(&b, "%c", *p);
			col++;
		}
	}
	return sbuf_take(&b);
}

char *alert_msg_email(const alert_msg_t *m, const config_t *c, const char *to,
		      const char *msgid_token)
{
	sbuf_t b = SBUF_INIT;
	char subject[700], full[800], hdr[2048], date[TIMEFMT_MAX], *text, *body;
	const char *domain = c->from ? strchr(c->from, '@') : NULL;
	bool qp = false;

	alert_msg_subject(m, subject, sizeof(subject));
	if (c->subject_prefix && c->subject_prefix[0])
		snprintf(full, sizeof(full), "%s %s", c->subject_prefix, subject);
	else
		snprintf(full, sizeof(full), "%s", subject);
	text = alert_msg_text(m);
	body = body_7bit(text);
	if (!body) {
		body = alert_qp_encode(text);
		qp = true;
	}
	timefmt_rfc5322(m->created, date);
	sbuf_printf(&b, "Date: %s\r\n", date);
	sbuf_printf(&b, "From: %s\r\n", c->from ? c->from : "blmon@localhost");
	alert_header("To", to, hdr, sizeof(hdr));
	sbuf_printf(&b, "%s\r\n", hdr);
	alert_header("Subject", full, hdr, sizeof(hdr));
	sbuf_printf(&b, "%s\r\n", hdr);
	sbuf_printf(&b, "Message-ID: <%s@%s>\r\n", msgid_token, domain ? domain + 1 : "blmon.invalid");
	sbuf_printf(&b, "MIME-Version: 1.0\r\n");
	sbuf_printf(&b, "Content-Type: text/plain; charset=UTF-8\r\n");
	sbuf_printf(&b, "Content-Transfer-Encoding: %s\r\n", qp ? "quoted-printable" : "7bit");
	sbuf_printf(&b, "Auto-Submitted: auto-generated\r\n");
	sbuf_printf(&b, "X-Mailer: blmon\r\n");
	sbuf_printf(&b, "\r\n%s", body);
	free(text);
	free(body);
	return sbuf_take(&b);
}
