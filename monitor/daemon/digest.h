/* digest.h -- after each cycle: listings folded into problems, where each target stands, tallies.
 * One streaming pass over the targets (memory grows with problems, not targets); one write. */
#ifndef BLMON_DIGEST_H
#define BLMON_DIGEST_H

#include <stdint.h>

struct sched;

/* Digests the store as of now for the cycle `seen` (its id: each digest's own
 * mark, so problems it did not find are pruned). Writes its own transaction.
 * 0, or -1 on a store error (store_error). */
int digest_run(struct sched *s, int64_t now, int64_t seen);

#endif
