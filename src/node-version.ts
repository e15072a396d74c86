// Stops early on a Node.js older than 22, with one line saying so, instead of a SyntaxError or a
// native-module mismatch further in. Both entries (cli/main.ts, index.ts) import this first: ES modules
// evaluate their imports in order, so this runs before anything that needs Node 22. It must stay free of
// imports itself.
const REQUIRED_MAJOR = 22;

const found = process.versions.node;
if (Number(found.split('.')[0]) < REQUIRED_MAJOR) {
  process.stderr.write(`Node.js ${REQUIRED_MAJOR} or later is required, found ${found}\n`);
  process.exit(2);
}

export {};
