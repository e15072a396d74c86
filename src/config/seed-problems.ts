// What is wrong with a seed file, said for the person who wrote it: the path of the value and what
// belongs there, instead of the validator's own words ("Invalid input: expected object, received null").
// The fields a place takes are read from the schema itself, so they cannot drift from it.
import type { z } from 'zod';

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

/** One sentence per issue: `<path>: <what is wrong and what is expected>`, `(root)` for the file as a whole. */
export function seedProblems(issues: z.core.$ZodIssue[], schema: z.ZodType): string[] {
  const rootKeys = fieldsAt(schema, []) ?? [];
  const seedShape = `a seed is a mapping of ${listed(rootKeys)} (each optional), as in the README's "Seed file"`;
  return issues.map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : '(root)';
    if (issue.code === 'invalid_type' && issue.path.length === 0) {
      const input = (issue as { input?: unknown }).input;
      if (input === null || input === undefined) return `${where}: the file is empty (or only comments, or null); ${seedShape}`;
      if (Array.isArray(input)) return `${where}: the file holds a list, not a mapping; ${seedShape}`;
      return `${where}: the file holds ${described(input)}, not a mapping; ${seedShape}`;
    }
    // A value of another kind (a checked one, such as a whole number, keeps the schema's own words).
    if (issue.code === 'invalid_type' && EXPECTED[issue.expected]) {
      return `${where}: must be ${expectedAt(schema, issue.path) ?? EXPECTED[issue.expected]}, not ${described((issue as { input?: unknown }).input)}`;
    }
    if (issue.code === 'unrecognized_keys') {
      const fields = fieldsAt(schema, issue.path) ?? [];
      const one = issue.keys.length === 1;
      const what = issue.path.length ? (one ? 'is not a field here' : 'are not fields here') : one ? 'is not a seed key' : 'are not seed keys';
      const unknown = issue.keys.map((key) => `"${key}"${hint(key, fields)}`).join(', ');
      return `${where}: ${unknown} ${what}; ${issue.path.length ? 'the fields are' : "a seed's keys are"} ${listed(fields)}`;
    }
    return `${where}: ${issue.message}`;
  });
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

/** A value as a person would name it: the string "soon", the number 5, a list, a mapping, nothing. */
function described(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `the ${typeof value} ${String(value)}`;
}

const listed = (names: string[]) => names.join(', ');

/** What belongs at `path`, when the schema says more than a type: a mapping's fields, a list's entries. */
function expectedAt(schema: z.ZodType, path: PropertyKey[]): string | undefined {
  const def = defAt(schema, path);
  const mapping = (d: SchemaDef | undefined) => (d?.type === 'object' && d.shape ? `a mapping (fields: ${listed(Object.keys(d.shape))})` : undefined);
  if (def?.type === 'array' && def.element) {
    const entry = unwrapped(def.element);
    const entries = entry.type === 'object' ? mapping(entry)?.replace('a mapping', 'mappings') : entry.type === 'string' ? 'strings' : undefined;
    return entries ? `a list of ${entries}` : 'a list';
  }
  return mapping(def);
}

/** The field names of the mapping at `path` in the schema. */
function fieldsAt(schema: z.ZodType, path: PropertyKey[]): string[] | undefined {
  const def = defAt(schema, path);
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : undefined;
}

// Walks the schema down `path` (list indexes step into the list's entries).
function defAt(schema: z.ZodType, path: PropertyKey[]): SchemaDef | undefined {
  let def = unwrapped(schema);
  for (const key of path) {
    const next = def.type === 'array' ? def.element : def.type === 'object' ? def.shape?.[String(key)] : undefined;
    if (!next) return undefined;
    def = unwrapped(next);
  }
  return def;
}

function unwrapped(schema: z.ZodType): SchemaDef {
  let def = schema.def as SchemaDef;
  while ((def.type === 'default' || def.type === 'optional') && def.innerType) def = def.innerType.def as SchemaDef;
  return def;
}

/** ` (did you mean "organizations"?)` for a near miss of a known name: a typo or another spelling. */
function hint(key: string, known: string[]): string {
  const near = known.find((name) => distance(key.toLowerCase(), name) <= 2);
  return near ? ` (did you mean "${near}"?)` : '';
}

// Levenshtein distance, small inputs only (field names).
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
