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
  introspection: '/oauth/introspect',
  // RFC 8628. Scalekit publishes no device paths: the request beside its other /oauth/ endpoints (Auth0's
  // path too), and the page a person types the code at short enough to type from a TV (RFC 8628's own
  // example, oidc-provider's default).
  device_authorization: '/oauth/device/code',
  code_verification: '/device',
} as const;

/**
 * The paths an issuer's provider answers itself, relative to the issuer; every other path stays Fastify's
 * (revocation and introspection too: access tokens are our JWTs, which the provider never stored). The
 * device's own requests (device authorization, token) reach the provider through our routes, which parse
 * them first; the person's user-code page and its resume after sign-in are the provider's.
 */
const ENVIRONMENT_PROVIDER_PATHS = [ENVIRONMENT_PATHS.authorization, ENVIRONMENT_PATHS.end_session, ENVIRONMENT_PATHS.code_verification];

/**
 * Where oidc-provider posts its own logout form when a browser signed in as one person signs in as
 * another (prompt=login): the old session ends there before the new one begins. An MCP server's issuer
 * serves this step only, not RP-initiated logout itself (its metadata lists no end_session_endpoint).
 */
export const END_SESSION_CONFIRM = `${ENVIRONMENT_PATHS.end_session}/confirm`;
const RESOURCE_PROVIDER_PATHS = [ENVIRONMENT_PATHS.authorization, END_SESSION_CONFIRM, ENVIRONMENT_PATHS.code_verification];

const RESOURCE_PATH = /^\/resources\/([^/]+)(\/.*)$/;

export interface ProviderPath {
  /** Set for an MCP server's issuer. */
  resourceId?: string;
  /** The path relative to the issuer, as the provider routes it. */
  path: string;
  /** The provider route it belongs to (the route itself, or the route of a sub-path such as a resumed authorization). */
  route: string;
}

const routeOf = (paths: readonly string[], path: string) => paths.find((p) => path === p || path.startsWith(`${p}/`));

/** Which issuer's provider answers `path`, or undefined when Fastify's routes do. */
export function providerPathOf(path: string): ProviderPath | undefined {
  const resource = RESOURCE_PATH.exec(path);
  if (resource) {
    const route = routeOf(RESOURCE_PROVIDER_PATHS, resource[2]!);
    return route ? { resourceId: resource[1]!, path: resource[2]!, route } : undefined;
  }
  const route = routeOf(ENVIRONMENT_PROVIDER_PATHS, path);
  return route ? { path, route } : undefined;
}

/** The route pattern of a provider path, as a label (never the raw URL): '/oauth/authorize', '/resources/:resourceId/oauth/authorize'. */
export function providerRouteOf(path: string): string | undefined {
  const target = providerPathOf(path);
  return target && (target.resourceId === undefined ? target.route : `/resources/:resourceId${target.route}`);
}
