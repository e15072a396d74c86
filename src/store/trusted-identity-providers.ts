// The identity providers, besides the environment itself, whose ID-JAGs the environment's MCP servers
// accept (draft-ietf-oauth-identity-assertion-authz-grant): an issuer and where its keys are. Read from
// the database at each ID-JAG (nothing kept in memory), so every replica sees a change at once.
import type { Scope } from './scope.js';
import { isoNow, type Clock } from './time.js';

export interface TrustedIdentityProvider {
  issuer: string;
  jwksUri: string;
  createTime: string;
}

export interface TrustedIdentityProviderRepository {
  /** By issuer. */
  list(): Promise<TrustedIdentityProvider[]>;
  get(issuer: string): Promise<TrustedIdentityProvider | undefined>;
  /** Replaces the list (a provider kept keeps its create time); true when it changed. */
  replace(providers: { issuer: string; jwksUri: string }[]): Promise<boolean>;
}

interface Row {
  issuer: string;
  jwks_uri: string;
  create_time: string;
}

const LIST = 'SELECT * FROM trusted_identity_providers ORDER BY issuer';
const GET = 'SELECT * FROM trusted_identity_providers WHERE issuer = ?';
const REMOVE = 'DELETE FROM trusted_identity_providers WHERE issuer = ?';
const UPSERT = `INSERT INTO trusted_identity_providers (issuer, jwks_uri, create_time) VALUES (?, ?, ?)
  ON CONFLICT (issuer) DO UPDATE SET jwks_uri = excluded.jwks_uri`;

const toProvider = (r: Row): TrustedIdentityProvider => ({ issuer: r.issuer, jwksUri: r.jwks_uri, createTime: r.create_time });

export function trustedIdentityProviderRepository(scope: Scope, clock: Clock): TrustedIdentityProviderRepository {
  const list = async (sql: Scope['sql']) => (await sql.all<Row>(LIST)).map(toProvider);
  const settings = (providers: TrustedIdentityProvider[]) => JSON.stringify(providers.map(({ issuer, jwksUri }) => ({ issuer, jwksUri })));
  return {
    list: () => list(scope.sql),
    get: async (issuer) => {
      const row = await scope.sql.get<Row>(GET, [issuer]);
      return row && toProvider(row);
    },
    replace: (providers) =>
      scope.atomic(async ({ sql }) => {
        const existing = await list(sql);
        const kept = new Set(providers.map((p) => p.issuer));
        for (const p of existing) if (!kept.has(p.issuer)) await sql.run(REMOVE, [p.issuer]);
        const now = isoNow(clock);
        for (const p of providers) await sql.run(UPSERT, [p.issuer, p.jwksUri, now]);
        return settings(await list(sql)) !== settings(existing);
      }),
  };
}
