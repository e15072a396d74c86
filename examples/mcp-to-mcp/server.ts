// Pattern 3b: the planner MCP server, protected like the todo server, calls the todo server as an
// agent of its own (Pattern 2): its own client-credentials token, never the caller's.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { connectWithTokens, tokenCacheFor, type AgentOptions } from '../agent/agent.js';
import type { HttpApp } from '../shared/http.js';
import { createMcpAuth, type ProtectedResourceMetadata, type ScalekitConnection } from '../shared/mcp-auth.js';
import { createMcpHttpServer } from '../shared/mcp-http.js';

export interface PlannerServerOptions {
  scalekit: ScalekitConnection;
  /** The planner's own public URL / token audience, e.g. http://localhost:3003/ */
  serverUrl: string;
  metadata: ProtectedResourceMetadata;
  /** The planner's M2M client for the todo server, and where that server is. */
  todo: Omit<AgentOptions, 'environmentUrl'>;
}

export function createPlannerServer(options: PlannerServerOptions): HttpApp {
  // One token cache for the server's lifetime: the todo token is reused across plan_day calls.
  const todoTokens = tokenCacheFor({ environmentUrl: options.scalekit.environmentUrl, ...options.todo });
  const auth = createMcpAuth({ ...options.scalekit, serverUrl: options.serverUrl, metadata: options.metadata, toolScopes: { plan_day: 'plan:read' } });

  return createMcpHttpServer(auth, () => {
    const server = new McpServer({ name: 'planner', version: '1.0.0' });
    server.registerTool('plan_day', { description: "Plan the day from the todo server's list (needs plan:read)" }, async () => {
      const todo = await connectWithTokens(options.todo.mcpServerUrl, todoTokens);
      try {
        const { todos } = JSON.parse(await todo.callTool('list_todos')) as { todos: { title: string }[] };
        const plan = todos.map((t, i) => `${String(9 + i).padStart(2, '0')}:00 ${t.title}`);
        return { content: [{ type: 'text', text: plan.length > 0 ? plan.join('\n') : 'Nothing to do today.' }] };
      } finally {
        await todo.close();
      }
    });
    return server;
  });
}
