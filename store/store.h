/* store.h -- the one owner of blmon's database: connections, migrations, typed rows.
 * Nobody else writes SQL: the scheduler, alerts, the log watcher and the web call these functions. */
#ifndef BLMON_STORE_H
#define BLMON_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/catalog.h"
#include "checks/dnsbl.h"
#include "checks/problem.h"
#include "checks/result.h"
#include "checks/status.h"
#include "checks/target.h"

/* Errors: functions return 0 (or an id, a count, 1 for "found") and -1 on a
 * database error, whose message store_error() gives. Rows are plain values
 * the caller owns; nothing returned points into the store unless it says so. */

typedef struct store store_t;

typedef enum {
	STORE_RW, /* the daemon's thread: creates and migrates the database */
	STORE_RO, /* readers (the web's threads, tools): the database must exist */
} store_mode_t;

/* Opens path with the pragmas every connection shares (WAL, busy timeout of
 * STORE_BUSY_MS, foreign keys on); STORE_RW creates the file and applies the
 * migrations of schemas/store.sql. One connection per thread. Returns NULL
 * with "PATH: what" in err. Caller owns the result (store_close). */
#define STORE_BUSY_MS 5000
store_t *store_open(const char *path, store_mode_t mode, char *err, size_t errlen);
void store_close(store_t *s);

/* Which database: a file's path (SQLite), or a PostgreSQL connection URI
 * ("postgresql://USER@HOST:PORT/DB?..."), whose password comes from password_file (the
 * password alone on its first line; NULL: libpq's PGPASSFILE, ~/.pgpass, or none). A URI
 * never holds the password itself (config.c refuses one): it is shown in logs and errors. */
typedef struct {
	const char *database;
	const char *password_file;
} store_db_t;

/* store_open for either engine: PostgreSQL shares the contract (STORE_RW migrates
 * schemas/store.pg.sql, waiting for another node migrating it; STORE_RO sessions are read
 * only; a lost connection is made again at the next statement outside a transaction). */
store_t *store_open_db(const store_db_t *db, store_mode_t mode, char *err, size_t errlen);

/* Does database name a PostgreSQL database (a postgresql:// or postgres:// URI)? */
bool store_db_is_pg(const char *database);
/* Can database be written in a config as it is: a path, or a PostgreSQL URI that holds no
 * password (not as user:password@, not as ?password=)? 0, or -1 with why in buf. */
int store_db_check(const char *database, char *buf, size_t len);

/* "SQLite" or "PostgreSQL" (static). */
const char *store_engine_name(const store_t *s);

/* Does the path still name the file s has open? 0 yes; 1 when it was deleted
 * or replaced (what s writes then goes to an unlinked file and is lost when it
 * closes), with what happened in store_error. One stat(2): cheap enough to ask
 * once per cycle. Always 0 on PostgreSQL: there is no file, and a lost connection
 * is made again by the engine itself. */
int store_check_file(store_t *s);
/* Closes s's connection and opens the path again (STORE_RW: creating and
 * migrating a new database when there is none). s stays the same object for
 * everyone who borrows it. 0, or -1 with store_error set (s is then unusable
 * until a reopen succeeds). */
int store_reopen(store_t *s);

/* The last error (borrowed; valid until the next call on s). */
const char *store_error(const store_t *s);

/* A transaction: on STORE_RW a write transaction (BEGIN IMMEDIATE), on STORE_RO
 * one consistent snapshot for the reads of a document. Not nested. */
int store_begin(store_t *s);
int store_commit(store_t *s);
int store_rollback(store_t *s); /* a no-op when no transaction is open */

/* Schema version of the open database (the last migration applied). */
int store_schema_version(store_t *s);

/* For tests and tools: the first column of the first row of a read query, or -1. */
int64_t store_scalar(store_t *s, const char *sql);

/* ---- typed rows ---- */

#define STORE_TXT_MAX 2048
#define STORE_REASON_MAX 512
#define STORE_DETAIL_MAX 512

