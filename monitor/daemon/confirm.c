/* confirm.c -- confirmation of verdict changes before they become history.
 * "unknown" is a state of its own: it never turns listed into clean, it starts and ends. */
#include "monitor/daemon/confirm.h"

#include <stdio.h>
#include <string.h>

/* The identity of a state: status, plus the codes for listings. */
static void key_of(const char *status, const char *codes, char *buf, size_t len)
{
	if (!strcmp(status, "listed"))
		snprintf(buf, len, "%s:%s", status, codes);
	else
		snprintf(buf, len, "%s", status);
}

confirm_result_t confirm_observe(store_state_t *st, const char *status, const char *codes,
			     unsigned confirm, int64_t now, char *from)
{
	char cur[sizeof(st->pending)], obs[sizeof(st->pending)];

	st->checked_at = now;
	if (!st->status[0]) {
		snprintf(st->status, sizeof(st->status), "%s", status);
		snprintf(st->codes, sizeof(st->codes), "%s", codes);
		st->since = now;
		st->pending[0] = '\0';
		st->pending_count = 0;
		return CONFIRM_FIRST;
	}
	key_of(st->status, st->codes, cur, sizeof(cur));
	key_of(status, codes, obs, sizeof(obs));
	if (!strcmp(cur, obs)) {
		st->pending[0] = '\0';
		st->pending_count = 0;
		return CONFIRM_SAME;
	}
	if (!strcmp(st->pending, obs))
		st->pending_count++;
	else {
		snprintf(st->pending, sizeof(st->pending), "%s", obs);
		st->pending_count = 1;
	}
	if ((unsigned)st->pending_count < (confirm ? confirm : 1))
		return CONFIRM_PENDING;
	snprintf(from, 8, "%s", st->status);
	snprintf(st->status, sizeof(st->status), "%s", status);
	snprintf(st->codes, sizeof(st->codes), "%s", codes);
	st->since = now;
	st->pending[0] = '\0';
	st->pending_count = 0;
	return CONFIRM_CHANGED;
}
