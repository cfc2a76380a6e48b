/* dnsbl.c -- the check engine: keeps a bounded window of c-ares queries in flight.
 * Targets enter a ring in input order, leave it in input order once all their lists answered. */
#include "checks/dnsbl.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "checks/qname.h"
#include "lib/xmalloc.h"

#define TXT_MAX 2048     /* TXT bytes kept per result: zones are not ours to trust */
#define MAX_ADDRS 16     /* addresses of a host (host:NAME) read per answer */
#define WINDOW_MIN 8.0
/* Start below a typical server socket's capacity and grow (slow start): a
 * first burst of `concurrency` datagrams is what overflows a busy server, and
 * each datagram lost costs a whole timeout. */
#define WINDOW_START 64.0
#define RING_PER_QUERY 256 /* ring slots per allowed in-flight query: a lost datagram holds
                           * its target for a whole timeout, and the ring must not fill
                           * meanwhile (2 s at 90k q/s is ~22k targets of 8 lists) */
#define RING_MAX_RESULTS 262144 /* results held in the ring at most (~15 MiB), whatever
				* the number of lists: the ring is bookkeeping, not output */

enum qphase { PH_A, PH_TXT };

/* One in-flight query. Pooled: the hot path never allocates on our side. */
struct qctx {
	dnsbl_t *d;
	uint32_t slot;
	uint16_t res;   /* index of the result within the slot */
	uint8_t phase;
	uint8_t retried;     /* re-sent once after its TCP connection was closed */
	uint32_t tcp_closed; /* d->tcp_closed when the query was sent */
	struct qctx *next_free;
};

/* A target in the ring with its results. */
struct slot {
	target_t t;
	uint32_t pending; /* queries outstanding, +1 while still being fed */
	uint16_t nres;
	dnsbl_result_t *res;
};

struct dnsbl {
	ares_channel ch;
	dnsbl_opts_t opts;
	struct pollfd *pfds;
	bool *pfd_tcp;        /* per pfds entry: a TCP connection */
	size_t npfds, cappfds, cappfd_tcp;
	uint32_t tcp_closed;  /* TCP connections c-ares closed so far */
	dnsbl_stats_t stats;
	unsigned inflight;
	/* per-run state */
	catalog_list_t *const *lists;
	size_t nlists;
	const dnsbl_list_state_t *states;
	struct slot *ring;
	dnsbl_result_t *resbuf;
	uint32_t ringcap, head, count;
	struct qctx *pool, *freeq;
	char qbuf[QNAME_MAX];
	/* pacing: queries started since run_start against opts.rate */
	double run_start;
	uint64_t started;
	int wait_ms; /* > 0 when the rate limit holds the next query back */
	uint64_t *lstarted; /* per list of the run: queries started, against its rate */
	unsigned share;     /* engines sharing each list's rate (dnsbl_set_list_share; >= 1) */
	dnsbl_budget_t *budgets; /* per list of the run: sent, against a cap (dnsbl_set_budgets) */
	uint64_t *ltxt;     /* per list of the run: A queries in flight, each a TXT query to come
			       at most (counted against its cap) */
	/* Congestion window (AIMD, as TCP does): a server whose socket overflows
	 * drops datagrams, and each drop costs a whole timeout. The window halves
	 * when answers needed retries and grows by one every 20 ms of clean
	 * answers, between WINDOW_MIN and opts.concurrency. */
	double window;
	double last_cut, last_grow;
	dnsbl_skip_cb skip;
	void *skip_ud;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void dnsbl_set_rate(dnsbl_t *d, double per_second)
{
	d->opts.rate = per_second > 0 ? per_second : 0;
}

void dnsbl_set_list_share(dnsbl_t *d, unsigned n)
{
	d->share = n > 1 ? n : 1;
}

void dnsbl_set_budgets(dnsbl_t *d, dnsbl_budget_t *b)
{
	d->budgets = b;
}

unsigned dnsbl_test_queries(const catalog_list_t *l, bool v6)
{
	if (l->dataset)
		return 0;
	return v6 && l->ipv6 && l->qtype == QTYPE_IP ? 4 : 2;
}

void dnsbl_set_skip(dnsbl_t *d, dnsbl_skip_cb skip, void *ud)
{
	d->skip = skip;
	d->skip_ud = ud;
}

/* May query number `started` + 1 start now at `rate` per second since the run
 * began? Sets d->wait_ms when not. A small burst allowance keeps the window
 * from idling between timer wakeups without ever exceeding the rate over the
 * run by more than that burst. */
static bool pace_ok(dnsbl_t *d, double rate, uint64_t started)
{
	double allowed, burst;

	if (rate <= 0)
		return true;
	burst = rate / 50 > 1 ? rate / 50 : 1;
	allowed = (now_s() - d->run_start) * rate + burst;
	if ((double)started < allowed)
		return true;
	d->wait_ms = (int)(((double)started + 1 - allowed) / rate * 1000) + 1;
	return false;
}

static const char *const health_names[] = {"ok", "dead", "wildcard", "unreachable", "refused",
					   "untested"};

const char *dnsbl_health_name(dnsbl_health_t h)
{
	return health_names[h];
}

int dnsbl_health_parse(const char *s, dnsbl_health_t *out)
{
	for (size_t i = 0; s && i < sizeof(health_names) / sizeof(health_names[0]); i++)
		if (!strcmp(s, health_names[i])) {
			*out = (dnsbl_health_t)i;
			return 0;
		}
	return -1;
}

const dnsbl_stats_t *dnsbl_stats(const dnsbl_t *d)
{
	return &d->stats;
}

bool dnsbl_list_applies(const catalog_list_t *l, target_type_t t)
{
	switch (t) {
	case TARGET_IPV4: return l->qtype == QTYPE_IP && l->ipv4;
	case TARGET_IPV6: return l->qtype == QTYPE_IP && l->ipv6;
	case TARGET_DOMAIN: return l->qtype == QTYPE_DOMAIN;
	}
	return false;
}

unsigned long long dnsbl_queries_per_day(const catalog_list_t *l, unsigned interval_s,
					 const unsigned long long targets[3])
{
	unsigned long long per_cycle = DNSBL_TEST_QUERIES;

	if (l->dataset)
		return 0; /* answered from its data files: no query at all */
	for (int k = TARGET_IPV4; k <= TARGET_DOMAIN; k++)
		if (dnsbl_list_applies(l, (target_type_t)k))
			per_cycle += targets[k];
	if (!interval_s)
		return 0;
	return (per_cycle * 86400ULL + interval_s - 1) / interval_s; /* cycles may start mid-day */
}

/* c-ares tells us which sockets to watch; we keep a pollfd array in step. */
static void sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	dnsbl_t *d = data;
	size_t i;

