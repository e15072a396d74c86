// RFC 8693 token exchange at an MCP server's issuer: MCP server A, holding a person's access token for A,
// asks for a token for MCP server B (this issuer's) on the person's behalf. Named steps in the order of
// RFC 8693 §2.1-2.2: the token types, the subject token (ours, live, a person's, for an MCP server),
// the target (B), B's policy (does it accept tokens from A?), the acting client (A's own confidential
// client), the scopes; then the token, from claims.ts with `act` naming the acting client, signed and
// audited as every other.
//
// Scopes: those asked (`scope`; all of B's when none is asked), each one of B's enabled scopes
// (invalid_scope otherwise); and when the subject token carries any of B's scope names, only those it
// carries: the person's consent to a name cannot be widened by an exchange. When the two servers' scope
// names do not overlap, B's policy (accept_from) is what grants them.
import type { Client } from '../store/clients.js';
import { isId } from '../store/ids.js';
import type { Resource } from '../store/resources.js';
import { InvalidToken, verifyAccessToken } from './access-token-verifier.js';
import { accessTokenClaims, accessTokenTyp, type AccessTokenClaims, type Actor } from './claims.js';
import type { EnvironmentContext } from './environment.js';
import { InvalidGrant, InvalidRequest, InvalidScope, InvalidTarget, UnauthorizedClient } from './errors.js';
import type { FormParams } from './form.js';
import type { ClientGrantRequest, TokenAnswer } from './grant-types/grant.js';
import { TOKEN_EXCHANGE, TOKEN_TYPES } from './grant-types/urns.js';
import { enabledScopes, resourceIssuer } from './issuers.js';
import { sameResource } from './resource-url.js';
import { recordIssuedToken } from './token-audit.js';
import { signAccessToken } from './token-signer.js';

/** A person's live access token, as issued (its claims) and as audited (its row's grant). */
interface SubjectToken {
  claims: AccessTokenClaims;
  grantId?: string;
}

export async function exchangeAccessToken({ env, client, params }: ClientGrantRequest, target: Resource): Promise<TokenAnswer> {
  checkTokenTypes(params);
  const subject = await liveSubjectToken(env, params.get('subject_token')!);
  const source = await sourceServer(env, subject.claims);
  checkTarget(env, target, params);
  await checkPolicy(env, target, source);
  checkActingClient(client, source);
  const scopes = exchangedScopes(target, subject.claims, params.get('scope'));
  const now = Math.floor(env.clock() / 1000);
  const { claims: s } = subject;
  const claims = accessTokenClaims({
    issuer: env.issuer,
    subject: s.sub,
    clientId: client.clientId,
    audience: [],
    resource: target,
    ...(s.oid ? { organizationId: s.oid } : {}),
    ...(s.sid ? { sessionId: s.sid } : {}),
    authentication: { ...(s.auth_time !== undefined ? { authTime: s.auth_time } : {}), ...(s.acr ? { acr: s.acr } : {}), ...(s.amr ? { amr: s.amr } : {}) },
    actor: actorOf(client, s),
    scopes,
    now,
    // Never longer than the token it was had for.
    lifetime: Math.min(target.accessTokenExpiry, s.exp - now),
    ids: env.store.ids,
  });
  const accessToken = await signAccessToken(env.keys.current, claims, accessTokenTyp(target));
  // The person's grant at A holds this token too: ending it (a revoked consent, a replayed code) ends this one.
  await recordIssuedToken(env, claims, { grantType: TOKEN_EXCHANGE, clientKind: client.kind, ...(subject.grantId ? { grantId: subject.grantId } : {}) });
  return { access_token: accessToken, issued_token_type: TOKEN_TYPES.accessToken, token_type: 'Bearer', expires_in: claims.exp - claims.iat, scope: claims.scope };
}

// RFC 8693 §2.1: an access token for an access token; no actor token (the acting party is the client).
function checkTokenTypes(params: FormParams): void {
  if (params.get('subject_token') === undefined) throw new InvalidRequest("missing required parameter 'subject_token'");
  const type = params.get('subject_token_type');
  if (type === undefined) throw new InvalidRequest("missing required parameter 'subject_token_type'");
  if (type !== TOKEN_TYPES.accessToken) throw new InvalidRequest(`unsupported subject_token_type at an MCP server's issuer: ${type.slice(0, 80)} (only ${TOKEN_TYPES.accessToken})`);
  const requested = params.get('requested_token_type');
  if (requested !== undefined && requested !== TOKEN_TYPES.accessToken) {
    throw new InvalidRequest(`unsupported requested_token_type: ${requested.slice(0, 80)} (only ${TOKEN_TYPES.accessToken})`);
  }
  if (params.get('actor_token') !== undefined || params.get('actor_token_type') !== undefined) {
    throw new InvalidRequest('actor_token is not supported: the authenticated client is the actor');
  }
}

