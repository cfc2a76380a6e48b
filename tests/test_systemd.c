/* test_systemd.c -- blmon run under systemd: the notify socket (READY, STATUS, WATCHDOG, RELOADING,
 * STOPPING) played by a unix datagram socket of the test, and log lines meant for journald. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/harness.h"

static char *dir;
static harness_server_t dns;
static harness_daemon_t d;
static int http_port;
static int sock = -1; /* the test's notify socket: systemd's end */

static void setup(void)
{
	static const char *const zones[] = {"bl.test:ip4set:a", NULL};

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	cr_assert_eq(harness_write_zone(dir, "a", ":127.0.0.2:Spam source $\n127.0.0.2\n192.0.2.10\n"), 0);
	cr_assert_eq(harness_rbldnsd_start_ttl(&dns, dir, zones, "1"), 0, "rbldnsd did not start");
	harness_daemon_init(&d, dir);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	unsetenv("JOURNAL_STREAM");
}

static void teardown(void)
{
	harness_daemon_kill(&d);
	harness_server_stop(&dns);
	if (sock >= 0)
		close(sock);
	harness_tmpdir_free(dir);
}

TestSuite(systemd, .init = setup, .fini = teardown, .timeout = 60);

static void write_conf(const char *extra)
{
	http_port = harness_free_tcp_port();
	cr_assert_eq(harness_daemon_config(&d,
		"[monitor]\ninterval = 1s\nresolver = 127.0.0.1:%d\ndatabase = %s\nconfirm = 1\n"
		"timeout = 300ms\nretries = 1\n"
		"[targets]\nip = 192.0.2.10\nip = 192.0.2.20\n"
		"[lists]\ndefault = no\n"
		"[list bl.test]\nname = Test BL\ncode = 127.0.0.2 Spam source\n"
		"[http]\nlisten = 127.0.0.1:%d\n%s",
		dns.port, d.db, http_port, extra ? extra : ""), 0);
}

/* Binds the notify socket in the test's directory and names it in NOTIFY_SOCKET,
 * which the daemon inherits. */
static void notify_listen(void)
{
	struct sockaddr_un sa;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", dir);
	sock = socket(AF_UNIX, SOCK_DGRAM, 0);
	cr_assert_geq(sock, 0);
	cr_assert_eq(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0, "bind %s", sa.sun_path);
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
}

