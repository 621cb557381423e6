/**
 * What a board's FT module holds, in XS slots (docs/FOOTPRINT.md "Round 12: Laplace slots"): its
 * resolved options only as far as they differ from the frozen defaults (a preloaded firmware
 * keeps those in flash), its figures and counters in one Float64Array, no closure per timer or
 * announced phase, a round's tally in a Uint8Array, a stream's cursors in a Float64Array ring,
 * and a Pending's rarely used lists only once used. Each was a few to a few dozen slots of a
 * Laplace + FT board's peak.
 */
import test from 'ava';
import { Cluster } from './cluster.js';
import type { AppSpec } from './cluster.js';
import { ByteWriter } from '../../src/ft/bytes.js';
import { resolveFtOptions } from '../../src/ft/options.js';
import { FF_COUNT, FF_FRAMES_IN, FF_HEARTBEATS_SENT } from '../../src/ft/figures.js';
import type { FtState } from '../../src/ft/state.js';
import type { FaultTolerance } from '../../src/ft/fault-tolerance.js';
import { Image, Pending, buildPending } from '../../src/ft/image.js';
import { StreamSender, sourceOfPending } from '../../src/ft/stream.js';

const SPEC: AppSpec = { size: 8192, iters: 30, every: 5, frac: 0.02, iterMs: 20, lend: true };

const stateOf = (ft: FaultTolerance): FtState => (ft as unknown as { ft: FtState }).ft;
const field = (o: object, name: string): unknown => (o as Record<string, unknown>)[name];

test('resolved options hold only what differs from the frozen defaults, and read every option', (t) => {
  const a = resolveFtOptions({ boards: 2, heartbeatMs: 500, timeoutMs: 20_000 });
  const b = resolveFtOptions({ boards: 4 });
  t.deepEqual(Object.keys(a).sort(), ['boards', 'heartbeatMs', 'initialMap', 'timeoutMs']);
  t.deepEqual(Object.keys(b).sort(), ['boards', 'initialMap']);
  const proto = Object.getPrototypeOf(a) as object;
  t.is(Object.getPrototypeOf(b), proto, 'one defaults object for every board');
  t.true(Object.isFrozen(proto));
  // Every option reads as before: the defaults through the prototype.
  t.is(a.window, 4);
  t.is(a.maxPayload, 4200);
  t.is(a.frameBytes, 4200);
  t.is(a.buddies, 1);
  t.is(a.checkpointTimeoutMs, 30_000);
  t.is(a.streamWhileComputing, true);
  t.deepEqual([...a.spares], []);
  t.deepEqual([...b.initialMap], [0, 1, 2, 3]);
  t.deepEqual([...resolveFtOptions({ boards: 2, spares: [5, 3] }).spares], [3, 5]);
  // A value equal to its default is not kept either.
  t.deepEqual(Object.keys(resolveFtOptions({ boards: 2, window: 4, version: '' })).sort(), ['boards', 'initialMap']);
});

test('figures and counters are one Float64Array, no timer or phase carries a closure, and stats() reads the figures back', async (t) => {
  const c = new Cluster({ boards: 3, seed: 5 });
  // Every function a board's FT module hands its HAL for a timer from now on.
  const fires: unknown[] = [];
  for (const ft of c.ft.values()) {
    const hal = stateOf(ft).hal;
    const set = hal.setTimer.bind(hal);
    hal.setTimer = <A>(ms: number, fire: (arg: A) => void, arg?: A): number => {
      fires.push(fire);
      return set(ms, fire, arg);
    };
  }
  c.spec = SPEC;
  t.true(await c.runUntil(() => c.finished(), 60_000));
  t.deepEqual(c.wrong(SPEC), []);
  // Heartbeat periods, announced phases (ckpt-send, ckpt-commit), tallies, pump retries: a
  // closure each would make as many functions as timers.
  const distinct = new Set(fires).size;
  t.true(fires.length >= 40, `timers set: ${fires.length}`);
  t.log(`${fires.length} timers, ${distinct} functions`);
  t.true(distinct <= 8, `${distinct} distinct timer functions for ${fires.length} timers`);
  for (const ft of c.ft.values()) {
    const st = stateOf(ft);
    t.true(st.figs instanceof Float64Array);
    t.is(field(st, 'figures'), undefined, 'no figures object');
    t.is(field(st, 'counters'), undefined, 'no counters object');
    const s = ft.stats();
    t.is(s.checkpoints.count, st.figs[FF_COUNT]);
    t.is(s.checkpoints.count, SPEC.iters / SPEC.every);
    t.is(s.checkpoints.lastAbort, '');
    t.is(s.heartbeatsSent, st.figs[FF_HEARTBEATS_SENT]);
    t.true(s.heartbeatsSent > 0 && s.framesIn === st.figs[FF_FRAMES_IN] && s.framesIn > 0);
    t.true(s.memory.peakBytes > 0);
  }
});

