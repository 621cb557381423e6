/**
 * Fault tolerance end to end on V8 boards: Laplace through the simulator (4 boards, N = 32,
 * 30 iterations, a checkpoint every 10 by default when a spare exists), boards crashed at
 * iterations and at the protocol's phases, and the final digest compared with the fault-free
 * one computed on the host. Every scenario either ends with that digest or stops with the
 * reason FT gives; none may end with another digest.
 */
import test from 'ava';
import fc from 'fast-check';
import { expectedDigest, ftLaplace, named, type FtRun } from './helpers.js';

const N = 32;
const ITERS = 30;
const EXPECTED = expectedDigest(N, ITERS);

function identical(t: { true(v: boolean, m?: string): void; is(a: unknown, b: unknown, m?: string): void }, r: FtRun): void {
  t.true(r.s.ok, r.s.reason);
  t.is(r.digest, EXPECTED, 'the fault-free digest');
}

/**
 * The summary's recoveries come from the `ft-recovery` events (the simulator keeps them from
 * its observers): one per completed recovery, matching what every board logged as `recovery`.
 */
function recoveriesReported(t: { true(v: boolean, m?: string): void; deepEqual(a: unknown, b: unknown, m?: string): void }, r: FtRun): void {
  const done = [...new Set(named(r, 'recovery').map((e) => e.value))];
  t.deepEqual(r.s.recoveries.map((x) => x.epoch), done, 'one ft-recovery report per completed recovery');
  for (const x of r.s.recoveries) {
    const ev = named(r, 'recovery').find((e) => e.value === x.epoch)!;
    t.true(ev.detail.startsWith(`gen=${x.generation} `), `epoch ${x.epoch}: ${ev.detail}`);
  }
}

test('a worker crashed at any iteration is replaced by the spare; Laplace ends with the fault-free digest', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: ITERS - 1 }), fc.integer({ min: 1, max: 1000 }), async (board, iter, seed) => {
      const r = await ftLaplace({ fault: [`crash:${board}@iter=${iter}`], seed: String(seed) });
      identical(t, r);
      t.is(r.s.recoveries.length, 1, 'one recovery');
      const rec = r.s.recoveries[0]!;
      t.deepEqual(rec.failed, [board]);
      t.deepEqual(rec.ranks, [board]);
      t.deepEqual(rec.replacements, [4], 'the spare (node 4) holds the rank now');
      t.true(rec.generation * 10 <= iter, `rolled back to a checkpoint taken before the crash (gen ${rec.generation}, crash at ${iter})`);
      t.true(rec.detectMs > 0 && rec.restoreMs >= 0 && rec.totalMs === rec.detectMs + rec.restoreMs);
      t.is(r.s.app.results[board], null, 'the spare reported the rank\'s result');
      t.is(r.s.boards[4]!.lastEvent?.name, 'app-result');
      recoveriesReported(t, r);
      return true;
    }),
    { seed: 20260101, numRuns: 6 },
  );
});

test('every board reports its FT figures with its result (the summary\'s checkpoint figures)', async (t) => {
  const r = await ftLaplace({ fault: ['crash:2@iter=14'] });
  identical(t, r);
  // ft-stats events are sent only with a result (or a stop): the figures prove they arrived.
  t.is(r.s.checkpoints.count, 3, 'checkpoints at 10, 20 and 30');
  t.true(r.s.checkpoints.bytesSent > 0 && r.s.checkpoints.bytesSent <= r.s.checkpoints.fullImageBytes * 1.1);
  t.true(r.s.checkpoints.memoryMultiple >= 2 && r.s.checkpoints.memoryMultiple < 6, `memory multiple ${r.s.checkpoints.memoryMultiple}`);
});

test('a crash while a rank sends its checkpoint data (ckpt-send) is recovered', async (t) => {
  const r = await ftLaplace({ fault: ['crash:2@ckpt-send'] });
  identical(t, r);
  t.deepEqual(r.s.recoveries.map((x) => x.failed), [[2]]);
  t.is(r.s.recoveries[0]!.generation, 0, 'the first checkpoint never committed: back to the start');
});

