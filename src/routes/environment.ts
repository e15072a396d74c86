// What the public routes need to know about the running environment. The issuer is only known once
// the server listens (port 0), so routes read it at request time.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { KeySet } from '../oidc/signing-keys.js';
import type { Store } from '../store/index.js';

export type ProviderHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface EnvironmentContext {
  store: Store;
  keys: KeySet;
  clock: () => number;
  /** The app's logger: audit lines (issued tokens) go here. */
  log?: Logger;
  /** Set by listen(). */
  issuer: string;
  /**
   * provider.callback() of the environment's oidc-provider, built on first use: loading oidc-provider
   * costs a third of a cold start, and the client-credentials path never needs it. Set by listen().
   */
  providerHandler?: () => Promise<ProviderHandler>;
}
