-- The first schema: the aggregates of a Scalekit environment, the signing keys, the audit of issued
-- tokens and the oidc-provider payloads. Never edit once shipped; add a new NNN_ file instead.

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
  access_token_expiry                 INTEGER NOT NULL,
  refresh_token_expiry                INTEGER NOT NULL,
  disable_dynamic_client_registration INTEGER NOT NULL DEFAULT 0,
  enable_cimd                         INTEGER NOT NULL DEFAULT 0,
  create_time                         TEXT NOT NULL,
  update_time                         TEXT NOT NULL
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
  client_id        TEXT PRIMARY KEY,
  kind             TEXT NOT NULL CHECK (kind IN ('environment', 'organization', 'resource', 'dcr', 'cimd')),
  organization_id  TEXT REFERENCES organizations (id) ON DELETE CASCADE,
  resource_id      TEXT REFERENCES resources (id) ON DELETE CASCADE,
  name             TEXT NOT NULL DEFAULT '',
  description      TEXT NOT NULL DEFAULT '',
  scopes           TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
  audience         TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
  custom_claims    TEXT NOT NULL DEFAULT '[]',   -- JSON array of {key, value}
  expiry           INTEGER NOT NULL,             -- access token lifetime, seconds
  redirect_uris    TEXT NOT NULL DEFAULT '[]',
  create_time      TEXT NOT NULL,
  update_time      TEXT NOT NULL
);
CREATE INDEX clients_organization ON clients (organization_id);
CREATE INDEX clients_resource ON clients (resource_id);

-- Secrets are kept as SHA-256 digests; the plain value is shown once, when it is created.
CREATE TABLE client_secrets (
  id              TEXT PRIMARY KEY,              -- sks_<digits>
  client_id       TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  secret_hash     TEXT NOT NULL,                 -- hex SHA-256 of the plain secret
  secret_suffix   TEXT NOT NULL,                 -- last four characters, for display
  status          TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
  create_time     TEXT NOT NULL,
  update_time     TEXT NOT NULL,
  expire_time     TEXT,
  last_used_time  TEXT
);
CREATE UNIQUE INDEX client_secrets_lookup ON client_secrets (client_id, secret_hash);

CREATE TABLE users (
  id               TEXT PRIMARY KEY,             -- usr_<digits>
  email            TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name             TEXT NOT NULL DEFAULT '',
  password_hash    TEXT,                         -- scrypt$N$r$p$salt$hash
  organization_id  TEXT REFERENCES organizations (id) ON DELETE SET NULL,
  create_time      TEXT NOT NULL,
  update_time      TEXT NOT NULL
);

CREATE TABLE signing_keys (
  kid          TEXT PRIMARY KEY,                 -- snk_<digits>
  alg          TEXT NOT NULL,
  private_jwk  TEXT NOT NULL,
  public_jwk   TEXT NOT NULL,
  create_time  TEXT NOT NULL
);

-- One row per issued access token (JWTs are not stored by the provider).
CREATE TABLE issued_tokens (
  jti         TEXT PRIMARY KEY,                  -- tkn_<digits>
  grant_type  TEXT NOT NULL,
  client_id   TEXT NOT NULL,
  subject     TEXT NOT NULL,
  scopes      TEXT NOT NULL,                     -- space-separated
  audience    TEXT NOT NULL DEFAULT '[]',        -- JSON array
  issued_at   INTEGER NOT NULL,                  -- epoch seconds
  expires_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);
CREATE INDEX issued_tokens_client ON issued_tokens (client_id, issued_at);

-- oidc-provider models (sessions, grants, codes, interactions, ...), one namespace per issuer.
CREATE TABLE oidc_payloads (
  ns           TEXT NOT NULL,
  model        TEXT NOT NULL,
  id           TEXT NOT NULL,
  payload      TEXT NOT NULL,
  grant_id     TEXT,
  uid          TEXT,
  user_code    TEXT,
  expires_at   INTEGER,
  consumed_at  INTEGER,
  PRIMARY KEY (ns, model, id)
);
CREATE INDEX oidc_payloads_grant ON oidc_payloads (ns, grant_id);
CREATE INDEX oidc_payloads_uid ON oidc_payloads (ns, uid);
CREATE INDEX oidc_payloads_expiry ON oidc_payloads (expires_at);
