// BENCH_PRUNE_ROWS: gives `ours` a backlog of issued-token rows older than the retention, so the
// background pruning runs while the load is measured (it starts about a second after start and takes
// at most a tenth of the event loop). Reports how many rows it deleted during the measured window.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { REPO_ROOT } from './targets.mjs';

const DAY = 86_400;
const OLD = () => Math.floor(Date.now() / 1000) - 30 * DAY; // past the default 7-day retention

/** Creates the database (migrated by the built store) in `dataDir` with `rows` old token rows. */
export async function writeBacklog(dataDir, rows) {
  // The built store makes the file and its schema as the server would; the rows go in directly, at once.
  const { openStore } = await import(join(REPO_ROOT, 'dist/src/store/index.js'));
  await (await openStore(join(dataDir, 'emulator.sqlite'))).close();
  const db = new Database(join(dataDir, 'emulator.sqlite'));
  const insert = db.prepare(
    `INSERT INTO issued_tokens (jti, grant_type, client_id, subject, scopes, audience, issued_at, expires_at)
     VALUES (?, 'client_credentials', 'm2morg_10000000000000001', 'm2morg_10000000000000001', 'todo:read', '["http://localhost:3002/"]', ?, ?)`,
  );
  const issuedAt = OLD();
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`tkn_backlog${i}`, issuedAt + (i % 1000), issuedAt + 3600);
  })();
  db.close();
}

/** Old rows still in the database (read-only, beside the running server: WAL allows it). */
export function backlogLeft(dataDir) {
  const db = new Database(join(dataDir, 'emulator.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM issued_tokens WHERE issued_at < ?').pluck().get(OLD() + 2 * DAY);
  } finally {
    db.close();
  }
}
