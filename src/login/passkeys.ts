// Passkeys (WebAuthn), as Scalekit offers them: after signing in another way a person may add one, and
// later sign in with it alone. Both ceremonies are bound to the environment's RP ID (its URL's host,
// shared by every issuer, so a passkey works at the environment and at every MCP server) and to one
// sign-in: the challenge is kept server-side (as a digest), for that interaction only, used once, for
// CHALLENGE_LIFETIME_MS. Signatures are checked against the stored public key, and the authenticator's
// counter must grow (a copied authenticator would repeat it). @simplewebauthn/server is loaded on the
// first ceremony, never at start.
import type * as SimpleWebAuthn from '@simplewebauthn/server';
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Passkey, NewPasskey, PasskeyRepository } from '../store/passkeys.js';
import type { User } from '../store/users.js';

export const CHALLENGE_LIFETIME_MS = 5 * 60_000;

type WebAuthnLibrary = typeof SimpleWebAuthn;

/** The sign-in a ceremony belongs to: the issuer's namespace and the interaction's uid. */
export interface CeremonySignIn {
  ns: string;
  uid: string;
}

/** Where passkeys are bound: the environment URL's host and origin. */
export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

/** Why a ceremony was refused, in words a person can act on. */
export type PasskeyRefusal =
  | 'malformed'
  | 'challenge_unknown'
  | 'challenge_used'
  | 'challenge_expired'
  | 'unknown_credential'
  | 'counter_not_increased'
  | 'not_verified';

export class PasskeyRefused extends Error {
  constructor(
    readonly reason: PasskeyRefusal,
    detail?: string,
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = 'PasskeyRefused';
  }
}

/**
 * The RP of an environment URL, or undefined when browsers would refuse passkeys there: WebAuthn
 * needs a domain name (not an IP address) in a secure context (https, or http on localhost).
 */
export function relyingPartyOf(environmentUrl: string): RelyingParty | undefined {
  const url = URL.parse(environmentUrl);
  if (!url) return undefined;
  const host = url.hostname;
  const isIp = /^[\d.]+$/.test(host) || host.startsWith('[');
  const secure = url.protocol === 'https:' || host === 'localhost' || host.endsWith('.localhost');
  return !isIp && secure ? { id: host, origin: url.origin, name: `Scalekit emulator (${url.host})` } : undefined;
}

export interface PasskeyCeremonies {
  /** Starts adding a passkey for `user`, who signed in by `amr` in this sign-in; the browser's options. */
  registrationOptions(signIn: CeremonySignIn, rp: RelyingParty, user: User, amr: string): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /** Checks the new credential; the passkey to keep, and who signed in how before. */
  verifyRegistration(signIn: CeremonySignIn, rp: RelyingParty, response: unknown): Promise<{ passkey: NewPasskey; amr: string }>;
  /** Starts a sign-in with any passkey of this RP (discoverable credentials); the browser's options. */
  authenticationOptions(signIn: CeremonySignIn, rp: RelyingParty): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** Checks the signature; the passkey that signed (its counter recorded). */
  verifyAuthentication(signIn: CeremonySignIn, rp: RelyingParty, response: unknown): Promise<Passkey>;
}

