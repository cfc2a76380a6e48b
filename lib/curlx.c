/* curlx.c -- the libcurl preset every transfer starts from, a body sink, the conditional GET, URLs shown without secrets.
 * Timeouts are always set and signals never used: blmon runs libcurl beside other threads. */
#include "lib/curlx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/errbuf.h"
#include "lib/text.h"
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
	/* verbose output prints request headers (Authorization) and logins to stderr,
	 * which is blmon's log: never on */
	curl_easy_setopt(h, CURLOPT_VERBOSE, 0L);
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

/* ---- the conditional GET ---- */

struct get_buf {
	curlx_body_t body;
	char *etag, *lm;
};

bool curlx_header_value_ok(const char *v, size_t n)
{
	if (n == 0 || n > CURLX_HEADER_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			return false;
	return true;
}

/* The value of header name in line (n bytes, CRLF included), or NULL. Caller owns it. */
static char *header_value(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);
	const char *v, *e = line + n;
	char *out;

	if (n <= k || strncasecmp(line, name, k) || line[k] != ':')
		return NULL;
	v = line + k + 1;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (!curlx_header_value_ok(v, (size_t)(e - v)))
		return NULL;
	out = xmalloc((size_t)(e - v) + 1);
	memcpy(out, v, (size_t)(e - v));
	out[e - v] = '\0';
	return out;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct get_buf *b = ud;
	size_t n = size * nmemb;
	char *v;

	if (n >= 5 && !strncmp(data, "HTTP/", 5)) {
		/* a new response (after a redirect): validators of the last hop only */
		free(b->etag);
		free(b->lm);
		b->etag = b->lm = NULL;
	} else if ((v = header_value(data, n, "ETag"))) {
		free(b->etag);
		b->etag = v;
	} else if ((v = header_value(data, n, "Last-Modified"))) {
		free(b->lm);
		b->lm = v;
	}
	return n;
}

int curlx_get(const char *url, const char *etag, const char *last_modified, int timeout_s,
	      size_t max, volatile sig_atomic_t *stop, curlx_get_t *result, char *err,
	      size_t errlen)
{
	struct get_buf b;
	struct curl_slist *hdrs = NULL;
	CURL *curl = NULL;
	char cerr[CURL_ERROR_SIZE] = "", hline[CURLX_HEADER_MAX + 32];
	CURLcode cc;
	bool https = false;
	long code = 0;
	int rc = -1;

	memset(&b, 0, sizeof(b));
	memset(result, 0, sizeof(*result));
	result->status = CURLX_GET_ERROR;
	if (url)
		https = !strncasecmp(url, "https://", 8);
	if (!url || (!https && strncasecmp(url, "http://", 7))) {
		errbuf_set(err, errlen, "unsupported URL: only http:// and https:// are fetched");
		goto out;
	}
	/* stored validators come back from disk: never let them split a header */
	if ((etag && !curlx_header_value_ok(etag, strlen(etag))) ||
	    (last_modified && !curlx_header_value_ok(last_modified, strlen(last_modified)))) {
		errbuf_set(err, errlen, "stored ETag or Last-Modified is not a valid header value");
		goto out;
	}
	if (timeout_s <= 0)
		timeout_s = 60;
	curl = curlx_new(&(curlx_opts_t){NULL, timeout_s < 10 ? timeout_s : 10, timeout_s, stop,
					 cerr});
	if (etag) {
		snprintf(hline, sizeof(hline), "If-None-Match: %s", etag);
		hdrs = curlx_slist_add(hdrs, hline);
	}
	if (last_modified) {
		snprintf(hline, sizeof(hline), "If-Modified-Since: %s", last_modified);
		hdrs = curlx_slist_add(hdrs, hline);
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	/* an https download must not be downgraded to http by a redirect */
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, ""); /* the cap applies after decoding */
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	b.body.max = max;
	curlx_collect(curl, &b.body);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &b);

	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	result->http_code = code;
	if (b.body.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		errbuf_set(err, errlen, "body exceeds the %zu MiB limit", max >> 20);
		goto out;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		errbuf_set(err, errlen, "timed out after %d s", timeout_s);
		goto out;
	}
	if (cc != CURLE_OK) {
		curlx_url_redact(url, true, cerr, sizeof(cerr)); /* libcurl's message may quote it */
		errbuf_set(err, errlen, "fetch failed: %s", cerr[0] ? cerr : curl_easy_strerror(cc));
		goto out;
	}
	if (code == 304) {
		result->status = CURLX_GET_NOT_MODIFIED;
		rc = 0;
		goto out;
	}
	if (code != 200) {
		errbuf_set(err, errlen, "HTTP %ld from server", code);
		goto out;
	}
	result->status = CURLX_GET_NEW;
	result->body = b.body.p ? b.body.p : xcalloc(1, 1);
	result->len = b.body.len;
	result->etag = b.etag;
	result->last_modified = b.lm;
	b.body.p = b.etag = b.lm = NULL;
	rc = 0;
out:
	curl_slist_free_all(hdrs);
	if (curl)
		curl_easy_cleanup(curl);
	free(b.body.p);
	free(b.etag);
	free(b.lm);
	return rc;
}

