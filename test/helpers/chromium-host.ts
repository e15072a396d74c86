// An MCP host whose browser window is a real Chromium: the MCP SDK opens the authorization URL, a
// script plays the person on the real pages, and the host gets the code from its redirect URI.
import type { Page } from 'playwright-core';
import { catchCallback } from './chromium.js';
import { HeadlessHost, HOST_CALLBACK, type HeadlessHostOptions } from './mcp-host.js';

export type Person = (page: Page) => Promise<void>;

export class ChromiumHost extends HeadlessHost {
  constructor(
    private readonly page: Page,
    private readonly person: Person,
    options: HeadlessHostOptions = {},
  ) {
    super(options);
  }

  override async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizationUrls.push(url);
    const callback = await catchCallback(this.page, HOST_CALLBACK);
    await this.page.goto(url.href);
    await this.person(this.page);
    const reached = await callback();
    if (reached.searchParams.get('state') !== url.searchParams.get('state')) throw new Error(`state mismatch in ${reached.href}`);
    this.callbacks.push(reached);
  }
}

/** The newest message to `to` in the emulator's outbox (JSON). */
export async function latestMessage(envUrl: string, to: string): Promise<{ id: string; to: string; subject: string; code: string | null; link: string | null; created_at: string }> {
  const res = await fetch(`${envUrl}/outbox?to=${encodeURIComponent(to)}`, { headers: { accept: 'application/json' } });
  if (res.status !== 200) throw new Error(`outbox answered ${res.status}`);
  const messages = (await res.json()) as Awaited<ReturnType<typeof latestMessage>>[];
  if (!messages[0]) throw new Error(`no message to ${to} in the outbox`);
  return messages[0];
}

/** The login page's first step, with Scalekit's published selectors: the email, then "Continue". */
export async function enterEmail(page: Page, email: string): Promise<void> {
  await page.locator('input[type="email"]').fill(email);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
}

