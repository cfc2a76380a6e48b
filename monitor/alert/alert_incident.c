/* alert_incident.c -- provider incidents from the mail log (mtalog/incident.c) become messages.
 * Each incident is told once when it opens and once when it closes, with the IP's listings now (SNDS's first). */
#include "monitor/alert/alert_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/reject_rules.h"
#include "checks/snds.h"
#include "lib/text.h"
#include "lib/timefmt.h"

/* Who a listing names, for people: the address, its network or its provider. */
static void listing_who(const store_alert_listing_t *l, char *buf, size_t len)
{
	bool named = l->as_name[0];

	if (l->scope == SCOPE_ASN && l->asn >= 0)
		snprintf(buf, len, "your provider AS%lld%s%s%s", (long long)l->asn, named ? " (" : "",
			 l->as_name, named ? ")" : "");
	else if (l->scope == SCOPE_NETWORK && l->prefix[0])
		snprintf(buf, len, "your network %s", l->prefix);
	else
		snprintf(buf, len, "%s", l->target);
}

/* The DNS block lists in use: what "none of N block lists" counts (SNDS is said apart). */
static unsigned dns_lists(const alert_t *a)
{
	unsigned n = a->cfg->drop_enabled ? 2 : 0;

	for (size_t i = 0; i < a->cfg->catalog->n; i++) {
		const catalog_list_t *l = &a->cfg->catalog->lists[i];
		n += l->enabled && l->zone && l->source == SOURCE_DNS;
	}
	return n;
}

/* The SNDS list in use recorded under zone, or NULL for any other list. */
static const catalog_list_t *snds_list(const alert_t *a, const char *zone)
{
	const catalog_list_t *l = catalog_find(a->cfg->catalog, zone);

	return l && l->source == SOURCE_SNDS && l->enabled && l->zone ? l : NULL;
}

/* Why nothing is listed: the sending IP is clean, unknown to blmon, or not named. */
static void dnsbl_none(alert_t *a, const char *ip, char *buf, size_t len)
{
	if (!*ip)
		snprintf(buf, len, "none of blmon's targets is listed on the %u block lists it checks",
			 dns_lists(a));
	else if (alert_db(a, store_alert_target_active(a->store, ip)) == 1)
		snprintf(buf, len, "%s is on none of the %u block lists blmon checks: this block "
			 "is the provider's own", ip, dns_lists(a));
	else
		snprintf(buf, len, "%s is not among blmon's targets: add it to [targets] to see "
			 "its DNSBL listings", ip);
}

/* What the incident's context says, for its advice. */
struct context {
	bool snds_blocks;  /* SNDS: Outlook.com blocks the sending IP itself */
	char hood[400];    /* a listing of its network or AS ("UCEPROTECT Level 3 lists your
			      provider AS64500 (...)"), "" when none */
};

/* An SNDS listing of the sending IP in Microsoft's own words (o bytes of buf so far). */
static size_t snds_said(const store_alert_listing_t *l, const catalog_list_t *sl, char *buf,
			size_t len, size_t o, struct context *cx)
{
	char t[TIMEFMT_MAX], txt[PROBLEM_TXT_MAX];

	timefmt_human(l->since, t);
	text_oneline(l->txt, txt, sizeof(txt));
	if (snds_list_doc(sl) == SNDS_IPSTATUS) {
		cx->snds_blocks = true;
		return o + (size_t)snprintf(buf + o, len - o, "%sOutlook.com blocks %s (SNDS: blocked "
					    "since %s%s%s%s)", o ? "; " : "", l->target, t,
					    txt[0] ? ", '" : "", txt, txt[0] ? "'" : "");
	}
	return o + (size_t)snprintf(buf + o, len - o, "%sSNDS filter result %s for %s since %s",
				    o ? "; " : "", (l->code & 0xff) == 2 ? "RED" : "YELLOW",
				    l->target, t);
}

/* Where the sending IP (or, when the reply did not name it, any monitored
 * address) is listed now, for people: the admin's first question. For a
 * Microsoft incident, SNDS's word comes first: it is Microsoft's own. */
