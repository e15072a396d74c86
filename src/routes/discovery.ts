// GET /.well-known/openid-configuration and /.well-known/oauth-authorization-server: one document,
// built here in Scalekit's shape (oidc-provider's own discovery cannot be overridden key by key).
// No registration_endpoint at the environment level: DCR lives on each MCP server's issuer.
import type { FastifyInstance } from 'fastify';
import { grantsMetadata } from '../oidc/grant-types/index.js';
import { ENVIRONMENT_PATHS } from '../oidc/paths.js';
import { allowCors } from './cors.js';
import type { EnvironmentContext } from '../oidc/environment.js';
import type { Store } from '../store/index.js';
import { sendDocument, storeDocuments } from './cached-document.js';

/**
 * Introspection takes confidential clients only (public ones get invalid_client, as on Scalekit);
 * revocation also takes a public client by its client_id, for its own tokens (RFC 7009 §2.1).
 */
export const TOKEN_STATE_AUTH_METHODS = {
  revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
  introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
};

export async function environmentMetadata(issuer: string, store: Store) {
  return {
    issuer,
    authorization_endpoint: issuer + ENVIRONMENT_PATHS.authorization,
    token_endpoint: issuer + ENVIRONMENT_PATHS.token,
    userinfo_endpoint: issuer + ENVIRONMENT_PATHS.userinfo,
    jwks_uri: issuer + ENVIRONMENT_PATHS.jwks,
    end_session_endpoint: issuer + ENVIRONMENT_PATHS.end_session,
    revocation_endpoint: issuer + ENVIRONMENT_PATHS.revocation,
    introspection_endpoint: issuer + ENVIRONMENT_PATHS.introspection,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    ...(await grantsMetadata(store, { kind: 'environment' }, issuer)),
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    ...TOKEN_STATE_AUTH_METHODS,
    code_challenge_methods_supported: ['S256'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'email', 'email_verified', 'name', 'oid', 'sid'],
    authorization_response_iss_parameter_supported: true,
  };
}

export function discoveryRoutes(app: FastifyInstance, env: EnvironmentContext): void {
  const paths = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];
  const cors = { onRequest: allowCors(app, paths, ['GET']) };
  // Built again only after an MCP server changed (the grants listed follow their settings).
  const documents = storeDocuments<object>(env.store.changes, 'resources');
  const environment = {};
  for (const path of paths) {
    app.get(path, cors, async (request, reply) => {
      const doc = await documents(environment, env.issuer, () => environmentMetadata(env.issuer, env.store));
      return sendDocument(request, reply, doc, 'public, max-age=300');
    });
  }
}
