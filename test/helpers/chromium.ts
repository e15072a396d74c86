// A real browser for the pages: Debian's Chromium driven by playwright-core (no browser download).
// Screenshots go to test/artifacts/ (ignored by git), to be looked at.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

/** `extraArgs`: more Chromium flags, e.g. `--host-resolver-rules=MAP attacker.example 127.0.0.1`. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
  });
}

/** Saves a full-page screenshot as test/artifacts/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * Answers every request to `callback` (an app's redirect URI, where nothing listens) with a small page,
 * and resolves to the first URL the browser was sent there.
 */
export async function catchCallback(page: Page, callback: string): Promise<() => Promise<URL>> {
  const origin = new URL(callback).origin;
  let reached: (url: URL) => void;
  const arrived = new Promise<URL>((resolve) => (reached = resolve));
  await page.route(`${origin}/**`, async (route) => {
    reached(new URL(route.request().url()));
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>App</title><h1>Back in the app</h1>' });
  });
  return () => arrived;
}
