-- How a device polls the token endpoint with its device code (RFC 8628 §3.5): when it last asked while the
-- person had not answered yet, and the interval it must keep, raised by 5 s at each slow_down. Keyed by a
-- digest of the device code, never the code. Rows go once the device code's storage expires.
-- Never edit once shipped.
CREATE TABLE device_code_polls (
  ns                 TEXT NOT NULL,     -- the issuer: 'env' or the MCP server's res_ id
  device_code_hash   TEXT NOT NULL,     -- hex SHA-256 of the device code
  polled_at          INTEGER NOT NULL,  -- epoch ms (the emulator's clock) of the last pending answer
  interval_seconds   INTEGER NOT NULL,  -- the least time between two polls now asked of the device
  slowed_down        INTEGER NOT NULL,  -- 1 when the last poll came too soon (answered slow_down)
  expires_at         INTEGER NOT NULL,  -- epoch s: when the row may go
  PRIMARY KEY (ns, device_code_hash)
);
CREATE INDEX device_code_polls_expiry ON device_code_polls (expires_at);
