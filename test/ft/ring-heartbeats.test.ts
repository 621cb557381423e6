/**
 * Heartbeats on a ring (docs/FT.md §6, docs/PERFORMANCE.md "Round 8: heartbeats"): a member
 * sends its heartbeat to its two ring neighbours, not to every board, so what a board sends
 * and receives per period does not grow with the number of boards; a crash anywhere on the
 * ring is still detected, and recovered, within the bound; boards that do not exchange
 * heartbeats judge each other by routing.
 */
import test from 'ava';
import { Cluster } from './cluster.js';
import type { AppSpec } from './cluster.js';
import { Detector, P_MONITORED } from '../../src/ft/detector.js';
import { FrameType } from '../../src/wire/frame-types.js';

const HB_MS = 100;

async function perPeriod(boards: number): Promise<{ received: number; sent: number; wire: number }> {
  const spec: AppSpec = { size: 512, iters: 400, every: 0, frac: 0.01, iterMs: 10 };
  const c = new Cluster({ boards, seed: 7 + boards, kind: 'stream', wire: { latencyMs: 1, bytesPerMs: 92 } });
  c.spec = spec;
  await c.run(1000);
  const before = c.nodes.map((n) => c.ft.get(n)!.stats());
  const wire0 = c.nodes.reduce((a, n) => a + c.net.net(n).stats().framesOut, 0);
  await c.run(2000);
  const after = c.nodes.map((n) => c.ft.get(n)!.stats());
  const wire1 = c.nodes.reduce((a, n) => a + c.net.net(n).stats().framesOut, 0);
  const periods = 2000 / HB_MS;
  let received = 0;
  let sent = 0;
  for (let i = 0; i < boards; i++) {
    received = Math.max(received, (after[i]!.heartbeatsReceived - before[i]!.heartbeatsReceived) / periods);
    sent = Math.max(sent, (after[i]!.framesOut - before[i]!.framesOut) / periods);
  }
  t0(c);
  return { received, sent, wire: (wire1 - wire0) / periods / boards };
}

function t0(c: Cluster): void {
  if (c.ofName('suspect').length > 0) throw new Error(`a suspicion in a fault-free run: ${JSON.stringify(c.ofName('suspect'))}`);
}

test('a board sends and receives O(1) heartbeats a period on a ring, whatever the number of boards', async (t) => {
  const figures = [];
  for (const boards of [4, 8, 16]) figures.push({ boards, ...(await perPeriod(boards)) });
  t.log(JSON.stringify(figures));
  for (const f of figures) {
    // Two neighbours, one heartbeat each per period (broadcast: boards - 1 received).
    t.true(f.received <= 2.2, `${f.boards} boards: ${f.received} heartbeats received per period`);
    t.true(f.received >= 1.8, `${f.boards} boards: ${f.received} heartbeats received per period`);
    t.true(f.sent <= 2.2, `${f.boards} boards: ${f.sent} FT frames sent per period`);
    // Frames a board puts on its links per period (heartbeats, hop and end-to-end acks, HELLOs
    // every 50 ms on two links) do not grow with the ring: flooded heartbeats alone would add
    // boards - 1.
    t.true(f.wire < 16, `${f.boards} boards: ${f.wire} frames per board and period on the wire`);
  }
  t.true(figures[2]!.wire <= figures[0]!.wire * 1.25, 'as many frames per board on 16 boards as on 4');
});

test('a crash anywhere on an 8-board ring is detected and recovered within the bound', async (t) => {
  const spec: AppSpec = { size: 1024, iters: 300, every: 0, frac: 0.01, iterMs: 10 };
  for (const victim of [4, 0, 7]) {
    const c = new Cluster({ boards: 8, spares: 1, seed: 80 + victim });
    c.spec = spec;
    await c.run(600);
    const at = c.now;
    c.crash(victim);
    await c.runUntil(() => c.ofName('recovery').length > 0 || c.now - at > 5000, 6000);
    const suspects = c.ofName('suspect').filter((e) => e.value === victim);
    t.true(suspects.length >= 2, `victim ${victim}: suspected by ${suspects.map((e) => e.node).join(', ')}`);
    // timeoutMs 800 + a heartbeat + delivery, as docs/FT.md §6 bounds it.
    for (const e of suspects) t.true(e.at - at <= 800 + HB_MS + 60, `victim ${victim}: suspected by ${e.node} after ${e.at - at} ms`);
    const rec = c.ofName('recovery');
    t.true(rec.length > 0 && rec[0]!.at - at <= 800 + HB_MS + 60 + 200, `victim ${victim}: recovery at ${rec[0]?.at ?? NaN}, crash at ${at}`);
    t.regex(rec[0]?.detail ?? '', new RegExp(`failed=${victim}\\b`));
    t.true(await c.runUntil(() => c.finished(), 30_000), `victim ${victim}: the run ends`);
    t.deepEqual(c.wrong(spec), []);
  }
});

