// How oidc-provider sees our clients: read from the clients table on every lookup (so a change made by the
// management service applies to the next request), shaped as OAuth client metadata. Secrets stay in the
// store: confidential clients carry a placeholder, and the provider's secret comparison asks the store.
import { errors, type ClientMetadata } from 'oidc-provider';
import type { Client } from '../store/clients.js';
import type { ClientFinder } from './adapter.js';
import { tokenEndpointAuthMethod } from './client-auth.js';
import { ClientMetadataDocumentError, isClientIdUrl, metadataDocumentClient } from './client-metadata-document.js';
import type { EnvironmentContext } from './environment.js';
import { grantIssuerOf, providerGrantTypes } from './grant-types/index.js';
import type { IssuerScope } from './provider.js';

/** Never compared: the provider's compareClientSecret is replaced by the store's verification. */
const SECRET_HELD_BY_THE_STORE = 'secret-is-stored-hashed-and-checked-by-the-store';

/** The clients an issuer serves: an MCP server's issuer its own clients; the environment the others. */
export function clientVisibleAt(client: Client, scope: IssuerScope, cimdEnabled: boolean): boolean {
  if (scope.kind === 'environment') return client.kind === 'environment' || client.kind === 'organization' || client.kind === 'resource';
  if (client.kind === 'cimd') return cimdEnabled;
  return (client.kind === 'resource' || client.kind === 'dcr') && client.resourceId === scope.resourceId;
}

/** `grantTypes`: which of its grants the provider asking may run for the client (the grant registry's answer). */
export function providerClientMetadata(client: Client, grantTypes: string[]): ClientMetadata {
  const m = client.metadata;
  const method = tokenEndpointAuthMethod(client);
  return {
    client_id: client.clientId,
    ...(client.name ? { client_name: client.name } : {}),
    ...(method === 'none' ? {} : { client_secret: SECRET_HELD_BY_THE_STORE }),
    token_endpoint_auth_method: method,
    grant_types: grantTypes,
    // The provider would add authorization_code back for a `code` response type.
    response_types: grantTypes.includes('authorization_code') ? ['code'] : [],
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: m.post_logout_redirect_uris ?? [],
    // Web or native only changes redirect URI rules, and ours (redirect-uri.ts) do not depend on it; custom
    // schemes (app://callback) are only valid for native clients.
    application_type: client.redirectUris.some((u) => !/^https?:/i.test(u)) ? 'native' : (m.application_type ?? 'web'),
    ...(m.client_uri ? { client_uri: m.client_uri } : {}),
    ...(m.logo_uri ? { logo_uri: m.logo_uri } : {}),
    ...(m.tos_uri ? { tos_uri: m.tos_uri } : {}),
    ...(m.policy_uri ? { policy_uri: m.policy_uri } : {}),
  };
}

export function providerClientFinder(env: EnvironmentContext, scope: IssuerScope): ClientFinder {
  return async (clientId) => {
    const issuer = await grantIssuerOf(env.store, scope);
    if (!issuer) return undefined;
    const metadataFor = async (client: Client) => providerClientMetadata(client, await providerGrantTypes(env.store, client, issuer));
    const cimdEnabled = issuer.kind === 'resource' && issuer.resource.enableCimd;
    if (cimdEnabled && isClientIdUrl(clientId, env.settings.allowInsecureCimd)) {
      try {
        return await metadataFor(await metadataDocumentClient(env, clientId));
      } catch (err) {
        // Scalekit's error for a document it cannot use; shown on the error page or in the token error.
        if (err instanceof ClientMetadataDocumentError) throw new errors.CustomOIDCProviderError('invalid_client_metadata_url', err.message);
        throw err;
      }
    }
    const client = await env.store.clients.get(clientId);
    if (!client) return undefined;
    return clientVisibleAt(client, scope, cimdEnabled) ? metadataFor(client) : undefined;
  };
}
