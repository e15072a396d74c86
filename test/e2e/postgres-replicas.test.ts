// Two replicas as a deployment runs them: two `start` processes on one PostgreSQL database, each on its
// own port, behind one public URL (SCALEKIT_ENVIRONMENT_URL) served by a tiny balancer in this file that
// sends each request to the replica a test names, or to each in turn. What one replica wrote, the other
// serves: one schema, key ring, install key set and demo seed when both start at once; clients, secrets,
// signing keys and a person's grant across both; and a replica killed under load loses no audit row and
// comes back with the same keys. Needs a PostgreSQL server; skipped without.
import { ScalekitClient } from '@scalekit-sdk/node';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_USER_PASSWORD } from '../../src/config/seed.js';
import { MiniBrowser } from '../helpers/browser.js';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { authorize, exchange, registerClient, tokenCall, type TokenSet } from '../helpers/code-flow.js';
import { freshPostgresDatabase, postgresServer, rawDatabase, type FreshDatabase } from '../helpers/databases.js';
import { freePort } from '../helpers/todo-stack.js';
import { clientToken, restCaller, type Rest } from '../helpers/management.js';
import { basic, clientCredentialsToken, decodeJwt, postForm } from '../helpers/server.js';

const ORG = 'org_10000000000000001';
const RES = 'res_10000000000000001';
const TODO = 'http://localhost:3002/';
const DEMO_AGENT = 'm2morg_10000000000000001';
const DEMO_USER = { email: 'demo@example.com', password: DEFAULT_USER_PASSWORD };

type Replica = 'a' | 'b';

/** One public URL in front of both replicas: each request goes to `route` (a replica, or each in turn). */
interface Balancer {
  url: string;
  route: Replica | 'in turn';
  /** Who served what, in order. */
  served: { replica: Replica; method: string; path: string }[];
  targets: Partial<Record<Replica, string>>;
  close(): Promise<void>;
}

