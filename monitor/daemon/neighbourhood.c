/* neighbourhood.c -- origin ASN lookups with a per-prefix cache, and Spamhaus DROP refresh and matching.
 * UCEPROTECT L2/L3 and ASN-DROP list neighbourhoods; this is what names the neighbourhood. */
#include "monitor/daemon/neighbourhood.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/asn.h"
#include "lib/curlx.h"
#include "lib/xmalloc.h"
#include "monitor/daemon/drop.h"
#include "lib/log.h"

#define PREFIX_CACHE 64
#define ASN_FAILS 256   /* addresses whose ASN lookup failed, remembered for their backoff */
#define ASN_WAIT_MAX 32 /* cycles a failing address sits out, at most, between two tries */
#define ASN_RUN_MAX 8   /* fresh unusable answers in a row, none usable between: the service fails */

struct prefix_hit {
	target_spec_t net; /* the announced prefix, as a network */
	store_asn_t info;
};

/* An address whose ASN lookup failed. It sits out `wait` cycles, doubling with
 * each failure, and is then asked after every other address of its cycle: what
 * its name answers can never cost the others their turn. */
struct asn_fail {
	bool used;
	bool seen, due;  /* this cycle: met among the targets; to be asked after the others */
	target_t t;      /* the address (t.from is only valid while due) */
	int64_t tid;     /* its target id, while due */
	unsigned fails;  /* failures in a row */
	unsigned wait;   /* cycles still to sit out */
	uint32_t said;   /* hash of its last failure's message: each is logged once */
};

struct neighbourhood {
	drop_set_t *drop;
	bool loaded[3];
	int64_t loaded_fetched[3]; /* the stored copy's `fetched` that is loaded: a newer one (a
				      cluster's other node downloaded it) is loaded again */
	catalog_list_t lists[2];
	struct prefix_hit cache[PREFIX_CACHE];
	size_t ncache, next;
	char txt[2][512];
	struct asn_fail fails[ASN_FAILS];
	size_t nfails;    /* entries used */
	unsigned run;     /* fresh unusable answers in a row this cycle */
	bool asn_failing; /* the lookups as a whole fail (resolver): said once, until one works */
};

neighbourhood_t *neighbourhood_new(void)
{
	neighbourhood_t *h = xcalloc(1, sizeof(*h));
	static const char *const zone[2] = {"drop.spamhaus.org", "asn-drop.spamhaus.org"};
	static const char *const name[2] = {"Spamhaus DROP", "Spamhaus ASN-DROP"};

	h->drop = drop_set_new();
	for (int i = 0; i < 2; i++) {
		catalog_list_t *l = &h->lists[i];
		l->id = xstrdup(zone[i]);
		l->zone_tmpl = xstrdup(zone[i]);
		l->zone = xstrdup(zone[i]);
		l->name = xstrdup(name[i]);
		l->removal = xstrdup("https://check.spamhaus.org/");
		l->kind = LIST_BLOCK;
		l->qtype = QTYPE_IP;
		l->scope = i ? SCOPE_ASN : SCOPE_NETWORK;
		l->ipv4 = l->ipv6 = true;
		l->enabled = true;
	}
	return h;
}

void neighbourhood_free(neighbourhood_t *h)
{
	if (!h)
		return;
	drop_set_free(h->drop);
	for (int i = 0; i < 2; i++) {
		catalog_list_t *l = &h->lists[i];
		free(l->id);
		free(l->zone_tmpl);
		free(l->zone);
		free(l->name);
		free(l->removal);
	}
	free(h);
}

catalog_list_t *neighbourhood_drop_list(neighbourhood_t *h) { return &h->lists[0]; }
catalog_list_t *neighbourhood_asndrop_list(neighbourhood_t *h) { return &h->lists[1]; }

bool neighbourhood_drop_active(const neighbourhood_t *h)
{
	return h->loaded[0] || h->loaded[1] || h->loaded[2];
}

