-- Signing in by email: the one-time codes and sign-in links sent for an authorization, and the outbox
-- that holds the messages instead of a mail server. Never edit once shipped; add a new NNN_ file instead.

-- One row per message sent: a 6-digit code and a sign-in link for one authorization (its interaction).
-- Only digests are kept; the plain code and link live in the message itself (outbox_messages).
CREATE TABLE email_codes (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  ns           TEXT NOT NULL,                    -- the issuer: 'env' or the MCP server's res_ id
  uid          TEXT NOT NULL,                    -- oidc-provider's interaction uid
  email        TEXT NOT NULL,                    -- lower case
  code_hash    TEXT NOT NULL,                    -- hex SHA-256 of ns, uid, email and the code
  link_hash    TEXT NOT NULL UNIQUE,             -- hex SHA-256 of the link's random token
  expires_at   INTEGER NOT NULL,                 -- epoch ms
  used_at      INTEGER,                          -- epoch ms; a used code (and the rest of its interaction's) never works again
  create_time  INTEGER NOT NULL                  -- epoch ms
);
CREATE INDEX email_codes_interaction ON email_codes (ns, uid, email);
CREATE INDEX email_codes_expires ON email_codes (expires_at);

-- The local outbox: what would have been emailed, newest read first. Readable at GET /outbox.
CREATE TABLE outbox_messages (
  id           TEXT PRIMARY KEY,                 -- msg_<digits>
  recipient    TEXT NOT NULL,
  subject      TEXT NOT NULL,
  body         TEXT NOT NULL,                    -- plain text, as sent
  code         TEXT,                             -- the one-time code it carries, if any
  link         TEXT,                             -- the sign-in link it carries, if any
  create_time  INTEGER NOT NULL                  -- epoch ms
);
CREATE INDEX outbox_messages_time ON outbox_messages (create_time);
