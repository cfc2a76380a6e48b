/* metrics.c -- /metrics: the store as Prometheus text exposition, HELP and TYPE on every family.
 * Label values come from DNS zones (TXT), config and mail logs: prom.c escapes them per the format. */
#include "web/metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sbuf.h"
#include "lib/xmalloc.h"
#include "store/store_alert.h"
#include "store/store_cluster.h"
#include "store/store_snds.h"
#include "web/api_int.h"
#include "web/prom.h"

#define REASON_MAX 300 /* bytes of TXT kept in a label: a label is not a document */


struct metrics {
	pthread_mutex_t lock;
	int64_t last_cycle;         /* cycles up to this id are counted */
	long long answered, failed; /* queries of the cycles counted */
	int64_t last_event;         /* events up to this id are counted */
	int64_t events[STATUS_COUNT]; /* ... by the status they went to */
};

/* ---- lifecycle ---- */

metrics_t *metrics_new(store_t *s)
{
	metrics_t *m = xcalloc(1, sizeof(*m));
	store_cycle_row_t cy;

	pthread_mutex_init(&m->lock, NULL);
	if (s && store_cycle_last(s, &cy) > 0)
		m->last_cycle = cy.id;
	return m;
}

void metrics_free(metrics_t *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* ---- the counters: DNS queries of the cycles, events ---- */

/* What the counters said at a scrape. */
struct counts {
	long long answered, failed;
	int64_t events[STATUS_COUNT];
};

static int count_cycle(void *arg, const store_cycle_row_t *c)
{
	metrics_t *m = arg;
	long long q = c->n.queries, e = c->n.errors;

	m->last_cycle = c->id;
	if (e > q)
		e = q;
	m->answered += q - e;
	m->failed += e;
	return 0;
}

/* Adds the queries of cycles ended and the events recorded since the last call to
 * the counters, and copies them into out. Each is only ever appended, so a scrape
 * counts only what is new (counting every event each time took 0.2 s at half a
 * million of them); the lock keeps the calls in order. In a cluster (node set) the
 * queries are this node's cycles only: another node's are on its own /metrics, and a
 * node's cycles end in the order they began, which the nodes' cycles together do not.
 * 0 or -1. */
static int count_new(metrics_t *m, store_t *s, const char *node, struct counts *out)
{
	int rc;

	pthread_mutex_lock(&m->lock);
	rc = store_cycles_visit_after(s, m->last_cycle, node, count_cycle, m);
	if (rc >= 0)
		rc = store_events_count(s, &m->last_event, m->events);
	out->answered = m->answered;
	out->failed = m->failed;
	memcpy(out->events, m->events, sizeof(out->events));
	pthread_mutex_unlock(&m->lock);
	return rc;
}

/* The label of what this process counts, put before the family's own: 'node="NAME",' in a
 * cluster; "" when blmon runs alone (its series stay as they were). */
static void node_label(char *out, size_t len, const char *node)
{
	char nl[200];

	out[0] = '\0';
	if (!node)
		return;
	prom_label_escape(node, nl, sizeof(nl), 63);
	snprintf(out, len, "node=\"%s\",", nl);
}

static void queries_family(sbuf_t *out, const char *node, long long answered, long long failed)
{
	char nl[256];

	prom_family(out, "blmon_dns_queries_total", "counter",
		    "DNS queries (A and TXT, test points excluded) of the check cycles ended since the "
		    "server started, by outcome: answered, or failed (timeout or resolver error). In "
		    "a cluster, this node's cycles, with its node label.");
	node_label(nl, sizeof(nl), node);
	sbuf_printf(out, "blmon_dns_queries_total{%soutcome=\"answered\"} %lld\n", nl, answered);
	sbuf_printf(out, "blmon_dns_queries_total{%soutcome=\"failed\"} %lld\n", nl, failed);
}

/* ---- listings: blmon_listed, blmon_listing_start_timestamp_seconds, blmon_listing_info ----
 * A series per target only where a target's own address or domain is listed: a
 * /16 listed through its AS is one problem, not 65,536 series (problem_families). */

struct listings {
	const api_ctx_t *c;
	const api_lists_t *ls;
	sbuf_t listed, since, info; /* the families' samples, written in one pass */
};

/* The reason of a listing for a label: its TXT records, else the meanings of its codes. */
static void listing_reason(const result_t *r, char *out, size_t len)
{
	const char *m[RESULT_MAX_MEANINGS];
	const char *p = r->txt;
	size_t o = 0, nm;

	out[0] = '\0';
	for (uint16_t i = 0; p && i < r->ntxt; i++, p += strlen(p) + 1)
		if (o + 3 < len)
			o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "; " : "", p);
	if (o || !r->list)
		return;
	nm = result_meanings(r, m, RESULT_MAX_MEANINGS);
	for (size_t i = 0; i < nm && o + 3 < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "; " : "", m[i]);
}

