// The device authorization grant (RFC 8628): where it is offered and which clients may use it. The
// environment's issuer offers it always; an MCP server's issuer only when the server enables it
// (`enable_device_flow`), and no issuer hands out a device-flow token for a server that has not: the
// switch is the server's policy, wherever the device asks. oidc-provider runs the grant itself
// (features.deviceFlow in provider.ts); this module holds our rules around it.
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Client } from '../store/clients.js';
import type { Resource } from '../store/resources.js';
import type { EnvironmentContext } from './environment.js';
import type { IssuerScope } from './provider.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Whether the issuer of this MCP server (none: the environment's) offers the device flow. */
export const offersDeviceFlow = (resource: Resource | undefined): boolean => resource === undefined || resource.enableDeviceFlow;

/** Whether an issuer offers the device flow: the environment's always, an MCP server's when the server enables it. */
export async function deviceFlowOfferedAt(env: EnvironmentContext, scope: IssuerScope): Promise<boolean> {
  if (scope.kind === 'environment') return true;
  return (await env.store.resources.get(scope.resourceId))?.enableDeviceFlow ?? false;
}

/**
 * Whether a client may start device authorizations where they are offered: any client that acts for
 * people or for an MCP server (not an organization's M2M client), unless it registered grant types
 * (RFC 7591) without the device grant; and a client bound to an MCP server only if that server enables it.
 */
export function mayUseDeviceFlow(client: Client, bound: Resource | undefined): boolean {
  if (client.kind === 'organization') return false;
  if (bound !== undefined && !bound.enableDeviceFlow) return false;
  return client.metadata.grant_types?.includes(DEVICE_CODE_GRANT) ?? true;
}

/** The grant types a client allowed the device flow adds: the grant, and refresh tokens unless it registered without them. */
export function deviceGrantTypes(client: Client): string[] {
  const registered = client.metadata.grant_types;
  return [DEVICE_CODE_GRANT, ...(registered && !registered.includes('refresh_token') ? [] : ['refresh_token'])];
}

/**
 * RFC 6749 §5.2's unauthorized_client for a client not allowed the grant (RFC 8628 §3.2 answers as it does),
 * where oidc-provider says invalid_request ("… is not allowed for this client").
 */
export function refusesDisallowedClients(provider: Provider): void {
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { error?: string; error_description?: string } | undefined;
    const route = (ctx as Partial<KoaContextWithOIDC>).oidc?.route;
    if (route === 'device_authorization' && body?.error === 'invalid_request' && body.error_description === `${DEVICE_CODE_GRANT} is not allowed for this client`) {
      ctx.body = { error: 'unauthorized_client', error_description: 'the client may not use the device authorization grant at this issuer' };
    }
  });
}

/** The provider routes of a device flow: the request, the user-code page and its resume after sign-in, and the token request. */
export function isDeviceFlowStep(ctx: KoaContextWithOIDC): boolean {
  const route = ctx.oidc.route;
  if (route === 'device_authorization' || route === 'code_verification' || route === 'device_resume') return true;
  return route === 'token' && ctx.oidc.params?.grant_type === DEVICE_CODE_GRANT;
}
