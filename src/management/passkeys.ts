// Passkeys as the management API sees them (Scalekit's WebAuthnService: list a user's credentials,
// rename one, delete one): what a person registered after signing in, public keys only. Registering is
// the login pages' (after the ceremony is verified there); every change is audited.
import type { NewPasskey, Passkey } from '../store/passkeys.js';
import type { AuditLog, Caller } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { InvalidArgument, NotFound } from './errors.js';
import { passkeyNameInput, validate } from './validation.js';

export type { Passkey } from '../store/passkeys.js';

export interface PasskeyService {
  /** A user's passkeys, oldest first. */
  list(userId: string): Passkey[];
  get(id: string): Passkey;
  /** Keeps a passkey whose registration the login page verified. */
  register(caller: Caller, passkey: NewPasskey): Passkey;
  rename(caller: Caller, id: string, displayName: string): Passkey;
  /** It signs no one in from now on. */
  remove(caller: Caller, id: string): Passkey;
}

export function passkeyService({ store }: ServiceDeps, audit: AuditLog): PasskeyService {
  const get = (id: string): Passkey => {
    if (!id) throw InvalidArgument.field('credential_id', 'is required');
    const passkey = store.passkeys.get(id);
    if (!passkey) throw new NotFound('credential', id);
    return passkey;
  };
  const changed = (caller: Caller, type: string, p: Passkey) =>
    audit.record(caller, { type, targetId: p.id, details: { user_id: p.userId, display_name: p.displayName } });

  return {
    list(userId) {
      if (!userId) throw InvalidArgument.field('user_id', 'is required');
      if (!store.users.get(userId)) throw new NotFound('user', userId);
      return store.passkeys.listByUser(userId);
    },
    get,
    register: (caller, input) =>
      audit.transaction(() => {
        const passkey = store.passkeys.create(input);
        changed(caller, 'passkey.registered', passkey);
        return passkey;
      }),
    rename: (caller, id, displayName) =>
      audit.transaction(() => {
        const name = validate(passkeyNameInput, displayName, 'display_name');
        const passkey = get(id);
        if (!store.passkeys.rename(passkey.id, name)) return passkey;
        const renamed = get(id);
        changed(caller, 'passkey.updated', renamed);
        return renamed;
      }),
    remove: (caller, id) =>
      audit.transaction(() => {
        const passkey = get(id);
        store.passkeys.remove(passkey.id);
        changed(caller, 'passkey.removed', passkey);
        return passkey;
      }),
  };
}
