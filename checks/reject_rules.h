/* reject_rules.h -- what a provider's SMTP rejection means: provider, kind, code, our IP, removal path.
 * The rules are data in one table (reject_rules.c), like the list catalog; no I/O here. */
#ifndef BLMON_REJECT_RULES_H
#define BLMON_REJECT_RULES_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	REJECT_IP_BLOCKLISTED, /* the provider's own block list names our IP or network */
	REJECT_RATE_LIMITED,   /* throttled: too much, too fast, server busy */
	REJECT_REPUTATION,     /* the sending IP's reputation is too low */
	REJECT_POLICY,         /* SPF, DKIM, DMARC, content or recipient policy */
	REJECT_OTHER,          /* anything we do not recognise */
} reject_kind_t;

#define REJECT_KINDS 5

/* A classified rejection (a plain value: copy it freely). The const char *
 * fields are borrowed from the static rule table. */
typedef struct {
	char provider[128];        /* "microsoft", "google", "yahoo", or the relay's domain */
	reject_kind_t kind;
	char code[32];             /* the provider's code ("S3150", "5.7.606", "TSS04"), or the
				      enhanced status code, or "" */
	char sending_ip[48];       /* our IP when the reply names it, else "" */
	const char *meaning;       /* one line for people */
	const char *removal;       /* URL or address to ask for removal ("" when none) */
	const char *advice;        /* what to do */
} reject_t;

/* The provider a mail host belongs to (an MX or relay name, any case, with or
 * without a trailing dot): "microsoft", "google", "yahoo", or NULL when it is
 * none of the big ones. */
const char *reject_rules_provider_of_host(const char *host);

/* The provider of a recipient domain by its well-known name (hotmail.com,
 * gmail.com, yahoo.com, aol.com ...), or NULL. */
const char *reject_rules_provider_of_domain(const char *domain);

/* Classifies one remote reply. relay is the remote host name (may be NULL or
 * ""), rcpt_domain the recipient's domain (may be NULL), reply the remote
 * server's text (untrusted; may be NULL). Never fails: what is not recognised
 * is REJECT_OTHER of the relay's domain ("unknown" without a relay). */
void reject_rules_classify(const char *relay, const char *rcpt_domain, const char *reply,
			   reject_t *out);

/* "ip-blocklisted", "rate-limited", "reputation", "policy", "other". */
const char *reject_kind_name(reject_kind_t k);

/* Does this kind count towards a provider incident (blocklisted, rate-limited
 * or reputation: the provider distrusts our IP)? */
bool reject_kind_incident(reject_kind_t k);

/* A provider's display name ("Microsoft (Outlook.com, Office 365)") and
 * default removal path: static strings for a known provider id; else the
 * name is provider itself (borrowed) and the removal "". */
const char *reject_provider_name(const char *provider);
const char *reject_provider_removal(const char *provider);

#endif
