/* reject_rules.c -- the rule table for provider rejections (facts: dnsbl-reference.md §5), and its matcher.
 * Adding a provider or a code is one row; rows are tried in order, the first that matches wins. */
#include "checks/reject_rules.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- providers ---- */

typedef struct {
	const char *id, *name, *removal;
	const char *const *hosts;   /* relay/MX name suffixes, on a label boundary */
	const char *const *domains; /* well-known recipient domains */
} provider_t;

static const char *const ms_hosts[] = {"protection.outlook.com", "outlook.com", "hotmail.com",
				       "live.com", "msn.com", NULL};
static const char *const ms_domains[] = {"hotmail.com", "hotmail.co.uk", "hotmail.fr",
					 "hotmail.de", "outlook.com", "outlook.fr", "live.com",
					 "live.co.uk", "live.fr", "msn.com", NULL};
static const char *const g_hosts[] = {"google.com", "googlemail.com", "gmail.com", NULL};
static const char *const g_domains[] = {"gmail.com", "googlemail.com", NULL};
static const char *const y_hosts[] = {"yahoodns.net", "yahoo.com", "yahoo.net", "aol.com", NULL};
static const char *const y_domains[] = {"yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de",
					"ymail.com", "rocketmail.com", "aol.com", "aim.com", NULL};

static const provider_t providers[] = {
	{"microsoft", "Microsoft (Outlook.com, Office 365)", "https://sender.office.com", ms_hosts,
	 ms_domains},
	{"google", "Google (Gmail, Workspace)", "https://postmaster.google.com", g_hosts, g_domains},
	{"yahoo", "Yahoo and AOL", "https://senders.yahooinc.com", y_hosts, y_domains},
};

#define NPROVIDERS (sizeof(providers) / sizeof(providers[0]))

/* ---- rules ---- */

/* code: NULL takes the reply's enhanced status code; CODE_MATCH the matched text. */
#define CODE_MATCH "#"

typedef struct {
	const char *provider; /* NULL: any provider */
	const char *pattern;  /* case-insensitive substring; '#' matches one digit */
	const char *code;
	reject_kind_t kind;
	const char *meaning;
	const char *removal;  /* NULL: the provider's */
	const char *advice;
} rule_t;

#define MS_DELIST "https://sender.office.com"
#define MS_ADVICE "Request delisting of the IP at https://sender.office.com; if the portal says " \
	"\"not blocked\", open a ticket through Microsoft's sender support. Meanwhile route " \
	"Microsoft-hosted domains through another relay (blmon reroute --provider microsoft)."

