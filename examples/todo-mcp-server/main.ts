// node dist/examples/todo-mcp-server/main.js — see examples/README.md for the environment.
import { onShutdown } from '../shared/http.js';
import { metadataFromEnv, scalekitFromEnv } from '../shared/mcp-auth.js';
import { createTodoServer } from './server.js';

const env = process.env;
const serverUrl = env.MCP_SERVER_URL ?? 'http://localhost:3002/';
const app = createTodoServer({
  scalekit: scalekitFromEnv(env),
  serverUrl,
  metadata: metadataFromEnv(env, serverUrl, { resourceId: 'res_10000000000000001', scopes: ['todo:read', 'todo:write'] }),
  backendUrl: env.BACKEND_URL || undefined,
  onToolCall: ({ tool, clientId }) => console.log(`${tool} called by ${clientId}`),
  introspect: env.TOKEN_INTROSPECTION === '1',
});
const url = await app.listen(Number(env.PORT ?? 3002));
console.log(`todo MCP server on ${url}/mcp (audience ${serverUrl})`);
onShutdown(() => app.close());
