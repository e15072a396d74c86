// The store: one SQLite database and one repository per aggregate. Callers depend on the types.
import { openDatabase, type Db } from './database.js';
import { sqliteClients, type ClientRepository } from './clients.js';
import { sqliteIssuedTokens, type IssuedTokenRepository } from './issued-tokens.js';
import { sqliteOidcPayloads, type OidcPayloadRepository } from './oidc-payloads.js';
import { sqliteOrganizations, type OrganizationRepository } from './organizations.js';
import { sqliteResources, type ResourceRepository } from './resources.js';
import { sqliteSecrets, type SecretRepository } from './secrets.js';
import { sqliteSigningKeys, type SigningKeyRepository } from './signing-keys.js';
import { systemClock, type Clock } from './time.js';
import { sqliteUsers, type UserRepository } from './users.js';

export interface Store {
  db: Db;
  organizations: OrganizationRepository;
  resources: ResourceRepository;
  clients: ClientRepository;
  secrets: SecretRepository;
  users: UserRepository;
  signingKeys: SigningKeyRepository;
  issuedTokens: IssuedTokenRepository;
  oidcPayloads: OidcPayloadRepository;
  /**
   * Runs `fn` in one transaction: all of it lands, or none. It takes the write lock first (BEGIN
   * IMMEDIATE), so what `fn` reads cannot change under it before it writes, even from another process.
   */
  transaction<T>(fn: () => T): T;
  isOpen(): boolean;
  close(): void;
}

export function openStore(path: string, clock: Clock = systemClock): Store {
  const db = openDatabase(path);
  const issuedTokens = sqliteIssuedTokens(db);
  return {
    db,
    organizations: sqliteOrganizations(db, clock),
    resources: sqliteResources(db, clock),
    clients: sqliteClients(db, clock),
    secrets: sqliteSecrets(db, clock),
    users: sqliteUsers(db, clock),
    signingKeys: sqliteSigningKeys(db, clock),
    issuedTokens,
    oidcPayloads: sqliteOidcPayloads(db),
    transaction: (fn) => db.transaction(fn).immediate(),
    isOpen: () => db.open,
    close: () => {
      if (!db.open) return;
      issuedTokens.flush();
      db.close();
    },
  };
}

export type { Clock } from './time.js';
