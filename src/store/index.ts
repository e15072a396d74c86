// The store: one SQLite database and one repository per aggregate. Callers depend on the types.
import { sqliteAuditEvents, type AuditEventRepository } from './audit-events.js';
import { openDatabase, type Db } from './database.js';
import { sqliteClients, type ClientRepository } from './clients.js';
import { sqliteConsents, type ConsentRepository } from './consents.js';
import { sqliteIssuedTokens, type IssuedTokenRepository } from './issued-tokens.js';
import { sqliteOidcPayloads, type OidcPayloadRepository } from './oidc-payloads.js';
import { sqliteOrganizations, type OrganizationRepository } from './organizations.js';
import { sqliteResources, type ResourceRepository } from './resources.js';
import { sqliteRetention, type RetentionRepository } from './retention.js';
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
  consents: ConsentRepository;
  signingKeys: SigningKeyRepository;
  issuedTokens: IssuedTokenRepository;
  oidcPayloads: OidcPayloadRepository;
  auditEvents: AuditEventRepository;
  retention: RetentionRepository;
  /** Runs `fn` in one transaction: all of it lands, or none. */
  transaction<T>(fn: () => T): T;
  isOpen(): boolean;
  close(): void;
}

export function openStore(path: string, clock: Clock = systemClock): Store {
  const db = openDatabase(path);
  const issuedTokens = sqliteIssuedTokens(db);
  const secrets = sqliteSecrets(db, clock);
  return {
    db,
    organizations: sqliteOrganizations(db, clock),
    resources: sqliteResources(db, clock),
    clients: sqliteClients(db, clock),
    secrets,
    users: sqliteUsers(db, clock),
    consents: sqliteConsents(db, clock),
    signingKeys: sqliteSigningKeys(db, clock),
    issuedTokens,
    oidcPayloads: sqliteOidcPayloads(db),
    auditEvents: sqliteAuditEvents(db),
    retention: sqliteRetention(db),
    transaction: (fn) => db.transaction(fn)(),
    isOpen: () => db.open,
    close: () => {
      if (!db.open) return;
      issuedTokens.flush();
      secrets.flush();
      db.close();
    },
  };
}

export type { Clock } from './time.js';