/* One DROP file: stored copy first, then the server when due. */
static void refresh_one(neighbourhood_t *h, drop_kind_t kind, const char *url, unsigned refresh_s,
			store_t *s, int64_t now, bool fetch)
{
	char err[512], shown[512];
	store_file_t f;
	curlx_get_t res;
	int have = store_file_get(s, url, &f);

	/* a mirror's URL may carry a login or a key: logged as it may be shown */
	curlx_url_shown(url, true, shown, sizeof(shown));
	if (have < 0) {
		log_error("DROP %s: %s", shown, store_error(s));
		return;
	}
	if (have && (!h->loaded[kind] || f.fetched != h->loaded_fetched[kind])) {
		if (drop_parse(kind, f.body, f.len, h->drop, err, sizeof(err)) == 0)
			h->loaded[kind] = true;
		else
			log_warn("DROP %s: stored copy unusable: %s", shown, err);
		h->loaded_fetched[kind] = f.fetched; /* tried once per copy, usable or not */
	}
	free(f.body);
	if (!fetch || (have && now - f.checked < (int64_t)refresh_s && now >= f.checked))
		return;
	if (!drop_fetch_due((time_t)(have ? f.checked : 0), (time_t)now))
		return;
	memset(&res, 0, sizeof(res));
	if (drop_fetch(url, have && f.etag[0] ? f.etag : NULL,
		       have && f.last_modified[0] ? f.last_modified : NULL, 60, &res, err,
		       sizeof(err)) < 0) {
		log_warn("DROP %s: download failed, keeping the last good copy: %s", shown, err);
		if (have)
			store_file_put(s, url, NULL, 0, NULL, NULL, now);
	} else if (res.status == CURLX_GET_NOT_MODIFIED) {
		store_file_put(s, url, NULL, 0, NULL, NULL, now);
	} else if (drop_parse(kind, res.body, res.len, h->drop, err, sizeof(err)) < 0) {
		/* a truncated or malformed file never replaces good data */
		log_warn("DROP %s: refused the new file, keeping the last good copy: %s", shown, err);
		if (have)
			store_file_put(s, url, NULL, 0, NULL, NULL, now);
	} else {
		h->loaded[kind] = true;
		h->loaded_fetched[kind] = now; /* as store_file_put records it */
		if (store_file_put(s, url, res.body, res.len, res.etag, res.last_modified, now) < 0)
			log_error("DROP %s: %s", shown, store_error(s));
		log_info("DROP %s: new file loaded", shown);
	}
	curlx_get_free(&res);
}

void neighbourhood_drop_refresh(neighbourhood_t *h, const config_t *c, store_t *s, int64_t now,
				bool fetch)
{
	if (!c->drop_enabled)
		return;
	refresh_one(h, DROP_V4, c->drop_url_v4, c->drop_refresh_s, s, now, fetch);
	refresh_one(h, DROP_V6, c->drop_url_v6, c->drop_refresh_s, s, now, fetch);
	refresh_one(h, DROP_ASN, c->drop_url_asn, c->drop_refresh_s, s, now, fetch);
}

