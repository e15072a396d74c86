// The OpenID Connect scopes every issuer knows, besides the scopes each MCP server defines.
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

const OIDC_SCOPE_SET: ReadonlySet<string> = new Set(OIDC_SCOPES);
export const isOidcScope = (scope: string) => OIDC_SCOPE_SET.has(scope);

/** What the consent page says about a scope the MCP server does not describe itself. */
export const OIDC_SCOPE_DESCRIPTIONS: Record<(typeof OIDC_SCOPES)[number], string> = {
  openid: 'Confirm your identity',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Stay signed in: keep access when you are not using it',
};
