/**
 * Coordinated checkpoints on real network layers: the two-phase commit, incremental data,
 * memory, bad calls, and crashes at each phase (`ckpt-send`, `ckpt-commit` on a participant
 * and on the coordinator) — after every one of them the run ends with the fault-free result.
 */
import test from 'ava';
import { Cluster, expected } from './cluster.js';
import type { AppSpec } from './cluster.js';
import { FtError } from '../../src/ft/types.js';
import { COMPUTE_HOLD_MS } from '../../src/ft/transfer.js';
import type { FtRun } from '../../src/ft/run.js';
import { FS_HOLD_TIMER } from '../../src/ft/state-numbers.js';

const SPEC: AppSpec = { size: 8192, iters: 30, every: 5, frac: 0.02, iterMs: 20 };

type Outcome = { ok: true } | { ok: false; error: Error };

function settle(p: Promise<unknown>): { result: Outcome | null } {
  const box: { result: Outcome | null } = { result: null };
  p.then(
    () => (box.result = { ok: true }),
    (error: Error) => (box.result = { ok: false, error }),
  );
  return box;
}

async function started(c: Cluster, boards: number): Promise<FtRun[]> {
  await c.runUntil(() => c.runs.size === boards, 10_000);
  return [...Array(boards).keys()].map((r) => c.runs.get(r) as FtRun);
}

test('fault-free: every rank checkpoints together, buddies hold the copies, the result is right', async (t) => {
  const c = new Cluster({ boards: 4, spares: 1, seed: 1 });
  c.spec = SPEC;
  t.true(await c.runUntil(() => c.finished(), 60_000));
  t.deepEqual(c.wrong(SPEC), []);
  t.deepEqual(c.errors, []);
  const gens = c.live().map((f) => f.generation);
  t.deepEqual(gens, [6, 6, 6, 6, 0], 'six checkpoints on every member; the spare holds none');
  t.is(c.ofName('suspect').length, 0);
  for (let n = 0; n < 4; n++) {
    const s = c.ft.get(n)!.stats();
    t.deepEqual(s.buddies, [(n + 1) % 4]);
    t.deepEqual(s.wards, [(n + 3) % 4]);
    t.is(s.checkpoints.count, 6);
    t.is(s.memory.ownBytes, s.memory.wardBytes, 'own copy and the ward’s copy have the same size');
    t.is(s.memory.pendingBytes, 0, 'nothing tentative between checkpoints');
  }
  // Events come in protocol order on every board.
  const first = c.events.filter((e) => e.node === 1 && e.name.startsWith('ckpt-')).slice(0, 2).map((e) => e.name);
  t.deepEqual(first, ['ckpt-send', 'ckpt-commit']);
});

test('incremental: after the first full copy only the changed spans cross, and memory stays ≤ 2.3× the state', async (t) => {
  const spec: AppSpec = { size: 32 * 1024, iters: 40, every: 5, frac: 0.02, iterMs: 20 };
  const c = new Cluster({ boards: 4, seed: 2 });
  c.spec = spec;
  t.true(await c.runUntil(() => c.finished(), 60_000));
  t.deepEqual(c.wrong(spec), []);
  const s = c.ft.get(1)!.stats();
  const ck = s.checkpoints;
  // Per checkpoint at most 5 iterations × 2% of the state change.
  t.true(ck.lastChangedBytes <= 0.1 * spec.size + 64, `changed ${ck.lastChangedBytes}`);
  t.true(ck.lastBytesSent <= 1.05 * ck.lastChangedBytes + 64, `sent ${ck.lastBytesSent} for ${ck.lastChangedBytes} changed`);
  t.true(ck.bytesSent < 0.35 * ck.fullImageBytes, `all rounds: ${ck.bytesSent} sent vs ${ck.fullImageBytes} of full images`);
  t.true(s.memory.peakMultiple <= 2.3, `memory multiple at the commit peak ${s.memory.peakMultiple.toFixed(2)}`);
  t.true(s.memory.peakMultiple >= 2.0, 'own copy + a ward copy at least');
  t.is(Math.round(s.memory.multiple * 100) / 100, 2, 'between checkpoints: own + one buddy copy');
  t.log(`sent ${ck.bytesSent} B over ${ck.count} checkpoints of ${ck.fullImageBytes} B full images; peak multiple ${s.memory.peakMultiple.toFixed(2)}`);
});

