/* timefmt.h -- every way blmon writes or reads a time: RFC 3339, mail dates, people's forms.
 * All times are unix seconds shown in UTC; nothing here follows the locale. */
#ifndef BLMON_TIMEFMT_H
#define BLMON_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_MAX 40 /* room for any form below */

/* "2026-01-02T03:04:05Z" (APIs, JSON, logs). */
void timefmt_rfc3339(int64_t t, char buf[TIMEFMT_MAX]);
/* "2026-01-02 03:04:05 UTC" (mail bodies, terminals). */
void timefmt_human(int64_t t, char buf[TIMEFMT_MAX]);
/* "2026-01-02" */
void timefmt_day(int64_t t, char buf[TIMEFMT_MAX]);
/* RFC 5322 date: "Fri, 02 Jan 2026 03:04:05 +0000". */
void timefmt_rfc5322(int64_t t, char buf[TIMEFMT_MAX]);
/* A duration in its largest whole unit: "2d", "6h", "30m", "90s". */
void timefmt_duration(unsigned seconds, char *buf, size_t len);
/* An age for people: "45 s", "14 min", "3 h", "2 days". */
void timefmt_age(int64_t seconds, char *buf, size_t len);

/* Parses an RFC 3339 date-time ("2026-01-02T03:04:05Z", "...+02:00", an optional
 * fraction) into unix seconds. 0, or -1 when s is not one. */
int timefmt_parse_rfc3339(const char *s, int64_t *out);

#endif
