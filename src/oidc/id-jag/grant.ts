// Step 2 of enterprise-managed authorization, at an MCP server's issuer (RFC 7523 §2.1 with the ID-JAG
// profile, draft-ietf-oauth-identity-assertion-authz-grant §4.4, ext-auth §5 and §7): the client presents
// an ID-JAG and gets an access token for the person it names, in Scalekit's shape, with no consent page
// (the identity provider vouched). Named steps: the assertion (typed, signed by a trusted issuer, not
// expired, addressed to this issuer), its resource and client, the request's resource, the scopes, replay
// (its jti, remembered until it expires), the person; then the token through the one pipeline.
//
// The person: for the environment's own ID-JAGs, the `usr_` user they name. For an external identity
// provider, the user whose `usr_` id its `sub` is, else the user with its `email` (made on first sight,
// as a sign-in through an identity provider does); an assertion naming neither is refused.
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Client } from '../../store/clients.js';
import { isId } from '../../store/ids.js';
import type { Resource } from '../../store/resources.js';
import type { User } from '../../store/users.js';
import { accessTokenClaims, accessTokenTyp } from '../claims.js';
import type { EnvironmentContext } from '../environment.js';
import { InvalidGrant, InvalidRequest, InvalidScope, InvalidTarget } from '../errors.js';
import type { ClientGrantRequest, TokenAnswer } from '../grant-types/grant.js';
import { JWT_BEARER } from '../grant-types/urns.js';
import { enabledScopes, resourceIssuer } from '../issuers.js';
import { sameResource } from '../resource-url.js';
import { recordIssuedToken } from '../token-audit.js';
import { signAccessToken } from '../token-signer.js';
import { isIdJagTyp, ID_JAG_TYP, type IdJagClaims } from './id-jag.js';
import { issuerKeys } from './issuer-keys.js';

/** ext-auth §7.4.2: an ID-JAG is short-lived; one good for longer is refused (and its jti is kept no longer). */
const MAX_REMAINING_SECONDS = 3600;

/** ext-auth §7.4.1: an explicit allow-list of signature algorithms; never `none`, never a shared-key HMAC. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export async function idJagGrant({ env, client, params, signUp }: ClientGrantRequest, server: Resource): Promise<TokenAnswer> {
  const assertion = params.get('assertion');
  if (assertion === undefined) throw new InvalidRequest("missing required parameter 'assertion'");
  const claims = await verifiedAssertion(env, server, assertion);
  checkAddressedHere(server, client, claims);
  for (const resource of params.getAll('resource')) {
    if (!sameResource(resource, server.serverUrl)) throw new InvalidTarget(`the resource is not this issuer's MCP server (${server.serverUrl})`);
  }
  const scopes = grantedScopes(server, claims.scope, params.get('scope'));
  const now = Math.floor(env.clock() / 1000);
  if (!(await env.store.usedAssertions.use(claims.iss, claims.jti, claims.exp, now))) {
    throw new InvalidGrant('the assertion was presented before (its jti was used): an ID-JAG is good for one token');
  }
  const user = await person(env, claims, signUp);
  const token = accessTokenClaims({
    issuer: env.issuer,
    subject: user.id,
    clientId: client.clientId,
    audience: [],
    resource: server,
    ...(user.organizationId ? { organizationId: user.organizationId } : {}),
    authentication: {
      ...(typeof claims.auth_time === 'number' ? { authTime: claims.auth_time } : {}),
      ...(typeof claims.acr === 'string' ? { acr: claims.acr } : {}),
      ...(Array.isArray(claims.amr) ? { amr: claims.amr } : {}),
    },
    scopes,
    now,
    lifetime: server.accessTokenExpiry,
    ids: env.store.ids,
  });
  const accessToken = await signAccessToken(env.keys.current, token, accessTokenTyp(server));
  await recordIssuedToken(env, token, { grantType: JWT_BEARER, clientKind: client.kind });
  return { access_token: accessToken, token_type: 'Bearer', expires_in: server.accessTokenExpiry, scope: token.scope };
}

/** RFC 7521 §5.2, RFC 8725 §3.11: an ID-JAG, signed by an issuer this environment trusts, live, for this issuer. */
async function verifiedAssertion(env: EnvironmentContext, server: Resource, assertion: string): Promise<IdJagClaims> {
  let typ: unknown;
  let issuer: unknown;
  try {
    typ = decodeProtectedHeader(assertion).typ;
    issuer = decodeJwt(assertion).iss;
  } catch {
    throw new InvalidGrant('the assertion is not a JWT');
  }
  if (!isIdJagTyp(typ)) throw new InvalidGrant(`the assertion is not an ID-JAG (its typ must be ${ID_JAG_TYP})`);
  if (typeof issuer !== 'string') throw new InvalidGrant('the assertion names no issuer (iss)');
  const keys = await issuerKeys(env, issuer);
  if (!keys) throw new InvalidGrant(`the assertion's issuer is not trusted here: ${issuer.slice(0, 200)}`);
  const verify = (getKey: JWTVerifyGetKey) =>
    jwtVerify<IdJagClaims>(assertion, getKey, {
      algorithms: ALGORITHMS,
      issuer,
      audience: resourceIssuer(env.issuer, server.id),
      currentDate: new Date(env.clock()),
      requiredClaims: ['sub', 'client_id', 'jti', 'exp', 'iat'],
    });
  let claims: IdJagClaims;
  try {
    claims = (await verify(keys.keys)).payload;
  } catch (err) {
    // A key id nobody has seen: the provider may have rotated; its keys are fetched once more.
    const again = err instanceof joseErrors.JWKSNoMatchingKey ? await keys.refreshed() : undefined;
    if (!again) throw new InvalidGrant(assertionProblem(err));
    try {
      claims = (await verify(again)).payload;
    } catch (retried) {
      throw new InvalidGrant(assertionProblem(retried));
    }
  }
  if (typeof claims.client_id !== 'string' || typeof claims.jti !== 'string' || typeof claims.sub !== 'string') {
    throw new InvalidGrant('the assertion has a sub, client_id or jti that is not a string');
  }
  if (claims.exp - Math.floor(env.clock() / 1000) > MAX_REMAINING_SECONDS) {
    throw new InvalidGrant('the assertion is good for more than an hour: an ID-JAG must be short-lived');
  }
  if (issuer === env.issuer) {
    // One the environment issued: refused once revoked (or expired early) by the environment.
    const row = await env.store.issuedTokens.get(claims.jti);
    if (!row || row.revokedAt !== undefined || row.expiresAt <= Math.floor(env.clock() / 1000)) throw new InvalidGrant('the assertion was revoked');
  }
  return claims;
}

