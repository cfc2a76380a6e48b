/* text.c -- escaping of hostile text for terminals and UTF-8 cleaning for JSON.
 * Both walk UTF-8 with the same validator so they agree on what is valid. */
#include "lib/text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. Rejects
 * overlong forms, surrogates and code points above U+10FFFF. */
size_t text_utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* Bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069) reorder
 * what a terminal shows: hostile TXT could make a listing read as something else. */
static int bidi_control(const unsigned char *s, size_t n)
{
	if (n != 3 || s[0] != 0xe2)
		return 0;
	return (s[1] == 0x80 && s[2] >= 0xaa && s[2] <= 0xae) ||
	       (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9);
}

/* Shared walk: emits valid characters through, invalid/unsafe bytes as repl. */
static size_t walk(const char *src, char *dst, size_t dstlen, int term)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (dstlen == 0)
		return 0;
	while (*s) {
		size_t n = text_utf8_len(s);
		char rep[8];
		const char *out;
		size_t outlen;

		/* C1 controls (U+0080..U+009F) can act as escapes on some terminals */
		int c1 = n == 2 && s[0] == 0xc2 && s[1] < 0xa0;
		if (n == 0 || (term && (s[0] < 0x20 || s[0] == 0x7f || c1))) {
			if (term) {
				snprintf(rep, sizeof(rep), "\\x%02x", s[0]);
				out = rep;
				outlen = 4;
			} else {
				out = "\xef\xbf\xbd"; /* U+FFFD */
				outlen = 3;
			}
			n = 1;
		} else {
			out = (const char *)s;
			outlen = n;
		}
		if (term && bidi_control(s, n)) {
			/* written as the code point, e.g. \u202e */
			unsigned cp = (unsigned)(s[0] & 0x0f) << 12 | (unsigned)(s[1] & 0x3f) << 6 |
				      (unsigned)(s[2] & 0x3f);
			snprintf(rep, sizeof(rep), "\\u%04x", cp);
			out = rep;
			outlen = 6;
		}
		if (term && n == 1 && s[0] == '\\') {
			out = "\\\\"; /* keep escapes unambiguous */
			outlen = 2;
		}
		if (o + outlen + 1 > dstlen)
			break;
		memcpy(dst + o, out, outlen);
		o += outlen;
		s += n;
	}
	dst[o] = '\0';
	return o;
}

size_t text_escape_term(const char *src, char *dst, size_t dstlen)
{
	return walk(src, dst, dstlen, 1);
}

size_t text_utf8_clean(const char *src, char *dst, size_t dstlen)
{
	return walk(src, dst, dstlen, 0);
}

size_t text_oneline(const char *src, char *dst, size_t dstlen)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t o = 0;
	bool space = false;

	if (!dstlen)
		return 0;
	while (*p) {
		size_t n = text_utf8_len(p);
		bool ctl = n == 1 && (*p < 0x20 || *p == 0x7f);

		if (n == 0) { /* invalid byte: dropped */
			p++;
			continue;
		}
		if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
			ctl = true; /* C1 controls, and NBSP read as a space */
		if (ctl || *p == ' ') {
			space = o > 0;
			p += n;
			continue;
		}
		if (o + (space ? 1 : 0) + n >= dstlen)
			break;
		if (space)
			dst[o++] = ' ';
		space = false;
		memcpy(dst + o, p, n);
		o += n;
		p += n;
	}
	dst[o] = '\0';
	return o;
}

void text_redact(char *text, size_t len, const char *secret, const char *shown)
{
	size_t slen = secret ? strlen(secret) : 0, hlen = strlen(shown), o = 0;
	const char *p = text, *hit;
	char *out;

	if (!len || slen < TEXT_REDACT_MIN || !strstr(text, secret))
		return;
	out = xmalloc(len);
	/* the copy stops one byte short of len: room for the NUL */
	while ((hit = strstr(p, secret)) && o + 1 < len) {
		size_t n = (size_t)(hit - p);
		n = n < len - 1 - o ? n : len - 1 - o;
		memcpy(out + o, p, n);
		o += n;
		if (o + hlen >= len)
			break; /* the mask does not fit: end the text before the secret */
		memcpy(out + o, shown, hlen);
		o += hlen;
		p = hit + slen;
	}
	if (!hit && o + 1 < len) {
		size_t n = strlen(p);
		n = n < len - 1 - o ? n : len - 1 - o;
		memcpy(out + o, p, n);
		o += n;
	}
	out[o] = '\0';
	memcpy(text, out, o + 1);
	free(out);
}
