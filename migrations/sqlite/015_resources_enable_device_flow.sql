-- Whether an MCP server offers the device authorization grant (RFC 8628) at its issuer, and lets the
-- environment's issuer hand out device-flow tokens for it. Off by default, like CIMD. Never edit once shipped.
ALTER TABLE resources ADD COLUMN enable_device_flow INTEGER NOT NULL DEFAULT 0 CHECK (enable_device_flow IN (0, 1));
