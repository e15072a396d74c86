import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrivateFile, ensurePrivateFolder } from '../../src/store/data-files.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const bits = (path: string) => statSync(path).mode & 0o7777;

describe('ensurePrivateFolder', () => {
  it('creates a missing folder 0700, and its missing parents', () => {
    const data = join(dir, 'a', 'b', 'data');
    expect(ensurePrivateFolder(data)).toEqual([]);
    expect(bits(data)).toBe(0o700);
  });

  it('tightens a folder of ours that others can read, and says so', () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    chmodSync(data, 0o755);
    expect(ensurePrivateFolder(data)).toEqual([{ path: data, from: 0o755, to: 0o700 }]);
    expect(bits(data)).toBe(0o700);
  });

  it('leaves a shared folder with the sticky bit (as /tmp) alone', () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    expect(ensurePrivateFolder(shared)).toEqual([]);
    expect(bits(shared)).toBe(0o1777);
  });

  it('refuses a file where the folder should be, with ENOTDIR and its path', () => {
    const file = join(dir, 'file');
    ensurePrivateFile(file);
    expect(() => ensurePrivateFolder(file)).toThrow(expect.objectContaining({ code: 'ENOTDIR', path: file }));
  });
});

describe('ensurePrivateFile', () => {
  it('creates a missing file 0600, empty', () => {
    const file = join(dir, 'f');
    expect(ensurePrivateFile(file)).toEqual([]);
    expect(bits(file)).toBe(0o600);
    expect(statSync(file).size).toBe(0);
  });

  it('tightens an existing 0644 file and says so', () => {
    const file = join(dir, 'f');
    ensurePrivateFile(file);
    chmodSync(file, 0o644);
    expect(ensurePrivateFile(file)).toEqual([{ path: file, from: 0o644, to: 0o600 }]);
    expect(bits(file)).toBe(0o600);
  });
});
