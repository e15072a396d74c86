// The outbox: every message the emulator would have emailed (sign-in codes and links), kept so that a
// person or a test can read it instead of a mailbox. Newest first; only the latest MAX_KEPT are kept.
import type { Db } from './database.js';
import type { IdSource } from './ids.js';

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
  add(message: OutboxInput): OutboxMessage;
  /** Newest first; only the messages to `to` (any case) when given. */
  list(filter?: { to?: string; limit?: number }): OutboxMessage[];
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

export function sqliteOutbox(db: Db, clock: () => number, ids: IdSource): OutboxRepository {
  const insert = db.prepare(
    `INSERT INTO outbox_messages (id, recipient, subject, body, code, link, create_time)
     VALUES (@id, @to, @subject, @body, @code, @link, @createTime)`,
  );
  // rowid follows insertion, so "newest" holds even for two messages in one millisecond.
  const trim = db.prepare(`DELETE FROM outbox_messages WHERE rowid <= (SELECT MAX(rowid) FROM outbox_messages) - ${MAX_KEPT}`);
  const list = db.prepare<{ to: string | null; limit: number }, Row>(
    `SELECT * FROM outbox_messages WHERE @to IS NULL OR lower(recipient) = lower(@to) ORDER BY rowid DESC LIMIT @limit`,
  );
  return {
    add(input) {
      const message: OutboxMessage = { ...input, id: ids.newId('outboxMessage'), createTime: clock() };
      db.transaction(() => {
        insert.run({ ...message, code: message.code ?? null, link: message.link ?? null });
        trim.run();
      }).immediate();
      return message;
    },
    list: (filter = {}) => list.all({ to: filter.to ?? null, limit: filter.limit ?? MAX_KEPT }).map(toMessage),
  };
}