test('two buddies: each rank has copies on the next two boards, and memory is about 3× the state', async (t) => {
  const c = new Cluster({ boards: 4, seed: 3, ft: { buddies: 2 } });
  c.spec = SPEC;
  t.true(await c.runUntil(() => c.finished(), 60_000));
  t.deepEqual(c.wrong(SPEC), []);
  const s = c.ft.get(0)!.stats();
  t.deepEqual(s.buddies, [1, 2]);
  t.deepEqual(s.wards, [2, 3]);
  t.is(Math.round(s.memory.multiple * 100) / 100, 3);
  t.true(s.memory.peakMultiple <= 3.45, `peak ${s.memory.peakMultiple}`);
});

test('a checkpoint called by only some ranks times out naming the missing ones; the previous one stays', async (t) => {
  const c = new Cluster({ boards: 4, seed: 4, ft: { checkpointTimeoutMs: 2000 } });
  const runs = await started(c, 4);
  const first = runs.map((r) => settle(r.checkpoint({ k: 1 }, 1)));
  t.true(await c.runUntil(() => first.every((b) => b.result !== null), 5_000));
  t.true(first.every((b) => b.result?.ok === true));
  t.is(c.ft.get(0)!.generation, 1);
  const t0 = c.now;
  const partial = [0, 1, 3].map((r) => settle(runs[r]!.checkpoint({ k: 2 }, 2)));
  t.true(await c.runUntil(() => partial.every((b) => b.result !== null), 10_000));
  for (const b of partial) {
    t.false(b.result!.ok);
    const e = (b.result as { error: Error }).error;
    t.true(e instanceof FtError && e.code === 'ABORTED');
    t.regex(e.message, /checkpoint 2 aborted: timed out after 2000 ms: rank 2 did not call checkpoint/);
  }
  t.true(c.now - t0 >= 2000 && c.now - t0 < 2500, 'after the configured timeout');
  await c.run(50); // the ABORT reaches rank 2's board too
  for (const f of c.live()) t.is(f.generation, 1, 'generation 1 is still the current one');
  for (const f of c.live()) t.is(f.stats().memory.pendingBytes, 0, 'tentative data dropped');
  // Everyone again: the next round commits.
  const again = runs.map((r) => settle(r.checkpoint({ k: 3 }, 3)));
  t.true(await c.runUntil(() => again.every((b) => b.result !== null), 5_000));
  t.true(again.every((b) => b.result?.ok === true));
  t.true(c.live().every((f) => f.generation === 3));
});

test('state that cannot be saved fails at the call, and the others fail fast instead of waiting', async (t) => {
  const c = new Cluster({ boards: 3, seed: 5, ft: { checkpointTimeoutMs: 20_000 } });
  const runs = await started(c, 3);
  const t0 = c.now;
  const bad = settle(runs[1]!.checkpoint({ k: 1, f: (() => 1) as never }, 1));
  const good = [0, 2].map((r) => settle(runs[r]!.checkpoint({ k: 1 }, 1)));
  await c.runUntil(() => bad.result !== null, 10);
  t.false(bad.result!.ok);
  t.regex((bad.result as { error: Error }).error.message, /checkpoint state\.f: a function cannot be saved/);
  t.true(await c.runUntil(() => good.every((b) => b.result !== null), 30_000));
  for (const b of good) t.regex((b.result as { error: Error }).error.message, /rank 1 \(node 1\) could not checkpoint: checkpoint state\.f: a function/);
  t.true(c.now - t0 < 1000, 'well before the timeout');
  t.true(c.live().every((f) => f.generation === 0));
  // A second call on the same rank while one is running is refused.
  const a = settle(runs[0]!.checkpoint({ k: 2 }, 2));
  const b = settle(runs[0]!.checkpoint({ k: 2 }, 2));
  await c.runUntil(() => b.result !== null, 10);
  t.regex((b.result as { error: Error }).error.message, /rank 0 already has a checkpoint in progress/);
  void a;
});

