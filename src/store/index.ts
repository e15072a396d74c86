// The store: one repository per aggregate, each written once over a small SQL executor (sql/), on
// SQLite (a file, or ':memory:' for a fixture) or on PostgreSQL (a postgres:// URL, shared by replicas).
// Every method returns a promise; `store.transaction(async (tx) => …)` hands out the same repositories
// bound to one transaction. Callers depend on the types, never on SQL, and hold no database handle.
import { AsyncLocalStorage } from 'node:async_hooks';
import { basename, dirname, extname, join } from 'node:path';
import { auditEventRepository, type AuditEventRepository } from './audit-events.js';
import { bumpVersion, changeHub, watchPostgres, type ChangeTopic, type ChangeWatch, type StoreChanges } from './changes.js';
import { clientCache, clientRepository, type ClientRepository } from './clients.js';
import { consentRepository, type ConsentRepository } from './consents.js';
import { dashboardSessionRepository, type DashboardSessionRepository } from './dashboard-sessions.js';
import { lockDatabase, type DatabaseLock } from './database-lock.js';
import { ensurePrivateFile, ensurePrivateFolder, tightenPrivateFile, type TightenedFile } from './data-files.js';
import { emailCodeRepository, type EmailCodeRepository } from './email-codes.js';
import { environmentScopeRepository, type EnvironmentScopeRepository } from './environment-scopes.js';
import { randomIds, type IdSource } from './ids.js';
import { loadOrCreateInstallKeys, newInstallKeys, sharedInstallKeys, type InstallKeys } from './install-keys.js';
import { issuedTokenRepository, tokenQueue, type IssuedTokenRepository } from './issued-tokens.js';
import { limitEventRepository, type LimitEventRepository } from './limit-events.js';
import { migrate } from './migrations.js';
import { oidcPayloadRepository, type OidcPayloadRepository } from './oidc-payloads.js';
import { organizationRepository, type OrganizationRepository } from './organizations.js';
import { outboxRepository, type OutboxRepository } from './outbox.js';
import { passkeyRepository, type PasskeyRepository } from './passkeys.js';
import { resourceCache, resourceRepository, type ResourceRepository } from './resources.js';
import { retentionRepository, type RetentionRepository } from './retention.js';
import type { Scope, Write } from './scope.js';
import { secretRepository, secretUses, type SecretRepository } from './secrets.js';
import { signingKeyRepository, type SigningKeyRepository } from './signing-keys.js';
import { snapshotRepository, type SnapshotRepository } from './snapshot.js';
import type { PostgresDatabase } from './sql/postgres.js';
import type { Database, Dialect, Sql } from './sql/sql.js';
import { openSqlite } from './sql/sqlite.js';
import { testUserRepository, type TestUserRepository } from './test-users.js';
import { deviceCodePollRepository, type DeviceCodePollRepository } from './device-code-polls.js';
import { tokenExchangePolicyRepository, type TokenExchangePolicyRepository } from './token-exchange-policies.js';
import { trustedIdentityProviderRepository, type TrustedIdentityProviderRepository } from './trusted-identity-providers.js';
import { usedAssertionRepository, type UsedAssertionRepository } from './used-assertions.js';
import { systemClock, type Clock } from './time.js';
import { userRepository, type UserRepository } from './users.js';

/** Every repository; what a transaction hands out too. */
export interface Repositories {
  organizations: OrganizationRepository;
  resources: ResourceRepository;
  clients: ClientRepository;
  secrets: SecretRepository;
  users: UserRepository;
  consents: ConsentRepository;
  signingKeys: SigningKeyRepository;
  issuedTokens: IssuedTokenRepository;
  oidcPayloads: OidcPayloadRepository;
  auditEvents: AuditEventRepository;
  emailCodes: EmailCodeRepository;
  outbox: OutboxRepository;
  /** Scalekit's environment-level scopes: what the environment's own clients may hold. */
  environmentScopes: EnvironmentScopeRepository;
  /** The environment's allow-list of test users (static code, no email). */
  testUsers: TestUserRepository;
  /** Passkeys (WebAuthn credentials, public keys only) and the challenges of ceremonies in progress. */
  passkeys: PasskeyRepository;
  /** The dashboard's sign-ins. */
  dashboardSessions: DashboardSessionRepository;
  /** The counts of the sliding-window limits (sign-in attempts, registrations). */
  limitEvents: LimitEventRepository;
  /** Per MCP server, whose people's tokens it takes in a token exchange (RFC 8693). */
  tokenExchangePolicies: TokenExchangePolicyRepository;
  /** Identity providers besides the environment whose ID-JAGs the MCP servers accept. */
  trustedIdentityProviders: TrustedIdentityProviderRepository;
  /** ID-JAGs already presented, until they expire (replay). */
  usedAssertions: UsedAssertionRepository;
  /** How devices poll with their device codes (RFC 8628 slow_down). */
  deviceCodePolls: DeviceCodePollRepository;
  retention: RetentionRepository;
  /** Copies of the environment's rows that can be put back (a fixture's reset). */
  snapshots: SnapshotRepository;
  /** Where this store's new ids and generated secrets come from (random, or a fixture's fixed sequence). */
  ids: IdSource;
  /**
   * Runs `fn` in one transaction and resolves to its result: all of it lands, or none. On the store it
   * opens one (holding the write lock, so what `fn` reads cannot change under it before it writes); on
   * a transaction's repositories it joins the one already open (no savepoint), so a helper such as
   * endGrant(repos, …) works inside and outside a caller's transaction alike. Inside, use only `tx`:
   * the store itself would wait for the transaction to end, and says so instead of waiting for ever.
   */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
}

