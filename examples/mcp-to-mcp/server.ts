// Pattern 3: the planner MCP server, protected like the todo server, calls the todo server. For a person
// (a token whose `sub` is a usr_ id) it acts on their behalf: their token for the planner exchanged for
// one for the todo server (3a, on-behalf.ts). For a machine caller, or without an exchange client, it
// calls as an agent of its own (3b, Pattern 2): its own client-credentials token. Never the caller's token.
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { connectWithTokens, tokenCacheFor, type AgentOptions, type TokenSource } from '../agent/agent.js';
import type { HttpApp } from '../shared/http.js';
import { createMcpAuth, type ProtectedResourceMetadata, type ScalekitConnection } from '../shared/mcp-auth.js';
import { createMcpHttpServer } from '../shared/mcp-http.js';
import { exchangeOnBehalf } from './on-behalf.js';

export interface PlannerServerOptions {
  scalekit: ScalekitConnection;
  /** The planner's own public URL / token audience, e.g. http://localhost:3003/ */
  serverUrl: string;
  metadata: ProtectedResourceMetadata;
  /** The planner's M2M client for the todo server, and where that server is. */
  todo: Omit<AgentOptions, 'environmentUrl'>;
  /** The planner server's own confidential client, for calls on a person's behalf (token exchange). */
  exchange?: { clientId: string; clientSecret: string };
}

const isPerson = (authInfo: AuthInfo | undefined) => /^usr_/.test(String((authInfo?.extra?.claims as { sub?: unknown } | undefined)?.sub ?? ''));

export function createPlannerServer(options: PlannerServerOptions): HttpApp {
  // One token cache for the server's lifetime: the todo token is reused across plan_day calls.
  const todoTokens = tokenCacheFor({ environmentUrl: options.scalekit.environmentUrl, ...options.todo });
  const auth = createMcpAuth({ ...options.scalekit, serverUrl: options.serverUrl, metadata: options.metadata, toolScopes: { plan_day: 'plan:read' } });

  // One exchange per call, made when the todo server is first called: the token acts for this person only.
  const onBehalfOf = (personToken: string): TokenSource => {
    let exchanged: Promise<string> | undefined;
    const exchange = { ...options.exchange!, mcpServerUrl: options.todo.mcpServerUrl, ...(options.todo.scopes ? { scopes: options.todo.scopes } : {}) };
    return { get: () => (exchanged ??= exchangeOnBehalf(exchange, personToken)), clear: () => (exchanged = undefined) };
  };

  return createMcpHttpServer(auth, () => {
    const server = new McpServer({ name: 'planner', version: '1.0.0' });
    server.registerTool('plan_day', { description: "Plan the day from the todo server's list (needs plan:read)" }, async ({ authInfo }) => {
      const todo = await connectWithTokens(options.todo.mcpServerUrl, options.exchange && isPerson(authInfo) ? onBehalfOf(authInfo!.token) : todoTokens);
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
