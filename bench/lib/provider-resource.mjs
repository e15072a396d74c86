// The Todo MCP server as both bare oidc-provider baselines describe it: one resource server, JWT access
// tokens signed RS256, the server's two scopes, an hour's lifetime.
const AUDIENCE = 'http://localhost:3002/';

export const todoResourceIndicators = {
  enabled: true,
  defaultResource: () => AUDIENCE,
  useGrantedResource: () => true,
  getResourceServerInfo: () => ({
    scope: 'todo:read todo:write',
    audience: AUDIENCE,
    accessTokenTTL: 3600,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  }),
};
