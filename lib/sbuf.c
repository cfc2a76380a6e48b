/* sbuf.c -- the growing string buffer: appends by printf or bytes, handed over whole.
 * Capacity grows geometrically, so building a document is linear in its size. */
#include "lib/sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

static void reserve(sbuf_t *b, size_t more)
{
	size_t need = b->len + more + 1;

	if (need <= b->cap)
		return;
	xgrow((void **)&b->p, &b->cap, need, 1);
}

void sbuf_printf(sbuf_t *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->p && (size_t)n < b->cap - b->len) {
		b->len += (size_t)n;
		return;
	}
	reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sbuf_add(sbuf_t *b, const char *s, size_t n)
{
	reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sbuf_puts(sbuf_t *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

char *sbuf_take(sbuf_t *b)
{
	char *s = b->p ? b->p : xstrdup("");

	*b = SBUF_INIT;
	return s;
}

void sbuf_free(sbuf_t *b)
{
	free(b->p);
	*b = SBUF_INIT;
}
