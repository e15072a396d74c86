-- The token profile of an MCP server's access tokens: 'scalekit' (header typ JWT, Scalekit's claims) or
-- 'rfc9068' (RFC 9068's JWT profile: typ at+jwt, iss the server's own issuer).
ALTER TABLE resources ADD COLUMN token_profile TEXT NOT NULL DEFAULT 'scalekit' CHECK (token_profile IN ('scalekit', 'rfc9068'));
