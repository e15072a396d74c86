// oidc-provider's storage, on SQLite: one adapter per model name, namespaced by issuer. Clients are not
// stored here: the provider reads them from the clients tables, through `findClient`.
import type { Adapter, AdapterFactory, AdapterPayload, ClientMetadata } from 'oidc-provider';
import type { OidcPayloadRepository } from '../store/oidc-payloads.js';

export type ClientFinder = (clientId: string) => Promise<ClientMetadata | undefined>;

/**
 * A rotated refresh token still works this long after its first use, so a client that lost the
 * response (a dropped connection) can retry instead of losing the grant to reuse detection.
 */
export const REFRESH_GRACE_SECONDS = 30;

/** A refresh token consumed at `consumed` (epoch s) is still usable at `now`. */
export const withinRefreshGrace = (consumed: unknown, now: number) => now - Number(consumed) <= REFRESH_GRACE_SECONDS;

/** `codeIssued` hears of every authorization code stored, by its client (a used client is not pruned). */
export function sqliteAdapterFactory(
  repo: OidcPayloadRepository,
  ns: string,
  clock: () => number,
  findClient: ClientFinder,
  codeIssued: (clientId: string) => void = () => undefined,
): AdapterFactory {
  const nowSeconds = () => Math.floor(clock() / 1000);
  return (model: string): Adapter => {
    if (model === 'Client') return clientAdapter(findClient);
    return {
      async upsert(id, payload, expiresIn) {
        repo.upsert(ns, model, id, payload as Record<string, unknown>, expiresIn ? nowSeconds() + expiresIn : null);
        if (model === 'AuthorizationCode' && typeof payload.clientId === 'string') codeIssued(payload.clientId);
      },
      async find(id) {
        const payload = repo.find(ns, model, id, nowSeconds()) as AdapterPayload | undefined;
        if (model === 'RefreshToken' && payload?.consumed !== undefined && withinRefreshGrace(payload.consumed, nowSeconds())) {
          const { consumed: _inGrace, ...usable } = payload;
          return usable;
        }
        return payload;
      },
      async findByUid(uid) {
        return repo.findByUid(ns, model, uid, nowSeconds()) as AdapterPayload | undefined;
      },
      async findByUserCode(userCode) {
        return repo.findByUserCode(ns, model, userCode, nowSeconds()) as AdapterPayload | undefined;
      },
      async consume(id) {
        repo.consume(ns, model, id, nowSeconds());
      },
      async destroy(id) {
        repo.destroy(ns, model, id);
      },
      async revokeByGrantId(grantId) {
        repo.revokeByGrantId(ns, grantId);
      },
    };
  };
}

// Clients are written by the management service (and DCR through it), never by the provider.
function clientAdapter(findClient: ClientFinder): Adapter {
  const readOnly = async () => {
    throw new Error('clients are managed by the management service, not by oidc-provider');
  };
  return {
    find: async (id) => (await findClient(id)) as AdapterPayload | undefined,
    upsert: readOnly,
    destroy: readOnly,
    consume: readOnly,
    revokeByGrantId: readOnly,
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
  };
}