test('checkpoint memory is bounded: a round that would exceed the limit fails with the limit named', async (t) => {
  const c = new Cluster({ boards: 3, seed: 6, ft: { maxStoreBytes: 12_000 } });
  const runs = await started(c, 3);
  const data = new Uint8Array(8000);
  for (const r of runs) r.addContent({ prefix: 'data', capture: () => [{ name: 'data/x', bytes: data }], restore: () => undefined });
  const out = runs.map((r) => settle(r.checkpoint(null, 1)));
  t.true(await c.runUntil(() => out.every((b) => b.result !== null), 10_000));
  t.true(out.every((b) => b.result?.ok === false));
  t.regex((out[0]!.result as { error: Error }).error.message, /checkpoint memory limit 12000 bytes|exceed its limit of 12000 bytes/);
  t.true(c.live().every((f) => f.generation === 0));
  t.true(c.live().every((f) => f.stats().memory.totalBytes <= 12_000));
});

test('background: the call resolves at capture, before the commit; the next call waits for the decision instead of failing BUSY', async (t) => {
  const c = new Cluster({ boards: 3, seed: 11 });
  const runs = await started(c, 3);
  const data = runs.map((_, r) => new Uint8Array(4096).fill(r + 1));
  runs.forEach((run, r) => run.addContent({ prefix: 'data', capture: () => [{ name: 'data/x', bytes: data[r]! }], restore: () => undefined }));
  const first = runs.map((run) => settle(run.checkpoint({ k: 1 }, 1, { background: true })));
  t.true(await c.runUntil(() => first.every((b) => b.result !== null), 5));
  t.true(first.every((b) => b.result?.ok === true));
  t.true(c.live().every((f) => f.generation === 0), 'resolved before the round committed');
  // The app writes on at once; a second call queues behind the open round.
  for (const d of data) d.fill(0xee);
  const second = runs.map((run) => settle(run.checkpoint({ k: 2 }, 2, { background: true })));
  t.true(await c.runUntil(() => c.live().every((f) => f.generation === 2) && second.every((b) => b.result !== null), 20_000));
  t.true(second.every((b) => b.result?.ok === true), 'no BUSY: the second call waited for the first round');
  const s = c.ft.get(0)!.stats();
  t.is(s.checkpoints.count, 2);
  // Rank 0's second delta is its whole 4 KiB (plus a byte of the app state): the first round
  // committed the bytes captured (all 1), not the 0xee written after its call resolved.
  const d = s.checkpoints.lastChangedBytes;
  t.true(d >= 4096 && d < 4096 + 16, `second delta ${d} B`);
  // A blocking call resolves at the commit; a second call behind a blocking one is refused, as before.
  const third = runs.map((run, r) => settle(run.checkpoint({ k: 3 }, 3, r === 0 ? undefined : { background: true })));
  const fourth = settle(runs[0]!.checkpoint({ k: 4 }, 4));
  t.true(await c.runUntil(() => third[0]!.result !== null, 20_000));
  t.true(third[0]!.result?.ok === true);
  t.is(c.ft.get(0)!.generation, 3, 'a blocking call resolves at the commit');
  t.regex((fourth.result as { error: Error }).error.message, /rank 0 already has a checkpoint in progress/);
});

