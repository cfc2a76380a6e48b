/* text.h -- making untrusted text (TXT records, zone answers) safe to show.
 * TXT comes from whoever runs a DNS zone: it may hold control bytes, ANSI escapes or bad UTF-8. */
#ifndef BLMON_TEXT_H
#define BLMON_TEXT_H

#include <stddef.h>

/* For a terminal: copies src into dst, writing valid UTF-8 as is and every
 * control byte, DEL and invalid UTF-8 byte as \xNN. Always NUL-terminates;
 * truncates at a character boundary. Returns the length written. */
size_t text_escape_term(const char *src, char *dst, size_t dstlen);

/* For JSON and HTML producers: copies src into dst replacing invalid UTF-8
 * with U+FFFD so encoders emit valid documents. Control characters are kept
 * (the JSON encoder escapes them). Returns the length written. */
size_t text_utf8_clean(const char *src, char *dst, size_t dstlen);

/* For one line of prose (mail bodies, chat text): copies src dropping control
 * characters (C0, DEL, C1) and invalid UTF-8; runs of whitespace become one
 * space; at most dstlen - 1 bytes, cut at a character boundary. Returns the length. */
size_t text_oneline(const char *src, char *dst, size_t dstlen);

/* Secrets shorter than this are not searched for in free text: they would
 * match ordinary words (and are no secret anyway). */
#define TEXT_REDACT_MIN 4

/* For text that may quote a secret (an error from libcurl or a server): replaces
 * every occurrence of secret in text with shown, in place; text's buffer holds
 * len bytes and the result is cut to fit. A NULL secret, or one shorter than
 * TEXT_REDACT_MIN, changes nothing. */
void text_redact(char *text, size_t len, const char *secret, const char *shown);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is invalid
 * (overlong forms, surrogates and code points above U+10FFFF are). */
size_t text_utf8_len(const unsigned char *s);

#endif
