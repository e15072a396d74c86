// An MCP host's side of OAuth, headless: the OAuthClientProvider both MCP SDK generations ask for (client
// information, tokens, PKCE verifier, state), with a MiniBrowser (or AUTO_LOGIN) doing what the person
// would do in the browser window the host opens.
import { MiniBrowser, type PersonAnswers } from './browser.js';

export const HOST_CALLBACK = 'http://127.0.0.1:47111/oauth/callback';

export interface HeadlessHostOptions {
  person?: PersonAnswers;
  /** A client-id metadata document URL (CIMD) instead of dynamic registration. */
  clientMetadataUrl?: string;
  clientName?: string;
  /** Sent as the DCR `scope`, and asked when nothing else says which scopes to ask. */
  scope?: string;
}

export class HeadlessHost {
  clientInfo: Record<string, unknown> | undefined;
  savedTokens: Record<string, unknown> | undefined;
  verifier = '';
  discovery: unknown;
  /** Where the browser was sent back to, after each authorization. */
  readonly callbacks: URL[] = [];
  /** Every authorization URL the SDK opened. */
  readonly authorizationUrls: URL[] = [];
  browser: MiniBrowser;
  private lastState = '';

  constructor(private readonly options: HeadlessHostOptions = {}) {
    this.browser = new MiniBrowser(options.person);
  }

  get clientMetadataUrl(): string | undefined {
    return this.options.clientMetadataUrl;
  }

  get redirectUrl(): string {
    return HOST_CALLBACK;
  }

  get clientMetadata() {
    return {
      client_name: this.options.clientName ?? 'Headless MCP host',
      redirect_uris: [HOST_CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      ...(this.options.scope ? { scope: this.options.scope } : {}),
    };
  }

  state(): string {
    this.lastState = `st-${Math.random().toString(36).slice(2)}`;
    return this.lastState;
  }

  clientInformation() {
    return this.clientInfo as never;
  }

  saveClientInformation(info: Record<string, unknown>): void {
    this.clientInfo = info;
  }

  tokens() {
    return this.savedTokens as never;
  }

  saveTokens(tokens: Record<string, unknown>): void {
    this.savedTokens = tokens;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    return this.verifier;
  }

  discoveryState() {
    return this.discovery as never;
  }

  saveDiscoveryState(state: unknown): void {
    this.discovery = state;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'client') this.clientInfo = undefined;
    if (scope === 'all' || scope === 'tokens') this.savedTokens = undefined;
    if (scope === 'all' || scope === 'verifier') this.verifier = '';
    if (scope === 'all' || scope === 'discovery') this.discovery = undefined;
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizationUrls.push(url);
    const callback = await this.browser.authorize(url.href, HOST_CALLBACK);
    if (callback.searchParams.get('state') !== this.lastState) throw new Error(`state mismatch in ${callback.href}`);
    this.callbacks.push(callback);
  }

  /** The code of the last authorization. */
  get code(): string {
    const code = this.callbacks.at(-1)?.searchParams.get('code');
    if (!code) throw new Error(`no code in ${this.callbacks.at(-1)?.href}`);
    return code;
  }

  /** Whether the last authorization showed the consent page. */
  consentShown(since = 0): boolean {
    return this.browser.pages.slice(since).some((p) => p.html.includes('name="decision"'));
  }
}
