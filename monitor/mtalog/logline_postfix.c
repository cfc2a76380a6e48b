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

/* Where the fields of a delivery line start: after the program tag
 * (postfix/smtp[PID]:, postfix-out/smtp[PID]:, postfix/lmtp[PID]:), or after
 * the queue id of a `journalctl -o cat` line. NULL when line is neither. */
static const char *fields_start(const char *line)
{
	const char *tag = strstr(line, "/smtp["), *p;
	size_t q;

	if (!tag)
		tag = strstr(line, "/lmtp[");
	if (tag) {
		p = tag;
		while (p > line && p[-1] != ' ')
			p--;
		if (strncmp(p, "postfix", 7))
			return NULL;
		p = strstr(tag, "]: ");
		return p ? p + 3 : NULL;
	}
	/* `journalctl -o cat` drops the syslog prefix and the tag: the line
	 * starts with the queue id, "4F1A2B3C: to=<...>, relay=..." */
	q = strspn(line, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
	if (q < 5 || strncmp(line + q, ": to=<", 6))
		return NULL;
	return line + q + 1; /* field() looks for " to=<" */
}

/* relay=host[ip]:port (n bytes at v) into e->relay and e->relay_ip; "none"
 * and "local" are no remote host. */
static void relay_set(const char *v, size_t n, logline_t *e)
{
	const char *br = memchr(v, '[', n);

	logline_copy(e->relay, sizeof(e->relay), v, br ? (size_t)(br - v) : n);
	if (br) {
		const char *end = memchr(br, ']', n - (size_t)(br - v));
		if (end)
			logline_copy(e->relay_ip, sizeof(e->relay_ip), br + 1, (size_t)(end - br - 1));
	}
	if (!strcmp(e->relay, "none") || !strcmp(e->relay, "local"))
		e->relay[0] = '\0';
}

/* The status word at v into e->status: 1, or 0 for expired, deliverable,
 * undeliverable (not a remote answer). */
static int status_set(const char *v, logline_t *e)
{
	if (!strncmp(v, "sent", 4))
		e->status = LOGLINE_SENT;
	else if (!strncmp(v, "deferred", 8))
		e->status = LOGLINE_DEFERRED;
	else if (!strncmp(v, "bounced", 7))
		e->status = LOGLINE_BOUNCED;
	else
		return 0;
	return 1;
}

/* The remote server's reply in the status's parentheses (v: the status
 * word) into e->reply: what it "said:", or why it "refused to talk to me:". */
static void reply_set(const char *v, logline_t *e)
{
	const char *said = strstr(v, " said: ");
	size_t n;

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
}

static int parse(const char *line, logline_t *e)
{
	const char *p = fields_start(line), *v;
	size_t n;

	if (!p || !(v = field(p, " to=<", &n)))
		return 0;
	if (n && v[n - 1] == '>')
		n--;
	logline_copy(e->rcpt, sizeof(e->rcpt), v, n);
	logline_set_domain(e);
	if ((v = field(p, " relay=", &n)))
		relay_set(v, n, e);
	if ((v = field(p, " dsn=", &n)))
		logline_copy(e->dsn, sizeof(e->dsn), v, n);
	if (!(v = strstr(p, " status=")) || !status_set(v + 8, e))
		return 0;
	reply_set(v + 8, e);
	return 1;
}

const logline_format_t logline_format_postfix = {"postfix", parse};
