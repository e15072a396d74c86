-- A rotated refresh token remembers the one that replaced it, so a client that retries within the grace
-- window (it lost the response) is answered with that same successor instead of a second chain
-- (RFC 9700 §4.14.2). Never edit once shipped; add a new NNN_ file instead.

ALTER TABLE oidc_payloads ADD COLUMN successor_id TEXT;                     -- RefreshToken: the id that replaced it
