// oidc-provider and a database that cannot take a write (a full disk): its writes (codes, grants,
// sessions, refresh-token rotation) and our token audit row fail with SQLITE_FULL / SQLITE_IOERR, which
// the provider would answer as a bare server_error. Turned here into its own temporarily_unavailable
// error with status 503 (JSON at the token endpoint, the error page or a redirect with
// error=temporarily_unavailable at the authorization endpoint), with Retry-After. Loaded with the provider.
import { errors, type Adapter, type AdapterFactory, type KoaContextWithOIDC } from 'oidc-provider';
import { STORAGE_RETRY_AFTER_SECONDS, storageFailure, storageProblem } from '../store/storage-failure.js';

/** A storage failure as the provider's temporarily_unavailable (503); any other error as it is. */
export function asProviderError(err: unknown): unknown {
  const code = storageFailure(err);
  if (!code) return err;
  const unavailable = new errors.TemporarilyUnavailable(storageProblem(code), { cause: err });
  unavailable.status = unavailable.statusCode = 503;
  return unavailable;
}

/** The adapters of `factory`, each method's storage failure turned into temporarily_unavailable. */
export function unavailableWhenStorageFails(factory: AdapterFactory): AdapterFactory {
  return (model) => {
    const adapter = factory(model);
    const guarded = Object.entries(adapter).map(([name, method]: [string, (...args: unknown[]) => Promise<unknown>]) => [
      name,
      async (...args: unknown[]) => {
        try {
          return await method.apply(adapter, args);
        } catch (err) {
          throw asProviderError(err);
        }
      },
    ]);
    return Object.fromEntries(guarded) as unknown as Adapter;
  };
}

/** Middleware: a 503 answer of the provider says when to try again. */
export async function retryAfterWhenUnavailable(ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> {
  await next();
  if (ctx.status === 503) ctx.set('retry-after', String(STORAGE_RETRY_AFTER_SECONDS));
}
