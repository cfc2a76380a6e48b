/* harness_pg.c -- PostgreSQL for the tests: Debian's server in a temporary directory on loopback.
 * initdb runs once per test run (a template copied per server); each server dies with its test. */
#include "tests/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG_USER "nobody"      /* the servers' user when the tests run as root */
#define PG_ROLE "blmon"       /* the role and database blmon connects as */
#define PG_START_MS 30000
#define PG_STOP_MS 15000

/* The directory of PostgreSQL's programs: $BLMON_PG_BIN, else the newest
 * /usr/lib/postgresql/N/bin (Debian's postgresql). */
static int pg_bindir(char *out, size_t len)
{
	const char *env = getenv("BLMON_PG_BIN");
	glob_t g;

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return 0;
	}
	if (glob("/usr/lib/postgresql/*/bin/postgres", 0, NULL, &g) != 0)
		return -1;
	/* glob sorts: the last is the newest (one digit more sorts later only within a width,
	 * and Debian installs one major at a time) */
	snprintf(out, len, "%.*s", (int)(strlen(g.gl_pathv[g.gl_pathc - 1]) - strlen("/postgres")),
		 g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	return 0;
}

/* Runs argv (absolute) as the servers' user, output to logpath; waits when wait is set
 * (then returns the exit status), else returns the pid. The child dies with the test. */
