/* logwatch.c -- follows mail logs like `tail -F` (rename and copytruncate rotation) inside the daemon's loop.
 * Each file's offset and inode are saved with what its lines recorded, in one transaction.
 * A command source (journalctl -f ...) is a child whose stdout is read the same way; it has no offset. */
#include "monitor/mtalog/logwatch.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/text.h"
#include "lib/xmalloc.h"
#include "monitor/mtalog/incident.h"
#include "monitor/mtalog/logline.h"
#include "lib/log.h"

#define READ_CHUNK 65536
#define READ_MAX (4 << 20) /* bytes per file per poll: the loop has other work */
#define CMD_BACKOFF_MAX 60 /* seconds between restarts of a command that keeps exiting */
#define CMD_STOP_MS 1000   /* SIGTERM, then SIGKILL after this long */

typedef struct {
	char *path;
	int fd;
	dev_t dev;
	ino_t ino;
	int64_t off;  /* just after the last complete line consumed */
	int64_t rpos; /* read position */
	int64_t saved; /* offset last saved */
	char *line;   /* the line being assembled, LOGLINE_MAX + 1 bytes */
	size_t llen;
	bool overlong;
	bool warned;
	/* a command source: path is the shell command, fd its stdout, no offset */
	bool is_cmd;
	pid_t pid;          /* 0: not running */
	int64_t started;    /* when it was started (unix seconds) */
	int64_t restart_at; /* when to start it (again) */
	unsigned backoff;   /* seconds before the next restart, 1 doubling to CMD_BACKOFF_MAX */
} lwfile_t;

struct logwatch {
	const config_t *cfg;
	sqlite3 *db;
	sqlite3_stmt *get, *put;
	incident_t *inc;
	lwfile_t *files;
	size_t nfiles;
	unsigned long long overlong; /* lines cut to LOGLINE_MAX */
	int recorded;
	bool failed;
};

bool logwatch_format_valid(const char *format)
{
	return logline_format_valid(format);
}

/* ---- lifecycle ---- */

static void file_close(lwfile_t *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->llen = 0;
	f->overlong = false;
}

static void shown_path(const lwfile_t *f, char *buf, size_t len);

/* Kills a command's process group (SIGTERM, SIGKILL after CMD_STOP_MS) and reaps it. */
static void cmd_stop(lwfile_t *f)
{
	char p[600];
	int st;

	if (f->pid > 0) {
		pid_t r = 0;
		kill(-f->pid, SIGTERM);
		kill(f->pid, SIGTERM);
		for (int waited = 0; waited < CMD_STOP_MS; waited += 10) {
			r = waitpid(f->pid, &st, WNOHANG);
			if (r == f->pid || (r < 0 && errno != EINTR))
				break;
			usleep(10000);
		}
		if (r != f->pid) {
			kill(-f->pid, SIGKILL);
			kill(f->pid, SIGKILL);
			while (waitpid(f->pid, &st, 0) < 0 && errno == EINTR)
				;
		}
		shown_path(f, p, sizeof(p));
		log_info("logwatch: stopped command `%s` (pid %d)", p, (int)f->pid);
		f->pid = 0;
	}
	file_close(f);
}

static void files_free(logwatch_t *w)
{
	for (size_t i = 0; i < w->nfiles; i++) {
		if (w->files[i].is_cmd)
			cmd_stop(&w->files[i]);
		file_close(&w->files[i]);
		free(w->files[i].path);
		free(w->files[i].line);
	}
	free(w->files);
	w->files = NULL;
	w->nfiles = 0;
}

static void files_set(logwatch_t *w)
{
	const config_t *c = w->cfg;

	files_free(w);
	w->nfiles = c->nlogfiles + c->nlogcmds;
	w->files = xcalloc(w->nfiles ? w->nfiles : 1, sizeof(*w->files));
	for (size_t i = 0; i < w->nfiles; i++) {
		lwfile_t *f = &w->files[i];
		f->is_cmd = i >= c->nlogfiles;
		f->path = xstrdup(f->is_cmd ? c->logcmds[i - c->nlogfiles].value : c->logfiles[i].value);
		f->fd = -1;
		f->saved = -1;
		f->line = xmalloc(LOGLINE_MAX + 1);
	}
}

void logwatch_adopt(logwatch_t *w, logwatch_t *old)
{
	if (!w || !old)
		return;
	for (size_t i = 0; i < w->nfiles; i++) {
		lwfile_t *f = &w->files[i];
		for (size_t j = 0; f->is_cmd && j < old->nfiles; j++) {
			lwfile_t *o = &old->files[j];
			char *line;
			if (!o->is_cmd || (o->pid <= 0 && o->fd < 0) || strcmp(o->path, f->path))
				continue;
			line = f->line; /* swap the buffers: the partial line goes with the child */
			f->line = o->line;
			o->line = line;
			f->llen = o->llen;
			f->overlong = o->overlong;
			f->fd = o->fd;
			f->pid = o->pid;
			f->started = o->started;
			f->restart_at = o->restart_at;
			f->backoff = o->backoff;
			o->fd = -1;
			o->pid = 0;
			o->llen = 0;
			break;
		}
	}
}

