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

/* Starts tests/httpfixture.py (found under $BLMON_ROOT, default ".") with
 * python3 on 127.0.0.1 at a free port, serving the files of dir; see the
 * script for its misbehaving paths (/500, /close/NAME, /slow, /endless). Waits
 * until it listens. Stop it with harness_server_stop. Returns 0 or -1. */
int harness_http_start(harness_server_t *s, const char *dir);

/* Starts tests/hostiledns.py, a DNS server on 127.0.0.1 (UDP and TCP) that
 * answers the zone hostile.test in every broken way the script lists, in dir
 * (its queries.log). Stop it with harness_server_stop. Returns 0 or -1. */
int harness_hostile_dns_start(harness_server_t *s, const char *dir);

/* A UDP socket bound on 127.0.0.1 that never answers (a dead resolver that
 * still has its port open). Returns the fd and sets *port. */
int harness_silent_udp(int *port);

/* A free UDP port on 127.0.0.1 with nothing listening (connection refused). */
int harness_closed_port(void);

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

/* Starts tests/smtpsink.py (aiosmtpd, Debian's python3-aiosmtpd) on 127.0.0.1
 * at port (0: a free one), writing each accepted message to dir as mail-N.eml
 * (N from 1) with its envelope in mail-N.env. auth "USER:PASSWORD" requires
 * that login (NULL: no AUTH). Waits until it accepts connections; s->port is
 * its port. Stop it with harness_server_stop. Returns 0 or -1. */
int harness_smtp_start(harness_server_t *s, const char *dir, int port, const char *auth);

/* Fills a typed answer from codes written as JSON ("[\"127.0.0.2\"]") and one TXT
 * record (NULL: none), as the scheduler would store them. */
void harness_answer(void *answer, const char *codes_json, const char *txt);

#endif
