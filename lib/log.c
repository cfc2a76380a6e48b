/* log.c -- timestamped, levelled log lines on stderr.
 * Each record is written with one fprintf so lines from threads do not interleave. */
#include "lib/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/timefmt.h"

void log_msg(log_level_t level, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	char ts[TIMEFMT_MAX], msg[2048];
	va_list ap;

	if (level == LOG_DEBUG && !getenv("BLMON_DEBUG"))
		return;
	timefmt_rfc3339(time(NULL), ts);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s: %s\n", ts, names[level], msg);
}
