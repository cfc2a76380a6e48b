-- store.sql -- blmon's SQLite history: applied and migrated by blmon itself (store/store.c).
-- Each numbered migration block below runs once, in order, in its own transaction; schema_version
-- records the last one applied. Never edit a released block: append a new one.

-- migration 1
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (0);

-- Everything ever monitored; rows are kept when a target leaves the config (active = 0) so
-- its history stays readable.
CREATE TABLE targets (
    id              INTEGER PRIMARY KEY,
    target          TEXT NOT NULL UNIQUE,          -- canonical address or domain
    type            TEXT NOT NULL CHECK (type IN ('ipv4', 'ipv6', 'domain')),
    discovered_from TEXT,                          -- host or domain it was found through
    first_seen      INTEGER NOT NULL,              -- unix seconds
    last_seen       INTEGER NOT NULL,
    active          INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE lists (
    id            INTEGER PRIMARY KEY,
    zone          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    scope         TEXT NOT NULL,
    health        TEXT NOT NULL DEFAULT 'untested',
    health_detail TEXT,
    health_since  INTEGER
);

-- Health of each list over time: one row per change.
CREATE TABLE list_health (
    id      INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES lists (id),
    at      INTEGER NOT NULL,
    health  TEXT NOT NULL,
    detail  TEXT
);
CREATE INDEX list_health_list_at ON list_health (list_id, at);

-- The current, confirmed state of each (target, list), and a change waiting for confirmation.
CREATE TABLE state (
    target_id     INTEGER NOT NULL REFERENCES targets (id),
    list_id       INTEGER NOT NULL REFERENCES lists (id),
    status        TEXT NOT NULL CHECK (status IN ('listed', 'clean', 'unknown')),
    since         INTEGER NOT NULL,                -- when this status began
    codes         TEXT NOT NULL DEFAULT '[]',      -- JSON array of A answers
    txt           TEXT NOT NULL DEFAULT '[]',      -- JSON array of TXT records (untrusted)
    reason        TEXT,
    checked_at    INTEGER NOT NULL,                -- last observation
    ttl_until     INTEGER NOT NULL DEFAULT 0,      -- no re-query of this name before
    pending       TEXT,                            -- status:codes seen but not yet confirmed
    pending_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (target_id, list_id)
);

-- Append-only history of confirmed changes; "from" is NULL for the first observation.
CREATE TABLE events (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    target_id INTEGER NOT NULL REFERENCES targets (id),
    list_id   INTEGER NOT NULL REFERENCES lists (id),
    "from"    TEXT,
    "to"      TEXT NOT NULL,
    codes     TEXT NOT NULL DEFAULT '[]',
    txt       TEXT NOT NULL DEFAULT '[]',
    reason    TEXT
);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_target ON events (target_id, at);

-- One row per check cycle.
CREATE TABLE cycles (
    id       INTEGER PRIMARY KEY,
    started  INTEGER NOT NULL,
    ended    INTEGER,
    lists    INTEGER NOT NULL DEFAULT 0,
    targets  INTEGER NOT NULL DEFAULT 0,
    queries  INTEGER NOT NULL DEFAULT 0,
    errors   INTEGER NOT NULL DEFAULT 0,
    listed   INTEGER NOT NULL DEFAULT 0,
    unknown  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cycles_started ON cycles (started);

-- Origin ASN of each monitored IP (Team Cymru), refreshed every asn_refresh.
CREATE TABLE asn (
    target_id INTEGER PRIMARY KEY REFERENCES targets (id),
    asn       INTEGER,                            -- NULL when the IP is not routed
    prefix    TEXT,
    country   TEXT,
    registry  TEXT,
    name      TEXT,
    fetched   INTEGER NOT NULL
);

-- Last good copy of each Spamhaus DROP file.
CREATE TABLE drop_files (
    url           TEXT PRIMARY KEY,
    body          BLOB NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    fetched       INTEGER NOT NULL,               -- when this body was downloaded
    checked       INTEGER NOT NULL                -- when we last asked the server
);

-- migration 2
-- Alerts (monitor/alert/): every message is queued here before it is sent, and marked
-- delivered only once the server accepted it (SMTP 250 after DATA, HTTP 2xx). A failed
-- attempt sets last_error and pushes next_attempt back (exponential backoff); a message still
-- undelivered [alerts] give_up after it was created is given up (gave_up set, logged).
-- Queue length: delivered IS NULL AND gave_up IS NULL. Last delivery error: last_error of the
-- row with the highest last_attempt.
CREATE TABLE alerts (
    id           INTEGER PRIMARY KEY,
    created      INTEGER NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    destination  TEXT NOT NULL,                  -- the recipients (comma-separated) or the URL
    subject      TEXT NOT NULL,                  -- for people and logs; the payload has it too
    payload      TEXT NOT NULL,                  -- the whole RFC 5322 message, or the JSON body
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    last_attempt INTEGER,
    last_error   TEXT,
    delivered    INTEGER,                        -- when the server accepted it
    gave_up      INTEGER                         -- when it was given up
);
CREATE INDEX alerts_queue ON alerts (delivered, gave_up, next_attempt);

-- The alert producer's position: names 'last_event' and 'last_health' hold the last events.id
-- and list_health.id already turned into alerts (absent before the first cycle). In a cluster,
-- 'cluster_swept' holds the shards some node has swept from start to end, one bit each
-- (store_cluster_swept): the first run waits until every shard has been.
CREATE TABLE alert_state (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

-- (target, list) pairs reported as flapping: their changes are not alerted until they settle.
CREATE TABLE alert_flapping (
    target_id INTEGER NOT NULL REFERENCES targets (id),
    list_id   INTEGER NOT NULL REFERENCES lists (id),
    since     INTEGER NOT NULL,
    PRIMARY KEY (target_id, list_id)
);

-- migration 3
-- Mail log watching (monitor/mtalog/logwatch.c, incident.c). Where each followed log file was
-- read up to: offset is just after the last complete line consumed, saved in the same
-- transaction as what those lines recorded, so a restart neither rereads nor skips a line.
-- A different inode (rotated while blmon was down) or a size below offset (truncated) starts
-- the file from its beginning.
CREATE TABLE logwatch_files (
    path    TEXT PRIMARY KEY,
    inode   INTEGER NOT NULL,
    size    INTEGER NOT NULL,
    "offset" INTEGER NOT NULL,
    updated INTEGER NOT NULL
);

-- One row per rejection: a deferral or bounce with the remote server's reply, classified by
-- checks/reject_rules.c. line is the log line, escaped and bounded (logs are hostile).
-- Rows older than [monitor] retention are pruned; rejection_counts keeps the totals.
CREATE TABLE rejections (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    provider   TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('ip-blocklisted', 'rate-limited', 'reputation',
                                             'policy', 'other')),
    code       TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('deferred', 'bounced')),
    domain     TEXT NOT NULL,
    relay      TEXT NOT NULL,
    sending_ip TEXT,
    line       TEXT NOT NULL
);
CREATE INDEX rejections_provider_at ON rejections (provider, at);

CREATE TABLE rejection_counts (
    provider TEXT NOT NULL,
    kind     TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (provider, kind)
);

-- Recipient domains seen in the log and the provider of the relay that last answered for
-- them (`blmon reroute` reads them).
CREATE TABLE log_domains (
    domain     TEXT PRIMARY KEY,
    provider   TEXT NOT NULL,
    relay      TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    sent       INTEGER NOT NULL DEFAULT 0,
    rejected   INTEGER NOT NULL DEFAULT 0
);

-- Provider incidents: opened when [logwatch] threshold rejections of an incident kind
-- (ip-blocklisted, rate-limited, reputation) from one provider fall within its window, closed
-- once no such rejection came for [logwatch] quiet and mail to that provider was delivered
-- since the last one. alerted_open / alerted_close: when the alert producer queued the
-- messages (each once).
CREATE TABLE incidents (
    id             INTEGER PRIMARY KEY,
    provider       TEXT NOT NULL,
    opened         INTEGER NOT NULL,
    closed         INTEGER,
    kind           TEXT NOT NULL,
    code           TEXT NOT NULL,
    meaning        TEXT NOT NULL,
    sending_ip     TEXT,
    removal        TEXT NOT NULL,
    advice         TEXT NOT NULL,
    sample         TEXT NOT NULL,
    rejections     INTEGER NOT NULL,
    last_rejection INTEGER NOT NULL,
    last_sent      INTEGER,
    alerted_open   INTEGER,
    alerted_close  INTEGER
);
CREATE INDEX incidents_provider ON incidents (provider, closed);

CREATE TABLE incident_domains (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    domain      TEXT NOT NULL,
    rejections  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (incident_id, domain)
);

-- migration 4
-- What is known survives what fails (0.2). A failed check is not a state: the state of a
-- (target, list) is listed, clean, or unchecked (never answered yet), and since is when that
-- confirmed state began. checked_at is the last real answer; while checks fail, failing_since
-- and failing_reason say since when and why, beside the state, never instead of it. Failures
-- are recorded once where they happen: a list's health (lists, list_health) or the resolver's
-- (resolver_outages). Release 0.1 wrote 'unknown' as a state and as events: its unknown
-- periods are kept in legacy_unknown, and the events and since around them are restored as
-- if the outage had only been an outage.
CREATE TABLE legacy_unknown (
    id        INTEGER PRIMARY KEY,
    target_id INTEGER NOT NULL REFERENCES targets (id),
    list_id   INTEGER NOT NULL REFERENCES lists (id),
    started   INTEGER NOT NULL,
    ended     INTEGER,                         -- NULL: still unknown when migrated
    reason    TEXT
);
INSERT INTO legacy_unknown (target_id, list_id, started, ended, reason)
    SELECT e.target_id, e.list_id, e.at,
           (SELECT min(n.at) FROM events n WHERE n.target_id = e.target_id
            AND n.list_id = e.list_id AND n.id > e.id), e.reason
    FROM events e WHERE e."to" = 'unknown';

-- unknown -> X becomes (the state before the outage) -> X; an outage between two equal states
-- changed nothing and leaves no event
UPDATE events SET "from" = (SELECT p."to" FROM events p WHERE p.target_id = events.target_id
                            AND p.list_id = events.list_id AND p.id < events.id
                            AND p."to" != 'unknown' ORDER BY p.id DESC LIMIT 1)
    WHERE "from" = 'unknown';
DELETE FROM events WHERE "to" = 'unknown';
DELETE FROM events WHERE id IN (
    SELECT e.id FROM events e WHERE e."from" = e."to" AND (e."to" = 'clean' OR e.codes =
        (SELECT p.codes FROM events p WHERE p.target_id = e.target_id AND p.list_id = e.list_id
         AND p.id < e.id ORDER BY p.id DESC LIMIT 1)));

CREATE TABLE state_0_2 (
    target_id      INTEGER NOT NULL REFERENCES targets (id),
    list_id        INTEGER NOT NULL REFERENCES lists (id),
    status         TEXT NOT NULL CHECK (status IN ('listed', 'clean', 'unchecked')),
    since          INTEGER NOT NULL,               -- when this confirmed state began
    codes          TEXT NOT NULL DEFAULT '[]',     -- JSON array of A answers
    txt            TEXT NOT NULL DEFAULT '[]',     -- JSON array of TXT records (untrusted)
    reason         TEXT,
    checked_at     INTEGER NOT NULL DEFAULT 0,     -- the last real answer (0: never)
    ttl_until      INTEGER NOT NULL DEFAULT 0,     -- no re-query of this name before
    pending        TEXT,                           -- status:codes seen but not yet confirmed
    pending_count  INTEGER NOT NULL DEFAULT 0,
    failing_since  INTEGER NOT NULL DEFAULT 0,     -- 0: the last check answered
    failing_reason TEXT,                           -- why the checks fail now
    PRIMARY KEY (target_id, list_id)
);
INSERT INTO state_0_2 (target_id, list_id, status, since, codes, txt, reason, checked_at,
                       ttl_until, pending, pending_count, failing_since, failing_reason)
    SELECT s.target_id, s.list_id,
           CASE WHEN s.status != 'unknown' THEN s.status ELSE coalesce(last."to", 'unchecked') END,
           coalesce(last.at, s.since),
           CASE WHEN s.status != 'unknown' THEN s.codes ELSE coalesce(last.codes, '[]') END,
           CASE WHEN s.status != 'unknown' THEN s.txt ELSE coalesce(last.txt, '[]') END,
           CASE WHEN s.status != 'unknown' THEN s.reason ELSE last.reason END,
           CASE WHEN s.status != 'unknown' THEN s.checked_at
                WHEN last.id IS NULL THEN 0
                ELSE coalesce((SELECT max(u.started) FROM legacy_unknown u
                               WHERE u.target_id = s.target_id AND u.list_id = s.list_id), 0) END,
           s.ttl_until,
           CASE WHEN s.pending LIKE 'unknown%' THEN NULL ELSE s.pending END,
           CASE WHEN s.pending LIKE 'unknown%' THEN 0 ELSE s.pending_count END,
           CASE WHEN s.status != 'unknown' THEN 0
                ELSE coalesce((SELECT max(u.started) FROM legacy_unknown u WHERE u.target_id =
                               s.target_id AND u.list_id = s.list_id AND u.ended IS NULL),
                              s.since) END,
           CASE WHEN s.status = 'unknown' THEN s.reason END
    FROM state s LEFT JOIN events last ON last.id = (SELECT max(x.id) FROM events x
        WHERE x.target_id = s.target_id AND x.list_id = s.list_id);
DROP TABLE state;
ALTER TABLE state_0_2 RENAME TO state;

-- The resolver's outages: every list failed the same way in a cycle (timeouts, no server,
-- SERVFAIL, or every test point NXDOMAIN), `confirm` cycles in a row. One row per outage;
-- alerted_open / alerted_close: when the alert producer queued its messages (each once).
CREATE TABLE resolver_outages (
    id            INTEGER PRIMARY KEY,
    started       INTEGER NOT NULL,
    ended         INTEGER,                         -- NULL: still down
    resolver      TEXT NOT NULL,                   -- as configured, or "system"
    reason        TEXT NOT NULL,
    alerted_open  INTEGER,
    alerted_close INTEGER
);