static int listing_samples(void *arg, const store_listing_t *li)
{
	struct listings *x = arg;
	const api_list_t *l = api_lists_get(x->ls, li->list_id);
	char tl[1024], zl[600], sl[32], reason[REASON_MAX + 1], rl[4 * REASON_MAX], url[1024],
		ul[2048];
	result_t r;

	if (!l || !l->in_use || l->row.kind != LIST_BLOCK)
		return 0; /* allow and info lists are no listing to alert on */
	api_result_from_state(&r, x->c, l, li->st);
	prom_label_escape(li->target, tl, sizeof(tl), 255);
	prom_label_escape(result_zone_shown(&r), zl, sizeof(zl), 255);
	prom_label_escape(catalog_scope_name(r.scope), sl, sizeof(sl), 16);
	/* the confirmed state: a listing stays 1 while the checks fail */
	sbuf_printf(&x->listed, "blmon_listed{target=\"%s\",zone=\"%s\",scope=\"%s\"} 1\n", tl, zl,
		    sl);
	listing_reason(&r, reason, sizeof(reason));
	if (result_removal_url(&r, li->target, url, sizeof(url)) < 0)
		url[0] = '\0';
	prom_label_escape(reason, rl, sizeof(rl), REASON_MAX);
	prom_label_escape(url, ul, sizeof(ul), 1000);
	sbuf_printf(&x->since,
		    "blmon_listing_start_timestamp_seconds{target=\"%s\",zone=\"%s\"} %lld\n", tl, zl,
		    (long long)r.since);
	sbuf_printf(&x->info,
		    "blmon_listing_info{target=\"%s\",zone=\"%s\",reason=\"%s\",removal_url=\"%s\"} 1\n",
		    tl, zl, rl, ul);
	return 0;
}

/* Appends the samples collected in b (none: the family stays empty). */
static void samples(sbuf_t *out, const sbuf_t *b)
{
	if (b->len)
		sbuf_add(out, b->p, b->len);
}

static int listings_families(sbuf_t *out, store_t *s, struct listings *x)
{
	if (store_own_listings_visit(s, listing_samples, x) < 0)
		return -1;
	prom_family(out, "blmon_listed", "gauge",
		    "1 while the target's own address or domain is listed on the block list (its "
		    "confirmed state: it keeps its value while checks fail, see "
		    "blmon_list_stale_results and blmon_resolver_up); no series when it is not. "
		    "Network and AS listings are blmon_problem_affected_targets.");
	samples(out, &x->listed);
	prom_family(out, "blmon_listing_start_timestamp_seconds", "gauge",
		    "Unix time the current listing of the target on the list began.");
	samples(out, &x->since);
	prom_family(out, "blmon_listing_info", "gauge",
		    "A current listing with the list's reason (TXT, untrusted text, else the meaning "
		    "of its codes) and removal link. Always 1.");
	samples(out, &x->info);
	return 0;
}

/* ---- problems of networks and ASes, and the digest's counts ---- */

static int problem_sample(void *arg, const store_problem_row_t *r)
{
	struct listings *x = arg;
	const api_list_t *l = api_lists_get(x->ls, r->list_id);
	char zl[600], sl[32], el[600];

	if (l && !l->in_use)
		return 0;
	prom_label_escape(catalog_zone_shown(l ? l->cl : NULL, r->p.zone), zl, sizeof(zl), 255);
	prom_label_escape(catalog_scope_name(r->p.scope), sl, sizeof(sl), 16);
	prom_label_escape(r->p.entity, el, sizeof(el), 255);
	sbuf_printf(&x->listed, "blmon_problem_affected_targets{zone=\"%s\",scope=\"%s\",entity=\"%s\"} %llu\n",
		    zl, sl, el, (unsigned long long)r->p.affected);
	return 0;
}

