// The outbox: every message the emulator would have emailed (sign-in codes and links), kept so that a
// person or a test can read it instead of a mailbox. Newest first; only the latest MAX_KEPT are kept.
import type { IdSource } from './ids.js';
import type { Scope } from './scope.js';
import { dialectOf } from './sql/sql.js';

export interface OutboxMessage {
  id: string;
  to: string;
  subject: string;
  body: string;
  code?: string;
  link?: string;
  /** Epoch ms. */
  createTime: number;
}

export type OutboxInput = Omit<OutboxMessage, 'id' | 'createTime'>;

export interface OutboxRepository {
  add(message: OutboxInput): Promise<OutboxMessage>;
  /** Newest first; only the messages to `to` (any case) when given. */
  list(filter?: { to?: string; limit?: number }): Promise<OutboxMessage[]>;
}

interface Row {
  id: string;
  recipient: string;
  subject: string;
  body: string;
  code: string | null;
  link: string | null;
  create_time: number;
}

const MAX_KEPT = 500;

const toMessage = (r: Row): OutboxMessage => ({
  id: r.id,
  to: r.recipient,
  subject: r.subject,
  body: r.body,
  ...(r.code ? { code: r.code } : {}),
  ...(r.link ? { link: r.link } : {}),
  createTime: r.create_time,
});

const INSERT = 'INSERT INTO outbox_messages (id, recipient, subject, body, code, link, create_time) VALUES (?, ?, ?, ?, ?, ?, ?)';

export function outboxRepository(scope: Scope, clock: () => number, ids: IdSource): OutboxRepository {
  // Insertion order (SQLite's rowid), so "newest" holds even for two messages in one millisecond.
  const order = dialectOf(scope.sql).insertionOrder;
  const trim = `DELETE FROM outbox_messages WHERE ${order} <= (SELECT MAX(${order}) FROM outbox_messages) - ${MAX_KEPT}`;
  const all = `SELECT * FROM outbox_messages ORDER BY ${order} DESC LIMIT ?`;
  const to = `SELECT * FROM outbox_messages WHERE lower(recipient) = lower(?) ORDER BY ${order} DESC LIMIT ?`;
  return {
    add: (input) =>
      scope.atomic(async ({ sql }) => {
        const message: OutboxMessage = { ...input, id: ids.newId('outboxMessage'), createTime: clock() };
        await sql.run(INSERT, [message.id, message.to, message.subject, message.body, message.code ?? null, message.link ?? null, message.createTime]);
        await sql.run(trim);
        return message;
      }),
    list: async (filter = {}) => {
      const limit = filter.limit ?? MAX_KEPT;
      const rows = filter.to === undefined ? await scope.sql.all<Row>(all, [limit]) : await scope.sql.all<Row>(to, [filter.to, limit]);
      return rows.map(toMessage);
    },
  };
}
