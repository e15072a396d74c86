// POST /oauth/token and each MCP server's /resources/<res_id>/oauth/token. The grant is picked from the
// registry (oidc/grant-types): our own handlers answer in Scalekit's token shape (client credentials, token
// exchange, the ID-JAG bearer grant); the grants of the interactive flows (authorization_code,
// refresh_token, the device code) go to that issuer's oidc-provider with the body already parsed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ManagementError } from '../management/errors.js';
import type { UserService } from '../management/users.js';
import type { EnvironmentContext } from '../oidc/environment.js';
import { InvalidGrant, InvalidRequest, UnknownMcpServer } from '../oidc/errors.js';
import { parseForm, type FormParams } from '../oidc/form.js';
import { answerOwnGrant, offeredGrant, type GrantIssuer, type TokenAnswer } from '../oidc/grant-types/index.js';
import { ENVIRONMENT_PATHS } from '../oidc/paths.js';
import { providerTokenRequest } from '../oidc/provider-token-request.js';
import { markRetryAnsweredBySuccessor } from '../oidc/refresh-rotation.js';
import type { IssuerProvider } from '../oidc/providers.js';
import { allowCors } from './cors.js';
import { acceptOAuthForms, noStore, postOnly } from './oauth-forms.js';
import { asIssuerRequest } from './provider-dispatch.js';

/** People an identity provider vouches for (the ID-JAG grant) are signed up as a sign-in would. */
const VOUCHED = { actor: 'id-jag' };

export async function tokenRoutes(app: FastifyInstance, env: EnvironmentContext, users: Pick<UserService, 'signUp'>): Promise<void> {
  const fail = acceptOAuthForms(app, env);
  const resourceTokenUrl = `/resources/:resourceId${ENVIRONMENT_PATHS.token}`;
  const cors = { onRequest: allowCors(app, [ENVIRONMENT_PATHS.token, resourceTokenUrl], ['POST']) };
  postOnly(app, [ENVIRONMENT_PATHS.token, resourceTokenUrl], fail, 'token', cors);

  // Refreshes with one refresh token are answered one after another (in this process): of two sent at
  // once, the second finds the first's successor and is answered as its retry (refresh-rotation.ts).
  const refreshing = oneAtATime();

  const signUp = async (email: string) => {
    try {
      return (await users.signUp(VOUCHED, { email })).user;
    } catch (err) {
      if (err instanceof ManagementError) throw new InvalidGrant(`the assertion's email cannot name a user: ${err.message}`);
      throw err;
    }
  };

  // One answer for both issuers: our own handlers, or the issuer's provider for the grants it keeps.
  const answer = async (request: FastifyRequest, reply: FastifyReply, issuer: GrantIssuer, provider: () => Promise<IssuerProvider>) => {
    const params = parseForm(request.body);
    const grant = await offeredGrant(env.store, issuer, requiredGrantType(params));
    if (grant.handler !== 'provider') {
      return sendToken(reply, await answerOwnGrant(grant, { env, issuer, params, authorization: request.headers.authorization, signUp }));
    }
    const issuerProvider = await provider();
    const forward = async () => {
      const { body, answersRetry } = await providerTokenRequest(env, issuerProvider, params);
      const raw = asIssuerRequest(request.raw, issuerProvider, ENVIRONMENT_PATHS.token, body);
      if (answersRetry) markRetryAnsweredBySuccessor(raw);
      reply.hijack();
      await issuerProvider.callback(raw, reply.raw);
      return reply;
    };
    const presented = grant.grantType === 'refresh_token' ? params.get('refresh_token') : undefined;
    return presented === undefined ? forward() : refreshing(`${issuerProvider.scope.ns}\n${presented}`, forward);
  };

  app.post<{ Params: { resourceId: string } }>(resourceTokenUrl, cors, async (request, reply) => {
    const resource = await env.store.resources.get(request.params.resourceId);
    if (!resource) throw new UnknownMcpServer();
    return answer(request, reply, { kind: 'resource', resource }, async () => (await env.providers.forResource(resource.id))!);
  });

  app.post(ENVIRONMENT_PATHS.token, cors, (request, reply) => answer(request, reply, { kind: 'environment' }, () => env.providers.environment()));
}

/** Runs the calls made with one key one after another, in the order they came. */
function oneAtATime() {
  const last = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const mine = (last.get(key) ?? Promise.resolve()).then(fn);
    const settled = mine.catch(() => undefined);
    last.set(key, settled);
    void settled.then(() => last.get(key) === settled && last.delete(key));
    return mine;
  };
}

function requiredGrantType(params: FormParams): string {
  const grantType = params.get('grant_type');
  if (grantType === undefined) throw new InvalidRequest("missing required parameter 'grant_type'");
  return grantType;
}

function sendToken(reply: FastifyReply, body: TokenAnswer): TokenAnswer {
  noStore(reply);
  return body;
}
