// Safe defaults: `npm start` listens on 127.0.0.1; EMULATION_SHORTCUTS=off turns every emulation
// shortcut off, each refused in its own surface's shape (the outbox and the test controls 404, the
// simulated identity providers a readable 404 page, a `+sktest` email a real emailed code, a seeded user
// no default password), and a start that also asks for AUTO_LOGIN or TEST_CONTROL exits 2 naming both;
// the start banner of the real CLI warns while a shortcut is on and HOST is not loopback.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageSeen } from '../helpers/browser.js';
import { failingStart, runCli, startCli } from '../helpers/cli.js';
import { authorizationUrl, pkce, registerClient } from '../helpers/code-flow.js';
import { alertOf, FormSteps, headingOf } from '../helpers/form-steps.js';
import { startTestServer, TEST_SEED, type TestServer } from '../helpers/server.js';
import { startSmtpCatcher } from '../helpers/smtp-catcher.js';

const RES = 'res_20000000000000001';
const NO_PASSWORD = { id: 'usr_20000000000000002', email: 'seeded@example.com', name: 'Seeded Without Password', organization_id: 'org_20000000000000001' };

describe('EMULATION_SHORTCUTS=off', () => {
  let server: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtpCatcher>>;
  let issuer: string;
  let clientId: string;
  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    server = await startTestServer({
      env: { EMULATION_SHORTCUTS: 'off', SMTP_URL: `smtp://127.0.0.1:${smtp.port}` },
      seed: { ...TEST_SEED, users: [...TEST_SEED.users!, NO_PASSWORD] },
    });
    issuer = `${server.url}/resources/${RES}`;
    clientId = await registerClient(server.url, RES, { client_name: 'Shortcut-free host' });
  });
  afterAll(async () => {
    await server.close();
    await smtp.close();
  });

  const signInPage = async () => {
    const steps = new FormSteps();
    const page = (await steps.open(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge }))) as PageSeen;
    expect(headingOf(page.html)).toBe('Sign in');
    return steps;
  };

  it('the outbox is not served: 404 for the page and for JSON', async () => {
    expect((await fetch(`${server.url}/outbox`, { headers: { accept: 'text/html' } })).status).toBe(404);
    expect((await fetch(`${server.url}/outbox?to=ada@example.com`, { headers: { accept: 'application/json' } })).status).toBe(404);
  });

  it('the test controls are not served: 404', async () => {
    expect((await fetch(`${server.url}/_emulator/reset`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${server.url}/_emulator/requests`)).status).toBe(404);
  });

  it('the simulated identity providers: no button, provider=google and the SSO page answer a readable 404 page', async () => {
    const steps = await signInPage();
    expect(steps.page.html).not.toContain('Continue with Google');
    expect(steps.page.html).not.toContain('/sso');
    const sso = await steps.browser.fetch(`${steps.page.url}/sso?provider=google`);
    expect(sso.status).toBe(404);
    const html = await sso.text();
    expect(headingOf(html)).toBe('This sign-in option is not available');
    expect(html).toContain('EMULATION_SHORTCUTS=off');

    const straight = (await new FormSteps().open(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge, provider: 'google' }))) as PageSeen;
    expect(straight.status).toBe(404);
    expect(headingOf(straight.html)).toBe('This sign-in option is not available');
  });

  it('a +sktest email is no test user: 424242 is refused, the code emailed to it (SMTP) signs it in', async () => {
    const steps = await signInPage();
    const codePage = (await steps.submit('/identify', { email: 'qa+sktest@example.com' })) as PageSeen;
    expect(headingOf(codePage.html)).toBe('Check your email');
    expect(codePage.html).not.toContain('424242');
    expect(codePage.html).not.toContain('/outbox');
    const mail = await smtp.next();
    expect(mail.to).toEqual(['<qa+sktest@example.com>']);
    const code = /Subject: Your verification code is (\d{6})/.exec(mail.data)![1]!;

    const staticCode = await steps.post('/verify', { otp: '424242' });
    expect(staticCode.status).toBe(401);
    expect(alertOf(await staticCode.text())).toBe('That code is not correct. Check the latest email, or send a new code.');
    expect((await steps.post('/verify', { otp: code })).status).toBe(303);
  });

  it('a user seeded without a password gets no default one: "emulator-password" is refused', async () => {
    const steps = await signInPage();
    await steps.submit('/identify', { email: NO_PASSWORD.email, method: 'password' });
    const res = await steps.post('/login', { password: 'emulator-password' });
    expect(res.status).toBe(401);
  });
});

describe('the real CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-shortcuts-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('listens on 127.0.0.1 when HOST is unset, under the environment URL http://localhost:<port>', async () => {
    const cli = await startCli({ DATA_DIR: join(dir, 'default-host'), HOST: '' });
    try {
      const { hostname, port } = new URL(cli.url);
      expect(hostname).toBe('localhost');
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      // Bound to 127.0.0.1 alone: another loopback address of this machine is not served.
      const refused = await new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.2', port: Number(port) });
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');
      expect(cli.output()).not.toContain('WARNING');
    } finally {
      await cli.stop();
    }
  });

  it('warns in the start banner while shortcuts are on and HOST is not loopback, naming each one', async () => {
    const cli = await startCli({ DATA_DIR: join(dir, 'exposed'), HOST: '0.0.0.0', TEST_CONTROL: '1', TEST_CONTROL_TOKEN: 'control-token-0123456789abcdef' });
    try {
      expect(cli.output()).toContain(
        [
          'WARNING: emulation shortcuts are on and HOST=0.0.0.0 lets other machines reach this port:',
          '    - simulated identity providers sign anyone in as anyone',
          '    - any +sktest email signs in with the code 424242, and seeded users without a password with "emulator-password"',
          '    - /outbox shows every sign-in code and link',
          '    - the test controls (/_emulator/*) mint tokens and reset data',
          '    Set EMULATION_SHORTCUTS=off for a server other people can reach, or listen on HOST=127.0.0.1.',
        ].join('\n'),
      );
    } finally {
      await cli.stop();
    }
  });

  it('says nothing with EMULATION_SHORTCUTS=off on 0.0.0.0, and shows no outbox', async () => {
    const cli = await startCli({ DATA_DIR: join(dir, 'off'), HOST: '0.0.0.0', EMULATION_SHORTCUTS: 'off' });
    try {
      expect(cli.output()).not.toContain('WARNING: emulation shortcuts');
      expect(cli.output()).not.toContain('/outbox');
    } finally {
      await cli.stop();
    }
  });

  it('refuses EMULATION_SHORTCUTS=off with AUTO_LOGIN=1 or TEST_CONTROL=1: exit 2 naming both settings', async () => {
    const autoLogin = await failingStart({ DATA_DIR: join(dir, 'refused'), EMULATION_SHORTCUTS: 'off', AUTO_LOGIN: '1' });
    expect(autoLogin.code).toBe(2);
    expect(autoLogin.output).toContain('EMULATION_SHORTCUTS=off contradicts AUTO_LOGIN=1');
    const controls = await failingStart({ DATA_DIR: join(dir, 'refused'), EMULATION_SHORTCUTS: 'off', TEST_CONTROL: '1' });
    expect(controls.code).toBe(2);
    expect(controls.output).toContain('EMULATION_SHORTCUTS=off contradicts TEST_CONTROL=1');
  });

  it('names EMULATION_SHORTCUTS in --help', async () => {
    const help = await runCli(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('EMULATION_SHORTCUTS  (default on; one of on, off)');
  });
});
