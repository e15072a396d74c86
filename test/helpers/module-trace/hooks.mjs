// Module resolution hooks (run on Node's hooks thread): append the package of each resolved module.
import { appendFileSync } from 'node:fs';

let file;
export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved.url)?.[1];
  if (pkg && file) appendFileSync(file, `${pkg}\n`);
  return resolved;
}
