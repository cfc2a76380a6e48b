/* confirm.h -- the confirmation rule: when an observed verdict becomes the recorded state.
 * Pure logic over store_state_t, so restarts and flaps are unit-tested without a database. */
#ifndef BLMON_CONFIRM_H
#define BLMON_CONFIRM_H

#include <stdint.h>

#include "store/store.h"

typedef enum {
	CONFIRM_SAME,    /* matches the recorded state (any pending change is dropped) */
	CONFIRM_PENDING, /* differs, seen fewer than `confirm` times in a row */
	CONFIRM_CHANGED, /* confirmed: st now holds the new state; *from the old status */
	CONFIRM_FIRST,   /* first real answer (the state was absent or unchecked): recorded at once */
} confirm_result_t;

/* Applies one real answer (status listed or clean, and the codes of obs) made
 * at now; checked_at becomes now. A change must be seen `confirm` times in a
 * row. Sets *from to the previous status on CONFIRM_CHANGED. Listed states
 * differ by their codes too (SBL -> SBL+XBL is a change); clean states ignore
 * codes. The state's TXT, reason and freshness are the caller's to update. */
confirm_result_t confirm_observe(store_state_t *st, status_t status, const store_answer_t *obs,
				 unsigned confirm, int64_t now, status_t *from);

#endif
