/* store_snds_int.h -- how the store's readers read a line of snds_ips: its columns and their reader.
 * Only store/ files include this (store_snds.c, store_read.c). */
#ifndef BLMON_STORE_SNDS_INT_H
#define BLMON_STORE_SNDS_INT_H

#include "store/store_int.h"
#include "store/store_snds.h"

/* The columns of a snds_ips row (aliased n), in the order store_snds_cols reads them from
 * `first` on; NULL in every one when a LEFT JOIN found no line. */
#define STORE_SNDS_COLS                                                                  \
	"n.ip, n.account, n.activity_start, n.activity_end, n.rcpt, n.data, n.recipients, " \
	"n.filter, n.complaint, n.complaint_rate, n.trap_start, n.trap_end, n.trap_hits, "  \
	"n.helo, n.mail_from, n.comments, n.fetched"
/* Reads them into out; 1, or 0 when the row has none. */
int store_snds_cols(store_stmt_t *st, int first, store_snds_t *out);

#endif