logwatch_t *logwatch_new(const config_t *c, char *err, size_t errlen)
{
	logwatch_t *w = xcalloc(1, sizeof(*w));

	w->cfg = c;
	if (sqlite3_open_v2(c->database, &w->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", c->database, w->db ? sqlite3_errmsg(w->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(w->db, 5000);
	if (sqlite3_prepare_v2(w->db, "SELECT inode, \"offset\" FROM logwatch_files WHERE path = ?1",
			       -1, &w->get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(w->db, "INSERT OR REPLACE INTO logwatch_files (path, inode, size, "
			       "\"offset\", updated) VALUES (?1, ?2, ?3, ?4, ?5)",
			       -1, &w->put, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: logwatch: %s", c->database, sqlite3_errmsg(w->db));
		goto fail;
	}
	w->inc = incident_new(w->db, err, errlen);
	if (!w->inc)
		goto fail;
	files_set(w);
	return w;
fail:
	logwatch_free(w);
	return NULL;
}

void logwatch_free(logwatch_t *w)
{
	if (!w)
		return;
	files_free(w);
	incident_free(w->inc);
	sqlite3_finalize(w->get);
	sqlite3_finalize(w->put);
	sqlite3_close(w->db);
	free(w);
}

/* ---- following a file ---- */

static void shown_path(const lwfile_t *f, char *buf, size_t len)
{
	text_escape_term(f->path, buf, len);
}

/* Opens f->path. from_start: a new file after rotation (read it whole);
 * otherwise the saved position decides, or the end for a file never seen. */
static void file_open(logwatch_t *w, lwfile_t *f, bool from_start, int64_t now)
{
	struct stat st;
	char p[600];
	int64_t start = 0;
	int fd;

	shown_path(f, p, sizeof(p));
	fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (!f->warned)
			log_warn("logwatch: %s: %s (waiting for it to appear)", p, strerror(errno));
		f->warned = true;
		if (fd >= 0)
			close(fd);
		return;
	}
	if (!from_start) {
		int rc;
		sqlite3_reset(w->get);
		sqlite3_bind_text(w->get, 1, f->path, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(w->get);
		if (rc == SQLITE_ROW) {
			int64_t ino = sqlite3_column_int64(w->get, 0), off = sqlite3_column_int64(w->get, 1);
			if ((ino_t)ino == st.st_ino && off <= st.st_size) {
				start = off;
				log_info("logwatch: following %s from offset %lld", p, (long long)off);
			} else {
				log_info("logwatch: %s was rotated or truncated while blmon was not "
					 "running: reading it from the start", p);
			}
		} else if (rc == SQLITE_DONE && f->warned) {
			log_info("logwatch: %s appeared: reading it from the start", p);
		} else if (rc == SQLITE_DONE) {
			start = st.st_size; /* first run: only what is new */
			log_info("logwatch: following %s from its end", p);
		} else {
			log_error("logwatch: database: %s", sqlite3_errmsg(w->db));
			close(fd);
			sqlite3_reset(w->get);
			return;
		}
		sqlite3_reset(w->get);
	}
	if (lseek(fd, start, SEEK_SET) < 0) {
		log_warn("logwatch: %s: %s", p, strerror(errno));
		close(fd);
		return;
	}
	f->warned = false;
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->off = f->rpos = start;
	f->saved = -1; /* save the (new) inode now */
	f->llen = 0;
	f->overlong = false;
	(void)now;
}

static void line_done(logwatch_t *w, lwfile_t *f, int64_t now)
{
	logline_t *e = xmalloc(sizeof(*e));

	f->line[f->llen] = '\0';
	if (f->overlong)
		w->overlong++;
	if (!w->failed && logline_parse(w->cfg->logwatch_format, f->line, e)) {
		incident_rules_t r = {w->cfg->lw_threshold, w->cfg->lw_window_s, w->cfg->lw_quiet_s,
				      w->cfg->retention_s};
		if (incident_record(w->inc, &r, e, f->line, now) < 0)
			w->failed = true;
		else
			w->recorded++;
	}
	free(e);
	f->llen = 0;
	f->overlong = false;
}

/* Feeds n bytes read at f->rpos into lines. */
static void feed(logwatch_t *w, lwfile_t *f, const char *buf, size_t n, int64_t now)
{
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(buf + i, '\n', n - i);
		size_t seg = nl ? (size_t)(nl - (buf + i)) : n - i;
		size_t room = LOGLINE_MAX - f->llen;
		size_t take = seg < room ? seg : room;

		for (size_t k = 0; k < take; k++) /* a NUL would end the line early */
			f->line[f->llen + k] = buf[i + k] ? buf[i + k] : ' ';
		f->llen += take;
		if (take < seg)
			f->overlong = true;
		i += seg;
		if (nl) {
			i++;
			if (f->llen && f->line[f->llen - 1] == '\r')
				f->llen--;
			line_done(w, f, now);
			f->off = f->rpos + (int64_t)i;
		}
	}
	f->rpos += (int64_t)n;
}

static void save(logwatch_t *w, lwfile_t *f, int64_t now)
{
	struct stat st;

	if (f->is_cmd || f->fd < 0 || f->saved == f->off || w->failed)
		return;
	if (fstat(f->fd, &st) < 0)
		st.st_size = f->rpos;
	sqlite3_reset(w->put);
	sqlite3_bind_text(w->put, 1, f->path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(w->put, 2, (int64_t)f->ino);
	sqlite3_bind_int64(w->put, 3, (int64_t)st.st_size);
	sqlite3_bind_int64(w->put, 4, f->off);
	sqlite3_bind_int64(w->put, 5, now);
	if (sqlite3_step(w->put) != SQLITE_DONE) {
		log_error("logwatch: database: %s", sqlite3_errmsg(w->db));
		w->failed = true;
	} else {
		f->saved = f->off;
	}
	sqlite3_reset(w->put);
}

static void follow(logwatch_t *w, lwfile_t *f, int64_t now)
{
	char *buf = xmalloc(READ_CHUNK), p[600];
	size_t total = 0;

	for (int round = 0; round < 4 && !w->failed; round++) {
		struct stat st;
		ssize_t n = 0;

		if (f->fd < 0)
			file_open(w, f, round > 0, now);
		if (f->fd < 0)
			break;
		while (total < READ_MAX && (n = read(f->fd, buf, READ_CHUNK)) > 0 && !w->failed) {
			feed(w, f, buf, (size_t)n, now);
			total += (size_t)n;
		}
		if (n != 0 || w->failed)
			break; /* more to read next time, or an error */
		/* at the end of what we have: was the file rotated? */
		shown_path(f, p, sizeof(p));
		if (stat(f->path, &st) < 0)
			break; /* renamed away and not yet recreated: keep the old one */
		if (st.st_ino != f->ino || st.st_dev != f->dev) {
			if (f->llen) /* the old file's unterminated last line */
				line_done(w, f, now);
			log_info("logwatch: %s was rotated: following the new file", p);
			file_close(f);
			continue; /* round > 0 opens it from its start */
		}
		if (st.st_size < f->rpos) {
			log_info("logwatch: %s was truncated (copytruncate): reading it from the start", p);
			if (lseek(f->fd, 0, SEEK_SET) < 0) {
				file_close(f);
				break;
			}
			f->off = f->rpos = 0;
			f->llen = 0;
			f->overlong = false;
			continue;
		}
		break;
	}
	save(w, f, now);
	free(buf);
}

/* ---- a command source ---- */

/* In the child, between fork and exec: async-signal-safe calls only. */
static void cmd_child_close_from(int lowfd)
{
	struct rlimit rl;
	long max = 65536;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0U) == 0)
		return;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (long)rl.rlim_cur < max)
		max = (long)rl.rlim_cur;
	for (long fd = lowfd; fd < max; fd++)
		close((int)fd);
}

static void cmd_start(lwfile_t *f, int64_t now)
{
	char p[600];
	int pfd[2];
	pid_t parent = getpid(), pid;

	shown_path(f, p, sizeof(p));
	f->restart_at = now + (f->backoff ? f->backoff : 1); /* in case this fails */
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		log_error("logwatch: command `%s`: pipe: %s", p, strerror(errno));
		return;
	}
	pid = fork();
	if (pid < 0) {
		log_error("logwatch: command `%s`: fork: %s", p, strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (pid == 0) {
		struct sigaction sa;
		sigset_t none;
		int nul;

		/* ignored signals (SIGPIPE, SIGXFSZ) and the mask survive exec: undo them */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGPIPE, &sa, NULL);
		sigaction(SIGXFSZ, &sa, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0); /* its own group: stopping it stops its children too */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127); /* blmon died before prctl */
		if (pfd[1] == STDOUT_FILENO)
			fcntl(pfd[1], F_SETFD, 0);
		else if (dup2(pfd[1], STDOUT_FILENO) < 0)
			_exit(127);
		nul = open("/dev/null", O_RDONLY);
		if (nul < 0 || (nul != STDIN_FILENO && dup2(nul, STDIN_FILENO) < 0))
			_exit(127);
		/* stderr stays the daemon's: the command's complaints go to blmon's log */
		cmd_child_close_from(STDERR_FILENO + 1);
		execl("/bin/sh", "sh", "-c", f->path, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid); /* also here: whichever runs first */
	close(pfd[1]);
	if (fcntl(pfd[0], F_SETFL, O_NONBLOCK) < 0)
		log_warn("logwatch: command `%s`: %s", p, strerror(errno));
	f->fd = pfd[0];
	f->pid = pid;
	f->started = now;
	f->llen = 0;
	f->overlong = false;
	log_info("logwatch: started command `%s` (pid %d); a stream has no offset: lines written "
		 "while blmon was not running are not read", p, (int)pid);
}

/* Reads what the command wrote. Returns 0 at EOF (or an error), 1 otherwise. */
static int cmd_read(logwatch_t *w, lwfile_t *f, char *buf, int64_t now)
{
	size_t total = 0;
	ssize_t n;

	while (total < READ_MAX && !w->failed) {
		n = read(f->fd, buf, READ_CHUNK);
		if (n > 0) {
			feed(w, f, buf, (size_t)n, now);
			total += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (n < 0) {
			char p[600];
			shown_path(f, p, sizeof(p));
			log_warn("logwatch: command `%s`: read: %s", p, strerror(errno));
		}
		if (f->llen) /* an unterminated last line */
			line_done(w, f, now);
		file_close(f);
		return 0;
	}
	return 1;
}

static void follow_cmd(logwatch_t *w, lwfile_t *f, int64_t now)
{
	char *buf, p[600];
	siginfo_t si;

	if (f->pid <= 0 && f->fd < 0) {
		if (now < f->restart_at)
			return;
		cmd_start(f, now);
		if (f->pid <= 0)
			return;
	}
	buf = xmalloc(READ_CHUNK);
	if (f->fd >= 0)
		cmd_read(w, f, buf, now);
	memset(&si, 0, sizeof(si));
	if (f->pid > 0 && waitid(P_PID, (id_t)f->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	    si.si_pid == f->pid) {
		int st;
		int64_t ran = now - f->started;

		/* what it left running in its group holds the pipe open: end it, then read the rest */
		kill(-f->pid, SIGKILL);
		while (waitpid(f->pid, &st, 0) < 0 && errno == EINTR)
			;
		if (f->fd >= 0 && cmd_read(w, f, buf, now))
			file_close(f); /* more than READ_MAX left over: dropped */
		if (f->llen)
			line_done(w, f, now);
		f->llen = 0;
		f->pid = 0;
		f->backoff = ran >= CMD_BACKOFF_MAX || !f->backoff
				     ? 1
				     : (f->backoff * 2 > CMD_BACKOFF_MAX ? CMD_BACKOFF_MAX : f->backoff * 2);
		f->restart_at = now + f->backoff;
		shown_path(f, p, sizeof(p));
		if (WIFEXITED(st))
			log_warn("logwatch: command `%s` exited with status %d after %llds; restarting "
				 "it in %us", p, WEXITSTATUS(st), (long long)ran, f->backoff);
		else
			log_warn("logwatch: command `%s` was killed by signal %d after %llds; "
				 "restarting it in %us", p, WTERMSIG(st), (long long)ran, f->backoff);
	}
	free(buf);
}

int logwatch_poll(logwatch_t *w, int64_t now)
{
	incident_rules_t r = {w->cfg->lw_threshold, w->cfg->lw_window_s, w->cfg->lw_quiet_s,
			      w->cfg->retention_s};

	if (!w->nfiles)
		return 0;
	w->failed = false;
	w->recorded = 0;
	if (sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		log_error("logwatch: database: %s", sqlite3_errmsg(w->db));
		return -1;
	}
	for (size_t i = 0; i < w->nfiles && !w->failed; i++) {
		if (w->files[i].is_cmd)
			follow_cmd(w, &w->files[i], now);
		else
			follow(w, &w->files[i], now);
	}
	if (!w->failed && incident_tick(w->inc, &r, now) < 0)
		w->failed = true;
	if (w->failed || sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		if (!w->failed)
			log_error("logwatch: database: %s", sqlite3_errmsg(w->db));
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
		/* what was read is read again from the saved positions (files; what a
		 * command wrote cannot be read again) */
		for (size_t i = 0; i < w->nfiles; i++)
			if (!w->files[i].is_cmd)
				file_close(&w->files[i]);
		return -1;
	}
	return w->recorded;
}
