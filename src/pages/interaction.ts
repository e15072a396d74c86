// The hosted login and consent pages of an authorization (oidc-provider's interactions), at
// `<issuer>/interaction/<uid>`: email, then password, then consent. With AUTO_LOGIN the same steps finish
// without a page. Models are built here; views/ renders them.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HANDS_FREE_PARAM, type EnvironmentContext } from '../oidc/environment.js';
import { abortInteraction, finishConsent, finishLogin, type ConsentDetails } from '../oidc/interactions.js';
import type { IssuerProvider } from '../oidc/providers.js';
import { OIDC_SCOPE_DESCRIPTIONS, isOidcScope } from '../oidc/scopes.js';
import type { User } from '../store/users.js';
import { PageProblem } from './errors.js';

interface Params {
  uid: string;
  resourceId?: string;
}

type Interaction = Awaited<ReturnType<IssuerProvider['provider']['interactionDetails']>>;

const WRONG_CREDENTIALS = 'The email or password is not correct.';

export async function interactionRoutes(app: FastifyInstance, env: EnvironmentContext): Promise<void> {
  const issuerOf = async (params: Params): Promise<IssuerProvider> => {
    const issuer = params.resourceId === undefined ? await env.providers.environment() : await env.providers.forResource(params.resourceId);
    if (!issuer) throw new PageProblem(404, 'not_found', 'Unknown MCP server', 'There is no MCP server with this id.', 'Check the MCP server’s protected-resource metadata.');
    return issuer;
  };

  /** The interaction of this browser (its cookie), and the uid it must match. */
  const interactionOf = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const issuer = await issuerOf(request.params);
    const interaction = await issuer.provider.interactionDetails(request.raw, reply.raw);
    if (interaction.uid !== request.params.uid) {
      throw new PageProblem(400, 'session_not_found', 'This sign-in has expired', 'This page belongs to another sign-in than the one in progress in this browser.', 'Go back to the application and start again.');
    }
    return { issuer, interaction };
  };

  const base = (issuer: IssuerProvider, uid: string) => `${issuer.pathPrefix}/interaction/${uid}`;
  const continueAt = (reply: FastifyReply, url: string) => reply.redirect(url, 303);

  for (const prefix of ['', '/resources/:resourceId']) {
    app.get<{ Params: Params }>(`${prefix}/interaction/:uid`, async (request, reply) => {
      const { issuer, interaction } = await interactionOf(request, reply);
      reply.header('cache-control', 'no-store');
      if (handsFree(env, interaction)) return continueAt(reply, await finishHandsFree(env, issuer, interaction, request, reply));
      if (interaction.prompt.name === 'login') {
        return reply.view('login-email.eta', await loginModel(env, issuer, interaction, reply, { email: loginHint(interaction) }));
      }
      return reply.view('consent.eta', await consentModel(env, issuer, interaction, reply));
    });

    // Step one: the email. Whether the email exists is not told here (nor later).
    app.post<{ Params: Params; Body: { email?: string } }>(
      `${prefix}/interaction/:uid/identify`,
      { preHandler: app.csrfProtection },
      async (request, reply) => {
        const { issuer, interaction } = await interactionOf(request, reply);
        const email = (request.body.email ?? '').trim();
        if (!email) return reply.code(400).view('login-email.eta', await loginModel(env, issuer, interaction, reply, { email, error: 'Enter your email address.' }));
        return reply.view('login-password.eta', await loginModel(env, issuer, interaction, reply, { email }));
      },
    );

    // Step two: the password. Same answer, after the same work, for an unknown email and a wrong password.
    app.post<{ Params: Params; Body: { email?: string; password?: string } }>(
      `${prefix}/interaction/:uid/login`,
      { preHandler: app.csrfProtection },
      async (request, reply) => {
        const { issuer, interaction } = await interactionOf(request, reply);
        if (interaction.prompt.name !== 'login') throw new PageProblem(400, 'invalid_request', 'Already signed in', 'This sign-in step is already done.', 'Go back and continue.');
        const email = (request.body.email ?? '').trim();
        const user = await env.store.users.authenticate(email, request.body.password ?? '');
        if (!user) return reply.code(401).view('login-password.eta', await loginModel(env, issuer, interaction, reply, { email, error: WRONG_CREDENTIALS }));
        return continueAt(reply, await finishLogin(issuer, request.raw, reply.raw, user));
      },
    );

    app.post<{ Params: Params; Body: { decision?: string } }>(
      `${prefix}/interaction/:uid/consent`,
      { preHandler: app.csrfProtection },
      async (request, reply) => {
        const { issuer, interaction } = await interactionOf(request, reply);
        if (interaction.prompt.name !== 'consent') throw new PageProblem(400, 'invalid_request', 'Sign in first', 'Consent is asked after signing in.', 'Go back and sign in.');
        if (request.body.decision === 'approve') return continueAt(reply, await finishConsent(env, issuer, interaction, request.raw, reply.raw));
        if (request.body.decision === 'deny') {
          return continueAt(reply, await abortInteraction(issuer, request.raw, reply.raw, 'access_denied', 'the user denied the request'));
        }
        throw new PageProblem(400, 'invalid_request', 'Choose allow or deny', 'The form did not say whether to allow access.', 'Go back and choose.');
      },
    );
  }

  async function loginModel(env: EnvironmentContext, issuer: IssuerProvider, interaction: Interaction, reply: FastifyReply, form: { email: string; error?: string }) {
    const uid = interaction.uid;
    const step = form.email && !form.error ? 'login' : 'identify';
    return {
      title: 'Sign in',
      environmentHost: hostOf(env.issuer),
      clientName: await clientName(issuer, interaction),
      email: form.email,
      ...(form.error ? { error: form.error } : {}),
      action: `${base(issuer, uid)}/${step}`,
      restart: base(issuer, uid),
      csrf: reply.generateCsrf(),
    };
  }

  async function consentModel(env: EnvironmentContext, issuer: IssuerProvider, interaction: Interaction, reply: FastifyReply) {
    const user = env.store.users.get(interaction.session?.accountId ?? '');
    const resource = issuer.scope.kind === 'resource' ? env.store.resources.get(issuer.scope.resourceId) : undefined;
    const described = new Map(resource?.scopes.map((s) => [s.name, s.description]) ?? []);
    const details = interaction.prompt.details as ConsentDetails;
    const asked = [...new Set([...(details.missingOIDCScope ?? []), ...Object.values(details.missingResourceScopes ?? {}).flat()])];
    const name = await clientName(issuer, interaction);
    const serverName = resource?.name ?? 'your account';
    return {
      title: `Allow ${name}?`,
      environmentHost: hostOf(env.issuer),
      clientName: name,
      clientInitial: name.slice(0, 1),
      serverName,
      serverInitial: serverName.slice(0, 1),
      userEmail: user?.email ?? '',
      scopes: asked.map((s) => ({
        name: s,
        description: described.get(s) || (isOidcScope(s) ? OIDC_SCOPE_DESCRIPTIONS[s as keyof typeof OIDC_SCOPE_DESCRIPTIONS] : ''),
      })),
      // CIMD (and plain prudence): show where the browser goes next, and who published a document client.
      redirectHost: hostOf(String(interaction.params.redirect_uri ?? '')),
      ...(env.store.clients.get(String(interaction.params.client_id))?.kind === 'cimd' ? { clientDocumentHost: hostOf(String(interaction.params.client_id)) } : {}),
      action: `${base(issuer, interaction.uid)}/consent`,
      csrf: reply.generateCsrf(),
    };
  }
}

