// RFC 8628 device authorization grant: at the environment's issuer always (the app's own OpenID issuer: a
// CLI may sign a person in to the app itself), at an MCP server's while the server enables it
// (enable_device_flow). Clients that act for people or for an MCP server, public or confidential, unless
// they registered grant types without it; never an organization's M2M client. oidc-provider runs it
// (features.deviceFlow in provider.ts); what only this grant needs sits beside: the device authorization
// route (routes/device-authorization.ts), the user-code pages (device-pages.ts), slow_down polling
// (device-polling.ts), the device flow's steps and errors (device-flow.ts).
import { ENVIRONMENT_PATHS } from '../paths.js';
import { registeredFor, type Grant } from './grant.js';
import { DEVICE_CODE } from './urns.js';

export const deviceCode: Grant = {
  grantType: DEVICE_CODE,
  offeredAt: (issuer) => issuer.kind === 'environment' || issuer.resource.enableDeviceFlow,
  notOffered: () => 'this MCP server does not offer the device authorization grant: its enable_device_flow is off',
  allowsClient: (client) => client.kind !== 'organization' && registeredFor(client, DEVICE_CODE),
  registrable: true,
  // RFC 8628 §4: where a device asks for its codes.
  metadata: (_, issuerUrl) => ({ device_authorization_endpoint: issuerUrl + ENVIRONMENT_PATHS.device_authorization }),
  handler: 'provider',
};