	for (i = 0; i < d->npfds; i++)
		if (d->pfds[i].fd == fd)
			break;
	if (!readable && !writable) {
		if (i < d->npfds) {
			/* c-ares tells before it closes: a closed TCP connection explains the
			 * "connection refused" of the queries that were on it */
			d->tcp_closed += d->pfd_tcp[i];
			d->npfds--;
			d->pfds[i] = d->pfds[d->npfds];
			d->pfd_tcp[i] = d->pfd_tcp[d->npfds];
		}
		return;
	}
	if (i == d->npfds) {
		int type = 0;
		socklen_t tl = sizeof(type);
		xgrow((void **)&d->pfds, &d->cappfds, d->npfds + 1, sizeof(*d->pfds));
		xgrow((void **)&d->pfd_tcp, &d->cappfd_tcp, d->npfds + 1, sizeof(*d->pfd_tcp));
		d->pfd_tcp[i] = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 &&
				type == SOCK_STREAM;
		d->npfds++;
	}
	d->pfds[i].fd = fd;
	d->pfds[i].events = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
	d->pfds[i].revents = 0;
}

/* Converts "IP", "IP:PORT", "[IPv6]:PORT", comma-separated, into c-ares's
 * csv form (which wants IPv6 with a port in brackets). */
static int resolver_csv(const char *spec, char *out, size_t outlen, char *err, size_t errlen)
{
	char buf[512], *save = NULL, *tok;
	size_t used = 0;

	if (strlen(spec) >= sizeof(buf) || !*spec) {
		snprintf(err, errlen, "resolver: expected IP[:PORT], got '%s'", spec);
		return -1;
	}
	strcpy(buf, spec);
	out[0] = '\0';
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char host[256];
		unsigned long port = 53;
		const char *portp = NULL;
		unsigned char tmp[16];
		int fam;

		while (*tok == ' ')
			tok++;
		if (*tok == '[') {
			char *rb = strchr(tok, ']');
			if (!rb || (rb[1] && rb[1] != ':'))
				goto bad;
			snprintf(host, sizeof(host), "%.*s", (int)(rb - tok - 1), tok + 1);
			portp = rb[1] ? rb + 2 : NULL;
			fam = AF_INET6;
		} else if (strchr(tok, ':') != strrchr(tok, ':')) {
			snprintf(host, sizeof(host), "%s", tok); /* bare IPv6, default port */
			fam = AF_INET6;
		} else {
			char *c = strchr(tok, ':');
			snprintf(host, sizeof(host), "%.*s", c ? (int)(c - tok) : (int)strlen(tok), tok);
			portp = c ? c + 1 : NULL;
			fam = AF_INET;
		}
		if (inet_pton(fam, host, tmp) != 1)
			goto bad;
		if (portp) {
			char *end;
			errno = 0;
			port = strtoul(portp, &end, 10);
			if (!*portp || *end || errno || port == 0 || port > 65535)
				goto bad;
		}
		used += (size_t)snprintf(out + used, outlen - used, "%s%s%s%s:%lu", used ? "," : "",
					 fam == AF_INET6 ? "[" : "", host, fam == AF_INET6 ? "]" : "",
					 port);
		if (used >= outlen)
			goto bad;
	}
	if (!out[0])
		goto bad;
	return 0;
bad:
	snprintf(err, errlen,
		 "resolver: '%s' is not IP[:PORT] (e.g. 127.0.0.1:5353 or [::1]:53); names are not "
		 "accepted, the resolver must be an address", spec);
	return -1;
}

int dnsbl_resolver_check(const char *spec, char *err, size_t errlen)
{
	char csv[1024];
	return resolver_csv(spec, csv, sizeof(csv), err, errlen);
}

dnsbl_t *dnsbl_new(const dnsbl_opts_t *opts, char *err, size_t errlen)
{
	dnsbl_t *d = xcalloc(1, sizeof(*d));
	struct ares_options ao;
	int rc, mask;
	char csv[1024];

	d->opts = *opts;
	if (d->opts.concurrency == 0)
		d->opts.concurrency = 200;
	if (d->opts.tries == 0)
		d->opts.tries = 1;
	if (d->opts.timeout_ms == 0)
		d->opts.timeout_ms = 2000;
	if (opts->resolver && resolver_csv(opts->resolver, csv, sizeof(csv), err, errlen) < 0)
		goto fail;
	memset(&ao, 0, sizeof(ao));
	ao.sock_state_cb = sock_state_cb;
	ao.sock_state_cb_data = d;
	ao.timeout = (int)d->opts.timeout_ms;
	ao.tries = (int)d->opts.tries;
	/* NOCHECKRESP: a REFUSED or SERVFAIL is an answer to report, not a reason
	 * to hammer the same server again. */
	ao.flags = ARES_FLAG_NOCHECKRESP;
	mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
	rc = ares_init_options(&d->ch, &ao, mask);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares init failed: %s", ares_strerror(rc));
		d->ch = NULL;
		goto fail;
	}
	if (opts->resolver) {
		rc = ares_set_servers_ports_csv(d->ch, csv);
		if (rc != ARES_SUCCESS) {
			snprintf(err, errlen, "resolver '%s': %s", opts->resolver, ares_strerror(rc));
			goto fail;
		}
	}
	return d;