static void incident_dnsbl(alert_t *a, const store_alert_incident_t *inc, const char *ip,
			   char *buf, size_t len, struct context *cx)
{
	store_alert_listing_t *l = NULL;
	int n = (int)alert_db(a, store_alert_listings(a->store, ip, &l));
	bool microsoft = !strcmp(inc->provider, "microsoft");
	char ms[700] = "", dns[1024] = "";
	size_t o = 0, om = 0;
	unsigned shown = 0;

	for (int i = 0; i < n; i++) {
		const catalog_list_t *sl = snds_list(a, l[i].zone);
		char day[TIMEFMT_MAX], who[300];

		if (!alert_zone_in_use(a->cfg, l[i].zone))
			continue;
		if (sl && microsoft && om < sizeof(ms)) {
			om = snds_said(&l[i], sl, ms, sizeof(ms), om, cx);
			continue;
		}
		if (o >= sizeof(dns))
			continue;
		timefmt_day(l[i].since, day);
		listing_who(&l[i], who, sizeof(who));
		o += (size_t)snprintf(dns + o, sizeof(dns) - o, "%s%s lists %s since %s",
				      shown ? "; " : "", l[i].name, who, day);
		if ((l[i].scope == SCOPE_ASN || l[i].scope == SCOPE_NETWORK) && !cx->hood[0])
			snprintf(cx->hood, sizeof(cx->hood), "%s lists %s", l[i].name, who);
		shown++;
	}
	free(l);
	if (microsoft && !cx->snds_blocks && *ip && snds_list(a, SNDS_LIST_BLOCK)) {
		status_t st;
		int64_t at;
		char t[TIMEFMT_MAX];

		/* SNDS answered for it and did not block it: Microsoft blocks on something else */
		if (alert_db(a, store_alert_state(a->store, ip, SNDS_LIST_BLOCK, &st, &at)) == 1 &&
		    st == STATUS_CLEAN && om < sizeof(ms)) {
			timefmt_human(at, t);
			om += (size_t)snprintf(ms + om, sizeof(ms) - om, "%sSNDS does not show %s as "
					       "blocked (as of %s)", om ? "; " : "", ip, t);
		}
	}
	if (!ms[0]) {
		if (shown)
			snprintf(buf, len, "%s", dns);
		else
			dnsbl_none(a, ip, buf, len);
		return;
	}
	snprintf(buf, len, "%s; %s", ms, shown ? dns : "no public DNSBL lists it");
}

/* Is one of the incident's recipient domains an Outlook.com (consumer) one? */
static bool consumer_domains(const store_alert_incident_t *inc)
{
	for (uint16_t i = 0; i < inc->ndomains; i++) {
		const char *p = reject_rules_provider_of_domain(inc->domains[i]);
		if (p && !strcmp(p, "microsoft"))
			return true;
	}
	return false;
}

/* What to do about a Microsoft incident, by its cause: the provider when a listing of
 * the network explains it (Microsoft blocks "part of their network", S3150), the Office
 * 365 paths for 5.7.606-649 and 5.7.511 (the rule's), and the Outlook.com sender support
 * form when Outlook.com blocks the address (SNDS says so, or consumer domains bounce). */
static void incident_advice(alert_t *a, const store_alert_incident_t *inc,
			    const struct context *cx, alert_item_t *it)
{
	const catalog_list_t *sl = catalog_find(a->cfg->catalog, SNDS_LIST_BLOCK);
	const char *form = sl && sl->removal ? sl->removal : "";

	if (strcmp(inc->provider, "microsoft"))
		return;
	if (cx->hood[0] && !cx->snds_blocks) {
		snprintf(it->advice, sizeof(it->advice), "Microsoft refuses mail from part of your "
			 "provider's network, and %s: only the provider can get that lifted. Ask "
			 "them (a request for your address alone does not help); meanwhile route "
			 "Microsoft-hosted domains through another relay (blmon reroute --provider "
			 "microsoft).", cx->hood);
		return;
	}
	if (!strncmp(inc->code, "5.7.6", 5) || !strcmp(inc->code, "5.7.511"))
		return; /* Office 365: the rule's portal or address */
	if (!cx->snds_blocks && !consumer_domains(inc))
		return;
	snprintf(it->removal, sizeof(it->removal), "%s", form);
	snprintf(it->advice, sizeof(it->advice), "Outlook.com blocks this address: find and stop "
		 "what drew the complaints (SNDS shows the complaint rate and trap hits), then ask "
		 "Microsoft to lift the block with the Outlook.com sender support request form "
		 "(%s), quoting the bounce. Meanwhile route Microsoft-hosted domains through "
		 "another relay (blmon reroute --provider microsoft).", form);
}

