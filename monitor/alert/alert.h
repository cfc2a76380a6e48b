/* alert.h -- alerts: recorded changes become messages, queued in the database, then delivered.
 * The scheduler calls in after each cycle and when idle; channels (email, webhook) sit behind it. */
#ifndef BLMON_ALERT_H
#define BLMON_ALERT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/config.h"
#include "store/store.h"

typedef struct alert alert_t;

/* Alerts on the caller's connection: store is borrowed (the scheduler's, opened
 * STORE_RW and migrated) and must outlive the result; alerts run their own
 * transactions on it, so the caller holds none open when it calls in. c is
 * borrowed and must stay valid until the next alert_set_config or alert_free;
 * stop (borrowed, may be NULL) cuts a delivery in progress short. Returns NULL
 * with a message in err. Caller owns the result; alert_free frees it (not store). */
alert_t *alert_new(const config_t *c, store_t *store, volatile sig_atomic_t *stop, char *err,
		   size_t errlen);
void alert_free(alert_t *a);

/* After a reload: c (borrowed, as in alert_new) replaces the config. */
void alert_set_config(alert_t *a, const config_t *c);

/* After a cycle: queues the messages that are due (the first time on a
 * database, one summary of what is listed), then delivers what is due. whole:
 * the state holds an answer for every target (any cycle of blmon alone; in a
 * cluster, once every shard was swept by some node): the first run's summary
 * waits for it, so that it is one message for the whole. */
void alert_cycle_done(alert_t *a, int64_t now, bool whole);

/* Between cycles: queues batches whose window has closed and flapping pairs
 * that settled, then delivers what is due. Cheap when there is nothing to do. */
void alert_idle(alert_t *a, int64_t now);

/* The two halves of the above, for tests. alert_produce turns events and
 * list-health rows newer than the last ones alerted into queued messages (one
 * row per channel destination), all in one transaction with the new position;
 * after_cycle allows the first-run summary. Returns messages queued or -1.
 * alert_deliver sends the rows whose next attempt is due; returns how many
 * were accepted, or -1 on a database error. */
int alert_produce(alert_t *a, int64_t now, bool after_cycle);
int alert_deliver(alert_t *a, int64_t now);

/* `blmon alert test` (alert_test.c): one test message through every
 * destination of c's channels ([email] once for its recipients, each [webhook]
 * url), now and outside the queue: no database is opened, nothing is queued.
 * fn is told of each in turn: the channel's name, the destination as it may be
 * shown, whether the server accepted the message, and what it answered (or
 * why it failed), secrets hidden. host and config (borrowed, may be NULL) are
 * named in the message. stop (may be NULL) cuts a transfer short. Returns how
 * many destinations failed; *tried gets how many were tried (0: no channel). */
typedef void (*alert_test_fn)(void *ud, const char *channel, const char *shown, bool accepted,
			      const char *answer);
int alert_test(const config_t *c, const char *host, const char *config,
	       volatile sig_atomic_t *stop, alert_test_fn fn, void *ud, int *tried);

/* Seconds to wait after the attempts-th failed attempt (attempts >= 1):
 * 5 s doubling each time, at most an hour. */
unsigned alert_backoff(unsigned attempts);

#endif
