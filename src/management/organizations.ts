// Organizations: create, get, list; `put` (an explicit id) is for the seed.
import type { Organization } from '../store/organizations.js';
import type { AuditLog, Caller } from './audit.js';
import { InvalidArgument, NotFound } from './errors.js';
import { pageOf, type Page, type PageRequest } from './paging.js';
import { organizationInput, validate } from './validation.js';
import type { ServiceDeps } from './deps.js';

export interface OrganizationService {
  create(caller: Caller, input: { displayName: string }): Organization;
  get(id: string): Organization;
  list(page: PageRequest): Page<Organization>;
  /** Creates or renames the organization with this id; true when a row changed. */
  put(caller: Caller, input: { id: string; displayName: string }): boolean;
}

export const ORGANIZATION_PAGE = { defaultSize: 10, maxSize: 100 };

export function organizationService({ store }: ServiceDeps, audit: AuditLog): OrganizationService {
  const get = (id: string) => {
    if (!id) throw InvalidArgument.field('id', 'is required');
    const org = store.organizations.get(id);
    if (!org) throw new NotFound('organization', id);
    return org;
  };
  const put = (caller: Caller, input: { id: string; displayName: string }) => {
    const { displayName } = validate(organizationInput, input, 'organization');
    const existed = store.organizations.get(input.id) !== undefined;
    const changed = store.organizations.upsert({ id: input.id, displayName });
    if (changed) {
      audit.record(caller, {
        type: existed ? 'organization.updated' : 'organization.created',
        organizationId: input.id,
        targetId: input.id,
      });
    }
    return changed;
  };
  return {
    create(caller, input) {
      const id = store.ids.newId('organization');
      audit.transaction(() => put(caller, { id, displayName: input.displayName }));
      return get(id);
    },
    get,
    list: (page) => pageOf(store.organizations.list(), page, ORGANIZATION_PAGE, (o) => [o.createTime, o.id]),
    put,
  };
}