static int problem_families(sbuf_t *out, store_t *s, struct listings *x)
{
	store_problem_query_t q = {SCOPE_NETWORK, 0, false, 0, 1000000};
	store_summary_t sum;
	bool more;

	sbuf_free(&x->listed);
	if (store_problems_visit(s, &q, problem_sample, x, &more) < 0)
		return -1;
	q.scope = SCOPE_ASN;
	if (store_problems_visit(s, &q, problem_sample, x, &more) < 0 || store_summary(s, &sum) < 0)
		return -1;
	prom_family(out, "blmon_problem_affected_targets", "gauge",
		    "A listing of a whole network or AS (one problem, not ignored): how many "
		    "monitored targets it covers.");
	samples(out, &x->listed);
	prom_family(out, "blmon_problems", "gauge",
		    "Problems (listing causes, not ignored) by scope, as of the last cycle.");
	for (int k = SCOPE_IP; k <= SCOPE_DOMAIN; k++)
		sbuf_printf(out, "blmon_problems{scope=\"%s\"} %lld\n",
			    catalog_scope_name((list_scope_t)k), (long long)sum.by_scope[k]);
	prom_family(out, "blmon_problems_ignored", "gauge",
		    "Problems folded by [ignore] rules: counted, never alerted.");
	sbuf_printf(out, "blmon_problems_ignored %lld\n", (long long)sum.ignored);
	prom_family(out, "blmon_targets", "gauge",
		    "Monitored targets by where they stand: own (their address or domain is listed), "
		    "neighbourhood (listed only through their network or AS), unchecked, clean.");
	for (int k = 0; k < STANDING_COUNT; k++)
		sbuf_printf(out, "blmon_targets{standing=\"%s\"} %lld\n", standing_name((standing_t)k),
			    (long long)sum.standing[k]);
	prom_family(out, "blmon_targets_stale", "gauge",
		    "Monitored targets with a block-list result whose last answer is stale.");
	sbuf_printf(out, "blmon_targets_stale %lld\n", (long long)sum.stale);
	return 0;
}

/* ---- lists ---- */

/* One sample per list in use of a family with the list's zone as label. */
typedef long long (*list_value_fn)(const struct listings *x, const api_list_t *l);

static void list_family(sbuf_t *out, const struct listings *x, const char *name,
			const char *help, list_value_fn value)
{
	prom_family(out, name, "gauge", help);
	for (size_t i = 0; i < x->ls->n; i++) {
		const api_list_t *l = &x->ls->v[i];
		char zl[600];

		if (!l->in_use)
			continue;
		prom_label_escape(catalog_zone_shown(l->cl, l->row.zone), zl, sizeof(zl), 255);
		sbuf_printf(out, "%s{zone=\"%s\"} %lld\n", name, zl, value(x, l));
	}
}

static long long healthy(const struct listings *x, const api_list_t *l)
{
	(void)x;
	return l->row.health == HEALTH_OK;
}

static long long last_answer(const struct listings *x, const api_list_t *l)
{
	(void)x;
	return l->row.tally.last_answer;
}

static long long stale_results(const struct listings *x, const api_list_t *l)
{
	(void)x;
	return l->row.tally.stale;
}

static long long failing_results(const struct listings *x, const api_list_t *l)
{
	(void)x;
	return l->row.tally.failing;
}

static long long listed_targets(const struct listings *x, const api_list_t *l)
{
	(void)x;
	return l->row.tally.listed;
}

static long long list_problems(const struct listings *x, const api_list_t *l)
{
	(void)x;
	return l->row.tally.problems;
}

static long long interval(const struct listings *x, const api_list_t *l)
{
	return api_list_interval(x->c, l);
}

