/**
 * Fault tolerance with the DSM's pushes in flight (docs/DSM.md, "Pushing halos to known
 * readers"): Laplace's grids are push arrays, and a crash at an iteration event comes right
 * after the board's barrier, while the homes' halo pushes of that barrier are on the wire to
 * and from it. The spare takes over with a new DSM (new subscriptions), and the run ends with
 * the fault-free digest, the halos still coming by push after the recovery.
 */
import test from 'ava';
import fc from 'fast-check';
import { expectedDigest, ftLaplace, named } from './helpers.js';

const N = 32;
const ITERS = 30;
const EXPECTED = expectedDigest(N, ITERS);

test('a worker crashed with halo pushes in flight is replaced by the spare; fault-free digest, pushes go on after the recovery', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 11, max: ITERS - 2 }), fc.integer({ min: 1, max: 1000 }), async (board, iter, seed) => {
      const r = await ftLaplace({ n: N, iters: ITERS, fault: [`crash:${board}@iter=${iter}`], seed: String(seed), topology: 'ring' });
      t.true(r.s.ok, r.s.reason);
      t.is(r.digest, EXPECTED, 'the fault-free digest');
      t.is(r.s.recoveries.length, 1, 'one recovery');
      t.deepEqual(r.s.recoveries[0]!.replacements, [4], 'the spare (node 4) holds the rank now');
      // Every rank's final DSM (the spare's included: it subscribed anew) took its halos by push,
      // from the restored iteration (10 or 20) on; rank 0's too: Laplace's homes are page-aligned,
      // so no rank's halo row lies on a page it homes.
      const pushed = named(r, 'dsm-pushed');
      t.is(pushed.length, 4, 'one figure per rank');
      const spare = pushed.find((e) => e.board === 4);
      t.true(spare !== undefined && spare.value >= 5 * N, `the spare's DSM stored pushed halos (${spare?.value})`);
      for (const e of pushed) t.true(e.value >= 5 * N, `board ${e.board} stored pushed halos (${e.value})`);
      return true;
    }),
    { seed: 20261206, numRuns: 4 },
  );
});

test('fault-free with pushes: the same digest, and the halos come by push', async (t) => {
  const r = await ftLaplace({ n: N, iters: ITERS, topology: 'ring', seed: '7' });
  t.true(r.s.ok, r.s.reason);
  t.is(r.digest, EXPECTED);
  const pushed = named(r, 'dsm-pushed');
  t.is(pushed.length, 4);
  // Every rank reads a halo row of N granules or more on pages another rank homes each iteration
  // (the homes are page-aligned: until round 9b rank 0's lay on a page of its own at N = 32);
  // after the first reading of each grid (a fetch, which subscribes) it is pushed.
  for (const e of pushed) t.true(e.value >= (ITERS - 4) * N, `board ${e.board}: ${e.value} pushed granules`);
});
