// `node --import <this file>`: notes every npm package the process resolves, one name per line, in the
// file MODULE_TRACE_FILE names, so a test can see what a start loads (see e2e/lazy-loading.test.ts).
// module.registerHooks (Node ≥ 22.15) runs in this thread and sees require() as well as import, so the
// packages a CommonJS dependency requires (Fastify's ajv) count too; older Nodes see imports only.
import { appendFileSync } from 'node:fs';
import { register, registerHooks } from 'node:module';

const file = process.env.MODULE_TRACE_FILE;
const packageOf = (url) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];

if (typeof registerHooks === 'function') {
  registerHooks({
    resolve(specifier, context, next) {
      const resolved = next(specifier, context);
      const pkg = packageOf(resolved.url);
      if (pkg && file) appendFileSync(file, `${pkg}\n`);
      return resolved;
    },
  });
} else {
  register('./hooks.mjs', import.meta.url, { data: { file } });
}