static void lists_families(sbuf_t *out, const struct listings *x)
{
	list_family(out, x, "blmon_list_healthy",
		    "1 when the list passed its test points in its last cycle (health ok), else 0.",
		    healthy);
	list_family(out, x, "blmon_list_last_answer_timestamp_seconds",
		    "Unix time of the newest real answer of the list (0: none yet).", last_answer);
	list_family(out, x, "blmon_list_interval_seconds",
		    "How often the list is checked.", interval);
	list_family(out, x, "blmon_list_stale_results",
		    "The list's results whose last real answer is older than its interval plus the "
		    "grace ([monitor] stale_grace): shown as last confirmed.", stale_results);
	list_family(out, x, "blmon_list_failing_results",
		    "The list's results whose checks fail now (timeouts, refusals, the list or the "
		    "resolver down).", failing_results);
	list_family(out, x, "blmon_list_listed_targets",
		    "Monitored targets the list lists (own, network or AS listings).", listed_targets);
	list_family(out, x, "blmon_list_problems",
		    "The list's problems: the listed addresses, networks, ASes and domains.",
		    list_problems);
}

#define MIRROR_AGE_HELP \
	"Seconds since the data of a list answered from rbldnsd data files was renewed: its " \
	"mirror's last complete rsync transfer, or the newest change of its files (with node: " \
	"that node's own copy, in a cluster)."

/* The age of data renewed at `at`, as of now. */
static long long data_age(int64_t now, int64_t at)
{
	return (long long)(now > at ? now - at : 0);
}

/* The age of the data of the lists answered from data files. Alone, the list's row; in a
 * cluster each node mirrors or reads its own copy, so a series per live node and list, from
 * what each node recorded (every node shows the same): the list's row says only whichever node
 * wrote last. */
static int mirror_family(sbuf_t *out, store_t *s, const struct listings *x)
{
	store_cluster_node_t *nodes = NULL;
	store_cluster_view_t *v = NULL;
	char zl[600], nl[200];
	int n, nv;

	prom_family(out, "blmon_mirror_age_seconds", "gauge", MIRROR_AGE_HELP);
	if (!x->c->node) {
		for (size_t i = 0; i < x->ls->n; i++) {
			const api_list_t *l = &x->ls->v[i];

			if (!l->in_use || !l->row.data_source[0] || !l->row.data_at)
				continue;
			prom_label_escape(catalog_zone_shown(l->cl, l->row.zone), zl, sizeof(zl), 255);
			sbuf_printf(out, "blmon_mirror_age_seconds{zone=\"%s\"} %lld\n", zl,
				    data_age(x->c->now, l->row.data_at));
		}
		return 0;
	}
	if ((n = store_cluster_nodes(s, x->c->now, &nodes)) < 0 ||
	    (nv = store_cluster_list_views(s, 0, 0, &v)) < 0) {
		free(nodes);
		return -1;
	}
	for (int k = 0; k < n; k++) {
		if (!api_node_live(x->c, &nodes[k]))
			continue;
		prom_label_escape(nodes[k].node, nl, sizeof(nl), 63);
		for (int i = 0; i < nv; i++) {
			const api_list_t *l = api_lists_get(x->ls, v[i].list_id);

			if (strcmp(v[i].node, nodes[k].node) || !l || !l->in_use ||
			    !l->row.data_source[0] || !v[i].data_at)
				continue;
			prom_label_escape(catalog_zone_shown(l->cl, l->row.zone), zl, sizeof(zl), 255);
			sbuf_printf(out, "blmon_mirror_age_seconds{node=\"%s\",zone=\"%s\"} %lld\n",
				    nl, zl, data_age(x->c->now, v[i].data_at));
		}
	}
	free(nodes);
	free(v);
	return 0;
}

static int resolver_family(sbuf_t *out, store_t *s)
{
	store_outage_t o;
	int rc = store_outage_open_get(s, &o);

	if (rc < 0)
		return -1;
	prom_family(out, "blmon_resolver_up", "gauge",
		    "0 while the resolver is down (every list failed its test points the same way), "
		    "else 1.");
	sbuf_printf(out, "blmon_resolver_up %d\n", rc == 0);
	return 0;
}

