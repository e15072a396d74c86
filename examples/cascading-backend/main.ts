// node dist/examples/cascading-backend/main.js — see examples/README.md for the environment.
import { onShutdown } from '../shared/http.js';
import { createBackend } from './server.js';

const env = process.env;
const environmentUrl = env.SCALEKIT_ENVIRONMENT_URL ?? 'http://localhost:8080';
const audience = env.EXPECTED_AUDIENCE ?? 'http://localhost:3002/';
const app = createBackend({ environmentUrl, issuer: env.SCALEKIT_ISSUER ?? environmentUrl, audience });
const url = await app.listen(Number(env.PORT ?? 3004));
console.log(`backend on ${url}/todos/summary (audience ${audience})`);
onShutdown(() => app.close());
