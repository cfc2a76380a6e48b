/* config.h -- blmon's INI configuration: load, validate, free.
 * Every error names FILE:LINE and the key; a config either loads whole or not at all. */
#ifndef BLMON_CONFIG_H
#define BLMON_CONFIG_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "checks/catalog.h"
#include "checks/problem.h"
#include "checks/target.h"

typedef enum { CT_IP, CT_NETWORK, CT_HOST, CT_DOMAIN } config_target_kind_t;

typedef struct {
	config_target_kind_t kind;
	char *value;
	int line;
	target_spec_t spec; /* parsed form (not for hosts, which resolve at run time) */
} config_target_t;

typedef struct {
	char *value;
	int line;
} config_str_t;

/* A value of a [list ZONE] section that is resolved once the whole file is
 * read: the list (its index in the catalog) and where it was written. */
typedef struct {
	size_t list;
	char *value;
	int line;
} config_listval_t;

/* [email] starttls: no (never), yes (when the server offers it), required. */
typedef enum { CONFIG_STARTTLS_NO, CONFIG_STARTTLS_YES, CONFIG_STARTTLS_REQUIRED } config_starttls_t;

typedef struct config {
	char *path;
	/* [monitor] */
	unsigned interval_s, confirm, timeout_ms, retries, concurrency;
	char *resolver; /* NULL: the system's resolvers */
	char *database;        /* a SQLite file's path, or a postgresql:// URI (no password) */
	char *database_password_file; /* PostgreSQL: the password alone (NULL: libpq's PGPASSFILE,
					 ~/.pgpass) */
	int database_line;
	unsigned retention_s;  /* cycle rows older than this are pruned */
	unsigned asn_refresh_s;
	unsigned max_ttl_s;    /* a listed answer is reused at most this long (and one interval) */
	unsigned stale_grace_s; /* a state is stale when its last answer is older than its list's
				   interval plus this (0: two intervals) */
	bool budget_warn;      /* budget = warn: exceeding a list's budget only warns */
	/* [targets] */
	target_limits_t limits;
	config_target_t *targets;
	size_t ntargets, captargets;
	/* [lists] */
	bool lists_default;
	config_str_t *disable, *enable, *only;
	size_t ndisable, nenable, nonly, capdisable, capenable, caponly;
	catalog_t *catalog; /* built-ins plus [list ZONE] sections, enabled per [lists] */
	/* [ignore] listings ignored on purpose: counted and shown folded, never alerted */
	problem_rule_t *ignore;
	size_t nignore, capignore;
	int *ignore_line;
	size_t capignore_line;
	/* the lists answered from data files: [list ZONE] dataset = TYPE:PATH (made into
	 * each list's dataset zone) and rsync = SOURCE; [mirror] where and how often */
	config_listval_t *datasets, *rsyncs;
	size_t ndatasets, capdatasets, nrsyncs, caprsyncs;
	char *mirror_dir;          /* default: "mirror" beside the database */
	unsigned mirror_refresh_s; /* each mirror is synced this often */
	unsigned mirror_timeout_s; /* rsync's connect and I/O timeout */
	/* [drop] Spamhaus DROP / ASN-DROP files */
	bool drop_enabled;
	char *drop_url_v4, *drop_url_v6, *drop_url_asn;
	unsigned drop_refresh_s;
	/* [snds] Microsoft SNDS automated access (checks/snds.c): its keys are secrets */
	config_str_t *snds_keys;   /* key = (repeatable): one per SNDS account */
	size_t nsnds_keys, capsnds_keys;
	char *snds_url;            /* the base of the automated access */
	unsigned snds_refresh_s;   /* the documents are fetched at most this often (>= 15 min) */
	unsigned snds_timeout_s;   /* a document's download gives up after this long */
	/* [cluster]: several nodes over one PostgreSQL database (any key turns it on) */
	bool cluster;
	int cluster_line;
	char *cluster_node;        /* this node's name (default: the host name) */
	unsigned cluster_lease_s;  /* a node that does not renew for this long loses its shards */
	/* [http] */
	char *http_listen;
	char *http_cert, *http_key; /* PEM files: serve HTTPS */
	char *http_token; /* NULL: the API and /metrics need no Authorization */
	unsigned healthz_max_age_s; /* /healthz fails when nothing could be checked for longer
				       (0: two intervals) */
	/* [email] */
	char *smtp, *from;
	config_str_t *to;
	size_t nto, capto;
	int smtp_line;         /* line of smtp =, for errors found after the parse */
	config_starttls_t starttls;
	char *smtp_user, *smtp_password, *smtp_password_file;
	char *subject_prefix;  /* "[blmon]" unless set; may be "" */
	/* [webhook] */
	config_str_t *webhooks;
	size_t nwebhooks, capwebhooks;
	config_str_t *webhook_headers; /* "Name: value" */
	size_t nwebhook_headers, capwebhook_headers;
	/* [alerts] */
	unsigned alert_batch_s;   /* changes within this window go into one message */
	unsigned flap_limit;      /* this many changes within flap_window: flapping; 0 = off */
	unsigned flap_window_s;
	unsigned alert_give_up_s; /* an undelivered alert is dropped this long after it was made */
	/* [logwatch] the MTA's mail log (monitor/logwatch.c) */
	config_str_t *logfiles; /* file = (repeatable) */
	size_t nlogfiles, caplogfiles;
	config_str_t *logcmds;  /* command = (repeatable): a shell command whose stdout is a log */
	size_t nlogcmds, caplogcmds;
	char *logwatch_format;  /* "postfix", "exim" or "auto" (default) */
	unsigned lw_threshold;  /* threshold = N in DURATION: rejections per provider ... */
	unsigned lw_window_s;   /* ... within this window open an incident (default 3 in 10m) */
	unsigned lw_quiet_s;    /* quiet = no rejection for this long (and a delivery) closes it */
} config_t;

