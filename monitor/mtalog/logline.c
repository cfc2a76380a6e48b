/* logline.c -- one mail log line into a delivery result: the format table and the parsers' helpers.
 * Lines are hostile input: every copy is bounded and nothing here allocates. */
#include "monitor/mtalog/logline.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const logline_format_t *const formats[] = {&logline_format_postfix,
						   &logline_format_exim};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))


void logline_copy(char *dst, size_t len, const char *s, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

void logline_set_domain(logline_t *e)
{
	const char *at = strrchr(e->rcpt, '@');
	size_t i;

	e->domain[0] = '\0';
	if (!at)
		return;
	for (i = 0; at[1 + i] && i + 1 < sizeof(e->domain); i++)
		e->domain[i] = (char)tolower((unsigned char)at[1 + i]);
	e->domain[i] = '\0';
}

void logline_reply_join(char *r)
{
	char code[4], ecode[16] = "";
	size_t elen = 0;
	char *w, *p;

	if (!(isdigit((unsigned char)r[0]) && isdigit((unsigned char)r[1]) &&
	      isdigit((unsigned char)r[2]) && r[3] == '-'))
		return; /* a one-line reply */
	memcpy(code, r, 3);
	code[3] = '\0';
	r[3] = ' ';
	p = r + 4;
	/* strchr finds the terminator too: a reply that ends at "421-" has no p[1] */
	if (*p && strchr("245", *p) && p[1] == '.') {
		elen = strcspn(p, " ");
		if (elen >= sizeof(ecode))
			elen = 0;
		else
			logline_copy(ecode, sizeof(ecode), p, elen);
	}
	w = p = r + 4 + (elen ? elen : 0);
	while (*p) {
		if (*p == ' ' && !strncmp(p + 1, code, 3) && (p[4] == '-' || p[4] == ' ')) {
			char *q = p + 5;
			if (elen && !strncmp(q, ecode, elen) && (q[elen] == ' ' || !q[elen]))
				q += elen;
			while (*q == ' ')
				q++;
			if (*q)
				*w++ = ' ';
			p = q;
			continue;
		}
		*w++ = *p++;
	}
	*w = '\0';
}

bool logline_format_valid(const char *format)
{
	if (!strcmp(format, "auto"))
		return true;
	for (size_t i = 0; i < NFORMATS; i++)
		if (!strcmp(format, formats[i]->name))
			return true;
	return false;
}

int logline_parse(const char *format, const char *line, logline_t *e)
{
	bool any = !format || !strcmp(format, "auto");

	for (size_t i = 0; i < NFORMATS; i++) {
		if (!any && strcmp(format, formats[i]->name))
			continue;
		memset(e, 0, sizeof(*e));
		if (formats[i]->parse(line, e))
			return 1;
	}
	return 0;
}

