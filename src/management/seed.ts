// Applies a seed through the management service, in one transaction: upserts by id, never duplicates,
// never deletes what is not in the seed. The seed is checked by its schema (config/seed.ts) and then by
// the same rules as the API. Secrets it creates are returned so the caller can show them once.
import type { Seed } from '../config/seed.js';
import type { Caller, ManagementService } from './service.js';

export interface SeedResult {
  changed: number;
  /** Secrets created by this run (a seeded client with no secret gets a random one, once). */
  createdSecrets: { clientId: string; plainSecret: string; secretId: string }[];
}

export const SEED_CALLER: Caller = { actor: 'seed' };

export function applySeed(service: ManagementService, seed: Seed): SeedResult {
  return service.transaction(() => {
    const result: SeedResult = { changed: 0, createdSecrets: [] };
    const count = (changed: boolean) => {
      if (changed) result.changed++;
    };
    for (const o of seed.organizations) count(service.organizations.put(SEED_CALLER, { id: o.id, displayName: o.display_name }));
    for (const r of seed.resources) {
      count(
        service.resources.put(SEED_CALLER, {
          id: r.id,
          name: r.name,
          description: r.description,
          serverUrl: r.resource_id,
          accessTokenExpiry: r.access_token_expiry,
          refreshTokenExpiry: r.refresh_token_expiry,
          disableDynamicClientRegistration: r.disable_dynamic_client_registration,
          enableCimd: r.enable_cimd,
          scopes: r.scopes.map((s) => ({ name: s.name, description: s.description, enabled: true })),
        }),
      );
    }
    for (const c of seed.clients) {
      const { changed, createdSecret } = service.clients.putOrganizationClient(
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
      );
      count(changed);
      if (createdSecret) {
        result.changed++;
        if (!c.plain_secret) {
          result.createdSecrets.push({ clientId: c.client_id, plainSecret: createdSecret.plainSecret, secretId: createdSecret.secret.id });
        }
      }
    }
    for (const u of seed.users) {
      count(
        service.users.put(SEED_CALLER, {
          id: u.id,
          email: u.email,
          name: u.name,
          ...(u.organization_id ? { organizationId: u.organization_id } : {}),
          ...(u.password !== undefined ? { password: u.password } : {}),
        }),
      );
    }
    return result;
  });
}