export interface Store extends Repositories {
  kind: Dialect;
  /** The secret-hash key and oidc-provider's cookie keys, the same for every replica of the database. */
  installKeys: InstallKeys;
  /** Writes to cached aggregates, here or on another replica (caches and the key ring listen). */
  changes: StoreChanges;
  /** Files this open found readable by others and tightened to owner-only, for a warning at start (SQLite). */
  tightenedFiles: TightenedFile[];
  /**
   * Writes one row (storage_probe): rejects when the database cannot take a write now, e.g. SQLITE_FULL
   * on a full disk or a PostgreSQL server that cannot be reached (`storageFailure` names it). For /health.
   */
  ping(): Promise<void>;
  isOpen(): boolean;
  /** Writes what is queued (token rows, secrets' last use), then closes. */
  close(): Promise<void>;
}

export interface StoreOptions {
  /** SQLite: hold the database's lock while open, as a server does: another exclusive open fails with DatabaseInUse. */
  exclusive?: boolean;
  /** Default: random ids. */
  ids?: IdSource;
  /** Hears of a background write that failed (it is kept and tried again): client secrets' last-used times. */
  unwritten?: (what: string, err: unknown) => void;
  /** PostgreSQL: connections in this process's pool. Default 10. */
  poolSize?: number;
  /** PostgreSQL: listen for other replicas' writes (NOTIFY); without, only the once-a-second check tells. Default true. */
  notifications?: boolean;
  /** PostgreSQL: hears of an idle pooled connection that failed (the pool opens another when needed). */
  connectionLost?: (err: unknown) => void;
}

/** PostgreSQL could not be reached, or refused us, at open: the start cannot go on. */
export class DatabaseUnavailable extends Error {
  constructor(cause: unknown) {
    super((cause as Error).message ?? String(cause), { cause });
    this.name = 'DatabaseUnavailable';
  }
}

export const isPostgresUrl = (location: string) => /^postgres(ql)?:\/\//i.test(location);

/** Opens the store at `location`: a SQLite file path, ':memory:', or a postgres:// URL; migrations applied. */
export async function openStore(location: string, clock: Clock = systemClock, options: StoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(location)) return openPostgresStore(location, clock, options);
  const disk = location === ':memory:' ? { installKeys: newInstallKeys(), tightened: [] } : prepareFiles(location, options.exclusive ?? false);
  let database: Database | undefined;
  try {
    database = openSqlite(location);
    await migrate(database);
  } catch (err) {
    await database?.close();
    disk.lock?.release();
    throw err;
  }
  return assemble(database, clock, options, {
    installKeys: disk.installKeys,
    tightened: disk.tightened,
    close: async () => disk.lock?.release(),
  });
}

/**
 * A store over a database opened by the caller (tools and SQLite-only tests, which keep its executor to
 * set what only a connection can: a page limit); migrations applied, fresh install keys in memory.
 */
export async function openStoreOn(database: Database, clock: Clock = systemClock, options: StoreOptions = {}): Promise<Store> {
  await migrate(database);
  return assemble(database, clock, options, { installKeys: newInstallKeys(), tightened: [], close: async () => undefined });
}

