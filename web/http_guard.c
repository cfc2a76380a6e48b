/* http_guard.c -- keeps slow clients from starving the HTTP server: a deadline for each request to arrive
 * whole, and when an address or the server runs short of connections, its oldest unfinished one closed. */
#include "web/http_guard.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/log.h"
#include "lib/xmalloc.h"

/* One open connection; it is the connection's MHD socket context. The lock
 * guards every field. */
struct slot {
	bool used;
	bool answering;   /* its request arrived whole: no deadline while the response goes out */
	bool closing;     /* shut down by the guard; libmicrohttpd has yet to close it */
	int fd;
	int family;       /* AF_INET, AF_INET6, or 0 when the address is unknown */
	uint8_t addr[16];
	int64_t since_ms; /* when the awaited request began: the connection opened or the
			     previous response was sent (CLOCK_MONOTONIC) */
};

struct http_guard {
	http_guard_opts_t o;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the timer thread sleeps on it until the next deadline or stop */
	pthread_t timer;
	bool stop;
	struct slot *slots;
	size_t nslots;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool same_addr(const struct slot *a, const struct slot *b)
{
	return a->family && a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Closes s. shutdown() makes its libmicrohttpd thread read the end of the
 * stream and close the connection as if the client had. The descriptor cannot
 * have been reused: libmicrohttpd closes it only after the CLOSED notification,
 * which waits for the lock the caller holds. */
static void evict(struct slot *s, const char *why)
{
	shutdown(s->fd, SHUT_RDWR);
	s->closing = true;
	log_debug("http: closing a connection: %s", why);
}

/* Keeps room for one more connection from fresh's address and overall: while
 * more than limit - spare are open, the one that has waited longest for its
 * request is closed. fresh itself, the newest, is never the one. */
static void make_room(http_guard_t *g, const struct slot *fresh)
{
	for (int pass = 0; pass < 2; pass++) {
		bool per_ip = pass == 0;
		unsigned limit = per_ip ? g->o.per_ip : g->o.max_conns;

		if (!limit || (per_ip && !fresh->family))
			continue;
		for (;;) {
			struct slot *oldest = NULL;
			size_t n = 0;

			for (size_t i = 0; i < g->nslots; i++) {
				struct slot *s = &g->slots[i];
				if (!s->used || s->closing || (per_ip && !same_addr(s, fresh)))
					continue;
				n++;
				if (s != fresh && !s->answering && (!oldest || s->since_ms < oldest->since_ms))
					oldest = s;
			}
			if (n + g->o.spare <= limit || !oldest)
				break;
			evict(oldest, per_ip ? "its address has too many unfinished requests"
					     : "the server has too many unfinished requests");
		}
	}
}

/* The timer: closes every connection whose request is overdue, then sleeps
 * until the next one falls due (or stop). */
static void *timer_main(void *arg)
{
	http_guard_t *g = arg;
	const int64_t deadline = (int64_t)g->o.deadline_s * 1000;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		int64_t now = mono_ms(), next = now + deadline;
		struct timespec ts;

		for (size_t i = 0; i < g->nslots; i++) {
			struct slot *s = &g->slots[i];
			if (!s->used || s->answering || s->closing)
				continue;
			if (s->since_ms + deadline <= now)
				evict(s, "its request did not arrive whole in time");
			else if (s->since_ms + deadline < next)
				next = s->since_ms + deadline;
		}
		ts.tv_sec = (time_t)(next / 1000);
		ts.tv_nsec = (long)(next % 1000) * 1000000;
		pthread_cond_timedwait(&g->wake, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

http_guard_t *http_guard_new(const http_guard_opts_t *o)
{
	http_guard_t *g = xcalloc(1, sizeof(*g));
	pthread_condattr_t ca;

	g->o = *o;
	if (!g->o.deadline_s)
		g->o.deadline_s = 1;
	g->nslots = o->max_conns ? o->max_conns : 1;
	g->slots = xcalloc(g->nslots, sizeof(*g->slots));
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* deadlines must not follow the wall clock */
	pthread_cond_init(&g->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&g->timer, NULL, timer_main, g) != 0) {
		pthread_cond_destroy(&g->wake);
		pthread_mutex_destroy(&g->lock);
		free(g->slots);
		free(g);
		return NULL;
	}
	return g;
}

void http_guard_free(http_guard_t *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->timer, NULL);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g->slots);
	free(g);
}

void http_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		       enum MHD_ConnectionNotificationCode toe)
{
	http_guard_t *g = cls;
	const union MHD_ConnectionInfo *ci;
	struct slot *s = NULL;
	int fd = -1, family = 0;
	uint8_t addr[16] = {0};

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		pthread_mutex_lock(&g->lock);
		if (*socket_context)
			((struct slot *)*socket_context)->used = false;
		*socket_context = NULL;
		pthread_mutex_unlock(&g->lock);
		return;
	}
	if (toe != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	if ((ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD)))
		fd = ci->connect_fd;
	if ((ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		family = sa->sa_family;
		if (family == AF_INET)
			memcpy(addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		else if (family == AF_INET6)
			memcpy(addr, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		else
			family = 0;
	}
	if (fd < 0)
		return;
	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < g->nslots && !s; i++)
		if (!g->slots[i].used)
			s = &g->slots[i];
	/* no free slot cannot happen under libmicrohttpd's own limit; if it did,
	 * the connection would only go unguarded */
	if (s) {
		*s = (struct slot){.used = true, .fd = fd, .family = family, .since_ms = mono_ms()};
		memcpy(s->addr, addr, sizeof(addr));
		*socket_context = s;
		make_room(g, s);
	}
	pthread_mutex_unlock(&g->lock);
}

/* The slot of c, or NULL when it is not guarded. */
static struct slot *slot_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

void http_guard_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			  enum MHD_RequestTerminationCode toe)
{
	http_guard_t *g = cls;
	struct slot *s = slot_of(c);

	(void)con_cls;
	(void)toe;
	if (!s)
		return;
	pthread_mutex_lock(&g->lock);
	s->answering = false;
	s->since_ms = mono_ms();
	pthread_mutex_unlock(&g->lock);
}

void http_guard_answering(http_guard_t *g, struct MHD_Connection *c)
{
	struct slot *s = slot_of(c);

	if (!s)
		return;
	pthread_mutex_lock(&g->lock);
	s->answering = true;
	pthread_mutex_unlock(&g->lock);
}
