/* prom.c -- the Prometheus text exposition format (0.0.4): family headers and label values.
 * Label values come from DNS zones, mail logs and config: cleaned to UTF-8 and escaped here. */
#include "web/prom.h"

#include <string.h>

#include "lib/text.h"

size_t prom_label_escape(const char *s, char *dst, size_t dstlen, size_t max)
{
	char clean[4096];
	size_t o = 0, n;

	text_utf8_clean(s ? s : "", clean, max + 1 < sizeof(clean) ? max + 1 : sizeof(clean));
	n = strlen(clean);
	for (size_t i = 0; i < n && o + 3 < dstlen; i++) {
		unsigned char ch = (unsigned char)clean[i];
		if (ch == '\\' || ch == '"') {
			dst[o++] = '\\';
			dst[o++] = (char)ch;
		} else if (ch == '\n') {
			dst[o++] = '\\';
			dst[o++] = 'n';
		} else if (ch < 0x20 || ch == 0x7f) {
			dst[o++] = ' ';
		} else {
			dst[o++] = (char)ch;
		}
	}
	if (dstlen)
		dst[o < dstlen ? o : dstlen - 1] = '\0';
	return o;
}

void prom_family(sbuf_t *b, const char *name, const char *type, const char *help)
{
	sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}
