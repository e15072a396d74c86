// Cache coherence: what a process keeps in memory (MCP servers, clients, the key ring) is dropped when
// a write anywhere changed it. A write to a cached aggregate bumps its topic's row in store_versions in
// the same transaction; after the commit, this process's listeners hear of it at once. On PostgreSQL
// the bump also sends NOTIFY (delivered to every replica on commit), each process LISTENs on a
// connection of its own (reconnected when it drops, which counts as "everything changed"), and the
// versions are read once a second as well, so every replica sees a write within one second whatever
// happened to a notification.
import type pg from 'pg';
import type { PostgresDatabase } from './sql/postgres.js';
import type { Sql } from './sql/sql.js';

export const CHANGE_TOPICS = ['resources', 'clients', 'signing_keys'] as const;
export type ChangeTopic = (typeof CHANGE_TOPICS)[number];

export interface StoreChanges {
  /**
   * Calls `listener` after a write in this process or another replica changed the topic's rows; returns
   * what stops it. A listener that rejects hears of the topic again on the next check.
   */
  on(topic: ChangeTopic, listener: () => unknown): () => void;
}

export interface ChangeHub extends StoreChanges {
  /** Tells this process's listeners (after a commit, or when another replica's write is learnt). */
  emit(topic: ChangeTopic): void;
}

const CHANNEL = 'emulator_changes';
const CHECK_MS = 1000;
const RECONNECT_MS = 1000;

const isTopic = (value: unknown): value is ChangeTopic => (CHANGE_TOPICS as readonly unknown[]).includes(value);

export function changeHub(failed: (topic: ChangeTopic, err: unknown) => void = () => undefined): ChangeHub {
  const listeners = new Map<ChangeTopic, Set<() => unknown>>(CHANGE_TOPICS.map((t) => [t, new Set()]));
  return {
    on(topic, listener) {
      listeners.get(topic)!.add(listener);
      return () => void listeners.get(topic)!.delete(listener);
    },
    emit(topic) {
      for (const listener of listeners.get(topic)!) {
        try {
          const result = listener();
          if (result instanceof Promise) result.catch((err: unknown) => failed(topic, err));
        } catch (err) {
          failed(topic, err);
        }
      }
    },
  };
}

/** In the writer's transaction: the topic's version moves on (and, on PostgreSQL, a NOTIFY goes out on commit). */
export async function bumpVersion(sql: Sql, topic: ChangeTopic): Promise<void> {
  if (sql.dialect === 'postgres') {
    await sql.run(`WITH bumped AS (UPDATE store_versions SET version = version + 1 WHERE topic = ? RETURNING topic) SELECT pg_notify('${CHANNEL}', topic) FROM bumped`, [topic]);
  } else {
    await sql.run('UPDATE store_versions SET version = version + 1 WHERE topic = ?', [topic]);
  }
}

export interface ChangeWatch {
  /** Reads the versions now and tells listeners of what moved (also what the timer does). */
  check(): Promise<void>;
  /** Tells the topic again at the next check (a listener failed). */
  retryLater(topic: ChangeTopic): void;
  stop(): Promise<void>;
}

/** Listens for other replicas' writes on PostgreSQL: NOTIFY, and the versions read once a second. */
export function watchPostgres(database: PostgresDatabase, hub: ChangeHub, options: { notifications?: boolean } = {}): ChangeWatch {
  let stopped = false;
  const seen = new Map<ChangeTopic, number>();
  const everything = () => CHANGE_TOPICS.forEach((t) => hub.emit(t));

  // A listener that failed (say, the database was down while it reloaded) hears the topic again next time.
  const retry = new Set<ChangeTopic>();
  const tell = (topic: ChangeTopic) => hub.emit(topic);

  const check = async () => {
    const rows = await database.sql.all<{ topic: string; version: number }>('SELECT topic, version FROM store_versions');
    for (const { topic, version } of rows) {
      if (!isTopic(topic)) continue;
      const before = seen.get(topic);
      seen.set(topic, version);
      if ((before !== undefined && before !== version) || retry.delete(topic)) tell(topic);
    }
  };
  const timer = setInterval(() => void check().catch(() => undefined), CHECK_MS);
  timer.unref();
  void check().catch(() => undefined);

  let listener: pg.Client | undefined;
  let reconnect: NodeJS.Timeout | undefined;
  const listen = async (afterDrop: boolean) => {
    if (stopped) return;
    const client = database.newClient();
    listener = client;
    const dropped = () => {
      if (listener !== client || stopped) return;
      listener = undefined;
      client.end().catch(() => undefined);
      reconnect = setTimeout(() => void listen(true), RECONNECT_MS);
      reconnect.unref();
    };
    client.on('error', dropped);
    client.on('end', dropped);
    client.on('notification', (message) => {
      if (isTopic(message.payload)) tell(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      // Notifications sent while no connection listened are lost: count everything as changed.
      if (afterDrop) everything();
    } catch {
      dropped();
    }
  };
  if (options.notifications ?? true) void listen(false);

  return {
    check,
    retryLater: (topic) => void retry.add(topic),
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (reconnect) clearTimeout(reconnect);
      const client = listener;
      listener = undefined;
      await client?.end().catch(() => undefined);
    },
  };
}
