-- The authorization-code flow: what a client registered beyond the columns of 001 (RFC 7591 metadata such
-- as token_endpoint_auth_method, grant_types, application_type, client_uri, post_logout_redirect_uris),
-- when a fetched client-id metadata document must be fetched again, the grant a token came from, and the
-- consents users gave to clients. Never edit once shipped; add a new NNN_ file instead.

ALTER TABLE clients ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';          -- JSON object, RFC 7591 names
ALTER TABLE clients ADD COLUMN metadata_expires_at INTEGER;                  -- CIMD: epoch seconds, NULL = no cache bound

ALTER TABLE issued_tokens ADD COLUMN grant_id TEXT;                          -- oidc-provider grant, for code-flow tokens
CREATE INDEX issued_tokens_grant ON issued_tokens (grant_id) WHERE grant_id IS NOT NULL;

-- One row per (client, user, issuer): the scopes the user approved and the oidc-provider grant holding them.
-- Deleting the row (revoking the consent) also revokes the grant: the next authorization asks again.
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
