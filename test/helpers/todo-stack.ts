// The example Todo MCP server, protected by a fresh emulator (the package's own fixture), each MCP server
// registered at the URL it really listens on, so MCP clients find the audience they connect to.
import { createServer } from 'node:net';
import type { HttpApp } from '../../examples/shared/http.js';
import { createTodoServer } from '../../examples/todo-mcp-server/server.js';
import { startEmulator, type Emulator, type StartEmulatorOptions } from '../../src/index.js';
import { ADA } from './server.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

export interface TodoServerSpec {
  resourceId: string;
  name: string;
  /** Override the PRM's scopes_supported (the dashboard's JSON lists the server's scopes). */
  publishedScopes?: string[];
  enableCimd?: boolean;
  /** Check every token at the emulator's introspection endpoint too, so a revoked one is refused. */
  introspect?: boolean;
  /** Accept ID-JAGs (enterprise-managed authorization) at its issuer. */
  xaaEnabled?: boolean;
  /** Offer the device authorization grant (RFC 8628) at its issuer. */
  enableDeviceFlow?: boolean;
}

export interface TodoStack {
  em: Emulator;
  /** The MCP endpoint URL of each server, by resource id. */
  mcpUrl: Record<string, string>;
  close(): Promise<void>;
}

export async function startTodoStack(servers: TodoServerSpec[], options: StartEmulatorOptions = {}): Promise<TodoStack> {
  const ports = await Promise.all(servers.map(() => freePort()));
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  const scopes = [
    { name: 'todo:read', description: 'Read your todos' },
    { name: 'todo:write', description: 'Add and change your todos' },
  ];
  const em = await startEmulator({
    keys: 'fixed',
    seed: {
      organizations: [{ id: 'org_30000000000000001', display_name: 'Acme' }],
      resources: servers.map((s, i) => ({ id: s.resourceId, name: s.name, resource_id: `${urls[i]}/`, scopes, enable_cimd: s.enableCimd ?? false, xaa_enabled: s.xaaEnabled ?? false, enable_device_flow: s.enableDeviceFlow ?? false })),
      users: [{ id: ADA.id, email: ADA.email, name: 'Ada', password: ADA.password, organization_id: 'org_30000000000000001' }],
    },
    ...options,
  });
  const scalekit = { environmentUrl: em.url, clientId: em.environment.clientId, clientSecret: em.environment.clientSecret };
  const apps: HttpApp[] = [];
  const mcpUrl: Record<string, string> = {};
  for (const [i, spec] of servers.entries()) {
    // The Metadata JSON the dashboard hands out, verbatim (or with fewer scopes published).
    const metadata = (await em.protectedResourceMetadata(spec.resourceId)) as { resource: string; authorization_servers: string[] };
    const app = createTodoServer({
      scalekit,
      serverUrl: `${urls[i]}/`,
      metadata: { ...metadata, ...(spec.publishedScopes ? { scopes_supported: spec.publishedScopes } : {}) },
      introspect: spec.introspect ?? false,
    });
    await app.listen(ports[i], '127.0.0.1');
    apps.push(app);
    mcpUrl[spec.resourceId] = `${urls[i]}/mcp`;
  }
  return {
    em,
    mcpUrl,
    close: async () => {
      await Promise.all(apps.map((a) => a.close()));
      await em.close();
    },
  };
}