/* The nodes of a cluster ([cluster]); no series when blmon runs alone. */
static int cluster_families(sbuf_t *out, store_t *s, int64_t now)
{
	static const struct {
		const char *name, *help;
	} fam[] = {
		{"blmon_cluster_node_shards",
		 "Shards of the targets a node of the cluster holds by an unexpired lease."},
		{"blmon_cluster_node_can_check",
		 "0 when a node's resolver failed at its last renewal (it holds no shard), else 1."},
		{"blmon_cluster_node_coordinator",
		 "1 for the node that turns events into alerts and digests problems."},
		{"blmon_cluster_node_last_renewal_timestamp_seconds",
		 "When a node last renewed its leases (unix time)."},
	};
	store_cluster_node_t *nodes = NULL;
	char nl[200];
	int n = store_cluster_nodes(s, now, &nodes);

	if (n < 0)
		return -1;
	for (size_t f = 0; n > 0 && f < sizeof(fam) / sizeof(fam[0]); f++) {
		prom_family(out, fam[f].name, "gauge", fam[f].help);
		for (int i = 0; i < n; i++) {
			/* in fam's order */
			const long long v[] = {nodes[i].shards, nodes[i].healthy, nodes[i].coordinator,
					       (long long)nodes[i].seen};

			prom_label_escape(nodes[i].node, nl, sizeof(nl), 63);
			sbuf_printf(out, "%s{node=\"%s\"} %lld\n", fam[f].name, nl, v[f]);
		}
	}
	free(nodes);
	return 0;
}

/* ---- cycles and events ---- */

/* The last cycle: the cluster's (or blmon's alone), then, in a cluster, each node's, labelled
 * with its node (each family's series together, as the text format wants). */
static int cycle_families(sbuf_t *out, store_t *s)
{
	store_cycle_row_t cy;
	store_cluster_cycle_t *c = NULL;
	char nl[200];
	int n;

	if (store_cycle_last(s, &cy) < 0 || (n = store_cluster_cycles(s, &c)) < 0)
		return -1;
	prom_family(out, "blmon_last_cycle_timestamp_seconds", "gauge",
		    "Unix time the last check cycle ended (with node: that node's, in a cluster).");
	if (cy.ended)
		sbuf_printf(out, "blmon_last_cycle_timestamp_seconds %lld\n", (long long)cy.ended);
	for (int i = 0; i < n; i++) {
		prom_label_escape(c[i].node, nl, sizeof(nl), 63);
		sbuf_printf(out, "blmon_last_cycle_timestamp_seconds{node=\"%s\"} %lld\n", nl,
			    (long long)c[i].ended);
	}
	prom_family(out, "blmon_cycle_duration_seconds", "gauge",
		    "Duration of the last check cycle (with node: that node's, in a cluster).");
	if (cy.ended)
		sbuf_printf(out, "blmon_cycle_duration_seconds %lld\n",
			    (long long)(cy.ended - cy.started));
	for (int i = 0; i < n; i++) {
		prom_label_escape(c[i].node, nl, sizeof(nl), 63);
		sbuf_printf(out, "blmon_cycle_duration_seconds{node=\"%s\"} %lld\n", nl,
			    (long long)(c[i].ended - c[i].started));
	}
	free(c);
	return 0;
}

static void events_family(sbuf_t *out, const int64_t n[STATUS_COUNT])
{
	prom_family(out, "blmon_events_total", "counter",
		    "Confirmed state changes recorded in the database, by the new state.");
	sbuf_printf(out, "blmon_events_total{to=\"listed\"} %lld\n", (long long)n[STATUS_LISTED]);
	sbuf_printf(out, "blmon_events_total{to=\"clean\"} %lld\n", (long long)n[STATUS_CLEAN]);
}

/* ---- failed checks by list and reason ---- */

struct dns_errors {
	sbuf_t *out;
	const struct listings *x;
};

static int dns_error_sample(void *arg, int64_t list_id, const char *reason, int64_t n)
{
	struct dns_errors *e = arg;
	const api_list_t *l = api_lists_get(e->x->ls, list_id);
	char zl[600], rl[64];

	if (!l || !l->in_use)
		return 0; /* the lists of the running config: a bounded label */
	prom_label_escape(catalog_zone_shown(l->cl, l->row.zone), zl, sizeof(zl), 255);
	prom_label_escape(reason, rl, sizeof(rl), 32);
	sbuf_printf(e->out, "blmon_dns_errors_total{zone=\"%s\",reason=\"%s\"} %lld\n", zl, rl,
		    (long long)n);
	return 0;
}

