// POST /oauth/revoke and /resources/<res_id>/oauth/revoke (RFC 7009): 200 with an empty body, also for a
// token that is unknown or no longer active.
import type { FastifyInstance } from 'fastify';
import type { EnvironmentContext } from '../oidc/environment.js';
import { ENVIRONMENT_PATHS } from '../oidc/paths.js';
import { revocationRequest } from '../oidc/revocation.js';
import { atEveryIssuer } from './oauth-forms.js';

export async function revocationRoutes(app: FastifyInstance, env: EnvironmentContext): Promise<void> {
  atEveryIssuer(app, env, { path: ENVIRONMENT_PATHS.revocation, name: 'revocation' }, async (issuer, params, request) => {
    await revocationRequest(env, issuer, params, request.headers.authorization);
    return '';
  });
}
