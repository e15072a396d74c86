// node dist/examples/device-agent/main.js — a CLI agent that acts for a person without a browser of its
// own (RFC 8628): it prints a code and a URL, waits while the person signs in and allows access on any
// device, then calls an MCP tool with the token it got. See examples/README.md for the environment. A
// failure (the person said no, the code expired, an unreachable server) is one line on stderr, exit 1.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { exitWithMessage } from '../shared/http.js';
import { callToolText } from '../shared/mcp-client.js';
import { authorizeDevice } from './device-authorization.js';

const env = process.env;
const mcpServerUrl = env.MCP_SERVER_URL ?? 'http://localhost:3002/mcp';
try {
  const tokens = await authorizeDevice({
    mcpServerUrl,
    ...(env.AGENT_SCOPES ? { scopes: env.AGENT_SCOPES } : {}),
    showCode(code) {
      console.log(`To sign in, open ${code.verificationUri} and enter the code ${code.userCode}`);
      if (code.verificationUriComplete) console.log(`(or open ${code.verificationUriComplete})`);
      console.log(`Waiting for you to allow access (the code works for ${Math.round(code.expiresIn / 60)} minutes)…`);
    },
  });
  const client = new Client({ name: 'todo-device-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpServerUrl), { requestInit: { headers: { authorization: `Bearer ${tokens.access_token}` } } }));
  try {
    const tool = env.AGENT_TOOL ?? 'list_todos';
    console.log(`${tool}:`, await callToolText(client, tool));
  } finally {
    await client.close();
  }
} catch (err) {
  exitWithMessage('device-agent', err);
}
