-- One row that /health writes on each check, so that it reports whether the database can take a write
-- now (a full disk answers SQLITE_FULL to writes while reads still work). Never edit once shipped.
CREATE TABLE storage_probe (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  time  INTEGER NOT NULL                         -- epoch ms of the last check that could write
);
