// The body oidc-provider gets for an authorization_code or refresh_token request. `resource` values are
// put in the form the resource is registered (the grant holds them verbatim). For a refresh, a resource
// the refresh token was not granted for is refused here: the provider would consume the token first and
// then fail, so the client's retry would present a used token and lose the whole grant (a logout). And a
// replaced refresh token retried within its grace window is answered from its successor
// (refresh-rotation.ts): the provider gets the successor, and must not rotate it again.
import type { EnvironmentContext } from './environment.js';
import { InvalidTarget } from './errors.js';
import type { FormParams } from './form.js';
import type { IssuerProvider } from './providers.js';
import { refreshTokenInForce } from './refresh-rotation.js';
import { canonicalIndicators } from './resource-indicators.js';

export interface ProviderTokenRequest {
  body: string;
  /** A retry within the grace window, answered with the successor of the token it presented. */
  answersRetry: boolean;
}

export async function providerTokenRequest(env: EnvironmentContext, issuer: IssuerProvider, params: FormParams): Promise<ProviderTokenRequest> {
  const resources = await canonicalIndicators(env.store, issuer.scope, params.getAll('resource'), env.issuer);
  const presented = params.get('refresh_token');
  if (params.get('grant_type') !== 'refresh_token' || presented === undefined) return { body: params.with('resource', resources).toString(), answersRetry: false };
  // An opaque refresh token's value is its id; an unknown one (or reuse) is left to the provider (invalid_grant).
  const inForce = await refreshTokenInForce(env.store.oidcPayloads, issuer.scope.ns, presented, Math.floor(env.clock() / 1000));
  if (inForce && resources.length > 0) checkRefreshTokenCovers(inForce.payload, resources);
  const answersRetry = inForce !== undefined && inForce.id !== presented;
  const body = params.with('resource', resources);
  return { body: (answersRetry ? body.with('refresh_token', [inForce.id]) : body).toString(), answersRetry };
}

function checkRefreshTokenCovers(stored: Record<string, unknown>, resources: string[]): void {
  const granted = ([] as unknown[]).concat(stored.resource ?? []);
  if (!resources.every((r) => granted.includes(r))) {
    throw new InvalidTarget('the refresh token was not granted for the requested resource');
  }
}
