// One oidc-provider instance for one issuer: the environment (`<env>`) or an MCP server
// (`<env>/resources/<res_id>`). Scalekit's paths as native routes, clients from the store, secrets checked
// against the stored hashes, our SQLite adapter (namespaced per issuer), our keys and our token claims.
// Client credentials, discovery, /keys, /userinfo, revocation and introspection are served by our own
// routes, not by the provider.
import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Resource } from '../store/resources.js';
import { sqliteAdapterFactory } from './adapter.js';
import { customizeAccessToken } from './code-flow-tokens.js';
import { isDeviceFlowStep, refusesDisallowedClients } from './device-flow.js';
import { devicePageSources, userCodePageGuard } from './device-pages.js';
import { pacesDevicePolling } from './device-polling.js';
import { HANDS_FREE_PARAM, type EnvironmentContext } from './environment.js';
import { deviceCode } from './grant-types/device-code.js';
import { DEVICE_CODE } from './grant-types/urns.js';
import { providerPageRenderers } from './error-page.js';
import { rememberedGrantId } from './interactions.js';
import { enabledScopes } from './issuers.js';
import { ENVIRONMENT_PATHS } from './paths.js';
import { idTokensOnEmulatorClock } from './id-token-clock.js';
import { tokenResponseScopeFromToken } from './token-response-scope.js';
import { providerClientFinder } from './provider-clients.js';
import { asProviderError, retryAfterWhenUnavailable, unavailableWhenStorageFails } from './provider-storage.js';
import { redirectUriAllowed } from './redirect-uri.js';
import { rotatesRefreshToken } from './refresh-rotation.js';
import { boundResourceOf, mayTarget, resourceForIndicator, ENVIRONMENT_AUDIENCE } from './resource-indicators.js';
import { OIDC_SCOPES } from './scopes.js';

/** Which issuer a provider serves. `ns` separates its rows in the shared oidc_payloads table. */
export type IssuerScope = { kind: 'environment'; ns: 'env' } | { kind: 'resource'; ns: string; resourceId: string };

export interface ProviderInput {
  issuer: string;
  scope: IssuerScope;
  /** The path prefix of the issuer relative to the environment URL: '' or '/resources/<res_id>'. */
  pathPrefix: string;
  env: EnvironmentContext;
  cookieKeys: string[];
  /** An MCP server's issuer: the server as it was when this provider was built (a change rebuilds it). */
  resource?: Resource;
  /** The grants this issuer's provider runs now (the grant registry's providerGrants): a device flow only where offered. */
  grantTypes: string[];
}

const DAY = 24 * 60 * 60;

