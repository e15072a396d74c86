// One grant of the token endpoint, as oidc-provider keeps its own (lib/actions/grants): the grant_type, at
// which issuers it is offered, which clients may use it, and what answers it. The registry (index.ts) is
// the one list the token route, both issuers' metadata and the client checks read.
import type { Client } from '../../store/clients.js';
import type { Repositories } from '../../store/index.js';
import type { Resource } from '../../store/resources.js';
import type { User } from '../../store/users.js';
import type { EnvironmentContext } from '../environment.js';
import type { FormParams } from '../form.js';

/** The issuer a token request came to: the environment's (`<env>`), or an MCP server's (`<env>/resources/<res_id>`). */
export type GrantIssuer = { kind: 'environment' } | { kind: 'resource'; resource: Resource };

export interface GrantRequest {
  env: EnvironmentContext;
  issuer: GrantIssuer;
  params: FormParams;
  /** The Authorization header, for client authentication. */
  authorization: string | undefined;
  /** Makes the user an identity provider vouched for, on first sight (audited by the management service). */
  signUp: (email: string) => Promise<User>;
}

/** A token endpoint response (RFC 6749 §5.1, RFC 8693 §2.2.1), sent with no-store. */
export type TokenAnswer = object;

/** A request to one of our own handlers: its client authenticated, and allowed the grant at this issuer. */
export interface ClientGrantRequest extends GrantRequest {
  client: Client;
}

/**
 * 'provider': the issuer's oidc-provider answers, with the models it keeps (codes, refresh tokens, device
 * codes), authenticating the client itself and checking the grant against the `grant_types` the registry
 * gave it (provider-clients.ts); its access tokens still come from claims.ts (code-flow-tokens.ts).
 * Otherwise our own handler, for a confidential client.
 */
export type GrantHandler = 'provider' | ((request: ClientGrantRequest) => Promise<TokenAnswer>);

export interface Grant {
  grantType: string;
  /** Whether this issuer's token endpoint takes the grant now (a per-server switch may turn it off); else unsupported_grant_type. */
  offeredAt(issuer: GrantIssuer, store: Repositories): boolean | Promise<boolean>;
  /**
   * Where it is offered, whether the issuer's metadata lists it too (default: yes). Metadata lists only
   * what can work: a grant offered but refused for every request for now (its handler answers
   * invalid_target, as token exchange at an MCP server that accepts no other server's tokens) is not listed.
   */
  listedAt?: (issuer: GrantIssuer, store: Repositories) => boolean | Promise<boolean>;
  /** Why it is not offered at this issuer, for the unsupported_grant_type answer (never asked of a grant offered everywhere). */
  notOffered?: (issuer: GrantIssuer) => string;
  /** Which clients may use it at this issuer (the handler may still refuse a client for its own reasons). */
  allowsClient(client: Client, issuer: GrantIssuer): boolean;
  /** A client may list it in its registration (RFC 7591 `grant_types`, a client ID metadata document). */
  registrable: boolean;
  /** It renews what another grant issued (refresh_token): a registration must name one of the others too. */
  renews?: boolean;
  /**
   * What else an issuer offering it says in its metadata (RFC 8414 fields the grant's specification
   * defines); `issuerUrl` for endpoints under it (e.g. RFC 8628's device_authorization_endpoint).
   */
  metadata?: (issuer: GrantIssuer, issuerUrl: string) => Record<string, unknown>;
  handler: GrantHandler;
}

export const issuerResource = (issuer: GrantIssuer): Resource | undefined => (issuer.kind === 'resource' ? issuer.resource : undefined);

/** A client that registered grant types (RFC 7591) uses only those; one that registered none, any it is allowed. */
export const registeredFor = (client: Client, grantType: string): boolean => client.metadata.grant_types?.includes(grantType) ?? true;
