/* harness.h -- what the integration tests need: real servers on loopback, and blmon run as a process.
 * Every server started here dies with the test process (PR_SET_PDEATHSIG), even on a crash. */
#ifndef BLMON_HARNESS_H
#define BLMON_HARNESS_H

#include <cJSON.h>
#include <stdbool.h>
#include <sys/types.h>

/* A scratch directory, removed by harness_tmpdir_free. Caller owns the path. */
char *harness_tmpdir(void);
void harness_tmpdir_free(char *dir);

/* Writes text to dir/name. Returns 0 or -1. */
int harness_write(const char *dir, const char *name, const char *text);
/* `promtool check metrics` (Prometheus's own reading of the text format) on text, written to
 * dir/metrics.txt: 0 when it passes, -1 otherwise (its complaints on stderr). */
int harness_promtool_metrics(const char *dir, const char *text);

typedef struct {
	pid_t pid;
	int port;
	char *dir;
} harness_server_t;

/* Starts rbldnsd on 127.0.0.1 at a free port serving zone specs
 * ("zone:type:file", files relative to dir), NULL-terminated. Waits until it
 * answers. Returns 0 or -1. */
int harness_rbldnsd_start(harness_server_t *s, const char *dir, const char *const *zones);
void harness_server_stop(harness_server_t *s);

/* Starts `rsync --daemon` on 127.0.0.1 at a free port with a config of its own
 * in dir (rsyncd.conf: no chroot, running as the test's user, its log in
 * rsyncd.log) serving modules, given in rsyncd.conf syntax ("[feed]\npath =
 * /x\n..."). Waits until it accepts connections. Stop it with
 * harness_server_stop. Returns 0 or -1. */
int harness_rsyncd_start(harness_server_t *s, const char *dir, const char *modules);

/* Starts tests/httpfixture.py (found under $BLMON_ROOT, default ".") with
 * python3 on 127.0.0.1 at a free port, serving the files of dir; see the
 * script for its misbehaving paths (/500, /close/NAME, /slow, /endless). Waits
 * until it listens. Stop it with harness_server_stop. Returns 0 or -1. */
int harness_http_start(harness_server_t *s, const char *dir);

/* Starts tests/hostiledns.py, a DNS server on 127.0.0.1 (UDP and TCP) that
 * answers the zone hostile.test in every broken way the script lists, in dir
 * (its queries.log). Stop it with harness_server_stop. Returns 0 or -1. */
int harness_hostile_dns_start(harness_server_t *s, const char *dir);

/* What the HTTP fixture s logged about the requests it received (its
 * DIR/requests.log, one line per GET; empty when none came). Caller frees. */
char *harness_http_requests(const harness_server_t *s);

/* A UDP socket bound on 127.0.0.1 that never answers (a dead resolver that
 * still has its port open). Returns the fd and sets *port. */
int harness_silent_udp(int *port);

/* A free UDP port on 127.0.0.1 with nothing listening (connection refused). */
int harness_closed_port(void);

/* A DNS engine (checks/dnsbl.h) asking only 127.0.0.1:port, 20 queries at a
 * time, timeout_ms per try. Returns NULL with a message in err. Caller owns
 * the result; free with dnsbl_free. */
struct dnsbl *harness_dnsbl_new(int port, int timeout_ms, int tries, char *err, size_t errlen);

/* Result of running blmon. */
typedef struct {
	int status;  /* exit status, or 128+signal */
	char *out;   /* stdout, NUL-terminated (caller frees via harness_run_free) */
	char *err;   /* stderr */
} harness_run_t;

/* Runs $BLMON_BIN with args (NULL-terminated, not including argv[0]), no
 * stdin, killing it after timeout_s. Returns 0 or -1 if it could not start. */
int harness_run(harness_run_t *r, int timeout_s, const char *const *args);
void harness_run_free(harness_run_t *r);

/* Validates json against schemas/NAME with ajv (node). Returns ajv's exit
 * status (0 = valid); its messages go to stderr. */
int harness_schema_valid(const char *schema, const char *json);

/* Shortcuts into cJSON trees; NULL when absent. */
cJSON *harness_target(cJSON *doc, const char *target);
cJSON *harness_result(cJSON *target, const char *zone);
const char *harness_str(cJSON *obj, const char *key);

/* As harness_rbldnsd_start, with rbldnsd's default answer TTL set (e.g. "1"). */
int harness_rbldnsd_start_ttl(harness_server_t *s, const char *dir, const char *const *zones,
			      const char *ttl);

/* Rewrites a zone file so rbldnsd (checking every second) reloads it. */
int harness_write_zone(const char *dir, const char *name, const char *text);

/* Starts $BLMON_BIN with args in the background, stdout and stderr appended
 * to logpath; it dies with the test. Returns its pid. */
pid_t harness_blmon_start(const char *const *args, const char *logpath);

/* Starts argv (argv[0] looked up in PATH) in the background, stdout and
 * stderr appended to logpath; it dies with the test. Returns its pid. */
pid_t harness_start(const char *const *argv, const char *logpath);

