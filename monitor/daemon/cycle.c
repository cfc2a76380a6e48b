/* cycle.c -- one check cycle of the daemon: due lists, targets, test points, the engine, SNDS, history.
 * Results are confirmed (confirm.c) and written in batches of BATCH targets per transaction. */
#include "monitor/daemon/cycle.h"
#include "monitor/daemon/cycle_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/discover.h"
#include "checks/dnsbl.h"
#include "lib/log.h"
#include "lib/text.h"
#include "lib/timefmt.h"
#include "lib/xmalloc.h"
#include "monitor/alert/alert.h"
#include "monitor/daemon/confirm.h"
#include "monitor/daemon/neighbourhood.h"
#include "monitor/daemon/daemon.h"
#include "monitor/daemon/digest.h"
#include "monitor/daemon/mirror.h"
#include "monitor/mtalog/logwatch.h"
#include "store/store_problems.h"

#define BATCH 500         /* targets per transaction */
#define CLUSTER_BATCH_MS 1000 /* in a cluster a batch is committed after this long at most: its
				 row locks would hold other nodes back, and the leases are
				 renewed between batches */
#define SPREAD 4          /* a cycle's queries are spread over interval / SPREAD */
#define MIN_RATE 20.0     /* queries/s: small configs finish quickly anyway */
#define STORE_BACKOFF_FIRST 5 /* seconds before the lists are tried again after a store failure */
#define STORE_LOG_EVERY 600   /* the same database error is logged once per this many seconds */

/* ---- results into the store ---- */

static void log_change(struct cycle *cy, int64_t tid, const target_t *t, const catalog_list_t *l,
		       const char *from, const store_state_t *st, const dnsbl_result_t *r,
		       const char *reason)
{
	char esc[600], what[600] = "", hood[400] = "", asname[200];
	size_t o = 0;
	store_asn_t asn;

	/* a neighbourhood listing names the neighbourhood: that is what the admin must act on */
	if (l->scope == SCOPE_ASN || l->scope == SCOPE_NETWORK) {
		bool known = store_asn_get(cy->s->store, tid, &asn) == 1 && asn.asn >= 0;
		text_escape_term(known ? asn.name : "", asname, sizeof(asname));
		if (l->scope == SCOPE_ASN && known)
			snprintf(hood, sizeof(hood), " [AS%lld (%s) is listed: this affects every IP of "
				 "that network, not only this one]", (long long)asn.asn, asname);
		else if (l->scope == SCOPE_ASN)
			snprintf(hood, sizeof(hood), " [this IP's whole ASN is listed: every IP of that "
				 "network is affected]");
		else
			snprintf(hood, sizeof(hood), " [this IP's network%s%s%s is listed, not only "
				 "the IP]", known ? " " : "", known ? asn.prefix : "",
				 known ? "" : "/allocation");
	}

	if (r->v.status == STATUS_LISTED)
		for (size_t i = 0; i < r->v.ncodes && o < sizeof(what); i++) {
			verdict_t one = r->v;
			const char *m[4];
			char a[16];
			one.ncodes = 1;
			one.codes[0] = r->v.codes[i];
			verdict_addr_str(r->v.codes[i], a);
			o += (size_t)snprintf(what + o, sizeof(what) - o, "%s%s%s%s%s", i ? ", " : " ", a,
					      verdict_meanings(&one, l, m, 4) ? " (" : "",
					      verdict_meanings(&one, l, m, 4) ? m[0] : "",
					      verdict_meanings(&one, l, m, 4) ? ")" : "");
		}
	text_escape_term(reason, esc, sizeof(esc));
	log_info("%s %s (%s): %s -> %s%s%s%s%s", t->name, l->name, catalog_zone_shown(l, l->zone),
		 from ? from : "new", status_name(st->status), what, r->v.status == STATUS_LISTED ? hood : "", esc[0] ? ": " : "", esc);
}

/* How long a listed answer with this TTL may be reused. */
static int64_t reuse_for(const config_t *c, const catalog_list_t *l, uint32_t ttl)
{
	int64_t cap = config_list_interval(c, l);

	if (c->max_ttl_s < cap)
		cap = c->max_ttl_s;
	return (int64_t)ttl < cap ? (int64_t)ttl : cap;
}

/* A failed check (timeout, refusal, a list sidelined by its test points...) is
 * not a state: the confirmed state, its since and any pending change stay as
 * they were; only the freshness says since when and why the checks fail. No
 * event and no log line per target: the list's or the resolver's health says
 * it once. A pair never answered yet is recorded as unchecked. */
static void record_failure(struct cycle *cy, int64_t tid, int64_t lid, store_state_t *st,
			   const char *reason)
{
	if (st->present && st->failing_since && !strcmp(st->failing_reason, reason))
		return; /* failing as it was: nothing to write (an outage is one write per pair) */
	if (!st->present) {
		st->present = true;
		st->status = STATUS_UNCHECKED;
		st->since = cy->now;
	}
	if (!st->failing_since)
		st->failing_since = cy->now;
	snprintf(st->failing_reason, sizeof(st->failing_reason), "%s", reason);
	st->ttl_until = 0;
	/* 1: another node wrote it since (a shard handed over): its write stands */
	if (store_state_cas(cy->s->store, tid, lid, st) < 0)
		cy->failed = 1;
}

static void settled_add(void *arg, int64_t lid, int64_t tid, uint64_t fp)
{
	struct cycle *cy = arg;

	for (size_t i = 0; i < answered_lists(cy); i++)
		if (cy->run_lid[i] == lid) {
			struct settled *p = &cy->settled[i];
			if (fp == cy->fp_plain) {
				*(int64_t *)xpush((void **)&p->plain, &p->capplain, &p->nplain,
						  sizeof(*p->plain)) = tid;
			} else {
				struct settled_fp *o = xpush((void **)&p->other, &p->capother,
							     &p->nother, sizeof(*p->other));
				o->tid = tid;
				o->fp = fp;
			}
			return;
		}
}

