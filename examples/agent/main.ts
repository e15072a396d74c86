// node dist/examples/agent/main.js [todo title] — see examples/README.md for the environment.
// By default it adds a todo and lists them; AGENT_TOOL=<name> calls that one tool instead (e.g.
// plan_day on the planner). A failure is one line on stderr and exit code 1, never a stack trace.
import { exitWithMessage, onShutdown, requireEnv } from '../shared/http.js';
import { connectAgent } from './agent.js';

const env = process.env;
try {
  const agent = await connectAgent({
    environmentUrl: env.SCALEKIT_ENVIRONMENT_URL ?? 'http://localhost:8080',
    clientId: requireEnv('AGENT_CLIENT_ID'),
    clientSecret: requireEnv('AGENT_CLIENT_SECRET'),
    scopes: env.AGENT_SCOPES ?? 'todo:read todo:write',
    mcpServerUrl: env.MCP_SERVER_URL ?? 'http://localhost:3002/mcp',
  });
  onShutdown(() => agent.close());
  try {
    if (env.AGENT_TOOL) {
      console.log(`${env.AGENT_TOOL}:`, await agent.callTool(env.AGENT_TOOL));
    } else {
      console.log('add_todo:', await agent.callTool('add_todo', { title: process.argv[2] ?? 'Water the plants' }));
      console.log('list_todos:', await agent.callTool('list_todos'));
    }
  } finally {
    await agent.close();
  }
} catch (err) {
  exitWithMessage('agent', err);
}