test("the coordinator's tally keeps its ranks in a Uint8Array", async (t) => {
  const c = new Cluster({ boards: 3, seed: 6 });
  c.spec = SPEC;
  const coordinator = stateOf(c.ft.get(0)!);
  let seen = 0;
  t.true(
    await c.runUntil(() => {
      const tally = coordinator.tally;
      if (tally !== null) {
        seen++;
        if (!(tally.ranks instanceof Uint8Array) || tally.ranks.length !== 3) throw new Error('a tally without its Uint8Array of ranks');
        if (field(tally, 'started') !== undefined) throw new Error('a tally with a Set of started ranks');
      }
      return c.finished();
    }, 60_000),
  );
  t.true(seen > 0, 'sampled while a tally was open');
  t.deepEqual(c.wrong(SPEC), []);
});

test("a stream sender keeps its frames' cursors in one typed ring, not Maps, and still resends from the first unacknowledged frame", (t) => {
  const img = new Image(0);
  const data = new Uint8Array(20_000).map((_, i) => (i * 7) & 0xff);
  const p = buildPending(img, [{ name: 'x', bytes: data }], 1, 1, 32);
  const s = new StreamSender(1, 0, 1, 0, false, sourceOfPending(p), 3, 0, Infinity, 1000);
  for (const v of Object.values(s)) t.false(v instanceof Map, 'no Map in a stream sender');
  const frames: Uint8Array[] = [];
  const build = (): Uint8Array => {
    const out = s.build(new ByteWriter(1000), 1000).slice();
    s.sent(out.length);
    return out;
  };
  frames.push(build(), build(), build());
  t.false(s.wants(), 'window of three full');
  t.true(s.onAck(1, 1));
  frames.push(build());
  s.goBack(2);
  // Resent from frame 1: the same bytes as the first time.
  t.deepEqual(build(), frames[1]);
  t.deepEqual(build(), frames[2]);
  t.deepEqual(build(), frames[3]);
});

test("a Pending makes its list of lent segments and its lenders only when it has any", (t) => {
  const rx = new Pending(2, 1, false, 0);
  t.is(field(rx, 'lentWhole'), null);
  t.true(Object.isFrozen(rx.lenders) && rx.lenders.length === 0, 'the shared empty list of lenders');
  t.false(rx.isLent(0));
  rx.addSeg({ name: 'a', length: 4, whole: true }, new Uint8Array(4));
  t.is(field(rx, 'lentWhole'), null, 'data of its own: no list');
  rx.addSeg({ name: 'b', length: 4, whole: true }, new Uint8Array(4), true);
  t.false(rx.isLent(0));
  t.true(rx.isLent(1));
  t.is(rx.lentBytes, 4);
  // release() leaves the shared empty list, never a new array.
  rx.release();
  t.true(Object.isFrozen(rx.lenders));
});

test("a round's data without whole segments is its own stream source: no object and run list per round", (t) => {
  const img = new Image(0);
  const first = new Uint8Array(4096).map((_, i) => i & 0xff);
  img.pending = buildPending(img, [{ name: 'x', bytes: first }], 1, 1, 32);
  img.commit();
  const next = first.slice();
  next[100] = 1;
  next[3000] = 2;
  const delta = buildPending(img, [{ name: 'x', bytes: next }], 2, 2, 32);
  const src = sourceOfPending(delta);
  t.is(src, delta, 'the Pending itself');
  t.is(src.dataBytes, 2);
  t.is(src.runs.length, 2);
  // Whole data (a replica being copied) still goes first, in a source of its own.
  const copy = new Pending(1, 0, true, 0);
  copy.addSeg({ name: 'x', length: 4, whole: true }, new Uint8Array([1, 2, 3, 4]));
  const s2 = sourceOfPending(copy);
  t.not(s2, copy);
  t.is(s2.dataBytes, 4);
  t.deepEqual(s2.runs.map((r) => r.bytes.length), [4]);
});
