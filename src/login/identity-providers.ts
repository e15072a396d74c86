// The identity providers the login page simulates: social login (`provider=google|github|microsoft`) and
// enterprise SSO (`connection_id`, `organization_id`, `domain_hint`), as the authorization request names
// them or as the person picks them on the login page. No provider is called: a page stands in for it and
// the tester chooses the identity it returns.

export const SOCIAL_PROVIDERS = {
  google: 'Google',
  github: 'GitHub',
  microsoft: 'Microsoft',
} as const;

export type SocialProvider = keyof typeof SOCIAL_PROVIDERS;

export type IdentityProvider =
  | { kind: 'social'; provider: SocialProvider; name: string }
  | { kind: 'enterprise'; name: string; connectionId?: string; organizationId?: string; domainHint?: string };

/** What a request (authorization parameters or the login page's link) asks for. */
export interface IdentityProviderParams {
  provider?: unknown;
  connection_id?: unknown;
  organization_id?: unknown;
  domain_hint?: unknown;
  /** The login page's "Single sign-on" button: enterprise SSO without a hint. */
  enterprise?: unknown;
}

export class UnknownIdentityProvider extends Error {
  constructor(readonly provider: string) {
    super(`unknown identity provider ${provider}`);
  }
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/** The provider the parameters name; undefined when they name none; UnknownIdentityProvider for a provider we do not simulate. */
export function identityProviderOf(params: IdentityProviderParams): IdentityProvider | undefined {
  const provider = text(params.provider)?.toLowerCase();
  if (provider !== undefined) {
    if (!Object.hasOwn(SOCIAL_PROVIDERS, provider)) throw new UnknownIdentityProvider(provider);
    return { kind: 'social', provider: provider as SocialProvider, name: SOCIAL_PROVIDERS[provider as SocialProvider] };
  }
  const connectionId = text(params.connection_id);
  const organizationId = text(params.organization_id);
  const domainHint = text(params.domain_hint);
  if (connectionId === undefined && organizationId === undefined && domainHint === undefined && !text(params.enterprise)) return undefined;
  return {
    kind: 'enterprise',
    name: 'Enterprise SSO',
    ...(connectionId ? { connectionId } : {}),
    ...(organizationId ? { organizationId } : {}),
    ...(domainHint ? { domainHint } : {}),
  };
}
