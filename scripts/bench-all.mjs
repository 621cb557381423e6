#!/usr/bin/env node
// `npm run bench`: every benchmark, then the long fault campaign (300 randomized fault runs),
// each printing its figures and a JSON last line. Not part of `npm test`: it takes minutes.
import { spawnSync } from 'node:child_process';

const runs = [
  ['bench', 'mcapi', '--json'],
  ['bench', 'dsm', '--json'],
  ['bench', 'ft', '--json'],
  ['bench', 'sim', '--json'],
  // The issue 11 campaign: every fault kind on a lossy ring (docs/SIMULATOR.md, "Campaigns").
  ['campaign', 'examples/laplace', '--runs', '300', '--boards', '4', '--spares', '2', '--engine', 'node', '--faults', 'crash,reboot,hang,partition', '--topology', 'ring',
    '--link', 'uart:921600,loss=0.02,corrupt=0.005', '--seed', '7', '--json', '--', '--n', '64', '--iters', '60'],
  // Remote calls: a fault on a compute board at a random stage of a call (docs/RPC.md).
  ['campaign', 'examples/offload', '--runs', '200', '--boards', '4', '--engine', 'node', '--seed', '1', '--json'],
  ['campaign', 'examples/offload', '--runs', '200', '--boards', '4', '--engine', 'node', '--seed', '2', '--json', '--', '--idempotent', '0'],
];
let failed = 0;
for (const args of runs) {
  console.log(`\n$ mcdsm ${args.join(' ')}`);
  const r = spawnSync(process.execPath, ['bin/mcdsm.js', ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