/* The recipient domains, escaped and ", "-separated; ", ..." when they do not fit. */
static void incident_domains(const store_alert_incident_t *inc, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (uint16_t i = 0; i < inc->ndomains && o + 1 < len; i++) {
		char dom[256];
		text_escape_term(inc->domains[i], dom, sizeof(dom));
		if (o + strlen(dom) + 8 >= len) {
			o += (size_t)snprintf(buf + o, len - o, ", ...");
			break;
		}
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", dom);
	}
}

/* The item of an incident's opening or closing; text from the log is escaped. */
static void incident_item(alert_t *a, const store_alert_incident_t *inc, alert_item_t *it)
{
	struct context cx = {false, ""};

	it->incident_id = inc->id;
	text_escape_term(inc->provider, it->provider, sizeof(it->provider));
	text_escape_term(reject_provider_name(inc->provider), it->provider_name,
			 sizeof(it->provider_name));
	it->at = inc->opened;
	it->closed = inc->closed;
	snprintf(it->rkind, sizeof(it->rkind), "%s", inc->kind);
	text_escape_term(inc->code, it->rcode, sizeof(it->rcode));
	snprintf(it->meaning, sizeof(it->meaning), "%s", inc->meaning);
	snprintf(it->sending_ip, sizeof(it->sending_ip), "%s", inc->sending_ip);
	snprintf(it->removal, sizeof(it->removal), "%s", inc->removal);
	snprintf(it->advice, sizeof(it->advice), "%s", inc->advice);
	snprintf(it->sample, sizeof(it->sample), "%s", inc->sample);
	it->rejections = inc->rejections;
	it->window_s = a->cfg->lw_window_s;
	incident_domains(inc, it->domains, sizeof(it->domains));
	incident_dnsbl(a, inc, it->sending_ip, it->dnsbl, sizeof(it->dnsbl), &cx);
	incident_advice(a, inc, &cx, it);
}

/* Queues the message of one opening or closing and marks it told. */
static int incident_tell(alert_t *a, const store_alert_incident_t *inc, bool closing, int64_t now)
{
	alert_msg_t m = {.kind = ALERT_MSG_INCIDENT};
	size_t cap = 0;
	int queued;

	incident_item(a, inc, alert_item_add(&m, &cap, closing ? ALERT_ITEM_INCIDENT_CLOSED
								: ALERT_ITEM_INCIDENT_OPEN));
	queued = alert_queue_add(a, &m, now);
	if (!closing) /* the API and the dashboard show what the opening told */
		alert_db(a, store_alert_incident_told(a->store, inc->id, m.items[0].dnsbl,
						      m.items[0].removal, m.items[0].advice));
	alert_db(a, store_alert_incident_mark(a->store, inc->id, closing, now));
	free(m.items);
	return queued;
}

int alert_incident_produce(alert_t *a, int64_t now)
{
	store_alert_incident_t *inc = NULL;
	int n = (int)alert_db(a, store_alert_incidents(a->store, &inc)), queued = 0;

	for (int i = 0; i < n; i++) {
		if (inc[i].alert_open)
			queued += incident_tell(a, &inc[i], false, now);
		if (inc[i].alert_close)
			queued += incident_tell(a, &inc[i], true, now);
	}
	free(inc);
	return queued;
}
