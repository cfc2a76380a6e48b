/* logline.h -- one line of a mail log as a delivery result, and the formats that parse it.
 * A format (one file each: logline_postfix.c, logline_exim.c) only parses; following files is logwatch.c's. */
#ifndef BLMON_LOGLINE_H
#define BLMON_LOGLINE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest log line kept; the rest of a longer line is dropped (counted). */
#define LOGLINE_MAX 8192

typedef enum { LOGLINE_SENT, LOGLINE_DEFERRED, LOGLINE_BOUNCED } logline_status_t;

/* One delivery attempt as a format parser understood it. Strings are
 * NUL-terminated copies of the (untrusted) line's parts. */
typedef struct {
	logline_status_t status;
	char rcpt[256];     /* recipient address, without <> */
	char domain[256];   /* its domain, lower case */
	char relay[256];    /* remote host name ("" when unknown) */
	char relay_ip[64];
	char dsn[16];       /* enhanced status code as the MTA logged it */
	char reply[LOGLINE_MAX]; /* the remote server's reply, multi-line fragments joined;
				   "" when the remote server said nothing */
} logline_t;

typedef struct {
	const char *name; /* [logwatch] format */
	/* Returns 1 and fills e (zeroed by the caller) when line is a delivery
	 * result, else 0. line is untrusted, NUL-terminated, at most
	 * LOGLINE_MAX bytes. */
	int (*parse)(const char *line, logline_t *e);
} logline_format_t;

extern const logline_format_t logline_format_postfix; /* logline_postfix.c */
extern const logline_format_t logline_format_exim;    /* logline_exim.c */

/* Copies at most len - 1 bytes of [s, s + n) into dst (NUL-terminated). */
void logline_copy(char *dst, size_t len, const char *s, size_t n);

/* Sets e->domain from e->rcpt (the part after the last '@', lower case). */
void logline_set_domain(logline_t *e);

/* Parses one line with the named format ("postfix", "exim" or "auto").
 * Returns 1 and fills e for a delivery result, 0 for any other line. Never
 * fails on hostile input. */
int logline_parse(const char *format, const char *line, logline_t *e);

/* Joins the fragments of a multi-line SMTP reply as MTAs log them
 * ("421-4.7.0 a 421-4.7.0 b 421 4.7.0 c" -> "421 4.7.0 a b c"), in place. */
void logline_reply_join(char *reply);

/* Is format one of "postfix", "exim", "auto"? */
bool logline_format_valid(const char *format);

#endif
