// The hosted login and consent pages of an authorization (oidc-provider's interactions), at
// `<issuer>/interaction/<uid>`: who the person is (email, then a password or an email code; or a
// simulated identity provider), then consent. With AUTO_LOGIN the same steps finish without a page.
// Models are built here and in sign-in/; views/ renders them.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HANDS_FREE_PARAM, type EnvironmentContext } from '../oidc/environment.js';
import { abortInteraction, askedScopes, consentServers, finishConsent, finishLogin, SIGN_IN_PROMPTS, type ConsentDetails } from '../oidc/interactions.js';
import type { User } from '../store/users.js';
import { PageProblem } from './errors.js';
import { forEachIssuer, hostOf, type Interaction, type InteractionInProgress, type InteractionRequest, type SignInContext } from './interaction-context.js';
import { emailCodeRoutes } from './sign-in/email-code.js';
import { emailPage, emailStepRoutes } from './sign-in/email-step.js';
import { identityProviderPage, identityProviderRoutes, requestedProvider } from './sign-in/identity-provider.js';
import { passkeyRoutes } from './sign-in/passkey.js';
import { passwordRoutes } from './sign-in/password.js';

export function interactionRoutes(app: FastifyInstance, ctx: SignInContext): void {
  const { env } = ctx;
  forEachIssuer(app, (prefix) => {
    app.get(`${prefix}/interaction/:uid`, async (request: InteractionRequest, reply) => {
      const current = await ctx.interactionOf(request, reply);
      const { interaction } = current;
      reply.header('cache-control', 'no-store');
      if (handsFree(env, interaction)) return reply.redirect(await finishHandsFree(env, current, request, reply), 303);
      if (SIGN_IN_PROMPTS.has(interaction.prompt.name)) {
        // provider=, connection_id=, organization_id= or domain_hint= go straight to that identity provider, as on Scalekit.
        const idp = requestedProvider(interaction.params, env.settings);
        if (idp) return identityProviderPage(ctx, current, reply, idp);
        return emailPage(ctx, current, reply, { email: loginHint(interaction) });
      }
      return reply.view('consent.eta', await consentModel(ctx, current, reply));
    });

    app.post<{ Params: { uid: string; resourceId?: string }; Body: { decision?: string } }>(
      `${prefix}/interaction/:uid/consent`,
      { preHandler: app.csrfProtection },
      async (request: InteractionRequest<{ decision?: string }>, reply) => {
        const { issuer, interaction } = await ctx.interactionOf(request, reply);
        if (interaction.prompt.name !== 'consent') throw new PageProblem(400, 'invalid_request', 'Sign in first', 'Consent is asked after signing in.', 'Go back and sign in.');
        if (request.body.decision === 'approve') return reply.redirect(await finishConsent(env, issuer, interaction, request.raw, reply.raw), 303);
        if (request.body.decision === 'deny') {
          return reply.redirect(await abortInteraction(issuer, request.raw, reply.raw, 'access_denied', 'the user denied the request'), 303);
        }
        throw new PageProblem(400, 'invalid_request', 'Choose allow or deny', 'The form did not say whether to allow access.', 'Go back and choose.');
      },
    );
  });
  emailStepRoutes(app, ctx);
  passwordRoutes(app, ctx);
  emailCodeRoutes(app, ctx);
  identityProviderRoutes(app, ctx);
  passkeyRoutes(app, ctx);
}

async function consentModel(ctx: SignInContext, current: InteractionInProgress, reply: FastifyReply) {
  const { env } = ctx;
  const { interaction } = current;
  const user = await env.store.users.get(interaction.session?.accountId ?? '');
  const servers = await consentServers(env.store, current.issuer.scope, interaction.params.resource, env.issuer);
  const page = await ctx.pageBase(current, reply, '');
  const name = page.clientName;
  const serverName = servers.length > 0 ? servers.map((r) => r.name).join(' and ') : 'your account';
  return {
    ...page,
    title: `Allow ${name}?`,
    clientInitial: name.slice(0, 1),
    serverName,
    serverInitial: serverName.slice(0, 1),
    userEmail: user?.email ?? '',
    scopes: askedScopes(interaction.prompt.details as ConsentDetails, servers),
    // CIMD (and plain prudence): show where the browser goes next, and who published a document client.
    redirectHost: hostOf(String(interaction.params.redirect_uri ?? '')),
    // A device flow (RFC 8628) sends the browser nowhere: the device that showed the code gets the access.
    device: interaction.deviceCode !== undefined,
    ...((await env.store.clients.get(String(interaction.params.client_id)))?.kind === 'cimd' ? { clientDocumentHost: hostOf(String(interaction.params.client_id)) } : {}),
    action: `${current.base}/consent`,
  };
}

/** AUTO_LOGIN for every authorization, or a ticket for this one (the fixture's authorize()); both are emulation shortcuts. */
function handsFree(env: EnvironmentContext, interaction: Interaction): boolean {
  if (!env.settings.emulationShortcuts) return false;
  const ticket = interaction.params[HANDS_FREE_PARAM];
  if (interaction.deviceCode !== undefined && env.settings.handsFreeDevices.has(interaction.deviceCode)) return true;
  return env.settings.autoLogin || (typeof ticket === 'string' && env.settings.handsFreeTickets.has(ticket));
}

/** AUTO_LOGIN: the login_hint user (email or usr_ id), else the first user, and consent to all asked. */
async function finishHandsFree(env: EnvironmentContext, current: InteractionInProgress, request: FastifyRequest, reply: FastifyReply): Promise<string> {
  const { issuer, interaction } = current;
  if (SIGN_IN_PROMPTS.has(interaction.prompt.name)) {
    const hint = (interaction.deviceCode !== undefined ? env.settings.handsFreeDevices.get(interaction.deviceCode) : undefined) ?? loginHint(interaction);
    const user: User | undefined = hint ? ((await env.store.users.findByEmail(hint.toLowerCase())) ?? (await env.store.users.get(hint))) : (await env.store.users.list())[0];
    if (!user) {
      throw new PageProblem(400, 'no_user', 'No user to sign in', hint ? `AUTO_LOGIN found no user ${hint}.` : 'AUTO_LOGIN needs at least one user.', 'Add users to the seed, or send a login_hint naming one.');
    }
    return finishLogin(issuer, interaction, request.raw, reply.raw, user);
  }
  return finishConsent(env, issuer, interaction, request.raw, reply.raw);
}

const loginHint = (interaction: Interaction) => (typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint : '');