fail:
	dnsbl_free(d);
	return NULL;
}

void dnsbl_free(dnsbl_t *d)
{
	if (!d)
		return;
	if (d->ch)
		ares_destroy(d->ch);
	free(d->pfds);
	free(d->pfd_tcp);
	free(d);
}

/* Waits for sockets, the next c-ares timeout or the rate limiter's next
 * token, and lets c-ares process what happened. */
static void loop_step(dnsbl_t *d)
{
	struct timeval maxtv = {1, 0}, tv, *tvp;

	if (d->wait_ms > 0) {
		maxtv.tv_sec = d->wait_ms / 1000;
		maxtv.tv_usec = (d->wait_ms % 1000) * 1000;
		d->wait_ms = 0;
	}
	struct pollfd snap[64];
	size_t n;
	int ms, rc;

	tvp = ares_timeout(d->ch, &maxtv, &tv);
	ms = (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);
	n = d->npfds < 64 ? d->npfds : 64;
	memcpy(snap, d->pfds, n * sizeof(*snap));
	rc = poll(snap, (nfds_t)n, ms);
	if (rc < 0 && errno == EINTR)
		return;
	if (rc <= 0) {
		ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
		return;
	}
	/* c-ares may close sockets while we walk the snapshot: that is fine, it
	 * ignores descriptors it no longer owns. */
	for (size_t i = 0; i < n; i++) {
		short re = snap[i].revents;
		if (!re)
			continue;
		ares_process_fd(d->ch, (re & (POLLIN | POLLERR | POLLHUP)) ? snap[i].fd : ARES_SOCKET_BAD,
				(re & POLLOUT) ? snap[i].fd : ARES_SOCKET_BAD);
	}
}

static bool stopping(const dnsbl_t *d)
{
	return d->opts.stop && *d->opts.stop;
}

static dns_outcome_t outcome_of(int status)
{
	switch (status) {
	case ARES_SUCCESS: return DNS_OK;
	case ARES_ENODATA: return DNS_NODATA;
	case ARES_ENOTFOUND: return DNS_NXDOMAIN;
	case ARES_ETIMEOUT: return DNS_TIMEOUT;
	case ARES_ESERVFAIL: return DNS_SERVFAIL;
	case ARES_EREFUSED: return DNS_REFUSED;
	case ARES_ECONNREFUSED: return DNS_CONNREFUSED;
	default: return DNS_OTHER;
	}
}

/* The verdict of an A query's final outcome: the raw answer is read whole by
 * verdict_from_packet (every record; nothing usable is never clean). */
static void judge_a(const catalog_list_t *l, int status, const unsigned char *abuf, int alen,
		    verdict_t *v, uint32_t *ttl)
{
	verdict_from_packet(l, outcome_of(status), abuf, alen > 0 ? (size_t)alen : 0, v, ttl);
}

/* Joins the TXT records of an answer into NUL-separated records. Control
 * bytes are kept (they are escaped on output) except NUL, our separator. */
static void parse_txt(const unsigned char *abuf, int alen, dnsbl_result_t *r)
{
	struct ares_txt_ext *txt = NULL;
	char buf[TXT_MAX];
	size_t used = 0;
	uint16_t n = 0;

	if (ares_parse_txt_reply_ext(abuf, alen, &txt) != ARES_SUCCESS)
		return;
	for (struct ares_txt_ext *t = txt; t; t = t->next) {
		if (t->record_start && n > 0) {
			if (used + 1 >= sizeof(buf))
				break;
			buf[used++] = '\0';
		}
		if (t->record_start || n == 0)
			n++;
		for (size_t i = 0; i < t->length && used + 1 < sizeof(buf); i++)
			buf[used++] = t->txt[i] ? (char)t->txt[i] : '?';
	}
	ares_free_data(txt);
	if (n == 0)
		return;
	buf[used++] = '\0';
	r->txt = xmalloc(used);
	memcpy(r->txt, buf, used);
	r->ntxt = n;
}

static void qctx_put(dnsbl_t *d, struct qctx *q)
{
	q->next_free = d->freeq;
	d->freeq = q;
	d->inflight--;
}

static void count_verdict(dnsbl_t *d, const verdict_t *v)
{
	if (v->status == STATUS_LISTED)
		d->stats.listed++;
	else if (v->status == STATUS_CLEAN)
		d->stats.clean++;
	else
		d->stats.unknown++;
	if (v->reason == REASON_TIMEOUT)
		d->stats.timeouts++;
	else if (v->reason >= REASON_SERVFAIL && v->reason <= REASON_DNS_OTHER)
		d->stats.errors++;
}

/* AIMD on the in-flight window; at most one cut per 200 ms so that one burst
 * of losses does not collapse the window to its floor. */
