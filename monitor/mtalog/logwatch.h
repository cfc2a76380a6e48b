/* logwatch.h -- the mail-log room's contract: follow the MTA's log like `tail -F`, record what providers' rejections say.
 * Runs inside the daemon's loop (no threads) on the scheduler's store connection; each file's position is kept there.
 * [logwatch] command = sources are children whose stdout is read like a file (no position kept);
 * they are restarted with backoff when they exit and killed by logwatch_free. */
#ifndef BLMON_LOGWATCH_H
#define BLMON_LOGWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/config.h"
#include "store/store.h"

typedef struct logwatch logwatch_t;

/* Starts following c's [logwatch] files and commands; a file seen for the
 * first time is followed from its end. c and store are borrowed and must
 * outlive the result: store is the caller's connection (one per thread: the
 * scheduler's), created and migrated by store_open(STORE_RW). Returns NULL
 * with a message in err when store has no mail-log tables. Caller owns the
 * result; logwatch_free frees it (NULL is fine) and stops its commands. */
logwatch_t *logwatch_new(const config_t *c, store_t *store, char *err, size_t errlen);
void logwatch_free(logwatch_t *w);

/* After a reload: w (new) takes over old's running [logwatch] command
 * children whose command is unchanged, so they are not restarted; the
 * commands left in old are killed and reaped by logwatch_free(old). */
void logwatch_adopt(logwatch_t *w, logwatch_t *old);

/* Reads what was appended since the last call (bounded per call), follows
 * rename and copytruncate rotation, records rejections and deliveries, opens
 * and closes provider incidents, and saves each file's position in the same
 * transaction as what its lines recorded. The caller must hold no transaction
 * on the store: this call begins and ends its own. now: unix seconds, the time
 * given to what is read. Returns the number of delivery lines recorded, or -1
 * on a database error (logged; the transaction is rolled back and the files'
 * lines are read again next time; what a command wrote is lost). */
int logwatch_poll(logwatch_t *w, int64_t now);

/* Is format one of "postfix", "exim", "auto"? (config.c checks [logwatch] format) */
bool logwatch_format_valid(const char *format);

#endif
