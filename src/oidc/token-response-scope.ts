// RFC 6749 §5.1: the `scope` of a token response names the scopes of the access token it carries.
// oidc-provider writes the scope of its own access-token model there (lib/helpers/grant_common.js for
// the code grant, lib/actions/grants/refresh_token.js for refresh): the resource's scopes only, or none
// at the environment's issuer. The JWT we issue in its place (code-flow-tokens.ts) also lists the OpenID
// scopes the person granted (openid, offline_access, ...). So the response takes its scope from the token.
import { decodeJwt } from 'jose';
import type Provider from 'oidc-provider';

export function tokenResponseScopeFromToken(provider: Provider): void {
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { access_token?: unknown } | undefined;
    if (ctx.oidc?.route !== 'token' || typeof body?.access_token !== 'string') return;
    const { scope } = decodeJwt(body.access_token);
    if (typeof scope === 'string') ctx.body = { ...body, scope };
  });
}
