-- The management API: the issuer mode of an MCP server, who created a secret (so a seed can replace
-- the one it made), key rotation times, the audit of management changes, and the index that lets
-- old token rows be found and pruned without scanning the table.

-- 'env': tokens carry iss = <env> (today's Scalekit); 'resource': iss = <env>/resources/<res_id>.
ALTER TABLE resources ADD COLUMN token_issuer TEXT NOT NULL DEFAULT 'env' CHECK (token_issuer IN ('env', 'resource'));

-- 'seed' for secrets a seed created; else the client id of the caller who created it (skc_…).
ALTER TABLE client_secrets ADD COLUMN created_by TEXT;
-- Before this migration only seeds made secrets of organization clients.
UPDATE client_secrets SET created_by = 'seed'
  WHERE client_id IN (SELECT client_id FROM clients WHERE kind = 'organization');

-- A rotated-in key is published at once but signs only from activate_time (NULL: since create_time);
-- a rotated-out key stays published until retire_time, when every token it signed has expired.
ALTER TABLE signing_keys ADD COLUMN activate_time TEXT;
ALTER TABLE signing_keys ADD COLUMN retire_time TEXT;

-- One row per management change (issued tokens stay in issued_tokens). Never holds a secret.
CREATE TABLE audit_events (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  time             INTEGER NOT NULL,             -- epoch milliseconds
  type             TEXT NOT NULL,                -- e.g. organization_client.created
  actor            TEXT NOT NULL,                -- who: the caller's client id (skc_…), or 'seed'
  client_id        TEXT,                         -- the client the change concerns, if any
  organization_id  TEXT,
  resource_id      TEXT,                         -- res_…
  target_id        TEXT,                         -- what changed: org_, m2morg_, sks_, res_, usr_, snk_ id
  details          TEXT NOT NULL DEFAULT '{}'    -- JSON: names of changed fields and such, never a secret
);
CREATE INDEX audit_events_time ON audit_events (time);
CREATE INDEX audit_events_client ON audit_events (client_id, time);

-- Newest-first reads of the audit, and pruning by age, walk these instead of the whole table.
CREATE INDEX issued_tokens_issued_at ON issued_tokens (issued_at, jti);
CREATE INDEX issued_tokens_revoked_at ON issued_tokens (revoked_at, jti) WHERE revoked_at IS NOT NULL;
