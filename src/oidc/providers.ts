// The registry of oidc-provider instances, one per issuer: the environment, and each MCP server at
// `<env>/resources/<res_id>`. Built on first use (loading oidc-provider is a third of a cold start, and
// client credentials never needs it), rebuilt when the MCP server's row, the grants its issuer offers or
// the signing keys change, and dropped when the MCP server is deleted. All share the keys and the SQLite
// adapter (namespaced by `ns`).
import type Provider from 'oidc-provider';
import { countProviderErrors } from '../metrics.js';
import type { EnvironmentContext, ProviderHandler } from './environment.js';
import { providerGrants, type GrantIssuer } from './grant-types/index.js';
import { resourceIssuer, resourcePathPrefix } from './issuers.js';
import type { IssuerScope } from './provider.js';

export interface IssuerProvider {
  issuer: string;
  scope: IssuerScope;
  /** '' for the environment, '/resources/<res_id>' for an MCP server. */
  pathPrefix: string;
  provider: Provider;
  callback: ProviderHandler;
  /** The grants it runs (the grant registry's providerGrants when it was built). */
  grantTypes: string[];
}

export interface ProviderRegistry {
  environment(): Promise<IssuerProvider>;
  /** The provider of an MCP server's issuer; undefined when there is no such MCP server. */
  forResource(resourceId: string): Promise<IssuerProvider | undefined>;
}

interface Entry {
  version: string;
  built: Promise<IssuerProvider>;
}

export function createProviderRegistry(env: EnvironmentContext, cookieKeys: () => string[]): ProviderRegistry {
  const entries = new Map<string, Entry>();

  // Rebuilt too when the grants its issuer offers change (a device flow switched on or off).
  const get = async (scope: IssuerScope, grantIssuer: GrantIssuer, rowVersion: string, issuer: string, pathPrefix: string): Promise<IssuerProvider> => {
    const grantTypes = await providerGrants(env.store, grantIssuer);
    const version = `${rowVersion}|${grantTypes.join(' ')}`;
    const cached = entries.get(scope.ns);
    if (cached?.version === version) return cached.built;
    const resource = grantIssuer.kind === 'resource' ? { resource: grantIssuer.resource } : {};
    const built = import('./provider.js').then(({ createProvider }) => {
      const provider = createProvider({ issuer, scope, pathPrefix, env, cookieKeys: cookieKeys(), grantTypes, ...resource });
      provider.on('server_error', (_ctx, err) => env.log.error({ err, issuer }, 'oidc-provider server_error'));
      countProviderErrors(provider, env.metrics);
      return { issuer, scope, pathPrefix, provider, callback: provider.callback() as ProviderHandler, grantTypes };
    });
    entries.set(scope.ns, { version, built });
    // A failed build is not cached: the next request tries again.
    built.catch(() => entries.get(scope.ns)?.built === built && entries.delete(scope.ns));
    return built;
  };

  // A rotation, a switch or a retirement moves the ring's version: providers are rebuilt with the new keys.
  const keysVersion = () => env.keys.version;

  return {
    environment: () => get({ kind: 'environment', ns: 'env' }, { kind: 'environment' }, `${env.issuer}|${keysVersion()}`, env.issuer, ''),
    forResource: async (resourceId) => {
      const resource = await env.store.resources.get(resourceId);
      if (!resource) {
        entries.delete(resourceId);
        return undefined;
      }
      const version = `${env.issuer}|${keysVersion()}|${resource.updateTime}`;
      return get({ kind: 'resource', ns: resource.id, resourceId: resource.id }, { kind: 'resource', resource }, version, resourceIssuer(env.issuer, resource.id), resourcePathPrefix(resource.id));
    },
  };
}
