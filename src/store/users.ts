// Users who sign in on the login page. Passwords are human secrets, so they get scrypt, not SHA-256.
// A sign-in checks its password on the libuv thread pool: scrypt takes tens of milliseconds of CPU,
// which on the event loop would stall every token request while a person signs in.
import { randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Db } from './database.js';
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
  get(id: string): User | undefined;
  findByEmail(email: string): User | undefined;
  /** Every user, or the members of one organization; oldest first (the first is who AUTO_LOGIN signs in without a login_hint). */
  list(organizationId?: string): User[];
  /** Creates or updates the user; a password is re-hashed only when it changed. True when a row changed. */
  upsert(user: UserInput): boolean;
  verifyPassword(id: string, password: string): Promise<boolean>;
  /** The user with this email and password; the same work (one scrypt) whether or not the email exists. */
  authenticate(email: string, password: string): Promise<User | undefined>;
}

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;

// Compared against when no user has the email (or the user has no password), so that answer takes as long.
const NOBODY_HASH = 'scrypt$16384$8$1$QMNhkqCvcJYbYB9JMqMUpg$dLpj9iUdXbww32WHIpKiMzQFPCn02OhJDr8yNoYcv5I';

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

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
  const actual = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, h.salt, h.expected.length, h.options, (err, key) => (err ? reject(err) : resolve(key))),
  );
  return timingSafeEqual(h.expected, actual);
}

/** On the event loop: for a write that must stay in one synchronous transaction (a seed's user). */
function passwordMatchesSync(stored: string | null, password: string): boolean {
  const h = parseHash(stored);
  return h !== undefined && timingSafeEqual(h.expected, scryptSync(password, h.salt, h.expected.length, h.options));
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

export function sqliteUsers(db: Db, clock: Clock): UserRepository {
  const get = db.prepare<[string], Row>('SELECT * FROM users WHERE id = ?');
  const byEmail = db.prepare<[string], Row>('SELECT * FROM users WHERE email = ?');
  const all = db.prepare<[], Row>('SELECT * FROM users ORDER BY create_time, id');
  const ofOrganization = db.prepare<[string], Row>('SELECT * FROM users WHERE organization_id = ? ORDER BY create_time, id');
  const upsert = db.prepare(
    `INSERT INTO users (id, email, name, password_hash, organization_id, create_time, update_time)
     VALUES (@id, @email, @name, @passwordHash, @organizationId, @now, @now)
     ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name,
       password_hash = excluded.password_hash, organization_id = excluded.organization_id,
       update_time = excluded.update_time`,
  );
  return {
    get: (id) => {
      const row = get.get(id);
      return row && toUser(row);
    },
    findByEmail: (email) => {
      const row = byEmail.get(email);
      return row && toUser(row);
    },
    list: (organizationId) => (organizationId === undefined ? all.all() : ofOrganization.all(organizationId)).map(toUser),
    upsert: (input) => {
      const row = get.get(input.id);
      const passwordUnchanged =
        input.password !== undefined
          ? row !== undefined && passwordMatchesSync(row.password_hash, input.password)
          : input.passwordHash === undefined || row?.password_hash === input.passwordHash;
      if (
        row &&
        passwordUnchanged &&
        row.email === input.email.toLowerCase() &&
        row.name === input.name &&
        (row.organization_id ?? undefined) === input.organizationId
      ) {
        return false;
      }
      const passwordHash = passwordUnchanged
        ? (row?.password_hash ?? null)
        : input.password !== undefined
          ? hashPassword(input.password)
          : input.passwordHash!;
      upsert.run({
        id: input.id,
        email: input.email.toLowerCase(),
        name: input.name,
        passwordHash,
        organizationId: input.organizationId ?? null,
        now: isoNow(clock),
      });
      return true;
    },
    verifyPassword: (id, password) => passwordMatches(get.get(id)?.password_hash ?? null, password),
    authenticate: async (email, password) => {
      const row = byEmail.get(email.toLowerCase());
      const matches = await passwordMatches(row?.password_hash ?? NOBODY_HASH, password);
      return matches && row?.password_hash ? toUser(row) : undefined;
    },
  };
}