/** AUTO_LOGIN for every authorization, or a ticket for this one (the fixture's authorize()). */
function handsFree(env: EnvironmentContext, interaction: Interaction): boolean {
  const ticket = interaction.params[HANDS_FREE_PARAM];
  return env.settings.autoLogin || (typeof ticket === 'string' && env.settings.handsFreeTickets.has(ticket));
}

/** AUTO_LOGIN: the login_hint user (email or usr_ id), else the first user, and consent to all asked. */
async function finishHandsFree(env: EnvironmentContext, issuer: IssuerProvider, interaction: Interaction, request: FastifyRequest, reply: FastifyReply): Promise<string> {
  if (interaction.prompt.name === 'login') {
    const hint = loginHint(interaction);
    const user: User | undefined = hint ? (env.store.users.findByEmail(hint) ?? env.store.users.get(hint)) : env.store.users.list()[0];
    if (!user) {
      throw new PageProblem(400, 'no_user', 'No user to sign in', hint ? `AUTO_LOGIN found no user ${hint}.` : 'AUTO_LOGIN needs at least one user.', 'Add users to the seed, or send a login_hint naming one.');
    }
    return finishLogin(issuer, request.raw, reply.raw, user);
  }
  return finishConsent(env, issuer, interaction, request.raw, reply.raw);
}

const loginHint = (interaction: Interaction) => (typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint : '');

async function clientName(issuer: IssuerProvider, interaction: Interaction): Promise<string> {
  const client = await issuer.provider.Client.find(String(interaction.params.client_id));
  return client?.clientName ?? hostOf(String(interaction.params.client_id)) ?? String(interaction.params.client_id);
}

function hostOf(url: string): string {
  return URL.parse(url)?.host || url;
}
