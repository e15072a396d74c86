-- The schema of SQLite's migrations 001 to 012 in one file: PostgreSQL's history starts here, and from
-- now on every schema change lands as a file of the same number in both folders. Columns read as they
-- do on SQLite: times as RFC 3339 text or epoch numbers (BIGINT), booleans as 0/1, JSON as text.
-- Never edit once shipped; add a new NNN_ file instead.

CREATE TABLE organizations (
  id            TEXT PRIMARY KEY,           -- org_<digits>
  display_name  TEXT NOT NULL,
  create_time   TEXT NOT NULL,
  update_time   TEXT NOT NULL
);

CREATE TABLE resources (
  id                                  TEXT PRIMARY KEY,    -- res_<digits>
  name                                TEXT NOT NULL,
  description                         TEXT NOT NULL DEFAULT '',
  resource_type                       TEXT NOT NULL,       -- MCP_SERVER
  resource_id                         TEXT NOT NULL,       -- the Server URL: the audience
  access_token_expiry                 BIGINT NOT NULL,
  refresh_token_expiry                BIGINT NOT NULL,
  disable_dynamic_client_registration INTEGER NOT NULL DEFAULT 0,
  enable_cimd                         INTEGER NOT NULL DEFAULT 0,
  create_time                         TEXT NOT NULL,
  update_time                         TEXT NOT NULL,
  token_issuer                        TEXT NOT NULL DEFAULT 'env' CHECK (token_issuer IN ('env', 'resource')),
  token_profile                       TEXT NOT NULL DEFAULT 'scalekit' CHECK (token_profile IN ('scalekit', 'rfc9068'))
);

CREATE TABLE resource_scopes (
  resource_id  TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  enabled      INTEGER NOT NULL DEFAULT 1,
  position     INTEGER NOT NULL,
  PRIMARY KEY (resource_id, name)
);

-- kind: environment (skc_), organization (m2morg_), resource, dcr (m2m_), cimd (URL)
CREATE TABLE clients (
  client_id            TEXT PRIMARY KEY,
  kind                 TEXT NOT NULL CHECK (kind IN ('environment', 'organization', 'resource', 'dcr', 'cimd')),
  organization_id      TEXT REFERENCES organizations (id) ON DELETE CASCADE,
  resource_id          TEXT REFERENCES resources (id) ON DELETE CASCADE,
  name                 TEXT NOT NULL DEFAULT '',
  description          TEXT NOT NULL DEFAULT '',
  scopes               TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
  audience             TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
  custom_claims        TEXT NOT NULL DEFAULT '[]',   -- JSON array of {key, value}
  expiry               BIGINT NOT NULL,              -- access token lifetime, seconds
  redirect_uris        TEXT NOT NULL DEFAULT '[]',
  create_time          TEXT NOT NULL,
  update_time          TEXT NOT NULL,
  metadata             TEXT NOT NULL DEFAULT '{}',   -- JSON object, RFC 7591 names
  metadata_expires_at  BIGINT,                       -- CIMD: epoch seconds, NULL = no cache bound
  last_used_time       TEXT                          -- RFC 3339, kept to the day; NULL: never used
);
CREATE INDEX clients_organization ON clients (organization_id);
CREATE INDEX clients_resource ON clients (resource_id);
CREATE INDEX clients_unused_dcr ON clients (create_time) WHERE kind = 'dcr' AND last_used_time IS NULL;
CREATE INDEX clients_cimd_expiry ON clients (metadata_expires_at) WHERE kind = 'cimd';
CREATE INDEX clients_resource_order ON clients (resource_id, create_time, client_id);

CREATE TABLE client_secrets (
  id              TEXT PRIMARY KEY,              -- sks_<digits>
  client_id       TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  secret_hash     TEXT NOT NULL,                 -- hex digest of the plain secret, of hash_scheme
  secret_suffix   TEXT NOT NULL,                 -- last four characters, for display
  status          TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
  create_time     TEXT NOT NULL,
  update_time     TEXT NOT NULL,
  expire_time     TEXT,
  last_used_time  TEXT,
  hash_scheme     TEXT NOT NULL DEFAULT 'sha256' CHECK (hash_scheme IN ('sha256', 'hmac-sha256')),
  created_by      TEXT
);
CREATE UNIQUE INDEX client_secrets_lookup ON client_secrets (client_id, secret_hash);

