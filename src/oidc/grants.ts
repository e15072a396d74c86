// Ending a grant (what a person consented to a client, held by oidc-provider): the one place that does
// it, whether a consent is revoked, a refresh token is revoked (RFC 7009 §2.1), or a test control ends a
// client's or a user's grants. Everything issued under the grant ends with it: its codes and refresh
// tokens, the consent remembered for it, and its access tokens, which introspection then reports
// inactive (a JWT checked offline against /keys cannot know, and passes until it expires).
import type { Store } from '../store/index.js';

/** `at`: epoch seconds. Runs in one transaction. */
export function endGrant(store: Store, ns: string, grantId: string, at: number): void {
  store.transaction(() => {
    store.oidcPayloads.revokeByGrantId(ns, grantId); // codes and refresh tokens carry the grant's id
    store.oidcPayloads.destroy(ns, 'Grant', grantId); // the grant itself is stored under it
    store.consents.removeByGrant(ns, grantId);
    store.issuedTokens.revoke({ grantId }, at);
  });
}