test('detector: a board this one does not exchange heartbeats with is judged by routing', (t) => {
  const d = new Detector(0, 1000, 5000, 3000, 400);
  d.watch(1, 0);
  d.watch(2, 0);
  d.heard(1, 10);
  d.heard(2, 10);
  d.monitor([1], 20);
  // Node 2 is not a target: silent for far longer than the hard limit, but routed.
  for (let now = 100; now <= 9000; now += 100) t.deepEqual(d.expire(now, [2], () => true), [], `routed at ${now}`);
  // Its route goes away (the network declared its links dead routeLagMs after it stopped):
  // suspected timeoutMs after the estimated stop, 9000 - 400, not 1000 ms after the route went.
  t.deepEqual(d.expire(9500, [2], () => false), []);
  t.deepEqual(d.expire(9700, [2], () => false), [2]);
  // Node 1 became a target and was heard at 10 before that: it counts as monitored only once a
  // heartbeat arrives while it is a target; until then routing judges it.
  t.false((d.get(1)!.v[P_MONITORED] === 1));
  t.deepEqual(d.expire(5000, [1], () => true), [], 'not monitored yet: routed, so alive');
  d.heartbeat(1, 0, { role: 1, coord: 0, incarnation: 5, hash: 0, committed: 0, aborted: 0, progress: 0, furthest: 0 }, 5000);
  t.true((d.get(1)!.v[P_MONITORED] === 1));
  t.deepEqual(d.expire(7900, [1], () => true), []);
  t.deepEqual(d.expire(8100, [1], () => true), [1], 'monitored: silent past the hard limit even with a route');
  // Leaving the targets ends the monitoring.
  const e = new Detector(0, 1000, 5000, 3000, 0);
  e.watch(3, 0);
  e.monitor([3], 0);
  e.heartbeat(3, 0, { role: 1, coord: 0, incarnation: 1, hash: 0, committed: 0, aborted: 0, progress: 0, furthest: 0 }, 0);
  t.true((e.get(3)!.v[P_MONITORED] === 1));
  e.monitor([], 100);
  t.false((e.get(3)!.v[P_MONITORED] === 1));
  t.deepEqual(e.expire(5000, [3], () => true), []);
});

test('a COMMIT lost on its way is made good along the ring by the members passing it on', async (t) => {
  // Node 4 of 8 is no ring neighbour of the coordinator (node 0): it never hears the
  // coordinator's heartbeat. Every CKPT_COMMIT addressed to it is dropped on arrival.
  const spec: AppSpec = { size: 2048, iters: 60, every: 5, frac: 0.05, iterMs: 20 };
  const c = new Cluster({ boards: 8, seed: 91 });
  c.spec = spec;
  type Handler = { first: number; last: number; handler: (f: { type: number }) => void };
  const upper = (c.net.net(4) as unknown as { upper: { handlers: Handler[] } }).upper;
  let dropped = 0;
  for (const h of upper.handlers) {
    if (h.first > 0x5c || h.last < 0x5c) continue;
    const inner = h.handler;
    h.handler = (f) => {
      if (f.type === 0x5c) dropped++;
      else inner(f);
    };
  }
  t.true(await c.runUntil(() => c.finished(), 60_000), 'the run ends');
  t.deepEqual(c.wrong(spec), []);
  t.true(dropped >= 10, `${dropped} COMMITs dropped`);
  t.is(c.ft.get(4)!.generation, c.ft.get(0)!.generation, 'node 4 committed every round all the same');
  t.true(c.ft.get(0)!.generation >= 10);
  t.is(c.ofName('recovery').length, 0);
});