static int dns_errors_family(sbuf_t *out, store_t *s, const struct listings *x)
{
	struct dns_errors e = {out, x};

	prom_family(out, "blmon_dns_errors_total", "counter",
		    "Checks of a target on a list that got no usable answer, since the database was "
		    "made, by the list's zone and why: timeout, servfail, refused, "
		    "connection_refused, tcp_closed, error_code (the list's refusal code), bad_answer, "
		    "list_dead, list_wildcard, list_refused, list_unreachable (its test points "
		    "failed), no_data (its data files never loaded), other. A failed check never changes what is known.");
	return store_dns_errors_visit(s, dns_error_sample, &e);
}

/* ---- the alert queue ---- */

static int alert_families(sbuf_t *out, store_t *s, int64_t now)
{
	store_alert_queue_stats_t q;

	if (store_alert_queue_stats(s, &q) < 0)
		return -1;
	prom_family(out, "blmon_alerts_queued", "gauge",
		    "Alert messages waiting for a server to accept them (every channel and "
		    "destination): neither delivered nor given up.");
	sbuf_printf(out, "blmon_alerts_queued %lld\n", (long long)q.queued);
	prom_family(out, "blmon_alert_oldest_queued_seconds", "gauge",
		    "Age of the oldest waiting alert message (0 when none waits): a channel that "
		    "fails keeps it growing.");
	sbuf_printf(out, "blmon_alert_oldest_queued_seconds %lld\n",
		    (long long)(q.oldest && now > q.oldest ? now - q.oldest : 0));
	prom_family(out, "blmon_alert_delivery_failures_total", "counter",
		    "Failed delivery attempts by channel (email: no 250 after DATA; webhook: no 2xx), "
		    "since the database was made.");
	for (size_t i = 0; i < STORE_ALERT_NCHANNELS; i++)
		sbuf_printf(out, "blmon_alert_delivery_failures_total{channel=\"%s\"} %lld\n",
			    store_alert_channel(i), (long long)q.channel[i].failures);
	return 0;
}

/* ---- provider rejections and incidents from the MTA's log ([logwatch]) ---- */

static int rejection_sample(void *arg, const char *provider, const char *kind, int64_t n)
{
	char pl[600], kl[64];

	prom_label_escape(provider, pl, sizeof(pl), 200);
	prom_label_escape(kind, kl, sizeof(kl), 20);
	sbuf_printf(arg, "blmon_provider_rejections_total{provider=\"%s\",kind=\"%s\"} %lld\n", pl,
		    kl, (long long)n);
	return 0;
}

static int incident_sample(void *arg, const char *provider, const char *unused, int64_t open)
{
	char pl[600];

	(void)unused;
	prom_label_escape(provider, pl, sizeof(pl), 200);
	sbuf_printf(arg, "blmon_provider_incident{provider=\"%s\"} %d\n", pl, open != 0);
	return 0;
}

static int incident_families(sbuf_t *out, store_t *s)
{
	prom_family(out, "blmon_provider_rejections_total", "counter",
		    "Rejections read in the MTA's log ([logwatch]), by provider and kind "
		    "(ip-blocklisted, rate-limited, reputation, policy, other).");
	if (store_rejection_counts_visit(s, rejection_sample, out) < 0)
		return -1;
	prom_family(out, "blmon_provider_incident", "gauge",
		    "1 while a provider incident is open (the provider rejects our mail), else 0.");
	return store_incident_providers_visit(s, incident_sample, out);
}

/* ---- Microsoft SNDS: the day's numbers of the targets SNDS has data for ---- */

struct snds_samples {
	sbuf_t messages, complaint, traps, filter;
};

static int snds_sample(void *arg, const store_snds_t *r)
{
	struct snds_samples *x = arg;
	char tl[200];

	prom_label_escape(r->ip, tl, sizeof(tl), 64);
	sbuf_printf(&x->messages, "blmon_snds_messages{target=\"%s\"} %lld\n", tl,
		    (long long)r->data);
	sbuf_printf(&x->complaint, "blmon_snds_complaint_rate{target=\"%s\"} %.6g\n", tl,
		    r->complaint_rate);
	sbuf_printf(&x->traps, "blmon_snds_trap_hits{target=\"%s\"} %lld\n", tl,
		    (long long)r->trap_hits);
	sbuf_printf(&x->filter, "blmon_snds_filter{target=\"%s\"} %d\n", tl, (int)r->filter);
	return 0;
}

