#!/usr/bin/env node
// Command-line entry. Node's compile cache (kept in the OS temp folder) makes every start after the
// first skip recompiling the dependencies; it must be on before they are imported, hence the dynamic
// imports. The version check comes first, so an old Node says what it lacks instead of failing to link.
import '../node-version.js';

const { enableCompileCache } = await import('node:module');
enableCompileCache();
const { main, exitOnError } = await import('./run.js');
await main(process.argv.slice(2)).catch(exitOnError);
