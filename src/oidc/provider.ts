// The oidc-provider instance of the environment issuer: Scalekit's paths as native routes, our SQLite
// adapter, our persisted keys. Client credentials and the discovery documents are served by our own
// routes (see routes/token.ts and routes/discovery.ts); the provider answers the other flows.
import Provider from 'oidc-provider';
import type { Store } from '../store/index.js';
import { sqliteAdapterFactory } from './adapter.js';
import { renderErrorPage } from './error-page.js';
import { ENVIRONMENT_PATHS } from './paths.js';
import type { KeySet } from './signing-keys.js';

export function createEnvironmentProvider(input: {
  issuer: string;
  store: Store;
  keys: KeySet;
  clock: () => number;
}): Provider {
  const { issuer, store, keys, clock } = input;
  const provider = new Provider(issuer, {
    adapter: sqliteAdapterFactory(store.oidcPayloads, 'env', clock),
    jwks: { keys: keys.all.map((k) => ({ ...k.privateJwk })) },
    routes: {
      ...ENVIRONMENT_PATHS,
      // Not served by the environment issuer; moved out of the way of Scalekit's paths.
      introspection: '/oauth/introspect',
      registration: '/oauth/register',
      pushed_authorization_request: '/oauth/par',
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      pushedAuthorizationRequests: { enabled: false },
    },
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    ttl: { AuthorizationCode: 600 },
    // Signed-cookie keys: random, kept with the install keys apart from the signing keys (see store/install-keys.ts).
    cookies: {
      keys: store.cookieKeys,
      names: { session: '_session_env', interaction: '_interaction_env', resume: '_interaction_resume_env' },
    },
    renderError: renderErrorPage,
    extraParams: ['domain_hint', 'domain', 'connection_id', 'organization_id', 'provider'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    async findAccount(_ctx, sub) {
      const user = store.users.get(sub);
      if (!user) return undefined;
      return {
        accountId: user.id,
        claims: async () => ({ sub: user.id, email: user.email, email_verified: true, name: user.name }),
      };
    },
  });
  return provider;
}
