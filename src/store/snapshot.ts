// A copy of the environment's rows (what a seed makes, and the signing keys) that can be put back
// exactly, secrets included: what a fixture's reset() returns to. Tokens, sessions and grants are
// dropped on restore.
import { CHANGE_TOPICS } from './changes.js';
import type { Scope } from './scope.js';

// Parents before children, so foreign keys hold while rows go back in.
const TABLES = ['organizations', 'resources', 'resource_scopes', 'clients', 'client_secrets', 'users', 'signing_keys', 'environment_scopes', 'test_users', 'token_exchange_policies', 'trusted_identity_providers'] as const;
const DROPPED = ['user_consents', 'oidc_payloads', 'issued_tokens', 'audit_events', 'email_codes', 'outbox_messages', 'passkey_challenges', 'passkeys', 'used_assertions', 'device_code_polls'] as const;

export interface Snapshot {
  restore(): Promise<void>;
}

export interface SnapshotRepository {
  /** Copies the rows now; the copy's restore() puts them back (every cache hears of it). */
  take(): Promise<Snapshot>;
}

/** `before` runs first in a restore: the issued-token queue is written, so none of its rows lands after. */
export function snapshotRepository(scope: Scope, before: () => Promise<void>): SnapshotRepository {
  return {
    async take() {
      const saved: { table: string; rows: Record<string, unknown>[] }[] = [];
      for (const table of TABLES) saved.push({ table, rows: await scope.sql.all<Record<string, unknown>>(`SELECT * FROM ${table}`) });
      return {
        restore: async () => {
          await before();
          await scope.atomic(async ({ sql, changed }) => {
            for (const table of DROPPED) await sql.run(`DELETE FROM ${table}`);
            for (const table of [...TABLES].reverse()) await sql.run(`DELETE FROM ${table}`);
            for (const { table, rows } of saved) {
              for (const row of rows) {
                const columns = Object.keys(row);
                await sql.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, Object.values(row));
              }
            }
            for (const topic of CHANGE_TOPICS) await changed(topic);
          });
        },
      };
    },
  };
}
