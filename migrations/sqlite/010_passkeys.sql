-- Passkeys (WebAuthn): the credentials people registered after signing in, public keys only, and the
-- challenges of registrations and sign-ins in progress. Never edit once shipped; add a new NNN_ file.

-- One row per passkey. The private key never leaves the person's authenticator; this is what verifies
-- its signatures. Bound to the environment's RP ID (its URL's host), which every issuer shares.
CREATE TABLE passkeys (
  id               TEXT PRIMARY KEY,                 -- pkc_<digits>
  user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  credential_id    TEXT NOT NULL UNIQUE,             -- base64url, as the authenticator names it
  public_key       BLOB NOT NULL,                    -- COSE_Key
  counter          INTEGER NOT NULL,                 -- the authenticator's signature counter, last seen
  transports       TEXT NOT NULL,                    -- JSON array: internal, hybrid, usb, …
  aaguid           TEXT NOT NULL,                    -- the authenticator model
  backup_eligible  INTEGER NOT NULL,                 -- 0 or 1: a synced passkey
  backed_up        INTEGER NOT NULL,
  user_verified    INTEGER NOT NULL,                 -- at registration
  rp_id            TEXT NOT NULL,
  display_name     TEXT NOT NULL,
  create_time      TEXT NOT NULL,                    -- RFC 3339
  update_time      TEXT NOT NULL,
  last_used_time   TEXT
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- One row per ceremony started: the challenge (as a digest), for which sign-in (the interaction), used
-- once, until it expires. A registration also carries who signed in and how, for the sign-in it ends.
CREATE TABLE passkey_challenges (
  challenge_hash   TEXT PRIMARY KEY,                 -- hex SHA-256 of the base64url challenge
  purpose          TEXT NOT NULL,                    -- 'registration' or 'authentication'
  ns               TEXT NOT NULL,                    -- the issuer: 'env' or the MCP server's res_ id
  uid              TEXT NOT NULL,                    -- oidc-provider's interaction uid
  user_id          TEXT REFERENCES users (id) ON DELETE CASCADE,
  amr              TEXT,                             -- registration: how the person signed in first
  expires_at       INTEGER NOT NULL,                 -- epoch ms
  used_at          INTEGER,                          -- epoch ms
  create_time      INTEGER NOT NULL
);
CREATE INDEX passkey_challenges_interaction ON passkey_challenges (ns, uid, purpose);
CREATE INDEX passkey_challenges_expires ON passkey_challenges (expires_at);
