// Step 1 of enterprise-managed authorization, at the environment's issuer acting as the enterprise
// identity provider (draft-ietf-oauth-identity-assertion-authz-grant §4.3, ext-auth §4): an RFC 8693
// token exchange of an ID token the environment issued for an ID-JAG addressed to one MCP server's
// issuer. Named steps: the token types, the ID token (ours, live, issued to the client asking), the MCP
// server the `audience` names (and `resource`, which must be that server: the pair is checked, §7.6.1),
// whether it accepts ID-JAGs, whether the client asking is one it knows (the ID-JAG's `client_id` names
// who will present it there), the scopes; then the ID-JAG, signed with the environment's key and audited.
import { errors as joseErrors, jwtVerify, createLocalJWKSet, type JWTPayload } from 'jose';
import type { Client } from '../../store/clients.js';
import type { Resource } from '../../store/resources.js';
import type { User } from '../../store/users.js';
import type { EnvironmentContext } from '../environment.js';
import { InvalidGrant, InvalidRequest, InvalidScope, InvalidTarget } from '../errors.js';
import type { FormParams } from '../form.js';
import type { ClientGrantRequest, TokenAnswer } from '../grant-types/grant.js';
import { TOKEN_EXCHANGE, TOKEN_TYPES } from '../grant-types/urns.js';
import { enabledScopes, resourceIssuer } from '../issuers.js';
import { sameResource } from '../resource-url.js';
import { recordIssuedToken } from '../token-audit.js';
import { signJwt } from '../token-signer.js';
import { ID_JAG_LIFETIME, ID_JAG_TYP, type IdJagClaims } from './id-jag.js';

export async function requestIdJag({ env, client, params }: ClientGrantRequest): Promise<TokenAnswer> {
  checkTokenTypes(params);
  const person = await idTokenSubject(env, client, params.get('subject_token')!);
  const server = await audienceServer(env, params.get('audience'));
  checkResource(server, params.getAll('resource'));
  if (!server.xaaEnabled) throw new InvalidTarget(`MCP server ${server.id} does not accept ID-JAGs (its xaa_enabled is off)`);
  checkPresenter(client, server);
  const scopes = requestedScopes(server, params.get('scope'));
  const now = Math.floor(env.clock() / 1000);
  const claims: IdJagClaims = {
    iss: env.issuer,
    sub: person.id,
    aud: resourceIssuer(env.issuer, server.id),
    client_id: client.clientId,
    jti: env.store.ids.newId('token'),
    exp: now + ID_JAG_LIFETIME,
    iat: now,
    resource: server.serverUrl,
    scope: scopes.join(' '),
  };
  const assertion = await signJwt(env.keys.current, { typ: ID_JAG_TYP }, { ...claims });
  // Audited as every token (a revoked ID-JAG is refused where it is presented).
  await recordIssuedToken(env, { ...claims, aud: [claims.aud as string], scopes }, { grantType: TOKEN_EXCHANGE, clientKind: client.kind });
  return { access_token: assertion, issued_token_type: TOKEN_TYPES.idJag, token_type: 'N_A', expires_in: ID_JAG_LIFETIME, scope: claims.scope };
}

function checkTokenTypes(params: FormParams): void {
  const required = (name: string) => {
    const value = params.get(name);
    if (value === undefined) throw new InvalidRequest(`missing required parameter '${name}'`);
    return value;
  };
  required('subject_token');
  const requested = required('requested_token_type');
  if (requested !== TOKEN_TYPES.idJag) {
    throw new InvalidRequest(
      `unsupported requested_token_type at the environment's issuer: ${requested.slice(0, 80)} (it issues ID-JAGs, ${TOKEN_TYPES.idJag}; exchange access tokens at the MCP server's own issuer)`,
    );
  }
  const subjectType = required('subject_token_type');
  if (subjectType !== TOKEN_TYPES.idToken) throw new InvalidRequest(`unsupported subject_token_type: ${subjectType.slice(0, 80)} (an ID-JAG is had for an ID token, ${TOKEN_TYPES.idToken})`);
  if (params.get('actor_token') !== undefined) throw new InvalidRequest('actor_token is not used for ID-JAGs');
}

