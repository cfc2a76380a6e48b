/* daemon.h -- the daemon's context, shared by the files of the daemon room only (sched.c, cycle.c).
 * One struct made by sched_new and passed explicitly: no other mutable state. */
#ifndef BLMON_DAEMON_H
#define BLMON_DAEMON_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "checks/dnsbl.h"
#include "lib/sdnotify.h"
#include "monitor/alert/alert.h"
#include "monitor/config.h"
#include "monitor/daemon/neighbourhood.h"
#include "monitor/daemon/snds_watch.h"
#include "monitor/mtalog/logwatch.h"
#include "store/store.h"
#include "store/store_cluster.h"

/* sched_t of sched.h */
struct sched {
	char *path;
	config_t *cfg;
	store_t *store;    /* the daemon thread's connection: the only writer */
	dnsbl_t *dns;
	neighbourhood_t *hood;
	snds_watch_t *snds; /* Microsoft SNDS's documents ([snds], snds_watch.c) */
	volatile sig_atomic_t *stop;
	int64_t *next_due; /* per catalog list: when it is checked next */
	unsigned rng;      /* jitter of next_due */
	void (*on_reload)(void *ud); /* told after a successful reload */
	void *on_reload_ud;
	/* the resolver: cycles in a row in which every list failed its test points
	 * the same way, since when, and why (an outage is recorded at `confirm`) */
	unsigned resolver_failing;
	int64_t resolver_failing_since;
	/* the database failing: back off (doubling, capped at the shortest interval)
	 * and log each distinct error once per STORE_LOG_EVERY */
	unsigned store_backoff;
	char store_err[512];
	int64_t store_err_logged;
	/* the database file was deleted or replaced and opening the path again
	 * failed: what happened is said once; each cycle tries the path again, and
	 * what runs between cycles (alerts, the mail log) waits until it opens */
	bool store_lost;
	char store_lost_what[512];
	/* what makes the daemon unhealthy beyond what the database says (a failing
	 * or replaced database file): read by the HTTP threads, hence the lock */
	pthread_mutex_t problem_lock;
	char problem[512];
	alert_t *alert; /* alerts: queue and delivery (alert.c) */
	sdnotify_t *notify; /* systemd's notify socket (borrowed; NULL: none) */
	struct mirror *mirror; /* the lists' data feeds fetched with rsync (mirror.c) */
	logwatch_t *lw; /* the MTA's mail log ([logwatch], logwatch.c) */
	/* [cluster]: the shards and the coordinator's lease this node holds, as its last
	 * renewal (every third of a lease) found them; nothing while renewals fail */
	store_cluster_hold_t hold;
	int64_t renewed_at;
	bool renew_failed; /* said once, until a renewal works again */
	bool cannot_check; /* renewed as unhealthy (its resolver fails): said once each way */
	bool swept_all;    /* every shard has been swept once by some node: the first run may be
			      told (store_cluster_swept; always so without [cluster]) */
};

/* [cluster]: renews this node's leases when a third of a lease has passed since the last
 * renewal (force: now); never inside a transaction. A no-op without [cluster]. */
void sched_cluster_renew(struct sched *s, int64_t now, bool force);

/* Does this node do the work done once for the cluster (alerts, the digest, the mail log)?
 * Always without [cluster]. */
static inline bool sched_coordinates(const struct sched *s)
{
	return !s->cfg->cluster || s->hold.coordinator;
}

/* Does this node check target (by name)? Always without [cluster]. */
static inline bool sched_owns(const struct sched *s, const char *target)
{
	return !s->cfg->cluster || s->hold.held[store_cluster_shard(target)];
}

/* Sets (or, with NULL, clears) the daemon's problem that /healthz reports. */
void sched_problem_set(struct sched *s, const char *problem);

#endif
