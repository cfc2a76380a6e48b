/* hood.h -- a monitored IP's neighbourhood: its origin ASN (Team Cymru) and Spamhaus DROP/ASN-DROP.
 * Feeds the scheduler; what it learns is kept in the store (asn table, last good DROP files). */
#ifndef BLMON_HOOD_H
#define BLMON_HOOD_H

#include <stdint.h>

#include "../checks/dnsbl.h"
#include "config.h"
#include "store.h"

typedef struct hood hood_t;

/* Caller owns the result (hood_free). */
hood_t *hood_new(void);
void hood_free(hood_t *h);

/* Loads the stored DROP files and downloads new ones when c's refresh
 * period has passed (conditional requests; a failed or malformed download
 * keeps the last good copy). Does nothing unless [drop] enabled. */
void hood_drop_refresh(hood_t *h, const config_t *c, store_t *s, int64_t now);

/* True when at least one DROP file is loaded: hood_drop_results applies. */
bool hood_drop_active(const hood_t *h);

/* The two pseudo-lists DROP verdicts are recorded under (borrowed, valid
 * for the hood's lifetime): Spamhaus DROP (scope network) and ASN-DROP. */
catalog_list_t *hood_drop_list(hood_t *h);
catalog_list_t *hood_asndrop_list(hood_t *h);

/* Refreshes the origin ASN of every IP target of ts whose stored row is older
 * than refresh_s; addresses inside a prefix looked up this call reuse its
 * answer. Targets are upserted. Returns lookups made, or -1 on a store error. */
int hood_asn_refresh(hood_t *h, dnsbl_t *d, store_t *s, const targetset_t *ts,
		     unsigned refresh_s, int64_t now);

/* DROP and ASN-DROP verdicts of target tid: fills out[0] (list index
 * idx_drop) and out[1] (idx_asndrop). Their txt points into h (valid until the
 * next call). Returns how many were filled (0 for domains or when inactive). */
size_t hood_drop_results(hood_t *h, store_t *s, int64_t tid, const target_t *t,
			 dnsbl_result_t *out, uint16_t idx_drop, uint16_t idx_asndrop);

#endif