-- How many (target, list) results of a cycle were real answers (NULL in cycles of 0.1):
-- /healthz says when nothing could be checked.
ALTER TABLE cycles ADD COLUMN answered INTEGER;

-- migration 5
-- Problems, not rows (0.2). After each cycle the daemon folds the listings into problems
-- (checks/problem.c: one per list and listed address, network, AS or domain) and records what
-- the readers need, so that no read walks every (target, list) row: a /16 against 8 lists is
-- half a million of them, and the dashboard asks every few seconds.
CREATE TABLE problems (
    id         INTEGER PRIMARY KEY,            -- kept while the problem exists
    list_id    INTEGER NOT NULL REFERENCES lists (id),
    entity     TEXT NOT NULL,                  -- an address, a network (CIDR), "AS64500", a domain
    scope      TEXT NOT NULL,
    severity   TEXT NOT NULL,
    rank       INTEGER NOT NULL,               -- 1: the worst; ignored problems rank last
    codes      TEXT NOT NULL DEFAULT '[]',     -- every code seen, JSON array
    txt        TEXT,                           -- the first TXT record seen (untrusted)
    affected   INTEGER NOT NULL,               -- targets listed through it
    first      TEXT NOT NULL DEFAULT '[]',     -- JSON array: the lowest of them
    since      INTEGER NOT NULL DEFAULT 0,     -- the earliest listing's since
    stale      INTEGER NOT NULL DEFAULT 0,
    ignored_by TEXT,                           -- the [ignore] rule, or NULL
    seen       INTEGER NOT NULL,               -- the digest that last wrote it (found it new or changed)
    UNIQUE (list_id, entity)
);
CREATE INDEX problems_rank ON problems (rank);

