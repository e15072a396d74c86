// Passkeys as the management API sees them (Scalekit's WebAuthnService: list a user's credentials,
// rename one, delete one): what a person registered after signing in, public keys only. Registering is
// the login pages' (after the ceremony is verified there); every change is audited.
import type { Repositories } from '../store/index.js';
import type { NewPasskey, Passkey } from '../store/passkeys.js';
import type { AuditLog, Caller } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { InvalidArgument, NotFound } from './errors.js';
import { passkeyNameInput, validate } from './validation.js';

export type { Passkey } from '../store/passkeys.js';

export interface PasskeyService {
  /** A user's passkeys, oldest first. */
  list(userId: string): Promise<Passkey[]>;
  get(id: string): Promise<Passkey>;
  /** Keeps a passkey whose registration the login page verified. */
  register(caller: Caller, passkey: NewPasskey): Promise<Passkey>;
  rename(caller: Caller, id: string, displayName: string): Promise<Passkey>;
  /** It signs no one in from now on. */
  remove(caller: Caller, id: string): Promise<Passkey>;
}

export function passkeyService({ store }: ServiceDeps, audit: AuditLog): PasskeyService {
  const get = async (repos: Repositories, id: string): Promise<Passkey> => {
    if (!id) throw InvalidArgument.field('credential_id', 'is required');
    const passkey = await repos.passkeys.get(id);
    if (!passkey) throw new NotFound('credential', id);
    return passkey;
  };
  const changed = (tx: Repositories, caller: Caller, type: string, p: Passkey) =>
    audit.record(tx, caller, { type, targetId: p.id, details: { user_id: p.userId, display_name: p.displayName } });

  return {
    async list(userId) {
      if (!userId) throw InvalidArgument.field('user_id', 'is required');
      if (!(await store.users.get(userId))) throw new NotFound('user', userId);
      return store.passkeys.listByUser(userId);
    },
    get: (id) => get(store, id),
    register: (caller, input) =>
      audit.transaction(async (tx) => {
        const passkey = await tx.passkeys.create(input);
        await changed(tx, caller, 'passkey.registered', passkey);
        return passkey;
      }),
    rename: (caller, id, displayName) =>
      audit.transaction(async (tx) => {
        const name = validate(passkeyNameInput, displayName, 'display_name');
        const passkey = await get(tx, id);
        if (!(await tx.passkeys.rename(passkey.id, name))) return passkey;
        const renamed = await get(tx, id);
        await changed(tx, caller, 'passkey.updated', renamed);
        return renamed;
      }),
    remove: (caller, id) =>
      audit.transaction(async (tx) => {
        const passkey = await get(tx, id);
        await tx.passkeys.remove(passkey.id);
        await changed(tx, caller, 'passkey.removed', passkey);
        return passkey;
      }),
  };
}
