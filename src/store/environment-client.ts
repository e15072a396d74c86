// The environment's own API client (skc_<digits>): the credentials Scalekit SDKs are constructed with.
// Given by configuration, or generated on first start and kept; its secret is shown only when created.
import type { Repositories } from './index.js';

export interface EnvironmentClientResult {
  clientId: string;
  /** Present only when this start generated the secret. */
  createdSecret?: string;
  /** The environment client this one replaced (another SCALEKIT_CLIENT_ID on the same data): removed, with its secrets. */
  replaced?: string;
}

// Scalekit's environment API tokens: scope "openid", valid 86399 s.
const ENVIRONMENT_CLIENT = { scopes: ['openid'], expiry: 86399 };

export function ensureEnvironmentClient(
  store: Repositories,
  configured?: { clientId: string; clientSecret: string },
): Promise<EnvironmentClientResult> {
  return store.transaction(async (tx) => {
    const existing = await tx.clients.listByKind('environment');
    const clientId = configured?.clientId ?? existing[0]?.clientId ?? tx.ids.newId('environmentClient');
    const replaced = existing.find((other) => other.clientId !== clientId)?.clientId;
    for (const other of existing) if (other.clientId !== clientId) await tx.clients.remove(other.clientId);
    // What the seed (redirect URIs) or the management API (UpdateClient) set stays.
    const kept = await tx.clients.get(clientId);
    await tx.clients.upsert({
      clientId,
      kind: 'environment',
      name: kept?.name ?? 'Environment API client',
      description: '',
      scopes: kept?.scopes ?? ENVIRONMENT_CLIENT.scopes,
      audience: [],
      customClaims: kept?.customClaims ?? [],
      expiry: kept?.expiry ?? ENVIRONMENT_CLIENT.expiry,
      redirectUris: kept?.redirectUris ?? [],
      metadata: kept?.metadata ?? {},
    });
    if (configured) {
      await tx.secrets.replaceAll(clientId, configured.clientSecret);
      return { clientId, ...(replaced ? { replaced } : {}) };
    }
    if ((await tx.secrets.list(clientId)).length > 0) return { clientId };
    return { clientId, createdSecret: (await tx.secrets.create(clientId)).plainSecret };
  });
}
