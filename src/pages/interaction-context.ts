// What every step of the hosted login shares: finding the authorization in progress in this browser
// (oidc-provider's interaction, at `<issuer>/interaction/<uid>`), the parts every page model has, and
// finishing a sign-in, whichever method proved who the person is.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LoginMethod } from '../config/index.js';
import type { AttemptLimits } from '../login/attempt-limits.js';
import type { EmailSignIn } from '../login/email-sign-in.js';
import { relyingPartyOf, type PasskeyCeremonies } from '../login/passkeys.js';
import type { ManagementService } from '../management/service.js';
import type { EnvironmentContext } from '../oidc/environment.js';
import { finishLogin, SIGN_IN_PROMPTS, type SignInMethod } from '../oidc/interactions.js';
import type { IssuerProvider } from '../oidc/providers.js';
import type { User } from '../store/users.js';
import { PageProblem } from './errors.js';

export interface InteractionParams {
  uid: string;
  resourceId?: string;
}

export type Interaction = Awaited<ReturnType<IssuerProvider['provider']['interactionDetails']>>;

export type InteractionRequest<Body = unknown, Query = unknown> = FastifyRequest<{ Params: InteractionParams; Body: Body; Querystring: Query }>;

/** The interaction pages live under each issuer: the environment's and every MCP server's. */
export const ISSUER_PREFIXES = ['', '/resources/:resourceId'] as const;

export interface InteractionInProgress {
  issuer: IssuerProvider;
  interaction: Interaction;
  /** `<issuer path>/interaction/<uid>`, where this sign-in's pages and forms are. */
  base: string;
}

/** The parts of every login page's model. */
export interface SignInPageBase {
  title: string;
  environmentHost: string;
  clientName: string;
  /** prompt=create: the pages say "create your account". */
  signingUp: boolean;
  base: string;
  csrf: string;
  /** Browsers can use passkeys at this environment URL: the pages load their script and offer them. */
  passkeys: boolean;
}

export interface SignInContext {
  env: EnvironmentContext;
  management: ManagementService;
  emailSignIn: EmailSignIn;
  /** Passkey registration and sign-in ceremonies. */
  passkeys: PasskeyCeremonies;
  limits: AttemptLimits;
  loginMethod: LoginMethod;
  /** The interaction of this browser (its cookie), which must be the one in the URL. */
  interactionOf(request: FastifyRequest<{ Params: InteractionParams }>, reply: FastifyReply): Promise<InteractionInProgress>;
  /** As interactionOf, for a step that signs in: the interaction must still be asking who the person is. */
  signInOf(request: FastifyRequest<{ Params: InteractionParams }>, reply: FastifyReply): Promise<InteractionInProgress>;
  pageBase(current: InteractionInProgress, reply: FastifyReply, title: string): Promise<SignInPageBase>;
  /** Signs the person in as `user` and sends the browser on (to consent, or back to the app). */
  finish(current: InteractionInProgress, request: FastifyRequest, reply: FastifyReply, user: User, method: SignInMethod): Promise<FastifyReply>;
}

export type SignInServices = Pick<SignInContext, 'env' | 'management' | 'emailSignIn' | 'passkeys' | 'limits' | 'loginMethod'>;

export function signInContext(services: SignInServices): SignInContext {
  const { env } = services;
  const issuerOf = async (params: InteractionParams): Promise<IssuerProvider> => {
    const issuer = params.resourceId === undefined ? await env.providers.environment() : await env.providers.forResource(params.resourceId);
    if (!issuer) throw new PageProblem(404, 'not_found', 'Unknown MCP server', 'There is no MCP server with this id.', 'Check the MCP server’s protected-resource metadata.');
    return issuer;
  };

  const interactionOf: SignInContext['interactionOf'] = async (request, reply) => {
    const issuer = await issuerOf(request.params);
    const interaction = await issuer.provider.interactionDetails(request.raw, reply.raw);
    if (interaction.uid !== request.params.uid) {
      throw new PageProblem(400, 'session_not_found', 'This sign-in has expired', 'This page belongs to another sign-in than the one in progress in this browser.', 'Go back to the application and start again.');
    }
    return { issuer, interaction, base: `${issuer.pathPrefix}/interaction/${interaction.uid}` };
  };

  return {
    ...services,
    interactionOf,
    async signInOf(request, reply) {
      const current = await interactionOf(request, reply);
      if (!SIGN_IN_PROMPTS.has(current.interaction.prompt.name)) {
        throw new PageProblem(400, 'invalid_request', 'Already signed in', 'This sign-in step is already done.', 'Go back to the application and continue.');
      }
      return current;
    },
    async pageBase(current, reply, title) {
      return {
        title,
        environmentHost: hostOf(env.issuer),
        clientName: await clientName(current.issuer, current.interaction),
        signingUp: current.interaction.prompt.name === 'create',
        base: current.base,
        csrf: reply.generateCsrf(),
        passkeys: relyingPartyOf(env.issuer) !== undefined,
      };
    },
    async finish(current, request, reply, user, method) {
      return reply.redirect(await finishLogin(current.issuer, current.interaction, request.raw, reply.raw, user, method), 303);
    },
  };
}

export async function clientName(issuer: IssuerProvider, interaction: Interaction): Promise<string> {
  const client = await issuer.provider.Client.find(String(interaction.params.client_id));
  return client?.clientName ?? hostOf(String(interaction.params.client_id)) ?? String(interaction.params.client_id);
}

export function hostOf(url: string): string {
  return URL.parse(url)?.host || url;
}

/** Registers `register` once per issuer prefix (the environment's pages and each MCP server's). */
export function forEachIssuer(app: FastifyInstance, register: (prefix: string) => void): void {
  for (const prefix of ISSUER_PREFIXES) register(prefix);
}

export type SignInHandler<Body, Query> = (current: InteractionInProgress, request: InteractionRequest<Body, Query>, reply: FastifyReply) => Promise<FastifyReply>;

/**
 * A step of the sign-in at `<issuer>/interaction/<uid>/<step>`, under every issuer: a form (POST, its
 * CSRF token checked) or a link (GET, never cached), for an interaction still asking who the person is.
 */
export function signInStep<Body = unknown, Query = unknown>(app: FastifyInstance, ctx: SignInContext, method: 'GET' | 'POST', step: string, handle: SignInHandler<Body, Query>): void {
  forEachIssuer(app, (prefix) => {
    app.route<{ Params: InteractionParams; Body: Body; Querystring: Query }>({
      method,
      url: `${prefix}/interaction/:uid/${step}`,
      ...(method === 'POST' ? { preHandler: app.csrfProtection } : {}),
      handler: async (request, reply) => {
        if (method === 'GET') reply.header('cache-control', 'no-store');
        return handle(await ctx.signInOf(request, reply), request, reply);
      },
    });
  });
}
