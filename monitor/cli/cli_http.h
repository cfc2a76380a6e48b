/* cli_http.h -- the commands that ask the running daemon (status, nagios --url) read its API here.
 * One GET of a JSON document, the token sent when there is one, the URL only ever shown without secrets. */
#ifndef BLMON_CLI_HTTP_H
#define BLMON_CLI_HTTP_H

#include <cJSON.h>
#include <signal.h>
#include <stddef.h>

typedef struct {
	const char *base;              /* http(s)://host:port of the daemon, a trailing / allowed */
	const char *token;             /* [http] token: sent as Authorization: Bearer; NULL: none */
	long timeout_s;                /* the whole transfer */
	long max;                      /* bytes of body at most */
	volatile sig_atomic_t *stop;   /* borrowed, may be NULL: a set flag aborts the transfer */
} cli_http_t;

/* GET base + path (path starts with '/'). 0 with *doc, the parsed body of a
 * 200 answer (caller owns; cJSON_Delete). -1 otherwise, *doc NULL: *status is
 * the HTTP status of another answer (0 when none came or the body is no JSON),
 * err says what happened (the libcurl error, the status and the error the
 * daemon gave, or that it is no JSON); *shown gets the URL as it may be shown
 * (curlx_url_shown), in both cases. */
int cli_http_get_json(const cli_http_t *h, const char *path, cJSON **doc, long *status,
		      char *shown, size_t shownlen, char *err, size_t errlen);

/* The URL of the daemon that listens on listen ([http] listen, IP:PORT):
 * http://, or https:// when tls; a wildcard address (0.0.0.0, [::]) is asked
 * on loopback. Writes at most len bytes into buf. */
void cli_http_url_of_listen(const char *listen, int tls, char *buf, size_t len);

#endif
