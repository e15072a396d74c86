// Access tokens of the authorization-code, refresh-token and device-code grants. oidc-provider decides whether to
// issue one and for which resource; its JWT is then rebuilt here from claims.ts, the same claims the
// client-credentials path signs, with the same `typ` and the same audit row.
import type { AccessToken, ClientCredentials, JWTStructured, KoaContextWithOIDC } from 'oidc-provider';
import { accessTokenClaims, accessTokenTyp, type AccessTokenInput } from './claims.js';
import type { EnvironmentContext } from './environment.js';
import { emulatorClockOffset } from './id-token-clock.js';
import type { IssuerScope } from './provider.js';
import { resourceForIndicator, ENVIRONMENT_AUDIENCE } from './resource-indicators.js';
import { isOidcScope } from './scopes.js';
import { recordIssuedToken } from './token-audit.js';

export async function customizeAccessToken(
  env: EnvironmentContext,
  scope: IssuerScope,
  ctx: KoaContextWithOIDC,
  token: AccessToken | ClientCredentials,
  jwt: JWTStructured,
): Promise<void> {
  if (token.kind !== 'AccessToken') throw new Error('client_credentials is served by our own token route');
  const indicator = token.resourceServer?.identifier();
  const resource = indicator === undefined ? undefined : await resourceForIndicator(env.store, scope, indicator, env.issuer);
  if (resource === undefined) throw new Error(`access token for an unknown resource ${String(indicator)}`);
  const user = await env.store.users.get(token.accountId);
  const payload = jwt.payload as { iat: number; exp: number };
  const claims = accessTokenClaims({
    issuer: env.issuer,
    subject: token.accountId,
    clientId: token.clientId!,
    audience: resource === ENVIRONMENT_AUDIENCE ? [token.clientId!] : [],
    ...(resource === ENVIRONMENT_AUDIENCE ? {} : { resource }),
    ...(user?.organizationId ? { organizationId: user.organizationId } : {}),
    ...(token.sessionUid ? { sessionId: env.store.ids.derivedId('session', token.sessionUid) } : {}),
    authentication: authentication(ctx, env.clock),
    scopes: grantedScopes(ctx, token),
    // The emulator's clock (a fixture may have moved it), with the provider's lifetime.
    now: Math.floor(env.clock() / 1000),
    lifetime: payload.exp - payload.iat,
    ids: env.store.ids,
  });
  jwt.header = { typ: accessTokenTyp(resource === ENVIRONMENT_AUDIENCE ? undefined : resource) };
  jwt.payload = claims;
  // The token is answered only once its audit row is committed.
  await recordIssuedToken(env, claims, {
    grantType: String(ctx.oidc.params?.grant_type ?? 'authorization_code'),
    clientKind: (await env.store.clients.get(token.clientId!))?.kind ?? 'dcr',
    grantId: token.grantId,
  });
}

// What the token is exchanged for: the code, the refresh token, or the device code (RFC 8628).
const grantSource = (ctx: KoaContextWithOIDC) => ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken ?? ctx.oidc.entities.DeviceCode;

// When and how the person signed in, from the code or refresh token being exchanged (the provider's
// real-time auth_time, moved onto the emulator's clock as its ID tokens are).
function authentication(ctx: KoaContextWithOIDC, clock: () => number): AccessTokenInput['authentication'] {
  const source = grantSource(ctx);
  if (!source) return undefined;
  return {
    ...(typeof source.authTime === 'number' ? { authTime: source.authTime + emulatorClockOffset(clock) } : {}),
    ...(source.acr ? { acr: source.acr } : {}),
    ...(source.amr ? { amr: source.amr } : {}),
  };
}

// The provider gives an access token only the resource's scopes; Scalekit's tokens also list the
// OpenID scopes the user granted (openid, offline_access, ...), in the order they were asked.
function grantedScopes(ctx: KoaContextWithOIDC, token: AccessToken): string[] {
  const resourceScopes = new Set(token.scope?.split(' ').filter(Boolean));
  const source = grantSource(ctx);
  const asked = source?.scope?.split(' ').filter(Boolean) ?? [];
  const ordered = asked.filter((s) => resourceScopes.has(s) || isOidcScope(s));
  return [...new Set([...ordered, ...resourceScopes])];
}
