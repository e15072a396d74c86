// The store: one SQLite database and one repository per aggregate. Callers depend on the types.
import { basename, dirname, extname, join } from 'node:path';
import { sqliteAuditEvents, type AuditEventRepository } from './audit-events.js';
import { openDatabase, type Db } from './database.js';
import { lockDatabase, type DatabaseLock } from './database-lock.js';
import { ensurePrivateFile, ensurePrivateFolder, tightenPrivateFile, type TightenedFile } from './data-files.js';
import { sqliteClients, type ClientRepository } from './clients.js';
import { sqliteConsents, type ConsentRepository } from './consents.js';
import { sqliteDeviceCodePolls, type DeviceCodePollRepository } from './device-code-polls.js';
import { sqliteEmailCodes, type EmailCodeRepository } from './email-codes.js';
import { sqliteEnvironmentScopes, type EnvironmentScopeRepository } from './environment-scopes.js';
import { loadOrCreateInstallKeys, newInstallKeys, type InstallKeys } from './install-keys.js';
import { randomIds, type IdSource } from './ids.js';
import { sqliteIssuedTokens, type IssuedTokenRepository } from './issued-tokens.js';
import { sqliteOidcPayloads, type OidcPayloadRepository } from './oidc-payloads.js';
import { sqliteOrganizations, type OrganizationRepository } from './organizations.js';
import { sqliteOutbox, type OutboxRepository } from './outbox.js';
import { sqliteResources, type ResourceRepository } from './resources.js';
import { sqliteRetention, type RetentionRepository } from './retention.js';
import { sqliteSecrets, type SecretRepository } from './secrets.js';
import { sqliteSigningKeys, type SigningKeyRepository } from './signing-keys.js';
import { sqlitePasskeys, type PasskeyRepository } from './passkeys.js';
import { sqliteTestUsers, type TestUserRepository } from './test-users.js';
import { sqliteTokenExchangePolicies, type TokenExchangePolicyRepository } from './token-exchange-policies.js';
import { sqliteTrustedIdentityProviders, type TrustedIdentityProviderRepository } from './trusted-identity-providers.js';
import { sqliteUsedAssertions, type UsedAssertionRepository } from './used-assertions.js';
import { systemClock, type Clock } from './time.js';
import { sqliteUsers, type UserRepository } from './users.js';

export interface Store {
  db: Db;
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
  /** Per MCP server, whose people's tokens it takes in a token exchange (RFC 8693). */
  tokenExchangePolicies: TokenExchangePolicyRepository;
  /** Identity providers besides the environment whose ID-JAGs the MCP servers accept. */
  trustedIdentityProviders: TrustedIdentityProviderRepository;
  /** ID-JAGs already presented, until they expire (replay). */
  usedAssertions: UsedAssertionRepository;
  /** How devices poll with their device codes (RFC 8628 slow_down). */
  deviceCodePolls: DeviceCodePollRepository;
  retention: RetentionRepository;
  /** Where this store's new ids and generated secrets come from (random, or a fixture's fixed sequence). */
  ids: IdSource;
  /** oidc-provider's signed-cookie keys: random, kept with the install keys, apart from the signing keys. */
  cookieKeys: string[];
  /** Files this open found readable by others and tightened to owner-only, for a warning at start. */
  tightenedFiles: TightenedFile[];
  /**
   * Writes one row (storage_probe): throws when the database cannot take a write now, e.g. SQLITE_FULL
   * on a full disk (`storageFailure` names it). For /health.
   */
  ping(): void;
  /**
   * Runs `fn` in one transaction: all of it lands, or none. It takes the write lock first (BEGIN
   * IMMEDIATE), so what `fn` reads cannot change under it before it writes, even from another process.
   */
  transaction<T>(fn: () => T): T;
  isOpen(): boolean;
  close(): void;
}

export interface StoreOptions {
  /** Hold the database's lock while open, as a server does: another exclusive open fails with DatabaseInUse. */
  exclusive?: boolean;
  /** Default: random ids. */
  ids?: IdSource;
  /** Hears of a background write that failed (it is kept and tried again): client secrets' last-used times. */
  unwritten?: (what: string, err: unknown) => void;
}

// The files beside a database `<name>.sqlite`.
function databaseFiles(path: string) {
  const base = join(dirname(path), basename(path, extname(path)));
  return { wal: `${path}-wal`, shm: `${path}-shm`, lock: `${base}.lock`, installKeys: `${base}.keys.json` };
}

export function openStore(path: string, clock: Clock = systemClock, options: StoreOptions = {}): Store {
  const disk = path === ':memory:' ? { installKeys: newInstallKeys(), tightened: [] } : prepareFiles(path, options.exclusive ?? false);
  let db: Db;
  try {
    db = openDatabase(path);
  } catch (err) {
    disk.lock?.release();
    throw err;
  }
  const clients = sqliteClients(db, clock);
  // A token's commit also notes its client used (pruning of unused DCR clients reads it).
  const issuedTokens = sqliteIssuedTokens(db, (token) => clients.markUsed(token.clientId, token.issuedAt * 1000));
  const ids = options.ids ?? randomIds;
  const secrets = sqliteSecrets(db, clock, disk.installKeys.secretHashKey, ids, (err) => options.unwritten?.('client secret last-used times', err));
  const probe = db.prepare('INSERT INTO storage_probe (id, time) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET time = excluded.time');
  return {
    db,
    organizations: sqliteOrganizations(db, clock),
    resources: sqliteResources(db, clock),
    clients,
    secrets,
    users: sqliteUsers(db, clock),
    consents: sqliteConsents(db, clock, ids),
    signingKeys: sqliteSigningKeys(db, clock),
    issuedTokens,
    oidcPayloads: sqliteOidcPayloads(db),
    auditEvents: sqliteAuditEvents(db),
    emailCodes: sqliteEmailCodes(db, clock),
    outbox: sqliteOutbox(db, clock, ids),
    environmentScopes: sqliteEnvironmentScopes(db, clock),
    testUsers: sqliteTestUsers(db, clock),
    passkeys: sqlitePasskeys(db, clock, ids),
    tokenExchangePolicies: sqliteTokenExchangePolicies(db),
    trustedIdentityProviders: sqliteTrustedIdentityProviders(db, clock),
    usedAssertions: sqliteUsedAssertions(db),
    deviceCodePolls: sqliteDeviceCodePolls(db),
    retention: sqliteRetention(db),
    ids,
    cookieKeys: disk.installKeys.cookieKeys,
    tightenedFiles: disk.tightened,
    ping: () => void probe.run(clock()),
    transaction: (fn) => db.transaction(fn).immediate(),
    isOpen: () => db.open,
    close: () => {
      if (!db.open) return;
      issuedTokens.flush();
      secrets.flush();
      db.close();
      disk.lock?.release();
    },
  };
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
export { DatabaseInUse } from './database-lock.js';
export { InstallKeysError } from './install-keys.js';