/* The next datagram within ms, into buf; false when none came. */
static bool notify_recv(char *buf, size_t len, int ms)
{
	struct pollfd p = {sock, POLLIN, 0};
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return false;
	n = recv(sock, buf, len - 1, 0);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* Reads datagrams until one has the assignment line `want` (a prefix of a
 * line, e.g. "STATUS=last cycle"); all that came is appended to seen. */
static bool notify_wait(const char *want, char *seen, size_t seenlen, int ms, char *got,
			size_t gotlen)
{
	char buf[4096];

	for (int waited = 0; waited < ms; waited += 100) {
		if (!notify_recv(buf, sizeof(buf), 100))
			continue;
		strncat(seen, buf, seenlen - strlen(seen) - 2);
		strcat(seen, "|");
		for (char *line = buf; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
			if (!strncmp(line, want, strlen(want))) {
				if (got)
					snprintf(got, gotlen, "%s", buf);
				return true;
			}
	}
	return false;
}

static bool port_listens(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

Test(systemd, ready_after_the_port_listens_then_status_and_watchdog)
{
	static char seen[65536];
	char got[4096];
	struct stat st;

	seen[0] = '\0';
	write_conf(NULL);
	notify_listen();
	setenv("WATCHDOG_USEC", "1000000", 1);
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!notify_wait("READY=1", seen, sizeof(seen), 10000, got, sizeof(got)))
		harness_daemon_fail(&d, "no READY=1 on the notify socket");
	/* what READY promises holds the moment it arrives */
	cr_assert(port_listens(http_port), "READY=1 before the HTTP port listens");
	cr_assert_eq(stat(d.db, &st), 0, "READY=1 before the database exists");
	cr_assert(strstr(got, "STATUS="), "READY=1 without a STATUS: %s", got);
	if (!notify_wait("STATUS=last cycle", seen, sizeof(seen), 10000, got, sizeof(got)))
		harness_daemon_fail(&d, "no STATUS= after a cycle");
	cr_assert(strstr(got, "2 targets: 1 listed, 0 through their network or AS, 0 unchecked, "
			      "1 clean; 1 problem; 0 of 2 checks failed"), "%s", got);
	/* WATCHDOG_USEC=1s: a ping at least every half second */
	if (!notify_wait("WATCHDOG=1", seen, sizeof(seen), 3000, NULL, 0))
		harness_daemon_fail(&d, "no WATCHDOG=1 with WATCHDOG_USEC set");
	cr_assert(notify_wait("WATCHDOG=1", seen, sizeof(seen), 1500, NULL, 0), "one ping only");
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
	cr_assert(notify_wait("STOPPING=1", seen, sizeof(seen), 1000, NULL, 0), "%s", seen);
}

Test(systemd, no_watchdog_pings_unless_asked_and_reload_is_announced)
{
	static char seen[65536];

	seen[0] = '\0';
	write_conf(NULL);
	notify_listen();
	/* meant for another process: not ours to answer */
	setenv("WATCHDOG_USEC", "1000000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!notify_wait("READY=1", seen, sizeof(seen), 10000, NULL, 0))
		harness_daemon_fail(&d, "no READY=1");
	if (!harness_daemon_cycles(&d, 3, 10000))
		harness_daemon_fail(&d, "no cycles");
	kill(d.pid, SIGHUP);
	cr_assert(notify_wait("RELOADING=1", seen, sizeof(seen), 5000, NULL, 0), "%s", seen);
	cr_assert(notify_wait("READY=1", seen, sizeof(seen), 5000, NULL, 0), "%s", seen);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
	notify_wait("STOPPING=1", seen, sizeof(seen), 1000, NULL, 0);
	cr_assert_null(strstr(seen, "WATCHDOG=1"), "pinged a watchdog meant for pid 1: %s", seen);
}

Test(systemd, the_commands_blmon_starts_do_not_inherit_the_notify_socket)
{
	char conf[1024], envfile[1100], *t;
	static char seen[65536];

	seen[0] = '\0';
	snprintf(envfile, sizeof(envfile), "%s/child-env", dir);
	snprintf(conf, sizeof(conf),
		 "[logwatch]\ncommand = echo \"n=$NOTIFY_SOCKET w=$WATCHDOG_USEC\" > %s; sleep 60\n",
		 envfile);
	write_conf(conf);
	notify_listen();
	setenv("WATCHDOG_USEC", "1000000", 1);
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!notify_wait("READY=1", seen, sizeof(seen), 10000, NULL, 0))
		harness_daemon_fail(&d, "no READY=1");
	for (int i = 0; i < 100 && access(envfile, F_OK) < 0; i++)
		usleep(50000);
	usleep(100000);
	t = harness_read(envfile);
	cr_assert_str_eq(t, "n= w=\n");
	free(t);
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
}

Test(systemd, journald_lines_have_priorities_and_no_timestamps)
{
	struct stat st;
	char v[64], *log;

	write_conf(NULL);
	/* the daemon's stderr is the log file: JOURNAL_STREAM names it, as systemd would */
	cr_assert_eq(harness_write(dir, "blmon.log", ""), 0);
	cr_assert_eq(stat(d.log, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	cr_assert_eq(harness_daemon_start(&d), 0);
	if (!harness_daemon_wait_log(&d, "<6>info: blmon running", 10000))
		harness_daemon_fail(&d, "no priority-prefixed start line");
	if (!harness_daemon_wait_log(&d, "listed", 10000))
		harness_daemon_fail(&d, "no listing logged");
	cr_assert_eq(harness_daemon_stop(&d, 3000), 0);
	log = harness_read(d.log);
	for (char *line = log; *line; line = strchr(line, '\n') + 1) {
		cr_assert(line[0] == '<' && line[1] >= '0' && line[1] <= '7' && line[2] == '>',
			  "a line without a priority: %.200s", line);
		if (!strchr(line, '\n'))
			break;
	}
	free(log);
}
