// RFC 8707 resource indicators: which resource a `resource` value names at an issuer. An MCP server's issuer
// serves only that server; the environment serves every MCP server and, under its own URL, tokens for the
// calling client itself (web apps signing users in).
import type { Resource } from '../store/resources.js';
import type { Store } from '../store/index.js';
import type { IssuerScope } from './provider.js';
import { sameResource } from './resource-url.js';

/** The environment's own audience: a token whose `aud` is the client that asked for it. */
export const ENVIRONMENT_AUDIENCE = Symbol('environment audience');

export function resourceForIndicator(
  store: Store,
  scope: IssuerScope,
  indicator: string,
  environmentUrl: string,
): Resource | typeof ENVIRONMENT_AUDIENCE | undefined {
  if (scope.kind === 'resource') {
    const resource = store.resources.get(scope.resourceId);
    return resource && sameResource(indicator, resource.serverUrl) ? resource : undefined;
  }
  if (sameResource(indicator, environmentUrl)) return ENVIRONMENT_AUDIENCE;
  return store.resources.list().find((r) => sameResource(indicator, r.serverUrl));
}

/**
 * The `resource` values as the resource is registered, so a trailing slash or an upper-case host makes no
 * difference anywhere downstream (grants store indicators verbatim). Values naming nothing stay as they are
 * and are refused later with invalid_target.
 */
export function canonicalIndicators(store: Store, scope: IssuerScope, values: string[], environmentUrl: string): string[] {
  return values.map((value) => {
    const resource = resourceForIndicator(store, scope, value, environmentUrl);
    if (resource === ENVIRONMENT_AUDIENCE) return environmentUrl;
    return resource?.serverUrl ?? value;
  });
}
