// oidc-provider's storage, on SQLite: one adapter per model name, namespaced by issuer.
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import type { OidcPayloadRepository } from '../store/oidc-payloads.js';

export function sqliteAdapterFactory(repo: OidcPayloadRepository, ns: string, clock: () => number): AdapterFactory {
  const nowSeconds = () => Math.floor(clock() / 1000);
  return (model: string): Adapter => ({
    async upsert(id, payload, expiresIn) {
      repo.upsert(ns, model, id, payload as Record<string, unknown>, expiresIn ? nowSeconds() + expiresIn : null);
    },
    async find(id) {
      return repo.find(ns, model, id, nowSeconds()) as AdapterPayload | undefined;
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
  });
}
