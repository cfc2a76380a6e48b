/* dataset_int.h -- what the dataset files share: one dataset's loaded data, the loader, the type table.
 * Only checks/dataset*.c include this; everyone else sees checks/dataset.h. */
#ifndef BLMON_DATASET_INT_H
#define BLMON_DATASET_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "checks/dataset.h"

#define DS_NONE UINT32_MAX
/* Value-set ids every dataset shares: nothing listed here, and an exclusion
 * (not listed either, but it hides what coarser entries list). */
#define DS_SET_NONE 0u
#define DS_SET_EXCL 1u
#define DS_TXT_MAX 255 /* rbldnsd cuts a TXT template here */
#define DS_SUBST 11    /* $0..$9 and $= (the base template) */
#define DS_SUBST_BASE 10
#define DS_DEFAULT_TTL 2100 /* rbldnsd's default answer TTL, 35m */

/* One A record and TXT template: what rbldnsd calls an entry's "rr". */
typedef struct {
	uint32_t a;   /* host order */
	uint32_t txt; /* offset of the template in strs; DS_NONE: empty (no TXT record unless
			 the dataset has a base template, $=) */
} ds_val_t;

struct ds_type;

/* The loaded data of one dataset: read-only once the type's finish ran. */
typedef struct ds_data {
	const struct ds_type *type;
	ds_val_t *vals;
	size_t nvals, capvals;
	char *strs;             /* TXT templates, NUL-terminated, back to back */
	size_t nstrs, capstrs;
	uint32_t *pool;         /* the values of each set, back to back */
	size_t npool, cappool;
	uint32_t *sets;         /* set id -> offset in pool; sets[id + 1] ends it */
	size_t nsets, capsets;  /* ids 0 (none) and 1 (excluded) are empty */
	char *subst[DS_SUBST];  /* $0..$9, $=: the first assignment counts */
	uint32_t ttl;
	int64_t expires;        /* $TIMESTAMP's expiry, 0: none */
	uint64_t entries;
	void *typed;            /* the type's structure */
} ds_data_t;

/* The loader's state while one dataset's files are read. */
typedef struct ds_load {
	ds_data_t *d;
	const char *file;
	unsigned long line;
	char *err;
	size_t errlen;
	uint32_t def;           /* the default value of the current scope */
	bool def_seen;          /* ip4tset/ip6tset: their first default line counts */
	uint32_t maxrange4;     /* $MAXRANGE4: addresses a range may cover at most, 0: any */
	void *build;            /* the type's builder */
	uint32_t *valhash;      /* value dedup: slots of value index + 1 */
	size_t valcap;
	uint32_t *sethash;      /* set dedup: slots of set id + 1 */
	size_t setcap;
	uint32_t *single;       /* value index -> the set {value}, or 0 when not made yet */
	size_t capsingle;
	unsigned long warnings;
	char warning[300];
	atomic_int *abort;      /* set: give up (the zone is being freed) */
} ds_load_t;

/* A dataset type, as rbldnsd's struct dstype: a table of functions. */
enum { DS_F_IP4 = 1, DS_F_IP6 = 2 };
typedef struct ds_query {
	bool ip4valid, ip6valid;
	uint32_t ip4;
	uint8_t ip6[16];
	const uint8_t *dn;      /* the name asked under the zone, wire form, lower case */
	unsigned dnlen;         /* its length, the root label included */
	unsigned dnlab;         /* its labels */
} ds_query_t;

typedef struct {
	uint32_t set;
	const uint8_t *name;    /* dnset: the entry that matched */
} ds_hit_t;

typedef struct ds_type {
	const char *name;
	unsigned flags;
	/* the builder: a new dataset, a new file of it, one line, the end */
	int (*start)(ds_load_t *l);
	void (*file)(ds_load_t *l);
	int (*line)(ds_load_t *l, char *s);
	int (*finish)(ds_load_t *l);
	void (*build_free)(void *build);
	void (*typed_free)(void *typed);
	size_t (*typed_bytes)(const void *typed);
	/* 1 with *hit when the dataset lists (or excludes: hit->set DS_SET_EXCL) q */
	int (*query)(const ds_data_t *d, const ds_query_t *q, ds_hit_t *hit);
} ds_type_t;

extern const ds_type_t dataset_ip4_set, dataset_ip4_tset, dataset_ip4_trie;
extern const ds_type_t dataset_ip6_trie, dataset_ip6_tset;
extern const ds_type_t dataset_dn_set;

/* ---- reading one dataset (dataset_load.c) ---- */

