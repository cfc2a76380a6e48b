/* prom.h -- writing the Prometheus text exposition format (0.0.4): family headers, label values.
 * Every /metrics family of blmon is written through these two functions. */
#ifndef BLMON_PROM_H
#define BLMON_PROM_H

#include <stddef.h>

#include "lib/sbuf.h"

/* Writes s as a label value (escaping backslash, double quote and newline,
 * other control bytes as spaces, invalid UTF-8 replaced) into dst, at most
 * max bytes of s. Returns the length written. */
size_t prom_label_escape(const char *s, char *dst, size_t dstlen, size_t max);

/* Appends the HELP and TYPE lines of a family. */
void prom_family(sbuf_t *b, const char *name, const char *type, const char *help);

#endif
