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
#include "monitor/daemon/mirror.h"
#include "store/store_budget.h"

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

/* ---- the lists answered from data files ---- */

static void dataset_loaded(const catalog_list_t *l, const char *how, double secs)
{
	dataset_zone_info_t in;

	dataset_zone_info(l->dataset, &in);
	log_info("list %s (%s): %s %llu entries from %zu dataset%s in %.1f s (%.1f MiB)", l->name,
		 catalog_zone_shown(l, l->zone), how, (unsigned long long)in.entries,
		 dataset_zone_count(l->dataset), dataset_zone_count(l->dataset) == 1 ? "" : "s",
		 secs, (double)in.bytes / 1048576.0);
	if (in.warnings)
		log_warn("list %s: %lu warning%s while reading its data, the first: %s", l->name,
			 in.warnings, in.warnings == 1 ? "" : "s", in.warning);
}

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Whether list l's mirror has a copy in place (its first transfer is done). */
static bool mirror_has_copy(const config_t *c, const catalog_list_t *l)
{
	char dir[1024], cur[1100];

	config_mirror_path(c, l, dir, sizeof(dir));
	snprintf(cur, sizeof(cur), "%s/current", dir);
	return access(cur, F_OK) == 0;
}

/* Reads the data files of every list answered from them, now; a list of old
 * (the config before a reload) hands over the data of unchanged files. A file
 * that cannot be read leaves its list without data: its test points say so
 * every cycle and its results are failed checks, never clean. */
static void datasets_load(config_t *c, config_t *old)
{
	for (size_t i = 0; i < c->catalog->n; i++) {
		catalog_list_t *l = &c->catalog->lists[i], *o;
		char err[700];
		double t0;

		if (!l->dataset || !l->enabled || !l->zone)
			continue;
		o = old ? catalog_find(old->catalog, l->zone_tmpl) : NULL;
		if (o && dataset_zone_adopt(l->dataset, o->dataset))
			continue;
		t0 = mono();
		if (dataset_zone_load(l->dataset, err, sizeof(err)) == 0) {
			dataset_loaded(l, "loaded", mono() - t0);
		} else if (config_list_rsync(c, l) && !mirror_has_copy(c, l)) {
			log_info("list %s (%s): no data until its mirror's first transfer", l->name,
				 catalog_zone_shown(l, l->zone));
		} else {
			log_error("list %s (%s): its data files did not load: %s", l->name,
				  catalog_zone_shown(l, l->zone), err);
		}
	}
}

/* Between cycles: a changed file is read again in the background, and its
 * data swapped in when whole; a failure keeps the data in use. One stat(2)
 * per file and loop. */
