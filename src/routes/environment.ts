// What the public routes need to know about the running environment. The issuer is only known once
// the server listens (port 0), so routes read it at request time.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { KeySet } from '../oidc/signing-keys.js';
import type { Store } from '../store/index.js';

export interface EnvironmentContext {
  store: Store;
  keys: KeySet;
  clock: () => number;
  /** Set by listen(). */
  issuer: string;
  provider?: Provider;
  /** provider.callback(), made once. */
  providerHandler?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}
