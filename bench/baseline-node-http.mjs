// Baseline (b), the one-process limit: node:http + jose and nothing else.
// Same work per request as a real token endpoint (parse, authenticate, sign).
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { SignJWT, generateKeyPair } from 'jose';

const port = Number(process.argv[2] ?? process.env.PORT ?? 3000);
const secret = process.env.BENCH_SECRET;
if (!secret) throw new Error('BENCH_SECRET is required');

const ISSUER = `http://127.0.0.1:${port}`;
const AUDIENCE = 'http://localhost:3002/';
const CLIENT_ID = 'bench_client';
const ALLOWED_SCOPES = new Set(['todo:read', 'todo:write']);
const TTL = 3600;
const KID = 'bench-rs256';

const sha256 = (s) => createHash('sha256').update(s).digest();
const storedHash = sha256(secret);
const { privateKey } = await generateKeyPair('RS256');

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
  const accessToken = await new SignJWT({ client_id: CLIENT_ID, scope, scopes })
    .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
    .setIssuer(ISSUER).setSubject(CLIENT_ID).setAudience(AUDIENCE)
    .setIssuedAt(now).setNotBefore(now).setExpirationTime(now + TTL)
    .setJti(randomUUID())
    .sign(privateKey);
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
