// What the management service stands on: the store (or one transaction of it), the app's clock, and
// (when running in a server) the logger, the issuer and the signing-key ring.
import type { Logger } from 'pino';
import type { KeySet } from '../oidc/signing-keys.js';
import type { Repositories } from '../store/index.js';
import type { Clock } from '../store/time.js';

export interface ServiceDeps {
  store: Repositories;
  clock: Clock;
  /** Audit lines; none when absent. */
  log?: Logger;
  /** The environment URL, known once the server listens. */
  issuer?: () => string;
  /** The signing keys, for rotation. */
  keys?: KeySet;
}
