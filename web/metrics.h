/* metrics.h -- /metrics: the monitor's state in the Prometheus text exposition format (0.0.4).
 * Reads the database like the JSON API does, so Prometheus and JSON clients see the same truth. */
#ifndef BLMON_METRICS_H
#define BLMON_METRICS_H

#include <sqlite3.h>
#include <stddef.h>

#include "web/query.h"

typedef struct metrics metrics_t;

/* Makes the counters' state: blmon_dns_queries_total counts the cycles that
 * end after this call (a counter must never go down, and old cycle rows are
 * pruned). db: the database as it is at start, or NULL. Caller owns the
 * result; metrics_free frees it (NULL is fine). Thread-safe to render from. */
metrics_t *metrics_new(sqlite3 *db);
void metrics_free(metrics_t *m);

/* Renders every metric. Returns the text (caller frees with free()) and its
 * length in *len, or NULL with a message in err when the database could not
 * be read. */
char *metrics_render(metrics_t *m, sqlite3 *db, const query_ctx_t *c, size_t *len, char *err,
		     size_t errlen);

#endif