/* Both arrays sort by their leading target id. */
static int tid_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The element of the n sorted ones of `size` bytes whose leading target id is tid, or NULL. */
static const void *tid_find(const void *base, size_t n, size_t size, int64_t tid)
{
	return n ? bsearch(&tid, base, n, size, tid_cmp) : NULL;
}

/* Does the list of r hold a settled state for tid whose answer is fp? Not for a list
 * whose data could not be renewed: its answers must not look fresh. */
static bool settled_again(const struct cycle *cy, int64_t tid, const dnsbl_result_t *r,
			  uint64_t fp)
{
	const struct settled *p;
	const struct settled_fp *o;

	/* the DNS lists and DROP's: SNDS's results come from documents that say when */
	if (!cy->settled || r->list >= answered_lists(cy) ||
	    (r->list < cy->nrun && cy->src_failing && cy->src_failing[r->list]))
		return false;
	p = &cy->settled[r->list];
	if (fp == cy->fp_plain)
		return tid_find(p->plain, p->nplain, sizeof(*p->plain), tid) != NULL;
	o = tid_find(p->other, p->nother, sizeof(*p->other), tid);
	return o && o->fp == fp;
}

/* Records what a list answered for t: r, answered at `at` (0: now, the DNS engine's
 * answer; a document's results carry when their source last confirmed them). */
static void observe(struct cycle *cy, const target_t *t, int64_t tid, const dnsbl_result_t *r,
		    int64_t at)
{
	struct sched *s = cy->s;
	const catalog_list_t *l = cy->run[r->list];
	int64_t lid = cy->run_lid[r->list];
	store_state_t st;
	store_answer_t obs;
	char reason[STORE_REASON_MAX];
	status_t status = (status_t)r->v.status, from = STATUS_UNKNOWN;
	confirm_result_t cr;

	/* the same answer again changes nothing but checked_at, which the sweep or
	 * store_state_settled_touch moves after the run: the plain NXDOMAIN of most pairs
	 * without even a fingerprint */
	if (status == STATUS_CLEAN && r->v.reason == REASON_NXDOMAIN && !r->v.ncodes &&
	    !r->ntxt && !r->why && settled_again(cy, tid, r, cy->fp_plain))
		return;
	if (r->why)
		snprintf(reason, sizeof(reason), "%s", r->why); /* a source that is not DNS */
	else
		verdict_reason(&r->v, l, reason, sizeof(reason));
	if (status != STATUS_UNKNOWN) {
		store_answer_set(&obs, r, reason);
		if (settled_again(cy, tid, r, store_answer_fp(status, &obs)))
			return;
	}
	if (store_state_get(s->store, tid, lid, &st) < 0) {
		cy->failed = 1;
		return;
	}
	if (status == STATUS_UNKNOWN) {
		record_failure(cy, tid, lid, &st, reason);
		return;
	}
	{
		int64_t answered = st.checked_at;
		cr = confirm_observe(&st, status, &obs, s->cfg->confirm, cy->now, &from);
		if (at && at < cy->now)
			st.checked_at = at; /* as fresh as the answer, not as the cycle */
		st.failing_since = 0; /* a real answer: fresh again */
		st.failing_reason[0] = '\0';
		if (r->list < cy->nrun && cy->src_failing && cy->src_failing[r->list]) {
			/* an answer from data files that could not be read again: real, but only
			 * as fresh as that data, so it ages as a failed check does */
			st.checked_at = answered ? answered : cy->now;
			st.failing_since = cy->src_failing[r->list];
			snprintf(st.failing_reason, sizeof(st.failing_reason), "%s",
				 cy->src_reason[r->list]);
		}
	}
	if (cr != CONFIRM_PENDING) {
		/* the confirmed state's details follow the latest answer */
		memcpy(st.ans.txt, obs.txt, sizeof(obs.txt));
		st.ans.ntxt = obs.ntxt;
		memcpy(st.ans.reason, obs.reason, sizeof(obs.reason));
	}
	/* a listing may be reused for its TTL, but a delisting must be seen within a
	 * cycle: the TTL is capped by the list's interval and max_ttl (a zone can
	 * claim 68 years); errors and clean answers are re-asked, and data files are
	 * read again every cycle anyway (no TTL: the state stays settled) */
	{
		int64_t reuse = r->v.status == STATUS_LISTED && !l->dataset
					? reuse_for(s->cfg, l, r->ttl) : 0;
		st.ttl_until = reuse > 0 ? cy->now + reuse : 0;
	}
	/* the state first, over the version read: when another node wrote it since (its shard
	 * handed over mid-cycle), that node recorded what it saw, and this one records nothing,
	 * so no change is recorded twice */
	switch (store_state_cas(s->store, tid, lid, &st)) {
	case 0:
		break;
	case 1:
		log_debug("%s %s: written by another node meanwhile", t->name,
			  catalog_zone_shown(l, l->zone));
		return;
	default:
		cy->failed = 1;
		return;
	}
	if (cr == CONFIRM_FIRST || cr == CONFIRM_CHANGED) {
		store_event_t ev;
		memset(&ev, 0, sizeof(ev));
		ev.at = cy->now;
		ev.target_id = tid;
		ev.list_id = lid;
		ev.first = cr == CONFIRM_FIRST;
		ev.from = from;
		ev.to = st.status;
		ev.ans = st.ans;
		if (store_event_add(s->store, &ev) < 0)
			cy->failed = 1;
		if (cr == CONFIRM_CHANGED || st.status != STATUS_CLEAN)
			log_change(cy, tid, t, l, cr == CONFIRM_FIRST ? NULL : status_name(from), &st, r,
				   reason);
	} else if (cr == CONFIRM_PENDING) {
		log_debug("%s %s: %s seen %d of %u times, not yet confirmed", t->name,
			  catalog_zone_shown(l, l->zone), status_name(status), st.pending_count,
			  s->cfg->confirm);
	}
}

/* In a cluster, between two targets: a batch open for CLUSTER_BATCH_MS is committed, and the
 * leases are renewed when due (a cycle slowed by a list's rate may outlast a lease). */