/* A series per target only where SNDS has numbers for it: at most the addresses registered
 * to the keys that sent mail to Outlook.com that day. */
static int snds_families(sbuf_t *out, store_t *s)
{
	struct snds_samples x = {SBUF_INIT, SBUF_INIT, SBUF_INIT, SBUF_INIT};
	int rc = store_snds_targets_visit(s, snds_sample, &x);

	if (rc == 0) {
		prom_family(out, "blmon_snds_messages", "gauge",
			    "Microsoft SNDS: messages (DATA commands) the target sent to Outlook.com on "
			    "the day of SNDS's last data.");
		samples(out, &x.messages);
		prom_family(out, "blmon_snds_complaint_rate", "gauge",
			    "Microsoft SNDS: the target's complaint rate that day, as a fraction "
			    "(SNDS's \"< 0.1%\" is 0); rising complaints come before a block.");
		samples(out, &x.complaint);
		prom_family(out, "blmon_snds_trap_hits", "gauge",
			    "Microsoft SNDS: messages from the target that hit Outlook.com spam traps "
			    "that day.");
		samples(out, &x.traps);
		prom_family(out, "blmon_snds_filter", "gauge",
			    "Microsoft SNDS: the target's filter result that day: 0 GREEN (under 10% "
			    "judged spam), 1 YELLOW (10% to 90%), 2 RED (over 90%).");
		samples(out, &x.filter);
	}
	sbuf_free(&x.messages);
	sbuf_free(&x.complaint);
	sbuf_free(&x.traps);
	sbuf_free(&x.filter);
	return rc;
}

/* ---- the document ---- */

/* Every family, in order, from one snapshot of s. 0 or -1 (the store's error). */
static int render(sbuf_t *out, store_t *s, struct listings *x, const struct counts *n)
{
	char nl[256];

	prom_family(out, "blmon_build_info", "gauge",
		    "The running blmon: its version as the label (and its node, in a cluster). "
		    "Always 1.");
	node_label(nl, sizeof(nl), x->c->node);
	sbuf_printf(out, "blmon_build_info{%sversion=\"%s\"} 1\n", nl, BLMON_VERSION);
	if (listings_families(out, s, x) < 0 || problem_families(out, s, x) < 0)
		return -1;
	lists_families(out, x);
	if (mirror_family(out, s, x) < 0 || resolver_family(out, s) < 0 ||
	    cycle_families(out, s) < 0 || cluster_families(out, s, x->c->now) < 0)
		return -1;
	queries_family(out, x->c->node, n->answered, n->failed);
	events_family(out, n->events);
	if (dns_errors_family(out, s, x) < 0 || alert_families(out, s, x->c->now) < 0 ||
	    incident_families(out, s) < 0 || snds_families(out, s) < 0)
		return -1;
	return 0;
}

char *metrics_render(metrics_t *m, store_t *s, const api_ctx_t *c, size_t *len, char *err,
		     size_t errlen)
{
	sbuf_t out = SBUF_INIT;
	api_lists_t ls = {0};
	struct listings x = {c, &ls, SBUF_INIT, SBUF_INIT, SBUF_INIT};
	struct counts n;
	char *text = NULL;

	*len = 0;
	err[0] = '\0';
	/* outside the snapshot: the counters move on with every finished cycle */
	if (count_new(m, s, c->node, &n) < 0) {
		api_dberr(s, err, errlen);
		return NULL;
	}
	if (api_begin(s, err, errlen) < 0)
		return NULL;
	if (api_lists_load(s, c, &ls, err, errlen) < 0)
		goto out;
	if (render(&out, s, &x, &n) < 0) {
		api_dberr(s, err, errlen);
		goto out;
	}
	*len = out.len;
	text = sbuf_take(&out);
out:
	api_end(s);
	api_lists_free(&ls);
	sbuf_free(&out);
	sbuf_free(&x.listed);
	sbuf_free(&x.since);
	sbuf_free(&x.info);
	return text;
}
