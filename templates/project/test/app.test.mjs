// Runs the app in the simulator (4 XS boards) with and without a crashed board and checks
// that both give the expected sum. `npm test`.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { simulate } from 'mcdsm/sim';

const app = fileURLToPath(new URL('../app.ts', import.meta.url));
const BOARDS = 4;
const ITERS = 40;
const run = (more) =>
  simulate({ app, boards: BOARDS, engine: 'xs', link: 'uart:921600', seed: 7, args: ['--iters', String(ITERS)], ...more });

/** Every board receives from the one before it: sum over iterations i and ranks p of p * 1000 + i. */
const expected = ITERS * 1000 * ((BOARDS * (BOARDS - 1)) / 2) + (BOARDS * ITERS * (ITERS - 1)) / 2;

test('ring-sum gives the expected sum', async () => {
  const summary = await run({});
  assert.equal(summary.ok, true, summary.reason);
  assert.deepEqual(summary.app.result, { iterations: ITERS, sum: expected });
});

test('a board crashes at iteration 25: a spare takes over, same result', async () => {
  const summary = await run({ spares: 1, faults: ['crash:2@iter=25'] });
  assert.equal(summary.ok, true, summary.reason);
  assert.equal(summary.faults.length, 1, 'the crash happened');
  assert.ok(summary.recoveries.length >= 1, 'the domain recovered');
  assert.deepEqual(summary.app.result, { iterations: ITERS, sum: expected });
});
