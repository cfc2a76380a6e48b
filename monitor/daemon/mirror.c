/* mirror.c -- Debian's rsync binary fetches each list's data feed into DIR/.staging, never over the copy in use.
 * A complete transfer becomes DIR/data.TIME and DIR/current is renamed onto it; anything less leaves the old copy. */
#include "monitor/daemon/mirror.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/proc.h"
#include "lib/text.h"
#include "lib/timefmt.h"
#include "lib/xmalloc.h"

#define PATH_BYTES 1200
#define ARGS_MAX 64
#define STOP_MS 2000          /* SIGTERM, then SIGKILL after this long */
#define LONGEST_S 3600        /* a transfer is stopped after this (or refresh) at least */
#define RETRY_MAX_S 300       /* a failed transfer is tried again within this */

/* One list's mirror. */
typedef struct {
	char *zone;             /* the list's zone as written: its identity across reloads */
	char *name;             /* for people */
	char *source;           /* rsync:// URL, or an rsync command line */
	char *dir;              /* [mirror] dir / the list's id */
	char **need;            /* the data files the list reads, relative to the copy */
	size_t nneed;
	unsigned refresh, timeout;
	pid_t pid;              /* the transfer under way, 0: none */
	int64_t started, next;
	bool stopping;          /* SIGTERM sent (it ran too long) */
	int64_t synced, failing_since;
	char error[400];
	char logged[400];       /* the last error logged: each is said once */
} mlist_t;

struct mirror {
	mlist_t *v;
	size_t n, cap;
};

/* ---- files ---- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int mkdir_p(const char *path)
{
	char buf[PATH_BYTES];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* The first line rsync wrote (its cause; the last only repeats the exit code),
 * escaped: file names on the server are not ours. */
static void first_line(const char *dir, char *out, size_t len)
{
	char path[PATH_BYTES], buf[600];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/rsync.log", dir);
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[0]) {
			text_escape_term(buf, out, len);
			break;
		}
	}
	fclose(f);
}

static const char *exit_meaning(int code)
{
	switch (code) {
	case 1: return "syntax or usage error";
	case 2: return "protocol incompatibility";
	case 3: return "errors selecting input/output files";
	case 5: return "error starting the client-server protocol";
	case 10: return "error in socket I/O";
	case 11: return "error in file I/O";
	case 12: return "error in the rsync protocol data stream";
	case 20: return "interrupted";
	case 23: return "partial transfer due to error";
	case 24: return "partial transfer: source files vanished";
	case 30: return "timeout in data send/receive";
	case 35: return "timeout waiting for the daemon connection";
	case 127: return "rsync could not be run (is it installed?)";
	}
	return "error";
}

/* ---- the mirrors of a config ---- */

/* The relative files of "TYPE:PATH,PATH" into ml->need. */
static void need_files(mlist_t *ml, const char *spec)
{
	const char *p = strchr(spec, ':');
	size_t cap = ml->nneed;

	for (p = p ? p + 1 : spec + strlen(spec); *p;) {
		size_t n = strcspn(p, ",");
		if (n && *p != '/') {
			char *f = xmalloc(n + 1);
			memcpy(f, p, n);
			f[n] = '\0';
			xgrow((void **)&ml->need, &cap, ml->nneed + 1, sizeof(*ml->need));
			ml->need[ml->nneed++] = f;
		}
		p += n + (p[n] == ',');
	}
}

