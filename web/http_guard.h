/* http_guard.h -- keeps slow clients from starving the HTTP server (libmicrohttpd hooks).
 * A request must arrive whole before a deadline, and crowded, the oldest unfinished connection goes. */
#ifndef BLMON_HTTP_GUARD_H
#define BLMON_HTTP_GUARD_H

#include <microhttpd.h>

typedef struct http_guard http_guard_t;

typedef struct {
	unsigned max_conns;  /* the server's MHD_OPTION_CONNECTION_LIMIT */
	unsigned per_ip;     /* its MHD_OPTION_PER_IP_CONNECTION_LIMIT (0: none) */
	unsigned spare;      /* connections kept free, per client address and overall,
				for a fresh request (a health probe) to be accepted */
	unsigned deadline_s; /* a request must arrive whole this long after the
				connection opened or its previous response was sent */
} http_guard_opts_t;

/* Starts the guard (and its timer thread). Returns NULL when the thread cannot
 * start. Caller owns the result; free it after MHD_stop_daemon. */
http_guard_t *http_guard_new(const http_guard_opts_t *o);
void http_guard_free(http_guard_t *g);

/* For MHD_OPTION_NOTIFY_CONNECTION, with g as its closure: tracks each
 * connection from its opening to its closing. */
void http_guard_notify(void *g, struct MHD_Connection *c, void **socket_context,
		       enum MHD_ConnectionNotificationCode toe);

/* For MHD_OPTION_NOTIFY_COMPLETED, with g as its closure: the response was
 * sent, so the deadline of the connection's next request starts now. */
void http_guard_completed(void *g, struct MHD_Connection *c, void **con_cls,
			  enum MHD_RequestTerminationCode toe);

/* The request on c arrived whole and its response is queued: the deadline no
 * longer applies (sending is bounded by the server's idle timeout). */
void http_guard_answering(http_guard_t *g, struct MHD_Connection *c);

#endif
