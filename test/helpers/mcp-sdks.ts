// The two generations of MCP SDK clients as a host drives them: connect (finishing an authorization when the
// server answers 401), refresh, and step up after a 403. What differs between them is here, once.
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2, UnauthorizedError as UnauthorizedV2, auth as authV2 } from '@modelcontextprotocol/client';
import { auth as authV1, UnauthorizedError as UnauthorizedV1 } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'vitest';
import type { HeadlessHost } from './mcp-host.js';

export interface Connected {
  listTools(): Promise<string[]>;
  callTool(name: string, args?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/** What differs between the SDK generations: how a host connects, finishes an authorization and refreshes. */
export interface Sdk {
  name: string;
  connect(host: HeadlessHost, url: string): Promise<Connected>;
  refresh(host: HeadlessHost, url: string): Promise<string>;
  /** Calls a tool the token's scopes do not cover, and completes the step-up the 403 asks for. */
  stepUp(host: HeadlessHost, url: string, client: Connected, tool: string, args: Record<string, unknown>): Promise<void>;
}

const wrap = (client: { listTools(): Promise<{ tools: { name: string }[] }>; callTool(p: { name: string; arguments: Record<string, unknown> }): Promise<unknown>; close(): Promise<void> }): Connected => ({
  listTools: async () => (await client.listTools()).tools.map((t) => t.name).sort(),
  callTool: async (name, args = {}) => {
    const result = (await client.callTool({ name, arguments: args })) as { content: { text: string }[]; isError?: boolean };
    if (result.isError) throw new Error(`tool ${name} failed: ${result.content[0]?.text}`);
    return result.content[0]!.text;
  },
  close: () => client.close(),
});

export const v1: Sdk = {
  name: '@modelcontextprotocol/sdk 1.x',
  async connect(host, url) {
    const attempt = async () => {
      const client = new ClientV1({ name: 'headless-v1', version: '1.0.0' });
      const transport = new TransportV1(new URL(url), { authProvider: host as never });
      await client.connect(transport);
      return { client, transport };
    };
    try {
      return wrap((await attempt()).client);
    } catch (err) {
      if (!(err instanceof UnauthorizedV1)) throw err;
    }
    await new TransportV1(new URL(url), { authProvider: host as never }).finishAuth(host.code);
    return wrap((await attempt()).client);
  },
  async refresh(host, url) {
    expect(await authV1(host as never, { serverUrl: url })).toBe('AUTHORIZED');
    return String((host.savedTokens as { access_token: string }).access_token);
  },
  async stepUp(host, url, client, tool, args) {
    // v1 answers a 403 by refreshing, which cannot widen the grant (a known v1 limitation)...
    const denied = (await client.callTool(tool, args).catch((err: unknown) => err)) as Error;
    expect(denied.message).toContain('Server returned 403 after trying upscoping');
    // ...so a v1 host starts a new authorization for the scope the challenge named.
    host.invalidateCredentials('tokens');
    expect(await authV1(host as never, { serverUrl: url, scope: 'todo:write' })).toBe('REDIRECT');
    expect(await authV1(host as never, { serverUrl: url, authorizationCode: host.code })).toBe('AUTHORIZED');
  },
};

export const v2: Sdk = {
  name: '@modelcontextprotocol/client 2.x',
  async connect(host, url) {
    const attempt = async () => {
      const client = new ClientV2({ name: 'headless-v2', version: '2.0.0' });
      await client.connect(new TransportV2(new URL(url), { authProvider: host as never }));
      return client;
    };
    try {
      return wrap((await attempt()) as never);
    } catch (err) {
      if (!(err instanceof UnauthorizedV2)) throw err;
    }
    // v2 checks the RFC 9207 `iss` of the callback against the issuer's metadata.
    await new TransportV2(new URL(url), { authProvider: host as never }).finishAuth(host.callbacks.at(-1)!.searchParams);
    return wrap((await attempt()) as never);
  },
  async refresh(host, url) {
    expect(await authV2(host as never, { serverUrl: url })).toBe('AUTHORIZED');
    return String((host.savedTokens as { access_token: string }).access_token);
  },
  async stepUp(host, url, client, tool, args) {
    // v2 asks for the union of its scopes (the token response's, offline_access among them) and the
    // challenged one, in a fresh authorization.
    const denied = await client.callTool(tool, args).catch((err: unknown) => err);
    expect(denied).toBeInstanceOf(UnauthorizedV2);
    expect(host.authorizationUrls.at(-1)!.searchParams.get('scope')!.split(' ').sort()).toEqual(['offline_access', 'todo:read', 'todo:write']);
    await new TransportV2(new URL(url), { authProvider: host as never }).finishAuth(host.callbacks.at(-1)!.searchParams);
  },
};