static void datasets_upkeep(sched_t *s)
{
	for (size_t i = 0; i < s->cfg->catalog->n; i++) {
		catalog_list_t *l = &s->cfg->catalog->lists[i];
		char err[700];
		int rc;

		if (!l->dataset || !l->enabled || !l->zone)
			continue;
		rc = dataset_zone_reload_poll(l->dataset, err, sizeof(err));
		if (rc > 0)
			dataset_loaded(l, "reloaded", 0);
		else if (rc < 0)
			log_error("list %s (%s): its changed data files did not load, the data in use "
				  "stays: %s", l->name, catalog_zone_shown(l, l->zone), err);
		if (!dataset_zone_reloading(l->dataset) && dataset_zone_changed(l->dataset) &&
		    dataset_zone_reload_start(l->dataset) < 0)
			log_error("list %s: cannot start reading its changed data files", l->name);
	}
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
	/* what this node held of the lists' budgets was for cycles that will not end */
	if (store_budget_release(s->store, s->cfg->cluster ? s->cfg->cluster_node : "") < 0)
		log_warn("database %s: %s", s->cfg->database, store_error(s->store));
	s->dns = config_engine(s->cfg, stop, err, errlen);
	if (!s->dns) {
		*code = 2;
		goto fail;
	}
	s->rng = (unsigned)time(NULL) ^ (unsigned)getpid();
	datasets_load(s->cfg, NULL);
	s->mirror = mirror_new(s->cfg);
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
	mirror_free(s->mirror);
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
	datasets_load(c, s->cfg); /* unchanged files keep their data: nothing is read again */
	{
		mirror_t *m = mirror_new(c);
		mirror_adopt(m, s->mirror); /* a transfer under way goes on */
		mirror_free(s->mirror);
		s->mirror = m;
	}
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

/* ---- the cluster ---- */

/* Renews this node's leases every third of a lease (force: now). A node whose resolver fails
 * renews as unhealthy: it gives its shards to a node that can check. A failed renewal (the
 * database away) leaves it holding nothing: it writes nothing another node may be writing. */
void sched_cluster_renew(struct sched *s, int64_t now, bool force)
{
	const config_t *c = s->cfg;
	store_cluster_hold_t before = s->hold;
	bool healthy = s->resolver_failing == 0;

	if (!c->cluster || s->store_lost ||
	    (!force && now - s->renewed_at < (int64_t)(c->cluster_lease_s / 3 ? c->cluster_lease_s / 3 : 1)))
		return;
	s->renewed_at = now;
	if (store_cluster_renew(s->store, c->cluster_node, healthy, now, c->cluster_lease_s,
				&s->hold) < 0) {
		if (!s->renew_failed)
			log_error("cluster: node %s cannot renew its leases: %s (it checks nothing "
				  "until it can)", c->cluster_node, store_error(s->store));
		s->renew_failed = true;
		return;
	}
	if (s->renew_failed)
		log_info("cluster: node %s renews its leases again", c->cluster_node);
	s->renew_failed = false;
	if (s->cannot_check != !healthy)
		log_warn(healthy ? "cluster: node %s can check again: it takes its share of the shards"
				 : "cluster: node %s cannot check (its resolver fails): it gives its "
				   "shards to the other nodes", c->cluster_node);
	s->cannot_check = !healthy;
	if (before.nheld != s->hold.nheld || before.coordinator != s->hold.coordinator)
		log_info("cluster: node %s holds %d of %d shards%s (%d nodes)", c->cluster_node,
			 s->hold.nheld, STORE_CLUSTER_SHARDS,
			 s->hold.coordinator ? " and coordinates" : "", s->hold.live);
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
		sched_cluster_renew(s, now, false);
		if (reload_flag && *reload_flag) {
			*reload_flag = 0;
			sdnotify_send(s->notify, "RELOADING=1\nSTATUS=reloading %s", s->path);
			reload(s);
			sdnotify_send(s->notify, "READY=1");
		}
		/* a copy a mirror put in place is a changed file for the upkeep that follows */
		mirror_poll(s->mirror, now);
		datasets_upkeep(s);
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
			/* in a cluster every node loads the copy in the database (a newer one
			 * too), and the coordinator alone downloads it, once for all */
			if (!s->store_lost)
				neighbourhood_drop_refresh(s->hood, s->cfg, s->store, now,
							   sched_coordinates(s));
			cycle_run(s);
			if (max_cycles && ++cycles >= max_cycles)
				break;
			continue;
		}
		/* without a database there is nowhere to record a line or queue an alert:
		 * the log file keeps its lines, and the events wait, until the next cycle
		 * opens the path */
		if (s->lw && !s->store_lost && sched_coordinates(s))
			logwatch_poll(s->lw, now);
		/* in a cluster the coordinator turns events into messages; every node sends */
		if (!s->store_lost && sched_coordinates(s))
			alert_idle(s->alert, now);
		else if (!s->store_lost)
			alert_deliver(s->alert, now);
		/* sleep until the next list is due, or the watchdog wants its ping; signals
		 * cut the wait short */
		{
			int ms = next - now >= 1 ? 1000 : (int)((next - now) * 1000);
			int wd = sdnotify_watchdog_ms(s->notify);
			poll(NULL, 0, wd >= 0 && wd < ms ? wd : ms);
		}
	}
	sdnotify_send(s->notify, "STOPPING=1\nSTATUS=stopping");
	/* a clean stop: the others take its shards at their next renewal, not after a lease */
	if (s->cfg->cluster && !s->store_lost &&
	    store_cluster_release(s->store, s->cfg->cluster_node) < 0)
		log_warn("cluster: releasing the leases of %s: %s", s->cfg->cluster_node,
			  store_error(s->store));
	log_info("blmon stopping");
	return 0;
}
