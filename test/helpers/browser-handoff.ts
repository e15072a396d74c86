// The browser window of an MCP host that runs as its own process (mcp-remote, the MCP Inspector CLI):
// the host opens URLs the way it does on a desktop (the `open` package → xdg-open → $BROWSER), $BROWSER
// is browser-handoff.mjs, and that script hands each URL to this listener, which gives it to the test's
// Chromium. The host carries on as if a window had opened; the person's steps run in the test process.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export const BROWSER_SCRIPT = fileURLToPath(new URL('./browser-handoff.mjs', import.meta.url));

export interface BrowserHandoff {
  /** For the host's environment: $BROWSER and where the script hands URLs to. */
  env: { BROWSER: string; BROWSER_HANDOFF_URL: string };
  /** Every URL a host asked to open, in order. */
  readonly opened: string[];
  /** Waits for what `open` did with each URL so far; rejects with the first failure. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1; `open(url)` plays the person for each URL a host opens. */
export async function startBrowserHandoff(open: (url: string) => Promise<void>): Promise<BrowserHandoff> {
  const opened: string[] = [];
  const visits: Promise<void>[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      opened.push(body);
      // Caught here so an unawaited failure is not an unhandled rejection; settled() reports it.
      const visit = open(body);
      visit.catch(() => undefined);
      visits.push(visit);
      // The host's opener waits for the exit code only, as for a real browser that has taken the URL.
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    env: { BROWSER: BROWSER_SCRIPT, BROWSER_HANDOFF_URL: `http://127.0.0.1:${port}/open` },
    opened,
    settled: async () => {
      await Promise.all(visits);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A host's environment with no desktop: xdg-open falls back to $BROWSER only when it finds no desktop
 * session, and the host keeps its files where `dirs` say (HOME among them), never in the real home.
 */
export function hostEnvironment(handoff: BrowserHandoff, dirs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(DISPLAY|WAYLAND_DISPLAY|XDG_.*|DESKTOP_SESSION|KDE_.*|GNOME_.*|DBUS_SESSION_BUS_ADDRESS)$/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...handoff.env, ...dirs };
}
