// Scalekit's environment-level scopes (CreateScope, ListScopes, UpdateScope, DeleteScope; deprecated
// there in favour of permissions). Here they are what Scalekit's CreateClient says they are: the scopes
// the environment's own API clients may be given ("a subset of the scopes available in the
// environment"). MCP servers keep their own scopes and organization clients theirs: neither is governed
// by this list. The OpenID Connect scopes are system-managed: listed, never created, changed or deleted.
import { OIDC_SCOPE_DESCRIPTIONS, OIDC_SCOPES } from '../oidc/scopes.js';
import type { EnvironmentScope } from '../store/environment-scopes.js';
import type { AuditLog, Caller } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { AlreadyExists, FailedPrecondition, InvalidArgument, NotFound } from './errors.js';

export interface ScopeView {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  /** An OpenID Connect scope every issuer knows. */
  system: boolean;
}

export interface EnvironmentScopeService {
  /** The system scopes, then the environment's own, oldest first. */
  list(): Promise<ScopeView[]>;
  create(caller: Caller, fields: { name: string; description: string }): Promise<ScopeView>;
  update(caller: Caller, id: string, patch: { description?: string; enabled?: boolean }): Promise<ScopeView>;
  delete(caller: Caller, id: string): Promise<void>;
  /** Throws INVALID_ARGUMENT naming `field[i]` for a scope an environment client may not hold. */
  checkAssignable(scopes: string[], field: string): Promise<void>;
}

// Scalekit's CreateScope.name rule (buf.validate in its proto); OIDC's own scopes and its claims'
// scopes (address, phone) are reserved.
const NAME = /^[a-zA-Z0-9:]{1,64}$/;
const RESERVED: ReadonlySet<string> = new Set([...OIDC_SCOPES, 'address', 'phone']);
const MAX_DESCRIPTION = 512;

export function environmentScopeService({ store }: ServiceDeps, audit: AuditLog): EnvironmentScopeService {
  // The system scopes have stable ids of the same shape, so a list reads alike and an update names them.
  const system: ScopeView[] = OIDC_SCOPES.map((name) => ({
    id: store.ids.derivedId('scope', `system scope ${name}`),
    name,
    description: OIDC_SCOPE_DESCRIPTIONS[name],
    enabled: true,
    system: true,
  }));
  const view = (s: EnvironmentScope): ScopeView => ({ id: s.id, name: s.name, description: s.description, enabled: s.enabled, system: false });

  const find = async (id: string): Promise<EnvironmentScope> => {
    if (!id) throw InvalidArgument.field('id', 'is required');
    if (system.some((s) => s.id === id)) throw new FailedPrecondition(`scope ${id} is a system-managed OpenID Connect scope`);
    const scope = await store.environmentScopes.get(id);
    if (!scope) throw new NotFound('scope', id);
    return scope;
  };
  const checkDescription = (description: string) => {
    if (description.length > MAX_DESCRIPTION) throw InvalidArgument.field('scope.description', `must be at most ${MAX_DESCRIPTION} characters`);
  };

  return {
    list: async () => [...system, ...(await store.environmentScopes.list()).map(view)],

    async create(caller, { name, description }) {
      if (!NAME.test(name)) throw InvalidArgument.field('scope.name', 'must be 1 to 64 letters, digits or colons');
      if (RESERVED.has(name)) throw InvalidArgument.field('scope.name', `${name} is a reserved OpenID Connect scope`);
      checkDescription(description);
      return audit.transaction(async (tx) => {
        if (await tx.environmentScopes.findByName(name)) throw new AlreadyExists(`scope ${name} already exists`);
        const id = tx.ids.newId('scope');
        await tx.environmentScopes.upsert({ id, name, description, enabled: true });
        await audit.record(tx, caller, { type: 'scope.created', targetId: id, details: { name } });
        return view((await tx.environmentScopes.get(id))!);
      });
    },

    async update(caller, id, patch) {
      const scope = await find(id);
      if (patch.description !== undefined) checkDescription(patch.description);
      await audit.transaction(async (tx) => {
        const changed = await tx.environmentScopes.upsert({
          ...scope,
          description: patch.description ?? scope.description,
          enabled: patch.enabled ?? scope.enabled,
        });
        const fields = Object.keys(patch).filter((k) => patch[k as keyof typeof patch] !== undefined);
        if (changed) await audit.record(tx, caller, { type: 'scope.updated', targetId: id, details: { name: scope.name, fields } });
      });
      return view((await store.environmentScopes.get(id))!);
    },

    async delete(caller, id) {
      const scope = await find(id);
      // A scope in use would leave a client holding a scope the environment no longer offers.
      const holder = (await store.clients.listByKind('environment')).find((c) => c.scopes.includes(scope.name));
      if (holder) throw new FailedPrecondition(`scope ${scope.name} is held by client ${holder.clientId}: remove it from the client first`);
      await audit.transaction(async (tx) => {
        await tx.environmentScopes.remove(id);
        await audit.record(tx, caller, { type: 'scope.deleted', targetId: id, details: { name: scope.name } });
      });
    },

    async checkAssignable(scopes, field) {
      const offered = new Set([...system.map((s) => s.name), ...(await store.environmentScopes.list()).filter((s) => s.enabled).map((s) => s.name)]);
      scopes.forEach((s, i) => {
        if (!offered.has(s)) throw InvalidArgument.field(`${field}[${i}]`, `is not an enabled scope of the environment (${s})`);
      });
    },
  };
}
