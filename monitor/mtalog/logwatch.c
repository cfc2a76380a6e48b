/* logwatch.c -- follows mail logs like `tail -F` (rename and copytruncate rotation) inside the daemon's loop.
 * Each file's offset and inode are saved with what its lines recorded, in one transaction.
 * A command source (journalctl -f ...) is a child whose stdout is read the same way; it has no offset. */
#include "monitor/mtalog/logwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/proc.h"
#include "lib/text.h"
#include "lib/xmalloc.h"
#include "monitor/mtalog/incident.h"
#include "monitor/mtalog/logline.h"
#include "store/store_mtalog.h"

#define READ_CHUNK 65536
#define READ_MAX (4 << 20) /* bytes per file per poll: the loop has other work */
#define READ_ROUNDS 4      /* reopenings per file per poll (rotation, truncation) */
#define CMD_BACKOFF_MAX 60 /* seconds between restarts of a command that keeps exiting */
#define CMD_STOP_MS 1000   /* SIGTERM, then SIGKILL after this long */
#define SHOWN_MAX 600      /* a path or command as logged (escaped) */

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
	const config_t *cfg;    /* borrowed */
	store_t *store;         /* borrowed: the scheduler's connection */
	incident_rules_t rules; /* from cfg */
	incident_t *inc;
	lwfile_t *files;
	size_t nfiles;
	char *buf;              /* READ_CHUNK bytes read at a time */
	logline_t *entry;       /* the line being parsed */
	unsigned long long overlong; /* lines cut to LOGLINE_MAX */
	int recorded;
	bool failed;            /* a database write failed: this poll is rolled back */
};

bool logwatch_format_valid(const char *format)
{
	return logline_format_valid(format);
}

/* A path or command for the log: it comes from the config, but may hold anything. */
static void shown_path(const lwfile_t *f, char *buf, size_t len)
{
	text_escape_term(f->path, buf, len);
}

