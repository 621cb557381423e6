#!/usr/bin/env node
// The mcdsm command. The TypeScript sources are compiled into dist/ by `npm install`
// (scripts/setup.mjs) and `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/host-sim/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('mcdsm: dist/ is missing — run `npm install` (or `npm run build`) in the mcdsm checkout first');
  process.exit(2);
}
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
