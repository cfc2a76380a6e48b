/* logwatch_format.h -- the mail log formats logwatch.c understands, one file each behind it.
 * A format only parses one line; following files and recording results are logwatch.c's. */
#ifndef BLMON_LOGWATCH_FORMAT_H
#define BLMON_LOGWATCH_FORMAT_H

#include "logwatch.h"

typedef struct {
	const char *name; /* [logwatch] format */
	/* Returns 1 and fills e (zeroed by the caller) when line is a delivery
	 * result, else 0. line is untrusted, NUL-terminated, at most
	 * LOGWATCH_LINE_MAX bytes. */
	int (*parse)(const char *line, logwatch_entry_t *e);
} logwatch_format_t;

extern const logwatch_format_t logwatch_format_postfix; /* logwatch_postfix.c */
extern const logwatch_format_t logwatch_format_exim;    /* logwatch_exim.c */

/* Copies at most len - 1 bytes of [s, s + n) into dst (NUL-terminated). */
void logwatch_copy(char *dst, size_t len, const char *s, size_t n);

/* Sets e->domain from e->rcpt (the part after the last '@', lower case). */
void logwatch_set_domain(logwatch_entry_t *e);

#endif