/* What an answer said, as stored with a state or an event. */
typedef struct {
	uint8_t ncodes;
	uint32_t codes[RESULT_MAX_CODES]; /* A records, host order, sorted */
	uint16_t ntxt;
	char txt[STORE_TXT_MAX];          /* ntxt NUL-separated TXT records (untrusted text) */
	char reason[STORE_REASON_MAX];    /* "" when there is nothing to say */
} store_answer_t;

/* Fills a from an engine result; reason may be NULL. TXT records are kept
 * cleaned to valid UTF-8 and bounded. */
void store_answer_set(store_answer_t *a, const dnsbl_result_t *res, const char *reason);
/* Points r's codes, TXT and reason at a (borrowed: a must outlive r's use). */
void store_answer_to_result(const store_answer_t *a, result_t *r);
/* Do a and b hold the same codes? */
bool store_answer_same_codes(const store_answer_t *a, const store_answer_t *b);

/* A monitored target. */
typedef struct {
	int64_t id;
	char name[TARGET_NAME_MAX];
	target_type_t type;
	char from[TARGET_NAME_MAX]; /* host or domain it was discovered from; "" */
	bool active;                /* still in the config (or discovered) */
} store_target_t;

/* What the last digest counted of a list (store_problems.h). */
typedef struct {
	int64_t results;     /* (active target, list) results */
	int64_t listed;      /* targets it lists */
	int64_t problems;    /* its problems (ignored ones included) */
	int64_t stale;       /* results whose last answer is too old */
	int64_t failing;     /* results whose checks fail now */
	int64_t last_answer; /* the newest real answer of any result (0: none) */
	int64_t unchecked;   /* results no check has answered yet */
} store_list_tally_t;

/* A list as recorded, with its health. */
typedef struct {
	int64_t id;
	char zone[256];
	char name[128];
	list_kind_t kind;
	list_scope_t scope;
	list_severity_t severity;
	dnsbl_health_t health;
	char detail[STORE_DETAIL_MAX];
	int64_t health_since;       /* 0: never tested */
	store_list_tally_t tally;   /* as of the last digest */
	/* a list answered from data files: "files", or "mirror" when blmon fetches them
	 * ("": DNS); the data's time (the mirror's last complete transfer, or the files'
	 * newest change; 0: none); and since when and why it cannot be renewed */
	char data_source[8];
	int64_t data_at, data_failing_since;
	char data_error[STORE_DETAIL_MAX];
} store_list_t;

/* The recorded state of one (target, list): its confirmed status (listed,
 * clean, or unchecked while no check has answered yet), its freshness, and a
 * change seen but not yet confirmed. A failed check changes only the
 * freshness: failing_since and failing_reason, never the status or since. */
typedef struct {
	bool present;               /* false: never observed (the rest is zero) */
	status_t status;            /* STATUS_LISTED, STATUS_CLEAN or STATUS_UNCHECKED */
	int64_t since;              /* when this confirmed status began */
	int64_t checked_at;         /* the last real answer (0: never) */
	int64_t failing_since;      /* the checks fail since (0: the last one answered) */
	char failing_reason[STORE_REASON_MAX]; /* why they fail ("" when they do not) */
	int64_t ttl_until;          /* no re-query of this name before */
	store_answer_t ans;         /* the latest answer of this status */
	char problem[PROBLEM_ENTITY_MAX]; /* a listing's problem entity as the last digest
					     found it ("": none) */
	int pending_count;          /* 0: nothing pending */
	status_t pending_status;
	uint8_t pending_ncodes;
	uint32_t pending_codes[RESULT_MAX_CODES];
	int64_t version;            /* the row's writes so far, as store_state_get read it (0:
				       no row): store_state_cas writes only over this one */
} store_state_t;

/* Fills r from a stored list row and what its state (or an event) holds;
 * list is the catalog's row of it (NULL when no longer configured). Every
 * pointer of r is borrowed from list, row and ans. */
