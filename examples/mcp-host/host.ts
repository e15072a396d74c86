// Pattern 1: an MCP host signs a person in. It connects to the MCP server without a token, gets 401, and
// the MCP SDK does the rest the way Claude, Cursor or VS Code do: protected-resource metadata → the MCP
// server's issuer → dynamic client registration → the login and consent pages in the person's browser →
// a code on a loopback redirect URI → tokens (with a refresh token) → tools.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { callToolText } from '../shared/mcp-client.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

export interface HostOptions {
  /** The MCP endpoint, e.g. http://localhost:3002/mcp */
  mcpServerUrl: string;
  /** Shows the person the login page: a real host opens their browser at this URL. */
  openBrowser(url: URL): Promise<void>;
  /** The loopback port for the redirect URI; default a free one. */
  callbackPort?: number;
}

export interface Host {
  client: Client;
  tokens(): OAuthTokens | undefined;
  /** Calls a tool and returns its text output. */
  callTool(name: string, args?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function connectHost(options: HostOptions): Promise<Host> {
  const callback = await startCallbackListener(options.callbackPort ?? 0);
  const provider = new InMemoryProvider(callback.redirectUri, options.openBrowser);
  const connect = async () => {
    const client = new Client({ name: 'example-mcp-host', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(options.mcpServerUrl), { authProvider: provider }));
    return client;
  };
  let client: Client;
  try {
    client = await connect();
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
    // The browser was sent to the login page; the code arrives on the loopback redirect URI.
    const code = await callback.code(provider.expectedState);
    await new StreamableHTTPClientTransport(new URL(options.mcpServerUrl), { authProvider: provider }).finishAuth(code);
    client = await connect();
  } finally {
    callback.close();
  }
  return {
    client,
    tokens: () => provider.savedTokens,
    callTool: (name, args) => callToolText(client, name, args),
    close: () => client.close(),
  };
}

// What a host keeps: its registration, its tokens, the PKCE verifier of the authorization in flight.
class InMemoryProvider implements OAuthClientProvider {
  clientInfo: OAuthClientInformationMixed | undefined;
  savedTokens: OAuthTokens | undefined;
  expectedState = '';
  private verifier = '';

  constructor(
    readonly redirectUrl: string,
    private readonly open: (url: URL) => Promise<void>,
  ) {}

  get clientMetadata() {
    return {
      client_name: 'Example MCP host',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    };
  }

  state(): string {
    this.expectedState = crypto.randomUUID();
    return this.expectedState;
  }

  clientInformation() {
    return this.clientInfo;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.clientInfo = info;
  }

  tokens() {
    return this.savedTokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.savedTokens = tokens;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    return this.verifier;
  }

  redirectToAuthorization(url: URL): Promise<void> {
    return this.open(url);
  }
}

interface CallbackListener {
  redirectUri: string;
  /** The code of the redirect carrying `state`; an error response rejects. */
  code(state: string): Promise<string>;
  close(): void;
}

// RFC 8252 §7.3: a loopback redirect URI on a port the host picks; the authorization server accepts any.
async function startCallbackListener(port: number): Promise<CallbackListener> {
  let deliver: (params: URLSearchParams) => void = () => {};
  const received = new Promise<URLSearchParams>((resolve) => (deliver = resolve));
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Signed in. You can close this window and go back to the app.');
    deliver(url.searchParams);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    redirectUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    async code(state) {
      const params = await received;
      if (params.get('error')) throw new Error(`authorization failed: ${params.get('error')} ${params.get('error_description') ?? ''}`);
      if (params.get('state') !== state) throw new Error('the redirect carried another state: ignored');
      return params.get('code') ?? '';
    },
    close: () => server.close(),
  };
}
