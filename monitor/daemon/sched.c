/* sched.c -- the daemon: per-list intervals, paced cycles, confirmation, history, reload.
 * The only writer of the database; one cycle's changes are committed in batches. */
#include "monitor/daemon/sched.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checks/dnsbl.h"
#include "lib/text.h"
#include "lib/xmalloc.h"
#include "checks/discover.h"
#include "monitor/alert/alert.h"
#include "monitor/daemon/neighbourhood.h"
#include "lib/log.h"
#include "monitor/mtalog/logwatch.h"
#include "store/store.h"
#include "monitor/daemon/confirm.h"

#define BATCH 500         /* targets per transaction */
#define SPREAD 4          /* a cycle's queries are spread over interval / SPREAD */
#define MIN_RATE 20.0     /* queries/s: small configs finish quickly anyway */

struct sched {
	char *path;
	config_t *cfg;
	store_t *store;
	dnsbl_t *dns;
	neighbourhood_t *hood;
	volatile sig_atomic_t *stop;
	int64_t *next_due; /* per catalog list */
	/* the cycle in progress */
	catalog_list_t **run; /* DNS lists of the cycle, then the DROP pseudo-lists */
	int64_t *run_lid;
	size_t nrun;          /* DNS lists */
	bool drop;            /* run[nrun], run[nrun + 1] are DROP and ASN-DROP */
	int64_t now;
	unsigned batch;
	store_cycle_t cyc;
	int failed; /* a store write failed this cycle */
	unsigned rng;
	void (*on_reload)(void *ud); /* told after a successful reload */
	void *on_reload_ud;
	alert_t *alert; /* alerts: queue and delivery (alert.c) */
	logwatch_t *lw; /* the MTA's mail log ([logwatch], logwatch.c) */
};

static unsigned list_interval(const config_t *c, const catalog_list_t *l)
{
	return l->interval_s ? l->interval_s : c->interval_s;
}

/* ---- budgets ---- */

static unsigned long long applicable(const config_t *c, const catalog_list_t *l)
{
	unsigned long long n = 0;

	for (size_t i = 0; i < c->ntargets; i++) {
		const config_target_t *t = &c->targets[i];
		if (t->kind == CT_HOST) /* a host: assume an IPv4 and an IPv6 address */
			n += l->qtype == QTYPE_IP ? 1 + l->ipv6 : 0;
		else if (dnsbl_list_applies(l, t->spec.first.type))
			n += t->spec.count;
	}
	return n;
}

int sched_budget_check(const config_t *c, char *report, size_t len)
{
	size_t used = 0;
	int over = 0;

	report[0] = '\0';
	for (size_t i = 0; i < c->catalog->n; i++) {
		const catalog_list_t *l = &c->catalog->lists[i];
		unsigned iv = list_interval(c, l);
		unsigned long long per_cycle, per_day, n;

		if (!l->enabled || !l->zone || !l->budget)
			continue;
		n = applicable(c, l);
		per_cycle = n + 4; /* plus test points */
		per_day = per_cycle * (86400ULL + iv - 1) / iv;
		if (per_day <= l->budget)
			continue;
		over++;
		used += (size_t)snprintf(report + used, used < len ? len - used : 0,
					 "%s%s (%s): %llu queries/day implied (%llu targets every %us plus test "
					 "points) exceed its budget of %u/day; raise interval in [list %s] to at "
					 "least %llus, check fewer targets, or use a key/mirror",
					 used ? "\n" : "", l->name, l->zone, per_day, n, iv, l->budget,
					 l->id, per_cycle * 86400ULL / l->budget + 1);
	}
	return over;
}

/* ---- results into the store ---- */