mirror_t *mirror_new(const config_t *c)
{
	mirror_t *m = xcalloc(1, sizeof(*m));

	for (size_t i = 0; i < c->nrsyncs; i++) {
		const catalog_list_t *l = &c->catalog->lists[c->rsyncs[i].list];
		char dir[PATH_BYTES], cur[PATH_BYTES];
		struct stat st;
		mlist_t *ml;

		if (!l->enabled || !l->zone)
			continue;
		ml = xpush((void **)&m->v, &m->cap, &m->n, sizeof(*m->v));
		config_mirror_path(c, l, dir, sizeof(dir));
		ml->zone = xstrdup(l->zone_tmpl);
		ml->name = xstrdup(l->name);
		ml->source = xstrdup(c->rsyncs[i].value);
		ml->dir = xstrdup(dir);
		ml->refresh = c->mirror_refresh_s;
		ml->timeout = c->mirror_timeout_s;
		for (size_t k = 0; k < c->ndatasets; k++)
			if (c->datasets[k].list == c->rsyncs[i].list)
				need_files(ml, c->datasets[k].value);
		if (mkdir_p(dir) < 0)
			log_error("mirror %s: cannot make %s: %s", ml->name, dir, strerror(errno));
		/* the copy in use survives restarts: its age is when it was put in place */
		snprintf(cur, sizeof(cur), "%s/current", dir);
		if (lstat(cur, &st) == 0)
			ml->synced = (int64_t)st.st_mtim.tv_sec;
	}
	return m;
}

/* Stops ml's transfer and reaps it. */
static void stop(mlist_t *ml)
{
	if (!ml->pid)
		return;
	kill(-ml->pid, SIGTERM);
	kill(ml->pid, SIGTERM);
	for (int waited = 0; waited < STOP_MS; waited += 10) {
		if (waitpid(ml->pid, NULL, WNOHANG) == ml->pid) {
			ml->pid = 0;
			return;
		}
		usleep(10000);
	}
	kill(-ml->pid, SIGKILL);
	kill(ml->pid, SIGKILL);
	waitpid(ml->pid, NULL, 0);
	ml->pid = 0;
}

static void mlist_free(mlist_t *ml)
{
	stop(ml);
	free(ml->zone);
	free(ml->name);
	free(ml->source);
	free(ml->dir);
	for (size_t i = 0; i < ml->nneed; i++)
		free(ml->need[i]);
	free(ml->need);
}

void mirror_free(mirror_t *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		mlist_free(&m->v[i]);
	free(m->v);
	free(m);
}

void mirror_adopt(mirror_t *m, mirror_t *old)
{
	if (!old)
		return;
	for (size_t i = 0; i < m->n; i++) {
		mlist_t *ml = &m->v[i];
		for (size_t k = 0; k < old->n; k++) {
			mlist_t *o = &old->v[k];
			if (strcmp(o->zone, ml->zone) || strcmp(o->source, ml->source) ||
			    strcmp(o->dir, ml->dir))
				continue;
			ml->pid = o->pid;
			ml->started = o->started;
			ml->next = o->next;
			ml->stopping = o->stopping;
			ml->synced = o->synced;
			ml->failing_since = o->failing_since;
			memcpy(ml->error, o->error, sizeof(ml->error));
			memcpy(ml->logged, o->logged, sizeof(ml->logged));
			o->pid = 0; /* the transfer is ml's now */
		}
	}
}

/* ---- transfers ---- */

/* A transfer failed (ml->error says why): failing since now unless before, said
 * once per distinct error. */
static void failed(mlist_t *ml, int64_t now)
{
	char t[TIMEFMT_MAX] = "";

	if (!ml->failing_since)
		ml->failing_since = now;
	if (!strcmp(ml->error, ml->logged))
		return;
	if (ml->synced)
		timefmt_human(ml->synced, t);
	log_error("mirror %s: %s; %s%s", ml->name, ml->error,
		  ml->synced ? "the copy in use stays, from " : "no copy yet", t);
	snprintf(ml->logged, sizeof(ml->logged), "%s", ml->error);
}

/* rsync's arguments: for a URL, blmon's (recursive, times kept, deletions
 * followed, timeouts, unchanged files hard-linked from the copy in use); a
 * command line as written. The staging directory comes last. Returns argc. */
