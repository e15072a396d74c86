// How API commands print: `--json` prints the API's JSON as it is (for scripts); otherwise a few
// aligned lines per object (for people).
export interface Output {
  json: boolean;
  write(text: string): void;
}

export function printJson(out: Output, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `label  value` lines; arrays joined by spaces, objects as JSON, empty values as '-'. */
export function printFields(out: Output, fields: [label: string, value: unknown][]): void {
  const width = Math.max(...fields.map(([label]) => label.length));
  const text = (v: unknown): string =>
    v === undefined || v === null || v === '' ? '-' : Array.isArray(v) ? v.map(text).join(' ') || '-' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  out.write(`${fields.map(([label, value]) => `${label.padEnd(width)}  ${text(value)}`).join('\n')}\n`);
}

/** One row per item, columns padded. */
export function printTable(out: Output, header: string[], rows: string[][]): void {
  if (rows.length === 0) {
    out.write('(none)\n');
    return;
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  out.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}
