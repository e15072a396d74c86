// The CLI's way into a running emulator: the REST API, authenticated as the environment client by
// client_credentials (the token is fetched once per command). Errors come back as ApiError with
// Scalekit's error code, never as a stack trace.
import type { ApiClientConfig } from '../config/api-client.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}

export interface ApiClient {
  readonly environmentUrl: string;
  /** A client_credentials token for any client (default: the environment client). */
  token(options?: { clientId?: string; clientSecret?: string; scope?: string; resource?: string }): Promise<TokenResponse>;
  call<T = Record<string, unknown>>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

export function apiClient(config: ApiClientConfig): ApiClient {
  let bearer: Promise<string> | undefined;

  const request = async (url: string, init: RequestInit): Promise<Response> => {
    try {
      return await fetch(url, init);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(0, 'UNAVAILABLE', `cannot reach ${config.environmentUrl} (${cause?.code ?? cause?.message ?? (err as Error).message})`);
    }
  };

  const token: ApiClient['token'] = async (options = {}) => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: options.clientId || config.clientId,
      client_secret: options.clientSecret || config.clientSecret,
      ...(options.scope ? { scope: options.scope } : {}),
      ...(options.resource ? { resource: options.resource } : {}),
    });
    const res = await request(`${config.environmentUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new ApiError(res.status, String(body.error ?? 'token_error'), String(body.error_description ?? res.statusText));
    return body as unknown as TokenResponse;
  };

  return {
    environmentUrl: config.environmentUrl,
    token,
    async call(method, path, body) {
      bearer ??= token().then((t) => t.access_token);
      const res = await request(`${config.environmentUrl}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${await bearer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (!res.ok) {
        const details = json.details as { error_code?: string }[] | undefined;
        throw new ApiError(res.status, details?.[0]?.error_code ?? String(json.code ?? res.status), String(json.message ?? res.statusText));
      }
      return json as never;
    },
  };
}
