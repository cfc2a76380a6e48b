/* logline_exim.c -- Exim delivery results from exim_mainlog: "=>" delivered, "==" deferred, "**" bounced.
 * The remote reply follows "SMTP error from remote mail server after COMMAND: ". */
#include "monitor/mtalog/logline.h"

#include <ctype.h>
#include <string.h>

/* The delivery flag of a mainlog line, "YYYY-MM-DD HH:MM:SS[.fff] [[pid]]
 * MSGID FLAG rcpt ...": a pointer to the space before "=>", "->", "==" or
 * "**", or NULL when line is not a delivery result. */
static const char *flag_find(const char *line)
{
	const char *p = line;

	if (strlen(line) < 24 || !(isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[3]) &&
				   p[4] == '-' && p[7] == '-' && p[10] == ' '))
		return NULL;
	for (p = line + 11; *p; p++)
		if (p[0] == ' ' &&
		    (!strncmp(p + 1, "=>", 2) || !strncmp(p + 1, "->", 2) || !strncmp(p + 1, "==", 2) ||
		     !strncmp(p + 1, "**", 2)) &&
		    p[3] == ' ')
			return p;
	return NULL;
}

/* H=host [ip] after p into e->relay and e->relay_ip. */
static void relay_set(const char *p, logline_t *e)
{
	const char *v = strstr(p, " H=");
	size_t n;

	if (!v)
		return;
	v += 3;
	n = strcspn(v, " :");
	logline_copy(e->relay, sizeof(e->relay), v, n);
	v += n;
	if (!strncmp(v, " [", 2)) {
		v += 2;
		logline_copy(e->relay_ip, sizeof(e->relay_ip), v, strcspn(v, "]"));
	}
}

/* The reply after "SMTP error from remote mail server after COMMAND" (err)
 * into e->reply, and its enhanced code, when it has one, into e->dsn. */
static void reply_set(const char *err, logline_t *e)
{
	const char *v;

	/* the command may hold ":<addr>": the reply starts at ": " and a digit */
	for (v = err; (v = strstr(v, ": ")); v += 2)
		if (v[2] >= '2' && v[2] <= '5' && isdigit((unsigned char)v[3]))
			break;
	if (!v)
		return;
	logline_copy(e->reply, sizeof(e->reply), v + 2, strlen(v + 2));
	logline_reply_join(e->reply);
	v += 2 + strcspn(v + 2, " -");
	if (*v == ' ' || *v == '-')
		logline_copy(e->dsn, sizeof(e->dsn), v + 1, strcspn(v + 1, " "));
}

static int parse(const char *line, logline_t *e)
{
	const char *p = flag_find(line), *err;
	size_t n;

	if (!p)
		return 0;
	e->status = p[1] == '*' ? LOGLINE_BOUNCED : p[1] == '=' && p[2] == '=' ? LOGLINE_DEFERRED
									    : LOGLINE_SENT;
	p += 4;
	n = strcspn(p, " ");
	logline_copy(e->rcpt, sizeof(e->rcpt), p, n);
	logline_set_domain(e);
	relay_set(p, e);
	err = strstr(p, "SMTP error from remote mail server after ");
	if (!err)
		err = strstr(p, "SMTP error from remote mailer after ");
	if (err)
		reply_set(err, e);
	else if (e->status != LOGLINE_SENT)
		return 0; /* retry time not reached, unrouteable: no remote answer */
	return 1;
}

const logline_format_t logline_format_exim = {"exim", parse};
