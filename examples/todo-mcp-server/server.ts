// The todo MCP server: two tools on an in-memory list, protected by Scalekit (see ../shared/mcp-auth.ts).
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
  /** Told about every tool call and who made it. */
  onToolCall?: (call: { tool: string; clientId: string }) => void;
  /** Check every token at Scalekit's introspection endpoint too, so a revoked one is refused (TOKEN_INTROSPECTION=1). */
  introspect?: boolean;
}

export const TODO_SCOPES = { list_todos: 'todo:read', add_todo: 'todo:write' };

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
      options.onToolCall?.({ tool: 'list_todos', clientId: authInfo?.clientId ?? '' });
      if (!options.backendUrl) return text({ todos });
      // Same trust boundary: the backend gets the very token we received and validates it itself.
      const answer = await fetch(new URL('/todos/summary', options.backendUrl), { headers: { authorization: `Bearer ${authInfo?.token}` } });
      return text({ todos, backend: { status: answer.status, body: await answer.json() } });
    });
    server.registerTool(
      'add_todo',
      { description: 'Add a todo (needs todo:write)', inputSchema: { title: z.string().min(1) } },
      ({ title }, { authInfo }) => {
        options.onToolCall?.({ tool: 'add_todo', clientId: authInfo?.clientId ?? '' });
        const todo = { id: todos.length + 1, title };
        todos.push(todo);
        return text(todo);
      },
    );
    return server;
  });
}
