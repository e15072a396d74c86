// The todo MCP server: two tools on an in-memory list, protected by Scalekit (see ../shared/mcp-auth.ts).
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { HttpApp } from '../shared/http.js';
import { createMcpAuth, type ProtectedResourceMetadata, type ScalekitConnection } from '../shared/mcp-auth.js';
import { createMcpHttpServer } from '../shared/mcp-http.js';

export interface TodoServerOptions {
  scalekit: ScalekitConnection;
  /** MCP_SERVER_URL: the public URL registered in Scalekit, i.e. the token audience. */
  serverUrl: string;
  metadata: ProtectedResourceMetadata;
  /** Optional backend that `list_todos` calls with the caller's own token (token cascading). */
  backendUrl?: string;
  /** Told about every tool call and who made it (for a token had by token exchange, the person it acts for too). */
  onToolCall?: (call: ToolCall) => void;
  /** Check every token at Scalekit's introspection endpoint too, so a revoked one is refused (TOKEN_INTROSPECTION=1). */
  introspect?: boolean;
}

export const TODO_SCOPES = { list_todos: 'todo:read', add_todo: 'todo:write' };

export interface ToolCall {
  tool: string;
  clientId: string;
  /** RFC 8693 `act`: the client acts on behalf of this person (`sub`). */
  onBehalfOf?: string;
}

// Who made a call: the client, and the person when another server's client acts for them (`act`).
function callOf(tool: string, authInfo: AuthInfo | undefined): ToolCall {
  const claims = authInfo?.extra?.claims as { sub?: string; act?: { sub?: string } } | undefined;
  return { tool, clientId: authInfo?.clientId ?? '', ...(claims?.act && claims.sub ? { onBehalfOf: claims.sub } : {}) };
}

export function createTodoServer(options: TodoServerOptions): HttpApp {
  const todos: { id: number; title: string }[] = [];
  const auth = createMcpAuth({
    ...options.scalekit,
    serverUrl: options.serverUrl,
    metadata: options.metadata,
    toolScopes: TODO_SCOPES,
    introspect: options.introspect ?? false,
  });
  const text = (value: unknown) => ({ content: [{ type: 'text' as const, text: JSON.stringify(value) }] });

  return createMcpHttpServer(auth, () => {
    const server = new McpServer({ name: 'todo', version: '1.0.0' });
    server.registerTool('list_todos', { description: 'List all todos (needs todo:read)' }, async ({ authInfo }) => {
      options.onToolCall?.(callOf('list_todos', authInfo));
      if (!options.backendUrl) return text({ todos });
      // Same trust boundary: the backend gets the very token we received and validates it itself.
      const answer = await fetch(new URL('/todos/summary', options.backendUrl), { headers: { authorization: `Bearer ${authInfo?.token}` } });
      return text({ todos, backend: { status: answer.status, body: await answer.json() } });
    });
    server.registerTool(
      'add_todo',
      { description: 'Add a todo (needs todo:write)', inputSchema: { title: z.string().min(1) } },
      ({ title }, { authInfo }) => {
        options.onToolCall?.(callOf('add_todo', authInfo));
        const todo = { id: todos.length + 1, title };
        todos.push(todo);
        return text(todo);
      },
    );
    return server;
  });
}