static void window_update(dnsbl_t *d, int timeouts)
{
	if (timeouts > 0) {
		double now = now_s();
		double floor = d->opts.concurrency < WINDOW_MIN ? d->opts.concurrency : WINDOW_MIN;
		if (now - d->last_cut >= 0.2) {
			d->window /= 2;
			if (d->window < floor)
				d->window = floor;
			d->last_cut = now;
		}
	} else if (d->window < d->opts.concurrency) {
		/* grow by time, not by answers: on a fast path thousands of answers
		 * arrive per millisecond, and per-answer growth would refill the
		 * window long before a loss (seen only after a timeout) could tell */
		double now = now_s();
		if (now - d->last_grow >= 0.02) {
			d->window += 1;
			d->last_grow = now;
		}
		if (d->window > d->opts.concurrency)
			d->window = d->opts.concurrency;
	}
}

static void query_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct qctx *q = arg;
	dnsbl_t *d = q->d;
	struct slot *s = &d->ring[q->slot];
	dnsbl_result_t *r = &s->res[q->res];
	catalog_list_t *l = d->lists[r->list];

	if (status != ARES_ECANCELLED && status != ARES_EDESTRUCTION)
		window_update(d, timeouts);
	/* "Connection refused" after c-ares closed a TCP connection (the server
	 * hung up after a truncated answer) is not a refusal: ask once more, and
	 * if it happens again, say what happened */
	bool tcp_closed = status == ARES_ECONNREFUSED && d->tcp_closed != q->tcp_closed;
	if (tcp_closed && !q->retried && !stopping(d) &&
	    qname_build(&s->t, l->zone, d->qbuf, sizeof(d->qbuf)) > 0) {
		q->retried = 1;
		q->tcp_closed = d->tcp_closed;
		if (d->budgets)
			d->budgets[r->list].sent++;
		ares_query(d->ch, d->qbuf, ns_c_in, q->phase == PH_A ? ns_t_a : ns_t_txt, query_cb, q);
		return;
	}
	if (q->phase == PH_A) {
		d->stats.queries++;
		d->ltxt[r->list]--;
		if (status == ARES_ECANCELLED || status == ARES_EDESTRUCTION) {
			memset(&r->v, 0, sizeof(r->v));
			r->v.status = STATUS_UNKNOWN;
			r->v.reason = REASON_NOT_RUN;
		} else if (tcp_closed) {
			verdict_from_answer(l, DNS_TCP_CLOSED, NULL, 0, &r->v);
			r->ttl = 0;
		} else {
			judge_a(l, status, abuf, alen, &r->v, &r->ttl);
		}
		count_verdict(d, &r->v);
		if (r->v.status == STATUS_LISTED && !stopping(d)) {
			/* the reason text lives in TXT at the same name */
			if (qname_build(&s->t, l->zone, d->qbuf, sizeof(d->qbuf)) > 0) {
				q->phase = PH_TXT;
				q->retried = 0;
				q->tcp_closed = d->tcp_closed;
				if (d->budgets)
					d->budgets[r->list].sent++;
				ares_query(d->ch, d->qbuf, ns_c_in, ns_t_txt, query_cb, q);
				return;
			}
		}
	} else {
		d->stats.txt_queries++;
		if (status == ARES_SUCCESS)
			parse_txt(abuf, alen, r);
	}
	s->pending--;
	qctx_put(d, q);
}

/* Result for a list the run does not trust. */
static void health_verdict(dnsbl_health_t h, verdict_t *v)
{
	static const verdict_reason_t map[] = {
		[HEALTH_OK] = REASON_NONE,
		[HEALTH_DEAD] = REASON_LIST_DEAD,
		[HEALTH_WILDCARD] = REASON_LIST_WILDCARD,
		[HEALTH_UNREACHABLE] = REASON_LIST_UNREACHABLE,
		[HEALTH_REFUSED] = REASON_LIST_REFUSED,
		[HEALTH_UNTESTED] = REASON_LIST_UNREACHABLE,
	};
	memset(v, 0, sizeof(*v));
	v->status = STATUS_UNKNOWN;
	v->reason = (uint8_t)map[h];
}

/* Answers (t, l) from l's data files as rbldnsd would over DNS: found with
 * its A records, or NXDOMAIN; the TXT records only for a listing, as a query
 * would ask them. The verdict rules are the same as for a DNS answer. */
static void local_answer(dnsbl_t *d, const catalog_list_t *l, const target_t *t,
			 dnsbl_result_t *r)
{
	dataset_answer_t ans;
	int rc = dataset_zone_query(l->dataset, t, &ans);

	d->stats.local++;
	if (rc < 0) {
		memset(&r->v, 0, sizeof(r->v));
		r->v.status = STATUS_UNKNOWN;
		r->v.reason = REASON_NO_DATA;
		return;
	}
	verdict_from_answer(l, rc ? DNS_OK : DNS_NXDOMAIN, ans.a, ans.na, &r->v);
	r->ttl = rc ? ans.ttl : 0;
	if (r->v.status == STATUS_LISTED) {
		char buf[TXT_MAX];
		size_t used;
		unsigned n = dataset_answer_txt(&ans, buf, sizeof(buf), &used);
		if (n) {
			r->txt = xmalloc(used);
			memcpy(r->txt, buf, used);
			r->ntxt = (uint16_t)n;
		}
	}
}

/* Starts the queries of the target in slot si. Returns false if the window
 * filled up before every list was started (resume with *next_list). */
