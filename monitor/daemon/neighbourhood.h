/* neighbourhood.h -- a monitored IP's neighbourhood: its origin ASN (Team Cymru) and Spamhaus DROP/ASN-DROP.
 * Feeds the scheduler; what it learns is kept in the store (asn table, last good DROP files). */
#ifndef BLMON_NEIGHBOURHOOD_H
#define BLMON_NEIGHBOURHOOD_H

#include <stdint.h>

#include "checks/dnsbl.h"
#include "monitor/config.h"
#include "store/store.h"

typedef struct neighbourhood neighbourhood_t;

/* Caller owns the result (neighbourhood_free). */
neighbourhood_t *neighbourhood_new(void);
void neighbourhood_free(neighbourhood_t *h);

/* Loads the stored DROP files (again when a newer copy was stored: another node of a
 * cluster downloaded it) and, when fetch is set, downloads new ones when c's refresh
 * period has passed (conditional requests; a failed or malformed download
 * keeps the last good copy). Does nothing unless [drop] enabled. */
void neighbourhood_drop_refresh(neighbourhood_t *h, const config_t *c, store_t *s, int64_t now,
				bool fetch);

/* True when at least one DROP file is loaded: neighbourhood_drop_results applies. */
bool neighbourhood_drop_active(const neighbourhood_t *h);

/* The two pseudo-lists DROP verdicts are recorded under (borrowed, valid
 * for the hood's lifetime): Spamhaus DROP (scope network) and ASN-DROP. */
catalog_list_t *neighbourhood_drop_list(neighbourhood_t *h);
catalog_list_t *neighbourhood_asndrop_list(neighbourhood_t *h);

/* Refreshes the origin ASN of every IP target of ts whose stored row is older
 * than refresh_s; addresses inside a prefix looked up this call reuse its
 * answer. Targets are upserted, through ids when not NULL (store_target_ids_get).
 * An address whose answer is unusable fails
 * alone: it sits out 1, 2, 4 ... up to 32 calls, then is asked after the
 * others. A resolver failure (timeout, SERVFAIL, REFUSED, no server) ends
 * the call's lookups. Each failure is logged once. Returns lookups made, or
 * -1 on a store error. */
int neighbourhood_asn_refresh(neighbourhood_t *h, dnsbl_t *d, store_t *s, store_target_ids_t *ids,
			      const targetset_t *ts, unsigned refresh_s, int64_t now);

/* DROP and ASN-DROP verdicts of target tid: fills out[0] (list index
 * idx_drop) and out[1] (idx_asndrop). Their txt points into h (valid until the
 * next call). Returns how many were filled (0 for domains or when inactive). */
size_t neighbourhood_drop_results(neighbourhood_t *h, store_t *s, int64_t tid, const target_t *t,
			 dnsbl_result_t *out, uint16_t idx_drop, uint16_t idx_asndrop);

#endif