async function openPostgresStore(url: string, clock: Clock, options: StoreOptions): Promise<Store> {
  // node-postgres is loaded only here: a SQLite start never needs it.
  const { openPostgres } = await import('./sql/postgres.js');
  const database = openPostgres({ url, poolSize: options.poolSize ?? 10, connectionError: (err) => options.connectionLost?.(err) });
  let watch: ChangeWatch | undefined;
  try {
    // The first statement tells whether the server answers and takes our credentials.
    await database.sql.get('SELECT 1 AS one').catch((err: unknown) => {
      throw new DatabaseUnavailable(err);
    });
    await migrate(database);
    const installKeys = await sharedInstallKeys(database.sql);
    const store = assemble(database, clock, options, {
      installKeys,
      tightened: [],
      close: async () => watch?.stop(),
      watch: (hub) => (watch = watchPostgres(database as PostgresDatabase, hub, { notifications: options.notifications ?? true })),
    });
    return store;
  } catch (err) {
    await watch?.stop();
    await database.close();
    throw err;
  }
}

interface EngineParts {
  installKeys: InstallKeys;
  tightened: TightenedFile[];
  close: () => Promise<void>;
  /** PostgreSQL: learns of other replicas' writes. */
  watch?: (hub: ReturnType<typeof changeHub>) => ChangeWatch;
}

function assemble(database: Database, clock: Clock, options: StoreOptions, engine: EngineParts): Store {
  const ids = options.ids ?? randomIds;
  // A listener that failed (the database was down while it reloaded) hears its topic again at the next check.
  const watching: { watch?: ChangeWatch } = {};
  const hub = changeHub((topic) => watching.watch?.retryLater(topic));
  const resources = resourceCache();
  const clients = clientCache();
  hub.on('resources', () => resources.forget());
  hub.on('clients', () => clients.forget());
  const watch = engine.watch?.(hub);
  if (watch) watching.watch = watch;

  const queue = tokenQueue(database);
  const uses = secretUses(database, (err) => options.unwritten?.('client secret last-used times', err));
  const guard = transactionGuard();

  // One transaction: its writes bump their topics' versions inside it; this process hears after COMMIT.
  const inTransaction = async <T>(fn: (scope: Scope, write: Write) => Promise<T>): Promise<T> => {
    const topics = new Set<ChangeTopic>();
    const result = await database.transaction(async (sql) => {
      const write: Write = {
        sql,
        changed: async (topic) => {
          if (topics.has(topic)) return;
          topics.add(topic);
          await bumpVersion(sql, topic);
        },
      };
      return fn({ sql, inTransaction: true, atomic: (atomic) => atomic(write) }, write);
    });
    for (const topic of topics) hub.emit(topic);
    return result;
  };

  const repositoriesOf = (scope: Scope, transaction: Repositories['transaction']): Repositories => {
    const made: Partial<Omit<Repositories, 'ids' | 'transaction'>> = {};
    return {
      ids,
      transaction,
      get organizations() {
        return (made.organizations ??= organizationRepository(scope, clock));
      },
      get resources() {
        return (made.resources ??= resourceRepository(scope, clock, resources));
      },
      get clients() {
        return (made.clients ??= clientRepository(scope, clock, clients));
      },
      get secrets() {
        return (made.secrets ??= secretRepository(scope, clock, engine.installKeys.secretHashKey, ids, uses));
      },
      get users() {
        return (made.users ??= userRepository(scope, clock));
      },
      get consents() {
        return (made.consents ??= consentRepository(scope, clock, ids));
      },
      get signingKeys() {
        return (made.signingKeys ??= signingKeyRepository(scope, clock));
      },
      get issuedTokens() {
        return (made.issuedTokens ??= issuedTokenRepository(scope, queue));
      },
      get oidcPayloads() {
        return (made.oidcPayloads ??= oidcPayloadRepository(scope));
      },
      get auditEvents() {
        return (made.auditEvents ??= auditEventRepository(scope));
      },
      get emailCodes() {
        return (made.emailCodes ??= emailCodeRepository(scope, clock));
      },
      get outbox() {
        return (made.outbox ??= outboxRepository(scope, clock, ids));
      },
      get environmentScopes() {
        return (made.environmentScopes ??= environmentScopeRepository(scope, clock));
      },
      get testUsers() {
        return (made.testUsers ??= testUserRepository(scope, clock));
      },
      get passkeys() {
        return (made.passkeys ??= passkeyRepository(scope, clock, ids));
      },
      get dashboardSessions() {
        return (made.dashboardSessions ??= dashboardSessionRepository(scope));
      },
      get limitEvents() {
        return (made.limitEvents ??= limitEventRepository(scope));
      },
      get tokenExchangePolicies() {
        return (made.tokenExchangePolicies ??= tokenExchangePolicyRepository(scope));
      },
      get trustedIdentityProviders() {
        return (made.trustedIdentityProviders ??= trustedIdentityProviderRepository(scope, clock));
      },
      get usedAssertions() {
        return (made.usedAssertions ??= usedAssertionRepository(scope));
      },
      get deviceCodePolls() {
        return (made.deviceCodePolls ??= deviceCodePollRepository(scope));
      },
      get retention() {
        return (made.retention ??= retentionRepository(scope, database));
      },
      get snapshots() {
        return (made.snapshots ??= snapshotRepository(scope, () => queue.flush()));
      },
    };
  };

  const root: Scope = {
    sql: guard.sql(database.sql),
    inTransaction: false,
    atomic: (fn) => {
      guard.refuseInside();
      return inTransaction((_scope, write) => fn(write));
    },
  };
  const repositories = repositoriesOf(root, (fn) =>
    guard.watch(() =>
      inTransaction((scope) => {
        const tx: Repositories = repositoriesOf(scope, (inner) => inner(tx));
        return fn(tx);
      }),
    ),
  );

  let closing: Promise<void> | undefined;
  return Object.assign(repositories, {
    kind: database.dialect,
    installKeys: engine.installKeys,
    changes: { on: hub.on },
    tightenedFiles: engine.tightened,
    ping: async () => {
      await root.sql.run('INSERT INTO storage_probe (id, time) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET time = excluded.time', [clock()]);
    },
    isOpen: () => database.isOpen() && closing === undefined,
    close: () =>
      (closing ??= (async () => {
        await queue.flush();
        await uses.flush();
        await engine.close();
        await database.close();
      })()),
  } satisfies Omit<Store, keyof Repositories>);
}

