/* sbuf.h -- a growing, always NUL-terminated string buffer for building text and documents.
 * Out of memory aborts (xmalloc), so appends cannot fail. */
#ifndef BLMON_SBUF_H
#define BLMON_SBUF_H

#include <stddef.h>

typedef struct {
	char *p;      /* the text, NUL-terminated once anything was appended; may be NULL */
	size_t len;   /* bytes, without the NUL */
	size_t cap;
} sbuf_t;

#define SBUF_INIT ((sbuf_t){NULL, 0, 0})

/* Appends formatted text. */
void sbuf_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends n bytes of s. */
void sbuf_add(sbuf_t *b, const char *s, size_t n);
/* Appends the NUL-terminated s. */
void sbuf_puts(sbuf_t *b, const char *s);
/* The text, handed over: caller owns it (free()); "" when nothing was appended. b is reset. */
char *sbuf_take(sbuf_t *b);
/* Frees the text and resets b. */
void sbuf_free(sbuf_t *b);

#endif
