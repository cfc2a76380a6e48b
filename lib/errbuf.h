/* errbuf.h -- the error convention of blmon's modules: a function that fails says what and where
 * in one line, written into the caller's (err, errlen) buffer. */
#ifndef BLMON_ERRBUF_H
#define BLMON_ERRBUF_H

#include <stddef.h>

/* Formats into err (errlen bytes, always NUL-terminated, cut when longer).
 * err may be NULL or errlen 0: the caller did not ask why. */
void errbuf_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
