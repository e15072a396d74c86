// The claims that identify or bound a token. A client's custom claims may add to a token, never
// rewrite these: the seed refuses them by name, and the claims builder skips any that arrive another way.
// Kept in config/ (which imports nothing of the project) so both can read the one list.
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'client_id',
  'aud',
  'oid',
  'scope',
  'scopes',
  'jti',
  'iat',
  'nbf',
  'exp',
  'resid',
  'sid',
  'act',
]);