/* A config with every default and the built-in catalog (caller owns). */
config_t *config_new_default(void);

/* Loads path. On success returns 0 and *out (caller owns; config_free). On
 * error returns -1, *out NULL, and err holds one line per problem, each
 * "FILE:LINE: [section] key: what is wrong". */
int config_load(const char *path, config_t **out, char *err, size_t errlen);

/* The config file every command reads unless told otherwise. */
#define CONFIG_DEFAULT_PATH "/etc/blmon.conf"

/* The config file a command reads: option (its -c FILE) when given, else
 * $BLMON_CONFIG when set and not empty, else CONFIG_DEFAULT_PATH. Borrowed:
 * option, the environment's or a constant. A file that cannot be found is
 * named by config_load with where its path came from and how to choose another. */
const char *config_path(const char *option);

/* The same for the commands that also run without a config (check, nagios's
 * live mode, lists): NULL -- the built-in lists and defaults -- when neither
 * option nor BLMON_CONFIG names a file and CONFIG_DEFAULT_PATH does not exist. */
const char *config_path_optional(const char *option);

/* As config_load, from the config text (len bytes, not NUL-terminated; NUL
 * bytes in it are refused like any control byte) named name in errors and
 * c->path. text and name are borrowed for the call only. */
int config_load_string(const char *name, const char *text, size_t len, config_t **out, char *err,
		       size_t errlen);

void config_free(config_t *c);

/* Removes c's secrets from text, in place (its buffer holds len bytes): the
 * URLs of [email] smtp, [webhook] url, [drop] and [snds] (userinfo, secret
 * query values, and a webhook's path: chat webhooks keep their token there)
 * become their shown form (curlx_url_shown), and [email] password, [webhook]
 * header values, [http] token, the lists' keys and the [snds] keys become
 * "***". For every text built from what libcurl or a server said, before it
 * is logged, stored or served. */
void config_redact(const config_t *c, char *text, size_t len);

/* The i-th key blmon accepts (i < config_key_count()); *section gets its
 * section ("list" for [list ZONE]). Borrowed static strings. For docs and tests. */
size_t config_key_count(void);
const char *config_key_name(size_t i, const char **section);

/* An engine with the config's resolver, concurrency, timeout and retries;
 * stop may be NULL. NULL with a message in err. Caller owns the result. */
struct dnsbl;
struct dnsbl *config_engine(const config_t *c, volatile sig_atomic_t *stop, char *err,
			    size_t errlen);

/* The rsync source of list l (its rsync = value: an rsync:// URL or an rsync
 * command line), or NULL. Borrowed from c. */
const char *config_list_rsync(const config_t *c, const catalog_list_t *l);
/* The directory that holds list l's mirror ([mirror] dir, then the list's id);
 * its copy in use is DIR/current. */
void config_mirror_path(const config_t *c, const catalog_list_t *l, char *buf, size_t len);

/* ---- is the config runnable (config_runnable.c) ---- */

/* A list's check interval: its own, else [monitor] interval. */
unsigned config_list_interval(const config_t *c, const catalog_list_t *l);
/* How many lists are enabled and have what they need (a key). */
size_t config_lists_enabled(const config_t *c);
/* Writes into report one line per list whose implied queries per day exceed
 * its budget; returns how many do. */
int config_budget_check(const config_t *c, char *report, size_t len);
/* Can the daemon run c: it has targets and an enabled list? 0, or -1 with
 * "FILE: what is missing" in err. (Budgets are config_budget_check's.) */
int config_runnable(const config_t *c, char *err, size_t errlen);

/* Parses a duration ("90s", "30m", "6h", "2d", "1500ms", bare seconds) into
 * milliseconds. 0 or -1. */
int config_duration_ms(const char *s, unsigned long long *ms);

#endif
