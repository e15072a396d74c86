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

/** The paths the provider itself answers; every other path stays with Fastify. */
export const PROVIDER_DISPATCHED_PATHS = [
  ENVIRONMENT_PATHS.authorization,
  ENVIRONMENT_PATHS.userinfo,
  ENVIRONMENT_PATHS.end_session,
  ENVIRONMENT_PATHS.revocation,
];

/** The provider route that answers `path` (the route itself, or a sub-path such as a resumed authorization). */
export function providerRouteOf(path: string): string | undefined {
  return PROVIDER_DISPATCHED_PATHS.find((p) => path === p || path.startsWith(`${p}/`));
}

/** True when the provider answers `path`. */
export function isProviderPath(path: string): boolean {
  return providerRouteOf(path) !== undefined;
}
