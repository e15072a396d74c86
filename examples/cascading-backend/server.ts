// Pattern 3c: a plain HTTP API in the MCP server's trust boundary. It receives the token the MCP
// server received (cascaded) and validates it itself against Scalekit's JWKS: issuer, audience,
// expiry, then scopes.
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { bearerToken, createHttpApp, pathOf, sendJson, type HttpApp } from '../shared/http.js';

export interface BackendOptions {
  /** How this process reaches Scalekit, for /keys. */
  environmentUrl: string;
  /** The `iss` of the tokens: Scalekit's public environment URL. */
  issuer: string;
  /** The audience of the cascaded token: the MCP server's URL. */
  audience: string;
}

const ARCHIVED = ['Renew passport', 'Book dentist'];

export function createBackend(options: BackendOptions): HttpApp {
  const jwks = createRemoteJWKSet(new URL(`${options.environmentUrl.replace(/\/$/, '')}/keys`));
  const deny = (res: Parameters<typeof sendJson>[0], status: 401 | 403, error: string, description: string, scope?: string) =>
    sendJson(res, status, { error, error_description: description }, {
      'www-authenticate': `Bearer error="${error}"${scope ? `, scope="${scope}"` : ''}`,
    });

  return createHttpApp(async (req, res) => {
    if (pathOf(req) !== '/todos/summary' || req.method !== 'GET') return sendJson(res, 404, { error: 'not_found' });
    const token = bearerToken(req);
    if (!token) return deny(res, 401, 'invalid_token', 'a bearer token is required');
    let claims;
    try {
      ({ payload: claims } = await jwtVerify<{ scopes?: string[]; client_id?: string }>(token, jwks, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['RS256'],
      }));
    } catch (err) {
      if (!(err instanceof errors.JOSEError)) throw err;
      return deny(res, 401, 'invalid_token', err.message);
    }
    if (!claims.scopes?.includes('todo:read')) return deny(res, 403, 'insufficient_scope', 'requires todo:read', 'todo:read');
    sendJson(res, 200, { archived: ARCHIVED, client_id: claims.client_id ?? claims.sub });
  });
}