void store_result(result_t *r, const catalog_list_t *list, const store_list_t *row,
		  status_t status, const store_answer_t *ans);

/* One confirmed change. */
typedef struct {
	int64_t id, at, target_id, list_id;
	bool first;                 /* the first observation: there is no `from` */
	status_t from, to;
	store_answer_t ans;
} store_event_t;

/* A target's place in numeric order (targets.ipkey): a type byte, then the
 * address (network order) or the domain's name, so that comparing keys as
 * bytes orders as target_cmp does and a network is one range of keys.
 * Writes at most STORE_IPKEY_BUF bytes; returns the length. */
#define STORE_IPKEY_BUF (1 + TARGET_NAME_MAX)
size_t store_ipkey(const target_t *t, uint8_t *out);

/* ---- the scheduler's writes (store_state.c) ---- */

/* Upserts a target (marks it active, updates last_seen and discovered_from)
 * and returns its id. */
int64_t store_target_id(store_t *s, const target_t *t, int64_t now);
/* A cycle's target ids: the active targets read once (store_target_ids_load,
 * NULL on error; the caller frees it with store_target_ids_free), then
 * store_target_ids_get gives a target's id without a statement when the row
 * already says what store_target_id would write but last_seen (else it calls
 * store_target_id), and store_target_ids_flush writes last_seen = now for
 * every target got with `seen` (the caller answered it this cycle) since, in
 * one transaction and a statement per run of such ids (0 or -1). A /16 is
 * 65,536 upserts a visit otherwise. m may be NULL: every get upserts. */
typedef struct store_target_ids store_target_ids_t;
store_target_ids_t *store_target_ids_load(store_t *s);
int64_t store_target_ids_get(store_t *s, store_target_ids_t *m, const target_t *t, int64_t now,
			     bool seen);
int store_target_ids_flush(store_t *s, store_target_ids_t *m, int64_t now);
void store_target_ids_free(store_target_ids_t *m);
/* The id of a known target, 0 when it was never stored, -1 on error. */
int64_t store_target_known(store_t *s, const char *name);
/* Marks every target not seen since `before` inactive (their settled states keep
 * the answer time they have, and later sweeps of their lists do not count for
 * them), in one transaction. 0 or -1. */
int store_targets_retire(store_t *s, int64_t before);
/* Upserts a list by zone and returns its id. */
int64_t store_list_id(store_t *s, const catalog_list_t *l);

/* Loads the state of (target, list): 1 found, 0 none (out->present false). */
int store_state_get(store_t *s, int64_t target_id, int64_t list_id, store_state_t *out);
int store_state_put(store_t *s, int64_t target_id, int64_t list_id, const store_state_t *st);
/* store_state_put, but only over the row store_state_get read into st (st->version; 0: no row
 * then): 0 written, 1 when another writer (another node of a cluster) wrote it since, and
 * nothing was written; -1 on error. What depends on the write (its event) comes after it. */
int store_state_cas(store_t *s, int64_t target_id, int64_t list_id, const store_state_t *st);

/* A settled state: confirmed (nothing pending), not failing, no TTL to honour. A
 * cycle whose answer for such a pair is the one it holds again changes nothing but
 * its checked_at: rather than reading and rewriting each row (a /16 against 8 lists
 * is half a million of them, most a plain NXDOMAIN), it leaves them. After a whole
 * sweep (every target of the config seen, and those no longer there retired:
 * store_targets_retire) one row per list says so (store_lists_swept), and a settled
 * state's checked_at reads as the later of its own and its list's sweep; after any
 * other run, store_state_settled_touch moves the checked_at of the pairs it answered.
 * An answer is compared by its fingerprint: a 64-bit hash of its stored text (status,
 * codes, TXT, reason); store_answer_fp_plain() is the plainest's (clean, nothing else). */
uint64_t store_answer_fp(status_t status, const store_answer_t *a);
uint64_t store_answer_fp_plain(void);
/* fn(arg, list_id, target_id, fingerprint) for every settled state, in no set order
 * (the table's). 0 or -1. */