test('the coordinator crashed at ckpt-commit (the commit reached one board) is recovered', async (t) => {
  const r = await ftLaplace({ fault: ['crash:0@ckpt-commit'] });
  identical(t, r);
  const rec = r.s.recoveries[0]!;
  t.deepEqual(rec.failed, [0]);
  t.deepEqual(rec.replacements, [4]);
  t.is(rec.generation, 1, 'the board that got the commit had it: generation 1 is kept');
  recoveriesReported(t, r);
  t.is(named(r, 'app-result').find((e) => e.value === 0)?.board, 4, 'the spare runs rank 0 now');
});

test('a board crashed as it commits (ckpt-commit) is recovered', async (t) => {
  const r = await ftLaplace({ fault: ['crash:1@ckpt-commit'] });
  identical(t, r);
  t.deepEqual(r.s.recoveries.map((x) => x.failed), [[1]]);
});

test('the coordinator (board 0) crashed mid-run is replaced', async (t) => {
  const r = await ftLaplace({ fault: ['crash:0@iter=17'] });
  identical(t, r);
  t.deepEqual(r.s.recoveries.map((x) => [x.failed, x.ranks, x.replacements]), [[[0], [0], [4]]]);
  t.deepEqual(r.s.app.result, { digest: EXPECTED, n: N, iters: ITERS, boards: 4 }, 'rank 0\'s result, now from node 4');
});

test('the buddy of a rank (board 3 keeps rank 2\'s copy) crashed is replaced and the copies rebuilt', async (t) => {
  const r = await ftLaplace({ fault: ['crash:3@iter=23'] });
  identical(t, r);
  const rec = r.s.recoveries[0]!;
  t.deepEqual(rec.failed, [3]);
  t.true(rec.bytes > 0, 'rank 3\'s image and rank 2\'s buddy copy were sent to the spare');
});

test('a crashed spare is not missed; the next failure takes the other spare', async (t) => {
  const r = await ftLaplace({ spares: '2', fault: ['crash:4@200ms', 'crash:1@iter=21'] });
  identical(t, r);
  t.deepEqual(r.s.recoveries.map((x) => [x.failed, x.replacements]), [[[1], [5]]]);
});

test('the recovery coordinator crashed while it sends a copy (recovery-transfer) is recovered with two buddies', async (t) => {
  const r = await ftLaplace({ spares: '2', options: { ft: { buddies: 2 } }, fault: ['crash:2@iter=15', 'crash:0@recovery-transfer'] });
  identical(t, r);
  t.is(r.s.faults.filter((f) => f.effect === 'crash').length, 2, 'both crashes happened');
  const last = r.s.recoveries[r.s.recoveries.length - 1]!;
  t.deepEqual([...last.failed].sort(), [0, 2]);
  t.deepEqual([...last.replacements].sort(), [4, 5]);
  recoveriesReported(t, r);
});

test('with one buddy, losing the only holder during the recovery stops the run: unrecoverable, never a wrong digest', async (t) => {
  const r = await ftLaplace({ spares: '2', fault: ['crash:2@iter=15', 'crash:3@recovery-transfer'] });
  t.false(r.s.ok);
  t.regex(r.s.reason, /unrecoverable: checkpoint of rank 2 lost \(node 2 and its buddy node 3 failed\)/);
});

test('no spare, the app allows shrinking: a survivor takes the rank (two ranks on one board)', async (t) => {
  const r = await ftLaplace({ spares: '0', options: { ft: { shrink: true } }, fault: ['crash:2@iter=15'] });
  identical(t, r);
  const rec = r.s.recoveries[0]!;
  t.true(rec.shrink);
  t.deepEqual(rec.ranks, [2]);
  t.deepEqual(rec.replacements, [3], 'rank 2 goes to the board that held its copy');
  t.is(r.s.app.results[2], null);
  t.is(r.s.app.results[3], null);
});