static int args(const mlist_t *ml, char *buf, size_t len, char **argv, const char *staging,
		const char *linkdest)
{
	int n = 0;
	size_t o = 0;

#define ARG(...)                                                                         \
	do {                                                                             \
		int w_ = snprintf(buf + o, len - o, __VA_ARGS__);                         \
		argv[n++] = buf + o;                                                     \
		o += (size_t)w_ + 1;                                                     \
	} while (0)
	if (!strncmp(ml->source, "rsync://", 8)) {
		ARG("rsync");
		ARG("-rt");
		ARG("--delete");
		ARG("--no-motd");
		ARG("--timeout=%u", ml->timeout);
		ARG("--contimeout=%u", ml->timeout);
		if (linkdest)
			ARG("--link-dest=%s/", linkdest);
		ARG("%s", ml->source);
	} else {
		const char *p = ml->source;
		while (*p && n < ARGS_MAX - 2) {
			size_t w;
			p += strspn(p, " \t");
			w = strcspn(p, " \t");
			if (w)
				ARG("%.*s", (int)w, p);
			p += w;
		}
	}
	ARG("%s/", staging);
#undef ARG
	argv[n] = NULL;
	return n;
}

static void start(mlist_t *ml, int64_t now)
{
	char staging[PATH_BYTES], cur[PATH_BYTES], logp[PATH_BYTES], buf[8192], *argv[ARGS_MAX];
	struct stat st;
	pid_t parent = getpid(), pid;
	int logfd;

	ml->next = now + (ml->refresh < RETRY_MAX_S ? ml->refresh : RETRY_MAX_S); /* if this fails */
	snprintf(staging, sizeof(staging), "%s/.staging", ml->dir);
	snprintf(cur, sizeof(cur), "%s/current", ml->dir);
	snprintf(logp, sizeof(logp), "%s/rsync.log", ml->dir);
	rm_tree(staging); /* what a failed transfer left is no copy */
	if (mkdir_p(staging) < 0) {
		snprintf(ml->error, sizeof(ml->error), "cannot make %s: %s", staging, strerror(errno));
		goto fail;
	}
	args(ml, buf, sizeof(buf), argv, staging, stat(cur, &st) == 0 ? cur : NULL);
	logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0) {
		snprintf(ml->error, sizeof(ml->error), "cannot write %s: %s", logp, strerror(errno));
		goto fail;
	}
	pid = fork();
	if (pid == 0) {
		if (proc_child_setup(parent, logfd, logfd) == 0)
			execvp(argv[0], argv);
		_exit(127);
	}
	close(logfd);
	if (pid < 0) {
		snprintf(ml->error, sizeof(ml->error), "cannot start rsync: %s", strerror(errno));
		goto fail;
	}
	setpgid(pid, pid); /* also here: whichever runs first */
	ml->pid = pid;
	ml->started = now;
	ml->stopping = false;
	log_debug("mirror %s: rsync started (pid %d)", ml->name, (int)pid);
	return;
fail:
	failed(ml, now);
}

/* Puts the complete copy in DIR/.staging in place of the one in use: renamed to
 * DIR/data.TIME, then DIR/current renamed onto a link to it (one atomic step for
 * every reader), then copies older than the previous one removed (a load still
 * reading the previous copy finds its files). 0, or -1 with ml->error. */
static int swap(mlist_t *ml, int64_t now)
{
	char staging[PATH_BYTES], gen[64], path[PATH_BYTES], tmp[PATH_BYTES], cur[PATH_BYTES];
	char prev[256] = "";
	struct stat st;
	ssize_t n;
	DIR *d;
	struct dirent *e;

	snprintf(staging, sizeof(staging), "%s/.staging", ml->dir);
	for (size_t i = 0; i < ml->nneed; i++) {
		snprintf(path, sizeof(path), "%s/%s", staging, ml->need[i]);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			snprintf(ml->error, sizeof(ml->error), "the transfer has no %s (a dataset of "
				 "the list): not put in place", ml->need[i]);
			return -1;
		}
	}
	snprintf(cur, sizeof(cur), "%s/current", ml->dir);
	if ((n = readlink(cur, prev, sizeof(prev) - 1)) > 0)
		prev[n] = '\0';
	else
		prev[0] = '\0';
	for (unsigned k = 0;; k++) {
		if (k)
			snprintf(gen, sizeof(gen), "data.%lld.%u", (long long)now, k);
		else
			snprintf(gen, sizeof(gen), "data.%lld", (long long)now);
		snprintf(path, sizeof(path), "%s/%s", ml->dir, gen);
		if (lstat(path, &st) < 0)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%s/.current.tmp", ml->dir);
	unlink(tmp);
	if (rename(staging, path) < 0 || symlink(gen, tmp) < 0 || rename(tmp, cur) < 0) {
		snprintf(ml->error, sizeof(ml->error), "cannot put the new copy in place in %s: %s",
			 ml->dir, strerror(errno));
		return -1;
	}
	if ((d = opendir(ml->dir))) {
		while ((e = readdir(d)))
			if (!strncmp(e->d_name, "data.", 5) && strcmp(e->d_name, gen) &&
			    strcmp(e->d_name, prev)) {
				snprintf(path, sizeof(path), "%s/%s", ml->dir, e->d_name);
				rm_tree(path);
			}
		closedir(d);
	}
	return 0;
}