function assertionProblem(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the assertion expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return "the assertion is addressed to another authorization server (its aud is not this MCP server's issuer)";
    if (err.reason === 'missing') return `the assertion has no ${err.claim} claim`;
    return `the assertion's ${err.claim} claim is invalid: ${err.message}`;
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'the assertion is signed with an algorithm not accepted here';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JWKSNoMatchingKey) {
    return "the assertion's signature does not verify with its issuer's keys";
  }
  if (err instanceof InvalidGrant) return err.description;
  return 'the assertion is not a valid signed JWT';
}

/** ext-auth §7.6.2 and the draft's §4.4.1: for this MCP server, and for the client presenting it. */
function checkAddressedHere(server: Resource, client: Client, claims: IdJagClaims): void {
  const resources = claims.resource === undefined ? [] : ([] as unknown[]).concat(claims.resource);
  if (resources.length > 0 && !resources.some((r) => typeof r === 'string' && sameResource(r, server.serverUrl))) {
    throw new InvalidGrant(`the assertion is for another resource, not this MCP server (${server.serverUrl})`);
  }
  if (claims.client_id !== client.clientId) throw new InvalidGrant('the assertion was issued for another client (its client_id is not the authenticated client)');
}

/**
 * ext-auth §7.2.1 and §7.6.2: the assertion's scopes must be the server's; the token gets them, narrowed
 * to the request's `scope` when it names any. An assertion naming none grants the server's scopes.
 */
function grantedScopes(server: Resource, vouched: unknown, requested: string | undefined): string[] {
  const offered = enabledScopes(server);
  if (vouched !== undefined && typeof vouched !== 'string') throw new InvalidGrant('the assertion has a scope claim that is not a string');
  const granted = vouched === undefined ? offered : [...new Set(vouched.split(' ').filter(Boolean))];
  const unknown = granted.filter((s) => !offered.includes(s));
  if (unknown.length > 0) throw new InvalidGrant(`the assertion names scopes this MCP server does not have: ${unknown.join(' ')}`);
  if (requested === undefined) return granted;
  const narrowed = granted.filter((s) => requested.split(' ').includes(s));
  if (narrowed.length === 0) throw new InvalidScope(`the assertion grants none of the requested scopes (it grants: ${granted.join(' ') || 'none'})`);
  return narrowed;
}

async function person(env: EnvironmentContext, claims: IdJagClaims, signUp: (email: string) => Promise<User>): Promise<User> {
  const named = isId('user', claims.sub) ? await env.store.users.get(claims.sub) : undefined;
  if (named) return named;
  if (claims.iss === env.issuer) throw new InvalidGrant("the assertion's subject is not a user of this environment");
  if (typeof claims.email !== 'string' || !claims.email.includes('@')) {
    throw new InvalidGrant("the assertion names no user of this environment: its sub is no usr_ id here and it carries no email");
  }
  return (await env.store.users.findByEmail(claims.email.trim().toLowerCase())) ?? signUp(claims.email.trim());
}
