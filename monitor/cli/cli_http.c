/* cli_http.c -- reading the running daemon's JSON API from the command line through libcurl.
 * The curlx preset (timeouts, User-Agent, abort on stop); errors name the URL without its secrets. */
#include "monitor/cli/cli_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/curlx.h"
#include "lib/jsonx.h"
#include "lib/text.h"

#define CLI_HTTP_CONNECT_TIMEOUT 10L

int cli_http_get_json(const cli_http_t *h, const char *path, cJSON **doc, long *status,
		      char *shown, size_t shownlen, char *err, size_t errlen)
{
	CURL *c;
	curlx_body_t b = {NULL, 0, 0, (size_t)h->max, false};
	struct curl_slist *hdr = NULL;
	char url[2048], cerr[CURL_ERROR_SIZE] = "", auth[1100];
	size_t bl = strlen(h->base);
	int ret = -1;
	CURLcode rc;

	*doc = NULL;
	*status = 0;
	c = curlx_new(&(curlx_opts_t){"http,https", CLI_HTTP_CONNECT_TIMEOUT, h->timeout_s, h->stop,
				      cerr});
	snprintf(url, sizeof(url), "%.*s%s", (int)(bl && h->base[bl - 1] == '/' ? bl - 1 : bl),
		 h->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	/* the URL may hold a login: whatever is said of it is said of its shown form */
	curlx_url_shown(url, true, shown, shownlen);
	curlx_collect(c, &b);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	hdr = curlx_slist_add(hdr, "Accept: application/json");
	if (h->token && *h->token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", h->token);
		hdr = curlx_slist_add(hdr, auth);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		curlx_url_redact(url, true, cerr, sizeof(cerr));
		snprintf(err, errlen, "%s", b.too_big ? "the answer is too large"
				      : cerr[0] ? cerr : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	*doc = cJSON_ParseWithLength(b.p ? b.p : "", b.len);
	if (*status != 200) {
		/* the daemon's errors are JSON too: its word says why */
		const char *e = jsonx_str(*doc, "error");
		char clean[400];
		text_escape_term(e ? e : "", clean, sizeof(clean));
		snprintf(err, errlen, "HTTP %ld%s%s", *status, e ? ": " : "", clean);
		cJSON_Delete(*doc);
		*doc = NULL;
		goto out;
	}
	if (!*doc) {
		*status = 0;
		snprintf(err, errlen, "the answer is no JSON");
		goto out;
	}
	ret = 0;
out:
	memset(auth, 0, sizeof(auth));
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	free(b.p);
	return ret;
}

void cli_http_url_of_listen(const char *listen, int tls, char *buf, size_t len)
{
	const char *colon = strrchr(listen, ':');
	const char *port = colon ? colon + 1 : "8053";
	size_t hl = colon ? (size_t)(colon - listen) : strlen(listen);
	const char *scheme = tls ? "https" : "http";

	if ((hl == 7 && !strncmp(listen, "0.0.0.0", 7)) || hl == 0)
		snprintf(buf, len, "%s://127.0.0.1:%s", scheme, port);
	else if (hl == 4 && !strncmp(listen, "[::]", 4))
		snprintf(buf, len, "%s://[::1]:%s", scheme, port);
	else
		snprintf(buf, len, "%s://%.*s:%s", scheme, (int)hl, listen, port);
}