test('no spare and no shrink: a clean error naming the failed rank, quickly', async (t) => {
  const r = await ftLaplace({ spares: '0', fault: ['crash:2@iter=15'] });
  t.false(r.s.ok);
  t.regex(r.s.reason, /rank 2 \(node 2\) failed and no spare is available; the app does not allow running on fewer boards/);
  t.true(r.s.virtualMs < 15_000, `stopped at ${r.s.virtualMs} ms, not at a DSM timeout`);
  t.true(named(r, 'ft-stop').length >= 1, 'FT stopped');
  t.regex(r.s.boards[0]!.haltReason ?? '', /^ft: rank 2 \(node 2\) failed/, 'the coordinator halted with the reason');
});

test('a board and its only buddy crashing together: "unrecoverable: checkpoint of rank 2 lost"', async (t) => {
  const r = await ftLaplace({ spares: '2', fault: ['crash:2@iter=15', 'crash:3@iter=15'] });
  t.false(r.s.ok);
  t.regex(r.s.reason, /unrecoverable: checkpoint of rank 2 lost/);
  t.is(r.digest, null, 'no result');
});

test('with two buddies the same double crash is recovered', async (t) => {
  const r = await ftLaplace({ spares: '2', options: { ft: { buddies: 2 } }, fault: ['crash:2@iter=15', 'crash:3@iter=15'] });
  identical(t, r);
  t.deepEqual(r.s.recoveries.map((x) => [...x.failed].sort()), [[2, 3]]);
  t.deepEqual([...r.s.recoveries[0]!.replacements].sort(), [4, 5]);
});

test('a second failure after a recovery is survived too (the copies were rebuilt)', async (t) => {
  const r = await ftLaplace({ spares: '2', fault: ['crash:2@iter=12', 'crash:1@iter=25'] });
  identical(t, r);
  t.deepEqual(r.s.recoveries.map((x) => [x.epoch, x.failed, x.replacements]), [[1, [2], [4]], [2, [1], [5]]]);
  recoveriesReported(t, r);
});

test('a checkpoint period that is not a multiple of the crash point, with odd restart iterations', async (t) => {
  const r = await ftLaplace({ every: 7, fault: ['crash:1@iter=23'] });
  identical(t, r);
  t.is(r.s.recoveries[0]!.generation, 3, 'back to iteration 21');
  t.is(r.s.recoveries[0]!.lostIterations, 2);
});

test('no false suspicion in a long fault-free run over lossy links (1% loss, a ring)', async (t) => {
  const iters = 500;
  const r = await ftLaplace({ iters, topology: 'ring', link: 'uart:921600,loss=0.01', seed: '3' });
  t.true(r.s.ok, r.s.reason);
  t.is(r.digest, expectedDigest(N, iters));
  t.true(r.s.links.some((l) => l.lost > 0), 'frames were lost');
  // 500 iterations: ~10 s (9.99 s since background deltas stream only while the boards compute;
  // 7.4 s since Laplace's homes are page-aligned and no barrier waits for a DIFF's ack), many
  // times the 2 s detection timeout.
  t.true(r.s.virtualMs > 6_000, `a long run (${r.s.virtualMs} ms virtual)`);
  t.deepEqual(named(r, 'suspect'), [], 'nobody suspected');
  t.deepEqual(r.s.recoveries, []);
  t.true(r.s.checkpoints.count >= 40);
});

test('without spares or shrink Laplace takes no checkpoints by default, but does with --ckpt-every', async (t) => {
  const quiet = await ftLaplace({ spares: '0' });
  t.true(quiet.s.ok, quiet.s.reason);
  t.is(quiet.digest, EXPECTED);
  t.is(quiet.s.checkpoints.count, 0);
  const asked = await ftLaplace({ spares: '0', every: 10 });
  t.is(asked.digest, EXPECTED);
  t.is(asked.s.checkpoints.count, 3);
});

test('an app without FT runs next to spares: the spares host FT and the app starts from it', async (t) => {
  const { runDomain } = await import('../../host-sim/sim/run.js');
  const s = await runDomain({ app: 'pingpong', appArgs: ['--rounds', '3'], boards: '3', spares: '1', engine: 'node', topology: 'ring' });
  t.true(s.ok, s.reason);
  t.is(Object.keys(s.app.results).length, 3);
});