/* Waits up to timeout_ms for pid to exit: its exit status, 128+signal, or -1
 * if it is still running. */
int harness_wait_exit(pid_t pid, int timeout_ms);

/* A TCP port on 127.0.0.1 that was free a moment ago (for [http] listen). */
int harness_free_tcp_port(void);

/* The first column of the first row of sql on the daemon's database db,
 * read-only as the web reads it; -1 when it cannot be read. */
long long harness_db_value(const char *db, const char *sql);
/* Polls until sql gives want, for up to ms milliseconds. */
bool harness_db_wait(const char *db, const char *sql, long long want, int ms);

/* SIGTERM to a daemon started by harness_blmon_start, then its exit status
 * within timeout_ms (-1 if still running); *pid is reset to 0. */
int harness_blmon_stop(pid_t *pid, int timeout_ms);
/* For teardown: SIGKILL and reap *pid if it is set; *pid is reset to 0. */
void harness_blmon_kill(pid_t *pid);

/* The whole file as a string (empty when missing). Caller frees. */
char *harness_read(const char *path);

/* How many times needle occurs in text, not overlapping (0 for an empty needle). */
int harness_count(const char *text, const char *needle);

/* Starts Debian's prometheus on 127.0.0.1 at a free port (s->port), its data
 * in dir/prometheus, scraping http://127.0.0.1:target_port/metrics as job
 * "blmon" every second. Waits until /-/ready answers. Stop it with
 * harness_server_stop. Returns 0 or -1. */
int harness_prometheus_start(harness_server_t *s, const char *dir, int target_port);

/* Starts tests/smtpsink.py (aiosmtpd, Debian's python3-aiosmtpd) on 127.0.0.1
 * at port (0: a free one), writing each accepted message to dir as mail-N.eml
 * (N from 1) with its envelope in mail-N.env. auth "USER:PASSWORD" requires
 * that login (NULL: no AUTH). Waits until it accepts connections; s->port is
 * its port. Stop it with harness_server_stop. Returns 0 or -1. */
int harness_smtp_start(harness_server_t *s, const char *dir, int port, const char *auth);

/* How many messages the SMTP sink wrote to dir: mail-1.eml up to the first
 * number missing. A message counted is whole (the sink renames it into place
 * before it answers 250). */
int harness_smtp_mails(const char *dir);
/* Message n (from 1) as the sink wrote it to dir; empty when missing. Caller frees. */
char *harness_smtp_mail(const char *dir, int n);

/* Fills a typed answer from codes written as JSON ("[\"127.0.0.2\"]") and one TXT
 * record (NULL: none), as the scheduler would store them. */
void harness_answer(void *answer, const char *codes_json, const char *txt);

/* ---- PostgreSQL (tests/harness_pg.c) ----
 *
 * A server of Debian's postgresql in DIR/pg, listening on 127.0.0.1 at a free port (and a
 * socket in DIR/pg/sock), run as nobody when the tests run as root; it dies with the test
 * (the parent-death signal), and harness_pg_stop stops it cleanly. initdb runs once per test
 * run: each server starts from a copy of that cluster. blmon's role and database are both
 * "blmon"; the role's password (random per server) is in a libpq password file that
 * PGPASSFILE names for the test and every process it starts. */
typedef struct {
	pid_t pid;          /* the postmaster; 0 when stopped */
	int port;
	char dir[1024];     /* DIR/pg: data/, sock/, postgres.log, pgpass */
	char uri[1200];     /* postgresql://blmon@127.0.0.1:PORT/blmon: give it to `database =` */
	char passfile[1100];
	char password[40];  /* the role's password, to look for where it must never appear */
} harness_pg_t;

/* Starts a server and makes the role and the database. 0, or -1 (said on stderr). */
int harness_pg_start(harness_pg_t *pg, const char *dir);
/* Stops it (fast shutdown: sessions end, the data stays); 0 when none runs. Its data and
 * port stay for harness_pg_resume: a database that goes away for a while. */
int harness_pg_stop(harness_pg_t *pg);
int harness_pg_resume(harness_pg_t *pg);
/* As the superuser on blmon's database: the first column of the first row of sql (-1 when
 * none or on error), or sql run for its effect (0 or -1). */
long long harness_pg_value(const harness_pg_t *pg, const char *sql);
int harness_pg_exec(const harness_pg_t *pg, const char *sql);
/* The test runner's: where the run's initdb template lives, and its removal at the end. */
void harness_pg_run_begin(void);
void harness_pg_run_end(void);

/* ---- the daemon under test: one fixture for `blmon run` ----
 *
 * A test that runs the daemon keeps one harness_daemon_t: its scratch files
 * (config, database, log) in the test's directory and its process. The waits
 * below poll for an event -- a database row, a finished cycle, a log line, a
 * mail at the SMTP sink -- and return as soon as it happens; a test never
 * sleeps a fixed time. A wait also returns false at once when the daemon
 * has exited. Typical use:
 *
 *	harness_daemon_init(&d, dir);                       (in the suite's init)
 *	harness_daemon_config(&d, "[monitor]\ndatabase = %s\n...", d.db);
 *	cr_assert_eq(harness_daemon_start(&d), 0);
 *	if (!harness_daemon_wait(&d, "SELECT count(*) FROM events", 2, 5000))
 *		harness_daemon_fail(&d, "first events not recorded");
 *	cr_assert_eq(harness_daemon_stop(&d, 1500), 0);
 *	harness_daemon_kill(&d);                            (in the suite's fini)
 */
