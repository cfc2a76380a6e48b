/* log.c -- timestamped, levelled log lines on stderr.
 * Each record is written with one fprintf so lines from threads do not interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void log_msg(log_level_t level, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	char ts[32], msg[2048];
	struct tm tm;
	time_t now;
	va_list ap;

	if (level == LOG_DEBUG && !getenv("BLMON_DEBUG"))
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s: %s\n", ts, names[level], msg);
}