-- Emails are stored in lower case (SQLite's column compares without case; every write lowers it).
CREATE TABLE users (
  id               TEXT PRIMARY KEY,             -- usr_<digits>
  email            TEXT NOT NULL UNIQUE,
  name             TEXT NOT NULL DEFAULT '',
  password_hash    TEXT,                         -- scrypt$N$r$p$salt$hash
  organization_id  TEXT REFERENCES organizations (id) ON DELETE SET NULL,
  create_time      TEXT NOT NULL,
  update_time      TEXT NOT NULL
);

-- seq: insertion order (SQLite's rowid), which the key ring reads keys in.
CREATE TABLE signing_keys (
  kid            TEXT PRIMARY KEY,               -- snk_<digits>
  alg            TEXT NOT NULL,
  private_jwk    TEXT NOT NULL,
  public_jwk     TEXT NOT NULL,
  create_time    TEXT NOT NULL,
  activate_time  TEXT,
  retire_time    TEXT,
  seq            BIGINT GENERATED BY DEFAULT AS IDENTITY
);

CREATE TABLE issued_tokens (
  jti         TEXT PRIMARY KEY,                  -- tkn_<digits>
  grant_type  TEXT NOT NULL,
  client_id   TEXT NOT NULL,
  subject     TEXT NOT NULL,
  scopes      TEXT NOT NULL,                     -- space-separated
  audience    TEXT NOT NULL DEFAULT '[]',        -- JSON array
  issued_at   BIGINT NOT NULL,                   -- epoch seconds
  expires_at  BIGINT NOT NULL,
  revoked_at  BIGINT,
  grant_id    TEXT
);
CREATE INDEX issued_tokens_client ON issued_tokens (client_id, issued_at);
CREATE INDEX issued_tokens_grant ON issued_tokens (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX issued_tokens_issued_at ON issued_tokens (issued_at, jti);
CREATE INDEX issued_tokens_revoked_at ON issued_tokens (revoked_at, jti) WHERE revoked_at IS NOT NULL;

CREATE TABLE oidc_payloads (
  ns            TEXT NOT NULL,
  model         TEXT NOT NULL,
  id            TEXT NOT NULL,
  payload       TEXT NOT NULL,
  grant_id      TEXT,
  uid           TEXT,
  user_code     TEXT,
  expires_at    BIGINT,
  consumed_at   BIGINT,
  successor_id  TEXT,
  PRIMARY KEY (ns, model, id)
);
CREATE INDEX oidc_payloads_grant ON oidc_payloads (ns, grant_id);
CREATE INDEX oidc_payloads_uid ON oidc_payloads (ns, uid);
CREATE INDEX oidc_payloads_expiry ON oidc_payloads (expires_at);

CREATE TABLE user_consents (
  id           TEXT PRIMARY KEY,                 -- cns_<digits>
  client_id    TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  ns           TEXT NOT NULL,                    -- the issuer: 'env' or the MCP server's res_ id
  resource_id  TEXT REFERENCES resources (id) ON DELETE CASCADE,
  scopes       TEXT NOT NULL DEFAULT '[]',       -- JSON array
  grant_id     TEXT NOT NULL,
  create_time  TEXT NOT NULL,
  update_time  TEXT NOT NULL,
  UNIQUE (client_id, user_id, ns)
);
CREATE INDEX user_consents_user ON user_consents (user_id);
CREATE INDEX user_consents_resource ON user_consents (resource_id);

CREATE TABLE audit_events (
  id               BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  time             BIGINT NOT NULL,              -- epoch milliseconds
  type             TEXT NOT NULL,                -- e.g. organization_client.created
  actor            TEXT NOT NULL,                -- who: the caller's client id (skc_…), or 'seed'
  client_id        TEXT,
  organization_id  TEXT,
  resource_id      TEXT,
  target_id        TEXT,
  details          TEXT NOT NULL DEFAULT '{}'    -- JSON, never a secret
);
CREATE INDEX audit_events_time ON audit_events (time);
CREATE INDEX audit_events_client ON audit_events (client_id, time);

CREATE TABLE email_codes (
  id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  ns           TEXT NOT NULL,
  uid          TEXT NOT NULL,
  email        TEXT NOT NULL,                    -- lower case
  code_hash    TEXT NOT NULL,
  link_hash    TEXT NOT NULL UNIQUE,
  expires_at   BIGINT NOT NULL,                  -- epoch ms
  used_at      BIGINT,
  create_time  BIGINT NOT NULL
);
CREATE INDEX email_codes_interaction ON email_codes (ns, uid, email);
CREATE INDEX email_codes_expires ON email_codes (expires_at);

-- seq: insertion order (SQLite's rowid): newest first, and the last 500 kept.
CREATE TABLE outbox_messages (
  id           TEXT PRIMARY KEY,                 -- msg_<digits>
  recipient    TEXT NOT NULL,
  subject      TEXT NOT NULL,
  body         TEXT NOT NULL,
  code         TEXT,
  link         TEXT,
  create_time  BIGINT NOT NULL,                  -- epoch ms
  seq          BIGINT GENERATED BY DEFAULT AS IDENTITY
);
CREATE INDEX outbox_messages_time ON outbox_messages (create_time);
CREATE INDEX outbox_messages_seq ON outbox_messages (seq);

CREATE TABLE storage_probe (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  time  BIGINT NOT NULL
);

CREATE TABLE test_users (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  enabled      INTEGER NOT NULL,
  emails       TEXT NOT NULL,
  static_code  TEXT NOT NULL,
  update_time  TEXT NOT NULL
);

CREATE TABLE passkeys (
  id               TEXT PRIMARY KEY,                 -- pkc_<digits>
  user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  credential_id    TEXT NOT NULL UNIQUE,
  public_key       BYTEA NOT NULL,                   -- COSE_Key
  counter          BIGINT NOT NULL,
  transports       TEXT NOT NULL,
  aaguid           TEXT NOT NULL,
  backup_eligible  INTEGER NOT NULL,
  backed_up        INTEGER NOT NULL,
  user_verified    INTEGER NOT NULL,
  rp_id            TEXT NOT NULL,
  display_name     TEXT NOT NULL,
  create_time      TEXT NOT NULL,
  update_time      TEXT NOT NULL,
  last_used_time   TEXT
);
CREATE INDEX passkeys_user ON passkeys (user_id);

CREATE TABLE passkey_challenges (
  challenge_hash   TEXT PRIMARY KEY,
  purpose          TEXT NOT NULL,
  ns               TEXT NOT NULL,
  uid              TEXT NOT NULL,
  user_id          TEXT REFERENCES users (id) ON DELETE CASCADE,
  amr              TEXT,
  expires_at       BIGINT NOT NULL,
  used_at          BIGINT,
  create_time      BIGINT NOT NULL
);
CREATE INDEX passkey_challenges_interaction ON passkey_challenges (ns, uid, purpose);
CREATE INDEX passkey_challenges_expires ON passkey_challenges (expires_at);

CREATE TABLE environment_scopes (
  id          TEXT PRIMARY KEY,                 -- scope_<digits>
  name        TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  enabled     INTEGER NOT NULL DEFAULT 1,
  create_time TEXT NOT NULL,
  update_time TEXT NOT NULL
);

-- The install keys (install-keys.ts), shared by every replica: the HMAC key of operator-chosen secrets
-- and oidc-provider's cookie keys. SQLite keeps them in a 0600 file beside the database instead. One
-- row, written once by the first start (under the migration lock).
CREATE TABLE install_keys (
  id               INTEGER PRIMARY KEY CHECK (id = 1),
  secret_hash_key  TEXT NOT NULL,                -- base64url, 32 bytes
  cookie_keys      TEXT NOT NULL                 -- JSON array of strings
);