/** Ours (signature, issuer, the emulator's clock), recorded and not revoked, a person's, for an MCP server. */
async function liveSubjectToken(env: EnvironmentContext, token: string): Promise<SubjectToken> {
  let claims: AccessTokenClaims;
  try {
    claims = await verifyAccessToken(env, token);
  } catch (err) {
    if (err instanceof InvalidToken) throw new InvalidGrant('the subject_token is not a valid access token of this environment, or it expired');
    throw err;
  }
  const row = typeof claims.jti === 'string' ? await env.store.issuedTokens.get(claims.jti) : undefined;
  if (!row) throw new InvalidGrant('the subject_token was not issued by this environment');
  if (row.revokedAt !== undefined) throw new InvalidGrant('the subject_token was revoked');
  if (row.expiresAt <= Math.floor(env.clock() / 1000)) throw new InvalidGrant('the subject_token expired');
  if (!isId('user', claims.sub)) throw new InvalidGrant("the subject_token is not a person's token (an M2M token acts for no one)");
  return { claims, ...(row.grantId ? { grantId: row.grantId } : {}) };
}

/** The MCP server the subject token is for (A). */
async function sourceServer(env: EnvironmentContext, claims: AccessTokenClaims): Promise<Resource> {
  const source = claims.resid === undefined ? undefined : await env.store.resources.get(claims.resid);
  if (!source) throw new InvalidGrant('the subject_token is not a token for an MCP server of this environment');
  return source;
}

// RFC 8693 §2.1: `resource` and `audience`, when given, must name this issuer's MCP server.
function checkTarget(env: EnvironmentContext, target: Resource, params: FormParams): void {
  for (const resource of params.getAll('resource')) {
    if (!sameResource(resource, target.serverUrl)) throw new InvalidTarget(`the resource is not this issuer's MCP server (${target.serverUrl})`);
  }
  const audience = params.get('audience');
  const names = [target.serverUrl, target.id, resourceIssuer(env.issuer, target.id)];
  if (audience !== undefined && !names.some((n) => n === audience || sameResource(n, audience))) {
    throw new InvalidTarget(`the audience is not this issuer's MCP server (${target.serverUrl})`);
  }
}

/** B's `token_exchange.accept_from` names A. */
async function checkPolicy(env: EnvironmentContext, target: Resource, source: Resource): Promise<void> {
  if (!(await env.store.tokenExchangePolicies.acceptedFrom(target.id)).includes(source.id)) {
    throw new InvalidTarget(`MCP server ${target.id} does not accept tokens for ${source.id} in exchange (its token_exchange.accept_from)`);
  }
}

/** The acting client is one of A's own confidential clients: A acts, nobody else holding A's token. */
function checkActingClient(client: Client, source: Resource): void {
  if (client.kind !== 'resource' || client.resourceId !== source.id) {
    throw new UnauthorizedClient(`the client is not a confidential client of ${source.id}, the MCP server the subject_token is for`);
  }
}

function exchangedScopes(target: Resource, subject: AccessTokenClaims, requested: string | undefined): string[] {
  const offered = enabledScopes(target);
  const asked = requested === undefined ? offered : [...new Set(requested.split(' ').filter(Boolean))];
  const unknown = asked.filter((s) => !offered.includes(s));
  if (unknown.length > 0) throw new InvalidScope(`requested scope is not a scope of ${target.id}: ${unknown.join(' ')}`);
  const carried = subject.scopes ?? [];
  if (!offered.some((s) => carried.includes(s))) return asked;
  const granted = asked.filter((s) => carried.includes(s));
  if (granted.length === 0) throw new InvalidScope(`the subject_token carries none of the requested scopes: ${asked.join(' ')}`);
  return granted;
}

// RFC 8693 §4.1: the acting client, and whoever acted before it nested inside.
const actorOf = (client: Client, subject: AccessTokenClaims): Actor => ({ sub: client.clientId, ...(subject.act ? { act: subject.act } : {}) });
