// One source for the settings' documentation: the zod schema in src/config. The README's table and
// `--help` must both say what it says.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configReference } from '../../src/config/index.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const TABLE_HEAD = '| variable | default | meaning |';

const code = (value: string) => `\`${value}\``;
const oneOf = (allowed: string[]) => (allowed.length ? ` One of ${allowed.map(code).join(', ')}.` : '');
const plain = (markdown: string) => markdown.replaceAll('`', '');

describe('configuration reference', () => {
  it("the README's table has one row per setting, with the schema's default, values and meaning", () => {
    const lines = readFileSync(README, 'utf8').split('\n');
    const start = lines.indexOf(TABLE_HEAD);
    expect(start).toBeGreaterThan(-1);
    const rows = lines.slice(start + 2, lines.indexOf('', start));
    // On a mismatch, the expected side is the table to paste into the README.
    expect(rows.join('\n')).toBe(
      configReference.map((s) => `| ${code(s.name)} | ${s.default} | ${s.description}${oneOf(s.allowed)} |`).join('\n'),
    );
  });

  it('--help prints each setting with its default, its values and its meaning', () => {
    const help = execFileSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    for (const s of configReference) {
      const values = s.allowed.length ? `; one of ${s.allowed.join(', ')}` : '';
      expect(help).toContain(`\n  ${s.name}  (default ${plain(s.default)}${values})\n      ${plain(s.description)}\n`);
    }
  });

  it('every setting has a default and a meaning', () => {
    for (const s of configReference) {
      expect(s.default, s.name).not.toBe('');
      expect(s.description, s.name).not.toBe('');
    }
    expect(configReference.find((s) => s.name === 'LOG_LEVEL')).toEqual({
      name: 'LOG_LEVEL',
      default: '`info`',
      allowed: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      description: 'pino log level. Logs are JSON lines; secrets and `Authorization` headers are redacted.',
    });
  });
});
