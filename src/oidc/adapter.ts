// oidc-provider's storage, in the store (SQLite or PostgreSQL): one adapter per model name, namespaced
// by issuer. Clients are not stored here: the provider reads them from the clients tables, through
// `findClient`. A code or a refresh token is used once across every replica: the first consume wins,
// and a request that lost the race is answered invalid_grant (a code's grant ends, as for a replay).
import { errors, type Adapter, type AdapterFactory, type AdapterPayload, type ClientMetadata } from 'oidc-provider';
import type { Store } from '../store/index.js';
import { endGrant } from './grants.js';
import { emulatorClockOffset } from './id-token-clock.js';

export type ClientFinder = (clientId: string) => Promise<ClientMetadata | undefined>;

export interface AdapterInput {
  store: Store;
  /** The issuer's namespace in oidc_payloads: 'env' or the res_ id. */
  ns: string;
  clock: () => number;
  findClient: ClientFinder;
  /** The refresh token the request being served has just rotated out, if any (from the provider's request context). */
  rotatedRefreshToken: () => string | undefined;
  /** Hears of every authorization code stored, by its client (a used client is not pruned). */
  codeIssued?: (clientId: string) => Promise<void>;
}

// oidc-provider tells an expired device code (expired_token) from an unknown one by the code's own `exp`,
// read on the real clock: a device code's `exp` is kept on the emulator's clock and handed back on the
// real one, so a moved fixture clock expires it as it does every other row. Its row outlives that a
// while, so a late poll hears expired_token rather than invalid_grant.
const DEVICE_CODE = 'DeviceCode';
const DEVICE_CODE_KEPT_SECONDS = 3600;

export function sqliteAdapterFactory(input: AdapterInput): AdapterFactory {
  const { store, ns, clock, findClient, rotatedRefreshToken, codeIssued = async () => undefined } = input;
  const repo = store.oidcPayloads;
  const nowSeconds = () => Math.floor(clock() / 1000);
  return (model: string): Adapter => {
    if (model === 'Client') return clientAdapter(findClient);
    const deviceCode = model === DEVICE_CODE;
    const shiftExp = (payload: AdapterPayload | undefined, by: number): AdapterPayload | undefined =>
      deviceCode && payload && typeof payload.exp === 'number' ? { ...payload, exp: payload.exp + by } : payload;
    return {
      async upsert(id, given, expiresIn) {
        const payload = shiftExp(given, emulatorClockOffset(clock))!;
        const expiresAt = deviceCode ? nowSeconds() + Math.max(expiresIn ?? 0, 0) + DEVICE_CODE_KEPT_SECONDS : expiresIn ? nowSeconds() + expiresIn : null;
        const replaced = model === 'RefreshToken' ? rotatedRefreshToken() : undefined;
        // A rotation's new refresh token is linked to the one it replaced (refresh-rotation.ts).
        if (replaced !== undefined && replaced !== id) await repo.upsertSuccessor(ns, model, replaced, id, payload as Record<string, unknown>, expiresAt);
        else await repo.upsert(ns, model, id, payload as Record<string, unknown>, expiresAt);
        if (model === 'AuthorizationCode' && typeof payload.clientId === 'string') await codeIssued(payload.clientId);
      },
      async find(id) {
        return shiftExp((await repo.find(ns, model, id, nowSeconds())) as AdapterPayload | undefined, -emulatorClockOffset(clock));
      },
      async findByUid(uid) {
        return (await repo.findByUid(ns, model, uid, nowSeconds())) as AdapterPayload | undefined;
      },
      async findByUserCode(userCode) {
        return shiftExp((await repo.findByUserCode(ns, model, userCode, nowSeconds())) as AdapterPayload | undefined, -emulatorClockOffset(clock));
      },
      async consume(id) {
        if (await repo.consume(ns, model, id, nowSeconds())) return;
        // Another request (perhaps on another replica) used it between the provider's read and now.
        if (model === 'AuthorizationCode') {
          const code = await repo.find(ns, model, id, nowSeconds());
          if (typeof code?.grantId === 'string') await endGrant(store, ns, code.grantId, nowSeconds());
          throw new errors.InvalidGrant('authorization code already consumed');
        }
        if (model === 'RefreshToken') throw new errors.InvalidGrant('refresh token already used');
      },
      async destroy(id) {
        await repo.destroy(ns, model, id);
      },
      // The provider ends a grant this way on a replayed code, a reused refresh token and a logout: the
      // whole grant ends, the access tokens it issued (our JWTs, never stored here) included.
      async revokeByGrantId(grantId) {
        await endGrant(store, ns, grantId, nowSeconds());
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