/**
 * Code inside a transaction that called the store instead of `tx` would wait for its own transaction
 * to end (SQLite's one connection; PostgreSQL's write lock): it is refused with a clear error instead.
 * Which code runs inside is known by an AsyncLocalStorage, switched on only while a transaction is
 * open: the store's statements outside transactions (the token endpoint's) pay one comparison.
 */
function transactionGuard() {
  const inside = new AsyncLocalStorage<object>();
  const open = new Set<object>();
  const refuseInside = () => {
    if (open.size > 0 && open.has(inside.getStore() as object)) {
      throw new Error('the store was called inside its own transaction: use the repositories the transaction hands out (tx), not the store');
    }
  };
  return {
    refuseInside,
    async watch<T>(fn: () => Promise<T>): Promise<T> {
      refuseInside();
      const token = {};
      open.add(token);
      try {
        return await inside.run(token, fn);
      } finally {
        open.delete(token);
        if (open.size === 0) inside.disable();
      }
    },
    sql(sql: Sql): Sql {
      const guarded = <T>(go: () => Promise<T>): Promise<T> => {
        try {
          refuseInside();
        } catch (err) {
          return Promise.reject(err);
        }
        return go();
      };
      return {
        dialect: sql.dialect,
        all: (text, params) => (open.size === 0 ? sql.all(text, params) : guarded(() => sql.all(text, params))),
        get: (text, params) => (open.size === 0 ? sql.get(text, params) : guarded(() => sql.get(text, params))),
        run: (text, params) => (open.size === 0 ? sql.run(text, params) : guarded(() => sql.run(text, params))),
      };
    },
  };
}

// The files beside a database `<name>.sqlite`.
function databaseFiles(path: string) {
  const base = join(dirname(path), basename(path, extname(path)));
  return { wal: `${path}-wal`, shm: `${path}-shm`, lock: `${base}.lock`, installKeys: `${base}.keys.json` };
}

// The folder and its files, owner-only; the lock before anything is read; the install keys.
function prepareFiles(path: string, exclusive: boolean): { installKeys: InstallKeys; tightened: TightenedFile[]; lock?: DatabaseLock } {
  const files = databaseFiles(path);
  const tightened = ensurePrivateFolder(dirname(path));
  let lock: DatabaseLock | undefined;
  if (exclusive) {
    tightened.push(...ensurePrivateFile(files.lock));
    lock = lockDatabase(path, files.lock);
  }
  try {
    tightened.push(...ensurePrivateFile(path), ...tightenPrivateFile(files.wal), ...tightenPrivateFile(files.shm));
    const installKeys = loadOrCreateInstallKeys(files.installKeys);
    tightened.push(...installKeys.tightened);
    return { installKeys: installKeys.keys, tightened, ...(lock ? { lock } : {}) };
  } catch (err) {
    lock?.release();
    throw err;
  }
}

export type { Clock } from './time.js';
export type { TightenedFile } from './data-files.js';
export type { ChangeTopic, StoreChanges } from './changes.js';
export type { InstallKeys } from './install-keys.js';
export { DatabaseInUse } from './database-lock.js';
export { InstallKeysError } from './install-keys.js';
export { DatabaseNewerThanCode } from './migrations.js';
