/* store_snds.h -- Microsoft SNDS's numbers of the day per address (migration 8), as the daemon wrote them.
 * The daemon replaces an account's lines with each new data.aspx; the web reads them per target. */
#ifndef BLMON_STORE_SNDS_H
#define BLMON_STORE_SNDS_H

#include <stddef.h>
#include <stdint.h>

#include "checks/snds.h"
#include "store/store.h"

#define STORE_SNDS_SCHEMA 6

/* A line of data.aspx as stored: its values, owned by the row (text bounded,
 * untrusted: escape before display). */
typedef struct {
	char ip[48];
	char account[SNDS_ACCOUNT_MAX];
	char activity_start[32], activity_end[32];
	int64_t rcpt, data, recipients;
	snds_filter_t filter;
	char complaint[16];
	double complaint_rate;
	char trap_start[32], trap_end[32];
	int64_t trap_hits;
	char helo[SNDS_TEXT_MAX], mail_from[SNDS_TEXT_MAX], comments[SNDS_TEXT_MAX];
	int64_t fetched;     /* when the document was downloaded */
} store_snds_t;

/* Replaces the stored lines of account (snds_account_id) with those of
 * data.aspx of key i of set, downloaded at fetched. An address another
 * account also names keeps the line written last. 0 or -1. */
int store_snds_replace(store_t *s, const char *account, const snds_t *set, size_t i,
		       int64_t fetched);

/* Deletes the lines of every account not among accounts (n of them): a key
 * removed from the config takes its numbers with it. 0 or -1. */
int store_snds_retain(store_t *s, const char *const *accounts, size_t n);

typedef int (*store_snds_fn)(void *arg, const store_snds_t *row);

/* The lines of the active targets, by address (a visitor of store_read.h's
 * convention). 0 or -1. */
int store_snds_targets_visit(store_t *s, store_snds_fn fn, void *arg);

#endif
