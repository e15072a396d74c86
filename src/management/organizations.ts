// Organizations: create, get, list; `put` (an explicit id) is for the seed.
import type { Organization } from '../store/organizations.js';
import type { AuditLog, Caller } from './audit.js';
import { InvalidArgument, NotFound } from './errors.js';
import { pageOf, type Page, type PageRequest } from './paging.js';
import { organizationInput, validate } from './validation.js';
import type { ServiceDeps } from './deps.js';

export interface OrganizationService {
  create(caller: Caller, input: { displayName: string }): Promise<Organization>;
  get(id: string): Promise<Organization>;
  list(page: PageRequest): Promise<Page<Organization>>;
  /** Creates or renames the organization with this id; true when a row changed. */
  put(caller: Caller, input: { id: string; displayName: string }): Promise<boolean>;
}

export const ORGANIZATION_PAGE = { defaultSize: 10, maxSize: 100 };

export function organizationService({ store }: ServiceDeps, audit: AuditLog): OrganizationService {
  const get = async (id: string) => {
    if (!id) throw InvalidArgument.field('id', 'is required');
    const org = await store.organizations.get(id);
    if (!org) throw new NotFound('organization', id);
    return org;
  };
  const put = (caller: Caller, input: { id: string; displayName: string }) => {
    const { displayName } = validate(organizationInput, input, 'organization');
    return audit.transaction(async (tx) => {
      const existed = (await tx.organizations.get(input.id)) !== undefined;
      const changed = await tx.organizations.upsert({ id: input.id, displayName });
      if (changed) {
        await audit.record(tx, caller, {
          type: existed ? 'organization.updated' : 'organization.created',
          organizationId: input.id,
          targetId: input.id,
        });
      }
      return changed;
    });
  };
  return {
    async create(caller, input) {
      const id = store.ids.newId('organization');
      await put(caller, { id, displayName: input.displayName });
      return get(id);
    },
    get,
    list: async (page) => pageOf(await store.organizations.list(), page, ORGANIZATION_PAGE, (o) => [o.createTime, o.id]),
    put,
  };
}