static bool feed_slot(dnsbl_t *d, uint32_t si, size_t *next_list)
{
	struct slot *s = &d->ring[si];

	for (; *next_list < d->nlists; (*next_list)++) {
		size_t li = *next_list;
		catalog_list_t *l = d->lists[li];
		dnsbl_result_t *r;
		struct qctx *q;
		int fam = s->t.type == TARGET_IPV6;

		if (!dnsbl_list_applies(l, s->t.type))
			continue;
		if (l->dataset) { /* answered here and now: no query, no pace, no window */
			r = &s->res[s->nres++];
			/* field by field: the verdict sets all of r->v, and a memset of the
			 * whole result is a tenth of a lookup */
			r->list = (uint16_t)li;
			r->skipped = 0;
			r->ntxt = 0;
			r->ttl = 0;
			r->txt = NULL;
			if (d->states && d->states[li].fam[fam] != HEALTH_OK)
				health_verdict(d->states[li].fam[fam], &r->v);
			else
				local_answer(d, l, &s->t, r);
			count_verdict(d, &r->v);
			continue;
		}
		if (d->inflight >= (unsigned)d->window)
			return false;
		if (d->skip && d->skip(d->skip_ud, &s->t, li)) {
			r = &s->res[s->nres++];
			memset(r, 0, sizeof(*r));
			r->list = (uint16_t)li;
			r->skipped = 1;
			r->v.status = STATUS_UNKNOWN;
			r->v.reason = REASON_NOT_RUN;
			continue;
		}
		if (!pace_ok(d, d->opts.rate, d->started) ||
		    !pace_ok(d, d->share > 1 ? l->rate / d->share : l->rate, d->lstarted[li]))
			return false;
		r = &s->res[s->nres++];
		memset(r, 0, sizeof(*r));
		r->list = (uint16_t)li;
		if (d->states && d->states[li].fam[fam] != HEALTH_OK) {
			health_verdict(d->states[li].fam[fam], &r->v);
			count_verdict(d, &r->v);
			continue;
		}
		if (qname_build(&s->t, l->zone, d->qbuf, sizeof(d->qbuf)) < 0) {
			r->v.status = STATUS_UNKNOWN;
			r->v.reason = REASON_BADNAME;
			count_verdict(d, &r->v);
			continue;
		}
		if (d->budgets && d->budgets[li].cap &&
		    d->budgets[li].sent + d->ltxt[li] + 2 > d->budgets[li].cap) {
			/* its share of the day's budget is spent: not asked, nothing learned */
			d->budgets[li].capped++;
			r->skipped = 1;
			r->v.status = STATUS_UNKNOWN;
			r->v.reason = REASON_NOT_RUN;
			continue;
		}
		if (d->budgets)
			d->budgets[li].sent++;
		d->ltxt[li]++;
		q = d->freeq;
		d->freeq = q->next_free;
		d->inflight++;
		q->slot = si;
		q->res = (uint16_t)(s->nres - 1);
		q->phase = PH_A;
		q->retried = 0;
		q->tcp_closed = d->tcp_closed;
		s->pending++;
		d->started++;
		d->lstarted[li]++;
		ares_query(d->ch, d->qbuf, ns_c_in, ns_t_a, query_cb, q);
	}
	return true;
}

/* Hands finished targets at the head of the ring to the caller, in order. */
static void flush(dnsbl_t *d, dnsbl_target_cb cb, void *ud)
{
	while (d->count > 0) {
		struct slot *s = &d->ring[d->head];
		if (s->pending)
			break;
		cb(ud, &s->t, s->res, s->nres);
		for (uint16_t i = 0; i < s->nres; i++)
			free(s->res[i].txt);
		d->stats.targets++;
		d->head = (d->head + 1) % d->ringcap;
		d->count--;
	}
	if (!d->count)
		d->head = 0; /* empty: the next target takes the slot that is still in the cache */
}

int dnsbl_run(dnsbl_t *d, catalog_list_t *const *lists, size_t n,
	      const dnsbl_list_state_t *states, const targetset_t *ts, dnsbl_target_cb cb,
	      void *ud)
{
	targetset_iter_t it = {0, 0};
	bool feeding = false, more = true, cancelled = false;
	uint32_t cur = 0;
	size_t next_list = 0;
	int ret = 0;

	if (n == 0 || ts->total == 0)
		return 0;
	d->lists = lists;
	d->nlists = n;
	d->states = states;
	/* The ring holds targets between their first query and their turn to be
	 * reported: large enough that one slow target does not stall the window. */
	d->ringcap = d->opts.concurrency * RING_PER_QUERY;
	if (d->ringcap > RING_MAX_RESULTS / n)
		d->ringcap = (uint32_t)(RING_MAX_RESULTS / n);
	if (d->ringcap < 1024)
		d->ringcap = 1024;
	if (d->ringcap > ts->total)
		d->ringcap = (uint32_t)ts->total;
	d->ring = xcalloc(d->ringcap, sizeof(*d->ring));
	d->resbuf = xcalloc((size_t)d->ringcap * n, sizeof(*d->resbuf));
	for (uint32_t i = 0; i < d->ringcap; i++)
		d->ring[i].res = d->resbuf + (size_t)i * n;
	d->pool = xcalloc(d->opts.concurrency, sizeof(*d->pool));
	d->freeq = NULL;
	for (unsigned i = 0; i < d->opts.concurrency; i++) {
		d->pool[i].d = d;
		d->pool[i].next_free = d->freeq;
		d->freeq = &d->pool[i];
	}
	d->head = d->count = 0;
	d->inflight = 0;
	d->run_start = now_s();
	d->window = d->opts.concurrency < WINDOW_START ? d->opts.concurrency : WINDOW_START;
	d->last_cut = d->last_grow = 0;
	d->started = 0;
	d->wait_ms = 0;
	d->lstarted = xcalloc(n, sizeof(*d->lstarted));
	d->ltxt = xcalloc(n, sizeof(*d->ltxt));

	while (more || feeding || d->count > 0) {
		if (stopping(d) && !cancelled) {
			cancelled = true;
			more = false;
			if (feeding) {
				/* unstarted lists of the current target: not run */
				struct slot *s = &d->ring[cur];
				for (; next_list < n; next_list++) {
					if (!dnsbl_list_applies(lists[next_list], s->t.type))
						continue;
					dnsbl_result_t *r = &s->res[s->nres++];
					memset(r, 0, sizeof(*r));
					r->list = (uint16_t)next_list;
					r->v.status = STATUS_UNKNOWN;
					r->v.reason = REASON_NOT_RUN;
				}
				d->ring[cur].pending--;
				feeding = false;
			}
			ares_cancel(d->ch);
			ret = -1;
		}
		while (d->inflight < (unsigned)d->window && (feeding || more)) {
			if (!feeding) {
				if (d->count == d->ringcap)
					break;
				cur = (d->head + d->count) % d->ringcap;
				/* straight into its slot: a target is some 300 bytes */
				if (!targetset_next(ts, &it, &d->ring[cur].t)) {
					more = false;
					break;
				}
				d->count++;
				d->ring[cur].nres = 0;
				d->ring[cur].pending = 1; /* held until fed */
				next_list = 0;
				feeding = true;
			}
			if (!feed_slot(d, cur, &next_list))
				break;
			d->ring[cur].pending--;
			feeding = false;
			/* answered whole already (data files, lists skipped): out while it is in
			 * the cache, rather than after the ring went round */
			if (!d->ring[cur].pending)
				flush(d, cb, ud);
		}
		flush(d, cb, ud);
		if (d->inflight > 0 || d->wait_ms > 0)
			loop_step(d);
		else if (!more && !feeding && d->count > 0)
			flush(d, cb, ud); /* all answered synchronously */
	}
	free(d->pool);
	free(d->resbuf);
	free(d->ring);
	free(d->lstarted);
	d->lstarted = NULL;
	free(d->ltxt);
	d->ltxt = NULL;
	d->pool = NULL;
	d->resbuf = NULL;
	d->ring = NULL;
	return ret;
}