/* Sets "FILE:LINE: what" into the loader's error (the first one counts); returns -1. */
int dataset_load_fail(ds_load_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Counts a warning (an entry rbldnsd also skips); the first one's text is kept. */
void dataset_load_warn(ds_load_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The index of value (a, txt of txtlen bytes; txt NULL or empty: an empty template), made once. */
uint32_t dataset_load_val(ds_load_t *l, uint32_t a, const char *txt, size_t txtlen);
/* The id of the set of the n values v (in the order given, distinct), made once. */
uint32_t dataset_load_set(ds_load_t *l, const uint32_t *v, size_t n);
/* The id of the set holding value v alone. */
uint32_t dataset_load_set1(ds_load_t *l, uint32_t v);
/* The number of values of set id, and the first. */
static inline size_t dataset_set_n(const ds_data_t *d, uint32_t id)
{
	return d->sets[id + 1] - d->sets[id];
}
static inline const uint32_t *dataset_set_v(const ds_data_t *d, uint32_t id)
{
	return d->pool + d->sets[id];
}
/* Has the zone's owner asked the load to give up? Checked every few thousand lines. */
bool dataset_load_aborted(const ds_load_t *l);

/* A file's identity: a change of any of these is a new file to read. */
typedef struct {
	bool ok;                /* it could be looked at */
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
} ds_stamp_t;
/* The stamp of path as it is now. */
void dataset_load_stamp(const char *path, ds_stamp_t *s);
bool dataset_load_stamp_eq(const ds_stamp_t *a, const ds_stamp_t *b);

/* One dataset of type: begin (err receives the failure, abort may say to give
 * up), one or more files (each with its stamp as it was read) or one text
 * (buf of len bytes, modified), end (the type builds its structure), done
 * (frees the loader's tables; l->d is then the caller's, to keep or free). */
void dataset_load_begin(ds_load_t *l, const ds_type_t *type, char *err, size_t errlen,
			atomic_int *abort_flag);
int dataset_load_file(ds_load_t *l, const char *path, ds_stamp_t *st);
int dataset_load_text(ds_load_t *l, char *buf, size_t len);
int dataset_load_end(ds_load_t *l);
void dataset_load_done(ds_load_t *l);
void dataset_load_data_free(ds_data_t *d);
size_t dataset_load_data_bytes(const ds_data_t *d);

/* ---- parsing (dataset_parse.c): rbldnsd's syntax, on a NUL-terminated line ---- */

#define DS_ISSPACE(c) ((c) == ' ' || (c) == '\t')
#define DS_ISCOMMENT(c) ((c) == '#' || (c) == ';')

/* A prefix "a", "a.b", "a.b.c", "a.b.c.d": its bits (8, 16, 24, 32) or -1;
 * *end gets where parsing stopped. */
int dataset_parse_ip4prefix(const char *s, uint32_t *a, const char **end);
/* A CIDR "prefix/bits" or a prefix of 16 bits or more: bits, or -1. */
int dataset_parse_ip4cidr(const char *s, uint32_t *a, const char **end);
/* Every ip4set range form: CIDR, prefix, "a-b" (prefixes, the last octets
 * completed), "a.b.c.d-e" (the last octet only). Returns the CIDR's bits (32
 * for a dash range) with [*a, *b] the range (*a's host part not cleared), or -1. */
int dataset_parse_ip4range(const char *s, uint32_t *a, uint32_t *b, const char **end);
/* An IPv6 prefix of 16-bit words, "::" allowed: its bits (16..128), or -1. */
int dataset_parse_ip6prefix(const char *s, uint8_t a[16], const char **end);
/* "prefix/bits" or a prefix of 32 bits or more: bits (0..128), or -1. */
int dataset_parse_ip6cidr(const char *s, uint8_t a[16], const char **end);
/* Clears the host part of a beyond bits; true when it was not clear. */
bool dataset_parse_ip6mask(uint8_t a[16], unsigned bits);
/* A value ":A:TXT", ":A", or "TXT" against the default dval: 0 with *val,
 * or -1 with the loader's error set. */
int dataset_parse_value(ds_load_t *l, const char *s, uint32_t dval, uint32_t *val);
/* A "$..." line (s after the '$'): 0, or -1 with the error set. */
int dataset_parse_special(ds_load_t *l, char *s);
/* A text name into wire form (rbldnsd's dns_ptodn: \c and \DDD escapes, empty
 * labels skipped), lower-cased: its length, or 0 when it is no name. */
unsigned dataset_parse_dn(const char *s, size_t len, uint8_t *dn, size_t cap);
/* A wire-form name as text (dns_dntop's escapes): its length, or 0. */
unsigned dataset_parse_dntop(const uint8_t *dn, char *out, size_t cap);
/* IPv6 text as rbldnsd writes it for $ (lower-case words, the longest run of
 * two or more zero words as "::", never dotted): its length. */
size_t dataset_parse_ip6str(const uint8_t a[16], char *out);
/* rbldnsd's TXT substitution of template into out (254 bytes at most, no
 * NUL): $ the subject, $$ a dollar, $N the dataset's substitutions, $= and
 * the base template. Returns the length. */
size_t dataset_parse_txt(const ds_data_t *d, const char *tmpl, const char *subject, char *out);

#endif
