// Applies a seed: upserts by id in one transaction, never duplicates, never deletes what is not in
// the seed. Secrets it creates are returned so the caller can show them once.
import type { Seed } from '../config/seed.js';
import type { Store } from './index.js';

export interface SeedResult {
  changed: number;
  /** Secrets created by this run (a seeded client with no secret gets a random one, once). */
  createdSecrets: { clientId: string; plainSecret: string; secretId: string }[];
}

export function applySeed(store: Store, seed: Seed): SeedResult {
  return store.transaction(() => {
    const result: SeedResult = { changed: 0, createdSecrets: [] };
    const count = (changed: boolean) => {
      if (changed) result.changed++;
    };
    for (const o of seed.organizations) count(store.organizations.upsert({ id: o.id, displayName: o.display_name }));
    for (const r of seed.resources) {
      count(
        store.resources.upsert({
          id: r.id,
          name: r.name,
          description: r.description,
          resourceType: r.resource_type,
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
      count(
        store.clients.upsert({
          clientId: c.client_id,
          kind: 'organization',
          organizationId: c.organization_id,
          name: c.name,
          description: c.description,
          scopes: c.scopes,
          audience: c.audience,
          customClaims: c.custom_claims,
          expiry: c.expiry,
          redirectUris: [],
        }),
      );
      const created = c.plain_secret
        ? store.secrets.ensure(c.client_id, c.plain_secret)
        : store.secrets.list(c.client_id).length === 0
          ? store.secrets.create(c.client_id)
          : undefined;
      if (created) {
        result.changed++;
        if (!c.plain_secret) {
          result.createdSecrets.push({ clientId: c.client_id, plainSecret: created.plainSecret, secretId: created.secret.id });
        }
      }
    }
    for (const u of seed.users) {
      count(
        store.users.upsert({
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
