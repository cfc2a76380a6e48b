/* alert_queue.c -- the alert queue (table alerts): queueing messages, delivery with backoff, pruning.
 * A message is queued before it is sent and marked only once accepted: outages delay, never lose. */
#include "monitor/alert/alert_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "lib/curlx.h"
#include "lib/log.h"
#include "lib/xmalloc.h"
#include "monitor/alert/alert_channel.h"

#define DELIVER_MAX 50  /* messages tried per call */
#define BACKOFF_FIRST 5 /* seconds before the first retry */
#define BACKOFF_MAX 3600
#define PRUNE_EVERY 3600
/* A cluster node's claim of a message: longer than one attempt can take (the channels time out
 * after 70 s at most); after it, a node that died mid-send loses the message to another. */
#define ALERT_CLAIM_S 120

static const alert_channel_t *const channels[] = {&alert_channel_email, &alert_channel_webhook};

/* ---- queueing ---- */

void alert_queue_token(char *buf, size_t len, int64_t now, int64_t seq)
{
	unsigned char r[8];

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		unsigned v = (unsigned)now ^ (unsigned)getpid() ^ (unsigned)clock();
		memcpy(r, &v, sizeof(v));
		memcpy(r + 4, &seq, 4);
	}
	snprintf(buf, len, "blmon.%lld.%lld.%02x%02x%02x%02x%02x%02x%02x%02x", (long long)now,
		 (long long)seq, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
}

/* The mail to [email] to, when mail is configured. Returns rows queued. */
static int queue_email(alert_t *a, const alert_msg_t *m, const char *subject, int64_t now)
{
	const config_t *c = a->cfg;
	char tok[96], *mail, *dest;
	int64_t seq, health;

	if (!c->smtp || !c->from || !c->nto)
		return 0;
	dest = alert_email_destination(c);
	alert_db(a, store_alert_heads(a->store, &seq, &health));
	alert_queue_token(tok, sizeof(tok), now, seq);
	mail = alert_msg_email(m, c, dest, tok);
	alert_db(a, store_alert_enqueue(a->store, now, "email", dest, subject, mail));
	free(mail);
	free(dest);
	return 1;
}

/* The document to each [webhook] url. Returns rows queued. */
static int queue_webhooks(alert_t *a, const alert_msg_t *m, const char *subject, int64_t now)
{
	const config_t *c = a->cfg;
	char *json;

	if (!c->nwebhooks)
		return 0;
	json = alert_msg_json(m);
	for (size_t i = 0; i < c->nwebhooks; i++)
		alert_db(a, store_alert_enqueue(a->store, now, "webhook", c->webhooks[i].value,
						subject, json));
	free(json);
	return (int)c->nwebhooks;
}

int alert_queue_add(alert_t *a, alert_msg_t *m, int64_t now)
{
	char subject[700];
	int n;

	m->created = now;
	alert_msg_subject(m, subject, sizeof(subject));
	n = queue_email(a, m, subject, now);
	n += queue_webhooks(a, m, subject, now);
	if (n)
		log_info("alert queued for %d destination%s: %s", n, n == 1 ? "" : "s", subject);
	return n;
}

void alert_queue_prune(alert_t *a, int64_t now)
{
	if (now - a->pruned < PRUNE_EVERY)
		return;
	a->pruned = now;
	a->failed = false;
	alert_db(a, store_alert_prune(a->store, now - (int64_t)a->cfg->retention_s));
}

/* ---- delivery ---- */

unsigned alert_backoff(unsigned attempts)
{
	unsigned s = BACKOFF_FIRST;

	for (unsigned i = 1; i < attempts && s < BACKOFF_MAX; i++)
		s *= 2;
	return s < BACKOFF_MAX ? s : BACKOFF_MAX;
}

const alert_channel_t *alert_channel_find(const char *name)
{
	for (size_t i = 0; i < sizeof(channels) / sizeof(channels[0]); i++)
		if (!strcmp(channels[i]->name, name))
			return channels[i];
	return NULL;
}

/* Destinations that failed in this call: their other messages wait for their own next attempt. */
typedef struct {
	char (*dest)[512];
	size_t n, cap;
} failed_t;

