// What both example MCP clients (the agent and the host) do with a tool's answer: its text, or an error.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';

export async function callToolText(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');
  if (result.isError) throw new Error(`${name} failed: ${text}`);
  return text;
}
