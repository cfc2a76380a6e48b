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
/* Appends one zeroed element to *arr (*n of them, room for *cap) and returns it; *n grows
 * by one. The element is the array's: valid until the next xgrow or xpush of it. */
void *xpush(void **arr, size_t *cap, size_t *n, size_t elem);

#endif
