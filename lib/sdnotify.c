/* sdnotify.c -- sd_notify's protocol in a few lines: one datagram per message to $NOTIFY_SOCKET.
 * Linking libsystemd for this would add a library to every build; the protocol is documented. */
#include "lib/sdnotify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/xmalloc.h"

struct sdnotify {
	int fd;
	struct sockaddr_un sa;
	socklen_t salen;
	long long watchdog_us; /* 0: no watchdog */
	long long last_ping_us;
};

static long long now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* WATCHDOG_USEC, when it is meant for this process (WATCHDOG_PID, if set, is
 * our pid): 0 otherwise. */
static long long watchdog_usec(void)
{
	const char *u = getenv("WATCHDOG_USEC"), *p = getenv("WATCHDOG_PID");
	char *end;
	long long us;

	if (!u || !*u)
		return 0;
	if (p && *p && strtoll(p, &end, 10) != (long long)getpid())
		return 0;
	us = strtoll(u, &end, 10);
	return *end || us <= 0 ? 0 : us;
}

sdnotify_t *sdnotify_new(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	sdnotify_t *n = NULL;
	size_t len;

	if (!path || (path[0] != '/' && path[0] != '@'))
		goto out;
	len = strlen(path);
	if (len >= sizeof(n->sa.sun_path))
		goto out;
	n = xcalloc(1, sizeof(*n));
	n->sa.sun_family = AF_UNIX;
	memcpy(n->sa.sun_path, path, len);
	if (path[0] == '@')
		n->sa.sun_path[0] = '\0'; /* abstract namespace: no NUL at the end counts */
	n->salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0) {
		free(n);
		n = NULL;
		goto out;
	}
	n->watchdog_us = watchdog_usec();
	n->last_ping_us = now_us();
out:
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return n;
}

void sdnotify_free(sdnotify_t *n)
{
	if (!n)
		return;
	close(n->fd);
	free(n);
}

int sdnotify_send(sdnotify_t *n, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int len;
	ssize_t r;

	if (!n)
		return 0;
	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (len < 0)
		return -1;
	if ((size_t)len >= sizeof(msg))
		len = sizeof(msg) - 1; /* a long STATUS is cut, never dropped */
	do
		r = sendto(n->fd, msg, (size_t)len, MSG_NOSIGNAL, (struct sockaddr *)&n->sa, n->salen);
	while (r < 0 && errno == EINTR);
	return r == len ? 0 : -1;
}

void sdnotify_watchdog(sdnotify_t *n)
{
	long long t;

	if (!n || !n->watchdog_us)
		return;
	t = now_us();
	if (t - n->last_ping_us < n->watchdog_us / 2)
		return;
	if (sdnotify_send(n, "WATCHDOG=1") == 0)
		n->last_ping_us = t;
}

int sdnotify_watchdog_ms(const sdnotify_t *n)
{
	if (!n || !n->watchdog_us)
		return -1;
	/* a ping every half interval: wake up at least every quarter to keep it */
	return n->watchdog_us / 4000 > 0 ? (int)(n->watchdog_us / 4000) : 1;
}
