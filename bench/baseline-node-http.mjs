// Baseline (b), the one-process limit: node:http and our own token signer (node:crypto's callback sign,
// dist/src/oidc/token-signer.js) and nothing else, so the ratio ours / (b) compares HTTP handling and
// bookkeeping, not signers. Same work per request as a real token endpoint (parse, authenticate, sign),
// and a payload of the same claims as ours.
import { createHash, generateKeyPairSync, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const SIGNER = fileURLToPath(new URL('../dist/src/oidc/token-signer.js', import.meta.url));
if (!existsSync(SIGNER)) throw new Error(`${SIGNER} not found: build first (npm run build); (b) signs with our signer`);
const { signAccessToken } = await import(SIGNER);

const port = Number(process.argv[2] ?? process.env.PORT ?? 3000);
const secret = process.env.BENCH_SECRET;
if (!secret) throw new Error('BENCH_SECRET is required');

const ISSUER = `http://127.0.0.1:${port}`;
const AUDIENCE = 'http://localhost:3002/';
const CLIENT_ID = 'bench_client';
const ORGANIZATION_ID = 'org_10000000000000001';
const ALLOWED_SCOPES = new Set(['todo:read', 'todo:write']);
const TTL = 3600;

const sha256 = (s) => createHash('sha256').update(s).digest();
const storedHash = sha256(secret);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { alg: 'RS256', kid: 'snk_10000000000000001', privateKey };

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function issue(form) {
  if (form.get('grant_type') !== 'client_credentials') {
    return [400, { error: 'unsupported_grant_type' }];
  }
  const presented = form.get('client_secret');
  if (form.get('client_id') !== CLIENT_ID || !presented
      || !timingSafeEqual(sha256(presented), storedHash)) {
    return [401, { error: 'invalid_client' }];
  }
  const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
  if (requested.some((s) => !ALLOWED_SCOPES.has(s))) return [400, { error: 'invalid_scope' }];
  const scopes = requested.length ? requested : [...ALLOWED_SCOPES];
  const scope = scopes.join(' ');

  const now = Math.floor(Date.now() / 1000);
  const accessToken = await signAccessToken(signingKey, {
    iss: ISSUER, sub: CLIENT_ID, client_id: CLIENT_ID, aud: [AUDIENCE], oid: ORGANIZATION_ID,
    scope, scopes, jti: randomUUID(), iat: now, nbf: now, exp: now + TTL,
  });
  return [200, { access_token: accessToken, token_type: 'Bearer', expires_in: TTL, scope }];
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/oauth/token') return send(res, 404, { error: 'not_found' });
  if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
    return send(res, 400, { error: 'invalid_request' });
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    issue(new URLSearchParams(body)).then(
      ([status, payload]) => send(res, status, payload),
      () => send(res, 500, { error: 'server_error' }),
    );
  });
});

server.listen(port, '127.0.0.1', () => console.log('ready'));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