-- The entity of the problem a listing belongs to (NULL: not a listing of a block list):
-- a problem's targets are the state rows of its list naming its entity.
ALTER TABLE state ADD COLUMN problem TEXT;
CREATE INDEX state_problem ON state (list_id, problem) WHERE problem IS NOT NULL;

-- Each target's place in numeric order (a type byte, then the address, or the domain's name)
-- and where it stands as of the last digest: own (an address or domain listing), neighbourhood
-- (listed only through its network or AS), clean, unchecked; NULL before the first digest.
ALTER TABLE targets ADD COLUMN ipkey BLOB;
ALTER TABLE targets ADD COLUMN standing TEXT;
ALTER TABLE targets ADD COLUMN stale INTEGER NOT NULL DEFAULT 0;
CREATE INDEX targets_order ON targets (active, ipkey);
CREATE INDEX targets_standing ON targets (active, standing, ipkey);

-- Each list's severity (the catalog's) and its tallies as of the last digest.
ALTER TABLE lists ADD COLUMN severity TEXT NOT NULL DEFAULT 'medium';
ALTER TABLE lists ADD COLUMN results INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN targets_listed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN problems_open INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN results_stale INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN results_failing INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN results_unchecked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN last_answer INTEGER NOT NULL DEFAULT 0;

