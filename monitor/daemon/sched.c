/* sched.c -- the daemon's loop: a cycle when a list is due, the mail log and alerts between, reload.
 * Owns the config, the engine and the writing store connection; a cycle itself is cycle.c's. */
#include "monitor/daemon/sched.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/xmalloc.h"
#include "monitor/daemon/cycle.h"
#include "monitor/daemon/daemon.h"

/* ---- lifecycle ---- */

/* Loads path and refuses what the daemon cannot run (config_runnable, query
 * budgets unless budget = warn). */
static int load(const char *path, config_t **out, int *code, char *err, size_t errlen)
{
	char report[4096];
	config_t *c;

	*code = 2;
	if (config_load(path, &c, err, errlen) < 0)
		return -1;
	if (config_runnable(c, err, errlen) < 0)
		goto refuse;
	if (config_budget_check(c, report, sizeof(report)) > 0) {
		if (!c->budget_warn) {
			snprintf(err, errlen, "%s\n(set budget = warn in [monitor] to run anyway)", report);
			goto refuse;
		}
		log_warn("%s", report);
	}
	*out = c;
	return 0;
refuse:
	config_free(c);
	return -1;
}

static void set_lists(sched_t *s)
{
	free(s->next_due);
	s->next_due = xcalloc(s->cfg->catalog->n, sizeof(*s->next_due)); /* all due now */
}

sched_t *sched_new(const char *config_path, volatile sig_atomic_t *stop, int *code, char *err,
		   size_t errlen)
{
	sched_t *s = xcalloc(1, sizeof(*s));

	pthread_mutex_init(&s->problem_lock, NULL);
	s->path = xstrdup(config_path);
	s->stop = stop;
	if (load(config_path, &s->cfg, code, err, errlen) < 0)
		goto fail;
	*code = 1;
	s->store = store_open_db(&(store_db_t){s->cfg->database, s->cfg->database_password_file},
				 STORE_RW, err, errlen);
	if (!s->store)
		goto fail;
	s->dns = config_engine(s->cfg, stop, err, errlen);
	if (!s->dns) {
		*code = 2;
		goto fail;
	}
	s->rng = (unsigned)time(NULL) ^ (unsigned)getpid();
	s->hood = neighbourhood_new();
	s->snds = snds_watch_new();
	s->alert = alert_new(s->cfg, s->store, stop, err, errlen);
	if (!s->alert)
		goto fail;
	s->lw = logwatch_new(s->cfg, s->store, err, errlen);
	if (!s->lw)
		goto fail;
	set_lists(s);
	return s;
fail:
	sched_free(s);
	return NULL;
}

void sched_problem_set(struct sched *s, const char *problem)
{
	pthread_mutex_lock(&s->problem_lock);
	snprintf(s->problem, sizeof(s->problem), "%s", problem ? problem : "");
	pthread_mutex_unlock(&s->problem_lock);
}

int sched_problem(sched_t *s, char *buf, size_t len)
{
	int have;

	pthread_mutex_lock(&s->problem_lock);
	have = s->problem[0] != '\0';
	snprintf(buf, len, "%s", s->problem);
	pthread_mutex_unlock(&s->problem_lock);
	return have;
}

void sched_on_reload(sched_t *s, void (*fn)(void *ud), void *ud)
{
	s->on_reload = fn;
	s->on_reload_ud = ud;
}

void sched_set_notify(sched_t *s, sdnotify_t *n)
{
	s->notify = n;
}

void sched_free(sched_t *s)
{
	if (!s)
		return;
	logwatch_free(s->lw);
	alert_free(s->alert);
	dnsbl_free(s->dns);
	neighbourhood_free(s->hood);
	snds_watch_free(s->snds);
	store_close(s->store);
	config_free(s->cfg);
	free(s->next_due);
	free(s->path);
	pthread_mutex_destroy(&s->problem_lock);
	free(s);
}

static void reload(sched_t *s)
{
	config_t *c = NULL;
	dnsbl_t *d;
	char err[8192];
	int code;

	if (load(s->path, &c, &code, err, sizeof(err)) < 0) {
		log_error("reload of %s refused, still running the previous config:\n%s", s->path, err);
		return;
	}
	if (strcmp(c->database, s->cfg->database)) {
		log_warn("reload: database changes need a restart; still using %s", s->cfg->database);
		free(c->database);
		c->database = xstrdup(s->cfg->database);
	}
	d = config_engine(c, s->stop, err, sizeof(err));
	if (!d) {
		log_error("reload refused: %s", err);
		config_free(c);
		return;
	}
	dnsbl_free(s->dns);
	s->dns = d;
	config_free(s->cfg);
	s->cfg = c;
	set_lists(s);
	alert_set_config(s->alert, s->cfg);
	{
		/* files may have changed: positions are in the database, nothing is lost;
		 * removed commands are killed */
		logwatch_t *lw = logwatch_new(s->cfg, s->store, err, sizeof(err));
		if (lw) {
			logwatch_adopt(lw, s->lw); /* unchanged commands keep running */
			logwatch_free(s->lw);
			s->lw = lw;
		} else {
			log_error("reload: logwatch: %s", err);
			logwatch_free(s->lw);
			s->lw = NULL;
		}
	}
	log_info("reloaded %s: %zu target entries", s->path, c->ntargets);
	if (s->on_reload)
		s->on_reload(s->on_reload_ud);
}

int sched_run(sched_t *s, volatile sig_atomic_t *reload_flag, unsigned max_cycles)
{
	volatile sig_atomic_t *stop = s->stop;
	unsigned cycles = 0;

	log_info("blmon running: %zu target entries, database %s", s->cfg->ntargets,
		 s->cfg->database);
	while (!*stop) {
		int64_t now = time(NULL), next = INT64_MAX;
		bool due = false;

		sdnotify_watchdog(s->notify);
		if (reload_flag && *reload_flag) {
			*reload_flag = 0;
			sdnotify_send(s->notify, "RELOADING=1\nSTATUS=reloading %s", s->path);
			reload(s);
			sdnotify_send(s->notify, "READY=1");
		}
		for (size_t i = 0; i < s->cfg->catalog->n; i++) {
			catalog_list_t *l = &s->cfg->catalog->lists[i];
			if (!l->enabled || !l->zone)
				continue;
			due |= s->next_due[i] <= now;
			if (s->next_due[i] < next)
				next = s->next_due[i];
		}
		if (due) {
			/* the neighbourhood's downloads (DROP) are their own step, not the cycle's */
			if (!s->store_lost)
				neighbourhood_drop_refresh(s->hood, s->cfg, s->store, now);
			cycle_run(s);
			if (max_cycles && ++cycles >= max_cycles)
				break;
			continue;
		}
		/* without a database there is nowhere to record a line or queue an alert:
		 * the log file keeps its lines, and the events wait, until the next cycle
		 * opens the path */
		if (s->lw && !s->store_lost)
			logwatch_poll(s->lw, now);
		if (!s->store_lost)
			alert_idle(s->alert, now);
		/* sleep until the next list is due, or the watchdog wants its ping; signals
		 * cut the wait short */
		{
			int ms = next - now >= 1 ? 1000 : (int)((next - now) * 1000);
			int wd = sdnotify_watchdog_ms(s->notify);
			poll(NULL, 0, wd >= 0 && wd < ms ? wd : ms);
		}
	}
	sdnotify_send(s->notify, "STOPPING=1\nSTATUS=stopping");
	log_info("blmon stopping");
	return 0;
}
