// The URNs of the extension grants and of the token types they exchange (RFC 8628 §3.4, RFC 8693 §3,
// RFC 7523 §2.1, draft-ietf-oauth-identity-assertion-authz-grant).
export const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export const TOKEN_TYPES = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  idJag: 'urn:ietf:params:oauth:token-type:id-jag',
} as const;

/** What an MCP client looks for in an MCP server's metadata (ext-auth "Enterprise-Managed Authorization" §6). */
export const ID_JAG_GRANT_PROFILE = 'urn:ietf:params:oauth:grant-profile:id-jag';
