// Client-credentials tokens from Scalekit's /oauth/token, reused until 60 s before they expire. A token
// request that meets a passing outage (429, 5xx such as 503 temporarily_unavailable) is tried again
// after a backoff, or after the server's Retry-After when it sends one.
export interface TokenCacheOptions {
  /** `<SCALEKIT_ENVIRONMENT_URL>/oauth/token` */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated; omitted means all of the client's scopes. */
  scope?: string;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now?: () => number;
  /** Tries after the first one; default 3. */
  retries?: number;
  /** The first backoff, doubled on each try; default 500 ms. */
  retryDelayMs?: number;
}

const REFRESH_MARGIN_MS = 60_000;
const RETRYABLE = new Set([429, 500, 502, 503, 504]);
const MAX_RETRY_AFTER_MS = 30_000;

export class TokenCache {
  private token?: { value: string; refreshAt: number };
  private pending?: Promise<string>;

  constructor(private readonly options: TokenCacheOptions) {}

  /** A valid access token, fetched only when none is cached or it is about to expire. */
  async get(): Promise<string> {
    if (this.token && this.now() < this.token.refreshAt) return this.token.value;
    // Concurrent callers share one token request.
    this.pending ??= this.fetchToken().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Forget the cached token, e.g. after the server rejected it. */
  clear(): void {
    this.token = undefined;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async fetchToken(): Promise<string> {
    const { retries = 3, retryDelayMs = 500 } = this.options;
    for (let attempt = 0; ; attempt++) {
      const requestedAt = this.now();
      const res = await this.request();
      if (RETRYABLE.has(res.status) && attempt < retries) {
        await res.body?.cancel();
        await sleep(retryAfterMs(res) ?? retryDelayMs * 2 ** attempt);
        continue;
      }
      const body = (await res.json()) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
      if (!res.ok || !body.access_token) {
        throw new Error(`token request failed (${res.status}): ${body.error ?? 'no access_token'} ${body.error_description ?? ''}`.trim());
      }
      this.token = { value: body.access_token, refreshAt: requestedAt + (body.expires_in ?? 0) * 1000 - REFRESH_MARGIN_MS };
      return body.access_token;
    }
  }

  private request(): Promise<Response> {
    const { tokenUrl, clientId, clientSecret, scope } = this.options;
    return (this.options.fetch ?? fetch)(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, ...(scope ? { scope } : {}) }),
    });
  }
}

// Retry-After in seconds (RFC 9110 §10.2.3; the date form is not worth it here), within reason.
function retryAfterMs(res: Response): number | undefined {
  const seconds = Number(res.headers.get('retry-after') ?? NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
