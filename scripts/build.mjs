#!/usr/bin/env node
// One build for every target: TypeScript for the host and tests, an engine-neutral check of
// the board code, the XS bundles, and the Moddable type check. Each step is a child process
// so a failure names its step.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';

const steps = [
  ['host and tests (tsc)', 'npx', ['tsc', '-p', 'tsconfig.json']],
  ['board code without host globals (tsc)', 'npx', ['tsc', '-p', 'tsconfig.src.json']],
];
if (existsSync('rollup.config.mjs')) steps.push(['XS bundles (rollup)', 'npx', ['rollup', '-c', '--silent']]);
if (existsSync('tsconfig.lua.json')) steps.push(['Lua 5.1 and 5.3 (typescript-to-lua, scripts/build-lua.mjs)', 'node', ['scripts/build-lua.mjs']]);
if (existsSync('hal/moddable/tsconfig.json')) steps.push(['Moddable HAL against @moddable/typings (tsc)', 'npx', ['tsc', '-p', 'hal/moddable/tsconfig.json']]);

for (const [name, cmd, args] of steps) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build: step "${name}" failed`);
    process.exit(r.status ?? 1);
  }
}

// The lin host is C compiled at setup; a change to its source since then is compiled here.
const { refreshLinHost } = await import('./moddable-sdk.mjs');
const linHostFailure = refreshLinHost();
if (linHostFailure !== null) {
  console.error(`build: the Moddable lin host could not be compiled again: ${linHostFailure}`);
  process.exit(1);
}

// What setup.mjs compares against to leave a build that is up to date alone (`npx mcdsm` in a
// checkout links the project and runs its postinstall again).
writeFileSync('dist/.build-stamp', `${new Date().toISOString()}\n`);
