// Signing keys: list them with their state, rotate. A rotation publishes the next key in /keys at once
// and switches signing to it after a delay (time for MCP servers to fetch it: the Scalekit SDKs cache
// /keys for good); the old key stays published until every token it may have signed has expired.
import { rotateSigningKey } from '../oidc/signing-keys.js';
import type { AuditLog, Caller } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { FailedPrecondition, InvalidArgument } from './errors.js';

export type KeyState = 'next' | 'current' | 'previous' | 'retired';

export interface KeyInfo {
  kid: string;
  state: KeyState;
  createTime: string;
  /** Signs from then on. */
  activateTime: string;
  /** Leaves /keys then. */
  retireTime?: string;
}

export interface KeyService {
  list(): Promise<KeyInfo[]>;
  rotate(caller: Caller, options: { switchAfterSeconds: number }): Promise<{ kid: string; activateTime: string; retireTime: string }>;
}

const MAX_SWITCH_DELAY = 30 * 86400;
const ENVIRONMENT_TOKEN_LIFETIME = 86399;

export function keyService({ store, clock, keys }: ServiceDeps, audit: AuditLog): KeyService {
  // The longest any token of this environment can live: until then an old key must stay published.
  const longestTokenLifetime = async () =>
    Math.max(
      ENVIRONMENT_TOKEN_LIFETIME,
      ...(await store.clients.listByKind('organization')).map((c) => c.expiry),
      ...(await store.clients.listByKind('resource')).map((c) => c.expiry),
      ...(await store.clients.listByKind('environment')).map((c) => c.expiry),
      ...(await store.resources.list()).map((r) => r.accessTokenExpiry),
    );

  return {
    async list() {
      const now = clock();
      const signing = keys?.current.kid;
      return (await store.signingKeys.list()).map((k) => {
        const activateTime = k.activateTime ?? k.createTime;
        const state: KeyState =
          k.kid === signing
            ? 'current'
            : k.retireTime && Date.parse(k.retireTime) <= now
              ? 'retired'
              : k.activateTime && Date.parse(k.activateTime) > now
                ? 'next'
                : 'previous';
        return { kid: k.kid, state, createTime: k.createTime, activateTime, ...(k.retireTime ? { retireTime: k.retireTime } : {}) };
      });
    },
    async rotate(caller, { switchAfterSeconds }) {
      if (!keys) throw new FailedPrecondition('this service has no signing keys to rotate');
      if (!Number.isInteger(switchAfterSeconds) || switchAfterSeconds < 0 || switchAfterSeconds > MAX_SWITCH_DELAY) {
        throw InvalidArgument.field('switch_after_seconds', `must be a whole number of seconds from 0 to ${MAX_SWITCH_DELAY}`);
      }
      const activate = clock() + switchAfterSeconds * 1000;
      const at = {
        activateTime: new Date(activate).toISOString(),
        retireTime: new Date(activate + (await longestTokenLifetime()) * 1000).toISOString(),
      };
      const kid = await rotateSigningKey(store.signingKeys, keys, at, store.ids);
      await audit.record(store, caller, { type: 'signing_key.rotated', targetId: kid, details: { activate_time: at.activateTime, previous_keys_retire_time: at.retireTime } });
      return { kid, ...at };
    },
  };
}
