/* alert_incident.c -- provider incidents from the mail log (mtalog/incident.c) become messages.
 * Each incident is told once when it opens and once when it closes, with the IP's listings now. */
#include "monitor/alert/alert_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/reject_rules.h"
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

/* Why nothing is listed: the sending IP is clean, unknown to blmon, or not named. */
static void dnsbl_none(alert_t *a, const char *ip, char *buf, size_t len)
{
	if (!*ip)
		snprintf(buf, len, "none of blmon's targets is listed on the %u block lists it checks",
			 alert_lists_in_use(a->cfg));
	else if (alert_db(a, store_alert_target_active(a->store, ip)) == 1)
		snprintf(buf, len, "%s is on none of the %u block lists blmon checks: this block "
			 "is the provider's own", ip, alert_lists_in_use(a->cfg));
	else
		snprintf(buf, len, "%s is not among blmon's targets: add it to [targets] to see "
			 "its DNSBL listings", ip);
}

/* Where the sending IP (or, when the reply did not name it, any monitored
 * address) is listed now, for people: the admin's first question. */
static void incident_dnsbl(alert_t *a, const char *ip, char *buf, size_t len)
{
	store_alert_listing_t *l = NULL;
	int n = (int)alert_db(a, store_alert_listings(a->store, ip, &l));
	size_t o = 0;
	unsigned shown = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && o < len; i++) {
		char day[TIMEFMT_MAX], who[300];

		if (!alert_zone_in_use(a->cfg, l[i].zone))
			continue;
		timefmt_day(l[i].since, day);
		listing_who(&l[i], who, sizeof(who));
		o += (size_t)snprintf(buf + o, len - o, "%s%s lists %s since %s", shown ? "; " : "",
				      l[i].name, who, day);
		shown++;
	}
	free(l);
	if (!shown)
		dnsbl_none(a, ip, buf, len);
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
	incident_dnsbl(a, it->sending_ip, it->dnsbl, sizeof(it->dnsbl));
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
