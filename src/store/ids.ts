// Scalekit's identifier formats, in one place: a prefix and a 17-digit decimal number.
import { createHash, randomBytes, randomInt } from 'node:crypto';

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
  scope: 'scope_',
  passkey: 'pkc_',
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

/**
 * Where an emulator's ids and generated secrets come from. One per store, never shared: two emulators
 * in one process each have their own (a sequence must not leak from one into the other).
 */
export interface IdSource {
  /** A fresh id of that kind. */
  newId(kind: IdKind): string;
  /** A fresh client secret: 256 bits, base64url. */
  newSecret(): string;
  /** The id of that kind `seed` maps to, always the same for the same seed (oidc-provider's session uids → ses_). */
  derivedId(kind: IdKind, seed: string): string;
  /** Notes where the sequences stand; the function returned puts them back there (a fixture's reset). */
  mark(): () => void;
}

/**
 * 32 random bytes in base64url, never starting with '-': a secret is pasted after a command-line flag
 * (`--client-secret -V…` made the MCP conformance suite print its version), and option parsers read a
 * leading dash as another option. Drawing again costs 1 bit in 64 of the first character, nothing else.
 */
function newSecret(): string {
  for (;;) {
    const secret = randomBytes(32).toString('base64url');
    if (secret[0] !== '-') return secret;
  }
}

/** Random ids and secrets: the default. */
export const randomIds: IdSource = {
  newId,
  newSecret,
  derivedId,
  mark: () => () => {},
};

// Sequential ids start with a 9 so they do not meet the 1…/2…/3… ids seeds tend to use.
const SEQUENTIAL_BASE = 9n * 10n ** BigInt(DIGITS - 1);

/**
 * Ids that follow a fixed sequence per kind (`usr_90000000000000001`, then …02), and secrets derived
 * from a counter (43 characters, as a random one): the same calls give the same values on every run,
 * so snapshots and recorded fixtures stay stable. Derived ids take the next number the first time a
 * seed is seen. For fixtures only: anyone can compute these secrets.
 */
export function sequentialIds(): IdSource {
  let counters = new Map<IdKind, bigint>();
  let secrets = 0;
  let derived = new Map<string, string>();
  const next = (kind: IdKind) => {
    const n = (counters.get(kind) ?? 0n) + 1n;
    counters.set(kind, n);
    return ID_PREFIXES[kind] + String(SEQUENTIAL_BASE + n);
  };
  return {
    newId: next,
    newSecret: () => createHash('sha256').update(`scalekit-emulator sequential secret ${++secrets}`).digest('base64url'),
    derivedId(kind, seed) {
      const key = `${kind} ${seed}`;
      let id = derived.get(key);
      if (id === undefined) derived.set(key, (id = next(kind)));
      return id;
    },
    mark() {
      const saved = { counters: new Map(counters), secrets, derived: new Map(derived) };
      return () => {
        counters = new Map(saved.counters);
        secrets = saved.secrets;
        derived = new Map(saved.derived);
      };
    },
  };
}