test('background checkpoints with a lending content: fault-free and after crashes at random moments, the fault-free result (recovery resumes from the last committed generation)', async (t) => {
  const spec: AppSpec = { ...SPEC, background: true, lend: true };
  const c0 = new Cluster({ boards: 4, spares: 1, seed: 21 });
  c0.spec = spec;
  // The last round (k = 30) commits after the app has ended.
  t.true(await c0.runUntil(() => c0.finished() && c0.live().every((f, n) => n === 4 || f.generation === 6), 60_000));
  t.deepEqual(c0.wrong(spec), []);
  t.deepEqual(c0.errors, [], 'the lend is given back at capture: the app writes on at once');
  t.deepEqual(c0.live().map((f) => f.generation), [6, 6, 6, 6, 0]);
  for (let i = 0; i < 6; i++) {
    const c = new Cluster({ boards: 4, spares: 1, seed: 200 + i });
    c.spec = spec;
    const victim = (i * 3 + 1) % 4;
    const at = 150 + ((i * 277) % 500);
    await c.run(at);
    c.crash(victim);
    t.true(await c.runUntil(() => c.finished(), 60_000), `case ${i}`);
    t.deepEqual(c.wrong(spec), [], `case ${i}: node ${victim} at ${at} ms`);
    t.deepEqual(c.errors, []);
    const rec = c.live().map((f) => f.stats().recoveries).find((r) => r.length > 0);
    t.truthy(rec, `case ${i}: a recovery happened`);
  }
  // Crashes at the protocol's phases of a background round.
  for (const [node, name, round, seed] of [[2, 'ckpt-send', 3, 31], [2, 'ckpt-commit', 3, 32], [0, 'ckpt-commit', 3, 33]] as const) {
    const c = new Cluster({ boards: 4, spares: 1, seed });
    c.spec = spec;
    c.crashOn(node, name, round);
    t.true(await c.runUntil(() => c.finished(), 60_000), `${name} on ${node}`);
    t.deepEqual(c.wrong(spec), [], `${name} on ${node}`);
    t.deepEqual(c.errors, []);
  }
});

/** Run SPEC, crash `node` at its `nth` `name` event, and check the run still ends right. */
async function crashAt(t: import('ava').ExecutionContext, node: number, name: string, round: number, seed: number): Promise<Cluster> {
  const c = new Cluster({ boards: 4, spares: 1, seed });
  c.spec = SPEC;
  c.crashOn(node, name, round);
  t.true(await c.runUntil(() => c.finished(), 60_000), 'finished');
  t.deepEqual(c.wrong(SPEC), []);
  t.deepEqual(c.errors, []);
  t.is(c.stops.size, 0);
  return c;
}

test('crash at ckpt-send: the round never commits; everyone returns to the one before', async (t) => {
  const c = await crashAt(t, 2, 'ckpt-send', 3, 7);
  const rec = c.ft.get(0)!.stats().recoveries;
  t.is(rec.length, 1);
  t.is(rec[0]!.generation, 2);
  t.deepEqual(rec[0]!.failed, [2]);
  t.deepEqual(rec[0]!.replacements, [4]);
});

test('crash of a participant at ckpt-commit: the others committed, so the round is kept', async (t) => {
  const c = await crashAt(t, 2, 'ckpt-commit', 3, 8);
  const rec = c.ft.get(0)!.stats().recoveries;
  t.is(rec.length, 1);
  t.is(rec[0]!.generation, 3, 'rank 2’s tentative copy at its buddy is committed');
});

test('crash of the coordinator at ckpt-commit, after COMMIT reached one board only', async (t) => {
  const c = await crashAt(t, 0, 'ckpt-commit', 3, 9);
  const rec = c.ft.get(1)!.stats().recoveries;
  t.is(rec.length, 1);
  t.is(rec[0]!.generation, 3, 'node 1 had committed 3: every holder of 3 commits it');
  t.deepEqual(rec[0]!.failed, [0]);
  t.is(c.ft.get(1)!.stats().coordinator, 1, 'node 1 coordinates now');
});

test('crash of the coordinator at ckpt-send: nobody committed the round, so it is dropped', async (t) => {
  const c = await crashAt(t, 0, 'ckpt-send', 4, 10);
  const rec = c.ft.get(1)!.stats().recoveries;
  t.is(rec[0]!.generation, 3);
});