static void cluster_between(struct cycle *cy)
{
	struct timespec now;

	if (cy->batch) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - cy->batch_t0.tv_sec) * 1000 +
			    (now.tv_nsec - cy->batch_t0.tv_nsec) / 1000000 < CLUSTER_BATCH_MS)
			return;
		if (store_commit(cy->s->store) < 0) {
			cy->failed = 1;
			return;
		}
		cy->batch = 0;
	}
	sched_cluster_renew(cy->s, time(NULL), false);
	cy->kept &= store_cluster_mask(&cy->s->hold);
}

static void on_target(void *ud, const target_t *t, const dnsbl_result_t *res, size_t nres)
{
	struct cycle *cy = ud;
	store_t *st = cy->s->store;
	int64_t tid;

	/* a long cycle is the loop at work, not hung: systemd's watchdog hears so */
	sdnotify_watchdog(cy->s->notify);
	if (!cy->failed && cy->s->cfg->cluster)
		cluster_between(cy);
	if (cy->failed || !sched_owns(cy->s, t->name))
		return; /* another node of the cluster checks it */
	if (cy->batch == 0) {
		if (store_begin(st) < 0) {
			cy->failed = 1;
			return;
		}
		clock_gettime(CLOCK_MONOTONIC, &cy->batch_t0);
	}
	tid = store_target_ids_get(st, cy->ids, t, cy->now, true);
	if (tid < 0) {
		cy->failed = 1;
		return;
	}
	cy->rec.targets++;
	for (size_t i = 0; i < nres; i++) {
		if (res[i].skipped || res[i].v.reason == REASON_NOT_RUN)
			continue; /* fresh by TTL, or interrupted: nothing was learned */
		if (res[i].v.status == STATUS_LISTED)
			cy->rec.listed++;
		if (res[i].v.status == STATUS_UNKNOWN) {
			cy->rec.unknown++;
			if (res[i].list < cy->nrun)
				cy->errs[res[i].list * NREASONS + res[i].v.reason]++;
		} else
			cy->rec.answered++;
		observe(cy, t, tid, &res[i], 0);
	}
	if (cy->drop) {
		dnsbl_result_t dr[2];
		size_t n = neighbourhood_drop_results(cy->s->hood, st, tid, t, dr, (uint16_t)cy->nrun,
						      (uint16_t)(cy->nrun + 1));
		for (size_t i = 0; i < n; i++)
			if (!dr[i].skipped) {
				cy->rec.listed += dr[i].v.status == STATUS_LISTED;
				cy->rec.answered++;
				observe(cy, t, tid, &dr[i], 0);
			}
	}
	for (size_t k = 0; k < cy->nsnds; k++) {
		dnsbl_result_t sr;
		char buf[1024];
		int64_t at;

		if (!snds_watch_result(cy->s->snds, cy->run[cy->snds_at + k], t,
				       (uint16_t)(cy->snds_at + k), &sr, buf, sizeof(buf), &at))
			continue;
		cy->rec.listed += sr.v.status == STATUS_LISTED;
		if (sr.v.status == STATUS_UNKNOWN)
			cy->rec.unknown++;
		else
			cy->rec.answered++;
		observe(cy, t, tid, &sr, at);
	}
	if (++cy->batch >= BATCH) {
		if (store_commit(st) < 0)
			cy->failed = 1;
		cy->batch = 0;
	}
}

/* TTL honoured: a listed answer is not asked again before it expires. */
static bool skip_fresh(void *ud, const target_t *t, size_t list)
{
	struct cycle *cy = ud;
	store_state_t st;
	int64_t tid;

	if (!sched_owns(cy->s, t->name))
		return true; /* another node of the cluster asks */
	/* look the target up without creating it: a new target is never fresh */
	tid = store_target_known(cy->s->store, t->name);
	if (tid <= 0)
		return false;
	if (store_state_get(cy->s->store, tid, cy->run_lid[list], &st) != 1)
		return false;
	return st.ttl_until > cy->now;
}

/* ---- the steps of a cycle ---- */

static unsigned jitter(struct sched *s, unsigned interval)
{
	/* up to 5% of the interval, so restarts and many daemons do not align */
	s->rng = s->rng * 1103515245u + 12345u;
	return interval >= 20 ? (s->rng >> 8) % (interval / 20) : 0;
}

/* The lists due now, with their ids; each gets its next due time. Returns
 * how many, or -1 on a store error. */
static int pick_due_lists(struct cycle *cy)
{
	struct sched *s = cy->s;
	config_t *c = s->cfg;

	for (size_t i = 0; i < c->catalog->n; i++) {
		catalog_list_t *l = &c->catalog->lists[i];
		unsigned iv = config_list_interval(c, l);
		if (!l->enabled || !l->zone || s->next_due[i] > cy->now)
			continue;
		if (l->source == SOURCE_SNDS) {
			/* not the engine's: its documents answer (add_snds) */
			if (cy->nsnds < SNDS_LISTS)
				cy->snds_due[cy->nsnds++] = l;
			s->next_due[i] = cy->now + iv + jitter(s, iv);
			continue;
		}
		cy->run[cy->nrun] = l;
		cy->run_lid[cy->nrun] = store_list_id(s->store, l);
		if (cy->run_lid[cy->nrun++] < 0)
			return -1;
		s->next_due[i] = cy->now + iv + jitter(s, iv);
		if (!cy->min_iv || iv < cy->min_iv)
			cy->min_iv = iv;
	}
	return (int)(cy->nrun + cy->nsnds);
}

/* The cycle's targets: the config's addresses, networks and domains, plus
 * the current addresses of its hosts and what its domains send from. */
static void build_targets(struct cycle *cy)
{
	struct sched *s = cy->s;
	char err[300];

	for (size_t i = 0; i < s->cfg->ntargets; i++) {
		config_target_t *t = &s->cfg->targets[i];
		char warn[1024];

		if (t->kind == CT_HOST) {
			if (dnsbl_resolve_host(s->dns, t->value, &cy->ts, err, sizeof(err)) < 0) {
				log_warn("%s", err);
				cy->targets_whole = false;
			}
			continue;
		}
		targetset_add(&cy->ts, &t->spec);
		/* a domain's mail servers and SPF networks are watched too */
		if (t->kind == CT_DOMAIN &&
		    discover_domain(s->dns, t->value, &s->cfg->limits, &cy->ts, warn, sizeof(warn), err,
				    sizeof(err)) < 0) {
			log_warn("domain %s: no sending addresses discovered: %s", t->value, err);
			cy->targets_whole = false;
		} else if (t->kind == CT_DOMAIN && warn[0]) {
			log_warn("domain %s: %s", t->value, warn);
		}
	}
}

