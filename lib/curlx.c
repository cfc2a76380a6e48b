/* curlx.c -- the libcurl preset every transfer starts from, and an in-memory body sink.
 * Timeouts are always set and signals never used: blmon runs libcurl beside other threads. */
#include "lib/curlx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

static int abort_on_stop(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	volatile sig_atomic_t *stop = ud;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return stop && *stop; /* non-zero aborts the transfer */
}

CURL *curlx_new(const curlx_opts_t *o)
{
	CURL *h = curl_easy_init();

	if (!h) {
		fprintf(stderr, "blmon: out of memory starting a libcurl transfer\n");
		abort();
	}
	if (o->protocols)
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, o->protocols);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s ? o->connect_timeout_s : 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, o->timeout_s ? o->timeout_s : 60L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, CURLX_USER_AGENT);
	if (o->stop) {
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, abort_on_stop);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)o->stop);
	}
	if (o->errbuf) {
		o->errbuf[0] = '\0';
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, o->errbuf);
	}
	return h;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	curlx_body_t *b = ud;
	size_t n = size * nmemb;

	if (b->max && n > b->max - b->len) {
		b->too_big = true;
		return 0; /* makes libcurl abort the transfer */
	}
	xgrow((void **)&b->p, &b->cap, b->len + n + 1, 1);
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

void curlx_collect(CURL *h, curlx_body_t *b)
{
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
}

struct curl_slist *curlx_slist_add(struct curl_slist *l, const char *s)
{
	struct curl_slist *r = curl_slist_append(l, s);

	if (!r) {
		fprintf(stderr, "blmon: out of memory building a libcurl list\n");
		abort();
	}
	return r;
}