export function createProvider(input: ProviderInput): Provider {
  const { issuer, scope, pathPrefix, env } = input;
  const { store, clock } = env;
  const resourceOf = (): Resource | undefined => input.resource;
  const pages = providerPageRenderers(env.pages);

  const configuration: Configuration = {
    adapter: unavailableWhenStorageFails(
      sqliteAdapterFactory({
        store,
        ns: scope.ns,
        clock,
        findClient: providerClientFinder(env, scope),
        rotatedRefreshToken: () => Provider.ctx?.oidc?.entities.RotatedRefreshToken?.jti,
        codeIssued: (clientId) => store.clients.markUsed(clientId, clock()),
      }),
    ),
    jwks: { keys: env.keys.all.map((k) => ({ ...k.privateJwk })) },
    routes: {
      ...ENVIRONMENT_PATHS,
      // Not served by this provider (our own routes, or not at all); moved out of the way of Scalekit's paths.
      userinfo: '/oauth/provider-userinfo',
      revocation: '/oauth/provider-revoke',
      introspection: '/oauth/provider-introspect',
      registration: '/oauth/register',
      pushed_authorization_request: '/oauth/par',
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: false },
      userinfo: { enabled: false },
      // Also at an MCP server's issuer: switching the person signed in (prompt=login) ends the old session
      // through the logout confirmation (paths.ts routes only that step there).
      rpInitiatedLogout: { enabled: true, logoutSource: pages.logoutSource, postLogoutSuccessSource: pages.postLogoutSuccessSource },
      pushedAuthorizationRequests: { enabled: false },
      // DPoP would bind tokens through a `cnf` claim that Scalekit's token shape does not carry.
      dPoP: { enabled: false },
      // RFC 8628, where the issuer offers it (grant-types/device-code.ts).
      deviceFlow: { enabled: input.grantTypes.includes(DEVICE_CODE), ...devicePageSources(env, scope) },
      resourceIndicators: {
        enabled: true,
        // The MCP server a bound client belongs to, else the MCP server of this issuer, or for the
        // environment a token for the client itself.
        defaultResource: async (_ctx, client, oneOf) =>
          oneOf ?? (await boundResourceOf(store, client && (await store.clients.get(client.clientId))))?.serverUrl ?? resourceOf()?.serverUrl ?? issuer,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, indicator, client) => {
          const resource = await resourceForIndicator(store, scope, indicator, issuer);
          if (resource === undefined) throw new errors.InvalidTarget('the requested resource is not served by this authorization server');
          const bound = await boundResourceOf(store, await store.clients.get(client.clientId));
          if (!mayTarget(bound, resource)) throw new errors.InvalidTarget(`the client may only ask for tokens for its own MCP server (${bound!.serverUrl})`);
          // A server's switch holds wherever its tokens are asked: no device-flow token for it at the environment's issuer either.
          if (resource !== ENVIRONMENT_AUDIENCE && isDeviceFlowStep(ctx) && !(await deviceCode.offeredAt({ kind: 'resource', resource }, store))) {
            throw new errors.InvalidTarget(`the MCP server ${resource.serverUrl} does not offer the device authorization grant`);
          }
          const scopes = resource === ENVIRONMENT_AUDIENCE ? [] : enabledScopes(resource);
          if (ctx.oidc.route === 'authorization' || ctx.oidc.route === 'device_authorization') rejectUnknownScopes(ctx, scopes);
          return {
            scope: scopes.join(' '),
            audience: resource === ENVIRONMENT_AUDIENCE ? client.clientId : resource.serverUrl,
            accessTokenTTL: resource === ENVIRONMENT_AUDIENCE ? 3600 : resource.accessTokenExpiry,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    scopes: [...OIDC_SCOPES],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    rotateRefreshToken: rotatesRefreshToken,
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 3600,
      AuthorizationCode: 600, // Scalekit: about ten minutes, single use
      ClientCredentials: 600,
      DeviceCode: 600,
      BackchannelAuthenticationRequest: 600,
      IdToken: 3600,
      Interaction: 3600,
      Grant: 365 * DAY,
      Session: 14 * DAY,
      RefreshToken: () => resourceOf()?.refreshTokenExpiry ?? 14 * DAY,
    },
    cookies: {
      keys: input.cookieKeys,
      names: { session: `_session_${scope.ns}`, interaction: `_interaction_${scope.ns}`, resume: `_interaction_resume_${scope.ns}` },
    },
    interactions: {
      url: async (_ctx, interaction) => `${pathPrefix}/interaction/${interaction.uid}`,
      policy: consentPolicy(),
    },
    // Consent is remembered per (client, user, issuer) beyond the browser session it was given in.
    async loadExistingGrant(ctx) {
      const { client, session } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId =
        ctx.oidc.result?.consent?.grantId ??
        session.grantIdFor(client.clientId) ??
        (await rememberedGrantId(env, scope.ns, client.clientId, session.accountId));
      if (!grantId) return undefined;
      const grant = await ctx.oidc.provider.Grant.find(grantId);
      // Another user's or client's grant would make the provider fail with server_error.
      if (!grant || grant.accountId !== session.accountId || grant.clientId !== client.clientId) return undefined;
      return grant;
    },
    renderError: pages.renderError,
    extraParams: ['domain_hint', 'domain', 'connection_id', 'organization_id', 'provider', HANDS_FREE_PARAM],
    // A token whose audit row cannot be written is never answered: the provider answers 503 instead.
    formats: {
      customizers: {
        jwt: (ctx, token, jwt) =>
          customizeAccessToken(env, scope, ctx, token, jwt).catch((err: unknown) => {
            throw asProviderError(err);
          }),
      },
    },
    async findAccount(_ctx, sub) {
      const user = await store.users.get(sub);
      if (!user) return undefined;
      return {
        accountId: user.id,
        claims: async () => ({ sub: user.id, email: user.email, email_verified: true, name: user.name }),
      };
    },
  };

  const provider = new Provider(issuer, configuration);
  // Its requests' X-Forwarded-* are decided by routes/forwarded.ts from what Fastify trusts (TRUST_PROXY,
  // an https issuer): believed here, they make its cookies Secure and its URLs https when ours are.
  provider.proxy = true;
  provider.use(retryAfterWhenUnavailable);
  pacesDevicePolling(provider, env, scope);
  refusesDisallowedClients(provider);
  userCodePageGuard(provider, env);
  idTokensOnEmulatorClock(provider, env);
  tokenResponseScopeFromToken(provider);
  // Secrets are stored hashed: the store checks them, the provider never holds one.
  provider.Client.prototype.compareClientSecret = async function compareClientSecret(this: { clientId: string }, actual: string) {
    return store.secrets.verify(this.clientId, actual);
  };
  // RFC 8252 §7.3: any port on a loopback redirect URI, whatever the client's application_type.
  provider.Client.prototype.redirectUriAllowed = function allowed(this: { redirectUris: string[] }, value: string) {
    return redirectUriAllowed(this.redirectUris, value);
  };
  provider.Client.prototype.postLogoutRedirectUriAllowed = function allowed(this: { postLogoutRedirectUris?: string[] }, value: string) {
    return redirectUriAllowed(this.postLogoutRedirectUris ?? [], value);
  };
  return provider;
}

// oidc-provider silently drops scopes that no resource server defines; MCP clients deserve to hear it.
function rejectUnknownScopes(ctx: KoaContextWithOIDC, resourceScopes: string[]): void {
  const known = new Set([...resourceScopes, ...OIDC_SCOPES]);
  const unknown = (ctx.oidc.params?.scope as string | undefined)?.split(' ').filter((s) => s && !known.has(s)) ?? [];
  if (unknown.length > 0) throw new errors.InvalidScope(`requested scope is not defined by this server: ${unknown.join(' ')}`, unknown.join(' '));
}

// The default consent prompt asks native clients every time, so remembered consent would never apply to
// them (and MCP hosts register as native). And `prompt=consent` beside offline_access is OIDC's condition
// for a refresh token (the MCP SDKs add it, and so does authorization-defaults.ts), not a wish to be
// asked again: a remembered consent that covers the scopes answers it. Scalekit remembers consent per
// client and user until it is revoked or new scopes are asked.
// And `prompt=create` (OpenID Connect "Initiating User Registration") asks for the sign-up page first:
// a prompt of its own, answered by the login that the sign-up ends with (interactions.ts).
// A device flow always shows the consent page, naming every scope the device asked for, even those a
// remembered consent holds: the request came from a device, not this browser, and the page is where the
// person sees which client gets what (RFC 8628 §5.4, remote phishing).
function consentPolicy() {
  const policy = interactionPolicy.base();
  policy.add(new interactionPolicy.Prompt({ name: 'create', requestable: true }), 0);
  const consent = policy.get('consent')!;
  consent.checks.remove('native_client_prompt');
  const asked = consent.checks.get('consent_prompt')!;
  consent.checks.remove('consent_prompt');
  consent.checks.unshift(
    new interactionPolicy.Check(asked.reason, asked.description, asked.error ?? 'consent_required', (ctx) =>
      String(ctx.oidc.params?.scope ?? '').split(' ').includes('offline_access') ? interactionPolicy.Check.NO_NEED_TO_PROMPT : asked.check(ctx),
    ),
  );
  consent.checks.push(
    new interactionPolicy.Check(
      'device_flow_prompt',
      'a device asks for access',
      'consent_required',
      (ctx) => (isDeviceFlowStep(ctx) && !ctx.oidc.result?.consent ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT),
      (ctx) => ({ requestedScopes: [...ctx.oidc.requestParamScopes] }),
    ),
  );
  return policy;
}
