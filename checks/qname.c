/* qname.c -- builds DNSBL query names without allocating.
 * Called once per query on the sweep's hot path, so it writes straight into the caller's buffer. */
#include "checks/qname.h"

#include <string.h>

static const char hexdig[] = "0123456789abcdef";

/* Writes a decimal octet; returns the number of characters written. */
static size_t put_octet(char *p, unsigned v)
{
	size_t n = 0;

	if (v >= 100)
		p[n++] = (char)('0' + v / 100);
	if (v >= 10)
		p[n++] = (char)('0' + v / 10 % 10);
	p[n++] = (char)('0' + v % 10);
	return n;
}

int qname_reverse(const target_t *t, char *buf, size_t len)
{
	size_t n = 0;

	switch (t->type) {
	case TARGET_IPV4:
		if (len < 16)
			return -1;
		for (int i = 3; i >= 0; i--) {
			n += put_octet(buf + n, t->addr[i]);
			if (i)
				buf[n++] = '.';
		}
		break;
	case TARGET_IPV6:
		if (len < 64)
			return -1;
		for (int i = 15; i >= 0; i--) {
			buf[n++] = hexdig[t->addr[i] & 0xf];
			buf[n++] = '.';
			buf[n++] = hexdig[t->addr[i] >> 4];
			if (i)
				buf[n++] = '.';
		}
		break;
	case TARGET_DOMAIN:
		n = strlen(t->name);
		if (n + 1 > len)
			return -1;
		memcpy(buf, t->name, n);
		break;
	}
	buf[n] = '\0';
	return (int)n;
}

int qname_build(const target_t *t, const char *zone, char *buf, size_t len)
{
	int n = qname_reverse(t, buf, len);
	size_t zl = strlen(zone);

	if (n < 0 || (size_t)n + 1 + zl + 1 > len || (size_t)n + 1 + zl > 253)
		return -1;
	buf[n] = '.';
	memcpy(buf + n + 1, zone, zl + 1);
	return n + 1 + (int)zl;
}
