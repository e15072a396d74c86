// What an authorization request means when it leaves things out, applied before oidc-provider reads it:
// `resource` values in the form the resource is registered (grants keep them verbatim, so a trailing
// slash must not make a second resource), and a missing `scope` asks for the MCP server's scopes (MCP
// clients and the conformance suite send none; oidc-provider would answer access_denied); at the
// environment's issuer a client bound to an MCP server that names no resource asks for its own. And
// `offline_access` gets a refresh token with or without `prompt=consent`, as on Scalekit: oidc-provider
// drops it unless consent is prompted, so consent is prompted, and the consent policy (provider.ts)
// lets a remembered consent answer it.
import type { EnvironmentContext } from './environment.js';
import { enabledScopes } from './issuers.js';
import type { IssuerScope } from './provider.js';
import { boundResourceOf, canonicalIndicators, resourceForIndicator, ENVIRONMENT_AUDIENCE } from './resource-indicators.js';

/**
 * `clientId`: who asks (a confidential client of a device authorization request may name itself in the
 * Basic header only). `device`: a device authorization request (RFC 8628 §3.1), which takes no prompt.
 */
export async function withAuthorizationDefaults(
  query: URLSearchParams,
  scope: IssuerScope,
  env: EnvironmentContext,
  clientId = query.get('client_id') ?? undefined,
  device = false,
): Promise<URLSearchParams> {
  const out = new URLSearchParams(query);
  const asked = out.getAll('resource');
  if (asked.length > 0) {
    out.delete('resource');
    for (const value of await canonicalIndicators(env.store, scope, asked, env.issuer)) out.append('resource', value);
  } else if (scope.kind === 'environment') {
    // At the environment's issuer, a client bound to an MCP server asks for that server when it names none.
    const bound = clientId === undefined ? undefined : await boundResourceOf(env.store, await env.store.clients.get(clientId));
    if (bound) out.set('resource', bound.serverUrl);
  }
  if (!out.get('scope')) out.set('scope', (await defaultScopes(out.getAll('resource'), scope, env)).join(' '));
  const prompts = new Set(out.get('prompt')?.split(' ').filter(Boolean));
  if (!device && out.get('scope')!.split(' ').includes('offline_access') && !prompts.has('consent') && !prompts.has('none')) {
    out.set('prompt', [...prompts, 'consent'].join(' '));
  }
  return out;
}

async function defaultScopes(resources: string[], scope: IssuerScope, env: EnvironmentContext): Promise<string[]> {
  if (scope.kind === 'resource') {
    const resource = await env.store.resources.get(scope.resourceId);
    return resource ? enabledScopes(resource) : [];
  }
  const named = await Promise.all(resources.map((r) => resourceForIndicator(env.store, scope, r, env.issuer)));
  const scopes = named.flatMap((r) => (r === undefined || r === ENVIRONMENT_AUDIENCE ? [] : enabledScopes(r)));
  return scopes.length > 0 ? [...new Set(scopes)] : ['openid'];
}