static bool failed_has(const failed_t *f, const char *dest)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->dest[i], dest))
			return true;
	return false;
}

static void failed_add(failed_t *f, const char *dest)
{
	xgrow((void **)&f->dest, &f->cap, f->n + 1, sizeof(*f->dest));
	snprintf(f->dest[f->n++], sizeof(*f->dest), "%s", dest);
}

/* A failed attempt: the next one after a backoff, or given up once [alerts]
 * give_up has passed since the message was made. */
static void retry_later(alert_t *a, const store_alert_queued_t *q, const char *shown,
			const char *err, int64_t now)
{
	int64_t deadline = q->created + (int64_t)a->cfg->alert_give_up_s;
	int64_t next = now + alert_backoff(q->attempts + 1);
	bool give_up = now >= deadline;
	char age[32];

	if (next > deadline)
		next = deadline; /* one last try right at the deadline */
	alert_db(a, store_alert_mark_failed(a->store, q->id, now, err, next, give_up));
	snprintf(age, sizeof(age), "%llds", (long long)(now - q->created));
	if (give_up)
		log_error("alert %lld given up after %u attempts over %s ([alerts] give_up): "
			  "%s to %s: %s: %s", (long long)q->id, q->attempts + 1, age, q->channel, shown,
			  err, q->subject);
	else
		log_warn("alert %lld not delivered (attempt %u): %s; next try in %llds",
			 (long long)q->id, q->attempts + 1, err, (long long)(next - now));
}

/* Tries one due message. Returns 1 when it was accepted, else 0. */
static int deliver_one(alert_t *a, const store_alert_queued_t *q, failed_t *failed, int64_t now)
{
	const alert_channel_t *ch = alert_channel_find(q->channel);
	char shown[600], err[1024] = "", answer[300];

	if (ch)
		ch->shown(q->destination, shown, sizeof(shown));
	else
		curlx_url_shown(q->destination, false, shown, sizeof(shown));
	if (failed_has(failed, q->destination))
		return 0; /* its server just failed: wait for this row's own next attempt */
	if (!ch || !ch->configured(a->cfg, q->destination)) {
		snprintf(err, sizeof(err), "%s to %s is no longer configured", q->channel, shown);
		alert_db(a, store_alert_mark_failed(a->store, q->id, now, err, now, true));
		log_error("alert %lld given up: %s: %s", (long long)q->id, err, q->subject);
		return 0;
	}
	if (ch->send(a->cfg, q->destination, q->payload, a->stop, answer, sizeof(answer), err,
		     sizeof(err)) == 0) {
		alert_db(a, store_alert_mark_done(a->store, q->id, now));
		config_redact(a->cfg, answer, sizeof(answer));
		log_info("alert %lld delivered by %s to %s (%s): %s", (long long)q->id, q->channel,
			 shown, answer, q->subject);
		return 1;
	}
	if (a->stop && *a->stop)
		return 0; /* interrupted by a stop: not an attempt; the next start sends it */
	/* a server may quote what it was sent (a header, the login) in its refusal:
	 * the error is logged and stored in last_error only without the secrets */
	config_redact(a->cfg, err, sizeof(err));
	retry_later(a, q, shown, err, now);
	failed_add(failed, q->destination);
	return 0;
}

int alert_deliver(alert_t *a, int64_t now)
{
	failed_t failed = {NULL, 0, 0};
	store_alert_queued_t q;
	int64_t after = 0;
	int delivered = 0;

	a->failed = false;
	for (int i = 0; i < DELIVER_MAX && !(a->stop && *a->stop); i++) {
		/* in a cluster every node sends: each message by the node that claimed it */
		if (alert_db(a, a->cfg->cluster
				     ? store_alert_claim(a->store, a->cfg->cluster_node, now,
							 now + ALERT_CLAIM_S, after, &q)
				     : store_alert_due(a->store, now, after, &q)) != 1)
			break;
		after = q.id;
		delivered += deliver_one(a, &q, &failed, now);
		free(q.payload);
	}
	free(failed.dest);
	return a->failed ? -1 : delivered;
}
