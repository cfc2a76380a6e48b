/* logline_postfix.c -- Postfix delivery lines (smtp/lmtp/local/virtual "status=") into delivery results.
 * The remote reply is the text after "said:" in the status's parentheses. */
#include "monitor/mtalog/logline.h"

#include <string.h>

/* The value of "key" up to the next ", " (or the end), or NULL. */
static const char *field(const char *s, const char *key, size_t *n)
{
	const char *p = strstr(s, key);

	if (!p)
		return NULL;
	p += strlen(key);
	*n = strcspn(p, ",");
	return p;
}

static int parse(const char *line, logline_t *e)
{
	const char *tag, *p, *v, *said;
	size_t n;

	/* the program tag: postfix/smtp[PID]:, postfix-out/smtp[PID]:, postfix/lmtp[PID]: */
	tag = strstr(line, "/smtp[");
	if (!tag)
		tag = strstr(line, "/lmtp[");
	if (tag) {
		p = tag;
		while (p > line && p[-1] != ' ')
			p--;
		if (strncmp(p, "postfix", 7))
			return 0;
		p = strstr(tag, "]: ");
		if (!p)
			return 0;
		p += 3;
	} else {
		/* `journalctl -o cat` drops the syslog prefix and the tag: the line
		 * starts with the queue id, "4F1A2B3C: to=<...>, relay=..." */
		size_t q = strspn(line, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
		if (q < 5 || strncmp(line + q, ": to=<", 6))
			return 0;
		p = line + q + 1; /* field() looks for " to=<" */
	}
	if (!(v = field(p, " to=<", &n)))
		return 0;
	if (n && v[n - 1] == '>')
		n--;
	logline_copy(e->rcpt, sizeof(e->rcpt), v, n);
	logline_set_domain(e);
	if ((v = field(p, " relay=", &n))) {
		const char *br = memchr(v, '[', n);
		logline_copy(e->relay, sizeof(e->relay), v, br ? (size_t)(br - v) : n);
		if (br) {
			const char *end = memchr(br, ']', n - (size_t)(br - v));
			if (end)
				logline_copy(e->relay_ip, sizeof(e->relay_ip), br + 1,
					      (size_t)(end - br - 1));
		}
		if (!strcmp(e->relay, "none") || !strcmp(e->relay, "local"))
			e->relay[0] = '\0';
	}
	if ((v = field(p, " dsn=", &n)))
		logline_copy(e->dsn, sizeof(e->dsn), v, n);
	if (!(v = strstr(p, " status=")))
		return 0;
	v += 8;
	if (!strncmp(v, "sent", 4))
		e->status = LOGLINE_SENT;
	else if (!strncmp(v, "deferred", 8))
		e->status = LOGLINE_DEFERRED;
	else if (!strncmp(v, "bounced", 7))
		e->status = LOGLINE_BOUNCED;
	else
		return 0; /* expired, deliverable, undeliverable: not a remote answer */
	said = strstr(v, " said: ");
	if (said) {
		const char *end;
		said += 7;
		n = strlen(said);
		/* drop the "(in reply to ... command))" Postfix adds */
		end = strstr(said, " (in reply to ");
		if (end)
			n = (size_t)(end - said);
		else if (n && said[n - 1] == ')')
			n--;
		logline_copy(e->reply, sizeof(e->reply), said, n);
		logline_reply_join(e->reply);
	} else if (e->status != LOGLINE_SENT) {
		/* refused to talk to me: NNN ... is a remote answer too */
		const char *r = strstr(v, "refused to talk to me: ");
		if (r) {
			r += 23;
			n = strlen(r);
			if (n && r[n - 1] == ')')
				n--;
			logline_copy(e->reply, sizeof(e->reply), r, n);
			logline_reply_join(e->reply);
		}
	}
	return 1;
}

const logline_format_t logline_format_postfix = {"postfix", parse};
