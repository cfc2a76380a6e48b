/* alert_webhook.c -- the webhook channel: one JSON POST per queued message and URL, via libcurl.
 * Accepted means a 2xx answer; redirects are not followed (a POST must not wander). */
#include "monitor/alert/alert_channel.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "lib/curlx.h"

#define WEBHOOK_CONNECT_TIMEOUT 10L
#define WEBHOOK_TIMEOUT 30L

/* The answer's body is not needed: keep its start for the error message. */
struct sink {
	char buf[200];
	size_t len;
};

static size_t write_cb(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb, room = sizeof(s->buf) - 1 - s->len;

	if (room) {
		memcpy(s->buf + s->len, p, n < room ? n : room);
		s->len += n < room ? n : room;
		s->buf[s->len] = '\0';
	}
	return n;
}

static void webhook_shown(const char *destination, char *buf, size_t len)
{
	curlx_url_shown(destination, false, buf, len);
}

static int webhook_configured(const config_t *c, const char *destination)
{
	for (size_t i = 0; i < c->nwebhooks; i++)
		if (!strcmp(c->webhooks[i].value, destination))
			return 1;
	return 0;
}

static int webhook_send(const config_t *c, const char *destination, const char *payload,
			volatile sig_atomic_t *stop, char *answer, size_t answerlen, char *err,
			size_t errlen)
{
	CURL *h;
	struct curl_slist *hdr = NULL;
	struct sink body = {"", 0};
	char cerr[CURL_ERROR_SIZE] = "", shown[600];
	long code = 0;
	int ret = -1;
	CURLcode rc;

	h = curlx_new(&(curlx_opts_t){"http,https", WEBHOOK_CONNECT_TIMEOUT, WEBHOOK_TIMEOUT, stop,
				      cerr});
	webhook_shown(destination, shown, sizeof(shown));
	hdr = curlx_slist_add(hdr, "Content-Type: application/json; charset=utf-8");
	hdr = curlx_slist_add(hdr, "Expect:"); /* no 100-continue round trip */
	for (size_t i = 0; i < c->nwebhook_headers; i++)
		hdr = curlx_slist_add(hdr, c->webhook_headers[i].value);
	curl_easy_setopt(h, CURLOPT_URL, destination);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(payload));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	answer[0] = '\0';
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		/* libcurl's message may quote the URL */
		curlx_url_redact(destination, false, cerr, sizeof(cerr));
		snprintf(err, errlen, "POST %s: %s", shown, cerr[0] ? cerr : curl_easy_strerror(rc));
		goto done;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	/* the body is the receiver's text: keep it printable */
	for (size_t i = 0; i < body.len; i++)
		if ((unsigned char)body.buf[i] < 0x20 || body.buf[i] == 0x7f)
			body.buf[i] = ' ';
	while (body.len && body.buf[body.len - 1] == ' ')
		body.buf[--body.len] = '\0';
	snprintf(answer, answerlen, "HTTP %ld%s%s", code, body.len ? ": " : "", body.buf);
	if (code < 200 || code > 299) {
		snprintf(err, errlen, "POST %s: %s", shown, answer);
		goto done;
	}
	ret = 0;
done:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return ret;
}

const alert_channel_t alert_channel_webhook = {"webhook", webhook_configured, webhook_send,
					       webhook_shown};
