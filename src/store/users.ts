// Users who sign in on the login page. Passwords are human secrets, so they get scrypt, not SHA-256.
// scrypt runs on the libuv thread pool: it takes tens of milliseconds of CPU, which on the event loop
// would stall every token request while a person signs in (or a seed's user is written).
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Scope } from './scope.js';
import { isoNow, type Clock } from './time.js';

export interface User {
  id: string;
  email: string;
  name: string;
  organizationId?: string;
  createTime: string;
  updateTime: string;
}

export interface UserInput {
  id: string;
  email: string;
  name: string;
  organizationId?: string;
  password?: string;
  /** An already computed scrypt hash, instead of `password` (a password whose hash is known in advance). */
  passwordHash?: string;
}

export interface UserRepository {
  get(id: string): Promise<User | undefined>;
  findByEmail(email: string): Promise<User | undefined>;
  /** Every user, or the members of one organization; oldest first (the first is who AUTO_LOGIN signs in without a login_hint). */
  list(organizationId?: string): Promise<User[]>;
  /** Creates or updates the user; a password is re-hashed only when it changed. True when a row changed. */
  upsert(user: UserInput): Promise<boolean>;
  verifyPassword(id: string, password: string): Promise<boolean>;
  /** The user with this email and password; the same work (one scrypt) whether or not the email exists. */
  authenticate(email: string, password: string): Promise<User | undefined>;
}

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;

// Compared against when no user has the email (or the user has no password), so that answer takes as long.
const NOBODY_HASH = 'scrypt$16384$8$1$QMNhkqCvcJYbYB9JMqMUpg$dLpj9iUdXbww32WHIpKiMzQFPCn02OhJDr8yNoYcv5I';

/** A new scrypt hash of `password`, off the event loop. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

const scryptAsync = (password: string, salt: Buffer, length: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(password, salt, length, options, (err, key) => (err ? reject(err) : resolve(key))));

interface StoredHash {
  salt: Buffer;
  expected: Buffer;
  options: ScryptOptions;
}

function parseHash(stored: string | null): StoredHash | undefined {
  const parts = stored?.split('$');
  if (!parts || parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [, N, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  return { salt: Buffer.from(salt, 'base64url'), expected: Buffer.from(hash, 'base64url'), options: { N: Number(N), r: Number(r), p: Number(p) } };
}

/** Off the event loop: for sign-ins. */
export async function passwordMatches(stored: string | null, password: string): Promise<boolean> {
  const h = parseHash(stored);
  if (!h) return false;
  return timingSafeEqual(h.expected, await scryptAsync(password, h.salt, h.expected.length, h.options));
}

interface Row {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  organization_id: string | null;
  create_time: string;
  update_time: string;
}

const toUser = (r: Row): User => ({
  id: r.id,
  email: r.email,
  name: r.name,
  ...(r.organization_id ? { organizationId: r.organization_id } : {}),
  createTime: r.create_time,
  updateTime: r.update_time,
});

const GET = 'SELECT * FROM users WHERE id = ?';
// Emails are stored in lower case: a lookup lowers what it is given.
const BY_EMAIL = 'SELECT * FROM users WHERE email = ?';
const ALL = 'SELECT * FROM users ORDER BY create_time, id';
const OF_ORGANIZATION = 'SELECT * FROM users WHERE organization_id = ? ORDER BY create_time, id';
const UPSERT = `INSERT INTO users (id, email, name, password_hash, organization_id, create_time, update_time)
  VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name,
    password_hash = excluded.password_hash, organization_id = excluded.organization_id,
    update_time = excluded.update_time`;

export function userRepository({ sql }: Scope, clock: Clock): UserRepository {
  const row = (id: string) => sql.get<Row>(GET, [id]);
  const byEmail = (email: string) => sql.get<Row>(BY_EMAIL, [email.toLowerCase()]);
  return {
    get: async (id) => {
      const found = await row(id);
      return found && toUser(found);
    },
    findByEmail: async (email) => {
      const found = await byEmail(email);
      return found && toUser(found);
    },
    list: async (organizationId) => (organizationId === undefined ? await sql.all<Row>(ALL) : await sql.all<Row>(OF_ORGANIZATION, [organizationId])).map(toUser),
    upsert: async (input) => {
      const existing = await row(input.id);
      const passwordUnchanged =
        input.password !== undefined
          ? existing !== undefined && (await passwordMatches(existing.password_hash, input.password))
          : input.passwordHash === undefined || existing?.password_hash === input.passwordHash;
      if (
        existing &&
        passwordUnchanged &&
        existing.email === input.email.toLowerCase() &&
        existing.name === input.name &&
        (existing.organization_id ?? undefined) === input.organizationId
      ) {
        return false;
      }
      const passwordHash = passwordUnchanged
        ? (existing?.password_hash ?? null)
        : input.password !== undefined
          ? await hashPassword(input.password)
          : input.passwordHash!;
      const now = isoNow(clock);
      await sql.run(UPSERT, [input.id, input.email.toLowerCase(), input.name, passwordHash, input.organizationId ?? null, now, now]);
      return true;
    },
    verifyPassword: async (id, password) => passwordMatches((await row(id))?.password_hash ?? null, password),
    authenticate: async (email, password) => {
      const found = await byEmail(email);
      const matches = await passwordMatches(found?.password_hash ?? NOBODY_HASH, password);
      return matches && found?.password_hash ? toUser(found) : undefined;
    },
  };
}
