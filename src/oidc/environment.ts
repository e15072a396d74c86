// What every room needs to know about the running environment: its store, keys and clock, its issuer
// URL (known once the server listens, since the port may be 0) and the oidc-provider of each issuer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AttemptLimits } from '../login/attempt-limits.js';
import type { TestUserRules } from '../login/test-users.js';
import type { Metrics } from '../metrics.js';
import type { RegistrationLimits } from '../server/registration-limits.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../store/time.js';
import type { DeviceCodePage, DeviceConfirmPage, DeviceDonePage } from './device-pages.js';
import type { ProviderRegistry } from './providers.js';
import type { MetadataDocumentFetches } from './metadata-document-fetches.js';
import type { KeySet } from './signing-keys.js';

export type ProviderHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Behaviour switches of the interactive flows. */
export interface FlowSettings {
  /** Sign the login_hint user (or the first user) in and grant consent without showing a page. */
  autoLogin: boolean;
  /** Let client-id metadata documents be fetched from private, loopback and link-local addresses. */
  allowInsecureCimd: boolean;
  /** Let trusted identity providers' JWKS be fetched from private, loopback and link-local addresses. */
  allowInsecureJwks: boolean;
  /**
   * One-time tickets of authorizations to run hands-free, as AUTO_LOGIN does for all: the fixture's
   * authorize() adds one and sends it as the HANDS_FREE_PARAM of its authorization request.
   */
  handsFreeTickets: Set<string>;
  /**
   * Device authorizations to finish hands-free once the person's browser reaches sign-in: the fixture's
   * approveDevice() adds the device code's id with the user (id or email) who signs in.
   */
  handsFreeDevices: Map<string, string>;
  /**
   * EMULATION_SHORTCUTS: the simulated identity providers, the open outbox and the hands-free tickets
   * (AUTO_LOGIN and TEST_CONTROL cannot be on without it). Off on a server other people reach.
   */
  emulationShortcuts: boolean;
  /** Which emails sign in with the static test-user code. */
  testUsers: TestUserRules;
}

/** The authorization parameter that carries a hands-free ticket (unknown tickets change nothing). */
export const HANDS_FREE_PARAM = 'emulator_ticket';

/** The pages oidc-provider itself renders, as HTML (implemented by pages/, so they share its look). */
export interface ProviderPages {
  error(error: string, description?: string): string;
  /** `form` is the provider's own form (action and xsrf token), to which the page adds its buttons. */
  logout(form: string, clientName?: string): string;
  loggedOut(clientName?: string): string;
  /** The device flow's pages (RFC 8628): the user-code form, the code to compare, and the end. */
  deviceCode(page: DeviceCodePage): string;
  deviceConfirm(page: DeviceConfirmPage): string;
  deviceDone(page: DeviceDonePage): string;
  /** Too many wrong answers from one address: the 429 page, saying when to try again. */
  tooManyAttempts(retryAfterSeconds: number, retryAt: Date): string;
}

export interface EnvironmentContext {
  store: Store;
  keys: KeySet;
  clock: Clock;
  metrics: Metrics;
  log: Logger;
  /** The environment URL, without a trailing slash. Set by listen(). */
  issuer: string;
  settings: FlowSettings;
  providers: ProviderRegistry;
  pages: ProviderPages;
  /** Wrong sign-in attempts counted per account and IP (login pages and dashboard), one count per app. */
  attemptLimits: AttemptLimits;
  /** Registrations counted per address at the open registration endpoint, one count per app. */
  registrationLimits: RegistrationLimits;
  /** Client ID metadata documents: the fetch deadline and the fetches under way. */
  metadataDocuments: MetadataDocumentFetches;
}