static void log_change(sched_t *s, int64_t tid, const target_t *t, const catalog_list_t *l,
		       const char *from, const store_state_t *st, const dnsbl_result_t *r,
		       const char *reason)
{
	char esc[600], what[600] = "", hood[400] = "", asname[200];
	size_t o = 0;
	store_asn_t asn;

	/* a neighbourhood listing names the neighbourhood: that is what the admin must act on */
	if (l->scope == SCOPE_ASN || l->scope == SCOPE_NETWORK) {
		bool known = store_asn_get(s->store, tid, &asn) == 1 && asn.asn >= 0;
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

static void observe(sched_t *s, const target_t *t, int64_t tid, const dnsbl_result_t *r)
{
	const catalog_list_t *l = s->run[r->list];
	int64_t lid = s->run_lid[r->list];
	store_state_t st;
	store_answer_t obs;
	char reason[STORE_REASON_MAX];
	status_t status = (status_t)r->v.status, from = STATUS_UNKNOWN;
	confirm_result_t cr;

	if (store_state_get(s->store, tid, lid, &st) < 0) {
		s->failed = 1;
		return;
	}
	verdict_reason(&r->v, l, reason, sizeof(reason));
	store_answer_set(&obs, r, reason);
	cr = confirm_observe(&st, status, &obs, s->cfg->confirm, s->now, &from);
	if (cr != CONFIRM_PENDING) {
		/* the confirmed state's details follow the latest answer */
		memcpy(st.ans.txt, obs.txt, sizeof(obs.txt));
		st.ans.ntxt = obs.ntxt;
		memcpy(st.ans.reason, obs.reason, sizeof(obs.reason));
	}
	/* an answer may be reused for its TTL; errors and clean answers are re-asked */
	st.ttl_until = r->v.status == STATUS_LISTED ? s->now + r->ttl : 0;
	if (cr == CONFIRM_FIRST || cr == CONFIRM_CHANGED) {
		store_event_t ev;
		memset(&ev, 0, sizeof(ev));
		ev.at = s->now;
		ev.target_id = tid;
		ev.list_id = lid;
		ev.first = cr == CONFIRM_FIRST;
		ev.from = from;
		ev.to = st.status;
		ev.ans = st.ans;
		if (store_event_add(s->store, &ev) < 0)
			s->failed = 1;
		/* a sidelined list was logged once with its health; its first unknown
		 * verdicts for every target would only bury that line */
		bool sidelined = r->v.reason >= REASON_LIST_DEAD && r->v.reason <= REASON_LIST_UNREACHABLE;
		if (cr == CONFIRM_FIRST && sidelined)
			log_debug("%s %s: unknown (list not usable this run)", t->name, l->zone);
		else if (cr == CONFIRM_CHANGED || st.status != STATUS_CLEAN)
			log_change(s, tid, t, l, cr == CONFIRM_FIRST ? NULL : status_name(from), &st, r,
				   reason);
	} else if (cr == CONFIRM_PENDING) {
		log_debug("%s %s: %s seen %d of %u times, not yet confirmed", t->name, l->zone,
			  status_name(status), st.pending_count, s->cfg->confirm);
	}
	if (store_state_put(s->store, tid, lid, &st) < 0)
		s->failed = 1;
}

static void on_target(void *ud, const target_t *t, const dnsbl_result_t *res, size_t nres)
{
	sched_t *s = ud;
	int64_t tid;

	if (s->failed)
		return;
	if (s->batch == 0 && store_begin(s->store) < 0) {
		s->failed = 1;
		return;
	}
	tid = store_target_id(s->store, t, s->now);
	if (tid < 0) {
		s->failed = 1;
		return;
	}
	s->cyc.targets++;
	for (size_t i = 0; i < nres; i++) {
		if (res[i].skipped || res[i].v.reason == REASON_NOT_RUN)
			continue; /* fresh by TTL, or interrupted: nothing was learned */
		if (res[i].v.status == STATUS_LISTED)
			s->cyc.listed++;
		else if (res[i].v.status == STATUS_UNKNOWN)
			s->cyc.unknown++;
		observe(s, t, tid, &res[i]);
	}
	if (s->drop) {
		dnsbl_result_t dr[2];
		size_t n = neighbourhood_drop_results(s->hood, s->store, tid, t, dr, (uint16_t)s->nrun,
					     (uint16_t)(s->nrun + 1));
		for (size_t i = 0; i < n; i++)
			if (!dr[i].skipped) {
				s->cyc.listed += dr[i].v.status == STATUS_LISTED;
				observe(s, t, tid, &dr[i]);
			}
	}
	if (++s->batch >= BATCH) {
		if (store_commit(s->store) < 0)
			s->failed = 1;
		s->batch = 0;
	}
}

/* TTL honoured: a listed answer is not asked again before it expires. */
static bool skip_fresh(void *ud, const target_t *t, size_t list)
{
	sched_t *s = ud;
	store_state_t st;
	int64_t tid;

	/* look the target up without creating it: a new target is never fresh */
	tid = store_target_known(s->store, t->name);
	if (tid <= 0)
		return false;
	if (store_state_get(s->store, tid, s->run_lid[list], &st) != 1)
		return false;
	return st.ttl_until > s->now;
}

/* ---- cycles ---- */

/* The cycle's targets: the config's addresses, networks and domains, plus
 * the current addresses of its hosts. */
static void build_targets(sched_t *s, targetset_t *ts)
{
	char err[300];

	for (size_t i = 0; i < s->cfg->ntargets; i++) {
		config_target_t *t = &s->cfg->targets[i];
		char warn[1024];

		if (t->kind == CT_HOST) {
			if (dnsbl_resolve_host(s->dns, t->value, ts, err, sizeof(err)) < 0)
				log_warn("%s", err);
			continue;
		}
		targetset_add(ts, &t->spec);
		/* a domain's mail servers and SPF networks are watched too */
		if (t->kind == CT_DOMAIN &&
		    discover_domain(s->dns, t->value, &s->cfg->limits, ts, warn, sizeof(warn), err,
				    sizeof(err)) < 0)
			log_warn("domain %s: no sending addresses discovered: %s", t->value, err);
		else if (t->kind == CT_DOMAIN && warn[0])
			log_warn("domain %s: %s", t->value, warn);
	}
}

static unsigned jitter(sched_t *s, unsigned interval)
{
	/* up to 5% of the interval, so restarts and many daemons do not align */
	s->rng = s->rng * 1103515245u + 12345u;
	return interval >= 20 ? (s->rng >> 8) % (interval / 20) : 0;
}

static int run_cycle(sched_t *s)
{
	config_t *c = s->cfg;
	targetset_t ts;
	dnsbl_list_state_t *states = NULL;
	struct timespec t0, t1;
	unsigned min_iv = 0;
	unsigned long long expected = 0;
	bool v6 = false;
	int64_t cid;
	int ret = 0;
	dnsbl_stats_t before;

	targetset_init(&ts);
	s->now = time(NULL);
	s->nrun = 0;
	for (size_t i = 0; i < c->catalog->n; i++) {
		catalog_list_t *l = &c->catalog->lists[i];
		unsigned iv = list_interval(c, l);
		if (!l->enabled || !l->zone || s->next_due[i] > s->now)
			continue;
		s->run[s->nrun] = l;
		s->run_lid[s->nrun++] = store_list_id(s->store, l);
		if (s->run_lid[s->nrun - 1] < 0)
			goto store_fail;
		s->next_due[i] = s->now + iv + jitter(s, iv);
		if (!min_iv || iv < min_iv)
			min_iv = iv;
	}
	if (s->nrun == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	before = *dnsbl_stats(s->dns);
	memset(&s->cyc, 0, sizeof(s->cyc));
	s->cyc.lists = (int64_t)s->nrun;
	cid = store_cycle_begin(s->store, s->now);
	if (cid < 0)
		goto store_fail;
	build_targets(s, &ts);
	for (size_t i = 0; i < ts.n; i++)
		v6 |= ts.specs[i].first.type == TARGET_IPV6;
	if (neighbourhood_asn_refresh(s->hood, s->dns, s->store, &ts, c->asn_refresh_s, s->now) < 0)
		goto store_fail;
	neighbourhood_drop_refresh(s->hood, c, s->store, s->now);
	s->drop = neighbourhood_drop_active(s->hood);
	if (s->drop) {
		s->run[s->nrun] = neighbourhood_drop_list(s->hood);
		s->run[s->nrun + 1] = neighbourhood_asndrop_list(s->hood);
		s->run_lid[s->nrun] = store_list_id(s->store, s->run[s->nrun]);
		s->run_lid[s->nrun + 1] = store_list_id(s->store, s->run[s->nrun + 1]);
		if (s->run_lid[s->nrun] < 0 || s->run_lid[s->nrun + 1] < 0)
			goto store_fail;
	}
	states = xcalloc(s->nrun, sizeof(*states));
	if (dnsbl_test_lists(s->dns, s->run, s->nrun, v6, states) < 0)
		goto out; /* stopping */
	for (size_t i = 0; i < s->nrun; i++) {
		int ch = store_list_health(s->store, s->run_lid[i], states[i].health,
					   states[i].detail, s->now);
		if (ch < 0)
			goto store_fail;
		if (ch > 0 && states[i].health != HEALTH_OK)
			log_warn("list %s (%s) is %s: %s", s->run[i]->name, s->run[i]->zone,
				 dnsbl_health_name(states[i].health), states[i].detail);
		else if (ch > 0)
			log_info("list %s (%s) is ok", s->run[i]->name, s->run[i]->zone);
		for (size_t k = 0; k < ts.n; k++)
			if (dnsbl_list_applies(s->run[i], ts.specs[k].first.type))
				expected += ts.specs[k].count;
	}
	/* spread the cycle's queries instead of bursting them at the lists */
	{
		double rate = (double)expected / ((double)min_iv / SPREAD);
		dnsbl_set_rate(s->dns, rate < MIN_RATE ? MIN_RATE : rate);
	}
	s->batch = 0;
	s->failed = 0;
	dnsbl_set_skip(s->dns, skip_fresh, s);
	dnsbl_run(s->dns, s->run, s->nrun, states, &ts, on_target, s);
	if (s->batch && store_commit(s->store) < 0)
		s->failed = 1;
	s->batch = 0;
	if (s->failed)
		goto store_fail;
	{
		const dnsbl_stats_t *after = dnsbl_stats(s->dns);
		s->cyc.queries = (int64_t)(after->queries + after->txt_queries - before.queries -
					   before.txt_queries);
		s->cyc.errors = (int64_t)(after->timeouts + after->errors - before.timeouts -
					  before.errors);
	}
	if (store_cycle_end(s->store, cid, time(NULL), &s->cyc) < 0 ||
	    store_prune(s->store, s->now - (int64_t)c->retention_s) < 0)
		goto store_fail;
	if (s->lw)
		logwatch_poll(s->lw, time(NULL));
	alert_cycle_done(s->alert, time(NULL));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("cycle %lld: %zu lists, %lld targets, %lld listed, %lld unknown, %.2f s",
		  (long long)cid, s->nrun, (long long)s->cyc.targets, (long long)s->cyc.listed,
		  (long long)s->cyc.unknown,
		  (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	goto out;
store_fail:
	if (s->batch)
		store_rollback(s->store);
	s->batch = 0;
	log_error("database %s: %s (state kept as it was; retrying next cycle)", c->database,
		  store_error(s->store));
	/* what was not written will be seen again: lists are due again soon */
	for (size_t i = 0; i < c->catalog->n; i++)
		if (s->next_due[i] > s->now + 60)
			s->next_due[i] = s->now + 60;
	ret = -1;
out:
	dnsbl_set_skip(s->dns, NULL, NULL);
	free(states);
	targetset_free(&ts);
	return ret;
}

/* ---- lifecycle ---- */

static int load(const char *path, config_t **out, int *code, char *err, size_t errlen)
{
	char report[4096];
	config_t *c;

	if (config_load(path, &c, err, errlen) < 0) {
		*code = 2;
		return -1;
	}
	if (c->ntargets == 0) {
		snprintf(err, errlen, "%s: no targets: add ip, network, host or domain keys to [targets]",
			 path);
		config_free(c);
		*code = 2;
		return -1;
	}
	{
		size_t on = 0;
		for (size_t i = 0; i < c->catalog->n; i++)
			on += c->catalog->lists[i].enabled && c->catalog->lists[i].zone;
		if (on == 0) {
			snprintf(err, errlen, "%s: no lists enabled: see [lists] (default, enable, only)",
				 path);
			config_free(c);
			*code = 2;
			return -1;
		}
	}
	if (sched_budget_check(c, report, sizeof(report)) > 0) {
		if (!c->budget_warn) {
			snprintf(err, errlen, "%s\n(set budget = warn in [monitor] to run anyway)", report);
			config_free(c);
			*code = 2;
			return -1;
		}
		log_warn("%s", report);
	}
	*out = c;
	return 0;
}

static void set_lists(sched_t *s)
{
	size_t n = s->cfg->catalog->n;

	free(s->next_due);
	free(s->run);
	free(s->run_lid);
	s->next_due = xcalloc(n, sizeof(*s->next_due)); /* all due now */
	s->run = xcalloc(n + 2, sizeof(*s->run));
	s->run_lid = xcalloc(n + 2, sizeof(*s->run_lid));
}

sched_t *sched_new(const char *config_path, volatile sig_atomic_t *stop, int *code, char *err,
		   size_t errlen)
{
	sched_t *s = xcalloc(1, sizeof(*s));

	s->path = xstrdup(config_path);
	s->stop = stop;
	if (load(config_path, &s->cfg, code, err, errlen) < 0)
		goto fail;
	*code = 1;
	s->store = store_open(s->cfg->database, STORE_RW, err, errlen);
	if (!s->store)
		goto fail;
	s->dns = config_engine(s->cfg, stop, err, errlen);
	if (!s->dns) {
		*code = 2;
		goto fail;
	}
	s->rng = (unsigned)time(NULL) ^ (unsigned)getpid();
	s->hood = neighbourhood_new();
	s->alert = alert_new(s->cfg, s->store, stop, err, errlen);
	if (!s->alert)
		goto fail;
	s->lw = logwatch_new(s->cfg, err, errlen);
	if (!s->lw)
		goto fail;
	set_lists(s);
	return s;
fail:
	sched_free(s);
	return NULL;
}

void sched_on_reload(sched_t *s, void (*fn)(void *ud), void *ud)
{
	s->on_reload = fn;
	s->on_reload_ud = ud;
}

void sched_free(sched_t *s)
{
	if (!s)
		return;
	logwatch_free(s->lw);
	alert_free(s->alert);
	dnsbl_free(s->dns);
	neighbourhood_free(s->hood);
	store_close(s->store);
	config_free(s->cfg);
	free(s->next_due);
	free(s->run);
	free(s->run_lid);
	free(s->path);
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
		logwatch_t *lw = logwatch_new(s->cfg, err, sizeof(err));
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

		if (reload_flag && *reload_flag) {
			*reload_flag = 0;
			reload(s);
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
			run_cycle(s);
			if (max_cycles && ++cycles >= max_cycles)
				break;
			continue;
		}
		if (s->lw)
			logwatch_poll(s->lw, now);
		alert_idle(s->alert, now);
		/* sleep until the next list is due; signals cut the wait short */
		poll(NULL, 0, next - now >= 1 ? 1000 : (int)((next - now) * 1000));
	}
	log_info("blmon stopping");
	return 0;
}
