// Ending a grant (what a person consented to a client, held by oidc-provider): the one place that does
// it, whether a consent is revoked, a refresh token is revoked (RFC 7009 §2.1), or a test control ends a
// client's or a user's grants. Everything issued under the grant ends with it: its codes and refresh
// tokens, the consent remembered for it, and its access tokens, which introspection then reports
// inactive (a JWT checked offline against /keys cannot know, and passes until it expires).
import type { Repositories } from '../store/index.js';

/** `at`: epoch seconds. Runs in one transaction (the caller's, when `repos` are a transaction's). */
export function endGrant(repos: Repositories, ns: string, grantId: string, at: number): Promise<void> {
  return repos.transaction(async (tx) => {
    await tx.oidcPayloads.revokeByGrantId(ns, grantId); // codes and refresh tokens carry the grant's id
    await tx.oidcPayloads.destroy(ns, 'Grant', grantId); // the grant itself is stored under it
    await tx.consents.removeByGrant(ns, grantId);
    await tx.issuedTokens.revoke({ grantId }, at);
  });
}