async function startBalancer(): Promise<Balancer> {
  let turn = 0;
  const server: Server = createServer((req, res) => {
    const replica: Replica = balancer.route === 'in turn' ? (turn++ % 2 === 0 ? 'a' : 'b') : balancer.route;
    const target = new URL(balancer.targets[replica]!);
    balancer.served.push({ replica, method: req.method!, path: req.url!.split('?')[0]! });
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const balancer: Balancer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    route: 'in turn',
    served: [],
    targets: {},
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return balancer;
}

/** A secret a start generated and showed once (the banner line after the client's id). */
const shownSecret = (output: string, clientId: string) => new RegExp(`${clientId}\\s+client_secret\\s+(\\S+)\\s+\\(shown once`).exec(output)?.[1];
const environmentClientOf = (output: string) => /client_id\s+(skc_\d+)/.exec(output)![1]!;

const keysOf = async (url: string) => ((await (await fetch(`${url}/keys`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
const errorOf = async (res: Response) => [res.status, ((await res.json()) as { error: string }).error];

/**
 * What `attempt` resolves to once `done` holds, trying at most `attempts` times `everyMs` apart: for what
 * the other replica learns within a second (its caches hear of a write by NOTIFY, or the once-a-second
 * version check). Says how long it took.
 */
async function within<T>(what: string, attempt: () => Promise<T>, done: (value: T) => boolean, attempts = 25, everyMs = 50): Promise<T> {
  const started = performance.now();
  let value = await attempt();
  let tried = 1;
  for (; !done(value) && tried < attempts; tried++) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    value = await attempt();
  }
  console.log(`${what}: ${done(value) ? `after ${Math.round(performance.now() - started)} ms, attempt ${tried}` : `not after ${tried} attempts`}`);
  return value;
}

const versionsShipped = () =>
  readdirSync(new URL('../../migrations/postgres', import.meta.url))
    .filter((f) => /^\d{3}_.*\.sql$/.test(f))
    .map((f) => Number(f.slice(0, 3)))
    .sort((x, y) => x - y);

describe.skipIf(!postgresServer())('two replicas on one PostgreSQL database, behind one URL', () => {
  let dir: string;
  let database: FreshDatabase;
  let balancer: Balancer;
  const replicas: Partial<Record<Replica, RunningCli>> = {};
  /** Each replica's own address (the banner names the public URL). */
  const direct: Record<Replica, string> = { a: '', b: '' };
  let environmentClient: { id: string; secret: string };
  let demoAgent: { id: string; secret: string };
  let onA: Rest;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-replicas-'));
    database = await freshPostgresDatabase();
    balancer = await startBalancer();
    const start = async (name: Replica) => {
      const port = await freePort();
      direct[name] = balancer.targets[name] = `http://127.0.0.1:${port}`;
      replicas[name] = await startCli({
        DATA_DIR: join(dir, name),
        DATABASE_URL: database.url,
        PORT: String(port),
        SCALEKIT_ENVIRONMENT_URL: balancer.url,
        LOG_LEVEL: 'warn',
      });
    };
    // At the same moment, on an empty database, with the built-in demo seed.
    await Promise.all([start('a'), start('b')]);
    const outputs = [replicas.a!.output(), replicas.b!.output()];
    const envId = environmentClientOf(outputs[0]!);
    environmentClient = { id: envId, secret: outputs.map((o) => shownSecret(o, envId)).find(Boolean)! };
    demoAgent = { id: DEMO_AGENT, secret: outputs.map((o) => shownSecret(o, DEMO_AGENT)).find(Boolean)! };
    onA = restCaller(direct.a, await clientCredentialsToken(direct.a, environmentClient));
  });
  afterAll(async () => {
    await Promise.all(Object.values(replicas).map((cli) => cli.stop()));
    await balancer?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('both started at once on an empty database: one schema, one key ring, one set of install keys, one environment client, the demo seed applied once', async () => {
    const outputs = [replicas.a!.output(), replicas.b!.output()];
    expect(environmentClientOf(outputs[1]!)).toBe(environmentClient.id);
    // Secrets are shown by the start that made them: one of the two, for the environment client and the demo agent alike.
    expect(outputs.filter((o) => shownSecret(o, environmentClient.id) !== undefined)).toHaveLength(1);
    expect(outputs.filter((o) => shownSecret(o, DEMO_AGENT) !== undefined)).toHaveLength(1);
    expect(await keysOf(direct.b)).toEqual(await keysOf(direct.a));

    const raw = rawDatabase(database.url);
    try {
      const versions = (await raw.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version);
      expect(versions).toEqual(versionsShipped());
      expect(await raw.all('SELECT kid FROM signing_keys')).toEqual((await keysOf(direct.a)).map((kid) => ({ kid })));
      const installKeys = await raw.all<{ cookie_keys: string }>('SELECT cookie_keys FROM install_keys');
      expect(installKeys).toHaveLength(1);
      expect(JSON.parse(installKeys[0]!.cookie_keys)).toHaveLength(1);
      expect(await raw.all('SELECT client_id, kind FROM clients ORDER BY client_id')).toEqual([
        { client_id: DEMO_AGENT, kind: 'organization' },
        { client_id: environmentClient.id, kind: 'environment' },
      ]);
      expect(await raw.all('SELECT client_id FROM client_secrets ORDER BY client_id')).toEqual([{ client_id: DEMO_AGENT }, { client_id: environmentClient.id }]);
      expect(await raw.all('SELECT id FROM organizations')).toEqual([{ id: ORG }]);
      expect(await raw.all('SELECT id FROM resources')).toEqual([{ id: RES }]);
      expect(await raw.all('SELECT email FROM users')).toEqual([{ email: DEMO_USER.email }]);
    } finally {
      await raw.close();
    }
    // The one demo agent and the one environment client get tokens from both.
    for (const url of [direct.a, direct.b]) {
      expect((await clientToken(url, demoAgent.id, demoAgent.secret)).status).toBe(200);
      expect((await clientToken(url, environmentClient.id, environmentClient.secret)).status).toBe(200);
    }
  });

  it('a client created through A gets a client_credentials token from B within a second', async () => {
    const created = await onA('POST', `/organizations/${ORG}/clients`, { name: 'Made on A', scopes: ['todo:read'], audience: [TODO] });
    expect(created.status).toBe(201);
    const clientId = String((created.body.client as { client_id: string }).client_id);
    const res = await within(
      'a client created on A, served by B',
      () => clientToken(direct.b, clientId, String(created.body.plain_secret)),
      (r) => r.status === 200,
    );
    expect(res.status).toBe(200);
    const { header, payload } = decodeJwt(((await res.json()) as { access_token: string }).access_token);
    expect(payload).toMatchObject({ iss: balancer.url, client_id: clientId, sub: clientId, oid: ORG, aud: [TODO], scopes: ['todo:read'] });
    expect(header.kid).toBe((await keysOf(direct.b))[0]);
  });

  it('a client changed on A after B cached it: B’s next tokens carry the change within a second', async () => {
    const created = await onA('POST', `/organizations/${ORG}/clients`, { name: 'Changed on A', scopes: ['todo:read'], audience: [TODO] });
    const client = { id: String((created.body.client as { client_id: string }).client_id), secret: String(created.body.plain_secret) };
    const scopesOnB = async () => decodeJwt(await clientCredentialsToken(direct.b, client)).payload.scopes;
    expect(await within('a client created on A, served by B', scopesOnB, (scopes) => scopes !== undefined)).toEqual(['todo:read']); // B holds it now

    expect((await onA('PATCH', `/organizations/${ORG}/clients/${client.id}`, { scopes: ['todo:read', 'todo:write'] })).status).toBe(200);
    expect(await within('a client changed on A, its change served by B', scopesOnB, (scopes) => Array.isArray(scopes) && scopes.length === 2)).toEqual(['todo:read', 'todo:write']);
  });

  it('a secret rotated on A (a new one added, the old one deleted) is refused on B at once: 401 invalid_client; the new one works there', async () => {
    const created = await onA('POST', `/organizations/${ORG}/clients`, { name: 'Rotated on A', scopes: ['todo:read'], audience: [TODO] });
    const client = created.body.client as { client_id: string; secrets: { id: string }[] };
    const old = String(created.body.plain_secret);
    await within('a client created on A, served by B', () => clientToken(direct.b, client.client_id, old), (r) => r.status === 200);

    const added = await onA('POST', `/organizations/${ORG}/clients/${client.client_id}/secrets`);
    expect(added.status).toBe(201);
    expect((await onA('DELETE', `/organizations/${ORG}/clients/${client.client_id}/secrets/${client.secrets[0]!.id}`)).status).toBe(200);

    // Secrets are read from the database on every request: no replica keeps a deleted one.
    expect(await errorOf(await clientToken(direct.b, client.client_id, old))).toEqual([401, 'invalid_client']);
    expect((await clientToken(direct.b, client.client_id, String(added.body.plain_secret))).status).toBe(200);
  });

  it('@scalekit-sdk/node validates tokens from A and from B with the one JWKS it fetched through the public URL', async () => {
    const scalekit = new ScalekitClient(balancer.url, environmentClient.id, environmentClient.secret);
    const fromA = await clientCredentialsToken(direct.a, demoAgent);
    const fromB = await clientCredentialsToken(direct.b, demoAgent);
    expect(decodeJwt(fromA).header.kid).toBe(decodeJwt(fromB).header.kid);
    for (const token of [fromA, fromB]) {
      await expect(scalekit.validateToken(token, { issuer: balancer.url, audience: [TODO], requiredScopes: ['todo:read'] })).resolves.toMatchObject({
        client_id: DEMO_AGENT,
        jti: decodeJwt(token).payload.jti,
      });
      expect(await scalekit.validateAccessToken(token, { issuer: balancer.url, audience: [TODO] })).toBe(true);
    }
  });

  it('a signing key rotated on A is listed in B’s /keys and signs B’s next token', async () => {
    const before = await keysOf(direct.b);
    const rotated = await onA('POST', '/signing-keys:rotate', { switch_after_seconds: 0 });
    expect(rotated.status).toBe(201);
    const kid = String(rotated.body.kid);
    expect(before).not.toContain(kid);
    expect((await keysOf(direct.a))[0]).toBe(kid);

    const listed = await within('a key rotated on A, in B’s /keys', () => keysOf(direct.b), (kids) => kids.includes(kid));
    expect(listed).toEqual([kid, ...before]); // the signing one first; the old one published until its tokens expire
    const token = await clientCredentialsToken(direct.b, demoAgent);
    expect(decodeJwt(token).header.kid).toBe(kid);
    const scalekit = new ScalekitClient(balancer.url, environmentClient.id, environmentClient.secret);
    await expect(scalekit.validateToken(token, { issuer: balancer.url, audience: [TODO] })).resolves.toMatchObject({ client_id: DEMO_AGENT });
  });

  describe('a person’s authorization code flow across both', () => {
    const issuer = () => `${balancer.url}/resources/${RES}`;
    let clientId: string;
    let tokens: TokenSet;

    it('completes with each request on the other replica, and its refresh token works on A and on B', async () => {
      balancer.route = 'in turn';
      clientId = await registerClient(balancer.url, RES, { client_name: 'Host across replicas' });
      const first = balancer.served.length;
      const grant = await authorize(issuer(), clientId, DEMO_USER, { scope: 'todo:read offline_access' }, new MiniBrowser(DEMO_USER));
      const exchanged = await exchange(issuer(), clientId, grant);
      expect(exchanged.status).toBe(200);
      tokens = (await exchanged.json()) as TokenSet;

      // Authorize, login page and post, consent page and post, the redirects back, the code exchange: each on the replica the last one was not.
      const steps = balancer.served.slice(first);
      console.log(steps.map((s) => `${s.replica} ${s.method} ${s.path}`).join('\n'));
      expect(steps.length).toBeGreaterThanOrEqual(6);
      expect(steps.map((s) => s.replica)).toEqual(steps.map((_, i) => steps[0]!.replica === 'a' ? (i % 2 === 0 ? 'a' : 'b') : i % 2 === 0 ? 'b' : 'a'));
      expect(steps.some((s) => s.method === 'POST' && s.path.includes('/interaction/'))).toBe(true);
      expect(steps.at(-1)).toMatchObject({ method: 'POST', path: `/resources/${RES}/oauth/token` });
      const claims = decodeJwt(tokens.access_token).payload;
      expect(claims).toMatchObject({ iss: balancer.url, sub: 'usr_10000000000000001', client_id: clientId, aud: [TODO, RES] });
      expect(tokens.refresh_token).toBeTruthy();

      for (const replica of ['a', 'b'] as const) {
        balancer.route = replica;
        const refreshed = await tokenCall(issuer(), { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId });
        expect(refreshed.status).toBe(200);
        expect(balancer.served.at(-1)).toMatchObject({ replica, path: `/resources/${RES}/oauth/token` });
        tokens = (await refreshed.json()) as TokenSet;
        // Signed by the replica's signing key (oidc-provider's keystore follows the shared key ring).
        expect(decodeJwt(tokens.access_token)).toMatchObject({
          header: { kid: (await keysOf(direct[replica]))[0] },
          payload: { sub: 'usr_10000000000000001', client_id: clientId },
        });
      }
    });

    it('a consent revoked on A ends the grant on B: refresh invalid_grant, its access token inactive at introspection', async () => {
      expect(tokens).toBeDefined();
      // The environment's client may introspect every token of the environment.
      const introspectOnB = async (token: string) =>
        (await postForm(direct.b, `/resources/${RES}/oauth/introspect`, { token }, { authorization: basic(environmentClient.id, environmentClient.secret) })).json();
      expect(await introspectOnB(tokens.access_token)).toMatchObject({ active: true, client_id: clientId, sub: 'usr_10000000000000001' });
      expect(await introspectOnB(tokens.refresh_token!)).toMatchObject({ active: true, client_id: clientId, sub: 'usr_10000000000000001' });

      const listed = await onA('GET', `/user_consents?resource_id=${RES}&search=${encodeURIComponent('Host across replicas')}`);
      const [consent] = listed.body.consents as { id: string; client_id: string }[];
      expect(consent).toMatchObject({ client_id: clientId });
      expect((await onA('DELETE', `/clients/${clientId}/consents/${consent!.id}`)).status).toBe(200);

      balancer.route = 'b';
      const refreshed = await tokenCall(issuer(), { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId });
      expect(balancer.served.at(-1)).toMatchObject({ replica: 'b', path: `/resources/${RES}/oauth/token` });
      expect(await errorOf(refreshed)).toEqual([400, 'invalid_grant']);
      expect(await introspectOnB(tokens.access_token)).toEqual({ active: false });
      expect(await introspectOnB(tokens.refresh_token!)).toEqual({ active: false });
    });
  });
});

describe.skipIf(!postgresServer())('kill -9 of one replica under client-credentials load', () => {
  let dir: string;
  let database: FreshDatabase;
  const running: RunningCli[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-replicas-kill-'));
    database = await freshPostgresDatabase();
  });
  afterAll(async () => {
    await Promise.all(running.map((cli) => cli.stop()));
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every token a client received has its audit row, B answers throughout, and A restarts with the same keys and clients', async () => {
    const start = async (name: Replica) => {
      const cli = await startCli({ DATA_DIR: join(dir, name), DATABASE_URL: database.url, LOG_LEVEL: 'warn' });
      running.push(cli);
      return cli;
    };
    const a = await start('a');
    const b = await start('b');
    const agent = { id: DEMO_AGENT, secret: shownSecret(a.output(), DEMO_AGENT)! };
    const envClient = { id: environmentClientOf(a.output()), secret: shownSecret(a.output(), environmentClientOf(a.output()))! };
    const created = await restCaller(a.url, await clientCredentialsToken(a.url, envClient))('POST', `/organizations/${ORG}/clients`, { name: 'Made on A before the kill', audience: [TODO] });
    const madeOnA = { id: String((created.body.client as { client_id: string }).client_id), secret: String(created.body.plain_secret) };
    const kids = await keysOf(a.url);

    // Workers send token requests to A and B in turn. Once A has answered 30, it is killed (SIGKILL)
    // while requests are in flight; the load goes on until B has answered 30 more after A is gone.
    const received: { replica: Replica; jti: string; kid: unknown }[] = [];
    const unanswered: Record<Replica, string[]> = { a: [], b: [] };
    let kill: Promise<void> | undefined;
    let afterKill: number | undefined;
    let sent = 0;
    const fromB = () => received.filter((t) => t.replica === 'b').length;
    const worker = async (first: number) => {
      for (let i = first; afterKill === undefined || fromB() < afterKill + 30; i++) {
        if (++sent > 5000) throw new Error('the load did not reach its end'); // a bound, not a timing
        const replica: Replica = i % 2 === 0 ? 'a' : 'b';
        try {
          const res = await clientToken(replica === 'a' ? a.url : b.url, agent.id, agent.secret);
          if (res.status !== 200) unanswered[replica].push(`${res.status} ${await res.text()}`);
          else {
            const { header, payload } = decodeJwt(((await res.json()) as { access_token: string }).access_token);
            received.push({ replica, jti: String(payload.jti), kid: header.kid });
          }
        } catch (err) {
          unanswered[replica].push(String((err as Error).cause ?? err));
        }
        if (!kill && received.filter((t) => t.replica === 'a').length >= 30) {
          kill = a.kill('SIGKILL').then(() => void (afterKill = fromB()));
        }
      }
    };
    await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(worker));
    await kill;
    console.log(`tokens received: ${received.filter((t) => t.replica === 'a').length} from A, ${fromB()} from B; requests to A not answered: ${unanswered.a.length}`);

    expect(unanswered.a.length).toBeGreaterThan(0); // A was gone while the load went on
    expect(unanswered.b).toEqual([]); // B answered every request, during the kill and after
    expect(new Set(received.map((t) => t.kid))).toEqual(new Set([kids[0]]));
    const raw = rawDatabase(database.url);
    try {
      const jtis = received.map((t) => t.jti);
      const rows = await raw.all<{ jti: string; client_id: string }>('SELECT jti, client_id FROM issued_tokens WHERE jti = ANY(?)', [jtis]);
      expect(jtis.filter((jti) => !rows.some((r) => r.jti === jti))).toEqual([]); // no token without its row
      expect(new Set(rows.map((r) => r.client_id))).toEqual(new Set([DEMO_AGENT]));
    } finally {
      await raw.close();
    }

    // A again, on the same database: the same signing key, the same clients, nothing generated anew.
    const again = await start('a');
    expect(await keysOf(again.url)).toEqual(kids);
    expect(await keysOf(b.url)).toEqual(kids);
    expect(shownSecret(again.output(), DEMO_AGENT)).toBeUndefined();
    expect(environmentClientOf(again.output())).toBe(envClient.id);
    for (const client of [agent, madeOnA, envClient]) {
      const token = await clientCredentialsToken(again.url, client);
      expect(decodeJwt(token)).toMatchObject({ header: { kid: kids[0] }, payload: { client_id: client.id } });
    }
    expect((await clientToken(b.url, agent.id, agent.secret)).status).toBe(200);
  });
});