static const rule_t rules[] = {
	/* Microsoft */
	{"microsoft", "S3150", "S3150", REJECT_IP_BLOCKLISTED,
	 "part of your network is on Microsoft's block list", MS_DELIST, MS_ADVICE},
	{"microsoft", "S3140", "S3140", REJECT_IP_BLOCKLISTED,
	 "your IP is on Microsoft's block list", MS_DELIST, MS_ADVICE},
	{"microsoft", "5.7.511", "5.7.511", REJECT_IP_BLOCKLISTED,
	 "banned sender: the delist portal cannot lift this", "delist@microsoft.com",
	 "Mail the whole bounce (NDR) to delist@microsoft.com; the sender.office.com portal cannot "
	 "help with 5.7.511. Meanwhile route Microsoft-hosted domains through another relay."},
	{"microsoft", "5.7.6##", CODE_MATCH, REJECT_IP_BLOCKLISTED,
	 "access denied, banned sending IP", MS_DELIST, MS_ADVICE},
	{"microsoft", "Blocklist 1", "Blocklist 1", REJECT_IP_BLOCKLISTED,
	 "your IP is on Microsoft's Blocklist 1", "delist@microsoft.com",
	 "Forward the bounce to delist@microsoft.com as Microsoft's reply asks (the "
	 "sender.office.com portal may answer \"not currently blocked\"). Meanwhile route "
	 "Microsoft-hosted domains through another relay (blmon reroute --provider microsoft)."},
	{"microsoft", "4.7.650", "4.7.650", REJECT_REPUTATION,
	 "temporarily rate limited due to IP reputation", MS_DELIST,
	 "Lower the volume to Microsoft, check complaints in SNDS (https://sendersupport.olc."
	 "protection.outlook.com/snds/) and request mitigation at https://sender.office.com."},
	{"microsoft", "4.7.500", "4.7.500", REJECT_RATE_LIMITED,
	 "server busy: Microsoft throttles mail from your IP", MS_DELIST,
	 "Mail is queued and retried; if it lasts, lower the volume to Microsoft and check SNDS "
	 "(https://sendersupport.olc.protection.outlook.com/snds/)."},
	/* Google */
	{"google", "4.7.28", "4.7.28", REJECT_RATE_LIMITED,
	 "unusual rate of unsolicited mail from your IP: rate limited", NULL,
	 "Check Google Postmaster Tools (https://postmaster.google.com) for the IP's reputation, "
	 "find what sends unsolicited mail, and slow down; Gmail lifts the limit by itself."},
	{"google", "low reputation", NULL, REJECT_REPUTATION,
	 "very low reputation of the sending IP address", NULL,
	 "Check Google Postmaster Tools (https://postmaster.google.com): authenticate (SPF, DKIM, "
	 "DMARC), stop what Gmail users mark as spam, and send less until it recovers."},
	{"google", "unsolicited mail", NULL, REJECT_RATE_LIMITED,
	 "unusual rate of unsolicited mail from your IP", NULL,
	 "Check Google Postmaster Tools (https://postmaster.google.com) and slow down."},
	/* Yahoo and AOL */
	{"yahoo", "TSS04", "TSS04", REJECT_REPUTATION,
	 "temporarily deferred due to unexpected volume or user complaints", NULL,
	 "Slow down to Yahoo, check complaints (Yahoo's feedback loop) and your lists; "
	 "https://senders.yahooinc.com explains the TSS codes."},
	{"yahoo", "TSS09", "TSS09", REJECT_REPUTATION,
	 "all messages from your IP will be permanently deferred", NULL,
	 "Contact Yahoo sender support at https://senders.yahooinc.com/contact with the IP."},
	{"yahoo", "BL21", "BL21", REJECT_IP_BLOCKLISTED,
	 "Yahoo rejects your IP because Spamhaus lists it", "https://check.spamhaus.org",
	 "Get the IP off Spamhaus first (https://check.spamhaus.org); Yahoo follows."},
	{"yahoo", "TSS##", CODE_MATCH, REJECT_REPUTATION, "deferred by Yahoo's reputation system",
	 NULL, "See https://senders.yahooinc.com for the TSS codes."},
	/* any provider */
	{NULL, "blocked using", NULL, REJECT_IP_BLOCKLISTED, "blocked using a block list", NULL,
	 "Find which list the reply names and ask it for removal."},
	{NULL, "spamhaus", NULL, REJECT_IP_BLOCKLISTED, "listed on Spamhaus", "https://check.spamhaus.org",
	 "Check the IP at https://check.spamhaus.org and follow its removal steps."},
	{NULL, "blacklist", NULL, REJECT_IP_BLOCKLISTED, "on the receiver's block list", NULL,
	 "Find which list the reply names and ask it for removal."},
	{NULL, "blocklist", NULL, REJECT_IP_BLOCKLISTED, "on the receiver's block list", NULL,
	 "Find which list the reply names and ask it for removal."},
	{NULL, "block list", NULL, REJECT_IP_BLOCKLISTED, "on the receiver's block list", NULL,
	 "Find which list the reply names and ask it for removal."},
	{NULL, "dnsbl", NULL, REJECT_IP_BLOCKLISTED, "on a DNS block list", NULL,
	 "Find which list the reply names and ask it for removal."},
	{NULL, "reputation", NULL, REJECT_REPUTATION, "the receiver distrusts your IP's reputation",
	 NULL, "Ask the receiver's postmaster; check complaints and authentication."},
	{NULL, "rate limit", NULL, REJECT_RATE_LIMITED, "rate limited", NULL,
	 "Mail is retried; slow down to this receiver if it lasts."},
	{NULL, "too many", NULL, REJECT_RATE_LIMITED, "rate limited", NULL,
	 "Mail is retried; slow down to this receiver if it lasts."},
	{NULL, "throttl", NULL, REJECT_RATE_LIMITED, "throttled", NULL,
	 "Mail is retried; slow down to this receiver if it lasts."},
	{NULL, "dmarc", NULL, REJECT_POLICY, "rejected by DMARC policy", NULL,
	 "Check SPF, DKIM and DMARC alignment of the sender's domain."},
	{NULL, "dkim", NULL, REJECT_POLICY, "DKIM check failed", NULL,
	 "Check DKIM signing of the sender's domain."},
	{NULL, "spf", NULL, REJECT_POLICY, "SPF check failed", NULL,
	 "Check the sender domain's SPF record includes this server."},
	{NULL, "policy", NULL, REJECT_POLICY, "rejected by the receiver's policy", NULL,
	 "Read the reply: it is about this message, not the IP's reputation."},
};