/* Tests read the fields; only the harness_daemon_* functions write them. */
typedef struct {
	char conf[1024]; /* DIR/blmon.conf, written by harness_daemon_config */
	char db[1024];   /* DIR/blmon.db: give it to the config's `database =` */
	char log[1024];  /* DIR/blmon.log: stdout and stderr, appended over restarts */
	pid_t pid;       /* the running daemon (for kill(2), prlimit(2)); 0 when none */
	bool exited;     /* a wait saw it exit by itself (pid is reaped, not reset) */
	int status;      /* then its exit status, or 128+signal */
	const char *user; /* set by the test: run as this user (setpriv) when the tests run
			     as root, for file modes to count; NULL: as the test */
} harness_daemon_t;

/* Names the fixture's files in dir (copied: dir is borrowed for the call
 * only); no daemon runs yet. Nothing to free: harness_daemon_kill is the
 * teardown. */
void harness_daemon_init(harness_daemon_t *d, const char *dir);

/* Writes the config file from a printf format (replacing it: write, then
 * SIGHUP d->pid, is a reload). Returns 0 or -1. */
int harness_daemon_config(harness_daemon_t *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Starts `blmon run -c CONF` in the background (harness_blmon_start); it
 * dies with the test. Returns 0, or -1 when one is already running or it
 * could not be started. */
int harness_daemon_start(harness_daemon_t *d);

/* SIGTERM, then waits up to timeout_ms for the exit: its exit status
 * (128+signal), or -1 when it did not exit in time (it is SIGKILLed then) or
 * none was started. An exit a wait already saw is returned as it was.
 * d->pid is 0 afterwards. */
int harness_daemon_stop(harness_daemon_t *d, int timeout_ms);

/* Teardown: SIGKILL and reap the daemon if one runs; safe to call at any
 * time, also when none was started or it already stopped. */
void harness_daemon_kill(harness_daemon_t *d);

/* Whether the daemon is still running (reaps it and records its status when
 * it has exited). */
bool harness_daemon_running(harness_daemon_t *d);

/* The first column of the first row of sql on the daemon's database, read
 * only, as the web reads it; -1 when it cannot be read (e.g. not created yet). */
long long harness_daemon_value(harness_daemon_t *d, const char *sql);

/* Polls until sql gives want, for up to ms milliseconds. false on timeout or
 * when the daemon exited first. */
bool harness_daemon_wait(harness_daemon_t *d, const char *sql, long long want, int ms);

/* Waits until n MORE check cycles have finished (cycles.ended set) than had
 * when called -- "a few cycles passed", without sleeping. A cycle commits its
 * events before it is marked ended, so after this returns everything those
 * cycles wrote can be read. A cycle running at the call counts as one of the
 * n: n = 2 guarantees one whole cycle that started after the call. Called
 * right after harness_daemon_start, it counts that run's cycles (one more if
 * the first was already over at the call: never fewer). */
bool harness_daemon_cycles(harness_daemon_t *d, int n, int ms);

/* Waits until the daemon's log contains text (at least n times for the _n
 * form; the log is kept over restarts, so count what came before). */
bool harness_daemon_wait_log(harness_daemon_t *d, const char *text, int ms);
bool harness_daemon_wait_log_n(harness_daemon_t *d, const char *text, int n, int ms);

/* Waits until the SMTP sink's dir holds at least n messages
 * (harness_smtp_mails): a mail the daemon sent has arrived. */
bool harness_daemon_wait_mails(harness_daemon_t *d, const char *dir, int n, int ms);

/* GET http://127.0.0.1:port/path: the body (malloc'd, caller frees; "" when
 * empty) with *status set to the HTTP status, or NULL when no answer came
 * (*status 0). */
char *harness_http_get(int port, const char *path, long *status);
/* The same with "Authorization: Bearer token" ([http] token); token NULL: none. */
char *harness_http_get_auth(int port, const char *path, const char *token, long *status);

/* Polls GET path on the daemon's HTTP port until it answers status with a body
 * containing needle (NULL: any body). */
bool harness_daemon_wait_http(harness_daemon_t *d, int port, const char *path, long status,
			      const char *needle, int ms);

/* Fails the test (cr_assert_fail) with the caller's file and line, what, the
 * daemon's exit status if it exited, and its whole log. Does not return. */
#define harness_daemon_fail(d, what) harness_daemon_fail_at((d), (what), __FILE__, __LINE__)
void harness_daemon_fail_at(harness_daemon_t *d, const char *what, const char *file, int line)
	__attribute__((noreturn));

#endif
