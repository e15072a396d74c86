// Pattern 2: an M2M agent. It gets its own token by client credentials and calls MCP tools with it.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { callToolText } from '../shared/mcp-client.js';
import { TokenCache } from './token-cache.js';

export interface AgentOptions {
  environmentUrl: string;
  clientId: string;
  clientSecret: string;
  scopes?: string;
  /** The MCP endpoint, e.g. http://localhost:3002/mcp */
  mcpServerUrl: string;
  /** Used for token requests (tests count them). */
  fetch?: typeof fetch;
  now?: () => number;
  /** The first backoff after a 429 or 5xx from the token endpoint (doubled on each of 3 tries); default 500 ms. */
  retryDelayMs?: number;
}

export interface Agent {
  tokens: TokenSource;
  /** Calls a tool and returns its text output. */
  callTool(name: string, args?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export function tokenCacheFor(options: Omit<AgentOptions, 'mcpServerUrl'>): TokenCache {
  return new TokenCache({
    tokenUrl: `${options.environmentUrl.replace(/\/$/, '')}/oauth/token`,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    scope: options.scopes,
    fetch: options.fetch,
    now: options.now,
    retryDelayMs: options.retryDelayMs,
  });
}

export function connectAgent(options: AgentOptions): Promise<Agent> {
  return connectWithTokens(options.mcpServerUrl, tokenCacheFor(options));
}

/** Where an MCP client's bearer tokens come from: a client-credentials cache, or a token had some other way. */
export interface TokenSource {
  get(): Promise<string>;
  /** Forget the current token (the server rejected it). */
  clear(): void;
}

export async function connectWithTokens(mcpServerUrl: string, tokens: TokenSource): Promise<Agent> {
  // A fetch that sets the current token on every MCP request, so one connection outlives a token.
  const send = async (url: string | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${await tokens.get()}`);
    return fetch(url, { ...init, headers });
  };
  const transport = new StreamableHTTPClientTransport(new URL(mcpServerUrl), {
    fetch: async (url, init) => {
      const res = await send(url, init);
      if (res.status !== 401) return res;
      // The server rejected a token the cache thought valid (revoked, re-keyed, clocks apart): one fresh try.
      tokens.clear();
      return send(url, init);
    },
  });
  const client = new Client({ name: 'todo-agent', version: '1.0.0' });
  await client.connect(transport);
  return {
    tokens,
    callTool: (name, args) => callToolText(client, name, args),
    close: () => client.close(),
  };
}
