// The body oidc-provider gets for an authorization_code or refresh_token request. `resource` values are
// put in the form the resource is registered (the grant holds them verbatim). For a refresh, a resource
// the refresh token was not granted for is refused here: the provider would consume the token first and
// then fail, so the client's retry would present a used token and lose the whole grant (a logout).
import type { EnvironmentContext } from './environment.js';
import { InvalidTarget } from './errors.js';
import type { FormParams } from './form.js';
import type { IssuerProvider } from './providers.js';
import { canonicalIndicators } from './resource-indicators.js';

export function providerTokenBody(env: EnvironmentContext, issuer: IssuerProvider, params: FormParams): string {
  const resources = canonicalIndicators(env.store, issuer.scope, params.getAll('resource'), env.issuer);
  const refreshToken = params.get('refresh_token');
  if (params.get('grant_type') === 'refresh_token' && refreshToken !== undefined && resources.length > 0) {
    checkRefreshTokenCovers(env, issuer.scope.ns, refreshToken, resources);
  }
  return params.with('resource', resources).toString();
}

function checkRefreshTokenCovers(env: EnvironmentContext, ns: string, refreshToken: string, resources: string[]): void {
  // An opaque refresh token's value is its id; an unknown one is left to the provider (invalid_grant).
  const stored = env.store.oidcPayloads.find(ns, 'RefreshToken', refreshToken, Math.floor(env.clock() / 1000));
  if (!stored) return;
  const granted = ([] as unknown[]).concat(stored.resource ?? []);
  if (!resources.every((r) => granted.includes(r))) {
    throw new InvalidTarget('the refresh token was not granted for the requested resource');
  }
}
