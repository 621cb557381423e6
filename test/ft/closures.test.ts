/**
 * The FT module holds no closures of its own: its hooks are FaultTolerance's methods, its
 * listener the host object (FtListener), and a round's lent contents are the contents
 * themselves, not a closure per content and round (docs/FOOTPRINT.md "Round 10: Laplace
 * footprint"; a closure is ~10 XS slots on a board).
 */
import test from 'ava';
import { Cluster } from './cluster.js';
import type { AppSpec } from './cluster.js';
import { ownFunctions } from '../util/closures.js';

const SPEC: AppSpec = { size: 8192, iters: 30, every: 5, frac: 0.02, iterMs: 20, lend: true };

test('a fault-tolerance module, at boot, while its runs checkpoint and at the end, holds no function of its own', async (t) => {
  const c = new Cluster({ boards: 3, seed: 1 });
  // The board's network and HAL, the listener it was given and the app's contents (and the
  // same contents as a round's lenders) are the board's and the app's, not the module's; a
  // checkpoint call's promise has its resolving functions.
  const skip = ['net', 'hal', 'listener', 'contents', 'lenders', 'resolve', 'reject'];
  for (const ft of c.ft.values()) t.deepEqual(ownFunctions(ft, skip), []);
  c.spec = SPEC;
  let during = 0;
  t.true(
    await c.runUntil(() => {
      // Sampled while rounds are open (tentative data, streams, tallies).
      for (const ft of c.ft.values()) {
        const found = ownFunctions(ft, skip);
        if (found.length > 0) throw new Error(`FT holds functions: ${found.join(', ')}`);
        if (ft.stats().memory.pendingBytes > 0) during++;
      }
      return c.finished();
    }, 60_000),
  );
  t.true(during > 0, 'sampled while a round held tentative data');
  t.deepEqual(c.wrong(SPEC), []);
  for (const ft of c.ft.values()) t.deepEqual(ownFunctions(ft, skip), []);
});
