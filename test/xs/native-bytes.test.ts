/**
 * Native byte helpers on XS boards (hal/xsnap/native-bytes.ts through xsnap's issueCommand):
 * a domain where every board, some boards or none have them runs frame for frame the same
 * (same trace digest: every frame byte for byte, every timer and event), while the boards
 * with natives spend fewer XS units. The simulator's own work is reported, not metered.
 */
import test from 'ava';
import { runDomain } from '../../host-sim/sim/run.js';
import type { SimSummary } from '../../host-sim/sim/simulator.js';

const pkt = (nativeBytes: boolean | number[]): Promise<SimSummary> =>
  runDomain({
    app: 'mcapi-bench', appArgs: ['--mode', 'pkt-rtt', '--size', '3000', '--count', '3'],
    boards: '2', engine: 'xs', topology: 'line', link: 'uart:921600', ram: '8M', nativeBytes,
  });

test('UART traffic is the same with native helpers on both boards, on one, or on none; natives cost fewer units', async (t) => {
  const none = await pkt(false);
  const one = await pkt([0]);
  const both = await pkt(true);
  for (const s of [none, one, both]) t.true(s.ok, s.reason);
  t.is(one.traceDigest, none.traceDigest, 'a board without natives interoperates with one that has them');
  t.is(both.traceDigest, none.traceDigest);
  t.deepEqual(both.app.results, none.app.results);
  const units = (s: SimSummary, b: number): number => s.boards[b]!.compute;
  t.true(units(both, 0) < units(none, 0) / 2, `board 0: ${units(both, 0)} units with natives, ${units(none, 0)} without`);
  t.true(units(one, 0) < units(none, 0) / 2);
  t.true(Math.abs(units(one, 1) - units(none, 1)) < units(none, 1) * 0.02, 'board 1 of the mixed run runs its JS code');
});

test('checkpoints diff natively on XS boards with the same result and the same frames', async (t) => {
  const run = (nativeBytes: boolean): Promise<SimSummary> =>
    runDomain({
      app: 'ft-bench', appArgs: ['--state', '16384', '--change', '0.3'], boards: '2', engine: 'xs', topology: 'line', link: 'uart:921600', ram: '16M',
      options: { ft: { maxStoreBytes: 16384 * 6 + 65536 } }, nativeBytes,
    });
  const off = await run(false);
  const on = await run(true);
  t.true(off.ok, off.reason);
  t.true(on.ok, on.reason);
  t.is(on.traceDigest, off.traceDigest);
  t.is(on.checkpoints.bytesSent, off.checkpoints.bytesSent);
  t.true(on.boards[0]!.compute < off.boards[0]!.compute);
});