test('crashes at random moments always end with the fault-free result', async (t) => {
  for (let i = 0; i < 6; i++) {
    const c = new Cluster({ boards: 4, spares: 1, seed: 100 + i });
    c.spec = SPEC;
    const victim = (i * 3) % 4;
    const at = 150 + ((i * 277) % 500);
    await c.run(at);
    c.crash(victim);
    t.true(await c.runUntil(() => c.finished(), 60_000), `case ${i}`);
    t.deepEqual(c.wrong(SPEC), [], `case ${i}: node ${victim} at ${at} ms`);
    t.deepEqual(c.errors, []);
  }
  t.is(expected(SPEC, 0).length, 8);
});

test('a content that lends its bytes saves the tentative copy: memory peaks at 2 + d, not 2 + 2d', async (t) => {
  const run = async (lend: boolean): Promise<{ peak: number; changed: number; full: number }> => {
    const spec: AppSpec = { size: 32 * 1024, iters: 20, every: 5, frac: 0.06, iterMs: 20, lend };
    const c = new Cluster({ boards: 4, seed: 12 });
    c.spec = spec;
    t.true(await c.runUntil(() => c.finished(), 60_000));
    t.deepEqual(c.wrong(spec), []);
    t.deepEqual(c.errors, [], 'nothing was written while lent');
    const s = c.ft.get(2)!.stats();
    t.is(s.memory.lentBytes, 0, 'everything given back');
    return { peak: s.memory.peakMultiple, changed: s.checkpoints.lastChangedBytes, full: s.checkpoints.lastFullImageBytes };
  };
  const copied = await run(false);
  const lent = await run(true);
  const d = lent.changed / lent.full;
  t.true(d > 0.2 && d < 0.35, `changed share ${d.toFixed(2)}`);
  t.true(Math.abs(copied.peak - (2 + 2 * d)) < 0.02, `copied: ${copied.peak.toFixed(3)} vs ${(2 + 2 * d).toFixed(3)}`);
  t.true(Math.abs(lent.peak - (2 + d)) < 0.02, `lent: ${lent.peak.toFixed(3)} vs ${(2 + d).toFixed(3)}`);
  t.true(lent.peak <= 2.3);
});

test('a background delta streams only while the app computes: sent within a compute burst, held after its last yield until COMPUTE_HOLD_MS', async (t) => {
  /** ms from a background call to its commit; the call comes right after yield `after` (0..3) of the app's third compute burst. */
  const commitAfter = async (streamWhileComputing: boolean, after: number): Promise<number> => {
    const c = new Cluster({ boards: 2, seed: 21, ft: { streamWhileComputing } });
    const runs = await started(c, 2);
    runs.forEach((run, r) => run.addContent({ prefix: 'data', capture: () => [{ name: 'data/x', bytes: new Uint8Array(8192).fill(r + 1) }], restore: () => undefined }));
    const loop = c.net.loop;
    const t0 = loop.now() + 10;
    // Compute bursts of 4 yields 20 ms apart, 100 ms of "communication" between them; then none.
    for (let b = 0; b < 3; b++) for (let i = 0; i < 4; i++) loop.schedule(t0 + b * 160 + i * 20, () => runs.forEach((run) => void run.yield()));
    await c.runUntil(() => loop.now() >= t0 + 320 + after * 20 + 1, 1000);
    const calledAt = loop.now();
    runs.forEach((run) => void run.checkpoint({ k: 1 }, 1, { background: true }).catch(() => undefined));
    t.true(await c.runUntil(() => c.live().every((f) => f.generation === 1), 5000));
    return loop.now() - calledAt;
  };
  const free = await commitAfter(false, 3);
  const computing = await commitAfter(true, 1);
  const held = await commitAfter(true, 3);
  t.log(`commit after the call: ${free} ms without the gate, ${computing} ms mid-burst, ${held} ms after the burst`);
  t.true(free < 100, `without the gate: committed after ${free} ms`);
  t.true(computing < 100, `called mid-burst: committed after ${computing} ms`);
  t.true(held >= 400 && held < 900, `called after the burst's last yield: held until ~${COMPUTE_HOLD_MS} ms after it, committed after ${held} ms`);
});