/* Whether this cycle saw every target of the config: every host resolved and
 * every domain's addresses discovered, and not a node of a cluster (each sees
 * only its shards' targets). Only such a cycle counts as a whole sweep of its
 * lists. */
static bool sees_all(const struct cycle *cy)
{
	return cy->targets_whole && !cy->s->cfg->cluster;
}

/* Targets neither in the config nor discovered this cycle leave the current
 * state (kept in history; re-adding one brings it back with its history).
 * Only after a cycle that ran to its end and knew all its targets: a resolver
 * outage that hides a host's addresses, or a stop, must not retire them. In a
 * cluster each node retires from the shards it held for the whole cycle: only
 * the node that checks a target can say it was not there (a cycle slower than a
 * lease retires nothing another node still checks). 0 or -1. */
static int retire_targets(struct cycle *cy)
{
	if (!cy->swept)
		return 0;
	if (cy->s->cfg->cluster)
		return store_cluster_retire(cy->s->store, cy->now, cy->kept);
	return store_targets_retire(cy->s->store, cy->now);
}

/* The neighbourhood of the targets: origin ASNs as they are due, and the
 * DROP pseudo-lists once a DROP file is loaded. 0 or -1 (store). */
static int add_neighbourhood(struct cycle *cy)
{
	struct sched *s = cy->s;

	if (neighbourhood_asn_refresh(s->hood, s->dns, s->store, cy->ids, &cy->ts,
				      s->cfg->asn_refresh_s, cy->now) < 0)
		return -1;
	cy->drop = neighbourhood_drop_active(s->hood);
	if (!cy->drop)
		return 0;
	cy->run[cy->nrun] = neighbourhood_drop_list(s->hood);
	cy->run[cy->nrun + 1] = neighbourhood_asndrop_list(s->hood);
	cy->run_lid[cy->nrun] = store_list_id(s->store, cy->run[cy->nrun]);
	cy->run_lid[cy->nrun + 1] = store_list_id(s->store, cy->run[cy->nrun + 1]);
	return cy->run_lid[cy->nrun] < 0 || cy->run_lid[cy->nrun + 1] < 0 ? -1 : 0;
}

/* The SNDS lists due: their documents brought up to date (snds_watch.c), each
 * list's health recorded (a change logged once), then the lists put in the run
 * after the DNS and DROP ones, for on_target to ask. Returns 0, 1 when
 * stopping (an aborted download is no failure of SNDS), -1 on a store error. */
static int add_snds(struct cycle *cy)
{
	struct sched *s = cy->s;

	cy->snds_at = answered_lists(cy);
	if (!cy->nsnds)
		return 0;
	if (snds_watch_refresh(s->snds, s->cfg, s->store, cy->snds_due, cy->nsnds, cy->now,
			       s->stop) < 0)
		return -1;
	if (*s->stop)
		return 1;
	for (size_t k = 0; k < cy->nsnds; k++) {
		catalog_list_t *l = cy->snds_due[k];
		char detail[STORE_DETAIL_MAX];
		dnsbl_health_t h = snds_watch_health(s->snds, l, detail, sizeof(detail));
		int64_t lid = store_list_id(s->store, l);
		int ch;

		if (lid < 0 || (ch = store_list_health(s->store, lid, h, detail, cy->now)) < 0)
			return -1;
		if (ch > 0 && h != HEALTH_OK)
			log_warn("list %s (%s) is %s: %s (its results stay as last confirmed)",
				 l->name, l->id, dnsbl_health_name(h), detail);
		else if (ch > 0)
			log_info("list %s (%s) is ok", l->name, l->id);
		cy->run[cy->snds_at + k] = l;
		cy->run_lid[cy->snds_at + k] = lid;
	}
	return 0;
}

/* Did every list fail its test points the same way? Then the cause is the
 * resolver, not each list: every test point timed out, found no server or got
 * SERVFAIL, or (with two lists or more) every positive test point answered
 * NXDOMAIN, which is a resolver that lies or is refused everywhere. */
static bool resolver_failed(const struct cycle *cy, char *why, size_t len)
{
	const char *resolver = cy->s->cfg->resolver ? cy->s->cfg->resolver : "(system)";
	size_t unreachable = 0, dead = 0, ndns = 0, first = 0;

	/* lists answered from data files ask no resolver: they say nothing of it */
	for (size_t i = cy->nrun; i-- > 0;) {
		if (cy->run[i]->dataset)
			continue;
		ndns++;
		first = i;
		unreachable += cy->states[i].health == HEALTH_UNREACHABLE;
		dead += cy->states[i].health == HEALTH_DEAD;
	}
	if (ndns && unreachable == ndns)
		snprintf(why, len, "the resolver %s does not answer (%s)", resolver,
			 cy->states[first].detail);
	else if (ndns >= 2 && dead == ndns)
		snprintf(why, len, "the resolver %s answers NXDOMAIN for every list's test points: "
			 "it lies, or every list refuses it", resolver);
	else
		return false;
	return true;
}

/* The resolver's health after this cycle's test points: an outage opens once
 * it failed `confirm` cycles in a row (from the first of them) and closes at
 * the first cycle it answers again. Logged once each way. 0 or -1 (store). */