/* A database error: logged once, and the poll's transaction is rolled back. */
static void db_failed(logwatch_t *w)
{
	log_error("logwatch: database: %s", store_error(w->store));
	w->failed = true;
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

/* Kills a command's process group (SIGTERM, SIGKILL after CMD_STOP_MS) and reaps it. */
static void cmd_stop(lwfile_t *f)
{
	char p[SHOWN_MAX];
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

/* One source per [logwatch] file, then one per command; none is open yet. */
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

/* Moves old's running child (and its partial line) into f, which runs the same command. */
static void cmd_take_over(lwfile_t *f, lwfile_t *old)
{
	char *line = f->line; /* swap the buffers: the partial line goes with the child */

	f->line = old->line;
	old->line = line;
	f->llen = old->llen;
	f->overlong = old->overlong;
	f->fd = old->fd;
	f->pid = old->pid;
	f->started = old->started;
	f->restart_at = old->restart_at;
	f->backoff = old->backoff;
	old->fd = -1;
	old->pid = 0;
	old->llen = 0;
}

void logwatch_adopt(logwatch_t *w, logwatch_t *old)
{
	if (!w || !old)
		return;
	for (size_t i = 0; i < w->nfiles; i++) {
		lwfile_t *f = &w->files[i];
		for (size_t j = 0; f->is_cmd && j < old->nfiles; j++) {
			lwfile_t *o = &old->files[j];
			if (!o->is_cmd || (o->pid <= 0 && o->fd < 0) || strcmp(o->path, f->path))
				continue;
			cmd_take_over(f, o);
			break;
		}
	}
}

logwatch_t *logwatch_new(const config_t *c, store_t *store, char *err, size_t errlen)
{
	logwatch_t *w = xcalloc(1, sizeof(*w));

	w->cfg = c;
	w->store = store;
	w->rules = (incident_rules_t){c->lw_threshold, c->lw_window_s, c->lw_quiet_s, c->retention_s};
	w->inc = incident_new(store, err, errlen);
	if (!w->inc)
		goto fail;
	w->buf = xmalloc(READ_CHUNK);
	w->entry = xmalloc(sizeof(*w->entry));
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
	free(w->buf);
	free(w->entry);
	free(w);
}

/* ---- lines ---- */

/* The line in f->line is whole: a delivery result in it is recorded. */
static void line_done(logwatch_t *w, lwfile_t *f, int64_t now)
{
	f->line[f->llen] = '\0';
	if (f->overlong)
		w->overlong++;
	if (!w->failed && logline_parse(w->cfg->logwatch_format, f->line, w->entry)) {
		if (incident_record(w->inc, &w->rules, w->entry, f->line, now) < 0)
			db_failed(w);
		else
			w->recorded++;
	}
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

/* ---- following a file ---- */

/* Where to start reading f (open, st its status) when no rotation says: the
 * saved offset while it is still this file's; the start when it was rotated
 * or truncated while blmon was not running, or appeared after blmon started;
 * the end the first time (only what is new). 0 with *start set, or -1 on a
 * database error (logged). */
static int file_start_offset(logwatch_t *w, const lwfile_t *f, const struct stat *st,
			     const char *p, int64_t *start)
{
	store_logfile_t saved;
	int rc = store_logfile_get(w->store, f->path, &saved);

	*start = 0;
	if (rc < 0) {
		log_error("logwatch: database: %s", store_error(w->store));
		return -1;
	}
	if (rc && (ino_t)saved.inode == st->st_ino && saved.offset <= st->st_size) {
		*start = saved.offset;
		log_info("logwatch: following %s from offset %lld", p, (long long)saved.offset);
	} else if (rc) {
		log_info("logwatch: %s was rotated or truncated while blmon was not running: reading "
			 "it from the start", p);
	} else if (f->warned) {
		log_info("logwatch: %s appeared: reading it from the start", p);
	} else {
		*start = st->st_size;
		log_info("logwatch: following %s from its end", p);
	}
	return 0;
}

/* Opens f->path. from_start: a new file after rotation (read it whole);
 * otherwise file_start_offset decides. f stays closed when it cannot be
 * opened (warned once) or on a database error (tried again next poll). */
static void file_open(logwatch_t *w, lwfile_t *f, bool from_start)
{
	struct stat st;
	char p[SHOWN_MAX];
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
	if (!from_start && file_start_offset(w, f, &st, p, &start) < 0) {
		close(fd);
		return;
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
}

/* Reads f into lines until its end, *total reaching READ_MAX, or a database
 * error. Returns true at the end of the file. */
static bool file_read(logwatch_t *w, lwfile_t *f, size_t *total, int64_t now)
{
	ssize_t n = 0;

	while (*total < READ_MAX && (n = read(f->fd, w->buf, READ_CHUNK)) > 0 && !w->failed) {
		feed(w, f, w->buf, (size_t)n, now);
		*total += (size_t)n;
	}
	return n == 0;
}

/* At the end of f: was it rotated (a new file at its path) or truncated
 * (copytruncate)? Returns true when there is more to read: f is then closed
 * (to be opened again from the new file's start) or rewound. */
static bool file_rotated(logwatch_t *w, lwfile_t *f, int64_t now)
{
	struct stat st;
	char p[SHOWN_MAX];

	shown_path(f, p, sizeof(p));
	if (stat(f->path, &st) < 0)
		return false; /* renamed away and not yet recreated: keep the old one */
	if (st.st_ino != f->ino || st.st_dev != f->dev) {
		if (f->llen) /* the old file's unterminated last line */
			line_done(w, f, now);
		log_info("logwatch: %s was rotated: following the new file", p);
		file_close(f);
		return true;
	}
	if (st.st_size < f->rpos) {
		log_info("logwatch: %s was truncated (copytruncate): reading it from the start", p);
		if (lseek(f->fd, 0, SEEK_SET) < 0) {
			file_close(f);
			return false;
		}
		f->off = f->rpos = 0;
		f->llen = 0;
		f->overlong = false;
		return true;
	}
	return false;
}

/* Saves f's position (in the poll's transaction) when it moved or is new. */
static void file_save(logwatch_t *w, lwfile_t *f, int64_t now)
{
	struct stat st;
	store_logfile_t pos;

	if (f->fd < 0 || f->saved == f->off || w->failed)
		return;
	if (fstat(f->fd, &st) < 0)
		st.st_size = f->rpos;
	pos = (store_logfile_t){.inode = (int64_t)f->ino, .size = (int64_t)st.st_size,
				.offset = f->off, .updated = now};
	if (store_logfile_put(w->store, f->path, &pos) < 0)
		db_failed(w);
	else
		f->saved = f->off;
}

/* Reads what was appended to a file (following rotation) and saves its position. */
static void file_follow(logwatch_t *w, lwfile_t *f, int64_t now)
{
	size_t total = 0;

	for (int round = 0; round < READ_ROUNDS && !w->failed; round++) {
		if (f->fd < 0)
			file_open(w, f, round > 0); /* after a rotation: the new file from its start */
		if (f->fd < 0)
			break;
		if (!file_read(w, f, &total, now) || w->failed)
			break; /* more to read next time, or an error */
		if (!file_rotated(w, f, now))
			break;
	}
	file_save(w, f, now);
}

/* ---- a command source ---- */

/* In the child: signals, group, stdin, stdout (the pipe's write end wfd) and
 * descriptors as every child of blmon gets them; stderr stays the daemon's, so
 * the command's complaints go to blmon's log. Never returns. */
static void cmd_child_exec(const char *cmd, int wfd, pid_t parent)
{
	if (proc_child_setup(parent, wfd, -1) < 0)
		_exit(127);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Starts f's command with its stdout on a pipe f->fd reads; on failure it is
 * tried again after the backoff. */
static void cmd_start(lwfile_t *f, int64_t now)
{
	char p[SHOWN_MAX];
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
	if (pid == 0)
		cmd_child_exec(f->path, pfd[1], parent);
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
static int cmd_read(logwatch_t *w, lwfile_t *f, int64_t now)
{
	size_t total = 0;
	ssize_t n;

	while (total < READ_MAX && !w->failed) {
		n = read(f->fd, w->buf, READ_CHUNK);
		if (n > 0) {
			feed(w, f, w->buf, (size_t)n, now);
			total += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (n < 0) {
			char p[SHOWN_MAX];
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

/* Has f's command exited? (It stays a zombie until cmd_reap.) */
static bool cmd_exited(const lwfile_t *f)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return f->pid > 0 && waitid(P_PID, (id_t)f->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       si.si_pid == f->pid;
}

/* The next wait before a restart: 1 s after a run of CMD_BACKOFF_MAX or more,
 * else doubling up to CMD_BACKOFF_MAX. */
static unsigned cmd_backoff(unsigned backoff, int64_t ran)
{
	if (ran >= CMD_BACKOFF_MAX || !backoff)
		return 1;
	return backoff * 2 > CMD_BACKOFF_MAX ? CMD_BACKOFF_MAX : backoff * 2;
}

/* f's command exited: ends what it left in its group, reaps it, reads the
 * rest of its output, and schedules the restart (logged once). */
static void cmd_reap(logwatch_t *w, lwfile_t *f, int64_t now)
{
	char p[SHOWN_MAX];
	int st;
	int64_t ran = now - f->started;

	/* what it left running in its group holds the pipe open: end it, then read the rest */
	kill(-f->pid, SIGKILL);
	while (waitpid(f->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (f->fd >= 0 && cmd_read(w, f, now))
		file_close(f); /* more than READ_MAX left over: dropped */
	if (f->llen)
		line_done(w, f, now);
	f->llen = 0;
	f->pid = 0;
	f->backoff = cmd_backoff(f->backoff, ran);
	f->restart_at = now + f->backoff;
	shown_path(f, p, sizeof(p));
	if (WIFEXITED(st))
		log_warn("logwatch: command `%s` exited with status %d after %llds; restarting it in "
			 "%us", p, WEXITSTATUS(st), (long long)ran, f->backoff);
	else
		log_warn("logwatch: command `%s` was killed by signal %d after %llds; restarting it "
			 "in %us", p, WTERMSIG(st), (long long)ran, f->backoff);
}

/* Reads what a command wrote, starting it when it is due and reaping it when it exited. */
static void cmd_follow(logwatch_t *w, lwfile_t *f, int64_t now)
{
	if (f->pid <= 0 && f->fd < 0) {
		if (now < f->restart_at)
			return;
		cmd_start(f, now);
		if (f->pid <= 0)
			return;
	}
	if (f->fd >= 0)
		cmd_read(w, f, now);
	if (cmd_exited(f))
		cmd_reap(w, f, now);
}

/* ---- one poll: one transaction ---- */

static void sources_read(logwatch_t *w, int64_t now)
{
	for (size_t i = 0; i < w->nfiles && !w->failed; i++) {
		if (w->files[i].is_cmd)
			cmd_follow(w, &w->files[i], now);
		else
			file_follow(w, &w->files[i], now);
	}
}

/* Undoes a failed poll: what was read is read again from the saved positions
 * (files; what a command wrote cannot be read again). */
static void poll_undo(logwatch_t *w)
{
	store_rollback(w->store);
	for (size_t i = 0; i < w->nfiles; i++)
		if (!w->files[i].is_cmd)
			file_close(&w->files[i]);
}

int logwatch_poll(logwatch_t *w, int64_t now)
{
	if (!w->nfiles)
		return 0;
	w->failed = false;
	w->recorded = 0;
	if (store_begin(w->store) < 0) {
		log_error("logwatch: database: %s", store_error(w->store));
		return -1;
	}
	sources_read(w, now);
	if (!w->failed && incident_tick(w->inc, &w->rules, now) < 0)
		db_failed(w);
	if (!w->failed && store_commit(w->store) < 0)
		db_failed(w);
	if (w->failed) {
		poll_undo(w);
		return -1;
	}
	return w->recorded;
}
