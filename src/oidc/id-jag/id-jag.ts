// The Identity Assertion JWT Authorization Grant (draft-ietf-oauth-identity-assertion-authz-grant §3),
// as the environment issues it and as MCP servers' issuers accept it.

/** Its JWT header `typ` (RFC 8725 §3.11: typed, so no other JWT passes for one). */
export const ID_JAG_TYP = 'oauth-id-jag+jwt';

/** Seconds an ID-JAG the environment issues is good for: long enough to present it, short as a bearer assertion should be. */
export const ID_JAG_LIFETIME = 300;

export interface IdJagClaims {
  iss: string;
  sub: string;
  /** The issuer of the MCP server's authorization server. */
  aud: string | string[];
  /** The client that will present it there. */
  client_id: string;
  jti: string;
  exp: number;
  iat: number;
  /** The MCP server (RFC 8707). */
  resource?: string | string[];
  scope?: string;
  /** An external identity provider may name the person by email too (the draft's implementation notes). */
  email?: string;
  auth_time?: number;
  acr?: string;
  amr?: string[];
}

/** Compared as jose compares `typ`: case-insensitive, with or without the `application/` prefix. */
export const isIdJagTyp = (typ: unknown) => typeof typ === 'string' && typ.toLowerCase().replace(/^application\//, '') === ID_JAG_TYP;
