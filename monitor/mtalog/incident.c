/* incident.c -- provider rejections recorded: counts, recipient domains, incidents opened and closed.
 * Times are when a line was read: a tailing daemon reads within a second, and syslog stamps carry no year or zone. */
#include "monitor/mtalog/incident.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "checks/reject_rules.h"
#include "lib/log.h"
#include "lib/text.h"
#include "lib/xmalloc.h"
#include "store/store_mtalog.h"

#define PRUNE_EVERY 3600 /* seconds between prunes of old rejection rows */
#define CLOSE_MAX 64     /* incidents closed per tick; any more wait for the next one */

struct incident {
	store_t *store; /* borrowed */
	int64_t pruned; /* when rejection rows were last pruned */
};

incident_t *incident_new(store_t *store, char *err, size_t errlen)
{
	incident_t *in;
	int version = store_schema_version(store);

	if (version < STORE_MTALOG_SCHEMA) {
		snprintf(err, errlen, "logwatch: the database has no mail-log tables (schema version "
			 "%d, %d needed)", version, STORE_MTALOG_SCHEMA);
		return NULL;
	}
	in = xcalloc(1, sizeof(*in));
	in->store = store;
	return in;
}

void incident_free(incident_t *in)
{
	free(in);
}

/* A provider's name for the log: relay domains come from the (hostile) log. */
static const char *shown(const char *provider, char *buf, size_t len)
{
	text_escape_term(reject_provider_name(provider), buf, len);
	return buf;
}

/* The recipient domain of e, with who answered for it. */
static int domain_seen(incident_t *in, const logline_t *e, const reject_t *r, bool rejected,
		       int64_t now)
{
	store_log_domain_t d = {.domain = e->domain, .provider = r->provider, .relay = e->relay,
				.sent = e->status == LOGLINE_SENT, .rejected = rejected};

	if (!e->domain[0])
		return 0;
	return store_log_domain_seen(in->store, &d, now);
}

/* No incident is open for r's provider: opens one when its incident-kind
 * rejections within the window reach the threshold. */
static int open_at_threshold(incident_t *in, const incident_rules_t *rules, const reject_t *r,
			     const char *sample, int64_t now)
{
	int64_t since = now - (int64_t)rules->window_s, n, id;
	char name[300];

	n = store_rejections_recent(in->store, r->provider, since);
	if (n < 0)
		return -1;
	if (n < (int64_t)rules->threshold)
		return 0;
	id = store_incident_open(in->store, r, sample, n, since, now);
	if (id < 0)
		return -1;
	log_warn("provider incident %lld opened: %s rejects mail%s%s (%s%s%s, %s): %lld rejections "
		 "within %us", (long long)id, shown(r->provider, name, sizeof(name)),
		 r->sending_ip[0] ? " from " : "", r->sending_ip, r->code, r->code[0] ? ": " : "",
		 r->meaning, reject_kind_name(r->kind), (long long)n, rules->window_s);
	return 0;
}

/* A rejection of an incident kind: counts in the provider's open incident, or may open one. */
static int open_or_extend(incident_t *in, const incident_rules_t *rules, const logline_t *e,
			  const reject_t *r, const char *sample, int64_t now)
{
	int64_t id;
	int found = store_incident_open_get(in->store, r->provider, &id);

	if (found < 0)
		return -1;
	if (found)
		return store_incident_extend(in->store, id, r->sending_ip, e->domain, now);
	return open_at_threshold(in, rules, r, sample, now);
}

/* A deferral or bounce that carried the remote server's reply. */
static int rejection_add(incident_t *in, const incident_rules_t *rules, const logline_t *e,
			 const reject_t *r, const char *line, int64_t now)
{
	char sample[INCIDENT_SAMPLE_MAX];
	store_rejection_t rej = {.at = now, .reject = r, .bounced = e->status == LOGLINE_BOUNCED,
				 .domain = e->domain, .relay = e->relay, .line = sample};

	/* logs are hostile: control bytes and invalid UTF-8 escaped, length bounded */
	text_escape_term(line, sample, sizeof(sample));
	if (store_rejection_add(in->store, &rej) < 0)
		return -1;
	if (!reject_kind_incident(r->kind))
		return 0;
	return open_or_extend(in, rules, e, r, sample, now);
}

int incident_record(incident_t *in, const incident_rules_t *rules, const logline_t *e,
		    const char *line, int64_t now)
{
	reject_t r;
	bool rejected = e->status != LOGLINE_SENT && e->reply[0];

	reject_rules_classify(e->relay, e->domain, rejected ? e->reply : NULL, &r);
	if (domain_seen(in, e, &r, rejected, now) < 0)
		return -1;
	if (e->status == LOGLINE_SENT)
		return store_incident_delivered(in->store, r.provider, now);
	if (!rejected)
		return 0; /* no remote answer (connection failed, DNS): not the provider's word */
	return rejection_add(in, rules, e, &r, line, now);
}

/* Closes the incidents quiet for rules->quiet_s with mail delivered since. */
static int close_quiet(incident_t *in, const incident_rules_t *rules, int64_t now)
{
	store_incident_open_t quiet[CLOSE_MAX];
	char name[300];
	int n = store_incidents_quiet(in->store, now - (int64_t)rules->quiet_s, quiet, CLOSE_MAX);

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (store_incident_close(in->store, quiet[i].id, now) < 0)
			return -1;
		log_info("provider incident %lld closed: no rejection from %s for %us and mail to it "
			 "was delivered since", (long long)quiet[i].id,
			 shown(quiet[i].provider, name, sizeof(name)), rules->quiet_s);
	}
	return 0;
}

/* Deletes rejection rows older than the retention, at most every PRUNE_EVERY. */
static int prune(incident_t *in, const incident_rules_t *rules, int64_t now)
{
	if (now - in->pruned < PRUNE_EVERY || !rules->retention_s)
		return 0;
	in->pruned = now;
	return store_rejections_prune(in->store, now - (int64_t)rules->retention_s);
}

int incident_tick(incident_t *in, const incident_rules_t *rules, int64_t now)
{
	if (close_quiet(in, rules, now) < 0)
		return -1;
	return prune(in, rules, now);
}