static const char *const kind_names[REJECT_KINDS] = {"ip-blocklisted", "rate-limited",
						     "reputation", "policy", "other"};

const char *reject_kind_name(reject_kind_t k)
{
	return (unsigned)k < REJECT_KINDS ? kind_names[k] : "other";
}

bool reject_kind_incident(reject_kind_t k)
{
	return k == REJECT_IP_BLOCKLISTED || k == REJECT_RATE_LIMITED || k == REJECT_REPUTATION;
}

static const provider_t *provider_find(const char *id)
{
	for (size_t i = 0; id && i < NPROVIDERS; i++)
		if (!strcmp(providers[i].id, id))
			return &providers[i];
	return NULL;
}

const char *reject_provider_name(const char *provider)
{
	const provider_t *p = provider_find(provider);
	return p ? p->name : provider;
}

const char *reject_provider_removal(const char *provider)
{
	const provider_t *p = provider_find(provider);
	return p ? p->removal : "";
}

/* Does host end in suffix on a label boundary (case-insensitive, trailing dot ignored)? */
static bool host_in(const char *host, const char *suffix)
{
	size_t hl = strlen(host), sl = strlen(suffix);

	if (hl && host[hl - 1] == '.')
		hl--;
	if (hl < sl || strncasecmp(host + hl - sl, suffix, sl))
		return false;
	return hl == sl || host[hl - sl - 1] == '.';
}

const char *reject_rules_provider_of_host(const char *host)
{
	for (size_t i = 0; host && *host && i < NPROVIDERS; i++)
		for (const char *const *s = providers[i].hosts; *s; s++)
			if (host_in(host, *s))
				return providers[i].id;
	return NULL;
}

const char *reject_rules_provider_of_domain(const char *domain)
{
	for (size_t i = 0; domain && *domain && i < NPROVIDERS; i++)
		for (const char *const *s = providers[i].domains; *s; s++)
			if (!strcasecmp(domain, *s))
				return providers[i].id;
	return NULL;
}

/* The relay's registrable domain, roughly: the last two labels, three under
 * a two-letter country code with a short second level (co.uk, com.au). */
static void relay_domain(const char *host, char *out, size_t len)
{
	size_t hl = strlen(host);
	const char *p, *dots[3] = {NULL, NULL, NULL};
	int n = 0;

	while (hl && host[hl - 1] == '.')
		hl--;
	for (p = host + hl; p > host && n < 3; p--)
		if (p[-1] == '.')
			dots[n++] = p - 1;
	p = n >= 2 ? dots[1] + 1 : host;
	if (n >= 3 && host + hl - dots[0] == 3 && dots[0] - dots[1] <= 4)
		p = dots[2] + 1;
	snprintf(out, len, "%.*s", (int)(host + hl - p), p);
	for (char *c = out; *c; c++)
		*c = (char)tolower((unsigned char)*c);
}

/* Case-insensitive search of pat ('#' = a digit) in s; returns the match or NULL. */
static const char *find(const char *s, const char *pat, size_t *mlen)
{
	size_t pl = strlen(pat);

	for (; *s; s++) {
		size_t i;
		for (i = 0; i < pl && s[i]; i++) {
			if (pat[i] == '#' ? !isdigit((unsigned char)s[i])
					  : tolower((unsigned char)s[i]) != tolower((unsigned char)pat[i]))
				break;
		}
		if (i == pl) {
			*mlen = pl;
			return s;
		}
	}
	return NULL;
}

