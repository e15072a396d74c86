#!/usr/bin/env node
// Command-line entry. Node's compile cache (kept in the OS temp folder) makes every start after the
// first skip recompiling the dependencies; it must be on before they are imported, hence the dynamic import.
import { enableCompileCache } from 'node:module';

enableCompileCache?.();
const { main, exitOnError } = await import('./run.js');
await main(process.argv.slice(2)).catch(exitOnError);
