// The management service, written once: organizations, clients and their secrets (the environment's own
// too), resources (MCP servers), registered clients, the consents people gave and the consent screen of
// an authorization in progress, the environment's scopes, users, signing keys and the audit log, over
// the store's repositories. It knows no transport: gRPC (grpc.ts), REST (rest.ts), the seed loader (seed.ts) and the CLI (through REST)
// are its clients, so they all validate alike and all leave the same audit trail.
import { createAuditLog, type AuditLog } from './audit.js';
import { clientService, type ClientService } from './clients.js';
import { consentService, type ConsentService } from './consents.js';
import type { ServiceDeps } from './deps.js';
import { environmentScopeService, type EnvironmentScopeService } from './environment-scopes.js';
import { keyService, type KeyService } from './keys.js';
import { organizationService, type OrganizationService } from './organizations.js';
import { registrationService, type RegistrationService } from './registration.js';
import { passkeyService, type PasskeyService } from './passkeys.js';
import { resourceService, type ResourceService } from './resources.js';
import { testUserService, type TestUserService } from './test-users.js';
import { trustedIdentityProviderService, type TrustedIdentityProviderService } from './trusted-identity-providers.js';
import { userService, type UserService } from './users.js';

export interface ManagementService {
  organizations: OrganizationService;
  clients: ClientService;
  /** Dynamic client registration (RFC 7591) of MCP servers' clients. */
  registration: RegistrationService;
  consents: ConsentService;
  /** Scalekit's environment-level scopes: what the environment's own clients may hold. */
  scopes: EnvironmentScopeService;
  resources: ResourceService;
  users: UserService;
  /** The environment's allow-list of test users (static code, no email). */
  testUsers: TestUserService;
  /** People's passkeys (Scalekit's WebAuthnService). */
  passkeys: PasskeyService;
  /** Identity providers besides the environment whose ID-JAGs the MCP servers accept. */
  trustedIdentityProviders: TrustedIdentityProviderService;
  keys: KeyService;
  audit: AuditLog;
  /** The environment URL, for the protected-resource metadata JSON ('' before the server listens). */
  issuer(): string;
  /**
   * Runs `fn` in one store transaction with the service bound to it: all of its changes land, or none
   * (and none is logged).
   */
  transaction<T>(fn: (service: ManagementService) => Promise<T>): Promise<T>;
}

export function createManagementService(deps: ServiceDeps): ManagementService {
  const audit = createAuditLog(deps.store, deps.clock, deps.log);
  const scopes = environmentScopeService(deps, audit);
  return {
    organizations: organizationService(deps, audit),
    clients: clientService(deps, audit, scopes),
    scopes,
    registration: registrationService(deps, audit),
    consents: consentService(deps, audit),
    resources: resourceService(deps, audit),
    users: userService(deps, audit),
    testUsers: testUserService(deps, audit),
    passkeys: passkeyService(deps, audit),
    trustedIdentityProviders: trustedIdentityProviderService(deps, audit),
    keys: keyService(deps, audit),
    audit,
    issuer: () => deps.issuer?.() ?? '',
    transaction: (fn) => audit.transaction((tx) => fn(createManagementService({ ...deps, store: tx }))),
  };
}

export type { Caller } from './audit.js';
