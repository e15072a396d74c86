// The engines the store's contract suite runs on: SQLite always (a file in a fresh folder), PostgreSQL
// when a server is there (TEST_DATABASE_URL, or the cluster the globalSetup started): one database per
// test file, emptied before each test. Each test gets a fresh store and a raw connection beside it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { openStore, type Store, type StoreOptions } from '../../src/store/index.js';
import type { Clock } from '../../src/store/time.js';
import { freshPostgresDatabase, postgresServer, rawDatabase, type FreshDatabase, type RawDatabase } from '../helpers/databases.js';

export interface Engine {
  name: 'sqlite' | 'postgres';
  /** Once per file (beforeAll). */
  setUp(): Promise<void>;
  /** Once per file (afterAll). */
  tearDown(): Promise<void>;
  /** An empty database (beforeEach): its location. */
  fresh(): Promise<string>;
  /** After each test. */
  clean(): Promise<void>;
}

// Tables a fresh PostgreSQL database keeps between tests: the schema's own and the shared install keys.
const KEPT = new Set(['schema_migrations', 'store_versions', 'install_keys']);

const sqlite = (): Engine => {
  let dir: string | undefined;
  return {
    name: 'sqlite',
    setUp: async () => undefined,
    tearDown: async () => undefined,
    fresh: async () => {
      dir = mkdtempSync(join(tmpdir(), 'store-'));
      return join(dir, 'emulator.sqlite');
    },
    clean: async () => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
};

const postgres = (): Engine => {
  let database: FreshDatabase | undefined;
  let migrated = false;
  return {
    name: 'postgres',
    setUp: async () => {
      database = await freshPostgresDatabase();
    },
    tearDown: async () => database?.drop(),
    fresh: async () => {
      const url = database!.url;
      if (migrated) {
        const raw = rawDatabase(url);
        const tables = (await raw.all<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).map((t) => t.tablename);
        await raw.run(`TRUNCATE ${tables.filter((t) => !KEPT.has(t)).join(', ')} RESTART IDENTITY CASCADE`);
        await raw.close();
      }
      migrated = true;
      return url;
    },
    clean: async () => undefined,
  };
};

/** SQLite, and PostgreSQL when there is a server to test on. */
export const ENGINES: Engine[] = [sqlite(), ...(postgresServer() ? [postgres()] : [])];

export interface OpenedStore {
  store: Store;
  raw: RawDatabase;
  location: string;
  close(): Promise<void>;
}

/** A store on `location` (default: a fresh database of the engine) and a raw connection beside it. */
export async function openOn(location: string, clock: Clock, options: StoreOptions = {}): Promise<OpenedStore> {
  const store = await openStore(location, clock, options);
  const raw = rawDatabase(location);
  return {
    store,
    raw,
    location,
    close: async () => {
      await store.close();
      await raw.close();
    },
  };
}

export interface StorePerTest {
  /** This test's store and the raw connection beside it. */
  readonly opened: OpenedStore;
  readonly store: Store;
  readonly raw: RawDatabase;
  /** Another store on this test's database (another replica, or another process on the SQLite file); closed after the test. */
  replica(): Promise<Store>;
}

/** The hooks of a describe.each(ENGINES) body: the engine set up per file, a fresh store per test on `clock`. */
export function storePerTest(engine: Engine, clock: Clock): StorePerTest {
  let opened: OpenedStore | undefined;
  const replicas: OpenedStore[] = [];
  beforeAll(() => engine.setUp());
  afterAll(() => engine.tearDown());
  beforeEach(async () => {
    opened = await openOn(await engine.fresh(), clock);
  });
  afterEach(async () => {
    for (const replica of replicas.splice(0)) await replica.close();
    await opened?.close();
    await engine.clean();
  });
  return {
    get opened() {
      return opened!;
    },
    get store() {
      return opened!.store;
    },
    get raw() {
      return opened!.raw;
    },
    async replica() {
      const replica = await openOn(opened!.location, clock);
      replicas.push(replica);
      return replica.store;
    },
  };
}
