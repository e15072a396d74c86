// The identity providers, besides the environment itself, whose ID-JAGs (enterprise-managed authorization)
// the environment's MCP servers accept: an issuer and its JWKS URL each. Changed by the seed, REST and
// the dashboard, audited as `trusted_identity_providers.updated`.
import type { TrustedIdentityProvider } from '../store/trusted-identity-providers.js';
import type { AuditLog, Caller } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { InvalidArgument } from './errors.js';
import { trustedIdentityProvidersInput, validate } from './validation.js';

export type { TrustedIdentityProvider } from '../store/trusted-identity-providers.js';

export interface TrustedIdentityProviderService {
  list(): Promise<TrustedIdentityProvider[]>;
  /** Replaces the list; answers it as it now is. */
  replace(caller: Caller, providers: { issuer: string; jwksUri: string }[]): Promise<TrustedIdentityProvider[]>;
}

export function trustedIdentityProviderService({ store, issuer }: ServiceDeps, audit: AuditLog): TrustedIdentityProviderService {
  return {
    list: () => store.trustedIdentityProviders.list(),
    replace(caller, providers) {
      return audit.transaction(async (tx) => {
        const checked = validate(trustedIdentityProvidersInput, providers, 'trusted_identity_providers');
        // The environment's own ID-JAGs are trusted already, with its own keys: another JWKS for its URL (or
        // an MCP server's issuer under it) would let a stranger's keys speak for it.
        const environmentUrl = issuer?.() ?? '';
        const own = checked.findIndex((p) => environmentUrl !== '' && (p.issuer === environmentUrl || p.issuer.startsWith(`${environmentUrl}/`)));
        if (own >= 0) throw InvalidArgument.field(`trusted_identity_providers[${own}].issuer`, 'is the environment itself or one of its issuers, trusted already');
        if (await tx.trustedIdentityProviders.replace(checked)) {
          await audit.record(tx, caller, { type: 'trusted_identity_providers.updated', details: { trusted_identity_providers: checked.map((p) => ({ issuer: p.issuer, jwks_uri: p.jwksUri })) } });
        }
        return tx.trustedIdentityProviders.list();
      });
    },
  };
}
