-- Token exchange between MCP servers (RFC 8693) and enterprise-managed authorization (ID-JAG,
-- draft-ietf-oauth-identity-assertion-authz-grant), issue 16. The same file exists for SQLite.
-- Never edit once shipped; add a new NNN_ file instead.

-- Scalekit's Resource.xaa_enabled: this MCP server's issuer accepts ID-JAGs (the jwt-bearer grant). Off by default.
ALTER TABLE resources ADD COLUMN xaa_enabled INTEGER NOT NULL DEFAULT 0;

-- Which MCP servers' people's tokens an MCP server takes in a token exchange: a token for resource_id
-- may be had for a token for accept_from (on behalf of the same person). None: no exchange.
CREATE TABLE token_exchange_policies (
  resource_id  TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
  accept_from  TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
  PRIMARY KEY (resource_id, accept_from)
);

-- Identity providers other than the environment whose ID-JAGs the MCP servers accept: by issuer, their
-- keys at jwks_uri.
CREATE TABLE trusted_identity_providers (
  issuer       TEXT PRIMARY KEY,
  jwks_uri     TEXT NOT NULL,
  create_time  TEXT NOT NULL
);

-- ID-JAGs already presented (RFC 7523 §3 replay): by issuer and jti, kept until their exp (epoch seconds).
CREATE TABLE used_assertions (
  issuer      TEXT NOT NULL,
  jti         TEXT NOT NULL,
  expires_at  BIGINT NOT NULL,
  PRIMARY KEY (issuer, jti)
);
CREATE INDEX used_assertions_expiry ON used_assertions (expires_at);
