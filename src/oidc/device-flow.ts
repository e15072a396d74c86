// The device authorization grant (RFC 8628) as oidc-provider runs it: which of its steps belong to a
// device flow, and the error it answers a client not allowed the grant. Where the grant is offered and
// which clients may use it is the grant registry's entry (grant-types/device-code.ts).
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { DEVICE_CODE } from './grant-types/urns.js';

/**
 * RFC 6749 §5.2's unauthorized_client for a client not allowed the grant (RFC 8628 §3.2 answers as it does),
 * where oidc-provider says invalid_request ("… is not allowed for this client").
 */
export function refusesDisallowedClients(provider: Provider): void {
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { error?: string; error_description?: string } | undefined;
    const route = (ctx as Partial<KoaContextWithOIDC>).oidc?.route;
    if (route === 'device_authorization' && body?.error === 'invalid_request' && body.error_description === `${DEVICE_CODE} is not allowed for this client`) {
      ctx.body = { error: 'unauthorized_client', error_description: 'the client may not use the device authorization grant at this issuer' };
    }
  });
}

/** The provider routes of a device flow: the request, the user-code page and its resume after sign-in, and the token request. */
export function isDeviceFlowStep(ctx: KoaContextWithOIDC): boolean {
  const route = ctx.oidc.route;
  if (route === 'device_authorization' || route === 'code_verification' || route === 'device_resume') return true;
  return route === 'token' && ctx.oidc.params?.grant_type === DEVICE_CODE;
}