/* The first enhanced status code (RFC 3463: class.subject.detail) in s. */
static void enhanced_code(const char *s, char *out, size_t len)
{
	out[0] = '\0';
	for (const char *p = s; *p; p++) {
		const char *q = p;
		int d1 = 0, d2 = 0;
		if ((p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.')) ||
		    (*p != '2' && *p != '4' && *p != '5') || p[1] != '.')
			continue;
		q = p + 2;
		while (isdigit((unsigned char)*q) && d1 < 3)
			q++, d1++;
		if (!d1 || *q != '.')
			continue;
		q++;
		while (isdigit((unsigned char)*q) && d2 < 3)
			q++, d2++;
		if (!d2 || isalnum((unsigned char)*q))
			continue;
		snprintf(out, len, "%.*s", (int)(q - p), p);
		return;
	}
}

/* Our IP as the reply names it: the first IPv4 literal, or a bracketed IPv6. */
static void find_ip(const char *s, char *out, size_t len)
{
	unsigned char bin[16];

	out[0] = '\0';
	for (const char *p = s; *p; p++) {
		char cand[64];
		size_t n;
		if (isdigit((unsigned char)*p) && (p == s || !(isalnum((unsigned char)p[-1]) ||
							       p[-1] == '.' || p[-1] == ':'))) {
			n = strspn(p, "0123456789.");
			while (n && p[n - 1] == '.')
				n--;
			if (n < sizeof(cand) && !isalnum((unsigned char)p[n]) && p[n] != ':') {
				snprintf(cand, sizeof(cand), "%.*s", (int)n, p);
				if (inet_pton(AF_INET, cand, bin) == 1) {
					snprintf(out, len, "%s", cand);
					return;
				}
			}
			p += n ? n - 1 : 0;
		} else if (*p == '[') {
			n = strspn(p + 1, "0123456789abcdefABCDEF:.");
			if (n < sizeof(cand) && memchr(p + 1, ':', n)) {
				snprintf(cand, sizeof(cand), "%.*s", (int)n, p + 1);
				if (inet_pton(AF_INET6, cand, bin) == 1) {
					char norm[64];
					inet_ntop(AF_INET6, bin, norm, sizeof(norm));
					snprintf(out, len, "%s", norm);
					return;
				}
			}
		}
	}
}

void reject_rules_classify(const char *relay, const char *rcpt_domain, const char *reply,
			   reject_t *out)
{
	const char *prov = NULL;
	const char *text = reply ? reply : "";

	memset(out, 0, sizeof(*out));
	if (relay && *relay)
		prov = reject_rules_provider_of_host(relay);
	if (!prov && rcpt_domain)
		prov = reject_rules_provider_of_domain(rcpt_domain);
	if (prov)
		snprintf(out->provider, sizeof(out->provider), "%s", prov);
	else if (relay && *relay)
		relay_domain(relay, out->provider, sizeof(out->provider));
	if (!out->provider[0])
		snprintf(out->provider, sizeof(out->provider), "unknown");
	out->kind = REJECT_OTHER;
	out->meaning = "not recognised: read the reply";
	out->removal = reject_provider_removal(out->provider);
	out->advice = "Read the remote server's reply.";
	find_ip(text, out->sending_ip, sizeof(out->sending_ip));
	enhanced_code(text, out->code, sizeof(out->code));
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const rule_t *r = &rules[i];
		const char *m;
		size_t mlen = 0;

		if (r->provider && strcmp(r->provider, out->provider))
			continue;
		if (!(m = find(text, r->pattern, &mlen)))
			continue;
		out->kind = r->kind;
		out->meaning = r->meaning;
		out->advice = r->advice;
		if (r->removal)
			out->removal = r->removal;
		if (r->code && !strcmp(r->code, CODE_MATCH))
			snprintf(out->code, sizeof(out->code), "%.*s", (int)mlen, m);
		else if (r->code)
			snprintf(out->code, sizeof(out->code), "%s", r->code);
		break;
	}
}
