// node dist/examples/agent/main.js [todo title] — see examples/README.md for the environment.
import { onShutdown, requireEnv } from '../shared/http.js';
import { connectAgent } from './agent.js';

const env = process.env;
const agent = await connectAgent({
  environmentUrl: env.SCALEKIT_ENVIRONMENT_URL ?? 'http://localhost:8080',
  clientId: requireEnv('AGENT_CLIENT_ID'),
  clientSecret: requireEnv('AGENT_CLIENT_SECRET'),
  scopes: env.AGENT_SCOPES ?? 'todo:read todo:write',
  mcpServerUrl: env.MCP_SERVER_URL ?? 'http://localhost:3002/mcp',
});
onShutdown(() => agent.close());
try {
  console.log('add_todo:', await agent.callTool('add_todo', { title: process.argv[2] ?? 'Water the plants' }));
  console.log('list_todos:', await agent.callTool('list_todos'));
} finally {
  await agent.close();
}