static int resolver_health(struct cycle *cy, bool failed, const char *why)
{
	struct sched *s = cy->s;
	store_outage_t o;
	char t[TIMEFMT_MAX];
	int open = store_outage_open_get(s->store, &o);

	if (open < 0)
		return -1;
	/* in a cluster the coordinator alone records outages: another node's failing resolver
	 * is its own, and makes it give its shards away (sched.c, cluster_renew) */
	if (!failed) {
		s->resolver_failing = 0;
		if (!open || !sched_coordinates(s))
			return 0;
		log_info("the resolver answers again: checks resumed (it was down since %s)",
			 (timefmt_rfc3339(o.started, t), t));
		return store_outage_close(s->store, cy->now);
	}
	if (!s->resolver_failing++)
		s->resolver_failing_since = cy->now;
	if (open || s->resolver_failing < s->cfg->confirm || !sched_coordinates(s))
		return 0;
	timefmt_rfc3339(s->resolver_failing_since, t);
	log_error("%s: nothing could be checked since %s; every listing shown is as last confirmed",
		  why, t);
	return store_outage_open(s->store, s->resolver_failing_since,
				 s->cfg->resolver ? s->cfg->resolver : "system", why) < 0 ? -1 : 0;
}

/* In a cluster, the time of this node's own data of run[i] (each node mirrors or reads its own
 * copy: the list's row says only whichever node wrote last), for /metrics and /api/v1/cluster.
 * 0 or -1. */
static int node_data(struct cycle *cy, size_t i, int64_t at)
{
	const config_t *c = cy->s->cfg;

	if (!c->cluster)
		return 0;
	return store_cluster_list_data(cy->s->store, c->cluster_node, cy->run_lid[i], at);
}

/* The lists of the run answered from data files: where their data comes from
 * and how old it is, recorded for the API and /metrics; and, when it could not
 * be renewed (the mirror's transfers fail, or the files did not load again),
 * since when and why: their answers stand, from the data in use, marked
 * failing. A mirror without a first copy says so in the list's health detail.
 * 0, or -1 on a store error. */
static int data_sources(struct cycle *cy)
{
	struct sched *s = cy->s;

	cy->src_failing = xcalloc(cy->nrun ? cy->nrun : 1, sizeof(*cy->src_failing));
	cy->src_reason = xcalloc(cy->nrun ? cy->nrun : 1, sizeof(*cy->src_reason));
	for (size_t i = 0; i < cy->nrun; i++) {
		const catalog_list_t *l = cy->run[i];
		dataset_zone_info_t in;
		mirror_state_t ms;
		bool mirrored;
		char t[TIMEFMT_MAX] = "", err[STORE_REASON_MAX] = "";
		int64_t since = 0;

		if (!l->dataset) {
			if (store_list_data(s->store, cy->run_lid[i], NULL, 0, 0, NULL) < 0 ||
			    node_data(cy, i, 0) < 0)
				return -1;
			continue;
		}
		dataset_zone_info(l->dataset, &in);
		mirrored = mirror_state(s->mirror, l, &ms) == 0;
		if (in.loaded)
			timefmt_human(mirrored && ms.synced ? ms.synced : in.loaded_at, t);
		if (mirrored && ms.failing_since) {
			since = ms.failing_since;
			snprintf(err, sizeof(err), "its mirror's transfers fail: %s", ms.error);
			if (in.loaded)
				snprintf(cy->src_reason[i], sizeof(cy->src_reason[i]), "%s (answers come "
					 "from the copy of %s)", err, t);
		} else if (in.error[0]) {
			since = in.error_since;
			snprintf(err, sizeof(err), "its data files did not load: %s", in.error);
			if (in.loaded)
				snprintf(cy->src_reason[i], sizeof(cy->src_reason[i]), "its data files did "
					 "not load (answers come from the data read %s): %s", t, in.error);
		}
		if (in.loaded)
			cy->src_failing[i] = since;
		if (mirrored && !in.loaded && !ms.synced) {
			/* rather than the files it cannot open: what it waits for */
			if (ms.failing_since)
				snprintf(cy->states[i].detail, sizeof(cy->states[i].detail),
					 "no data yet: its mirror's transfers fail: %s", ms.error);
			else
				snprintf(cy->states[i].detail, sizeof(cy->states[i].detail),
					 "no data yet: its mirror's first transfer is under way");
		}
		if (store_list_data(s->store, cy->run_lid[i], mirrored ? "mirror" : "files",
				    mirrored ? ms.synced : in.newest_mtime, since, err) < 0 ||
		    node_data(cy, i, mirrored ? ms.synced : in.newest_mtime) < 0)
			return -1;
	}
	return 0;
}

/* Queries the lists' test points and records each list's health (a change is
 * logged once), or, when every list failed the same way, the resolver's
 * instead: one root cause, not a problem per list. Returns 0, 1 when
 * stopping, -1 on a store error. */
/* A cluster: what this node found of each list's test points, for the coordinator. */
static int cluster_views(struct cycle *cy)
{
	for (size_t i = 0; i < cy->nrun; i++)
		if (store_cluster_list_seen(cy->s->store, cy->s->cfg->cluster_node, cy->run_lid[i],
					    cy->states[i].health, cy->states[i].detail, cy->now) < 0)
			return -1;
	return 0;
}

static unsigned shortest_interval(const config_t *c);

/* The health of run[i] the live nodes agree on, into h (which holds the coordinator's own):
 * a list is dead, a wildcard, refusing or unreachable only when every node that tested it
 * lately finds so; when one of them finds it ok it stays ok (the others' resolvers are the
 * likely cause: /api/v1/cluster shows each node's view). 0 or -1. */
static int cluster_agreed(struct cycle *cy, size_t i, dnsbl_list_state_t *h)
{
	const config_t *c = cy->s->cfg;
	store_cluster_view_t *v = NULL;
	int64_t since = cy->now - (int64_t)c->cluster_lease_s - 2 * (int64_t)shortest_interval(c);
	int n = store_cluster_list_views(cy->s->store, cy->run_lid[i], since, &v);
	int oks = 0;
	bool same = true;

	if (n < 0)
		return -1;
	for (int k = 0; k < n; k++) {
		oks += v[k].health == HEALTH_OK;
		same &= v[k].health == v[0].health;
	}
	if (!same && oks) {
		h->health = HEALTH_OK;
		snprintf(h->detail, sizeof(h->detail), "the nodes disagree: %d of %d find it ok "
			 "(/api/v1/cluster shows each one's test)", oks, n);
	}
	free(v);
	return 0;
}