/* ---- test points ---- */

struct tp {
	dnsbl_t *d;
	const catalog_list_t *l;
	verdict_t v;
	bool done;
};

static void tp_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct tp *t = arg;
	uint32_t ttl;

	(void)timeouts;
	judge_a(t->l, status, abuf, alen, &t->v, &ttl);
	t->done = true;
	t->d->inflight--;
}

static void tp_describe(const verdict_t *v, const catalog_list_t *l, char *buf, size_t len)
{
	char r[200], a[16];

	if (v->reason == REASON_NXDOMAIN) {
		snprintf(buf, len, "NXDOMAIN");
		return;
	}
	if (v->ncodes > 0 && (v->reason == REASON_LISTED || v->reason == REASON_NEUTRAL)) {
		verdict_addr_str(v->codes[0], a);
		snprintf(buf, len, "answered %s", a);
		return;
	}
	verdict_reason(v, l, r, sizeof(r));
	snprintf(buf, len, "%s", r);
}

/* Judges a list from its positive (must be listed) and negative (must not)
 * test point verdicts; writes what was seen into detail. */
static dnsbl_health_t tp_judge(const verdict_t *pos, const verdict_t *neg,
			       const catalog_list_t *l, const char *posname, const char *negname,
			       char *detail, size_t len)
{
	char p[240], n[240];
	const verdict_t *bad;

	tp_describe(pos, l, p, sizeof(p));
	tp_describe(neg, l, n, sizeof(n));
	/* A refusal or failure on either point hides the list's state entirely. */
	for (int i = 0; i < 2; i++) {
		bad = i == 0 ? pos : neg;
		if (bad->status != STATUS_UNKNOWN)
			continue;
		if (bad->reason == REASON_ERROR_CODE || bad->reason == REASON_REFUSED ||
		    (bad->reason == REASON_LOOPBACK && bad == pos)) {
			snprintf(detail, len, "test point %s: %s", i ? negname : posname, i ? n : p);
			return HEALTH_REFUSED;
		}
		if (bad->reason != REASON_OUTSIDE_127 && bad->reason != REASON_LOOPBACK) {
			snprintf(detail, len, "test point %s: %s", i ? negname : posname, i ? n : p);
			return HEALTH_UNREACHABLE;
		}
	}
	if (neg->status != STATUS_CLEAN || pos->reason == REASON_OUTSIDE_127) {
		snprintf(detail, len,
			 "never-listed test point %s is listed (%s): the list answers for every "
			 "address; its answers are ignored", negname, neg->status != STATUS_CLEAN ? n : p);
		return HEALTH_WILDCARD;
	}
	if (pos->status != STATUS_LISTED) {
		snprintf(detail, len,
			 "test point %s is not listed (%s): the list is dead, emptied, or refusing "
			 "this resolver (public resolvers often are); its answers are ignored",
			 posname, p);
		return HEALTH_DEAD;
	}
	detail[0] = '\0';
	return HEALTH_OK;
}

static int health_rank(dnsbl_health_t h)
{
	static const int rank[] = {[HEALTH_OK] = 0, [HEALTH_UNTESTED] = 0, [HEALTH_DEAD] = 1,
				   [HEALTH_WILDCARD] = 2, [HEALTH_UNREACHABLE] = 3,
				   [HEALTH_REFUSED] = 4};
	return rank[h];
}

/* Waits until every query counted in d->inflight has finished. */
static int drain(dnsbl_t *d)
{
	while (d->inflight > 0) {
		if (stopping(d)) {
			ares_cancel(d->ch);
			return -1;
		}
		loop_step(d);
	}
	return 0;
}

