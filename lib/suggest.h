/* suggest.h -- "did you mean": the closest of a few known words to one that was mistyped.
 * Commands, options, config sections and keys all ask here, so every suggestion follows one rule. */
#ifndef BLMON_SUGGEST_H
#define BLMON_SUGGEST_H

#include <stddef.h>

/* The edit distance of a and b, ignoring case: insertions, deletions,
 * substitutions and swaps of two neighbouring characters count one each
 * (optimal string alignment). Words longer than SUGGEST_MAX_LEN bytes are
 * only compared on their first SUGGEST_MAX_LEN bytes. */
#define SUGGEST_MAX_LEN 64
unsigned suggest_distance(const char *a, const char *b);

/* The candidate closest to word (cands[0..n), NULLs skipped), or NULL when
 * none is close enough to be what was meant: at most 1 edit for words up to 4
 * characters, 2 up to 8, 3 beyond, and never the whole word. A tie goes to
 * the first candidate. Borrowed from cands. */
const char *suggest_pick(const char *word, const char *const *cands, size_t n);

#endif
