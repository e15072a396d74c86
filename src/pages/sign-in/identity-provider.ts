// The simulated identity providers: social login (Google, GitHub, Microsoft) and enterprise SSO. Their
// page stands where the provider's own would be; the tester types or picks the identity it returns
// (email, name, organization), or makes the provider fail. The identity is linked to the user with that
// email, or becomes a new user, so the token's `sub` is a `usr_` id as after any other sign-in.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { identityProviderOf, UnknownIdentityProvider, SOCIAL_PROVIDERS, type IdentityProvider, type IdentityProviderParams } from '../../login/identity-providers.js';
import { exposeManagementError } from '../../management/errors.js';
import type { FlowSettings } from '../../oidc/environment.js';
import { abortInteraction } from '../../oidc/interactions.js';
import { PageProblem } from '../errors.js';
import { signInStep, type InteractionInProgress, type InteractionRequest, type SignInContext } from '../interaction-context.js';

interface IdentityForm extends IdentityProviderParams {
  email?: string;
  name?: string;
  pick?: string;
  decision?: string;
}

const MARKS: Record<string, string> = { google: 'G', github: 'GH', microsoft: 'M', enterprise: '⌘' };
const PICKABLE_USERS = 20;

/**
 * The provider a request names, or the readable page for one we do not simulate, or (404) for any when
 * the simulated providers are off (EMULATION_SHORTCUTS=off): they let anyone sign in as anyone.
 */
export function requestedProvider(params: IdentityProviderParams, settings: Pick<FlowSettings, 'emulationShortcuts'>): IdentityProvider | undefined {
  try {
    const idp = identityProviderOf(params);
    if (idp && !settings.emulationShortcuts) throw providersOff();
    return idp;
  } catch (err) {
    if (err instanceof UnknownIdentityProvider && !settings.emulationShortcuts) throw providersOff();
    if (!(err instanceof UnknownIdentityProvider)) throw err;
    throw new PageProblem(
      400,
      'invalid_request',
      'Unknown identity provider',
      `The emulator does not simulate the identity provider “${err.provider}”.`,
      `Use provider=${Object.keys(SOCIAL_PROVIDERS).join(', provider=')}, or connection_id, organization_id or domain_hint for enterprise SSO.`,
    );
  }
}

const providersOff = () =>
  new PageProblem(
    404,
    'not_found',
    'This sign-in option is not available',
    'This server does not simulate identity providers (EMULATION_SHORTCUTS=off).',
    'Go back to the application and sign in with your email.',
  );

export async function identityProviderPage(
  ctx: SignInContext,
  current: InteractionInProgress,
  reply: FastifyReply,
  idp: IdentityProvider,
  form: { email?: string; name?: string; organizationId?: string; error?: string } = {},
): Promise<FastifyReply> {
  const page = await ctx.pageBase(current, reply, `Sign in with ${idp.name}`);
  const key = idp.kind === 'social' ? idp.provider : 'enterprise';
  const hint = current.interaction.params.login_hint;
  const enterprise = idp.kind === 'enterprise' ? idp : undefined;
  const chosenOrganization = form.organizationId ?? enterprise?.organizationId ?? '';
  return reply.view('identity-provider.eta', {
    ...page,
    providerKey: key,
    providerName: idp.name,
    providerMark: MARKS[key],
    hints: [
      ...(enterprise?.connectionId ? [{ label: 'Connection', value: enterprise.connectionId }] : []),
      ...(enterprise?.organizationId ? [{ label: 'Organization', value: enterprise.organizationId }] : []),
      ...(enterprise?.domainHint ? [{ label: 'Domain', value: enterprise.domainHint }] : []),
    ],
    hidden: [
      idp.kind === 'social' ? { name: 'provider', value: idp.provider } : { name: 'enterprise', value: '1' },
      ...(enterprise?.connectionId ? [{ name: 'connection_id', value: enterprise.connectionId }] : []),
      ...(enterprise?.domainHint ? [{ name: 'domain_hint', value: enterprise.domainHint }] : []),
    ],
    email: form.email ?? (typeof hint === 'string' ? hint : ''),
    emailPlaceholder: `name@${enterprise?.domainHint ?? (key === 'enterprise' ? 'acme.example' : key === 'github' ? 'users.noreply.github.com' : `${key}.example`)}`,
    name: form.name ?? '',
    ...(enterprise
      ? {
          organizations: (await ctx.env.store.organizations.list()).map((o) => ({ id: o.id, name: o.displayName, selected: o.id === chosenOrganization })),
        }
      : {}),
    users: (await ctx.env.store.users.list())
      .slice(0, PICKABLE_USERS)
      .map((u) => ({ id: u.id, email: u.email, name: u.name, initial: (u.name || u.email).slice(0, 1).toUpperCase() })),
    ...(form.error ? { error: form.error } : {}),
  });
}

export function identityProviderRoutes(app: FastifyInstance, ctx: SignInContext): void {
  // From the login page's buttons. Showing the page changes nothing, so a link is enough.
  signInStep<unknown, IdentityProviderParams>(app, ctx, 'GET', 'sso', async (current, request, reply) =>
    identityProviderPage(ctx, current, reply, requestedProvider(request.query, ctx.env.settings) ?? requestedProvider({ enterprise: '1' }, ctx.env.settings)!),
  );

  signInStep<IdentityForm>(app, ctx, 'POST', 'sso', async (current, request, reply) => {
    const body = request.body;
    const idp = requestedProvider(body, ctx.env.settings) ?? requestedProvider({ enterprise: '1' }, ctx.env.settings)!;
    if (body.decision === 'deny') {
      const url = await abortInteraction(current.issuer, request.raw, reply.raw, 'access_denied', `the identity provider (${idp.name}) refused the sign-in`);
      return reply.redirect(url, 303);
    }
    return signInWithIdentity(ctx, current, request, reply, idp, body);
  });
}

async function signInWithIdentity(ctx: SignInContext, current: InteractionInProgress, request: InteractionRequest<IdentityForm>, reply: FastifyReply, idp: IdentityProvider, body: IdentityForm) {
  const picked = body.pick ? await ctx.env.store.users.get(body.pick) : undefined;
  if (body.pick && !picked) throw new PageProblem(400, 'invalid_request', 'Unknown user', 'The user picked does not exist (any more).', 'Go back, reload the page and pick again.');
  const email = (picked?.email ?? body.email ?? '').trim();
  const name = (body.name ?? '').trim();
  const organizationId = idp.kind === 'enterprise' ? (body.organization_id as string | undefined)?.trim() || undefined : undefined;
  const retry = (error: string) => identityProviderPage(ctx, current, reply.code(400), idp, { email, name, ...(organizationId ? { organizationId } : {}), error });
  if (!email) return retry('Enter the email the identity provider returns.');
  if (organizationId && !(await ctx.env.store.organizations.get(organizationId))) return retry(`There is no organization ${organizationId} in this environment.`);
  try {
    const caller = { actor: `sign-in:${idp.kind === 'social' ? idp.provider : 'sso'}` };
    const { user } = picked ? { user: picked } : await ctx.management.users.signUp(caller, { email, name, ...(organizationId ? { organizationId } : {}) });
    return await ctx.finish(current, request, reply, user, 'fed');
  } catch (err) {
    const problem = exposeManagementError(err);
    if (problem.status !== 'INVALID_ARGUMENT') throw err;
    return retry(`The identity is not valid: ${problem.violations.map((v) => `${v.field.replace(/^user\./, '')} ${v.description}`).join('; ')}.`);
  }
}
