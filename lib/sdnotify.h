/* sdnotify.h -- telling systemd how the daemon is: sd_notify(3)'s datagram protocol, no libsystemd.
 * READY, STATUS, RELOADING, STOPPING and watchdog pings to the socket named by $NOTIFY_SOCKET. */
#ifndef BLMON_SDNOTIFY_H
#define BLMON_SDNOTIFY_H

#include <stdbool.h>

typedef struct sdnotify sdnotify_t;

/* Reads NOTIFY_SOCKET (a path, or "@name" for an abstract socket) and the
 * watchdog's WATCHDOG_USEC and WATCHDOG_PID, then removes them from the
 * environment: the commands blmon starts (a mail log's `command`) must not
 * speak for it. NULL when blmon was not started with Type=notify; every call
 * below takes NULL and then does nothing. Caller owns the result
 * (sdnotify_free). */
sdnotify_t *sdnotify_new(void);
void sdnotify_free(sdnotify_t *n);

/* Sends one datagram of newline-separated assignments ("READY=1",
 * "STATUS=text", ...), formatted as printf. Newlines inside a STATUS text end
 * the assignment: give one line. 0, or -1 (not sent; nothing else to do). */
int sdnotify_send(sdnotify_t *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "WATCHDOG=1" when systemd watches (WatchdogSec=) and at least half of its
 * interval passed since the last ping; cheap enough to call from any loop. */
void sdnotify_watchdog(sdnotify_t *n);

/* The longest a loop may sleep and still ping in time, in milliseconds; -1
 * when there is no watchdog. */
int sdnotify_watchdog_ms(const sdnotify_t *n);

#endif
