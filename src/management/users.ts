// Users: created in an organization (Scalekit's CreateUserAndMembership), listed; `put` is for the seed.
import type { User } from '../store/users.js';
import type { AuditLog, Caller } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { AlreadyExists, InvalidArgument, NotFound } from './errors.js';
import { pageOf, type Page, type PageRequest } from './paging.js';
import { passwordInput, userInput, validate } from './validation.js';

export interface UserFields {
  email: string;
  name?: string;
}

/** A user made in the dashboard: in an organization or none, with a password or none (email codes still work). */
export interface NewUser extends UserFields {
  organizationId?: string;
  password?: string;
}

export interface UserService {
  createInOrganization(caller: Caller, organizationId: string, fields: UserFields): User;
  create(caller: Caller, fields: NewUser): User;
  /**
   * The user with this email, made now if there is none (a person signing up by email code or through
   * an identity provider); `created` says which. An existing user is left as it is.
   */
  signUp(caller: Caller, fields: UserFields & { organizationId?: string }): { user: User; created: boolean };
  get(id: string): User;
  /** Every user, or the members of one organization. */
  list(page: PageRequest, organizationId?: string): Page<User>;
  /**
   * Creates or updates the user with this id (a password only from a seed); true when a row changed.
   * `initialPasswordHash` is the password hash a new user gets when no password is given.
   */
  put(caller: Caller, input: UserFields & { id: string; organizationId?: string; password?: string; initialPasswordHash?: string }): boolean;
}

export const USER_PAGE = { defaultSize: 10, maxSize: 100 };

export function userService({ store }: ServiceDeps, audit: AuditLog): UserService {
  const organization = (organizationId: string) => {
    if (!organizationId) throw InvalidArgument.field('organization_id', 'is required');
    if (!store.organizations.get(organizationId)) throw new NotFound('organization', organizationId);
  };

  const put: UserService['put'] = (caller, input) => {
    const { email, name } = validate(userInput, { email: input.email, name: input.name ?? '' }, 'user');
    if (input.organizationId) organization(input.organizationId);
    const holder = store.users.findByEmail(email);
    if (holder && holder.id !== input.id) throw new AlreadyExists(`a user with email ${email.toLowerCase()} already exists`);
    const existed = store.users.get(input.id) !== undefined;
    const changed = store.users.upsert({
      id: input.id,
      email,
      name,
      ...(input.organizationId ? { organizationId: input.organizationId } : {}),
      ...(input.password !== undefined
        ? { password: input.password }
        : !existed && input.initialPasswordHash
          ? { passwordHash: input.initialPasswordHash }
          : {}),
    });
    if (changed) {
      audit.record(caller, {
        type: existed ? 'user.updated' : 'user.created',
        targetId: input.id,
        ...(input.organizationId ? { organizationId: input.organizationId } : {}),
      });
    }
    return changed;
  };

  const create = (caller: Caller, fields: NewUser): User => {
    if (fields.password !== undefined) validate(passwordInput, fields.password, 'user.password');
    const id = store.ids.newId('user');
    audit.transaction(() => put(caller, { ...fields, id }));
    return store.users.get(id)!;
  };

  return {
    createInOrganization(caller, organizationId, fields) {
      organization(organizationId);
      return create(caller, { ...fields, organizationId });
    },
    create,
    get(id) {
      const user = id ? store.users.get(id) : undefined;
      if (!user) throw new NotFound('user', id);
      return user;
    },
    signUp(caller, fields) {
      return audit.transaction(() => {
        const existing = store.users.findByEmail(fields.email.trim().toLowerCase());
        if (existing) return { user: existing, created: false };
        return { user: create(caller, { ...fields, email: fields.email.trim() }), created: true };
      });
    },
    list(page, organizationId) {
      if (organizationId !== undefined) organization(organizationId);
      return pageOf(store.users.list(organizationId), page, USER_PAGE, (u) => [u.createTime, u.id]);
    },
    put: (caller, input) => audit.transaction(() => put(caller, input)),
  };
}
