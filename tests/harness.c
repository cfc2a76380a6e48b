/* harness.c -- starts real peers (rbldnsd, silent UDP ports) and runs blmon for the tests.
 * Ports are found free on 127.0.0.1; nothing here ever talks to a non-loopback address. */
#include "tests/harness.h"

#include "checks/dnsbl.h"
#include "lib/sbuf.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *harness_tmpdir(void)
{
	char tmpl[] = "/tmp/blmon-test-XXXXXX";
	char *d = mkdtemp(tmpl);
	return d ? strdup(d) : NULL;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void harness_tmpdir_free(char *dir)
{
	if (!dir)
		return;
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static int write_path(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	fwrite(text, 1, strlen(text), f);
	return fclose(f);
}

int harness_write(const char *dir, const char *name, const char *text)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return write_path(path, text);
}

int harness_promtool_metrics(const char *dir, const char *text)
{
	char path[1024], cmd[1200];

	snprintf(path, sizeof(path), "%s/metrics.txt", dir);
	if (write_path(path, text) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' 1>&2", path);
	return system(cmd) == 0 ? 0 : -1;
}

static int bound_udp(int *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

int harness_silent_udp(int *port)
{
	return bound_udp(port);
}

int harness_closed_port(void)
{
	int port = 0, fd = bound_udp(&port);
	if (fd >= 0)
		close(fd);
	return port;
}

struct dnsbl *harness_dnsbl_new(int port, int timeout_ms, int tries, char *err, size_t errlen)
{
	char res[64];

	snprintf(res, sizeof(res), "127.0.0.1:%d", port);
	return dnsbl_new(&(dnsbl_opts_t){.resolver = res, .concurrency = 20,
					 .timeout_ms = (unsigned)timeout_ms, .tries = (unsigned)tries},
			 err, errlen);
}

/* Forks and execs argv with stdout/stderr to outfd/errfd (or /dev/null when
 * -1); the child dies with us. */
static pid_t spawn(char *const *argv, int outfd, int errfd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* blmon reads /etc/blmon.conf when no config is named: a machine with blmon
	 * installed must not change what a test sees. An empty config is the built-in
	 * defaults; a test that sets BLMON_CONFIG (even to "") keeps its own. */
	setenv("BLMON_CONFIG", "/dev/null", 0);
	int null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(outfd >= 0 ? outfd : null, 1);
	dup2(errfd >= 0 ? errfd : null, 2);
	execvp(argv[0], argv);
	_exit(127);
}

static int rbldnsd_start(harness_server_t *s, const char *dir, const char *const *zones,
			 const char *ttl);

int harness_rbldnsd_start(harness_server_t *s, const char *dir, const char *const *zones)
{
	return rbldnsd_start(s, dir, zones, NULL);
}

int harness_rbldnsd_start_ttl(harness_server_t *s, const char *dir, const char *const *zones,
			      const char *ttl)
{
	return rbldnsd_start(s, dir, zones, ttl);
}

static int rbldnsd_start(harness_server_t *s, const char *dir, const char *const *zones,
			 const char *ttl)
{
	char bind[64], logpath[1024];
	const char *argv[64];
	int n;

	memset(s, 0, sizeof(s[0]));
	/* as root, rbldnsd drops to its own user: it must be able to read dir */
	chmod(dir, 0755);
	for (int attempt = 0; attempt < 5; attempt++) {
		int fd;
		n = 0;
		s->port = harness_closed_port();
		snprintf(bind, sizeof(bind), "127.0.0.1/%d", s->port);
		snprintf(logpath, sizeof(logpath), "%s/rbldnsd.log", dir);
		argv[n++] = "rbldnsd";
		argv[n++] = "-n";     /* stay in the foreground: we own its lifetime */
		argv[n++] = "-e";     /* allow CIDR ranges not on a boundary */
		argv[n++] = "-c";
		argv[n++] = "1s";     /* reload edited zone files quickly */
		argv[n++] = "-b";
		argv[n++] = bind;
		argv[n++] = "-w";
		argv[n++] = dir;
		if (ttl) {
			argv[n++] = "-t";
			argv[n++] = ttl;
		}
		for (int i = 0; zones[i] && n < 62; i++)
			argv[n++] = zones[i];
		argv[n] = NULL;
		fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		s->pid = spawn((char *const *)argv, fd, fd);
		close(fd);
		/* ready when the log says so; a lost port race shows as an exit */
		for (int i = 0; i < 100; i++) {
			char buf[8192] = "";
			FILE *f = fopen(logpath, "r");
			int st;
			if (f) {
				size_t r = fread(buf, 1, sizeof(buf) - 1, f);
				buf[r] = '\0';
				fclose(f);
			}
			if (strstr(buf, "started")) {
				s->dir = strdup(dir);
				return 0;
			}
			if (waitpid(s->pid, &st, WNOHANG) == s->pid)
				break;
			usleep(20000);
		}
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		{
			char buf[4096] = "";
			FILE *f = fopen(logpath, "r");
			if (f) {
				buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
				fclose(f);
			}
			fprintf(stderr, "rbldnsd attempt %d failed:\n%s\n", attempt + 1, buf);
		}
	}
	s->pid = 0;
	return -1;
}

void harness_server_stop(harness_server_t *s)
{
	if (s->pid > 0) {
		int st;

		kill(s->pid, SIGTERM);
		/* a server a failed test left stopped (SIGSTOP: "the resolver stops answering")
		 * only acts on its SIGTERM once continued; one that ignores it is killed */
		kill(s->pid, SIGCONT);
		for (int i = 0; i < 200 && waitpid(s->pid, &st, WNOHANG) == 0; i++)
			usleep(10000);
		if (kill(s->pid, 0) == 0) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, NULL, 0);
		}
	}
	s->pid = 0;
	free(s->dir);
	s->dir = NULL;
}

/* Starts a fixture script that binds its own port and prints it on stdout
 * once it listens: no race for a port between finding it and binding it.
 * Waits up to timeout_ms for that line. 0, or -1 with a message naming what. */
static int start_printing_port(harness_server_t *s, char *const *argv, const char *dir,
			       const char *what, int timeout_ms)
{
	char line[32] = "";
	size_t got = 0;
	int fds[2];

	memset(s, 0, sizeof(s[0]));
	/* close-on-exec: the child must hold only its own dup of the write end */
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	s->pid = spawn(argv, fds[1], 2);
	close(fds[1]);
	while (got < sizeof(line) - 1 && !strchr(line, '\n')) {
		struct pollfd p = {fds[0], POLLIN, 0};
		ssize_t r;
		if (poll(&p, 1, timeout_ms) <= 0)
			break;
		r = read(fds[0], line + got, sizeof(line) - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		line[got] = '\0';
	}
	close(fds[0]);
	s->port = atoi(line);
	if (s->pid < 0 || !strchr(line, '\n') || s->port <= 0) {
		fprintf(stderr, "%s did not start (read \"%s\")\n", what, line);
		if (s->pid > 0) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, NULL, 0);
		}
		s->pid = 0;
		return -1;
	}
	s->dir = strdup(dir);
	return 0;
}

