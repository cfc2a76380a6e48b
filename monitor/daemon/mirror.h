/* mirror.h -- the lists' data feeds fetched with rsync: a staging copy, swapped in only when whole.
 * Internal to the daemon room: sched.c polls it between cycles, cycle.c reads each list's state. */
#ifndef BLMON_MIRROR_H
#define BLMON_MIRROR_H

#include <stdbool.h>
#include <stdint.h>

#include "monitor/config.h"

typedef struct mirror mirror_t;

/* The mirrors of c's lists that have rsync = (enabled ones). Borrows nothing
 * from c after the call. Caller owns the result; mirror_free. */
mirror_t *mirror_new(const config_t *c);
/* Stops (SIGTERM, then SIGKILL) and reaps every transfer still running. */
void mirror_free(mirror_t *m);
/* After a config reload: a list whose source and directory did not change keeps
 * its state and its running transfer; old's other transfers are stopped. */
void mirror_adopt(mirror_t *m, mirror_t *old);

/* Reaps finished transfers and puts each complete copy in place of the one in
 * use (an atomic rename of DIR/current), then starts the transfers that are due.
 * Never waits. Returns how many copies were put in place. */
int mirror_poll(mirror_t *m, int64_t now);

/* A list's mirror as the cycle and the API show it. error is borrowed until the next poll. */
typedef struct {
	int64_t synced;        /* the last complete transfer (0: none yet) */
	int64_t failing_since; /* transfers fail since (0: the last one was complete) */
	const char *error;     /* why the last one failed ("" when it did not) */
	bool running;          /* a transfer is under way */
} mirror_state_t;
/* 0 with *out, or -1 when list l (by its zone) has no mirror. */
int mirror_state(const mirror_t *m, const catalog_list_t *l, mirror_state_t *out);

#endif