static int test_lists(struct cycle *cy)
{
	struct sched *s = cy->s;
	char why[STORE_REASON_MAX];
	bool v6 = false, down;

	if (!cy->nrun)
		return 0; /* only SNDS is due: no test point, and no word on the resolver */
	for (size_t i = 0; i < cy->ts.n; i++)
		v6 |= cy->ts.specs[i].first.type == TARGET_IPV6;
	cy->states = xcalloc(cy->nrun, sizeof(*cy->states));
	if (dnsbl_test_lists(s->dns, cy->run, cy->nrun, v6, cy->states) < 0)
		return 1;
	if (data_sources(cy) < 0)
		return -1;
	down = resolver_failed(cy, why, sizeof(why));
	if (resolver_health(cy, down, why) < 0)
		return -1;
	if (down)
		return 0; /* the lists are not at fault: their health stays as it was */
	if (s->cfg->cluster && cluster_views(cy) < 0)
		return -1;
	if (!sched_coordinates(s))
		return 0; /* in a cluster, the coordinator records what the nodes found */
	for (size_t i = 0; i < cy->nrun; i++) {
		const catalog_list_t *l = cy->run[i];
		dnsbl_list_state_t agreed = cy->states[i];
		const dnsbl_list_state_t *h = &agreed;
		int ch;

		if (s->cfg->cluster && cluster_agreed(cy, i, &agreed) < 0)
			return -1;
		ch = store_list_health(s->store, cy->run_lid[i], h->health, h->detail, cy->now);
		if (ch < 0)
			return -1;
		if (ch > 0 && h->health != HEALTH_OK)
			log_warn("list %s (%s) is %s: %s", l->name, catalog_zone_shown(l, l->zone),
				 dnsbl_health_name(h->health), h->detail);
		else if (ch > 0)
			log_info("list %s (%s) is ok", l->name, catalog_zone_shown(l, l->zone));
	}
	return 0;
}

/* Spreads the cycle's queries over a quarter of the shortest interval
 * instead of bursting them at the lists. */
static void pace(struct cycle *cy)
{
	unsigned long long expected = 0;
	double rate;

	for (size_t i = 0; i < cy->nrun; i++)
		for (size_t k = 0; k < cy->ts.n && !cy->run[i]->dataset; k++) /* data files: no query */
			if (dnsbl_list_applies(cy->run[i], cy->ts.specs[k].first.type))
				expected += cy->ts.specs[k].count;
	/* in a cluster this node asks for its shards' part, and shares each list's rate with
	 * the other live nodes: the lists see one blmon */
	if (cy->s->cfg->cluster) {
		expected = expected * (unsigned long long)cy->s->hold.nheld / STORE_CLUSTER_SHARDS;
		dnsbl_set_list_share(cy->s->dns, (unsigned)cy->s->hold.live);
	}
	rate = (double)expected / ((double)cy->min_iv / SPREAD);
	dnsbl_set_rate(cy->s->dns, rate < MIN_RATE ? MIN_RATE : rate);
}

/* Runs the engine over every target and list; results are confirmed and
 * written as they come, in input order. 0, or -1 on a store error. */
static int check(struct cycle *cy)
{
	struct sched *s = cy->s;
	targetset_iter_t it = {0, 0};
	target_t t;
	int stopped = 0;

	cy->batch = 0;
	cy->failed = 0;
	cy->settled = xcalloc(cy->nrun + 2, sizeof(*cy->settled));
	cy->fp_plain = store_answer_fp_plain();
	if (store_state_settled(s->store, settled_add, cy) < 0)
		return -1;
	/* settled_again searches them: the store hands them out in no set order (a state
	 * written after a later target's, PostgreSQL's heap) */
	for (size_t i = 0; i < answered_lists(cy); i++) {
		struct settled *p = &cy->settled[i];
		if (p->nplain > 1)
			qsort(p->plain, p->nplain, sizeof(*p->plain), tid_cmp);
		if (p->nother > 1)
			qsort(p->other, p->nother, sizeof(*p->other), tid_cmp);
	}
	if (cy->nrun) {
		dnsbl_set_skip(s->dns, skip_fresh, cy);
		stopped = dnsbl_run(s->dns, cy->run, cy->nrun, cy->states, &cy->ts, on_target, cy);
		dnsbl_set_skip(s->dns, NULL, NULL);
	} else {
		/* no DNS list due: the documents (and DROP) answer without a query */
		while (!*s->stop && !cy->failed && targetset_next(&cy->ts, &it, &t))
			on_target(cy, &t, NULL, 0);
		stopped = *s->stop ? -1 : 0;
	}
	if (cy->batch && store_commit(s->store) < 0)
		cy->failed = 1;
	cy->batch = 0;
	/* the targets seen, before anything that asks which were (the touch, retiring) */
	if (!cy->failed && store_target_ids_flush(s->store, cy->ids, cy->now) < 0)
		cy->failed = 1;
	/* the same answers left unwritten: after a whole sweep, one row per list says
	 * when (finish, once the targets no longer there are retired); else their
	 * checked_at, a statement per list. Not after a stop: a target it cut short was
	 * seen but not answered, and a pair that looks older than it is does no harm,
	 * one that looks fresh would */
	if (stopped < 0 || cy->failed)
		return cy->failed ? -1 : 0;
	cy->ran = true;
	cy->swept = cy->targets_whole;
	if (sees_all(cy))
		return 0;
	if (store_begin(s->store) < 0)
		return -1;
	for (size_t i = 0; i < answered_lists(cy); i++)
		if (answered_all(cy, i) &&
		    store_state_settled_touch(s->store, cy->run_lid[i], cy->now) < 0) {
			store_rollback(s->store);
			return -1;
		}
	return store_commit(s->store) < 0 ? -1 : 0;
}

/* The cycle's summary as systemd shows it (`systemctl status blmon`): where the
 * targets stand as of its digest, the problems, and the checks that failed. */
