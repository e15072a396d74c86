// The device authorization grant (RFC 8628) as a CLI does it: find the MCP server's authorization server
// (RFC 9728, then RFC 8414: ../shared/authorization-server.ts), then with plain fetch register as a public
// client for the device grant (RFC 7591; no redirect URI, since no browser comes back here), ask for a
// user code, show it, and poll the token endpoint at the interval the server names (5 s more after each
// slow_down) until the person allowed or denied it, or the code expired.
import { authorizationServerOf } from '../shared/authorization-server.js';

export interface UserCode {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** Seconds the code stays valid. */
  expiresIn: number;
}

export interface DeviceAuthorizationOptions {
  /** The MCP endpoint, e.g. http://localhost:3002/mcp */
  mcpServerUrl: string;
  /** Default: every scope the MCP server's metadata lists. */
  scopes?: string;
  clientName?: string;
  /** Shows the person the code (a CLI prints it); polling starts once it resolves. */
  showCode(code: UserCode): void | Promise<void>;
  /** Waits between polls; default a timer. */
  sleep?: (seconds: number) => Promise<void>;
}

export interface DeviceTokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  refresh_token?: string;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export async function authorizeDevice(options: DeviceAuthorizationOptions): Promise<DeviceTokens> {
  const sleep = options.sleep ?? ((seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000)));
  const { resource, scopesSupported, issuer, metadata: server } = await authorizationServerOf(options.mcpServerUrl);
  const deviceEndpoint = server.device_authorization_endpoint;
  if (typeof deviceEndpoint !== 'string') throw new Error(`${issuer} offers no device authorization grant`);
  if (!server.registration_endpoint) throw new Error(`${issuer} offers no client registration`);

  const { client_id: clientId } = await postJson<{ client_id: string }>(server.registration_endpoint, {
    client_name: options.clientName ?? 'Todo CLI',
    grant_types: [DEVICE_GRANT, 'refresh_token'],
    token_endpoint_auth_method: 'none',
  });
  const scope = options.scopes ?? [...scopesSupported, 'offline_access'].join(' ');
  const device = await postForm<{ device_code: string; user_code: string; verification_uri: string; verification_uri_complete?: string; expires_in: number; interval?: number }>(
    deviceEndpoint,
    { client_id: clientId, scope, resource },
  );
  await options.showCode({
    userCode: device.user_code,
    verificationUri: device.verification_uri,
    ...(device.verification_uri_complete ? { verificationUriComplete: device.verification_uri_complete } : {}),
    expiresIn: device.expires_in,
  });

  let interval = device.interval ?? 5;
  for (;;) {
    await sleep(interval);
    const res = await fetch(server.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: DEVICE_GRANT, device_code: device.device_code, client_id: clientId }),
    });
    const body = (await res.json()) as DeviceTokens & { error?: string; error_description?: string };
    if (res.ok) return body;
    if (body.error === 'authorization_pending') continue;
    if (body.error === 'slow_down') {
      interval += 5;
      continue;
    }
    // access_denied (the person said no), expired_token (nobody answered in time), or a real error.
    throw new Error(`device authorization failed (${res.status}): ${body.error ?? 'error'}${body.error_description ? ` ${body.error_description}` : ''}`);
  }
}

async function postJson<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`registration failed (${res.status}): ${await res.text()}`);
  return (await res.json()) as T;
}

async function postForm<T>(url: string, form: Record<string, string>): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  const body = (await res.json()) as T & { error?: string; error_description?: string };
  if (!res.ok) throw new Error(`device authorization request failed (${res.status}): ${body.error} ${body.error_description ?? ''}`.trim());
  return body;
}
