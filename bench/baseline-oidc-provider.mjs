// Baseline (a): bare oidc-provider 9 issuing RS256 JWT access tokens for
// client_credentials, listening on its own (no Fastify, no database).
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { todoResourceIndicators } from './lib/provider-resource.mjs';

const port = Number(process.argv[2] ?? process.env.PORT ?? 3000);
const secret = process.env.BENCH_SECRET;
if (!secret) throw new Error('BENCH_SECRET is required');

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'bench-rs256', alg: 'RS256', use: 'sig' };


// JWT-format tokens are never persisted and the client is static, so the hot
// path never touches the adapter; this stub only avoids the built-in memory
// adapter's startup warning.
class NoopAdapter {
  async upsert() {}
  async find() { return undefined; }
  async findByUserCode() { return undefined; }
  async findByUid() { return undefined; }
  async consume() {}
  async destroy() {}
  async revokeByGrantId() {}
}

const provider = new Provider(`http://127.0.0.1:${port}`, {
  adapter: NoopAdapter,
  clients: [{
    client_id: 'bench_client',
    client_secret: secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: ['bench-cookie-key'] },
  // Same TTL the default would pick; declaring it silences a startup NOTICE.
  ttl: { ClientCredentials: (ctx, token) => token.resourceServer?.accessTokenTTL ?? 3600 },
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: todoResourceIndicators,
  },
});
provider.silent = true; // Koa's default error logger

const server = provider.listen(port, '127.0.0.1', () => console.log('ready'));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
