// Applies a seed through the management service, in one transaction: upserts by id, never duplicates,
// never deletes what is not in the seed. The seed is checked by its schema (config/seed.ts), then by
// the same rules as the API; a break names the seed entry and applies nothing. Secrets it creates are
// returned so the caller can show them once.
import { DEFAULT_USER_PASSWORD_HASH, SeedError, type Seed } from '../config/seed.js';
import { ManagementError } from './errors.js';
import { defaultTokenIssuer } from './resources.js';
import type { Caller, ManagementService } from './service.js';

export interface SeedResult {
  changed: number;
  /** Secrets created by this run (a seeded client with no secret gets a random one, once). */
  createdSecrets: { clientId: string; plainSecret: string; secretId: string }[];
}

/** The seed is the actor of its changes in the audit log, and owns the secrets it set. */
export const SEED_CALLER: Caller = { actor: 'seed' };

/** `defaultPassword`: a user seeded without a password gets the documented one (default); else none. */
export function applySeed(root: ManagementService, seed: Seed, source = '(seed)', options: { defaultPassword?: boolean } = {}): Promise<SeedResult> {
  const defaultPassword = options.defaultPassword ?? true;
  const entry = async <T>(path: string, apply: () => Promise<T>): Promise<T> => {
    try {
      return await apply();
    } catch (err) {
      if (err instanceof ManagementError) throw new SeedError(source, [`${path}: ${err.message}`]);
      throw err;
    }
  };

  return root.transaction(async (service) => {
    const result: SeedResult = { changed: 0, createdSecrets: [] };
    const count = (changed: boolean) => {
      if (changed) result.changed++;
    };
    if (seed.environment) {
      const { redirect_uris: redirectUris, post_logout_redirect_uris: postLogoutRedirectUris } = seed.environment;
      count(await entry('environment', () => service.clients.putEnvironmentRedirects(SEED_CALLER, { redirectUris, postLogoutRedirectUris })));
    }
    for (const [i, o] of seed.organizations.entries()) {
      count(await entry(`organizations.${i}`, () => service.organizations.put(SEED_CALLER, { id: o.id, displayName: o.display_name })));
    }
    for (const [i, r] of seed.resources.entries()) {
      count(
        await entry(`resources.${i}`, () =>
          service.resources.put(SEED_CALLER, {
            id: r.id,
            name: r.name,
            description: r.description,
            serverUrl: r.resource_id,
            accessTokenExpiry: r.access_token_expiry,
            refreshTokenExpiry: r.refresh_token_expiry,
            disableDynamicClientRegistration: r.disable_dynamic_client_registration,
            enableCimd: r.enable_cimd,
            enableDeviceFlow: r.enable_device_flow,
            // A seed says the whole server: a setting it leaves out takes its default.
            tokenIssuer: r.token_issuer ?? defaultTokenIssuer(r.token_profile),
            tokenProfile: r.token_profile,
            xaaEnabled: r.xaa_enabled,
            scopes: r.scopes.map((s) => ({ name: s.name, description: s.description, enabled: true })),
          }),
        ),
      );
    }
    // Once every server of the seed exists, whose tokens each one takes in an exchange (none when left out).
    for (const [i, r] of seed.resources.entries()) {
      count(
        await entry(`resources.${i}.token_exchange`, () =>
          service.resources.put(SEED_CALLER, { id: r.id, tokenExchange: { acceptFrom: r.token_exchange?.accept_from ?? [] } }),
        ),
      );
    }
    for (const [i, c] of seed.clients.entries()) {
      const { changed, createdSecret } = await entry(`clients.${i}`, () =>
        service.clients.putOrganizationClient(
          SEED_CALLER,
          {
            clientId: c.client_id,
            organizationId: c.organization_id,
            name: c.name,
            description: c.description,
            scopes: c.scopes,
            audience: c.audience,
            customClaims: c.custom_claims,
            expiry: c.expiry,
          },
          c.plain_secret,
        ),
      );
      count(changed);
      if (createdSecret) {
        result.changed++;
        if (!c.plain_secret) {
          result.createdSecrets.push({ clientId: c.client_id, plainSecret: createdSecret.plainSecret, secretId: createdSecret.secret.id });
        }
      }
    }
    for (const [i, u] of seed.users.entries()) {
      count(
        await entry(`users.${i}`, () =>
          service.users.put(SEED_CALLER, {
            id: u.id,
            email: u.email,
            name: u.name,
            ...(u.organization_id ? { organizationId: u.organization_id } : {}),
            // Seeded without a password: the documented default one, when the user is created (a shortcut:
            // anyone who reads the README knows it; off, such a user signs in by email code).
            ...(u.password !== undefined ? { password: u.password } : defaultPassword ? { initialPasswordHash: DEFAULT_USER_PASSWORD_HASH } : {}),
          }),
        ),
      );
    }
    if (seed.trusted_identity_providers) {
      const providers = seed.trusted_identity_providers.map((p) => ({ issuer: p.issuer, jwksUri: p.jwks_uri }));
      const before = JSON.stringify(await service.trustedIdentityProviders.list());
      const after = await entry('trusted_identity_providers', () => service.trustedIdentityProviders.replace(SEED_CALLER, providers));
      count(JSON.stringify(after) !== before);
    }
    if (seed.test_users) {
      const { enabled, emails, static_code: staticCode } = seed.test_users;
      const before = await service.testUsers.get();
      const after = await entry('test_users', () => service.testUsers.update(SEED_CALLER, { enabled, emails, staticCode }));
      count(JSON.stringify(before) !== JSON.stringify(after));
    }
    return result;
  });
}
