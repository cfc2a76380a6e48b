/* log.h -- one-line log records on stderr: UTC timestamp, level, message.
 * journald and plain terminals both read them; no syslog, no files. */
#ifndef BLMON_LOG_H
#define BLMON_LOG_H

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/* Writes "2026-01-02T03:04:05Z level: message\n" to stderr. Debug records
 * appear only when BLMON_DEBUG is set in the environment. */
void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