static int run_as(const char *const *argv, const char *logpath, bool wait)
{
	const char *full[40];
	char uid[32], gid[32];
	struct passwd *pw = geteuid() == 0 ? getpwnam(PG_USER) : NULL;
	int n = 0, st, fd;
	pid_t pid;

	if (pw) {
		/* a change of user clears the parent-death signal: setpriv sets it again after */
		snprintf(uid, sizeof(uid), "--reuid=%u", (unsigned)pw->pw_uid);
		snprintf(gid, sizeof(gid), "--regid=%u", (unsigned)pw->pw_gid);
		full[n++] = "setpriv";
		full[n++] = uid;
		full[n++] = gid;
		full[n++] = "--clear-groups";
		full[n++] = "--pdeathsig";
		full[n++] = "KILL";
		full[n++] = "--";
	}
	for (int i = 0; argv[i] && n < 39; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(null, 0);
		dup2(fd >= 0 ? fd : null, 1);
		dup2(fd >= 0 ? fd : null, 2);
		execvp(full[0], (char *const *)full);
		_exit(127);
	}
	if (fd >= 0)
		close(fd);
	if (pid < 0 || !wait)
		return pid;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Gives path to the servers' user (a no-op unless the tests run as root). */
static void give(const char *path)
{
	struct passwd *pw = geteuid() == 0 ? getpwnam(PG_USER) : NULL;

	if (pw && chown(path, pw->pw_uid, pw->pw_gid) < 0)
		fprintf(stderr, "harness_pg: chown %s: %s\n", path, strerror(errno));
}

/* The cluster initdb makes, once per test run: at $BLMON_PG_TEMPLATE (set by the runner,
 * removed by it at the end), made by the first test that needs it under a lock; without
 * the runner's variable, in the test's own directory. 0 with the path in out, or -1. */
static int template_get(const char *bindir, const char *dir, char *out, size_t len)
{
	const char *tpl = getenv("BLMON_PG_TEMPLATE");
	char base[1024], lock[1100], data[1100], log[1100], initdb[1100];
	struct stat sb;
	int fd = -1, rc = -1;

	snprintf(base, sizeof(base), "%s", tpl && *tpl ? tpl : dir);
	snprintf(data, sizeof(data), "%s/template", base);
	snprintf(out, len, "%s", data);
	if (mkdir(base, 0755) < 0 && errno != EEXIST)
		return -1;
	chmod(base, 0755);
	snprintf(lock, sizeof(lock), "%s/.lock", base);
	if ((fd = open(lock, O_RDWR | O_CREAT, 0600)) < 0 || flock(fd, LOCK_EX) < 0)
		goto out;
	snprintf(initdb, sizeof(initdb), "%s/PG_VERSION", data);
	if (stat(initdb, &sb) == 0) {
		rc = 0; /* made by an earlier test */
		goto out;
	}
	if (mkdir(data, 0700) < 0 && errno != EEXIST)
		goto out;
	give(data);
	snprintf(initdb, sizeof(initdb), "%s/initdb", bindir);
	snprintf(log, sizeof(log), "%s/initdb.log", base);
	{
		/* trust on the socket (the harness's own setup), passwords over TCP (blmon's) */
		const char *argv[] = {initdb, "-D", data, "-U", "postgres", "-E", "UTF8",
				      "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256",
				      "-N", NULL};
		if (run_as(argv, log, true) != 0) {
			char *l = harness_read(log);
			fprintf(stderr, "harness_pg: initdb failed:\n%s\n", l);
			free(l);
			goto out;
		}
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd); /* and the lock with it */
	return rc;
}

/* A superuser's session over the server's socket, or NULL. */
static PGconn *super(const harness_pg_t *pg)
{
	char conninfo[1400];
	PGconn *c;

	snprintf(conninfo, sizeof(conninfo), "host=%s/sock port=%d user=postgres dbname=postgres "
		 "connect_timeout=5", pg->dir, pg->port);
	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Starts the postmaster of pg->dir on pg->port and waits until it takes connections.
 * 0, or -1 when it exited (its port taken) or did not come up. */
static int postmaster(harness_pg_t *pg, const char *bindir)
{
	char postgres[1100], data[1100], sock[1100], log[1100], port[16], ping[1400];
	const char *argv[] = {postgres, "-D", data, "-p", port, "-k", sock,
			      "-c", "listen_addresses=127.0.0.1",
			      "-c", "fsync=off", "-c", "full_page_writes=off",
			      "-c", "synchronous_commit=off", "-c", "max_connections=80",
			      "-c", "shared_buffers=16MB", "-c", "log_min_messages=warning",
			      NULL};

	snprintf(postgres, sizeof(postgres), "%s/postgres", bindir);
	snprintf(data, sizeof(data), "%s/data", pg->dir);
	snprintf(sock, sizeof(sock), "%s/sock", pg->dir);
	snprintf(log, sizeof(log), "%s/postgres.log", pg->dir);
	snprintf(port, sizeof(port), "%d", pg->port);
	snprintf(ping, sizeof(ping), "host=127.0.0.1 port=%d dbname=postgres user=postgres "
		 "connect_timeout=2", pg->port);
	pg->pid = run_as(argv, log, false);
	if (pg->pid <= 0) {
		pg->pid = 0;
		return -1;
	}
	for (int waited = 0; waited < PG_START_MS; waited += 50) {
		/* refused for want of a password is an answer: the server is up */
		if (PQping(ping) == PQPING_OK)
			return 0;
		if (waitpid(pg->pid, NULL, WNOHANG) == pg->pid) {
			pg->pid = 0;
			return -1;
		}
		usleep(50000);
	}
	kill(pg->pid, SIGKILL);
	waitpid(pg->pid, NULL, 0);
	pg->pid = 0;
	return -1;
}

int harness_pg_start(harness_pg_t *pg, const char *dir)
{
	char bindir[1024], tpl[1100], cmd[3400], sql[400], pw[33];
	unsigned char r[16];
	PGconn *c = NULL;
	PGresult *res;
	int rc = -1;

	memset(pg, 0, sizeof(*pg));
	if (pg_bindir(bindir, sizeof(bindir)) < 0) {
		fprintf(stderr, "harness_pg: no PostgreSQL server (Debian's postgresql package)\n");
		return -1;
	}
	chmod(dir, 0755); /* the servers' user must reach its directory */
	snprintf(pg->dir, sizeof(pg->dir), "%s/pg", dir);
	if (mkdir(pg->dir, 0755) < 0 || template_get(bindir, dir, tpl, sizeof(tpl)) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s/data' && mkdir '%s/sock'", tpl, pg->dir, pg->dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s/sock", pg->dir);
	give(cmd);
	give(pg->dir);
	for (int attempt = 0; attempt < 5 && !pg->pid; attempt++) {
		pg->port = harness_free_tcp_port();
		if (postmaster(pg, bindir) < 0)
			fprintf(stderr, "harness_pg: the server did not start on port %d (attempt %d)\n",
				pg->port, attempt + 1);
	}
	if (!pg->pid)
		goto out;
	/* a password of its own per server: a test can look for it where it must never be */
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		goto out;
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(pw + 2 * i, 3, "%02x", r[i]);
	snprintf(pg->password, sizeof(pg->password), "%s", pw);
	if (!(c = super(pg)))
		goto out;
	snprintf(sql, sizeof(sql), "CREATE ROLE " PG_ROLE " LOGIN PASSWORD '%s'", pw);
	res = PQexec(c, sql);
	rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	PQclear(res);
	if (rc == 0) {
		res = PQexec(c, "CREATE DATABASE " PG_ROLE " OWNER " PG_ROLE " ENCODING 'UTF8' "
			     "TEMPLATE template0");
		rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
		if (rc < 0)
			fprintf(stderr, "harness_pg: %s", PQresultErrorMessage(res));
		PQclear(res);
	}
	if (rc < 0)
		goto out;
	/* libpq's password file, for every process of the test (blmon run, the store in the test) */
	snprintf(pg->passfile, sizeof(pg->passfile), "%s/pgpass", pg->dir);
	snprintf(sql, sizeof(sql), "127.0.0.1:%d:*:" PG_ROLE ":%s\n", pg->port, pw);
	rc = -1;
	if (harness_write(pg->dir, "pgpass", sql) < 0 || chmod(pg->passfile, 0600) < 0)
		goto out;
	give(pg->passfile); /* a daemon run as nobody reads it too */
	setenv("PGPASSFILE", pg->passfile, 1);
	snprintf(pg->uri, sizeof(pg->uri), "postgresql://" PG_ROLE "@127.0.0.1:%d/" PG_ROLE,
		 pg->port);
	rc = 0;
out:
	PQfinish(c);
	if (rc < 0) {
		char log[1100], *l;
		snprintf(log, sizeof(log), "%s/postgres.log", pg->dir);
		l = harness_read(log);
		fprintf(stderr, "harness_pg: start failed; server log:\n%s\n", l);
		free(l);
		harness_pg_stop(pg);
	}
	return rc;
}

int harness_pg_stop(harness_pg_t *pg)
{
	int st;

	if (pg->pid <= 0)
		return 0;
	kill(pg->pid, SIGINT); /* fast shutdown: sessions are ended, the data stays whole */
	st = harness_wait_exit(pg->pid, PG_STOP_MS);
	if (st < 0) {
		kill(pg->pid, SIGKILL);
		waitpid(pg->pid, NULL, 0);
	}
	pg->pid = 0;
	return st < 0 ? -1 : 0;
}

int harness_pg_resume(harness_pg_t *pg)
{
	char bindir[1024];

	if (pg->pid > 0 || pg_bindir(bindir, sizeof(bindir)) < 0)
		return -1;
	return postmaster(pg, bindir);
}

/* A superuser's session on blmon's database, over the server's socket, or NULL. */
static PGconn *super_db(const harness_pg_t *pg)
{
	char conninfo[1400];
	PGconn *c;

	snprintf(conninfo, sizeof(conninfo), "host=%s/sock port=%d user=postgres dbname=" PG_ROLE
		 " connect_timeout=5", pg->dir, pg->port);
	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return NULL;
	}
	return c;
}

long long harness_pg_value(const harness_pg_t *pg, const char *sql)
{
	PGconn *c = super_db(pg);
	PGresult *res;
	long long v = -1;

	if (!c)
		return -1;
	res = PQexec(c, sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	else if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "harness_pg_value: %s", PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(c);
	return v;
}

int harness_pg_exec(const harness_pg_t *pg, const char *sql)
{
	PGconn *c = super_db(pg);
	PGresult *res;
	ExecStatusType st;

	if (!c)
		return -1;
	res = PQexec(c, sql);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fprintf(stderr, "harness_pg_exec: %s", PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(c);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
}

void harness_pg_run_begin(void)
{
	char tpl[64];

	snprintf(tpl, sizeof(tpl), "/tmp/blmon-pgtpl-%d", (int)getpid());
	setenv("BLMON_PG_TEMPLATE", tpl, 1);
}

void harness_pg_run_end(void)
{
	const char *tpl = getenv("BLMON_PG_TEMPLATE");
	char *dir;

	if (!tpl || strncmp(tpl, "/tmp/blmon-pgtpl-", 17))
		return;
	dir = strdup(tpl);
	harness_tmpdir_free(dir); /* frees dir too */
}
