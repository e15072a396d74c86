// Scalekit's identifier formats, in one place: a prefix and a 17-digit decimal number.
import { createHash, randomInt } from 'node:crypto';

export const ID_PREFIXES = {
  environmentClient: 'skc_',
  resource: 'res_',
  organizationClient: 'm2morg_',
  dcrClient: 'm2m_',
  user: 'usr_',
  organization: 'org_',
  signingKey: 'snk_',
  token: 'tkn_',
  session: 'ses_',
  secret: 'sks_',
  consent: 'cns_',
  outboxMessage: 'msg_',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const DIGITS = 17;

/** A fresh id such as `res_46213590113840137`: no leading zero, so its length never varies. */
export function newId(kind: IdKind): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < DIGITS) digits += String(randomInt(0, 1_000_000)).padStart(6, '0');
  return ID_PREFIXES[kind] + digits.slice(0, DIGITS);
}

/**
 * The id of that kind that `seed` always maps to: for things another library names in its own format
 * (oidc-provider's sessions), so every token of one session carries the same `ses_` id.
 */
export function derivedId(kind: IdKind, seed: string): string {
  const n = BigInt(`0x${createHash('sha256').update(seed).digest('hex').slice(0, 16)}`);
  return ID_PREFIXES[kind] + String(10n ** 16n + (n % (9n * 10n ** 16n)));
}

/** True when `value` is `<prefix><digits>` for that kind (any number of digits, as Scalekit's own). */
export function isId(kind: IdKind, value: string): boolean {
  const prefix = ID_PREFIXES[kind];
  return value.startsWith(prefix) && /^[0-9]+$/.test(value.slice(prefix.length));
}
