// node dist/examples/mcp-to-mcp/main.js — see examples/README.md for the environment.
import { onShutdown, requireEnv } from '../shared/http.js';
import { metadataFromEnv, scalekitFromEnv } from '../shared/mcp-auth.js';
import { createPlannerServer } from './server.js';

const env = process.env;
const serverUrl = env.MCP_SERVER_URL ?? 'http://localhost:3003/';
const app = createPlannerServer({
  scalekit: scalekitFromEnv(env),
  serverUrl,
  metadata: metadataFromEnv(env, serverUrl, { resourceId: 'res_10000000000000002', scopes: ['plan:read'] }),
  todo: {
    mcpServerUrl: env.TODO_MCP_SERVER_URL ?? 'http://localhost:3002/mcp',
    clientId: requireEnv('PLANNER_CLIENT_ID'),
    clientSecret: requireEnv('PLANNER_CLIENT_SECRET'),
    scopes: env.PLANNER_SCOPES ?? 'todo:read',
  },
  ...(env.PLANNER_EXCHANGE_CLIENT_ID && env.PLANNER_EXCHANGE_CLIENT_SECRET
    ? { exchange: { clientId: env.PLANNER_EXCHANGE_CLIENT_ID, clientSecret: env.PLANNER_EXCHANGE_CLIENT_SECRET } }
    : {}),
});
const url = await app.listen(Number(env.PORT ?? 3003));
console.log(`planner MCP server on ${url}/mcp (audience ${serverUrl})`);
onShutdown(() => app.close());
