// The rows behind signing in by email: codes and links kept only as digests, bound to one sign-in,
// used once, expiring; and the outbox, which keeps its newest messages.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import type { RawDatabase } from '../helpers/databases.js';
import { ENGINES, storePerTest } from './engines.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');


const sent = { ns: 'res_1', uid: 'uid-1', email: 'Ada@Example.com', code: '123456', linkToken: 'link-token-0123456789', expiresAt: T0 + 600_000 };
describe.each(ENGINES)('on $name', (engine) => {
let now = T0;
let store: Store;
let raw: RawDatabase;
beforeEach(() => {
  now = T0;
});
const each = storePerTest(engine, () => now);
beforeEach(async () => {
  ({ store, raw } = each);
});

describe('email_codes', () => {
  it('keeps neither the code nor the link token, only their digests', async () => {
    await store.emailCodes.create(sent);
    const row = (await raw.get<Record<string, unknown>>('SELECT * FROM email_codes'))!;
    expect(row).toMatchObject({ ns: 'res_1', uid: 'uid-1', email: 'ada@example.com', expires_at: T0 + 600_000, used_at: null });
    expect(row.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.link_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain('123456');
    expect(JSON.stringify(row)).not.toContain('link-token');
  });

  it('takes the code once, for its own sign-in and email only', async () => {
    await store.emailCodes.create(sent);
    expect(await store.emailCodes.useCode('res_1', 'uid-2', 'ada@example.com', '123456')).toBe('wrong');
    expect(await store.emailCodes.useCode('res_1', 'uid-1', 'bob@example.com', '123456')).toBe('wrong');
    expect(await store.emailCodes.useCode('res_1', 'uid-1', 'ada@example.com', '654321')).toBe('wrong');
    expect(await store.emailCodes.useCode('res_1', 'uid-1', 'ADA@example.com', '123456')).toBe('valid');
    expect(await store.emailCodes.useCode('res_1', 'uid-1', 'ada@example.com', '123456')).toBe('used');
  });

  it('says expired from the expiry on, and a used code also uses up its link', async () => {
    await store.emailCodes.create(sent);
    now = T0 + 600_000;
    expect(await store.emailCodes.useCode('res_1', 'uid-1', 'ada@example.com', '123456')).toBe('expired');
    expect(await store.emailCodes.useLink('link-token-0123456789', 'res_1', 'uid-1')).toEqual({ state: 'expired', email: 'ada@example.com' });
    now = T0;
    await store.emailCodes.create({ ...sent, code: '222222', linkToken: 'second-link-token' });
    expect(await store.emailCodes.useCode('res_1', 'uid-1', 'ada@example.com', '222222')).toBe('valid');
    expect(await store.emailCodes.useLink('second-link-token', 'res_1', 'uid-1')).toEqual({ state: 'used', email: 'ada@example.com' });
  });

  it('a new code ends the earlier ones of the sign-in and their links, whichever email they went to', async () => {
    await store.emailCodes.create(sent);
    await store.emailCodes.create({ ...sent, email: 'bob@example.com', code: '222222', linkToken: 'bob-link-token' });
    await store.emailCodes.create({ ...sent, code: '333333', linkToken: 'third-link-token' });
    expect(await store.emailCodes.useCode('res_1', 'uid-1', 'ada@example.com', '123456')).toBe('replaced');
    expect(await store.emailCodes.useCode('res_1', 'uid-1', 'bob@example.com', '222222')).toBe('replaced');
    expect(await store.emailCodes.useLink('link-token-0123456789', 'res_1', 'uid-1')).toEqual({ state: 'replaced', email: 'ada@example.com' });
    // Another sign-in's codes are not touched.
    await store.emailCodes.create({ ...sent, uid: 'uid-2', code: '444444', linkToken: 'other-sign-in-link' });
    expect(await store.emailCodes.useCode('res_1', 'uid-1', 'ada@example.com', '333333')).toBe('valid');
    expect(await store.emailCodes.useCode('res_1', 'uid-2', 'ada@example.com', '444444')).toBe('valid');
  });

  it('leaves a link of another sign-in unused, and knows no made-up link', async () => {
    await store.emailCodes.create(sent);
    expect(await store.emailCodes.useLink('link-token-0123456789', 'res_1', 'uid-2')).toEqual({ state: 'elsewhere' });
    expect(await store.emailCodes.useLink('made-up', 'res_1', 'uid-1')).toEqual({ state: 'unknown' });
    expect(await store.emailCodes.useLink('link-token-0123456789', 'res_1', 'uid-1')).toEqual({ state: 'valid', email: 'ada@example.com' });
  });

  it('drops rows a day past their expiry when a new code is made', async () => {
    await store.emailCodes.create(sent);
    now = T0 + 600_000 + 86_400_001;
    await store.emailCodes.create({ ...sent, uid: 'uid-9', linkToken: 'later-link', expiresAt: now + 600_000 });
    expect(await raw.all('SELECT uid FROM email_codes')).toEqual([{ uid: 'uid-9' }]);
  });
});

describe('outbox_messages', () => {
  it('lists newest first, by recipient in any case, and keeps the newest 500', async () => {
    for (let i = 0; i < 505; i++) (await store.outbox.add({ to: i % 2 ? 'odd@example.com' : 'even@example.com', subject: `message ${i}`, body: 'text' }));
    const all = await store.outbox.list();
    expect(all).toHaveLength(500);
    expect(all[0]).toMatchObject({ id: expect.stringMatching(/^msg_\d{17}$/), subject: 'message 504', to: 'even@example.com', createTime: T0 });
    expect(all.at(-1)!.subject).toBe('message 5');
    expect((await store.outbox.list({ to: 'ODD@example.com' })).every((m) => m.to === 'odd@example.com')).toBe(true);
    expect(await store.outbox.list({ to: 'ODD@example.com' })).toHaveLength(250);
  });
});

});
