// `node --import <this file>`: notes every npm package the process resolves, one name per line, in the
// file MODULE_TRACE_FILE names, so a test can see what a start loads (see e2e/lazy-loading.test.ts).
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url, { data: { file: process.env.MODULE_TRACE_FILE } });