int harness_http_start(harness_server_t *s, const char *dir)
{
	const char *root = getenv("BLMON_ROOT");
	char script[1024];
	char *const argv[] = {"python3", "-u", script, (char *)dir, NULL};

	snprintf(script, sizeof(script), "%s/tests/httpfixture.py", root ? root : ".");
	return start_printing_port(s, argv, dir, "httpfixture", 10000);
}

int harness_hostile_dns_start(harness_server_t *s, const char *dir)
{
	const char *root = getenv("BLMON_ROOT");
	char script[1024];
	char *const argv[] = {"python3", script, (char *)dir, NULL};

	snprintf(script, sizeof(script), "%s/tests/hostiledns.py", root ? root : ".");
	return start_printing_port(s, argv, dir, "hostiledns", 10000);
}

char *harness_http_requests(const harness_server_t *s)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/requests.log", s->dir);
	return harness_read(path);
}

static void drain_fd(int fd, char **buf, size_t *len, size_t *cap)
{
	char tmp[8192];
	ssize_t r = read(fd, tmp, sizeof(tmp));

	if (r <= 0)
		return;
	if (*len + (size_t)r + 1 > *cap) {
		*cap = (*len + (size_t)r + 1) * 2;
		*buf = realloc(*buf, *cap);
	}
	memcpy(*buf + *len, tmp, (size_t)r);
	*len += (size_t)r;
	(*buf)[*len] = '\0';
}

