-- Scalekit's (deprecated) environment-level scopes: the catalogue of scopes the environment's own API
-- clients (skc_…) may hold. MCP servers keep their own scopes (resource_scopes).
CREATE TABLE environment_scopes (
  id          TEXT PRIMARY KEY,                 -- scope_<digits>
  name        TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  enabled     INTEGER NOT NULL DEFAULT 1,
  create_time TEXT NOT NULL,
  update_time TEXT NOT NULL
);