static void tell_systemd(struct cycle *cy, double seconds)
{
	struct sched *s = cy->s;
	store_summary_t sum;
	char t[TIMEFMT_MAX], since[TIMEFMT_MAX], resolver[80] = "";

	if (!s->notify || store_summary(s->store, &sum) < 0)
		return;
	timefmt_rfc3339(cy->now, t);
	if (s->resolver_failing >= s->cfg->confirm) {
		timefmt_rfc3339(s->resolver_failing_since, since);
		snprintf(resolver, sizeof(resolver), "; resolver failing since %s", since);
	}
	sdnotify_send(s->notify,
		      "STATUS=last cycle %s (%.1f s): %lld target%s: %lld listed, %lld through "
		      "their network or AS, %lld unchecked, %lld clean; %lld problem%s; %lld of "
		      "%lld checks failed%s",
		      t, seconds, (long long)sum.targets, sum.targets == 1 ? "" : "s",
		      (long long)sum.standing[STANDING_OWN],
		      (long long)sum.standing[STANDING_NEIGHBOURHOOD],
		      (long long)sum.standing[STANDING_UNCHECKED],
		      (long long)sum.standing[STANDING_CLEAN], (long long)sum.problems,
		      sum.problems == 1 ? "" : "s",
		      (long long)cy->rec.unknown, (long long)(cy->rec.unknown + cy->rec.answered),
		      resolver);
}

/* Adds the cycle's failed checks to the counters of each list and reason
 * (blmon_dns_errors_total), in one transaction. 0 or -1. */
static int record_errors(struct cycle *cy)
{
	store_t *st = cy->s->store;
	bool open = false;

	for (size_t i = 0; i < cy->nrun; i++)
		for (unsigned r = 0; r < NREASONS; r++) {
			int64_t n = cy->errs[i * NREASONS + r];
			const char *why = verdict_error_class((verdict_reason_t)r);
			if (!n || !why)
				continue;
			if (!open && store_begin(st) < 0)
				return -1;
			open = true;
			/* reasons of one class (a loopback answer, an unusable one) add to one row */
			if (store_dns_errors_add(st, cy->run_lid[i], why, n) < 0) {
				store_rollback(st);
				return -1;
			}
		}
	return open ? store_commit(st) : 0;
}

/* The lists that answered every target after a whole sweep: their settled pairs were answered
 * now (store_lists_swept). 0 or -1. */
static int lists_swept(struct cycle *cy)
{
	int64_t *lids = xcalloc(answered_lists(cy) + 1, sizeof(*lids));
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < answered_lists(cy); i++)
		if (answered_all(cy, i))
			lids[n++] = cy->run_lid[i];
	rc = n ? store_lists_swept(cy->s->store, lids, n, cy->now) : 0;
	free(lids);
	return rc;
}

/* In a cluster: the shards this cycle ran through from start to end join those swept so far,
 * until every shard has been swept once by some node. Only then is the state whole for the
 * first run's summary: it covers every node's part, in one message. 0 or -1. */
static int cluster_swept(struct cycle *cy)
{
	struct sched *s = cy->s;
	uint64_t all;

	if (!s->cfg->cluster || s->swept_all)
		return 0;
	if (store_cluster_swept(s->store, cy->ran ? cy->kept : 0, &all) < 0)
		return -1;
	s->swept_all = (all & STORE_CLUSTER_ALL) == STORE_CLUSTER_ALL;
	return 0;
}

/* Records the cycle's counters and prunes old rows, then lets the mail log
 * and the alerts see what the cycle wrote. 0 or -1. */
static int finish(struct cycle *cy, double started)
{
	struct sched *s = cy->s;
	const dnsbl_stats_t *after = dnsbl_stats(s->dns);
	struct timespec t1;

	cy->rec.queries = (int64_t)(after->queries + after->txt_queries - cy->before.queries -
				    cy->before.txt_queries);
	cy->rec.errors = (int64_t)(after->timeouts + after->errors - cy->before.timeouts -
				   cy->before.errors);
	/* the digest comes before the cycle is marked ended: whoever waits for a
	 * cycle to end can read everything it wrote, its problems included */
	/* in a cluster the coordinator digests and alerts for all: once, over every node's
	 * writes */
	cy->kept &= store_cluster_mask(&s->hold);
	if (record_errors(cy) < 0 || retire_targets(cy) < 0 || cluster_swept(cy) < 0 ||
	    (sched_coordinates(s) &&
	     (store_prune(s->store, cy->now - (int64_t)s->cfg->retention_s) < 0 ||
	      (sees_all(cy) && cy->swept && lists_swept(cy) < 0) ||
	      digest_run(s, time(NULL), cy->id) < 0)) ||
	    store_cycle_end(s->store, cy->id, time(NULL), &cy->rec) < 0)
		return -1;
	if (s->lw && sched_coordinates(s))
		logwatch_poll(s->lw, time(NULL));
	if (sched_coordinates(s))
		alert_cycle_done(s->alert, time(NULL), !s->cfg->cluster || s->swept_all);
	else
		alert_deliver(s->alert, time(NULL));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	tell_systemd(cy, (double)t1.tv_sec + (double)t1.tv_nsec / 1e9 - started);
	log_debug("cycle %lld: %zu lists, %lld targets, %lld listed, %lld failed checks, %.2f s",
		  (long long)cy->id, cy->nrun, (long long)cy->rec.targets, (long long)cy->rec.listed,
		  (long long)cy->rec.unknown,
		  (double)t1.tv_sec + (double)t1.tv_nsec / 1e9 - started);
	return 0;
}

/* The shortest interval of the enabled lists: how often cycles run. */
static unsigned shortest_interval(const config_t *c)
{
	unsigned iv = 0;

	for (size_t i = 0; i < c->catalog->n; i++) {
		const catalog_list_t *l = &c->catalog->lists[i];
		unsigned li = config_list_interval(c, l);
		if (l->enabled && l->zone && (!iv || li < iv))
			iv = li;
	}
	return iv ? iv : c->interval_s;
}

