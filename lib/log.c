/* log.c -- levelled log lines on stderr: timestamped for a terminal or a file, and with syslog
 * priority prefixes instead of a timestamp when stderr is the journal. One write per record. */
#include "lib/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/sbuf.h"
#include "lib/timefmt.h"

bool log_to_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char extra;

	/* systemd's rule: the variable names the stream it connected (DEV:INODE); it
	 * counts only while stderr is still that stream, as a redirection or a child's
	 * log file keeps the variable but not the stream */
	if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &extra) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_msg(log_level_t level, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	/* syslog(3) priorities: LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR */
	static const int prio[] = {7, 6, 4, 3};
	char ts[TIMEFMT_MAX], msg[2048];
	sbuf_t b = SBUF_INIT;
	va_list ap;

	if (level == LOG_DEBUG && !getenv("BLMON_DEBUG"))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_to_journal()) {
		/* journald keeps its own time; each line of a record carries the priority,
		 * or the lines after the first would be read as info */
		const char *line = msg;
		sbuf_printf(&b, "<%d>%s: ", prio[level], names[level]);
		for (;;) {
			const char *nl = strchr(line, '\n');
			sbuf_add(&b, line, nl ? (size_t)(nl - line) : strlen(line));
			sbuf_puts(&b, "\n");
			if (!nl)
				break;
			line = nl + 1;
			sbuf_printf(&b, "<%d>", prio[level]);
		}
	} else {
		timefmt_rfc3339(time(NULL), ts);
		sbuf_printf(&b, "%s %s: %s\n", ts, names[level], msg);
	}
	fputs(b.p, stderr);
	sbuf_free(&b);
}
