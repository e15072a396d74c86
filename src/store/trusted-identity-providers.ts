// The identity providers, besides the environment itself, whose ID-JAGs the environment's MCP servers
// accept (draft-ietf-oauth-identity-assertion-authz-grant): an issuer and where its keys are.
import type { Db } from './database.js';
import { isoNow, type Clock } from './time.js';

export interface TrustedIdentityProvider {
  issuer: string;
  jwksUri: string;
  createTime: string;
}

export interface TrustedIdentityProviderRepository {
  /** By issuer. */
  list(): TrustedIdentityProvider[];
  get(issuer: string): TrustedIdentityProvider | undefined;
  /** Replaces the list (a provider kept keeps its create time); true when it changed. */
  replace(providers: { issuer: string; jwksUri: string }[]): boolean;
}

interface Row {
  issuer: string;
  jwks_uri: string;
  create_time: string;
}

export function sqliteTrustedIdentityProviders(db: Db, clock: Clock): TrustedIdentityProviderRepository {
  const all = db.prepare<[], Row>('SELECT * FROM trusted_identity_providers ORDER BY issuer');
  const one = db.prepare<[string], Row>('SELECT * FROM trusted_identity_providers WHERE issuer = ?');
  const remove = db.prepare<[string]>('DELETE FROM trusted_identity_providers WHERE issuer = ?');
  const upsert = db.prepare(
    `INSERT INTO trusted_identity_providers (issuer, jwks_uri, create_time) VALUES (?, ?, ?)
     ON CONFLICT (issuer) DO UPDATE SET jwks_uri = excluded.jwks_uri`,
  );
  const toProvider = (r: Row): TrustedIdentityProvider => ({ issuer: r.issuer, jwksUri: r.jwks_uri, createTime: r.create_time });
  const list = () => all.all().map(toProvider);
  const replace = db.transaction((providers: { issuer: string; jwksUri: string }[]): boolean => {
    const before = JSON.stringify(list().map(({ issuer, jwksUri }) => ({ issuer, jwksUri })));
    const kept = new Set(providers.map((p) => p.issuer));
    for (const p of list()) if (!kept.has(p.issuer)) remove.run(p.issuer);
    const now = isoNow(clock);
    for (const p of providers) upsert.run(p.issuer, p.jwksUri, now);
    return JSON.stringify(list().map(({ issuer, jwksUri }) => ({ issuer, jwksUri }))) !== before;
  });
  return {
    list,
    get: (issuer) => {
      const row = one.get(issuer);
      return row && toProvider(row);
    },
    replace,
  };
}
