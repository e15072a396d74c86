// Consents people gave MCP hosts on the consent page, as Scalekit's ListResourceUserConsents and
// RevokeUserConsent, and the consent screen of an authorization in progress (GetConsentDetails). Revoking one ends the oidc-provider grant behind it (oidc/grants.ts), at once: the
// host cannot refresh, and its next authorization asks the person again. Access tokens already issued
// pass an offline check until they expire (as on Scalekit); introspection reports them inactive.
import { endGrant } from '../oidc/grants.js';
import { askedScopes, consentServers, type ConsentDetails } from '../oidc/interactions.js';
import type { Client } from '../store/clients.js';
import type { UserConsent } from '../store/consents.js';
import type { Organization } from '../store/organizations.js';
import type { Resource } from '../store/resources.js';
import type { User } from '../store/users.js';
import type { AuditLog, Caller } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { FailedPrecondition, InvalidArgument, NotFound } from './errors.js';
import { pageOf, type Page, type PageRequest } from './paging.js';

/** A consent with who gave it (the user's id is Scalekit's external_user_id here) and to which client. */
export interface ConsentView {
  consent: UserConsent;
  userEmail: string;
  clientName: string;
}

/** What the consent screen of an authorization shows: who asks, for which MCP server, on whose behalf, which scopes. */
export interface ConsentScreen {
  /** The MCP server; none when the environment's own issuer asks (a web app signing in). */
  resource?: Resource;
  user: User;
  /** The client asking; `clientId` alone when it is not (or no longer) stored. */
  client: Pick<Client, 'clientId'> & Partial<Client>;
  scopes: { name: string; description: string }[];
  organization?: Organization;
}

export interface ConsentService {
  /** The consents given to the clients of one MCP server; `search` matches user id or email, client id or name. */
  listResourceUserConsents(resourceId: string, search: string, page: PageRequest): Promise<Page<ConsentView>>;
  /** The consents given to one client of an MCP server. */
  consentsOfClient(resourceId: string, clientId: string): Promise<UserConsent[]>;
  revoke(caller: Caller, clientId: string, consentId: string): Promise<void>;
  /**
   * The consent screen of the authorization in progress with this interaction id (the `<uid>` of its
   * `<issuer>/interaction/<uid>` page); FAILED_PRECONDITION while the person has not signed in yet.
   */
  consentScreen(interactionId: string): Promise<ConsentScreen>;
}

export const CONSENT_PAGE = { defaultSize: 10, maxSize: 100 };

export function consentService({ store, clock, issuer = () => '' }: ServiceDeps, audit: AuditLog): ConsentService {
  const view = async (consent: UserConsent): Promise<ConsentView> => ({
    consent,
    userEmail: (await store.users.get(consent.userId))?.email ?? '',
    clientName: (await store.clients.get(consent.clientId))?.name ?? '',
  });

  return {
    async listResourceUserConsents(resourceId, search, page) {
      if (!resourceId) throw InvalidArgument.field('resource_id', 'is required');
      if (!(await store.resources.get(resourceId))) throw new NotFound('resource', resourceId);
      const needle = search.trim().toLowerCase();
      const matches = (v: ConsentView) =>
        [v.consent.userId, v.userEmail, v.consent.clientId, v.clientName].some((field) => field.toLowerCase().includes(needle));
      const views = await Promise.all((await store.consents.list({ resourceId })).map(view));
      return pageOf(needle ? views.filter(matches) : views, page, CONSENT_PAGE, (v) => [v.consent.createTime, v.consent.id]);
    },

    consentsOfClient: (resourceId, clientId) => store.consents.list({ resourceId, clientId }),

    async consentScreen(interactionId) {
      if (!interactionId) throw InvalidArgument.field('interaction_id', 'is required: the <uid> of the consent page <issuer>/interaction/<uid>');
      const found = await store.oidcPayloads.findInAnyIssuer('Interaction', interactionId, Math.floor(clock() / 1000));
      if (!found) throw new NotFound('authorization in progress', interactionId);
      const { ns, payload } = found;
      const prompt = payload.prompt as { name?: string; details?: ConsentDetails } | undefined;
      const accountId = (payload.session as { accountId?: string } | undefined)?.accountId;
      const user = accountId ? await store.users.get(accountId) : undefined;
      if (prompt?.name !== 'consent' || !user) throw new FailedPrecondition(`authorization ${interactionId} is not asking for consent: the person has not signed in yet`);
      const resource = ns === 'env' ? undefined : await store.resources.get(ns);
      const clientId = String((payload.params as Record<string, unknown> | undefined)?.client_id ?? '');
      const organization = user.organizationId ? await store.organizations.get(user.organizationId) : undefined;
      const servers = await consentServers(store, resource ? { kind: 'resource', ns, resourceId: resource.id } : { kind: 'environment', ns: 'env' }, (payload.params as Record<string, unknown> | undefined)?.resource, issuer());
      return {
        ...(resource ? { resource } : {}),
        user,
        client: (await store.clients.get(clientId)) ?? { clientId },
        scopes: askedScopes(prompt.details ?? {}, servers),
        ...(organization ? { organization } : {}),
      };
    },

    async revoke(caller, clientId, consentId) {
      if (!clientId) throw InvalidArgument.field('client_id', 'is required');
      if (!consentId) throw InvalidArgument.field('consent_id', 'is required');
      const consent = await store.consents.get(consentId);
      if (!consent || consent.clientId !== clientId) throw new NotFound('consent', consentId);
      await audit.transaction(async (tx) => {
        await endGrant(tx, consent.ns, consent.grantId, Math.floor(clock() / 1000));
        await audit.record(tx, caller, {
          type: 'user_consent.revoked',
          clientId,
          ...(consent.resourceId ? { resourceId: consent.resourceId } : {}),
          targetId: consent.id,
          details: { user_id: consent.userId },
        });
      });
    },
  };
}
