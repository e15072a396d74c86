-- Clients that come and go: when a client was last given a code or a token, so that self-registered
-- (DCR) clients never used since they registered can be pruned; and the indexes that let retention find
-- those and expired client-ID-metadata-document rows, and page an MCP server's clients, without scanning
-- the table. Never edit once shipped; add a new NNN_ file instead.

ALTER TABLE clients ADD COLUMN last_used_time TEXT;   -- RFC 3339, kept to the day; NULL: never used

-- Clients used before this column existed: their newest token row, consent or secret use.
UPDATE clients SET last_used_time = (
  SELECT max(t) FROM (
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', max(issued_at), 'unixepoch') AS t FROM issued_tokens WHERE issued_tokens.client_id = clients.client_id
    UNION ALL SELECT max(update_time) FROM user_consents WHERE user_consents.client_id = clients.client_id
    UNION ALL SELECT max(last_used_time) FROM client_secrets WHERE client_secrets.client_id = clients.client_id
  )
);

CREATE INDEX clients_unused_dcr ON clients (create_time) WHERE kind = 'dcr' AND last_used_time IS NULL;
CREATE INDEX clients_cimd_expiry ON clients (metadata_expires_at) WHERE kind = 'cimd';
CREATE INDEX clients_resource_order ON clients (resource_id, create_time, client_id);
