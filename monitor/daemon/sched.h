/* sched.h -- the monitor daemon's loop: runs check cycles on each list's interval and records changes.
 * Owns the config, the engine and the writing store connection; readers use the database. */
#ifndef BLMON_SCHED_H
#define BLMON_SCHED_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/sdnotify.h"
#include "monitor/config.h"

typedef struct sched sched_t;

/* Loads config_path, checks query budgets and opens the database. A set
 * *stop (borrowed; set from signal handlers) interrupts a cycle within a
 * second. Returns NULL with a message in err (config errors, budget exceeded,
 * database); *code is then the exit status to use: 2 for config and budget,
 * 1 for runtime errors. Caller owns the result; sched_free frees it. */
sched_t *sched_new(const char *config_path, volatile sig_atomic_t *stop, int *code, char *err,
		   size_t errlen);
void sched_free(sched_t *s);

/* Runs cycles until *stop is set (or max_cycles cycles ran, when > 0). A set
 * *reload re-reads the config at the next opportunity; a bad new config is
 * logged and the running one kept. Returns 0. */
int sched_run(sched_t *s, volatile sig_atomic_t *reload, unsigned max_cycles);

/* Registers fn to be called (with ud) after each successful config reload,
 * from the scheduler's thread, between cycles. */
void sched_on_reload(sched_t *s, void (*fn)(void *ud), void *ud);

/* Tells systemd through n (borrowed; must outlive s; NULL: nobody listens):
 * watchdog pings from the loop and from within cycles, RELOADING=1 and
 * READY=1 around a reload, STATUS= after each cycle, STOPPING=1. */
void sched_set_notify(sched_t *s, sdnotify_t *n);

/* What makes the running daemon unhealthy that its database cannot say (the
 * database failing, or its file replaced): 1 with the text in buf, 0 when none.
 * Safe from any thread (the HTTP server's /healthz). */
int sched_problem(sched_t *s, char *buf, size_t len);

#endif