test('an iteration end the app reports ends its compute burst: a short communication gap does not merge bursts and hold a background delta', async (t) => {
  /** ms from a background call (at an iteration's end, after its report) to its commit. */
  const commitAfter = async (report: boolean): Promise<number> => {
    const c = new Cluster({ boards: 2, seed: 21 });
    const runs = await started(c, 2);
    runs.forEach((run, r) => run.addContent({ prefix: 'data', capture: () => [{ name: 'data/x', bytes: new Uint8Array(8192).fill(r + 1) }], restore: () => undefined }));
    const loop = c.net.loop;
    const t0 = loop.now() + 10;
    // Bursts of 4 yields 20 ms apart. The first two end in 100 ms of communication (the gap
    // rule learns 4 yields a burst); then only 35 ms, under twice the yield gap, as with
    // Laplace on udp with pushed halos (docs/PERFORMANCE.md, Round 8: checkpoint overhead on udp).
    const starts: number[] = [];
    for (let b = 0, at = t0; b < 10; b++) {
      starts.push(at);
      at += 60 + (b < 2 ? 100 : 35);
    }
    starts.forEach((at, b) => {
      for (let i = 0; i < 4; i++) loop.schedule(at + i * 20, () => runs.forEach((run) => void run.yield()));
      if (report && b > 0) loop.schedule(at - 5, () => runs.forEach((run) => run.report(b)));
    });
    await c.runUntil(() => loop.now() >= starts[5]! - 3, 2000);
    const calledAt = loop.now();
    runs.forEach((run) => void run.checkpoint({ k: 5 }, 5, { background: true }).catch(() => undefined));
    t.true(await c.runUntil(() => c.live().every((f) => f.generation === 1), 5000));
    return loop.now() - calledAt;
  };
  // Without the iteration ends (before this round) the merged bursts looked like one long
  // burst past its last yield: the delta was held until the app stopped yielding (~1 s here).
  const reported = await commitAfter(true);
  const atCallOnly = await commitAfter(false);
  t.log(`commit after the call: ${reported} ms with every iteration's end reported, ${atCallOnly} ms with the call's only`);
  t.true(reported < 100, `sent from the next burst's first yield: committed after ${reported} ms`);
  t.true(atCallOnly < 100, `the checkpoint call is an iteration's end too: committed after ${atCallOnly} ms`);
});

test('stop() clears the timer that holds a background delta for the compute phase', async (t) => {
  const c = new Cluster({ boards: 2, seed: 21 });
  const runs = await started(c, 2);
  runs.forEach((run, r) => run.addContent({ prefix: 'data', capture: () => [{ name: 'data/x', bytes: new Uint8Array(8192).fill(r + 1) }], restore: () => undefined }));
  const loop = c.net.loop;
  const t0 = loop.now() + 10;
  // Two compute bursts of 4 yields; the call comes after the second burst's last yield, so its delta is held.
  for (let b = 0; b < 2; b++) for (let i = 0; i < 4; i++) loop.schedule(t0 + b * 160 + i * 20, () => runs.forEach((run) => void run.yield()));
  await c.runUntil(() => loop.now() >= t0 + 160 + 3 * 20 + 1, 1000);
  runs.forEach((run) => void run.checkpoint({ k: 1 }, 1, { background: true }).catch(() => undefined));
  await c.runUntil(() => false, 20);
  const hold = (n: number): number => (c.ft.get(n) as unknown as { ft: { figs: number[] } }).ft.figs[FS_HOLD_TIMER]!;
  t.true(c.nodes.some((n) => hold(n) >= 0), 'a delta is held after the burst');
  for (const n of c.nodes) c.ft.get(n)!.stop();
  t.deepEqual(c.nodes.map(hold), c.nodes.map(() => -1));
});
