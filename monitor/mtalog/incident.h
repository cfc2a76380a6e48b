/* incident.h -- provider rejections recorded: counts, recipient domains, incidents opened and closed.
 * logwatch.c feeds it one delivery result at a time, inside its transaction on the store. */
#ifndef BLMON_INCIDENT_H
#define BLMON_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "monitor/mtalog/logline.h"
#include "store/store.h"

typedef struct incident incident_t;

/* [logwatch] threshold (count within window_s) and quiet; retention_s prunes
 * rejection rows. */
typedef struct {
	unsigned threshold, window_s, quiet_s, retention_s;
} incident_rules_t;

/* Records into store (borrowed: must outlive the result; the caller opens and
 * ends the transactions). Returns NULL with a message in err when store has no
 * mail-log tables. Caller owns the result (incident_free; NULL is fine). */
incident_t *incident_new(store_t *store, char *err, size_t errlen);
void incident_free(incident_t *in);

/* Records one delivery result read at time now: the recipient domain, and for
 * a deferral or bounce with a remote reply, a classified rejection that may
 * open an incident or extend the open one. line is the raw log line (stored
 * escaped and bounded). 0, or -1 on a database error (store_error says which). */
int incident_record(incident_t *in, const incident_rules_t *r, const logline_t *e,
		    const char *line, int64_t now);

/* Closes incidents quiet for r->quiet_s with a delivery since their last
 * rejection, and prunes old rejection rows. 0 or -1 (store_error). */
int incident_tick(incident_t *in, const incident_rules_t *r, int64_t now);

/* Longest sample line stored (escaped). */
#define INCIDENT_SAMPLE_MAX 1024

#endif
