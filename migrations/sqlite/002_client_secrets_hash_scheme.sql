-- Which digest secret_hash holds. 'sha256': a secret the server generated (256 random bits).
-- 'hmac-sha256': a secret an operator chose (SCALEKIT_CLIENT_SECRET, a seed's plain_secret), keyed with
-- the install key kept beside the database, not in it. Rows written before this migration are SHA-256
-- and keep verifying; an operator-chosen one is re-hashed the next time its plain value is given.
ALTER TABLE client_secrets ADD COLUMN hash_scheme TEXT NOT NULL DEFAULT 'sha256'
  CHECK (hash_scheme IN ('sha256', 'hmac-sha256'));
