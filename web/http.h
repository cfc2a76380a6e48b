/* http.h -- the daemon's HTTP server: dashboard at /, JSON API under /api/v1/, /metrics, /healthz.
 * Runs on libmicrohttpd's own threads and reads only the database, never the scheduler's memory. */
#ifndef BLMON_HTTP_H
#define BLMON_HTTP_H

#include <stddef.h>

#include "checks/catalog.h"

typedef struct http http_t;

typedef struct {
	const char *listen;   /* "IP:PORT" or "[IPv6]:PORT"; port 0 picks a free one */
	const char *database; /* the daemon's database: a SQLite file's path or a PostgreSQL
				 URI (store.h: store_open_db); it must exist */
	const char *database_password_file; /* PostgreSQL: the password (NULL: libpq's) */
	unsigned interval_s;  /* [monitor] interval: /healthz allows two of the shortest list interval */
	unsigned stale_grace_s;     /* [monitor] stale_grace (0: two intervals) */
	unsigned healthz_max_age_s; /* [http] healthz_max_age (0: two of the shortest interval) */
	catalog_t *catalog;   /* borrowed and only read (names, code meanings, removal links);
				 must stay unchanged until http_stop returns */
	const char *token;    /* NULL or "": no authentication; else the API and /metrics
				 need "Authorization: Bearer TOKEN" */
	const char *cert, *key; /* PEM files: serve HTTPS (both or neither); NULL = HTTP */
	unsigned request_timeout_s; /* a request must arrive whole within this, counted from the
				       connection's opening or its previous response (0: 15 s) */
	/* What makes the daemon unhealthy that its database cannot say (a failing or
	 * replaced database file): 1 with the text in buf, 0 when none. Called from
	 * the server's threads (it must lock what it reads); NULL: nothing to ask. */
	int (*problem)(void *ud, char *buf, size_t len);
	void *problem_ud;
	const char *cluster_node; /* [cluster] node: this node's name; NULL when blmon runs alone */
	unsigned cluster_lease_s; /* [cluster] lease (0 alone): a node is lost after one without
				     renewing */
} http_opts_t;

/* Binds o->listen and starts serving. The strings of o are copied. Returns
 * NULL with a message in err (e.g. "127.0.0.1:8053: Address already in use").
 * Caller owns the result; http_stop stops and frees it. */
http_t *http_start(const http_opts_t *o, char *err, size_t errlen);

/* Stops serving: waits for requests in progress, closes the socket and the
 * database connections, frees h. NULL is fine. */
void http_stop(http_t *h);

/* The TCP port bound (useful with port 0). */
int http_port(const http_t *h);

#endif
