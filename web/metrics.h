/* metrics.h -- /metrics: the monitor's state in the Prometheus text exposition format (0.0.4).
 * Reads the store like the JSON API does, so Prometheus and JSON clients see the same truth. */
#ifndef BLMON_METRICS_H
#define BLMON_METRICS_H

#include <stddef.h>

#include "store/store.h"
#include "web/api.h"

typedef struct metrics metrics_t;

/* Makes the counters' state: blmon_dns_queries_total counts the cycles that
 * end after this call (a counter must never go down, and old cycle rows are
 * pruned). s: the store as it is at start (borrowed for the call), or NULL.
 * Caller owns the result; metrics_free frees it (NULL is fine). Thread-safe to
 * render from. */
metrics_t *metrics_new(store_t *s);
void metrics_free(metrics_t *m);

/* Renders every metric from s (borrowed: a STORE_RO connection of the calling
 * thread). Returns the text (caller frees with free()) and its length in
 * *len, or NULL with a message in err when the store could not be read. */
char *metrics_render(metrics_t *m, store_t *s, const api_ctx_t *c, size_t *len, char *err,
		     size_t errlen);

#endif
