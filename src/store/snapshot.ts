// A copy of the environment's rows (what a seed makes, and the signing keys) that can be put back
// exactly, secrets included: what a fixture's reset() returns to. Tokens, sessions and grants are
// dropped on restore.
import type { Store } from './index.js';

// Parents before children, so foreign keys hold while rows go back in.
const TABLES = ['organizations', 'resources', 'resource_scopes', 'clients', 'client_secrets', 'users', 'signing_keys', 'environment_scopes', 'test_users', 'token_exchange_policies', 'trusted_identity_providers'] as const;
const DROPPED = ['user_consents', 'oidc_payloads', 'issued_tokens', 'audit_events', 'email_codes', 'outbox_messages', 'passkey_challenges', 'passkeys', 'used_assertions', 'device_code_polls'] as const;

export interface Snapshot {
  restore(): void;
}

export function takeSnapshot(store: Pick<Store, 'db' | 'resources'>): Snapshot {
  const { db } = store;
  const saved = TABLES.map((table) => ({ table, rows: db.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[] }));
  const restore = db.transaction(() => {
    for (const table of DROPPED) db.prepare(`DELETE FROM ${table}`).run();
    for (const table of [...TABLES].reverse()) db.prepare(`DELETE FROM ${table}`).run();
    for (const { table, rows } of saved) {
      if (rows.length === 0) continue;
      const columns = Object.keys(rows[0]!);
      const insert = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
      for (const row of rows) insert.run(row);
    }
  });
  return {
    restore() {
      store.resources.forget(); // its rows are written behind its back here
      restore();
    },
  };
}
