// POST /oauth/introspect and /resources/<res_id>/oauth/introspect (RFC 7662): the token's state as JSON.
import type { FastifyInstance } from 'fastify';
import type { EnvironmentContext } from '../oidc/environment.js';
import { introspectionRequest } from '../oidc/introspection.js';
import { ENVIRONMENT_PATHS } from '../oidc/paths.js';
import { atEveryIssuer } from './oauth-forms.js';

export async function introspectionRoutes(app: FastifyInstance, env: EnvironmentContext): Promise<void> {
  atEveryIssuer(app, env, { path: ENVIRONMENT_PATHS.introspection, name: 'introspection' }, (issuer, params, request) =>
    introspectionRequest(env, issuer, params, request.headers.authorization),
  );
}
