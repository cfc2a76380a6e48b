/* log.h -- one-line log records on stderr: UTC timestamp, level, message; under journald a
 * syslog priority prefix instead of the timestamp. No syslog socket, no files. */
#ifndef BLMON_LOG_H
#define BLMON_LOG_H

#include <stdbool.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/* Writes "2026-01-02T03:04:05Z level: message\n" to stderr; when stderr is the
 * journal (log_to_journal), "<N>level: message\n" with N the syslog priority
 * (7 debug, 6 info, 4 warn, 3 error) on every line of the message, so that
 * `journalctl -p warning` selects. Debug records appear only when BLMON_DEBUG
 * is set in the environment. */
void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Is stderr the stream systemd connected to the journal? True when
 * JOURNAL_STREAM is "DEV:INODE" of stderr itself (systemd.exec(5)). */
bool log_to_journal(void);

#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
