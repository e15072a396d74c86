// node dist/examples/mcp-host/main.js — signs you in to the Todo MCP server as an MCP host does, then
// lists its tools and your todos. See examples/README.md.
import { connectHost } from './host.js';

const host = await connectHost({
  mcpServerUrl: process.env.MCP_SERVER_URL ?? 'http://localhost:3002/mcp',
  openBrowser: async (url) => {
    console.log(`Open this URL in your browser to sign in (with the demo seed: demo@example.com, then the code from ${url.origin}/outbox, or "Use a password instead" and emulator-password):\n\n  ${url.href}\n`);
  },
});
try {
  console.log('tools:', (await host.client.listTools()).tools.map((t) => t.name).join(', '));
  console.log('list_todos:', await host.callTool('list_todos'));
  console.log('token scopes:', host.tokens()?.scope ?? '(none)', host.tokens()?.refresh_token ? '(with a refresh token)' : '');
} finally {
  await host.close();
}
