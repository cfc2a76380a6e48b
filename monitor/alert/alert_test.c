/* alert_test.c -- `blmon alert test`: a test message straight through each channel, never queued.
 * The same wording, mail and JSON builders and the same channels as real alerts: what works here works there. */
#include "monitor/alert/alert_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/alert/alert_channel.h"

/* Sends payload to one destination and tells fn. Returns 1 when it failed, else 0. */
static int try_one(const config_t *c, const alert_channel_t *ch, const char *dest,
		   const char *payload, volatile sig_atomic_t *stop, alert_test_fn fn, void *ud)
{
	char shown[600], answer[600] = "", err[1024] = "";
	int rc;

	ch->shown(dest, shown, sizeof(shown));
	rc = ch->send(c, dest, payload, stop, answer, sizeof(answer), err, sizeof(err));
	/* a server may quote what it was sent (a header, the login) */
	config_redact(c, answer, sizeof(answer));
	config_redact(c, err, sizeof(err));
	fn(ud, ch->name, shown, rc == 0, rc == 0 ? answer : err);
	return rc != 0;
}

int alert_test(const config_t *c, const char *host, const char *config,
	       volatile sig_atomic_t *stop, alert_test_fn fn, void *ud, int *tried)
{
	alert_msg_t m;
	char tok[96], *payload, *dest;
	int failed = 0;

	memset(&m, 0, sizeof(m));
	m.kind = ALERT_MSG_TEST;
	m.created = time(NULL);
	m.test_host = host;
	m.test_config = config;
	*tried = 0;
	if (c->smtp && c->from && c->nto) {
		dest = alert_email_destination(c);
		alert_queue_token(tok, sizeof(tok), m.created, 0);
		payload = alert_msg_email(&m, c, dest, tok);
		failed += try_one(c, &alert_channel_email, dest, payload, stop, fn, ud);
		(*tried)++;
		free(payload);
		free(dest);
	}
	if (c->nwebhooks) {
		payload = alert_msg_json(&m);
		for (size_t i = 0; i < c->nwebhooks && !(stop && *stop); i++, (*tried)++)
			failed += try_one(c, &alert_channel_webhook, c->webhooks[i].value, payload,
					  stop, fn, ud);
		free(payload);
	}
	return failed;
}
