/* store_cluster.h -- several blmon nodes over one database: the shards of the work and their leases.
 * Leases are rows claimed with FOR UPDATE SKIP LOCKED (PostgreSQL); no node trusts its own clock
 * over another's beyond the lease: what it holds is what the database says it holds. */
#ifndef BLMON_STORE_CLUSTER_H
#define BLMON_STORE_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* The shards the targets are split into (a target's: store_cluster_shard). Fixed: every node
 * must split the same way. */
#define STORE_CLUSTER_SHARDS 32
/* The coordinator's lease: the work done once for the cluster (alerts, the digest, the mail log). */
#define STORE_CLUSTER_COORD (-1)

/* The shard of a target, by its name (a hash every node computes alike). */
int store_cluster_shard(const char *target);

/* What a node holds after a renewal: held[shard] for each shard, and the coordinator's. */
typedef struct {
	bool held[STORE_CLUSTER_SHARDS];
	bool coordinator;
	int nheld;
	int live;          /* the nodes renewing now (healthy ones), this one included */
} store_cluster_hold_t;

/* One renewal of node at now, in one transaction: notes the node (healthy: it can check),
 * renews what it holds, gives back what is above its fair share of the live healthy nodes
 * (so that a node that joins gets its part), takes free or expired shards up to that share
 * (and the coordinator's lease when free or expired), each for lease_s seconds. A node that
 * is not healthy gives back everything and takes nothing. Fills out. 0 or -1. */
int store_cluster_renew(store_t *s, const char *node, bool healthy, int64_t now, int64_t lease_s,
			store_cluster_hold_t *out);

/* Gives back every lease of node and forgets it (a clean stop): the others take them at their
 * next renewal, not after a lease. 0 or -1. */
int store_cluster_release(store_t *s, const char *node);

/* A node as the database knows it: its last renewal, whether it could check, what it holds
 * (leases not expired at the time asked). */
typedef struct {
	char node[64];
	int64_t seen;      /* its last renewal */
	bool healthy;
	int shards;
	bool coordinator;
	int64_t expires;   /* its leases run out (0: it holds none) */
} store_cluster_node_t;

/* Every node, by name, as of now. Returns how many, with *out (caller frees; NULL when none),
 * or -1. */
int store_cluster_nodes(store_t *s, int64_t now, store_cluster_node_t **out);

/* A node's own view of a list: its test, and its data when the list is answered from files. */
typedef struct {
	char node[64];
	int64_t list_id;
	char zone[256];
	dnsbl_health_t health;     /* HEALTH_UNTESTED, at 0: not tested yet */
	char detail[STORE_DETAIL_MAX];
	int64_t at;
	int64_t data_at;           /* the time of this node's data of the list (0: DNS, or none) */
} store_cluster_view_t;

/* Records what node found of list_id's test points at now (replacing its last view). 0 or -1. */
int store_cluster_list_seen(store_t *s, const char *node, int64_t list_id, dnsbl_health_t health,
			    const char *detail, int64_t now);

/* Records the time of node's own data of list_id (its mirror's last complete transfer, or the
 * newest change of its files, as store_list_data's `at`; 0: from DNS, or no data yet), leaving
 * its test as it was (untested when none). 0 or -1. */
int store_cluster_list_data(store_t *s, const char *node, int64_t list_id, int64_t data_at);

/* Every node's view of list_id (every list: list_id 0) recorded at `since` or later, by list
 * and node. Returns how many, with *out (caller frees; NULL when none), or -1. */
int store_cluster_list_views(store_t *s, int64_t list_id, int64_t since,
			     store_cluster_view_t **out);

/* The shards of a hold as a mask: bit `shard` set for each one held. */
uint64_t store_cluster_mask(const store_cluster_hold_t *h);

/* A node's retirement of what left the config: marks inactive every active target not seen
 * since `before` whose shard is in `shards` (those the node held for a whole cycle that saw
 * every target of them), as store_targets_retire does, in one transaction. Only the node that
 * checked a shard retires from it: a cycle slower than a lease retires nothing it still
 * checks, and a target is retired once. 0 or -1. */
int store_cluster_retire(store_t *s, int64_t before, uint64_t shards);

/* Adds shards (a mask) to the shards some node has swept from start to end at least once, and
 * gives in *all every shard swept so far (the first run's summary waits for all of them: it
 * covers every node's part). 0 or -1. */
int store_cluster_swept(store_t *s, uint64_t shards, uint64_t *all);

/* Every shard: the mask of a node that would hold them all. */
#define STORE_CLUSTER_ALL ((uint64_t)-1 >> (64 - STORE_CLUSTER_SHARDS))

/* Notes that node runs cycle cycle_id. 0 or -1. */
int store_cluster_cycle(store_t *s, int64_t cycle_id, const char *node);

/* Each node's last finished cycle. */
typedef struct {
	char node[64];
	int64_t started, ended;
} store_cluster_cycle_t;

/* Every node's last finished cycle, by node. Returns how many, with *out (caller frees; NULL
 * when none), or -1. */
int store_cluster_cycles(store_t *s, store_cluster_cycle_t **out);

#endif
