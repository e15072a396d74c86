// Scalekit's endpoint paths, and which of them oidc-provider answers. Kept apart from provider.ts so
// routes can name paths without loading oidc-provider, which is only loaded when first needed.
/** Scalekit's endpoint paths, relative to the issuer. */
export const ENVIRONMENT_PATHS = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  jwks: '/keys',
  userinfo: '/userinfo',
  end_session: '/oidc/logout',
  revocation: '/oauth/revoke',
} as const;

/** The paths an issuer's provider answers itself, relative to the issuer; every other path stays Fastify's. */
const ENVIRONMENT_PROVIDER_PATHS = [ENVIRONMENT_PATHS.authorization, ENVIRONMENT_PATHS.end_session, ENVIRONMENT_PATHS.revocation];
const RESOURCE_PROVIDER_PATHS = [ENVIRONMENT_PATHS.authorization];

const RESOURCE_PATH = /^\/resources\/([^/]+)(\/.*)$/;

export interface ProviderPath {
  /** Set for an MCP server's issuer. */
  resourceId?: string;
  /** The path relative to the issuer, as the provider routes it. */
  path: string;
}

const answers = (paths: readonly string[], path: string) => paths.some((p) => path === p || path.startsWith(`${p}/`));

/** Which issuer's provider answers `path` (its route, or a sub-path such as a resumed authorization). */
export function providerPathOf(path: string): ProviderPath | undefined {
  const resource = RESOURCE_PATH.exec(path);
  if (resource) return answers(RESOURCE_PROVIDER_PATHS, resource[2]!) ? { resourceId: resource[1]!, path: resource[2]! } : undefined;
  return answers(ENVIRONMENT_PROVIDER_PATHS, path) ? { path } : undefined;
}
