/* dataset.h -- a list's zone answered from rbldnsd data files instead of DNS: load, reload, query.
 * The file syntax and the answers are rbldnsd's (rbldnsd(8)); the structures are compact and read-only. */
#ifndef BLMON_DATASET_H
#define BLMON_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/target.h"

/* rbldnsd's dataset types blmon reads. */
typedef enum {
	DATASET_IP4SET,  /* IPv4 addresses and ranges (every form), values per entry, exclusions */
	DATASET_IP4TSET, /* single IPv4 addresses sharing one value */
	DATASET_IP4TRIE, /* IPv4 CIDR ranges, longest prefix wins, exclusions */
	DATASET_IP6TRIE, /* IPv6 CIDR ranges, longest prefix wins, exclusions */
	DATASET_IP6TSET, /* IPv6 /64s sharing one value, /128 exclusions */
	DATASET_DNSET,   /* domain names, wildcards (*.name, .name), exclusions */
	DATASET_NTYPES,
} dataset_type_t;

/* "ip4set", ... (static). */
const char *dataset_type_name(dataset_type_t t);
/* 0, or -1 when s names no type blmon reads. */
int dataset_type_parse(const char *s, dataset_type_t *out);

/* The datasets of one zone (the union of their answers, as rbldnsd serves a
 * zone given several times) and the data loaded from them. Made empty by
 * dataset_zone_new; its specs are added once; the data is loaded explicitly
 * (a config that names datasets does not read them). Not thread-safe: one
 * thread loads, polls and queries; a background reload only ever touches
 * its own new copy until dataset_zone_reload_poll swaps it in. */
typedef struct dataset_zone dataset_zone_t;

dataset_zone_t *dataset_zone_new(void);
/* Waits for a background load to stop (it is told to give up). NULL is fine. */
void dataset_zone_free(dataset_zone_t *z);

/* Adds a dataset "TYPE:PATH[,PATH...]" (the files read as one, in order).
 * Relative paths are taken relative to basedir (NULL: as given). 0, or -1
 * with what is wrong in err. */
int dataset_zone_add(dataset_zone_t *z, const char *spec, const char *basedir, char *err,
		     size_t errlen);
size_t dataset_zone_count(const dataset_zone_t *z);
/* The i-th dataset as "TYPE:PATH,..." with its resolved paths (borrowed). */
const char *dataset_zone_spec(const dataset_zone_t *z, size_t i);
/* Do a and b name the same datasets in the same order? */
bool dataset_zone_same(const dataset_zone_t *a, const dataset_zone_t *b);
/* Does the zone hold an IPv6 dataset (ip6trie, ip6tset)? */
bool dataset_zone_has_ip6(const dataset_zone_t *z);

/* Loads every dataset now. On success the new data replaces the old one. On
 * failure the old data (if any) stays and err says "FILE:LINE: what" (a bad
 * line, a line too long, binary bytes, an unreadable file, ...). 0 or -1. */
int dataset_zone_load(dataset_zone_t *z, char *err, size_t errlen);

/* For tests and fuzzing: replaces the zone's specs with one dataset of type
 * t read from text (len bytes, named name in errors) and loads it. 0 or -1. */
int dataset_zone_load_text(dataset_zone_t *z, dataset_type_t t, const char *name,
			   const char *text, size_t len, char *err, size_t errlen);

/* Has a file changed (size, mtime, inode) since the data in use, or since
 * the last load that failed, was read? One stat(2) per file. */
bool dataset_zone_changed(const dataset_zone_t *z);

/* Starts loading in a background thread (when none runs): the zone keeps
 * answering from the data in use. 0, or -1 when the thread cannot start. */
int dataset_zone_reload_start(dataset_zone_t *z);
/* Collects a background load: 0 when none finished, 1 when its data was
 * swapped in, -1 when it failed (err: "FILE:LINE: what"; the old data stays). */
int dataset_zone_reload_poll(dataset_zone_t *z, char *err, size_t errlen);
/* Whether a background load is running. */
bool dataset_zone_reloading(const dataset_zone_t *z);

/* Takes the data (and the failure record) of old when it names the same
 * datasets: a config reload does not read unchanged files again. old keeps
 * its specs and loses its data. Returns true when it did. */
bool dataset_zone_adopt(dataset_zone_t *z, dataset_zone_t *old);

/* What a zone's data is, for logs, the API and /metrics. Strings borrowed. */
typedef struct {
	bool loaded;          /* data in use */
	int64_t loaded_at;    /* when it was read */
	int64_t newest_mtime; /* the newest modification time of its files */
	uint64_t entries;     /* lines that listed or excluded something */
	size_t bytes;         /* memory held by the data */
	int64_t expires;      /* $TIMESTAMP's expiry, 0: none */
	const char *error;    /* the last load's failure ("" when it loaded) */
	int64_t error_since;  /* loads fail since (0: the last one loaded) */
	const char *warning;  /* the first warning of the data in use ("" when none) */
	unsigned long warnings;
} dataset_zone_info_t;
void dataset_zone_info(const dataset_zone_t *z, dataset_zone_info_t *out);

/* Can the zone answer at now? false with why (no data loaded, data expired). */
bool dataset_zone_usable(const dataset_zone_t *z, int64_t now, char *why, size_t len);

/* ---- answers ---- */

#define DATASET_ANSWER_MAX 32 /* values kept per answer, as a DNS answer holds a few */

/* What the zone answers for one target, as rbldnsd would over DNS: found
 * (NOERROR) or not (NXDOMAIN), the distinct A records, and what the TXT
 * records are made from. Borrows from the zone's data: valid until the zone
 * is reloaded, adopted or freed. */
typedef struct {
	bool found;
	uint32_t ttl;                    /* the smallest TTL of the datasets that answered */
	size_t na;
	uint32_t a[DATASET_ANSWER_MAX];  /* host order, in answer order */
	size_t nhits;
	struct {
		const void *data;        /* the dataset */
		uint32_t set;            /* its value set */
		const uint8_t *name;     /* dnset: the matched entry (wire form), else NULL */
	} hits[DATASET_ANSWER_MAX];
	uint32_t ip4;                    /* the address TXT templates substitute for $ */
	uint8_t ip6[16];
} dataset_answer_t;

/* Looks t up: 1 found, 0 not found, -1 when the zone has no data. Allocates
 * nothing; safe on the hot path. */
int dataset_zone_query(const dataset_zone_t *z, const target_t *t, dataset_answer_t *ans);

/* Writes the TXT records of ans (templates with $ substituted, at most 254
 * bytes each, duplicates dropped) into buf as NUL-separated records; returns
 * how many records, with *used the bytes written (NULs included). */
unsigned dataset_answer_txt(const dataset_answer_t *ans, char *buf, size_t len, size_t *used);

#endif
