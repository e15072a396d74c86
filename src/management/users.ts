// Users: created in an organization (Scalekit's CreateUserAndMembership), listed; `put` is for the seed.
import type { Repositories } from '../store/index.js';
import { hashPassword, type User } from '../store/users.js';
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
  createInOrganization(caller: Caller, organizationId: string, fields: UserFields): Promise<User>;
  create(caller: Caller, fields: NewUser): Promise<User>;
  /**
   * The user with this email, made now if there is none (a person signing up by email code or through
   * an identity provider); `created` says which. An existing user is left as it is.
   */
  signUp(caller: Caller, fields: UserFields & { organizationId?: string }): Promise<{ user: User; created: boolean }>;
  get(id: string): Promise<User>;
  /** Every user, or the members of one organization. */
  list(page: PageRequest, organizationId?: string): Promise<Page<User>>;
  /**
   * Creates or updates the user with this id (a password only from a seed); true when a row changed.
   * `initialPasswordHash` is the password hash a new user gets when no password is given.
   */
  put(caller: Caller, input: UserInputFields): Promise<boolean>;
}

type UserInputFields = UserFields & { id: string; organizationId?: string; password?: string; initialPasswordHash?: string };

export const USER_PAGE = { defaultSize: 10, maxSize: 100 };

export function userService({ store }: ServiceDeps, audit: AuditLog): UserService {
  const organization = async (repos: Repositories, organizationId: string) => {
    if (!organizationId) throw InvalidArgument.field('organization_id', 'is required');
    if (!(await repos.organizations.get(organizationId))) throw new NotFound('organization', organizationId);
  };

  const put = async (tx: Repositories, caller: Caller, input: UserInputFields): Promise<boolean> => {
    const { email, name } = validate(userInput, { email: input.email, name: input.name ?? '' }, 'user');
    if (input.organizationId) await organization(tx, input.organizationId);
    const holder = await tx.users.findByEmail(email);
    if (holder && holder.id !== input.id) throw new AlreadyExists(`a user with email ${email.toLowerCase()} already exists`);
    const existed = (await tx.users.get(input.id)) !== undefined;
    const changed = await tx.users.upsert({
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
      await audit.record(tx, caller, {
        type: existed ? 'user.updated' : 'user.created',
        targetId: input.id,
        ...(input.organizationId ? { organizationId: input.organizationId } : {}),
      });
    }
    return changed;
  };

  // A new user's password is hashed before the transaction (scrypt takes tens of milliseconds).
  const create = async (caller: Caller, fields: NewUser): Promise<User> => {
    const { password, ...rest } = fields;
    if (password !== undefined) validate(passwordInput, password, 'user.password');
    const passwordHash = password !== undefined ? await hashPassword(password) : undefined;
    const id = store.ids.newId('user');
    return audit.transaction(async (tx) => {
      await put(tx, caller, { ...rest, id, ...(passwordHash ? { initialPasswordHash: passwordHash } : {}) });
      return (await tx.users.get(id))!;
    });
  };

  return {
    async createInOrganization(caller, organizationId, fields) {
      await organization(store, organizationId);
      return create(caller, { ...fields, organizationId });
    },
    create,
    async get(id) {
      const user = id ? await store.users.get(id) : undefined;
      if (!user) throw new NotFound('user', id);
      return user;
    },
    signUp(caller, fields) {
      return audit.transaction(async (tx) => {
        const existing = await tx.users.findByEmail(fields.email.trim().toLowerCase());
        if (existing) return { user: existing, created: false };
        const id = tx.ids.newId('user');
        await put(tx, caller, { ...fields, email: fields.email.trim(), id });
        return { user: (await tx.users.get(id))!, created: true };
      });
    },
    async list(page, organizationId) {
      if (organizationId !== undefined) await organization(store, organizationId);
      return pageOf(await store.users.list(organizationId), page, USER_PAGE, (u) => [u.createTime, u.id]);
    },
    put: (caller, input) => audit.transaction((tx) => put(tx, caller, input)),
  };
}