int harness_run(harness_run_t *r, int timeout_s, const char *const *args)
{
	const char *bin = getenv("BLMON_BIN");
	const char *argv[64];
	int po[2], pe[2], n = 0, st;
	size_t lo = 0, le = 0, co = 1, ce = 1;
	time_t deadline = time(NULL) + timeout_s;
	bool oe = true, ee = true;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (!bin)
		bin = "./blmon";
	argv[n++] = bin;
	for (int i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe(po) < 0 || pipe(pe) < 0)
		return -1;
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	pid = spawn((char *const *)argv, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	while (oe || ee) {
		struct pollfd p[2] = {{oe ? po[0] : -1, POLLIN, 0}, {ee ? pe[0] : -1, POLLIN, 0}};
		int left = (int)(deadline - time(NULL));
		if (left <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			break;
		if (p[0].revents) {
			size_t before = lo;
			drain_fd(po[0], &r->out, &lo, &co);
			if (lo == before)
				oe = false;
		}
		if (p[1].revents) {
			size_t before = le;
			drain_fd(pe[0], &r->err, &le, &ce);
			if (le == before)
				ee = false;
		}
	}
	close(po[0]);
	close(pe[0]);
	waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

void harness_run_free(harness_run_t *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* ---- one JSON Schema validator for the whole run (tests/schema-server.js) ---- */

static pid_t schema_pid;
static char schema_sock[108];

/* The runner starts the validator before the first test; the tests (its
 * children) find it through BLMON_SCHEMA_SOCK. Its stdin is a pipe only the
 * runner holds, so it exits with the run whatever happens. It is the runner's
 * grandchild, not its child: Criterion's reaper thread spins forever on a
 * child that is not a test once that child has exited (a schema that does not
 * compile made the whole run hang), so an intermediate process exits at once
 * and leaves the validator to init. */
ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	const char *root = getenv("BLMON_ROOT");
	char script[1024], line[32] = "";
	int in[2], out[2];
	pid_t mid;

	(void)set;
	harness_pg_run_begin();
	snprintf(schema_sock, sizeof(schema_sock), "/tmp/blmon-schema-%d.sock", (int)getpid());
	snprintf(script, sizeof(script), "%s/tests/schema-server.js", root ? root : ".");
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return;
	mid = fork();
	if (mid == 0) {
		char *const argv[] = {"node", script, schema_sock, NULL};
		char pid[32];
		pid_t v = fork();
		if (v != 0) {
			/* tell the runner the validator's pid, then leave it to init */
			snprintf(pid, sizeof(pid), "pid %d\n", (int)v);
			if (v < 0 || write(out[1], pid, strlen(pid)) < 0)
				_exit(1);
			_exit(0);
		}
		dup2(in[0], 0);
		dup2(out[1], 1);
		execvp("node", argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (mid > 0)
		waitpid(mid, NULL, 0);
	{
		struct pollfd p = {out[0], POLLIN, 0};
		size_t got = 0;
		/* "pid N" from the intermediate, then "ready" from the validator once
		 * it compiled every schema: about a second, a cold machine more */
		while (!strstr(line, "ready") && got + 1 < sizeof(line) && poll(&p, 1, 60000) > 0) {
			ssize_t n = read(out[0], line + got, sizeof(line) - 1 - got);
			if (n <= 0)
				break;
			got += (size_t)n;
			line[got] = '\0';
		}
		if (!strncmp(line, "pid ", 4))
			schema_pid = (pid_t)atoi(line + 4);
		if (strstr(line, "ready"))
			setenv("BLMON_SCHEMA_SOCK", schema_sock, 1);
		else
			fprintf(stderr, "harness: tests/schema-server.js did not start (a schema that "
					"does not compile? run: node tests/schema-server.js /tmp/x.sock)\n");
	}
	close(out[0]);
	/* in[1] stays open (close-on-exec) until the runner exits */
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	(void)stats;
	harness_pg_run_end();
	if (schema_pid > 0)
		kill(schema_pid, SIGTERM); /* not our child: init reaps it */
	unlink(schema_sock);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int harness_schema_valid(const char *schema, const char *json)
{
	const char *path = getenv("BLMON_SCHEMA_SOCK");
	struct sockaddr_un sa;
	char *reply = NULL;
	size_t len = 0, cap = 0;
	int fd = -1, ret = -1;

	if (!path) {
		fprintf(stderr, "harness: no schema validator (BLMON_SCHEMA_SOCK): run the suite "
				"through build/tests/run\n");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out;
	if (write_all(fd, schema, strlen(schema)) < 0 || write_all(fd, "\n", 1) < 0 ||
	    write_all(fd, json, strlen(json)) < 0 || shutdown(fd, SHUT_WR) < 0)
		goto out;
	for (size_t before = 1; before != len;) {
		before = len;
		drain_fd(fd, &reply, &len, &cap); /* until the validator closes */
	}
	if (reply && !strncmp(reply, "ok\n", 3))
		ret = 0;
	else
		fprintf(stderr, "%s: %s\n", schema, reply ? reply : "no answer from the validator");
	if (ret && reply && !strncmp(reply, "invalid\n", 8))
		ret = 1;
out:
	if (fd >= 0)
		close(fd);
	free(reply);
	return ret;
}

cJSON *harness_target(cJSON *doc, const char *target)
{
	cJSON *t;

	cJSON_ArrayForEach(t, cJSON_GetObjectItem(doc, "targets"))
	{
		const char *name = harness_str(t, "target");
		if (name && !strcmp(name, target))
			return t;
	}
	return NULL;
}

cJSON *harness_result(cJSON *target, const char *zone)
{
	cJSON *r;

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(target, "results"))
	{
		const char *z = harness_str(r, "zone");
		if (z && !strcmp(z, zone))
			return r;
	}
	return NULL;
}

const char *harness_str(cJSON *obj, const char *key)
{
	cJSON *v = cJSON_GetObjectItem(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int harness_write_zone(const char *dir, const char *name, const char *text)
{
	char path[1024];
	struct stat st;
	struct timeval tv[2];
	time_t mt = time(NULL);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* rbldnsd notices edits by mtime in whole seconds: make each edit newer */
	if (stat(path, &st) == 0 && st.st_mtime >= mt)
		mt = st.st_mtime + 1;
	if (harness_write(dir, name, text) < 0)
		return -1;
	tv[0].tv_sec = tv[1].tv_sec = mt;
	tv[0].tv_usec = tv[1].tv_usec = 0;
	return utimes(path, tv);
}

/* Starts blmon with args, behind the command wrap (NULL-ended; NULL: none). */
static pid_t blmon_start(const char *const *wrap, const char *const *args, const char *logpath)
{
	const char *bin = getenv("BLMON_BIN");
	const char *argv[64];
	int n = 0, fd;
	pid_t pid;

	for (int i = 0; wrap && wrap[i] && n < 8; i++)
		argv[n++] = wrap[i];
	argv[n++] = bin ? bin : "./blmon";
	for (int i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
	pid = spawn((char *const *)argv, fd, fd);
	close(fd);
	return pid;
}

pid_t harness_blmon_start(const char *const *args, const char *logpath)
{
	return blmon_start(NULL, args, logpath);
}

pid_t harness_start(const char *const *argv, const char *logpath)
{
	int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
	pid_t pid = spawn((char *const *)argv, fd, fd);

	close(fd);
	return pid;
}

int harness_wait_exit(pid_t pid, int timeout_ms)
{
	int st;

	for (int waited = 0; waited <= timeout_ms; waited += 10) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(10000);
	}
	return -1;
}

char *harness_read(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	buf[fread(buf, 1, (size_t)len, f)] = '\0';
	fclose(f);
	return buf;
}

int harness_count(const char *text, const char *needle)
{
	size_t len = strlen(needle);
	int n = 0;

	for (const char *p = text; len && (p = strstr(p, needle)); p += len)
		n++;
	return n;
}

int harness_free_tcp_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

int harness_prometheus_start(harness_server_t *s, const char *dir, int target_port)
{
	char conf[1100], data[1100], listen[64], cfg[512], logpath[1100];
	const char *argv[16];
	int fd;

	memset(s, 0, sizeof(s[0]));
	snprintf(cfg, sizeof(cfg),
		 "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
		 "scrape_configs:\n  - job_name: blmon\n    static_configs:\n"
		 "      - targets: ['127.0.0.1:%d']\n", target_port);
	if (harness_write(dir, "prometheus.yml", cfg) < 0)
		return -1;
	snprintf(conf, sizeof(conf), "--config.file=%s/prometheus.yml", dir);
	snprintf(data, sizeof(data), "--storage.tsdb.path=%s/prometheus", dir);
	snprintf(logpath, sizeof(logpath), "%s/prometheus.log", dir);
	/* a port free a moment ago may be taken before prometheus binds it: then try another */
	for (int attempt = 0; attempt < 3; attempt++) {
		long status = 0;
		int n = 0;
		s->port = harness_free_tcp_port();
		snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d", s->port);
		argv[n++] = "prometheus";
		argv[n++] = conf;
		argv[n++] = data;
		argv[n++] = listen;
		argv[n++] = "--log.level=warn";
		argv[n++] = "--storage.tsdb.retention.time=1h";
		argv[n] = NULL;
		fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
		s->pid = spawn((char *const *)argv, fd, fd);
		close(fd);
		/* ready when /-/ready says so (its TSDB is open), about a second */
		for (int i = 0; i < 300; i++) {
			char *body = harness_http_get(s->port, "/-/ready", &status);
			free(body);
			if (status == 200) {
				s->dir = strdup(dir);
				return 0;
			}
			if (waitpid(s->pid, NULL, WNOHANG) == s->pid)
				break;
			usleep(50000);
		}
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	fprintf(stderr, "prometheus did not start (see %s)\n", logpath);
	s->pid = 0;
	return -1;
}

/* Whether something accepts TCP connections on 127.0.0.1:port. */
static bool tcp_open(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

int harness_rsyncd_start(harness_server_t *s, const char *dir, const char *modules)
{
	char conf[1024], logpath[1024], portarg[32], cfgarg[1100], text[8192];
	int fd;

	memset(s, 0, sizeof(*s));
	snprintf(conf, sizeof(conf), "%s/rsyncd.conf", dir);
	snprintf(logpath, sizeof(logpath), "%s/rsyncd.log", dir);
	/* as root, rsyncd would become nobody, who may not read the test's directory */
	snprintf(text, sizeof(text), "use chroot = no\nuid = %u\ngid = %u\nlog file = %s\n%s",
		 (unsigned)getuid(), (unsigned)getgid(), logpath, modules);
	if (write_path(conf, text) < 0)
		return -1;
	snprintf(cfgarg, sizeof(cfgarg), "--config=%s", conf);
	for (int attempt = 0; attempt < 5; attempt++) {
		char *argv[] = {"rsync", "--daemon", "--no-detach", cfgarg, "--address=127.0.0.1",
				portarg, NULL};
		s->port = harness_free_tcp_port();
		snprintf(portarg, sizeof(portarg), "--port=%d", s->port);
		fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
		s->pid = spawn(argv, fd, fd);
		close(fd);
		for (int i = 0; i < 250; i++) {
			int st;
			if (tcp_open(s->port)) {
				s->dir = strdup(dir);
				return 0;
			}
			if (waitpid(s->pid, &st, WNOHANG) == s->pid)
				break; /* lost the port to someone else: another one */
			usleep(20000);
		}
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
	return -1;
}

int harness_smtp_start(harness_server_t *s, const char *dir, int port, const char *auth)
{
	const char *root = getenv("BLMON_ROOT");
	/* Debian's python3 has python3-aiosmtpd; another python3 first on PATH may not */
	const char *py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
	char script[1024], portarg[16];
	char *const argv[] = {(char *)py, "-u", script, (char *)dir, portarg, (char *)auth, NULL};

	snprintf(script, sizeof(script), "%s/tests/smtpsink.py", root ? root : ".");
	snprintf(portarg, sizeof(portarg), "%d", port);
	return start_printing_port(s, argv, dir, "smtpsink", 15000);
}

int harness_smtp_mails(const char *dir)
{
	char path[1100];
	int n = 0;

	for (;; n++) {
		snprintf(path, sizeof(path), "%s/mail-%d.eml", dir, n + 1);
		if (access(path, F_OK) != 0)
			return n;
	}
}

char *harness_smtp_mail(const char *dir, int n)
{
	char path[1100];

	snprintf(path, sizeof(path), "%s/mail-%d.eml", dir, n);
	return harness_read(path);
}

long long harness_db_value(const char *db, const char *sql)
{
	char err[512];
	store_t *s = store_open(db, STORE_RO, err, sizeof(err));
	long long v;

	if (!s)
		return -1;
	v = store_scalar(s, sql);
	store_close(s);
	return v;
}

bool harness_db_wait(const char *db, const char *sql, long long want, int ms)
{
	for (int waited = 0; waited < ms; waited += 50) {
		if (harness_db_value(db, sql) == want)
			return true;
		usleep(50000);
	}
	return false;
}

int harness_blmon_stop(pid_t *pid, int timeout_ms)
{
	int st;

	if (*pid <= 0) /* kill(0, ...) would signal the whole test runner */
		return -1;
	kill(*pid, SIGTERM);
	st = harness_wait_exit(*pid, timeout_ms);
	*pid = 0;
	return st;
}

void harness_blmon_kill(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		harness_wait_exit(*pid, 2000);
	}
	*pid = 0;
}

void harness_answer(void *answer, const char *codes_json, const char *txt)
{
	store_answer_t *a = answer;
	const char *p = codes_json;

	memset(a, 0, sizeof(*a));
	while (p && (p = strchr(p, '"'))) {
		char ip[16];
		struct in_addr in;
		const char *end = strchr(p + 1, '"');
		if (!end)
			break;
		snprintf(ip, sizeof(ip), "%.*s", (int)(end - p - 1), p + 1);
		if (inet_pton(AF_INET, ip, &in) == 1 && a->ncodes < RESULT_MAX_CODES)
			a->codes[a->ncodes++] = ntohl(in.s_addr);
		p = end + 1;
	}
	if (txt) {
		snprintf(a->txt, sizeof(a->txt), "%s", txt);
		a->ntxt = 1;
	}
}

/* ---- the daemon under test ---- */

#define DAEMON_POLL_MS 20
#define CYCLES_DONE "SELECT count(*) FROM cycles WHERE ended IS NOT NULL"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void harness_daemon_init(harness_daemon_t *d, const char *dir)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->conf, sizeof(d->conf), "%s/blmon.conf", dir);
	snprintf(d->db, sizeof(d->db), "%s/blmon.db", dir);
	snprintf(d->log, sizeof(d->log), "%s/blmon.log", dir);
}

int harness_daemon_config(harness_daemon_t *d, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	int n, ret;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	ret = write_path(d->conf, text);
	free(text);
	return ret;
}

int harness_daemon_start(harness_daemon_t *d)
{
	const char *args[] = {"run", "-c", d->conf, NULL};

	if (d->pid > 0 && !d->exited)
		return -1;
	char uid[64], gid[64];
	const char *wrap[] = {"setpriv", uid, gid, "--clear-groups", NULL};

	d->exited = false;
	d->status = 0;
	/* root ignores file modes: the daemon runs as d->user to meet them */
	struct passwd *pw = d->user && geteuid() == 0 ? getpwnam(d->user) : NULL;

	if (pw) {
		snprintf(uid, sizeof(uid), "--reuid=%u", (unsigned)pw->pw_uid);
		snprintf(gid, sizeof(gid), "--regid=%u", (unsigned)pw->pw_gid);
	}
	d->pid = blmon_start(pw ? wrap : NULL, args, d->log);
	if (d->pid < 0)
		d->pid = 0;
	return d->pid > 0 ? 0 : -1;
}

bool harness_daemon_running(harness_daemon_t *d)
{
	pid_t r;
	int st;

	if (d->pid <= 0 || d->exited)
		return false;
	r = waitpid(d->pid, &st, WNOHANG);
	if (r == 0)
		return true;
	d->exited = true;
	/* r < 0: somebody else reaped it; its status is lost */
	d->status = r < 0 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return false;
}

int harness_daemon_stop(harness_daemon_t *d, int timeout_ms)
{
	pid_t pid = d->pid;
	int st;

	if (d->exited) {
		st = d->status;
		d->pid = 0;
		d->exited = false;
		return st;
	}
	st = harness_blmon_stop(&d->pid, timeout_ms);
	if (st < 0) /* still running: it must not outlive the test's next step */
		harness_blmon_kill(&pid);
	return st;
}

void harness_daemon_kill(harness_daemon_t *d)
{
	if (!d->exited)
		harness_blmon_kill(&d->pid);
	d->pid = 0;
	d->exited = false;
}

/* Polls done(d, arg) for up to ms milliseconds. false on timeout, or when
 * the daemon, if one was started, exited before done came true. */
static bool daemon_poll(harness_daemon_t *d, bool (*done)(harness_daemon_t *, const void *),
			const void *arg, int ms)
{
	long long deadline = now_ms() + ms;

	for (;;) {
		if (done(d, arg))
			return true;
		if (d->pid > 0 && !harness_daemon_running(d))
			return done(d, arg); /* what it wrote before exiting still counts */
		if (now_ms() >= deadline)
			return false;
		usleep(DAEMON_POLL_MS * 1000);
	}
}

long long harness_daemon_value(harness_daemon_t *d, const char *sql)
{
	return harness_db_value(d->db, sql);
}

struct db_want {
	const char *sql;
	long long want;
};

static bool db_done(harness_daemon_t *d, const void *arg)
{
	const struct db_want *w = arg;

	return harness_daemon_value(d, w->sql) == w->want;
}

bool harness_daemon_wait(harness_daemon_t *d, const char *sql, long long want, int ms)
{
	struct db_want w = {sql, want};

	return daemon_poll(d, db_done, &w, ms);
}

bool harness_daemon_cycles(harness_daemon_t *d, int n, int ms)
{
	char sql[128];
	long long base = harness_daemon_value(d, CYCLES_DONE);

	if (base < 0) /* no database yet: no cycle has finished */
		base = 0;
	snprintf(sql, sizeof(sql), "SELECT count(*) >= %lld FROM cycles WHERE ended IS NOT NULL",
		 base + n);
	return harness_daemon_wait(d, sql, 1, ms);
}

static size_t http_body(char *p, size_t sz, size_t n, void *ud)
{
	sbuf_t *b = ud;

	sbuf_add(b, p, sz * n);
	return sz * n;
}

char *harness_http_get(int port, const char *path, long *status)
{
	return harness_http_get_auth(port, path, NULL, status);
}

char *harness_http_get_auth(int port, const char *path, const char *token, long *status)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = NULL;
	sbuf_t b = SBUF_INIT;
	char url[1200], auth[600];
	CURLcode rc;

	*status = 0;
	if (!c)
		return NULL;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		hdr = curl_slist_append(hdr, auth);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	if (rc != CURLE_OK) {
		sbuf_free(&b);
		return NULL;
	}
	return sbuf_take(&b);
}

struct http_want {
	int port;
	const char *path, *needle;
	long status;
};

static bool http_done(harness_daemon_t *d, const void *arg)
{
	const struct http_want *w = arg;
	long status;
	char *body = harness_http_get(w->port, w->path, &status);
	bool ok = body && status == w->status && (!w->needle || strstr(body, w->needle));

	(void)d;
	free(body);
	return ok;
}

bool harness_daemon_wait_http(harness_daemon_t *d, int port, const char *path, long status,
			      const char *needle, int ms)
{
	struct http_want w = {port, path, needle, status};

	return daemon_poll(d, http_done, &w, ms);
}

struct log_want {
	const char *text;
	int n;
};

static bool log_done(harness_daemon_t *d, const void *arg)
{
	const struct log_want *w = arg;
	char *log = harness_read(d->log);
	int n = harness_count(log, w->text);

	free(log);
	return n >= w->n;
}

bool harness_daemon_wait_log_n(harness_daemon_t *d, const char *text, int n, int ms)
{
	struct log_want w = {text, n};

	return daemon_poll(d, log_done, &w, ms);
}

bool harness_daemon_wait_log(harness_daemon_t *d, const char *text, int ms)
{
	return harness_daemon_wait_log_n(d, text, 1, ms);
}

struct mails_want {
	const char *dir;
	int n;
};

static bool mails_done(harness_daemon_t *d, const void *arg)
{
	const struct mails_want *w = arg;

	(void)d;
	return harness_smtp_mails(w->dir) >= w->n;
}

bool harness_daemon_wait_mails(harness_daemon_t *d, const char *dir, int n, int ms)
{
	struct mails_want w = {dir, n};

	return daemon_poll(d, mails_done, &w, ms);
}

void harness_daemon_fail_at(harness_daemon_t *d, const char *what, const char *file, int line)
{
	char *log = harness_read(d->log);
	char how[64] = "not running";

	if (harness_daemon_running(d))
		snprintf(how, sizeof(how), "still running");
	else if (d->exited)
		snprintf(how, sizeof(how), "exited with status %d", d->status);
	cr_assert_fail("%s:%d: %s (daemon %s)\ndaemon log %s:\n%s", file, line, what, how, d->log,
		       log);
	abort(); /* not reached; the compiler cannot tell that cr_assert_fail ends the test */
}