/**
 * Every board sends a small frame to both ring neighbours every `everyMs` (an app's halo
 * traffic, as Laplace's pushes) until it dies.
 */
function chatter(c: Cluster, everyMs: number): void {
  const total = c.nodes.length;
  for (const n of c.nodes) {
    const node = c.net.node(n);
    const send = (): void => {
      if (c.dead.has(n) || !node.alive) return;
      for (const d of [(n + 1) % total, (n + total - 1) % total]) node.net.send({ type: FrameType.DSM_FIRST, dst: d, srcPort: 7, dstPort: 7, payload: new Uint8Array(4) });
      node.clock.setTimer(everyMs, send);
    };
    node.clock.setTimer(everyMs, send);
  }
}

test('a heartbeat to a neighbour that other frames reached since the last tick is left out, at most until timeoutMs/2', async (t) => {
  const spec: AppSpec = { size: 512, iters: 400, every: 0, frac: 0.01, iterMs: 10 };
  const figures: Record<string, number>[] = [];
  for (const talk of [false, true]) {
    const c = new Cluster({ boards: 8, seed: 93, kind: 'stream', wire: { latencyMs: 1, bytesPerMs: 92 } });
    c.spec = spec;
    if (talk) chatter(c, 20);
    await c.run(1000);
    const before = c.nodes.map((n) => c.ft.get(n)!.stats());
    await c.run(2000);
    const after = c.nodes.map((n) => c.ft.get(n)!.stats());
    const periods = 2000 / HB_MS;
    let received = 0;
    let skipped = 0;
    for (let i = 0; i < c.nodes.length; i++) {
      received = Math.max(received, (after[i]!.heartbeatsReceived - before[i]!.heartbeatsReceived) / periods);
      skipped += after[i]!.heartbeatsSkipped - before[i]!.heartbeatsSkipped;
    }
    t0(c);
    figures.push({ received, skipped });
  }
  t.log(JSON.stringify(figures));
  // Quiet boards: two heartbeats a period, none left out.
  t.true(figures[0]!.received >= 1.8 && figures[0]!.skipped === 0, JSON.stringify(figures[0]));
  // Talking boards: one heartbeat per neighbour every timeoutMs/2 (400 ms = 4 periods): 0.5 a period, not 2.
  t.true(figures[1]!.received <= 0.7, `talking: ${figures[1]!.received} heartbeats received per period`);
  t.true(figures[1]!.received >= 0.4, `talking: ${figures[1]!.received} heartbeats received per period (one per timeoutMs/2 and neighbour)`);
  t.true(figures[1]!.skipped > 8 * 20, `talking: ${figures[1]!.skipped} heartbeats left out`);
});

test('with heartbeats left out for app traffic, a crash on an 8-board ring is still detected and recovered within the bound', async (t) => {
  const spec: AppSpec = { size: 1024, iters: 300, every: 0, frac: 0.01, iterMs: 10 };
  for (const victim of [4, 0]) {
    const c = new Cluster({ boards: 8, spares: 1, seed: 180 + victim });
    c.spec = spec;
    chatter(c, 20);
    await c.run(600);
    const at = c.now;
    c.crash(victim);
    await c.runUntil(() => c.ofName('recovery').length > 0 || c.now - at > 5000, 6000);
    const skipped = c.nodes.reduce((a, n) => a + c.ft.get(n)!.stats().heartbeatsSkipped, 0);
    t.true(skipped > 20, `victim ${victim}: ${skipped} heartbeats left out`);
    const suspects = c.ofName('suspect').filter((e) => e.value === victim);
    t.true(suspects.length >= 2, `victim ${victim}: suspected by ${suspects.map((e) => e.node).join(', ')}`);
    for (const e of suspects) t.true(e.at - at <= 800 + HB_MS + 60, `victim ${victim}: suspected by ${e.node} after ${e.at - at} ms`);
    const rec = c.ofName('recovery');
    t.true(rec.length > 0 && rec[0]!.at - at <= 800 + HB_MS + 60 + 200, `victim ${victim}: recovery at ${rec[0]?.at ?? NaN}, crash at ${at}`);
    t.true(await c.runUntil(() => c.finished(), 30_000), `victim ${victim}: the run ends`);
    t.deepEqual(c.wrong(spec), []);
  }
});
