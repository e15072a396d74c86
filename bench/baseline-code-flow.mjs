// Baseline for the code-flow benchmark: bare oidc-provider (the same 9.13.3 we wrap) doing the same
// authorization-code + refresh flow as ours, with what we use that is not our design: an RS256 RSA-2048
// key, JWT access tokens for the resource, PKCE required, refresh tokens rotated, our scrypt password
// check (dist/src/store/users.js: N=16384, r=8, p=1, 32 bytes, synchronous as ours) and, with
// BENCH_STORE=sqlite (default), our storage: dist/src/store/index.js's openStore on a SQLite file (WAL,
// synchronous=NORMAL, our migrations) and the oidc_payloads repository ours uses, under an adapter of a
// dozen lines. BENCH_STORE=memory uses oidc-provider's own MemoryAdapter instead, over its own LRU but
// sized 1,000,000 entries: the built-in 1,000 would evict the registered clients and the flows in flight.
//
// Issuer at the root (http://127.0.0.1:<port>), oidc-provider's default routes (/auth, /token, /reg).
// Clients come from the provider's own dynamic registration (features.registration), stored by the
// adapter, as ours stores DCR clients. Interactions are served by the node:http handler below: a login
// page (email + password in one form), a consent page, and interactionFinished(). No CSRF tokens and
// no identify step: those are ours by design. BENCH_HANDS_FREE=1 finishes login and consent in code on
// the interaction GET, as AUTO_LOGIN=1 does for ours.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { todoResourceIndicators } from './lib/provider-resource.mjs';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';

const DIST = fileURLToPath(new URL('../dist/src/store/', import.meta.url));
if (!existsSync(join(DIST, 'users.js'))) throw new Error(`${DIST}users.js not found: build first (npm run build); the baseline uses our password hash and storage`);
const { hashPassword, passwordMatches } = await import(join(DIST, 'users.js'));

const port = Number(process.argv[2] ?? process.env.PORT ?? 3000);
const storeKind = process.env.BENCH_STORE ?? 'sqlite';
const handsFree = process.env.BENCH_HANDS_FREE === '1';
const password = process.env.BENCH_PASSWORD;
if (!password) throw new Error('BENCH_PASSWORD is required');
if (storeKind === 'sqlite' && !process.env.BENCH_DATA_DIR) throw new Error('BENCH_DATA_DIR is required with BENCH_STORE=sqlite');

const ISSUER = `http://127.0.0.1:${port}`;
const USER = { id: 'usr_10000000000000001', email: 'bench@example.com', passwordHash: hashPassword(password) };
const DAY = 24 * 60 * 60;

async function sqliteAdapter() {
  const { openStore } = await import(join(DIST, 'index.js'));
  const repo = (await openStore(join(process.env.BENCH_DATA_DIR, 'baseline.sqlite'))).oidcPayloads;
  const ns = 'bench';
  const now = () => Math.floor(Date.now() / 1000);
  return (model) => ({
    async upsert(id, payload, expiresIn) { await repo.upsert(ns, model, id, payload, expiresIn ? now() + expiresIn : null); },
    async find(id) { return repo.find(ns, model, id, now()); },
    async findByUid(uid) { return repo.findByUid(ns, model, uid, now()); },
    async findByUserCode(code) { return repo.findByUserCode(ns, model, code, now()); },
    async consume(id) { await repo.consume(ns, model, id, now()); },
    async destroy(id) { await repo.destroy(ns, model, id); },
    async revokeByGrantId(grantId) { await repo.revokeByGrantId(ns, grantId); },
  });
}

function memoryAdapter() {
  const storage = new LRU({ maxSize: 1_000_000 });
  return (model) => new MemoryAdapter(model, storage);
}

const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'bench-rs256', alg: 'RS256', use: 'sig' };

const provider = new Provider(ISSUER, {
  adapter: storeKind === 'sqlite' ? await sqliteAdapter() : memoryAdapter(),
  jwks: { keys: [jwk] },
  cookies: { keys: ['bench-cookie-key'] },
  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true },
    resourceIndicators: todoResourceIndicators,
  },
  responseTypes: ['code'],
  pkce: { required: () => true },
  clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
  rotateRefreshToken: true,
  // Ours' lifetimes (src/oidc/provider.ts); declaring them also silences the startup NOTICEs.
  ttl: {
    AccessToken: (ctx, token) => token.resourceServer?.accessTokenTTL ?? 3600,
    AuthorizationCode: 600,
    ClientCredentials: 600,
    IdToken: 3600,
    Interaction: 3600,
    Grant: 365 * DAY,
    Session: 14 * DAY,
    RefreshToken: 14 * DAY,
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    if (sub !== USER.id) return undefined;
    return { accountId: USER.id, claims: async () => ({ sub: USER.id, email: USER.email }) };
  },
});
provider.silent = true; // Koa's default error logger

const finishLogin = (req, res) =>
  provider.interactionFinished(req, res, { login: { accountId: USER.id, amr: ['pwd'] } }, { mergeWithLastSubmission: false });

async function finishConsent(req, res, interaction) {
  const { prompt: { details }, params, session, grantId } = interaction;
  const grant = (grantId && await provider.Grant.find(grantId)) || new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

const loginPage = (uid) => `<!doctype html><title>Sign in</title>
<form method="post" action="/interaction/${uid}/login">
<input type="email" name="email" value=""><input type="password" name="password"><button type="submit">Sign in</button>
</form>`;

const consentPage = (uid, interaction) => `<!doctype html><title>Allow?</title>
<p>Allow ${interaction.params.client_id} to ${Object.values(interaction.prompt.details.missingResourceScopes ?? {}).flat().join(', ')}?</p>
<form method="post" action="/interaction/${uid}/consent">
<button type="submit" name="decision" value="approve">Allow</button><button type="submit" name="decision" value="deny">Deny</button>
</form>`;

function page(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function readForm(req) {
  let body = '';
  req.setEncoding('utf8');
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res) {
  const [, , uid, step] = new URL(req.url, ISSUER).pathname.split('/'); // /interaction/<uid>[/<step>]
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return page(res, 400, 'This page belongs to another sign-in.');
  const { name } = details.prompt;
  if (req.method === 'GET' && step === undefined) {
    if (handsFree) return name === 'login' ? finishLogin(req, res) : finishConsent(req, res, details);
    return page(res, 200, name === 'login' ? loginPage(uid) : consentPage(uid, details));
  }
  if (req.method === 'POST' && step === 'login' && name === 'login') {
    const form = await readForm(req);
    // As ours: one scrypt whether or not the email is known.
    const ok = (await passwordMatches(USER.passwordHash, form.get('password') ?? '')) && form.get('email') === USER.email;
    return ok ? finishLogin(req, res) : page(res, 401, 'The email or password is not correct.');
  }
  if (req.method === 'POST' && step === 'consent' && name === 'consent') {
    const form = await readForm(req);
    if (form.get('decision') !== 'approve') {
      return provider.interactionFinished(req, res, { error: 'access_denied' }, { mergeWithLastSubmission: false });
    }
    return finishConsent(req, res, details);
  }
  return page(res, 404, 'Not found');
}

const providerCallback = provider.callback();
const server = createServer((req, res) => {
  if (!req.url.startsWith('/interaction/')) return providerCallback(req, res);
  interaction(req, res).catch((err) => {
    if (!res.headersSent) page(res, 500, `interaction failed: ${err.message}`);
    else res.destroy();
  });
});

server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log('ready'));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