/* Is t inside the network spec? */
static bool in_net(const target_spec_t *net, const target_t *t)
{
	size_t len = t->type == TARGET_IPV6 ? 16 : 4;
	unsigned bits = net->prefix;

	if (net->first.type != t->type)
		return false;
	for (size_t i = 0; i < len && bits > 0; i++) {
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		if ((t->addr[i] & mask) != (net->first.addr[i] & mask))
			return false;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return true;
}

static const store_asn_t *cache_find(neighbourhood_t *h, const target_t *t)
{
	for (size_t i = 0; i < h->ncache; i++)
		if (in_net(&h->cache[i].net, t))
			return &h->cache[i].info;
	return NULL;
}

static void cache_add(neighbourhood_t *h, const store_asn_t *info)
{
	target_limits_t any = {0, 0};
	target_spec_t net;
	char err[200];

	if (!info->prefix[0] || target_parse(info->prefix, &any, &net, err, sizeof(err)) < 0 ||
	    net.prefix == 0)
		return;
	h->cache[h->next].net = net;
	h->cache[h->next].info = *info;
	h->next = (h->next + 1) % PREFIX_CACHE;
	if (h->ncache < PREFIX_CACHE)
		h->ncache++;
}

static bool same_ip(const target_t *a, const target_t *b)
{
	return a->type == b->type && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

static struct asn_fail *fail_find(neighbourhood_t *h, const target_t *t)
{
	for (size_t i = 0; h->nfails && i < ASN_FAILS; i++)
		if (h->fails[i].used && same_ip(&h->fails[i].t, t))
			return &h->fails[i];
	return NULL;
}

/* A new entry for t. When every one is taken, the entry nearest its next try
 * gives way: that address is then asked like any other, which costs a query
 * per cycle, never the others' turn. */
static struct asn_fail *fail_add(neighbourhood_t *h, const target_t *t)
{
	struct asn_fail *f = NULL;

	for (size_t i = 0; i < ASN_FAILS; i++) {
		if (!h->fails[i].used) {
			f = &h->fails[i];
			break;
		}
		if (!f || h->fails[i].wait < f->wait)
			f = &h->fails[i];
	}
	if (!f->used)
		h->nfails++;
	memset(f, 0, sizeof(*f));
	f->used = true;
	f->t = *t;
	f->t.from = NULL;
	return f;
}

static void fail_del(neighbourhood_t *h, struct asn_fail *f)
{
	f->used = false;
	h->nfails--;
}

static uint32_t msg_hash(const char *s)
{
	uint32_t x = 2166136261u; /* FNV-1a */

	for (; *s; s++)
		x = (x ^ (unsigned char)*s) * 16777619u;
	return x;
}

/* Records a failed lookup of t and logs it once. Returns 1 when the other
 * lookups of the cycle must wait (the resolver failed, or answer after answer
 * was unusable), else 0. */
static int asn_failed(neighbourhood_t *h, const target_t *t, asn_status_t rc, const char *err)
{
	struct asn_fail *f = fail_find(h, t);
	uint32_t said = msg_hash(err);
	bool known = f && f->said == said; /* failed this way before: already told */

	if (rc == ASN_INTERRUPTED)
		return 1; /* stopping: not the address's fault, nothing to tell */
	if (!f)
		f = fail_add(h, t);
	f->fails++;
	f->wait = f->fails > 5 ? ASN_WAIT_MAX : 1u << (f->fails - 1);
	f->said = said;
	if (rc == ASN_RESOLVER_FAILED) {
		/* a resolver down would fail every address: no hammering it for each. An
		 * address that keeps failing so while others answer is asked last anyway */
		if (known || h->asn_failing) {
			log_debug("%s", err);
		} else {
			log_warn("%s (ASN lookups paused until the next cycle)", err);
			h->asn_failing = true;
		}
		return 1;
	}
	/* this address's answer: the others go on */
	if (known || h->asn_failing)
		log_debug("%s", err);
	else
		log_warn("%s (the other addresses go on; this one sits out %u cycle%s, more while it "
			 "fails)", err, f->wait, f->wait == 1 ? "" : "s");
	/* fresh failures one after another, nothing usable between: the answers are
	 * broken across the board, and asking every address would only hammer Cymru */
	if (known || ++h->run < ASN_RUN_MAX)
		return 0;
	if (!h->asn_failing)
		log_warn("ASN: %d answers in a row were unusable (ASN lookups paused until the next "
			 "cycle)", ASN_RUN_MAX);
	h->asn_failing = true;
	return 1;
}

/* Looks t up, or takes its prefix's answer from this cycle, and stores it.
 * 0 when done (a failure of t's own is recorded for t alone), 1 when the
 * other lookups must wait for the next cycle, -1 on a store error. */
static int asn_one(neighbourhood_t *h, dnsbl_t *d, store_t *s, int64_t tid, const target_t *t,
		   int64_t now, int *lookups)
{
	const store_asn_t *hit = cache_find(h, t);
	struct asn_fail *f = fail_find(h, t);
	store_asn_t got;
	asn_info_t ai;
	char err[300];
	asn_status_t rc;

	if (hit) {
		got = *hit;
	} else {
		rc = asn_lookup(d, t, &ai, err, sizeof(err));
		(*lookups)++;
		if (rc < 0)
			return asn_failed(h, t, rc, err);
		if (h->asn_failing)
			log_info("ASN lookups work again");
		h->asn_failing = false;
		h->run = 0;
		memset(&got, 0, sizeof(got));
		got.asn = rc == ASN_FOUND && ai.nasn ? (int64_t)ai.asn[0] : -1;
		snprintf(got.prefix, sizeof(got.prefix), "%s", ai.prefix);
		snprintf(got.country, sizeof(got.country), "%s", ai.country);
		snprintf(got.registry, sizeof(got.registry), "%s", ai.registry);
		snprintf(got.name, sizeof(got.name), "%s", ai.name);
		cache_add(h, &got);
	}
	if (f)
		fail_del(h, f);
	got.fetched = now;
	return store_asn_put(s, tid, &got) < 0 ? -1 : 0;
}

int neighbourhood_asn_refresh(neighbourhood_t *h, dnsbl_t *d, store_t *s, store_target_ids_t *ids,
			      const targetset_t *ts, unsigned refresh_s, int64_t now)
{
	targetset_iter_t it = {0, 0};
	target_t t;
	int lookups = 0, rc = 0;

	h->ncache = h->next = 0;
	h->run = 0;
	for (size_t i = 0; i < ASN_FAILS; i++)
		h->fails[i].seen = h->fails[i].due = false;
	if (store_begin(s) < 0)
		return -1;
	/* first the addresses that have not failed, in order */
	while (rc == 0 && targetset_next(ts, &it, &t)) {
		store_asn_t cur;
		struct asn_fail *f;
		int64_t tid;

		if (t.type == TARGET_DOMAIN)
			continue;
		/* not `seen`: the cycle that answers the target says so (a node of a
		 * cluster looks up ASNs beyond the targets it answers) */
		tid = store_target_ids_get(s, ids, &t, now, false);
		if (tid < 0 || store_asn_get(s, tid, &cur) < 0)
			goto fail;
		if (cur.fetched && now - cur.fetched < (int64_t)refresh_s && now >= cur.fetched)
			continue;
		if ((f = fail_find(h, &t)) && !cache_find(h, &t)) {
			f->seen = true;
			if (f->wait) {
				f->wait--;
			} else {
				f->due = true;
				f->t = t;
				f->tid = tid;
			}
			continue;
		}
		rc = asn_one(h, d, s, tid, &t, now, &lookups);
	}
	if (rc == 0) {
		/* every target was met: what failed for addresses no longer watched goes */
		for (size_t i = 0; i < ASN_FAILS; i++)
			if (h->fails[i].used && !h->fails[i].seen)
				fail_del(h, &h->fails[i]);
		/* then the failing addresses whose turn it is */
		for (size_t i = 0; i < ASN_FAILS && rc == 0; i++) {
			struct asn_fail *f = &h->fails[i];
			target_t ft = f->t; /* asn_one may free the entry */
			if (!f->used || !f->due)
				continue;
			f->due = false;
			rc = asn_one(h, d, s, f->tid, &ft, now, &lookups);
		}
	}
	if (rc < 0 || store_commit(s) < 0)
		goto fail;
	return lookups;
fail:
	store_rollback(s);
	return -1;
}

size_t neighbourhood_drop_results(neighbourhood_t *h, store_t *s, int64_t tid, const target_t *t,
			 dnsbl_result_t *out, uint16_t idx_drop, uint16_t idx_asndrop)
{
	const char *sblid = NULL, *asname = NULL;
	store_asn_t asn;
	bool asn_known;

	if (t->type == TARGET_DOMAIN || !neighbourhood_drop_active(h))
		return 0;
	memset(out, 0, 2 * sizeof(*out));
	out[0].list = idx_drop;
	out[1].list = idx_asndrop;
	/* DROP lists networks, so a match is a listing of this IP's network */
	if (h->loaded[t->type == TARGET_IPV6 ? DROP_V6 : DROP_V4]) {
		if (drop_match_ip(h->drop, t, &sblid)) {
			out[0].v.status = STATUS_LISTED;
			out[0].v.reason = REASON_LISTED;
			snprintf(h->txt[0], sizeof(h->txt[0]), "%s", sblid);
			out[0].txt = h->txt[0];
			out[0].ntxt = 1;
		} else {
			out[0].v.reason = REASON_NXDOMAIN;
		}
	} else {
		out[0].skipped = 1;
	}
	asn_known = store_asn_get(s, tid, &asn) == 1 && asn.asn >= 0;
	if (h->loaded[DROP_ASN] && asn_known) {
		if (drop_match_asn(h->drop, (uint32_t)asn.asn, &asname)) {
			out[1].v.status = STATUS_LISTED;
			out[1].v.reason = REASON_LISTED;
			snprintf(h->txt[1], sizeof(h->txt[1]), "AS%lld %s is on Spamhaus ASN-DROP",
				 (long long)asn.asn, asname ? asname : "");
			out[1].txt = h->txt[1];
			out[1].ntxt = 1;
		} else {
			out[1].v.reason = REASON_NXDOMAIN;
		}
	} else {
		out[1].skipped = 1; /* no ASN known yet: nothing can be said */
	}
	return 2;
}
