// Finishing the provider's interactions (login, consent) once a person (or AUTO_LOGIN) has answered: the
// one place that turns an answer into an oidc-provider result. The pages and the hands-free mode both
// call it, so a CI run goes through the same grants and consents as a person at a browser.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionResults } from 'oidc-provider';
import type { Repositories } from '../store/index.js';
import type { Resource } from '../store/resources.js';
import type { User } from '../store/users.js';
import type { EnvironmentContext } from './environment.js';
import type { IssuerScope } from './provider.js';
import type { IssuerProvider } from './providers.js';
import { ENVIRONMENT_AUDIENCE, resourceForIndicator } from './resource-indicators.js';
import { isOidcScope, OIDC_SCOPE_DESCRIPTIONS } from './scopes.js';

type Interaction = Awaited<ReturnType<IssuerProvider['provider']['interactionDetails']>>;

export interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
  /** A device flow's consent (provider.ts): every scope the device asked for, granted already or not. */
  requestedScopes?: string[];
}

/**
 * The MCP servers a consent is for: an MCP server's issuer serves only its own; at the environment's the
 * `resource` values name them (none, or the environment's own URL: a token for the app itself).
 */
export async function consentServers(store: Repositories, scope: IssuerScope, resourceParam: unknown, environmentUrl: string): Promise<Resource[]> {
  if (scope.kind === 'resource') return [await store.resources.get(scope.resourceId)].filter((r) => r !== undefined);
  const named = await Promise.all(([] as unknown[]).concat(resourceParam ?? []).map((value) => resourceForIndicator(store, scope, String(value), environmentUrl)));
  return named.filter((r): r is Resource => r !== undefined && r !== ENVIRONMENT_AUDIENCE);
}

/** The scopes a consent prompt asks for, in order, each with what the consent screen says of it. */
export function askedScopes(details: ConsentDetails, servers: Resource[]): { name: string; description: string }[] {
  const described = new Map(servers.flatMap((r) => r.scopes.map((s) => [s.name, s.description] as const)));
  const asked = details.requestedScopes ?? [...new Set([...(details.missingOIDCScope ?? []), ...Object.values(details.missingResourceScopes ?? {}).flat()])];
  return asked.map((name) => ({
    name,
    description: described.get(name) || (isOidcScope(name) ? OIDC_SCOPE_DESCRIPTIONS[name as keyof typeof OIDC_SCOPE_DESCRIPTIONS] : ''),
  }));
}

/** How a person proved who they are (RFC 8176 `amr` values): password, one-time code or link, federated, a passkey (key possession). */
export type SignInMethod = 'pwd' | 'otp' | 'fed' | 'hwk';

/** The prompts the login pages answer: `login`, and `create` (prompt=create, signing up). */
export const SIGN_IN_PROMPTS: ReadonlySet<string> = new Set(['login', 'create']);

/**
 * Records who signed in, and how; resolves to the URL the browser continues at. A sign-up asked by
 * prompt=create is answered by the same result, which names the prompt so that it counts as done.
 */
export function finishLogin(issuer: IssuerProvider, interaction: Interaction, req: IncomingMessage, res: ServerResponse, user: User, method: SignInMethod = 'pwd'): Promise<string> {
  const result: InteractionResults = {
    login: { accountId: user.id, amr: [method] },
    ...(interaction.prompt.name === 'create' ? { create: {} } : {}),
  };
  return issuer.provider.interactionResult(req, res, result, { mergeWithLastSubmission: false });
}

/**
 * Grants what the consent prompt asked for, on the grant the client already holds for this user (so a
 * step-up widens it), and remembers it per (client, user, issuer) for later sessions.
 */
export async function finishConsent(
  env: EnvironmentContext,
  issuer: IssuerProvider,
  interaction: Interaction,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<string> {
  const { provider } = issuer;
  const accountId = interaction.session!.accountId;
  const clientId = String(interaction.params.client_id);
  const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  const details = interaction.prompt.details as ConsentDetails;
  const approved: string[] = [];
  if (details.missingOIDCScope?.length) {
    grant.addOIDCScope(details.missingOIDCScope.join(' '));
    approved.push(...details.missingOIDCScope);
  }
  if (details.missingOIDCClaims?.length) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
    approved.push(...scopes);
  }
  const grantId = await grant.save();
  await env.store.consents.save({
    clientId,
    userId: accountId,
    ns: issuer.scope.ns,
    ...(issuer.scope.kind === 'resource' ? { resourceId: issuer.scope.resourceId } : {}),
    scopes: approved,
    grantId,
  });
  return provider.interactionResult(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/** Ends the authorization with an error at the client's redirect URI (e.g. access_denied). */
export function abortInteraction(issuer: IssuerProvider, req: IncomingMessage, res: ServerResponse, error: string, description: string): Promise<string> {
  return issuer.provider.interactionResult(req, res, { error, error_description: description }, { mergeWithLastSubmission: false });
}

/**
 * The grant a user already gave this client at this issuer, from an earlier session or another browser
 * (oidc-provider by default only looks in the current session). Only a grant of this user and client.
 */
export async function rememberedGrantId(env: EnvironmentContext, issuerNs: string, clientId: string, accountId: string | undefined): Promise<string | undefined> {
  if (!accountId) return undefined;
  return (await env.store.consents.find(clientId, accountId, issuerNs))?.grantId;
}