/* The test point of list l for kind (0 IPv4, 1 IPv6, 2 domain): the entry the
 * list publishes when the catalog or config names one of that kind (Spamhaus
 * DBL lists dbltest.com, not RFC 5782's TEST), else RFC 5782's. */
static const char *test_point(const catalog_list_t *l, int kind, bool neg)
{
	static const char *const posname[] = {"127.0.0.2", "::ffff:7f00:2", "TEST"};
	static const char *const negname[] = {"127.0.0.1", "::ffff:7f00:1", "INVALID"};
	const char *own = neg ? l->test_clean : l->test_listed;
	target_t t;

	if (own) {
		bool ip = target_parse_ip(own, &t) == 0;
		if ((kind == 2 && !ip) || (kind == 0 && ip && t.type == TARGET_IPV4) ||
		    (kind == 1 && ip && t.type == TARGET_IPV6))
			return own;
	}
	return neg ? negname[kind] : posname[kind];
}

int dnsbl_test_lists(dnsbl_t *d, catalog_list_t *const *lists, size_t n, bool v6,
		     dnsbl_list_state_t *states)
{
	/* per list and family: positive then negative test point */
	struct tp *tps = xcalloc(n * 4, sizeof(*tps));
	bool *nodata = xcalloc(n ? n : 1, sizeof(*nodata));
	int ret;

	for (size_t i = 0; i < n; i++) {
		const catalog_list_t *l = lists[i];
		states[i].fam[0] = states[i].fam[1] = HEALTH_UNTESTED;
		/* a list's data files answer its test points, as they answer its targets;
		 * without usable data the list is as unreachable as a server that is down */
		if (l->dataset && !dataset_zone_usable(l->dataset, (int64_t)time(NULL),
						       states[i].detail, sizeof(states[i].detail))) {
			nodata[i] = true;
			continue;
		}
		for (int fam = 0; fam < 2; fam++) {
			if (fam == 1 && (!v6 || !l->ipv6 || l->qtype != QTYPE_IP))
				continue;
			for (int neg = 0; neg < 2; neg++) {
				struct tp *t = &tps[i * 4 + (size_t)fam * 2 + (size_t)neg];
				target_t tt;
				int kind = l->qtype == QTYPE_DOMAIN ? 2 : fam;
				const char *name = test_point(l, kind, neg);

				t->d = d;
				t->l = l;
				if (kind == 2) {
					memset(&tt, 0, sizeof(tt));
					tt.type = TARGET_DOMAIN;
					snprintf(tt.name, sizeof(tt.name), "%s", name);
				} else {
					target_parse_ip(name, &tt);
				}
				if (l->dataset) {
					dnsbl_result_t r;
					memset(&r, 0, sizeof(r));
					local_answer(d, l, &tt, &r);
					d->stats.local--; /* a test point is no result */
					free(r.txt);
					t->v = r.v;
					t->done = true;
					continue;
				}
				if (qname_build(&tt, l->zone, d->qbuf, sizeof(d->qbuf)) < 0) {
					t->v.status = STATUS_UNKNOWN;
					t->v.reason = REASON_BADNAME;
					t->done = true;
					continue;
				}
				d->inflight++;
				if (d->budgets)
					d->budgets[i].sent++;
				ares_query(d->ch, d->qbuf, ns_c_in, ns_t_a, tp_cb, t);
			}
		}
	}
	ret = drain(d);
	for (size_t i = 0; i < n && ret == 0; i++) {
		const catalog_list_t *l = lists[i];
		dnsbl_list_state_t *st = &states[i];
		char det[2][300];

		if (nodata[i]) {
			char why[sizeof(st->detail)];
			snprintf(why, sizeof(why), "%s", st->detail);
			st->health = st->fam[0] = HEALTH_UNREACHABLE;
			if (v6 && l->ipv6 && l->qtype == QTYPE_IP)
				st->fam[1] = HEALTH_UNREACHABLE;
			snprintf(st->detail, sizeof(st->detail), "its data files cannot answer: %s", why);
			continue;
		}
		st->health = HEALTH_OK;
		st->detail[0] = '\0';
		for (int fam = 0; fam < 2; fam++) {
			struct tp *p = &tps[i * 4 + (size_t)fam * 2];
			int kind = l->qtype == QTYPE_DOMAIN ? 2 : fam;

			det[fam][0] = '\0';
			if (!p->done)
				continue;
			st->fam[fam] = tp_judge(&p->v, &p[1].v, l, test_point(l, kind, false),
						test_point(l, kind, true), det[fam], sizeof(det[fam]));
			if (health_rank(st->fam[fam]) > health_rank(st->health))
				st->health = st->fam[fam];
		}
		if (det[0][0] && det[1][0])
			snprintf(st->detail, sizeof(st->detail), "%s; IPv6: %s", det[0], det[1]);
		else if (det[1][0])
			snprintf(st->detail, sizeof(st->detail), "IPv6 only: %s", det[1]);
		else
			snprintf(st->detail, sizeof(st->detail), "%s", det[0]);
	}
	free(tps);
	free(nodata);
	return ret;
}

/* ---- host resolution ---- */

struct hostq {
	dnsbl_t *d;
	int family;
	int status;
	unsigned char addrs[MAX_ADDRS][16];
	int naddrs;
};

