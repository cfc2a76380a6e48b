/* curlx.h -- the one libcurl preset: protocols, timeouts, User-Agent blmon/VERSION, abort on stop.
 * SMTP, webhooks, downloads (DROP, SNDS) and the Nagios plugin set their transfers up, and show URLs, here. */
#ifndef BLMON_CURLX_H
#define BLMON_CURLX_H

#include <curl/curl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#define CURLX_USER_AGENT "blmon/" BLMON_VERSION

typedef struct {
	const char *protocols;         /* allowed schemes, e.g. "http,https" or "smtp,smtps" */
	long connect_timeout_s;        /* 0: 10 */
	long timeout_s;                /* whole transfer; 0: 60 */
	volatile sig_atomic_t *stop;   /* borrowed, may be NULL: a set flag aborts the transfer */
	char *errbuf;                  /* CURL_ERROR_SIZE bytes for libcurl's message, may be NULL */
} curlx_opts_t;

/* A new easy handle with the preset applied (never NULL: a failed init is out of memory,
 * which aborts). Caller owns it: curl_easy_cleanup. */
CURL *curlx_new(const curlx_opts_t *o);

/* A body collected in memory, at most max bytes (0: unbounded); too_big is set and the
 * transfer aborted when the server sends more. p is NUL-terminated; caller frees p. */
typedef struct {
	char *p;
	size_t len, cap, max;
	bool too_big;
} curlx_body_t;

/* Makes h write its response body into b. */
void curlx_collect(CURL *h, curlx_body_t *b);

/* An URL as it may be shown in logs, error texts and alerts.last_error: the
 * userinfo (user:password@) becomes "***@"; with path false everything after
 * the host becomes "/..." (a chat webhook's path is its token), with path true
 * the path stays and the values of query parameters named like secrets (key,
 * token, secret, pass, pwd, auth, sig, credential) become "***". Also for a
 * string that is no valid URL (a config value being refused): what precedes
 * the last '@' before the first '/' is taken for userinfo. Writes at most len
 * bytes into buf. */
void curlx_url_shown(const char *url, bool path, char *buf, size_t len);

/* For an error text that may quote url (libcurl's error buffer, a server's
 * answer): url as written becomes its shown form (curlx_url_shown), and its
 * userinfo, password, path (when path is false) and secret query values
 * become "***" wherever they are quoted on their own. text's buffer holds len
 * bytes; edited in place. */
void curlx_url_redact(const char *url, bool path, char *text, size_t len);

/* ---- a conditional GET: the one download of the project (DROP files, SNDS documents) ---- */

/* Validators from a server are echoed back in request headers; longer or
 * stranger ones are dropped rather than risk a malformed request. */
#define CURLX_HEADER_MAX 512

typedef enum {
	CURLX_GET_NEW,          /* 200: body and validators are set */
	CURLX_GET_NOT_MODIFIED, /* 304: keep the stored copy; nothing is set */
	CURLX_GET_ERROR         /* anything else; the message is in err */
} curlx_get_status_t;

typedef struct {
	curlx_get_status_t status;
	long http_code;      /* 0 when no response arrived */
	char *body;          /* NUL-terminated for convenience; len excludes the NUL */
	size_t len;
	char *etag;          /* verbatim ETag header value, or NULL if none */
	char *last_modified; /* verbatim Last-Modified header value, or NULL */
} curlx_get_t;

/* GETs url (http:// or https:// only; redirects from https stay on https),
 * conditional on etag (If-None-Match) and last_modified (If-Modified-Since)
 * when non-NULL, giving up after timeout_s seconds (0 = 60) or when *stop is
 * set (stop may be NULL). Bodies over max bytes, cut-off transfers, timeouts,
 * refused connections and HTTP codes other than 200/304 are errors; an error
 * text never quotes url's secrets (curlx_url_redact). Returns 0 (NEW or
 * NOT_MODIFIED) or -1 (ERROR, message in err). The result's strings are owned
 * by *result: release with curlx_get_free, on every path. */
int curlx_get(const char *url, const char *etag, const char *last_modified, int timeout_s,
	      size_t max, volatile sig_atomic_t *stop, curlx_get_t *result, char *err,
	      size_t errlen);
/* Frees the result's strings and resets it (status CURLX_GET_ERROR); accepts NULL. */
void curlx_get_free(curlx_get_t *result);

/* Is v (n bytes) a header value that may be echoed back: printable ASCII, 1..CURLX_HEADER_MAX? */
bool curlx_header_value_ok(const char *v, size_t n);

/* curl_slist_append that treats failure as out of memory (aborts). */
struct curl_slist *curlx_slist_add(struct curl_slist *l, const char *s);

#endif
