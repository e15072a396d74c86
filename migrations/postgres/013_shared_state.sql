-- What lived in one process's memory and must be shared by replicas of one database: the dashboard's
-- sessions, the counts of the sign-in attempt and registration limits, and one version per cached
-- aggregate that every replica reads at most once a second (cache coherence). The same file exists
-- for SQLite. Never edit once shipped; add a new NNN_ file instead.

-- One row per dashboard sign-in. The cookie holds the session id; the row only its digest. A secret
-- shown once on the next page is kept sealed under a key derived from the session id.
CREATE TABLE dashboard_sessions (
  id_hash       TEXT PRIMARY KEY,                -- hex SHA-256 of the cookie's session id
  actor         TEXT NOT NULL,                   -- the caller: skc_… or 'admin'
  signed_in_as  TEXT NOT NULL,
  expires_at    BIGINT NOT NULL,                 -- epoch ms
  notice        TEXT,                            -- shown once on the next page
  revealed      TEXT                             -- JSON {client_id, sealed}: a new secret, shown once
);
CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires_at);

-- One row per counted event of a sliding-window limit: a wrong sign-in attempt (per account, per IP)
-- or a registration (per address).
CREATE TABLE limit_events (
  scope       TEXT NOT NULL,                     -- 'attempts' or 'registrations'
  key         TEXT NOT NULL,                     -- e.g. account:ada@example.com, ip:127.0.0.1
  time        BIGINT NOT NULL,                   -- epoch ms
  expires_at  BIGINT NOT NULL                    -- epoch ms: it no longer counts then
);
CREATE INDEX limit_events_key ON limit_events (scope, key, time);
CREATE INDEX limit_events_expires ON limit_events (expires_at);

-- Bumped in the transaction of every write to a cached aggregate (store/changes.ts).
CREATE TABLE store_versions (
  topic    TEXT PRIMARY KEY,                     -- resources, clients, signing_keys
  version  BIGINT NOT NULL
);
INSERT INTO store_versions (topic, version) VALUES ('resources', 0), ('clients', 0), ('signing_keys', 0);