void curlx_get_free(curlx_get_t *result)
{
	if (!result)
		return;
	free(result->body);
	free(result->etag);
	free(result->last_modified);
	memset(result, 0, sizeof(*result));
	result->status = CURLX_GET_ERROR;
}

/* ---- URLs as they may be shown ---- */

/* The parts of an URL, as offsets into it: [0, auth) scheme and "://" (empty
 * when there is none), [auth, at) userinfo with its '@' (empty when none),
 * [at, rest) host and port, [rest, end) path, query and fragment. */
typedef struct {
	size_t auth, at, rest, query;
} url_parts_t;

static void url_split(const char *url, url_parts_t *p)
{
	const char *sep = strstr(url, "://");

	/* a scheme only before any '/', '?', '#' or '@' */
	p->auth = sep && (size_t)(sep - url) < strcspn(url, "/?#@") ? (size_t)(sep - url) + 3 : 0;
	p->rest = p->auth + strcspn(url + p->auth, "/?#");
	p->at = p->auth;
	for (size_t i = p->auth; i < p->rest; i++)
		if (url[i] == '@')
			p->at = i + 1;
	p->query = p->rest + strcspn(url + p->rest, "?#");
}

/* Is a query parameter of this name (n bytes) likely to carry a secret? */
static bool secret_param(const char *name, size_t n)
{
	static const char *const words[] = {"key", "token", "secret", "pass", "pwd", "auth",
					    "sig", "credential"};
	char low[64];

	if (!n || n >= sizeof(low))
		return n > 0; /* a name this long is nothing to show either */
	for (size_t i = 0; i < n; i++)
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	low[n] = '\0';
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(low, words[i]))
			return true;
	return false;
}

/* Calls fn for each value of a secret query parameter of url: [v, v + n). */
static void secret_values(const char *url, const url_parts_t *p,
			  void (*fn)(const char *v, size_t n, void *ud), void *ud)
{
	const char *q = url[p->query] == '?' ? url + p->query + 1 : NULL;

	while (q && *q && *q != '#') {
		size_t item = strcspn(q, "&#"), name = strcspn(q, "=&#");
		if (name < item && secret_param(q, name))
			fn(q + name + 1, item - name - 1, ud);
		q += item;
		q += *q == '&';
	}
}

void curlx_url_shown(const char *url, bool path, char *buf, size_t len)
{
	url_parts_t p;
	size_t o = 0;
	const char *q;

	if (!len)
		return;
	url_split(url, &p);
	o = (size_t)snprintf(buf, len, "%.*s%s%.*s", (int)p.auth, url, p.at > p.auth ? "***@" : "",
			     (int)(p.rest - p.at), url + p.at);
	if (o >= len || !url[p.rest])
		return;
	if (!path) {
		/* "https://host/" stays as it is: there is nothing to hide */
		snprintf(buf + o, len - o, "%s", strcmp(url + p.rest, "/") ? "/..." : "/");
		return;
	}
	o += (size_t)snprintf(buf + o, len - o, "%.*s", (int)(p.query - p.rest), url + p.rest);
	for (q = url + p.query; *q && o < len;) {
		/* one "?name=value" or "&name=value" at a time; the fragment as it is */
		size_t item = *q == '#' ? strlen(q) : 1 + strcspn(q + 1, "&#");
		size_t name = strcspn(q + 1, "=&#") + 1;
		if (*q != '#' && name < item && secret_param(q + 1, name - 1))
			o += (size_t)snprintf(buf + o, len - o, "%.*s=***", (int)name, q);
		else
			o += (size_t)snprintf(buf + o, len - o, "%.*s", (int)item, q);
		q += item;
	}
}

struct redact {
	char *text;
	size_t len;
	const char *shown; /* what a value found becomes */
};

static void redact_value(const char *v, size_t n, void *ud)
{
	struct redact *r = ud;
	char *secret = xmalloc(n + 1);

	memcpy(secret, v, n);
	secret[n] = '\0';
	text_redact(r->text, r->len, secret, r->shown);
	free(secret);
}

void curlx_url_redact(const char *url, bool path, char *text, size_t len)
{
	struct redact r = {text, len, "***"};
	url_parts_t p;
	char *shown;
	size_t n;

	if (!url || !len)
		return;
	n = strlen(url) + 16; /* "***@" and "/..." make it longer at most by this */
	shown = xmalloc(n);
	curlx_url_shown(url, path, shown, n);
	text_redact(text, len, url, shown);
	free(shown);
	url_split(url, &p);
	if (p.at > p.auth) {
		/* "user:password" as libcurl may quote it, then the password alone */
		const char *colon = memchr(url + p.auth, ':', p.at - 1 - p.auth);
		redact_value(url + p.auth, p.at - 1 - p.auth, &r);
		if (colon)
			redact_value(colon + 1, (size_t)(url + p.at - 1 - colon - 1), &r);
	}
	if (!path && url[p.rest]) {
		/* the path with its query, then without */
		r.shown = "/...";
		redact_value(url + p.rest, strlen(url + p.rest), &r);
		redact_value(url + p.rest, p.query - p.rest, &r);
	}
	r.shown = "***";
	secret_values(url, &p, redact_value, &r);
}