/**
 * The person an ID token of this environment names, issued to the client asking (§4.3.3: its `aud` is
 * the requesting client). Our ID tokens carry no `typ`; our access tokens (`JWT`, `at+jwt`) and ID-JAGs do,
 * so neither passes for one.
 */
async function idTokenSubject(env: EnvironmentContext, client: Client, token: string): Promise<User> {
  let payload: JWTPayload;
  try {
    let protectedHeader;
    ({ payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(env.keys.jwks), {
      algorithms: ['RS256'],
      issuer: env.issuer,
      currentDate: new Date(env.clock()),
      requiredClaims: ['sub', 'aud', 'exp', 'iat'],
    }));
    if (protectedHeader.typ !== undefined) throw new InvalidGrant(`the subject_token is not an ID token (its typ is ${String(protectedHeader.typ).slice(0, 40)})`);
  } catch (err) {
    throw err instanceof InvalidGrant ? err : new InvalidGrant(idTokenProblem(err));
  }
  const audience = ([] as unknown[]).concat(payload.aud);
  const issuedTo = audience.length > 1 ? payload.azp : audience[0];
  if (issuedTo !== client.clientId || !audience.includes(client.clientId)) throw new InvalidGrant('the subject_token (ID token) was issued to another client');
  const user = await env.store.users.get(String(payload.sub));
  if (!user) throw new InvalidGrant("the subject_token's subject is not a user of this environment");
  return user;
}

function idTokenProblem(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the subject_token (ID token) expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return err.claim === 'iss' ? 'the subject_token was not issued by this environment' : `the subject_token (ID token) is invalid: ${err.message}`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JWKSNoMatchingKey) {
    return "the subject_token's signature does not verify with this environment's keys";
  }
  return 'the subject_token is not a valid ID token of this environment';
}

/** §4.3: `audience` is the issuer of the MCP server's authorization server. */
async function audienceServer(env: EnvironmentContext, audience: string | undefined): Promise<Resource> {
  if (audience === undefined) throw new InvalidRequest("missing required parameter 'audience' (the issuer of the MCP server's authorization server)");
  const prefix = resourceIssuer(env.issuer, '');
  const id = audience.startsWith(prefix) ? audience.slice(prefix.length).replace(/\/$/, '') : undefined;
  const server = id ? await env.store.resources.get(id) : undefined;
  if (!server || audience.replace(/\/$/, '') !== resourceIssuer(env.issuer, server.id)) {
    throw new InvalidTarget(`the audience names no MCP server's issuer of this environment (${env.issuer}/resources/<res_id>)`);
  }
  return server;
}

// ext-auth §7.6.1: the audience and the resource are one pair.
function checkResource(server: Resource, resources: string[]): void {
  if (resources.some((r) => !sameResource(r, server.serverUrl))) {
    throw new InvalidTarget(`the resource is not the MCP server whose issuer the audience names (${server.serverUrl})`);
  }
}

/** The ID-JAG names the client asking as the one that will present it: the server must know that client. */
function checkPresenter(client: Client, server: Resource): void {
  if (client.kind === 'environment' || (client.kind === 'resource' && client.resourceId === server.id)) return;
  throw new InvalidTarget(
    `the client ${client.clientId} is not a client of ${server.id} and could not present the ID-JAG there: ask as the environment's client or one of the server's own confidential clients`,
  );
}

/** Those asked, each one of the server's enabled scopes; none asked: all of them. */
function requestedScopes(server: Resource, requested: string | undefined): string[] {
  const offered = enabledScopes(server);
  if (requested === undefined) return offered;
  const asked = [...new Set(requested.split(' ').filter(Boolean))];
  const unknown = asked.filter((s) => !offered.includes(s));
  if (unknown.length > 0) throw new InvalidScope(`requested scope is not a scope of ${server.id}: ${unknown.join(' ')}`);
  return asked;
}
