/** Failure detection: no false suspicion over long lossy runs; bounded detection time. */
import test from 'ava';
import { Cluster } from './cluster.js';
import type { AppSpec } from './cluster.js';
import { Detector } from '../../src/ft/detector.js';

test('no false suspicion in a long fault-free run over links that lose 1% of frames', async (t) => {
  // 120 s of virtual time on a ring of UART-like stream links, checkpoints every 50 iterations.
  const spec: AppSpec = { size: 16 * 1024, iters: 1200, every: 50, frac: 0.01, iterMs: 100 };
  const c = new Cluster({
    boards: 4,
    spares: 1,
    seed: 41,
    kind: 'stream',
    wire: { loss: 0.01, latencyMs: 2, bytesPerMs: 92, chunkMax: 100_000 },
    net: { helloMs: 100 },
    ft: { heartbeatMs: 250, timeoutMs: 2000 },
  });
  c.spec = spec;
  t.true(await c.runUntil(() => c.finished(), 200_000));
  t.true(c.now >= 120_000);
  t.deepEqual(c.wrong(spec), []);
  t.is(c.ofName('suspect').length, 0, 'nobody was suspected');
  t.is(c.ofName('recovery').length, 0);
  const retransmits = c.nodes.reduce((a, n) => a + c.net.net(n).stats().retransmits, 0);
  t.true(retransmits > 0, 'the loss was real');
  const s = c.ft.get(0)!.stats();
  t.is(s.checkpoints.count, 24);
  t.true(s.heartbeatsSent >= 120_000 / 250 - 5);
});

test('detection time is bounded by the timeout plus a heartbeat', async (t) => {
  // Heartbeats go to ring neighbours only: the victim's two neighbours suspect it by silence,
  // the board that coordinates hears of it from them (or from routing), and the recovery
  // starts within the same bound as when every board heard every heartbeat.
  const spec: AppSpec = { size: 1024, iters: 200, every: 0, frac: 0.01, iterMs: 10 };
  for (const [i, victim] of [1, 3].entries()) {
    const c = new Cluster({ boards: 4, spares: 1, seed: 50 + i });
    c.spec = spec;
    await c.run(500 + i * 37);
    const at = c.now;
    c.crash(victim);
    await c.runUntil(() => c.ofName('recovery').length > 0 || c.now - at > 5000, 6000);
    const first = c.ofName('suspect').filter((e) => e.value === victim);
    const neighbours = [(victim + 4) % 5, (victim + 1) % 5];
    t.deepEqual([...new Set(first.map((e) => e.node))].filter((n) => neighbours.includes(n)).sort(), neighbours.sort(), 'both ring neighbours suspect it');
    for (const e of first) t.true(e.at - at <= 800 + 100 + 60, `suspected after ${e.at - at} ms`);
    t.true(Math.min(...first.map((e) => e.at)) - at >= 800 - 100, 'not before the timeout');
    const rec = c.ofName('recovery');
    // The recovery (ended by the 'recovery' event) puts the victim out within the bound plus a restore.
    t.true(rec.length > 0 && rec[0]!.at - at <= 800 + 100 + 60 + 200, `recovery at ${rec[0]?.at ?? NaN} ms, the crash at ${at}`);
    t.regex(rec[0]?.detail ?? '', new RegExp(`failed=${victim}\\b`));
  }
});

test('detector: silence with a route is tolerated up to the hard limit; a stalled board blames nobody', (t) => {
  const d = new Detector(0, 1000, 5000, 3000);
  d.watch(1, 0);
  d.watch(2, 0);
  d.heard(1, 100);
  d.heard(2, 100);
  t.deepEqual(d.expire(1000, [1, 2], () => true), []);
  t.deepEqual(d.expire(1200, [1, 2], (n) => n !== 2), [2], 'silent and unreachable');
  t.deepEqual(d.expire(3000, [1, 2], () => true), []);
  t.deepEqual(d.expire(3200, [1, 2], () => true), [1], 'silent past the hard limit even with a route');
  const e = new Detector(0, 1000, 5000);
  e.watch(1, 0);
  t.deepEqual(e.expire(4000, [1]), [], 'never heard: the start grace applies');
  t.deepEqual(e.expire(5001, [1]), [1]);
  const f = new Detector(0, 1000, 5000);
  f.heard(1, 0);
  f.watch(1, 0);
  f.heard(1, 10);
  f.stalled(9000);
  t.deepEqual(f.expire(9500, [1]), [], 'our own stall does not count against it');
});
