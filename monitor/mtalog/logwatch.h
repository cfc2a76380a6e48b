/* logwatch.h -- follows the MTA's mail log like `tail -F` and turns delivery results into rejections.
 * Runs inside the daemon's loop (no threads); its position in each file is kept in the database.
 * [logwatch] command = sources are children whose stdout is read like a file (no position kept);
 * they are restarted with backoff when they exit and killed by logwatch_free. */
#ifndef BLMON_LOGWATCH_H
#define BLMON_LOGWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/config.h"

typedef struct logwatch logwatch_t;

/* Opens a connection of its own to c->database (created and migrated by the
 * store already) and starts following c's [logwatch] files; a file seen for
 * the first time is followed from its end. c is borrowed until the next
 * logwatch_set_config or logwatch_free. Returns NULL with a message in err.
 * Caller owns the result; logwatch_free frees it (NULL is fine). */
logwatch_t *logwatch_new(const config_t *c, char *err, size_t errlen);
void logwatch_free(logwatch_t *w);

/* After a reload: w (new) takes over old's running [logwatch] command
 * children whose command is unchanged, so they are not restarted; the
 * commands left in old are killed and reaped by logwatch_free(old). */
void logwatch_adopt(logwatch_t *w, logwatch_t *old);

/* Reads what was appended since the last call (bounded per call), follows
 * rename and copytruncate rotation, records rejections and deliveries, opens
 * and closes provider incidents, and saves each file's position in the same
 * transaction. now: unix seconds, the time given to what is read. Returns
 * the number of delivery lines recorded, or -1 on a database error (logged;
 * the lines are read again next time). */
int logwatch_poll(logwatch_t *w, int64_t now);

/* Is format one of "postfix", "exim", "auto"? */
bool logwatch_format_valid(const char *format);

#endif
