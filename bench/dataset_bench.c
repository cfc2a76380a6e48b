/* dataset_bench.c -- `make bench`'s probe of a list answered from data files: load, memory, lookups.
 * Prints one JSON line: load time, resident memory, and (target, list) lookups per second on one core. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/catalog.h"
#include "checks/dataset.h"
#include "checks/dnsbl.h"
#include "checks/target.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* VmRSS and VmHWM of this process, in KiB. */
static void rss(long *cur, long *peak)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];

	*cur = *peak = -1;
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6))
			*cur = atol(line + 6);
		else if (!strncmp(line, "VmHWM:", 6))
			*peak = atol(line + 6);
	}
	if (f)
		fclose(f);
}

struct count {
	unsigned long long results, listed;
};

static void on_target(void *ud, const target_t *t, const dnsbl_result_t *res, size_t n)
{
	struct count *c = ud;

	(void)t;
	for (size_t i = 0; i < n; i++) {
		c->results++;
		c->listed += res[i].v.status == STATUS_LISTED;
	}
}

int main(int argc, char **argv)
{
	catalog_t *cat = NULL;
	catalog_list_t *l;
	dnsbl_t *d = NULL;
	char err[1024];
	targetset_t ts;
	target_spec_t spec;
	dnsbl_list_state_t state;
	struct count c = {0, 0};
	long rss0, hwm0, rss1, hwm1;
	double t0, load, run, rnd_s;
	unsigned long long rnd_found = 0, nrnd;
	dataset_zone_info_t in;
	int ret = 1;

	if (argc != 5) {
		fprintf(stderr, "usage: %s TYPE:FILE[,FILE] LISTS SWEEP_CIDR RANDOM_LOOKUPS\n"
			"  loads the file once, answers LISTS lists from it (the same data, as the\n"
			"  engine checks several lists), sweeps the network through the engine and\n"
			"  asks RANDOM_LOOKUPS random addresses of the IPv4 space\n", argv[0]);
		return 2;
	}
	nrnd = strtoull(argv[4], NULL, 10);
	rss(&rss0, &hwm0);
	cat = catalog_new_builtin();
	l = catalog_add(cat, "bench.test");
	l->dataset = dataset_zone_new();
	if (dataset_zone_add(l->dataset, argv[1], NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "dataset_bench: %s\n", err);
		goto out;
	}
	t0 = now_s();
	if (dataset_zone_load(l->dataset, err, sizeof(err)) < 0) {
		fprintf(stderr, "dataset_bench: %s\n", err);
		goto out;
	}
	load = now_s() - t0;
	rss(&rss1, &hwm1);
	dataset_zone_info(l->dataset, &in);

	/* random addresses straight to the data: the worst case for caches */
	{
		unsigned x = 2463534242u;
		target_t t;
		dataset_answer_t a;
		memset(&t, 0, sizeof(t));
		t.type = TARGET_IPV4;
		t0 = now_s();
		for (unsigned long long i = 0; i < nrnd; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			t.addr[0] = (uint8_t)(x >> 24);
			t.addr[1] = (uint8_t)(x >> 16);
			t.addr[2] = (uint8_t)(x >> 8);
			t.addr[3] = (uint8_t)x;
			rnd_found += dataset_zone_query(l->dataset, &t, &a) > 0;
		}
		rnd_s = now_s() - t0;
	}

	/* a network swept through the engine, one result per (target, list), verdicts
	 * and all, as blmon check and the daemon get them */
	{
		dnsbl_opts_t o = DNSBL_OPTS_DEFAULT;
		int nl = atoi(argv[2]);
		catalog_list_t **lists = calloc((size_t)nl, sizeof(*lists));
		dnsbl_list_state_t *states = calloc((size_t)nl, sizeof(*states));

		o.resolver = "127.0.0.1:9"; /* never asked: every list is answered from its data */
		d = dnsbl_new(&o, err, sizeof(err));
		if (!d || !lists || !states) {
			fprintf(stderr, "dataset_bench: %s\n", err);
			goto out;
		}
		memset(&state, 0, sizeof(state));
		for (int i = 0; i < nl; i++) {
			lists[i] = l;
			states[i] = state; /* HEALTH_OK: the test points are not the subject */
		}
		targetset_init(&ts);
		if (target_parse(argv[3], &(target_limits_t){0, 96}, &spec, err, sizeof(err)) < 0) {
			fprintf(stderr, "dataset_bench: %s\n", err);
			goto out;
		}
		targetset_add(&ts, &spec);
		t0 = now_s();
		dnsbl_run(d, lists, (size_t)nl, states, &ts, on_target, &c);
		run = now_s() - t0;
		targetset_free(&ts);
		free(lists);
		free(states);
	}
	printf("{\"load_seconds\":%.3f,\"rss_kib_before\":%ld,\"rss_kib\":%ld,\"peak_rss_kib\":%ld,"
	       "\"entries\":%llu,\"data_bytes\":%zu,\"random_lookups\":%llu,\"random_found\":%llu,"
	       "\"random_seconds\":%.3f,\"random_per_second\":%.0f,\"sweep\":\"%s\",\"lists\":%s,"
	       "\"sweep_results\":%llu,\"sweep_listed\":%llu,\"sweep_seconds\":%.3f,"
	       "\"sweep_results_per_second\":%.0f,\"dns_queries\":%llu}\n",
	       load, rss0, rss1, hwm1, (unsigned long long)in.entries, in.bytes, nrnd, rnd_found, rnd_s,
	       rnd_s > 0 ? (double)nrnd / rnd_s : 0, argv[3], argv[2], c.results, c.listed, run,
	       run > 0 ? (double)c.results / run : 0,
	       (unsigned long long)(dnsbl_stats(d)->queries + dnsbl_stats(d)->txt_queries));
	ret = 0;
out:
	dnsbl_free(d);
	catalog_free(cat);
	return ret;
}