/* What was not written will be seen again, after a pause: every list waits
 * STORE_BACKOFF_FIRST seconds, doubling per failure up to the shortest
 * interval (a read-only database must not become a loop at full speed), and a
 * distinct error is logged once per STORE_LOG_EVERY. /healthz says so. */
static void store_failed(struct cycle *cy)
{
	struct sched *s = cy->s;
	unsigned cap = shortest_interval(s->cfg);
	const char *e = store_error(s->store);
	char msg[sizeof(s->store_err) + 64];

	/* whatever step failed, no transaction of it stays open: the next BEGIN would fail
	 * (SQLite), or the lost session would never be made again (PostgreSQL) */
	store_rollback(s->store);
	cy->batch = 0;
	s->store_backoff = s->store_backoff ? s->store_backoff * 2 : STORE_BACKOFF_FIRST;
	if (s->store_backoff > cap)
		s->store_backoff = cap;
	for (size_t i = 0; i < s->cfg->catalog->n; i++)
		if (s->next_due[i] < cy->now + s->store_backoff)
			s->next_due[i] = cy->now + s->store_backoff;
	if (strcmp(e, s->store_err) || cy->now - s->store_err_logged >= STORE_LOG_EVERY) {
		log_error("database %s: %s (state kept as it was; retrying every %us at most)",
			  s->cfg->database, e, cap);
		snprintf(s->store_err, sizeof(s->store_err), "%s", e);
		s->store_err_logged = cy->now;
	} else {
		log_debug("database %s: %s (again)", s->cfg->database, e);
	}
	snprintf(msg, sizeof(msg), "database %s: %s", s->cfg->database, e);
	sched_problem_set(s, msg);
	sdnotify_send(s->notify, "STATUS=%s (retrying within %us)", msg, s->store_backoff);
}

/* A cycle wrote what it had to: the database is well again. */
static void store_well(struct cycle *cy)
{
	struct sched *s = cy->s;

	sched_problem_set(s, NULL);
	if (!s->store_backoff)
		return;
	log_info("database %s: writable again", s->cfg->database);
	s->store_backoff = 0;
	s->store_err[0] = '\0';
}

/* Is the database file still the one the daemon writes? A deleted or replaced
 * file would take the history with it when the daemon stops: say so, once, and
 * open the path again (a new database when there is none, as at a first start),
 * in every cycle until it opens. 0, or -1 when it cannot be opened (a store
 * failure: store_failed says why, once per distinct error, and on /healthz). */
static int check_database_file(struct cycle *cy)
{
	struct sched *s = cy->s;

	if (!s->store_lost && store_check_file(s->store) == 0)
		return 0;
	if (!s->store_lost) {
		snprintf(s->store_lost_what, sizeof(s->store_lost_what), "%s",
			 store_error(s->store));
		log_error("%s: opening the path again; what the old file held is gone unless "
			  "restored from a backup (stop blmon, put the file back, start it)",
			  s->store_lost_what);
		s->store_lost = true;
	}
	if (store_reopen(s->store) < 0)
		return -1;
	s->store_lost = false;
	sched_problem_set(s, s->store_lost_what); /* until a cycle finished on the new file */
	return 0;
}

int cycle_run(struct sched *s)
{
	struct cycle cy;
	struct timespec t0;
	size_t n = s->cfg->catalog->n;
	int ret = -1, rc;

	memset(&cy, 0, sizeof(cy));
	cy.s = s;
	cy.now = time(NULL);
	cy.targets_whole = true;
	cy.run = xcalloc(n + 2, sizeof(*cy.run)); /* the catalog's lists and DROP's two */
	cy.run_lid = xcalloc(n + 2, sizeof(*cy.run_lid));
	cy.errs = xcalloc((n + 2) * NREASONS, sizeof(*cy.errs));
	targetset_init(&cy.ts);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (check_database_file(&cy) < 0)
		goto fail;
	rc = pick_due_lists(&cy);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		ret = 0; /* nothing due */
		goto out;
	}
	cy.before = *dnsbl_stats(s->dns);
	cy.rec.lists = (int64_t)(cy.nrun + cy.nsnds);
	if ((cy.id = store_cycle_begin(s->store, cy.now)) < 0 ||
	    (s->cfg->cluster && store_cluster_cycle(s->store, cy.id, s->cfg->cluster_node) < 0))
		goto fail;
	cy.kept = store_cluster_mask(&s->hold);
	build_targets(&cy);
	cy.budgets = xcalloc(n + 2, sizeof(*cy.budgets));
	cy.granted = xcalloc(n + 2, sizeof(*cy.granted));
	if (cycle_budget_take(&cy) < 0)
		goto fail;
	dnsbl_set_budgets(s->dns, cy.budgets);
	if (!(cy.ids = store_target_ids_load(s->store)) || add_neighbourhood(&cy) < 0)
		goto fail;
	rc = add_snds(&cy);
	if (rc == 0)
		rc = test_lists(&cy);
	if (rc > 0) {
		ret = 0; /* stopping: the cycle stays unfinished */
		goto out;
	}
	if (rc < 0)
		goto fail;
	if (cy.nrun)
		pace(&cy);
	if (check(&cy) < 0 || cycle_budget_settle(&cy) < 0 ||
	    finish(&cy, (double)t0.tv_sec + (double)t0.tv_nsec / 1e9) < 0)
		goto fail;
	store_well(&cy);
	ret = 0;
	goto out;
fail:
	store_failed(&cy);
out:
	/* a stop or a failure too: what was sent counts (what cannot be written stays held for
	 * the day, never fewer than were sent) */
	cycle_budget_settle(&cy);
	dnsbl_set_budgets(s->dns, NULL);
	free(cy.budgets);
	free(cy.granted);
	free(cy.states);
	free(cy.src_failing);
	free(cy.src_reason);
	for (size_t i = 0; cy.settled && i < cy.nrun + 2; i++) {
		free(cy.settled[i].plain);
		free(cy.settled[i].other);
	}
	free(cy.settled);
	free(cy.run);
	free(cy.run_lid);
	free(cy.errs);
	store_target_ids_free(cy.ids);
	targetset_free(&cy.ts);
	return ret;
}
