// RFC 8707 resource indicators: which resource a `resource` value names at an issuer. An MCP server's issuer
// serves only that server; the environment serves every MCP server and, under its own URL, tokens for the
// calling client itself (web apps signing users in). A client bound to an MCP server (issuer-clients.ts)
// may name that server only, at any issuer; naming none, it gets a token for that server.
import type { Client } from '../store/clients.js';
import type { Resource } from '../store/resources.js';
import type { Repositories } from '../store/index.js';
import { boundResourceId } from './issuer-clients.js';
import type { IssuerScope } from './provider.js';
import { sameResource } from './resource-url.js';

/** The environment's own audience: a token whose `aud` is the client that asked for it. */
export const ENVIRONMENT_AUDIENCE = Symbol('environment audience');

export async function resourceForIndicator(
  store: Repositories,
  scope: IssuerScope,
  indicator: string,
  environmentUrl: string,
): Promise<Resource | typeof ENVIRONMENT_AUDIENCE | undefined> {
  if (scope.kind === 'resource') {
    const resource = await store.resources.get(scope.resourceId);
    return resource && sameResource(indicator, resource.serverUrl) ? resource : undefined;
  }
  if (sameResource(indicator, environmentUrl)) return ENVIRONMENT_AUDIENCE;
  return (await store.resources.list()).find((r) => sameResource(indicator, r.serverUrl));
}

/**
 * The `resource` values as the resource is registered, so a trailing slash or an upper-case host makes no
 * difference anywhere downstream (grants store indicators verbatim). Values naming nothing stay as they are
 * and are refused later with invalid_target.
 */
export function canonicalIndicators(store: Repositories, scope: IssuerScope, values: string[], environmentUrl: string): Promise<string[]> {
  return Promise.all(
    values.map(async (value) => {
      const resource = await resourceForIndicator(store, scope, value, environmentUrl);
      if (resource === ENVIRONMENT_AUDIENCE) return environmentUrl;
      return resource?.serverUrl ?? value;
    }),
  );
}

/** The MCP server a client is bound to (its tokens are for that server only), or undefined when it is not bound. */
export async function boundResourceOf(store: Repositories, client: Client | undefined): Promise<Resource | undefined> {
  const resourceId = client && boundResourceId(client);
  return resourceId === undefined ? undefined : store.resources.get(resourceId);
}

/** Whether a client bound to `bound` (if any) may get a token for what an indicator named. */
export const mayTarget = (bound: Resource | undefined, target: Resource | typeof ENVIRONMENT_AUDIENCE): boolean =>
  bound === undefined || (target !== ENVIRONMENT_AUDIENCE && target.id === bound.id);