export function createPasskeyCeremonies(deps: { passkeys: PasskeyRepository; clock: () => number }): PasskeyCeremonies {
  let library: Promise<WebAuthnLibrary> | undefined;
  const webauthn = () => (library ??= import('@simplewebauthn/server'));
  const expiresAt = () => deps.clock() + CHALLENGE_LIFETIME_MS;

  // The challenge of a response, used up for this sign-in; refused as the store found it otherwise.
  const useChallenge = async (response: { response: { clientDataJSON: string } }, purpose: 'registration' | 'authentication', signIn: CeremonySignIn) => {
    const challenge = clientChallenge(response.response.clientDataJSON);
    const use = await deps.passkeys.useChallenge(challenge, purpose, signIn.ns, signIn.uid);
    switch (use.state) {
      case 'valid':
        return { challenge, pending: use };
      case 'used':
        throw new PasskeyRefused('challenge_used');
      case 'expired':
        throw new PasskeyRefused('challenge_expired');
      default:
        throw new PasskeyRefused('challenge_unknown');
    }
  };

  return {
    async registrationOptions(signIn, rp, user, amr) {
      const { generateRegistrationOptions } = await webauthn();
      const options = await generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: user.email,
        userDisplayName: user.name || user.email,
        userID: new TextEncoder().encode(user.id),
        attestationType: 'none',
        excludeCredentials: (await deps.passkeys.listByUser(user.id)).map((p) => ({ id: p.credentialId, transports: p.transports })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
        timeout: CHALLENGE_LIFETIME_MS,
      });
      await deps.passkeys.createChallenge({ challenge: options.challenge, purpose: 'registration', ...signIn, userId: user.id, amr, expiresAt: expiresAt() });
      return options;
    },

    async verifyRegistration(signIn, rp, input) {
      const response = registrationResponse(input);
      const { challenge, pending } = await useChallenge(response, 'registration', signIn);
      const userId = pending.userId;
      if (!userId) throw new PasskeyRefused('challenge_unknown');
      const { verifyRegistrationResponse } = await webauthn();
      const verified = await passed(
        verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: false }),
      );
      const info = verified.registrationInfo;
      return {
        amr: pending.amr ?? 'otp',
        passkey: {
          userId,
          credentialId: info.credential.id,
          publicKey: info.credential.publicKey,
          counter: info.credential.counter,
          transports: info.credential.transports ?? response.response.transports ?? [],
          aaguid: info.aaguid,
          backupEligible: info.credentialDeviceType === 'multiDevice',
          backedUp: info.credentialBackedUp,
          userVerified: info.userVerified,
          rpId: rp.id,
          displayName: 'Passkey',
        },
      };
    },

    async authenticationOptions(signIn, rp) {
      const { generateAuthenticationOptions } = await webauthn();
      const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: 'preferred', timeout: CHALLENGE_LIFETIME_MS });
      await deps.passkeys.createChallenge({ challenge: options.challenge, purpose: 'authentication', ...signIn, expiresAt: expiresAt() });
      return options;
    },

    async verifyAuthentication(signIn, rp, input) {
      const response = authenticationResponse(input);
      const { challenge } = await useChallenge(response, 'authentication', signIn);
      const passkey = await deps.passkeys.byCredentialId(response.id);
      if (!passkey || passkey.rpId !== rp.id) throw new PasskeyRefused('unknown_credential');
      // A discoverable credential names its user: it must be the one the passkey was registered for.
      if (response.response.userHandle !== undefined && Buffer.from(response.response.userHandle, 'base64url').toString() !== passkey.userId) {
        throw new PasskeyRefused('unknown_credential');
      }
      const counter = signatureCounter(response.response.authenticatorData);
      if ((counter > 0 || passkey.counter > 0) && counter <= passkey.counter) throw new PasskeyRefused('counter_not_increased');
      const { verifyAuthenticationResponse } = await webauthn();
      const verified = await passed(
        verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          credential: { id: passkey.credentialId, publicKey: new Uint8Array(passkey.publicKey), counter: passkey.counter, transports: passkey.transports },
          requireUserVerification: false,
        }),
      );
      await deps.passkeys.recordUse(passkey.id, verified.authenticationInfo.newCounter);
      return passkey;
    },
  };
}

/** The library's checks (signature, origin, RP ID, flags), passed or refused as one readable reason. */
async function passed<T extends { verified: boolean }>(check: Promise<T>): Promise<T & { verified: true }> {
  const result = await check.catch((err: Error) => {
    throw new PasskeyRefused('not_verified', err.message);
  });
  if (!result.verified) throw new PasskeyRefused('not_verified');
  return result as T & { verified: true };
}

// What a browser sends, checked for the fields the ceremonies read before the library sees it.
const B64URL = /^[\w-]*$/;
const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length < 16_384 && B64URL.test(value);

function registrationResponse(input: unknown): RegistrationResponseJSON {
  const r = input as RegistrationResponseJSON;
  if (!r || r.type !== 'public-key' || !isText(r.id) || !isText(r.response?.clientDataJSON) || !isText(r.response?.attestationObject)) throw new PasskeyRefused('malformed');
  return { ...r, clientExtensionResults: r.clientExtensionResults ?? {} };
}

function authenticationResponse(input: unknown): AuthenticationResponseJSON {
  const r = input as AuthenticationResponseJSON;
  const a = r?.response;
  if (!r || r.type !== 'public-key' || !isText(r.id) || !isText(a?.clientDataJSON) || !isText(a?.authenticatorData) || !isText(a?.signature)) throw new PasskeyRefused('malformed');
  if (a.userHandle !== undefined && a.userHandle !== null && !isText(a.userHandle)) throw new PasskeyRefused('malformed');
  return { ...r, response: { ...a, ...(a.userHandle ? { userHandle: a.userHandle } : { userHandle: undefined }) }, clientExtensionResults: r.clientExtensionResults ?? {} };
}

/** The challenge the browser signed over, from clientDataJSON. */
function clientChallenge(clientDataJSON: string): string {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    if (typeof data.challenge === 'string' && B64URL.test(data.challenge)) return data.challenge;
  } catch {
    // not JSON: refused below
  }
  throw new PasskeyRefused('malformed');
}

/** authenticatorData: rpIdHash (32 bytes), flags (1), signCount (4, big-endian). */
function signatureCounter(authenticatorData: string): number {
  const bytes = Buffer.from(authenticatorData, 'base64url');
  if (bytes.length < 37) throw new PasskeyRefused('malformed');
  return bytes.readUInt32BE(33);
}
