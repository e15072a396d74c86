// GET/POST /userinfo (OpenID Connect Core §5.3) for the JWT access tokens of signed-in users. Served here
// rather than by oidc-provider, which only knows its own opaque tokens. Claims follow the token's scopes:
// `sub` always, `email` and `email_verified` with email, `name` with profile.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidToken, verifyAccessToken } from '../oidc/access-token-verifier.js';
import type { EnvironmentContext } from '../oidc/environment.js';
import { ENVIRONMENT_PATHS } from '../oidc/paths.js';

export function userinfoRoute(app: FastifyInstance, env: EnvironmentContext): void {
  const answer = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    const header = request.headers.authorization;
    if (!header || !/^bearer /i.test(header)) return challenge(reply, 401, undefined, 'a bearer access token is required');
    let claims;
    try {
      claims = await verifyAccessToken(env, header.slice(7).trim());
    } catch (err) {
      if (err instanceof InvalidToken) return challenge(reply, 401, 'invalid_token', err.message);
      throw err;
    }
    const user = await env.store.users.get(claims.sub);
    if (!user) return challenge(reply, 401, 'invalid_token', 'the access token was not issued to a user');
    const scopes = new Set(claims.scopes);
    if (!scopes.has('openid')) return challenge(reply, 403, 'insufficient_scope', 'the access token lacks the openid scope');
    return {
      sub: user.id,
      ...(scopes.has('email') ? { email: user.email, email_verified: true } : {}),
      ...(scopes.has('profile') ? { name: user.name } : {}),
    };
  };
  app.get(ENVIRONMENT_PATHS.userinfo, answer);
  app.post(ENVIRONMENT_PATHS.userinfo, answer);
}

// RFC 6750 §3: no error code when no token was sent.
function challenge(reply: FastifyReply, status: 401 | 403, error: string | undefined, description: string) {
  const params = [`realm="userinfo"`, ...(error ? [`error="${error}"`, `error_description="${description}"`] : [])];
  return reply
    .code(status)
    .header('www-authenticate', `Bearer ${params.join(', ')}`)
    .send({ error: error ?? 'invalid_request', error_description: description });
}
