/* xmalloc.h -- allocation helpers that abort on out-of-memory.
 * blmon treats OOM as fatal, so callers never check these for NULL. */
#ifndef BLMON_XMALLOC_H
#define BLMON_XMALLOC_H

#include <stddef.h>

/* All return memory the caller owns (free with free()); never NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Grow *arr (of *cap elements of size elem) so that it holds at least need. */
void xgrow(void **arr, size_t *cap, size_t need, size_t elem);

#endif
