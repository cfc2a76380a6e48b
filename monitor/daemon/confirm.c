/* confirm.c -- confirmation of verdict changes before they become history.
 * Only real answers come here (listed or clean): a failed check is not a state and never does. */
#include "monitor/daemon/confirm.h"

#include <string.h>

/* Is (status, codes) the same state as (b_status, b_codes)? Codes count for listings only. */
static bool same(status_t a, uint8_t na, const uint32_t *ca, status_t b, uint8_t nb,
		 const uint32_t *cb)
{
	if (a != b)
		return false;
	return a != STATUS_LISTED || (na == nb && !memcmp(ca, cb, sizeof(ca[0]) * na));
}

confirm_result_t confirm_observe(store_state_t *st, status_t status, const store_answer_t *obs,
				 unsigned confirm, int64_t now, status_t *from)
{
	st->checked_at = now;
	if (!st->present || st->status == STATUS_UNCHECKED) {
		st->present = true;
		st->status = status;
		st->ans.ncodes = obs->ncodes;
		memcpy(st->ans.codes, obs->codes, sizeof(obs->codes[0]) * obs->ncodes);
		st->since = now;
		st->pending_count = 0;
		return CONFIRM_FIRST;
	}
	if (same(st->status, st->ans.ncodes, st->ans.codes, status, obs->ncodes, obs->codes)) {
		st->pending_count = 0;
		return CONFIRM_SAME;
	}
	if (st->pending_count && same(st->pending_status, st->pending_ncodes, st->pending_codes,
				      status, obs->ncodes, obs->codes)) {
		st->pending_count++;
	} else {
		st->pending_status = status;
		st->pending_ncodes = obs->ncodes;
		memcpy(st->pending_codes, obs->codes, sizeof(obs->codes[0]) * obs->ncodes);
		st->pending_count = 1;
	}
	if ((unsigned)st->pending_count < (confirm ? confirm : 1))
		return CONFIRM_PENDING;
	*from = st->status;
	st->status = status;
	st->ans.ncodes = obs->ncodes;
	memcpy(st->ans.codes, obs->codes, sizeof(obs->codes[0]) * obs->ncodes);
	st->since = now;
	st->pending_count = 0;
	return CONFIRM_CHANGED;
}
