// A stateless streamable-HTTP MCP endpoint on plain node:http, behind McpAuth: PRM at the well-known
// URLs, GET /health, POST /mcp (or /) with a new McpServer and transport per request.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createHttpApp, pathOf, readBody, sendJson, type HttpApp } from './http.js';
import type { McpAuth } from './mcp-auth.js';

const METADATA_PATHS = new Set(['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']);
const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, OPTIONS', 'access-control-allow-headers': '*' };
const jsonRpcError = (code: number, message: string) => ({ jsonrpc: '2.0', error: { code, message }, id: null });

export function createMcpHttpServer(auth: McpAuth, createMcpServer: () => McpServer): HttpApp {
  return createHttpApp(async (req, res) => {
    const path = pathOf(req);
    if (METADATA_PATHS.has(path)) {
      if (req.method === 'OPTIONS') return void res.writeHead(204, CORS).end();
      if (req.method === 'GET') return sendJson(res, 200, auth.metadata, CORS);
    }
    if (path === '/health' && req.method === 'GET') return sendJson(res, 200, { status: 'ok' });
    if (path !== '/mcp' && path !== '/') return sendJson(res, 404, { error: 'not_found' });
    // Stateless: no SSE stream to open (GET) and no session to end (DELETE).
    if (req.method !== 'POST') return sendJson(res, 405, jsonRpcError(-32000, 'Method not allowed.'), { allow: 'POST' });

    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      body = undefined;
    }
    // The token is checked before the body, so a caller without one always learns where to get one.
    const authInfo = await auth.authorize(req, res, body);
    if (!authInfo) return;
    if (body === undefined) return sendJson(res, 400, jsonRpcError(-32700, 'Parse error'));

    const server = createMcpServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    // `auth` on the request becomes `extra.authInfo` in tool handlers.
    await transport.handleRequest(Object.assign(req, { auth: authInfo }), res, body);
  });
}