/* A transfer ended with wait status st. Returns 1 when its copy was put in place. */
static int finished(mlist_t *ml, int st, int64_t now)
{
	char why[300];
	int64_t took = now - ml->started;

	ml->pid = 0;
	ml->next = now + (ml->refresh < RETRY_MAX_S ? ml->refresh : RETRY_MAX_S);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && swap(ml, now) == 0) {
		if (ml->failing_since)
			log_info("mirror %s: transfers work again (failing since %lld s)", ml->name,
				 (long long)(now - ml->failing_since));
		log_info("mirror %s: a complete copy is in place (transfer of %lld s)", ml->name,
			 (long long)took);
		ml->synced = now;
		ml->failing_since = 0;
		ml->error[0] = ml->logged[0] = '\0';
		ml->next = now + ml->refresh;
		return 1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		first_line(ml->dir, why, sizeof(why));
		if (WIFEXITED(st))
			snprintf(ml->error, sizeof(ml->error), "rsync exited %d (%s)%s%s",
				 WEXITSTATUS(st), exit_meaning(WEXITSTATUS(st)), why[0] ? ": " : "", why);
		else
			snprintf(ml->error, sizeof(ml->error), "rsync was stopped by signal %d after %lld s%s",
				 WTERMSIG(st), (long long)took, ml->stopping ? " (it ran too long)" : "");
	}
	{
		char staging[PATH_BYTES];
		snprintf(staging, sizeof(staging), "%s/.staging", ml->dir);
		rm_tree(staging);
	}
	failed(ml, now);
	return 0;
}

int mirror_poll(mirror_t *m, int64_t now)
{
	int swapped = 0;

	for (size_t i = 0; m && i < m->n; i++) {
		mlist_t *ml = &m->v[i];
		int64_t limit = ml->refresh > LONGEST_S ? ml->refresh : LONGEST_S;
		int st;

		if (4 * (int64_t)ml->timeout > limit)
			limit = 4 * (int64_t)ml->timeout;
		if (ml->pid) {
			pid_t r = waitpid(ml->pid, &st, WNOHANG);
			if (r == ml->pid) {
				swapped += finished(ml, st, now);
			} else if (now - ml->started > limit && !ml->stopping) {
				kill(-ml->pid, SIGTERM);
				ml->stopping = true;
			} else if (now - ml->started > limit + 10) {
				kill(-ml->pid, SIGKILL);
			}
		}
		if (!ml->pid && ml->next <= now)
			start(ml, now);
	}
	return swapped;
}

int mirror_state(const mirror_t *m, const catalog_list_t *l, mirror_state_t *out)
{
	for (size_t i = 0; m && i < m->n; i++) {
		const mlist_t *ml = &m->v[i];
		if (strcmp(ml->zone, l->zone_tmpl))
			continue;
		out->synced = ml->synced;
		out->failing_since = ml->failing_since;
		out->error = ml->error;
		out->running = ml->pid != 0;
		return 0;
	}
	return -1;
}