-- migration 6
-- The real changes: every event but a first answer that found its target clean. The dashboard
-- asks for them every few seconds (/api/v1/events?changes=yes), and a new /16 against 8 lists
-- writes half a million first clean answers that the plain time index would step over each time.
CREATE INDEX events_changes ON events (at) WHERE "from" IS NOT NULL OR "to" <> 'clean';

-- migration 7
-- Checks that got no usable answer, per list and why (checks/verdict.c verdict_error_class: a
-- small fixed set), counted by the daemon at the end of each cycle and never pruned: /metrics
-- serves them as the counter blmon_dns_errors_total{zone,reason}.
CREATE TABLE dns_errors (
    list_id INTEGER NOT NULL REFERENCES lists (id),
    reason  TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (list_id, reason)
);

-- migration 8
-- Microsoft SNDS (checks/snds.c, monitor/daemon/snds_watch.c): what Outlook.com says of the
-- addresses registered to an SNDS key. The last good copy of each document of each key is kept
-- in drop_files, its url "snds:ACCOUNT/ipStatus.aspx" or ".../data.aspx", where ACCOUNT is a
-- digest that names the key without holding it (the key stays in the config). Here: the lines
-- of the last good data.aspx of each account, one per address, that the web shows beside a
-- target's results and in /metrics; replaced whole with each new document of the account.
CREATE TABLE snds_ips (
    ip             TEXT PRIMARY KEY,               -- canonical address, as targets.target
    account        TEXT NOT NULL,                  -- the key's digest (snds_account_id)
    activity_start TEXT NOT NULL,                  -- as SNDS writes it: "9/29/2020 8:00 AM"
    activity_end   TEXT NOT NULL,
    rcpt           INTEGER NOT NULL,               -- RCPT commands
    data           INTEGER NOT NULL,               -- DATA commands: messages
    recipients     INTEGER NOT NULL,               -- message recipients
    filter         TEXT NOT NULL CHECK (filter IN ('GREEN', 'YELLOW', 'RED')),
    complaint      TEXT NOT NULL,                  -- as SNDS writes it: "< 0.1%", "2.1%", ""
    complaint_rate REAL NOT NULL,                  -- the same as a fraction; "< x%" as 0
    trap_start     TEXT NOT NULL,                  -- the trap message period ("" when none)
    trap_end       TEXT NOT NULL,
    trap_hits      INTEGER NOT NULL,
    helo           TEXT NOT NULL,                  -- sample HELO (untrusted text)
    mail_from      TEXT NOT NULL,                  -- JMR P1 sender (untrusted text)
    comments       TEXT NOT NULL,                  -- SNDS's comments (untrusted text)
    fetched        INTEGER NOT NULL                -- when this document was downloaded
);
CREATE INDEX snds_ips_account ON snds_ips (account);