static void host_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct hostq *h = arg;
	int n = MAX_ADDRS;

	(void)timeouts;
	h->status = status;
	h->d->inflight--;
	if (status != ARES_SUCCESS)
		return;
	if (h->family == AF_INET) {
		struct ares_addrttl at[MAX_ADDRS];
		if (ares_parse_a_reply(abuf, alen, NULL, at, &n) == ARES_SUCCESS)
			for (int i = 0; i < n; i++)
				memcpy(h->addrs[h->naddrs++], &at[i].ipaddr, 4);
	} else {
		struct ares_addr6ttl at[MAX_ADDRS];
		if (ares_parse_aaaa_reply(abuf, alen, NULL, at, &n) == ARES_SUCCESS)
			for (int i = 0; i < n; i++)
				memcpy(h->addrs[h->naddrs++], &at[i].ip6addr, 16);
	}
}

int dnsbl_resolve_host(dnsbl_t *d, const char *host, targetset_t *ts, char *err, size_t errlen)
{
	struct hostq q[2];
	int added = 0;

	memset(q, 0, sizeof(q));
	q[0].family = AF_INET;
	q[1].family = AF_INET6;
	for (int i = 0; i < 2; i++) {
		q[i].d = d;
		d->inflight++;
		ares_query(d->ch, host, ns_c_in, i ? ns_t_aaaa : ns_t_a, host_cb, &q[i]);
	}
	if (drain(d) < 0) {
		snprintf(err, errlen, "%s: interrupted", host);
		return -1;
	}
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < q[i].naddrs; k++) {
			target_spec_t spec;
			memset(&spec, 0, sizeof(spec));
			spec.count = 1;
			target_from_addr(q[i].family, q[i].addrs[k], &spec.first);
			spec.first.from = host;
			targetset_add(ts, &spec);
			added++;
		}
	if (added == 0) {
		int st = q[0].status != ARES_SUCCESS ? q[0].status : q[1].status;
		if (st == ARES_SUCCESS || st == ARES_ENODATA)
			snprintf(err, errlen, "host %s has no A or AAAA record", host);
		else
			snprintf(err, errlen, "host %s could not be resolved: %s", host,
				 ares_strerror(st));
		return -1;
	}
	return added;
}

/* ---- generic lookups ---- */

struct lookup {
	dnsbl_t *d;
	int type;
	dns_outcome_t outcome;
	char **v;
	size_t n, cap;
};

static void lookup_push(struct lookup *lk, const char *s, size_t len)
{
	char *c = xmalloc(len + 1);

	memcpy(c, s, len);
	c[len] = '\0';
	xgrow((void **)&lk->v, &lk->cap, lk->n + 1, sizeof(*lk->v));
	lk->v[lk->n++] = c;
}

static void lookup_txt(struct lookup *lk, const unsigned char *abuf, int alen)
{
	struct ares_txt_ext *txt = NULL;
	char buf[4096];
	size_t used = 0;
	bool have = false;

	if (ares_parse_txt_reply_ext(abuf, alen, &txt) != ARES_SUCCESS) {
		lk->outcome = DNS_OTHER;
		return;
	}
	for (struct ares_txt_ext *t = txt; t; t = t->next) {
		if (t->record_start && have) {
			lookup_push(lk, buf, used);
			used = 0;
		}
		have = true;
		for (size_t i = 0; i < t->length && used + 1 < sizeof(buf); i++)
			buf[used++] = t->txt[i] ? (char)t->txt[i] : '?';
	}
	if (have)
		lookup_push(lk, buf, used);
	ares_free_data(txt);
}

static void lookup_mx(struct lookup *lk, const unsigned char *abuf, int alen)
{
	struct ares_mx_reply *mx = NULL;
	size_t first = lk->n;

	if (ares_parse_mx_reply(abuf, alen, &mx) != ARES_SUCCESS) {
		lk->outcome = DNS_OTHER;
		return;
	}
	/* insertion sort by preference: MX sets are small */
	for (struct ares_mx_reply *m = mx; m; m = m->next) {
		char tmp[300];
		snprintf(tmp, sizeof(tmp), "%05u %s", m->priority, m->host);
		lookup_push(lk, tmp, strlen(tmp));
		for (size_t i = lk->n - 1; i > first && strcmp(lk->v[i - 1], lk->v[i]) > 0; i--) {
			char *sw = lk->v[i];
			lk->v[i] = lk->v[i - 1];
			lk->v[i - 1] = sw;
		}
	}
	for (size_t i = first; i < lk->n; i++) /* drop the sort key */
		memmove(lk->v[i], lk->v[i] + 6, strlen(lk->v[i] + 6) + 1);
	ares_free_data(mx);
}

static void lookup_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct lookup *lk = arg;

	(void)timeouts;
	lk->d->inflight--;
	lk->outcome = outcome_of(status);
	if (status != ARES_SUCCESS)
		return;
	if (lk->type == ns_t_txt)
		lookup_txt(lk, abuf, alen);
	else
		lookup_mx(lk, abuf, alen);
}

static int lookup(dnsbl_t *d, const char *name, int type, char ***out, size_t *n,
		  dns_outcome_t *outcome)
{
	struct lookup lk;

	memset(&lk, 0, sizeof(lk));
	lk.d = d;
	lk.type = type;
	d->inflight++;
	ares_query(d->ch, name, ns_c_in, type, lookup_cb, &lk);
	if (drain(d) < 0) {
		dnsbl_strings_free(lk.v, lk.n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	*out = lk.v;
	*n = lk.n;
	*outcome = lk.outcome;
	return 0;
}

int dnsbl_lookup_txt(dnsbl_t *d, const char *name, char ***out, size_t *n,
		     dns_outcome_t *outcome)
{
	return lookup(d, name, ns_t_txt, out, n, outcome);
}

int dnsbl_lookup_mx(dnsbl_t *d, const char *name, char ***out, size_t *n,
		    dns_outcome_t *outcome)
{
	return lookup(d, name, ns_t_mx, out, n, outcome);
}

void dnsbl_strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
