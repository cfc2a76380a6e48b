/* alert_channel.h -- the ways an alert leaves blmon, one file each behind the queue (alert_queue.c).
 * A channel only sends; queueing, retries and giving up are alert_queue.c's. */
#ifndef BLMON_ALERT_CHANNEL_H
#define BLMON_ALERT_CHANNEL_H

#include <signal.h>
#include <stddef.h>

#include "monitor/config.h"

typedef struct {
	const char *name; /* alerts.channel: "email", "webhook" */
	/* Is destination (alerts.destination) still one of c's? */
	int (*configured)(const config_t *c, const char *destination);
	/* Sends payload to destination with c's settings. Returns 0 only when the
	 * server accepted it (SMTP 250 after DATA, HTTP 2xx); else -1 with what
	 * went wrong in err. answer gets what the server said last, accepted or
	 * not ("250 2.0.0 Ok: queued as 4F2", "HTTP 202: queued"; "" when it said
	 * nothing), control bytes as spaces; as the server's words it may quote a
	 * secret (config_redact it before it is shown). A set *stop (may be NULL)
	 * aborts the transfer. */
	int (*send)(const config_t *c, const char *destination, const char *payload,
		    volatile sig_atomic_t *stop, char *answer, size_t answerlen, char *err,
		    size_t errlen);
	/* destination as logged and stored in last_error, into buf (len bytes):
	 * a webhook URL only up to its host (curlx_url_shown), as chat webhook
	 * paths hold tokens; the recipients of a mail as they are. */
	void (*shown)(const char *destination, char *buf, size_t len);
} alert_channel_t;

extern const alert_channel_t alert_channel_email;   /* alert_email.c: SMTP via libcurl */
extern const alert_channel_t alert_channel_webhook; /* alert_webhook.c: HTTP POST via libcurl */

/* The channel called name (alerts.channel), or NULL (alert_queue.c). */
const alert_channel_t *alert_channel_find(const char *name);

/* The email destination for c: its recipients joined with ", ", as the queue
 * row and the mail's To header show them (caller frees). */
char *alert_email_destination(const config_t *c);

#endif