typedef void (*store_settled_fn)(void *arg, int64_t list_id, int64_t target_id, uint64_t fp);
int store_state_settled(store_t *s, store_settled_fn fn, void *arg);
/* Moves to now the checked_at of list_id's settled states whose target was seen
 * at now (store_target_id's last_seen): after a whole cycle, exactly the pairs
 * it answered the same again (the others it rewrote, and a rewritten pair that is
 * settled has now anyway). 0 or -1. */
int store_state_settled_touch(store_t *s, int64_t list_id, int64_t now);
/* Records that the n lists list_ids answered every active target at now (in
 * one transaction): their settled states were answered then. Only after
 * store_targets_retire of the same cycle. 0 or -1. */
int store_lists_swept(store_t *s, const int64_t *list_ids, size_t n, int64_t now);

/* Appends an event (ev->id is ignored); returns its id. */
int64_t store_event_add(store_t *s, const store_event_t *ev);

/* Records a list's health at time now when it differs from the stored one
 * (only the health counts: a new wording of the same problem is no change).
 * Returns 1 when it changed, 0 when not. */
int store_list_health(store_t *s, int64_t list_id, dnsbl_health_t health, const char *detail,
		      int64_t now);

/* Records where list_id's data comes from (source "files" or "mirror"; NULL: DNS,
 * the rest ignored), its time, and since when and why it fails (0 and NULL: it
 * does not). */
int store_list_data(store_t *s, int64_t list_id, const char *source, int64_t at,
		    int64_t failing_since, const char *error);

typedef struct {
	int64_t lists, targets, queries, errors, listed, unknown;
	int64_t answered;           /* results that were real answers (not failures) */
} store_cycle_t;

int64_t store_cycle_begin(store_t *s, int64_t now);
int store_cycle_end(store_t *s, int64_t id, int64_t now, const store_cycle_t *c);

/* Adds n checks of list_id that failed for reason (verdict_error_class) to
 * the counters of table dns_errors. 0 or -1. */
int store_dns_errors_add(store_t *s, int64_t list_id, const char *reason, int64_t n);

/* ---- the resolver's outages ---- */

typedef struct {
	int64_t id, started, ended; /* ended 0: still down */
	char resolver[256], reason[STORE_REASON_MAX];
} store_outage_t;

/* The open outage: 1 with *out, 0 when the resolver is up. */
int store_outage_open_get(store_t *s, store_outage_t *out);
/* Records that the resolver is down since `started`; returns the outage's id. */
int64_t store_outage_open(store_t *s, int64_t started, const char *resolver, const char *reason);
/* Ends the open outage (if any) at now. */
int store_outage_close(store_t *s, int64_t now);

/* Deletes cycle and list-health rows older than before (the latest health
 * row of each list stays) and the daily query counts of the days before it;
 * never state or events. */
int store_prune(store_t *s, int64_t before);

/* ---- the neighbourhood (store_hood.c) ---- */

/* Origin ASN of a target as last looked up. */
typedef struct {
	int64_t asn;                /* -1: not routed */
	char prefix[64], country[8], registry[16], name[160];
	int64_t fetched;
} store_asn_t;

/* 1 found, 0 never looked up. */
int store_asn_get(store_t *s, int64_t target_id, store_asn_t *out);
int store_asn_put(store_t *s, int64_t target_id, const store_asn_t *in);

/* The last good copy of a downloaded file (Spamhaus DROP) and when the server
 * was last asked. */
typedef struct {
	char *body;                 /* caller frees; NUL-terminated */
	size_t len;
	char etag[256], last_modified[256]; /* "" when absent */
	int64_t fetched, checked;
} store_file_t;

/* 1 with *out filled, 0 when none. */
int store_file_get(store_t *s, const char *url, store_file_t *out);
/* Saves a new good copy (body non-NULL) or only the time asked (body NULL). */
int store_file_put(store_t *s, const char *url, const char *body, size_t len, const char *etag,
		   const char *last_modified, int64_t now);

#endif