-- Where the sending IP stood when an incident's opening was told (its DNSBL listings, and
-- SNDS's word for Microsoft), for the API and the dashboard; removal and advice are then
-- those told, chosen by that context (monitor/alert/alert_incident.c). NULL before.
ALTER TABLE incidents ADD COLUMN context TEXT;

-- migration 9
-- Lists answered from rbldnsd data files (0.3): where the data comes from ('files', or 'mirror'
-- when blmon fetches it with rsync; NULL: DNS), its time (the mirror's last complete transfer,
-- or the newest change of the files) and, while it cannot be renewed, since when and why.
ALTER TABLE lists ADD COLUMN data_source TEXT;
ALTER TABLE lists ADD COLUMN data_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN data_failing_since INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN data_error TEXT;

-- migration 10
-- The last whole sweep of each list: every active target answered at that time. A plain clean
-- state (clean, no code, TXT, reason, pending answer, failure or TTL) that the sweep found
-- plain again is not rewritten: its last real answer is the later of its checked_at and this
-- (store_int.h STORE_CHECKED_AT), so a /16 answered from data files writes no row per target.
ALTER TABLE lists ADD COLUMN swept_at INTEGER NOT NULL DEFAULT 0;

-- migration 11
-- Several blmon nodes over one database (PostgreSQL; on SQLite there is only ever one node).
-- state.version counts the writes of a row: a node writes a state only over the version it read
-- (compare-and-set), so a shard handed over mid-cycle never records a change twice.
ALTER TABLE state ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
-- The work split in shards (a target's shard: a hash of its name), each held by one node for a
-- lease; shard -1 is the coordinator's (alerts, the digest, the mail log). node NULL:
-- free; a lease not renewed by `expires` may be taken.
CREATE TABLE cluster_leases (
    shard   INTEGER PRIMARY KEY,
    node    TEXT,
    expires INTEGER NOT NULL DEFAULT 0,
    renewed INTEGER NOT NULL DEFAULT 0
);
-- The nodes: when each last renewed, and whether it can check (0: its resolver fails; it holds
-- no shard until it can again).
CREATE TABLE cluster_nodes (
    node    TEXT PRIMARY KEY,
    seen    INTEGER NOT NULL,
    healthy INTEGER NOT NULL DEFAULT 1
);

-- migration 12
-- The alert queue as a cluster's outbox: any node's sender claims a row (claimed_by, until
-- claimed_until) before it sends it, so two nodes never send the same message; a claim of a
-- node that died mid-send expires, and the message is sent again (its Message-ID unchanged).
ALTER TABLE alerts ADD COLUMN claimed_by TEXT;
ALTER TABLE alerts ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;

-- migration 13
-- Each node's own test of each list (a cluster): the list's health is the one the live nodes
-- agree on; when they disagree, any node that finds it ok keeps it ok, and the disagreement is
-- shown per node (a node's resolver is the likely cause).
CREATE TABLE cluster_list_health (
    node    TEXT NOT NULL,
    list_id INTEGER NOT NULL REFERENCES lists (id),
    health  TEXT NOT NULL,
    detail  TEXT,
    at      INTEGER NOT NULL,
    PRIMARY KEY (node, list_id)
);

-- migration 14
-- Which node of a cluster ran each cycle (NULL: blmon alone), for the per-node series of /metrics.
ALTER TABLE cycles ADD COLUMN node TEXT;

-- migration 15
-- The queries sent to each list per UTC day (day: its first second) by each node (node: ''
-- for blmon alone): test points, A and TXT; the list's count is the sum of its nodes'. Before
-- it asks, a node takes from the list's daily budget what its cycle may send at most (held,
-- store_budget_take, under a lock on the list's row); after, what it sent is counted in
-- queries and its hold given back (store_budget_settle). A node that died holding keeps
-- nothing: its hold no longer counts once it stops renewing (cluster_nodes), and is dropped
-- when it starts again. A list whose budget the queries sent leave no room in is not asked
-- again before the next day; spent marks the node that found so first, and said it.
CREATE TABLE list_queries (
    list_id INTEGER NOT NULL REFERENCES lists (id),
    day     INTEGER NOT NULL,
    node    TEXT NOT NULL DEFAULT '',
    queries INTEGER NOT NULL DEFAULT 0,
    held    INTEGER NOT NULL DEFAULT 0,
    spent   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (list_id, day, node)
);

-- migration 16
-- The state table clustered on its key (WITHOUT ROWID): every reader and writer reaches a row
-- by (target, list), and the digest walks them all in that order; in a rowid table each of those
-- was a second b-tree search. The same columns. (Since this version a whole sweep of a list,
-- lists.swept_at, answers every settled state, listings answered the same included, not only
-- the plain clean ones: store_int.h STORE_SETTLED.)
CREATE TABLE state_0_3 (
    target_id      INTEGER NOT NULL REFERENCES targets (id),
    list_id        INTEGER NOT NULL REFERENCES lists (id),
    status         TEXT NOT NULL CHECK (status IN ('listed', 'clean', 'unchecked')),
    since          INTEGER NOT NULL,               -- when this confirmed state began
    codes          TEXT NOT NULL DEFAULT '[]',     -- JSON array of A answers
    txt            TEXT NOT NULL DEFAULT '[]',     -- JSON array of TXT records (untrusted)
    reason         TEXT,
    checked_at     INTEGER NOT NULL DEFAULT 0,     -- the last real answer (0: never)
    ttl_until      INTEGER NOT NULL DEFAULT 0,     -- no re-query of this name before
    pending        TEXT,                           -- status:codes seen but not yet confirmed
    pending_count  INTEGER NOT NULL DEFAULT 0,
    failing_since  INTEGER NOT NULL DEFAULT 0,     -- 0: the last check answered
    failing_reason TEXT,                           -- why the checks fail now
    problem        TEXT,                           -- the entity of its problem (migration 5)
    version        INTEGER NOT NULL DEFAULT 0,     -- compare-and-set (migration 11)
    PRIMARY KEY (target_id, list_id)
) WITHOUT ROWID;
INSERT INTO state_0_3 (target_id, list_id, status, since, codes, txt, reason, checked_at,
                       ttl_until, pending, pending_count, failing_since, failing_reason, problem,
                       version)
    SELECT target_id, list_id, status, since, codes, txt, reason, checked_at, ttl_until, pending,
           pending_count, failing_since, failing_reason, problem, version FROM state;
DROP TABLE state;
ALTER TABLE state_0_3 RENAME TO state;
CREATE INDEX state_problem ON state (list_id, problem) WHERE problem IS NOT NULL;

-- migration 17
-- Each node's own data of each list answered from data files (a cluster): every node mirrors
-- its own copy (rsync into its own [mirror] dir) or reads its own files, so lists.data_at says
-- only whichever node wrote last. data_at is this node's time of that data, as lists.data_at
-- (its mirror's last complete transfer, or the newest change of its files; 0: from DNS, or no
-- data yet). A node writes it every cycle, whether or not its resolver answers; a row it makes
-- before its first test has health 'untested' and at 0.
ALTER TABLE cluster_list_health ADD COLUMN data_at INTEGER NOT NULL DEFAULT 0;
