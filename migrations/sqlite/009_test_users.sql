-- Scalekit's test users: the environment's allow-list of up to 5 emails (each with `+sktest` right after
-- the local part's `+`) that sign in with a static code instead of an emailed one. One row, the
-- environment's; no row is the default (off, no emails, code 424242). Never edit once shipped.
CREATE TABLE test_users (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  enabled      INTEGER NOT NULL,                  -- 0 or 1
  emails       TEXT NOT NULL,                     -- JSON array, lower case, in the order given
  static_code  TEXT NOT NULL,                     -- exactly 6 digits; shown in the dashboard as on Scalekit's
  update_time  TEXT NOT NULL                      -- RFC 3339
);
