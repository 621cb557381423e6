/**
 * What a board's FT module holds, in XS slots (docs/FOOTPRINT.md "Round 12: Laplace slots"): its
 * resolved options only as far as they differ from the frozen defaults (a preloaded firmware
 * keeps those in flash), its figures and counters in one Array, no closure per timer or
 * announced phase, a round's tally in an Array, a stream's cursors in an Array ring,
 * and a Pending's rarely used lists only once used. Each was a few to a few dozen slots of a
 * Laplace + FT board's peak.
 */
import test from 'ava';
import { Cluster } from './cluster.js';
import type { AppSpec } from './cluster.js';
import { ByteWriter } from '../../src/ft/bytes.js';
import { resolveFtOptions } from '../../src/ft/options.js';
import { FF_ABORTED, FF_BYTES_SENT, FF_CHANGED_BYTES, FF_COUNT, FF_FRAMES_IN, FF_HEARTBEATS_SENT } from '../../src/ft/figures.js';
import { AckStatus, FtFrame, decodeCkptAck } from '../../src/ft/frames.js';
import type { FtState } from '../../src/ft/state.js';
import type { FaultTolerance } from '../../src/ft/fault-tolerance.js';
import { Image, Pending, RUN_BYTES, RUN_FIELDS, RUN_OWN, SEG_WHOLE, buildPending, runBytes, runNum } from '../../src/ft/image.js';
import { StreamReceiver, StreamSender, sourceOfPending, S_ACKED, S_BASE, S_BYTES_SENT, S_DST, S_FRAMES, S_FRAME_BYTES, S_IN_FLIGHT, S_LAST_SEQ, S_NEXT, S_PEAK_IN_FLIGHT, S_PROGRESS_AT, S_RANK, S_REPLICA, S_ROUND, S_WINDOW, S_WINDOW_BYTES } from '../../src/ft/stream.js';
import { FS_CHANGES, FS_EPOCH, FS_INCARNATION, FS_ISOLATED, FS_LAST_COMMITTED, FS_REQUEST_TARGET, FS_STARTED } from '../../src/ft/state-numbers.js';
import { P_HB_AT, P_HB_EPOCH, P_HB_SENT, P_HEARD, P_VIEW_INCARNATION } from '../../src/ft/detector.js';

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

test('figures and counters are one plain Array of numbers, no timer or phase carries a closure, and stats() reads the figures back', async (t) => {
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
    // A plain Array (2 XS slots), not a typed array (7): docs/FOOTPRINT.md "Round 19".
    t.true(Array.isArray(st.figs));
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

test("the coordinator's tally keeps its ranks in one Array (Round 14: not a typed array's 7 XS slots)", async (t) => {
  const c = new Cluster({ boards: 3, seed: 6 });
  c.spec = SPEC;
  const coordinator = stateOf(c.ft.get(0)!);
  let seen = 0;
  t.true(
    await c.runUntil(() => {
      const tally = coordinator.tally;
      if (tally !== null) {
        seen++;
        if (!Array.isArray(tally.ranks) || tally.ranks.length !== 3) throw new Error('a tally without its Array of ranks');
        if (tally.ranks.some((b) => b !== 0 && b !== 1 && b !== 3)) throw new Error(`tally bits ${tally.ranks.join(',')}`);
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
  rx.addSeg('a', 4, SEG_WHOLE, new Uint8Array(4));
  t.is(field(rx, 'lentWhole'), null, 'data of its own: no list');
  rx.addSeg('b', 4, SEG_WHOLE, new Uint8Array(4), true);
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
  t.is(src.runs.length, 2 * RUN_FIELDS);
  // Whole data (a replica being copied) still goes first, in a source of its own.
  const copy = new Pending(1, 0, true, 0);
  copy.addSeg('x', 4, SEG_WHOLE, new Uint8Array([1, 2, 3, 4]));
  const s2 = sourceOfPending(copy);
  t.not(s2, copy);
  t.is(s2.dataBytes, 4);
  t.deepEqual(s2.runs.filter((_, k) => k % RUN_FIELDS === RUN_BYTES).map((b) => (b as Uint8Array).length), [4]);
});

// ---- Round 13 (docs/FOOTPRINT.md "Round 13: Laplace slots") ------------------------------------

test("FtState keeps its own numbers and flags in figs, after the figures: no property each", async (t) => {
  const c = new Cluster({ boards: 2, seed: 7 });
  c.spec = SPEC;
  t.true(await c.runUntil(() => c.finished(), 60_000));
  t.deepEqual(c.wrong(SPEC), []);
  for (const [node, ft] of c.ft) {
    const st = stateOf(ft);
    const own = Object.keys(st);
    for (const name of ['epochV', 'changes', 'lastCommitted', 'lastAborted', 'committedProgress', 'tickTimer', 'computeAt', 'started', 'isolated', 'stopIsDomain', 'incarnation', 'versionHash', 'viewCoord', 'hbSent']) {
      t.false(own.includes(name), `no own property ${name}`);
    }
    t.true(own.length <= 32, `${own.length} own properties: ${own.join(', ')}`);
    // The node is a plain property (read everywhere); the rest by index.
    t.is(st.node, node);
    t.is(st.figs[FS_LAST_COMMITTED], SPEC.iters / SPEC.every);
    t.is(st.figs[FS_STARTED], 1);
    t.is(st.figs[FS_ISOLATED], 0);
    t.true(st.figs[FS_CHANGES]! > 0);
    st.figs[FS_REQUEST_TARGET] = 1234;
    t.is(st.figs[FS_REQUEST_TARGET]!, 1234);
    t.true(st.figs.includes(1234), 'kept in figs');
    st.figs[FS_REQUEST_TARGET] = -1;
  }
});

test('an image of a few segments finds them by a scan, without a Map; many get an index', (t) => {
  const img = new Image(0);
  const segs = [{ name: 'app', bytes: new Uint8Array(8) }, { name: 'dsm', bytes: new Uint8Array(4) }, { name: 'dsm/u/3', bytes: new Uint8Array(64) }];
  img.pending = buildPending(img, segs, 1, 1, 32);
  img.commit();
  t.false(img.indexed, 'no Map for three segments');
  t.is(field(img, 'index'), null);
  t.is(img.find('dsm'), 1);
  t.is(img.find('dsm/u/3'), 2);
  t.is(img.find('nope'), -1);
  // A carrying delta that adds segments keeps finding them, and indexes them past the threshold.
  const more = [...segs, ...Array.from({ length: 20 }, (_, i) => ({ name: `s${i}`, bytes: new Uint8Array(4).fill(i + 1) }))];
  img.pending = buildPending(img, more, 2, 2, 32, null, undefined, true);
  img.commit();
  t.true(img.indexed, 'indexed past INDEX_MIN_NAMES segments');
  t.is(img.find('s19'), 22);
  t.is(img.find('app'), 0);
  t.deepEqual([...img.data[img.find('s7')]!], [8, 8, 8, 8]);
});

test("a stream sender's own numbers are in its ring: two properties, read through accessors", (t) => {
  const img = new Image(0);
  const p = buildPending(img, [{ name: 'x', bytes: new Uint8Array(5000).fill(3) }], 1, 1, 32);
  const s = new StreamSender(4, 2, 7, 6, true, sourceOfPending(p), 3, 100, 9000, 1000);
  t.deepEqual(Object.keys(s).sort(), ['ring', 'src']);
  t.deepEqual([s.ring[S_DST]!, s.ring[S_RANK]!, s.ring[S_ROUND]!, s.ring[S_BASE]!, s.ring[S_REPLICA] === 1, s.ring[S_WINDOW]!, s.ring[S_WINDOW_BYTES]!, s.ring[S_FRAME_BYTES]!, s.ring[S_PROGRESS_AT]!, s.ring[S_LAST_SEQ]!, s.ring[S_NEXT]!, s.ring[S_ACKED]!], [4, 2, 7, 6, true, 3, 9000, 1000, 100, -1, 0, 0]);
  const out = s.build(new ByteWriter(1000), 1000);
  s.sent(out.length);
  t.is(s.ring[S_NEXT]!, 1);
  t.is(s.ring[S_IN_FLIGHT]!, out.length);
  t.is(s.ring[S_BYTES_SENT]!, out.length);
  t.is(s.ring[S_FRAMES]!, 1);
  t.true(s.onAck(1, 150));
  t.is(s.ring[S_IN_FLIGHT]!, 0);
  t.is(s.ring[S_PROGRESS_AT]!, 150);
  t.is(s.ring[S_PEAK_IN_FLIGHT]!, out.length);
});

test("a detector's peer is one plain Array of numbers, and holds what the board last told it by heartbeat (no Map of records)", async (t) => {
  const c = new Cluster({ boards: 3, seed: 8 });
  c.spec = SPEC;
  t.true(await c.runUntil(() => c.finished(), 60_000));
  t.deepEqual(c.wrong(SPEC), []);
  for (const ft of c.ft.values()) {
    const st = stateOf(ft);
    t.is(field(st, 'hbSent'), undefined, 'no Map of heartbeat records');
    const peers = st.detector.all();
    for (const p of peers) {
      t.deepEqual(Object.keys(p).sort(), ['node', 'v']);
      t.true(Array.isArray(p.v), 'a plain Array (2 XS slots, a typed array 7)');
    }
    const others = peers.filter((p) => p.node !== st.node);
    t.is(others.length, 2);
    for (const p of others) {
      t.is(p.v[P_HEARD], 1);
      t.is(p.v[P_HB_SENT], 1, 'a ring neighbour was told by heartbeat');
      t.true(p.v[P_HB_AT]! > 0);
      t.is(p.v[P_HB_EPOCH]!, st.figs[FS_EPOCH]!);
    }
  }
});

test("a ward's receiver checks a carrying delta's names against its table, without a Set of them", (t) => {
  const img = new Image(0);
  const a = new Uint8Array(4096).fill(1);
  const b = new Uint8Array(4096).fill(2);
  img.pending = buildPending(img, [{ name: 'a', bytes: a }, { name: 'b', bytes: b }], 1, 1, 32);
  img.commit();
  const ward = new Image(0);
  ward.install(['a', 'b'], [a.slice(), b.slice()], 1, 1);
  const a2 = a.slice();
  a2[10] = 9;
  const b2 = b.slice();
  b2[20] = 9;
  const delta = buildPending(img, [{ name: 'a', bytes: a2 }, { name: 'b', bytes: b2 }], 2, 2, 32, null, undefined, true);
  t.true(delta.carry);
  const s = new StreamSender(1, 0, 2, 1, false, sourceOfPending(delta), 4, 0, Infinity, 1000);
  const rx = new StreamReceiver(new Pending(2, 1, false, 0));
  for (;;) {
    const f = s.build(new ByteWriter(1000), 1000).slice();
    s.sent(f.length);
    const last = s.ring[S_LAST_SEQ]! >= 0;
    t.is(rx.apply(ward, f, last, 1 << 20), 'ok');
    if (last) break;
  }
  t.true(rx.complete);
  t.is(field(rx, 'listed'), null, 'no Set for two names');
  ward.pending = rx.pending;
  ward.commit();
  t.is(ward.data[0]![10], 9);
  t.is(ward.data[1]![20], 9);
  // A name listed twice is still refused.
  const dup = new StreamReceiver(new Pending(3, 2, false, 0));
  const w = new ByteWriter(200);
  w.u8(0).u8(0).u32(3).u32(2).u16(0);
  w.u8(4).u32(3).u16(2).u32(0);
  for (let i = 0; i < 2; i++) w.u8(1).u8(0).u32(4096).u8(1).bytes(new Uint8Array([0x61]));
  t.is(dup.apply(ward, w.done().slice(), true, 1 << 20), 'malformed');
});

// ---- Round 14 (docs/FOOTPRINT.md "Round 14: FT archive and slots") ------------------------------

/** Accessor properties a class's prototype defines (each a function or two in the firmware's preloaded heap). */
function accessorsOf(proto: object): string[] {
  return Object.entries(Object.getOwnPropertyDescriptors(proto))
    .filter(([, d]) => d.get !== undefined || d.set !== undefined)
    .map(([k]) => k);
}

test('FtState, a peer record and a stream sender have no accessors: their numbers are read by index at the call sites', async (t) => {
  const c = new Cluster({ boards: 2, seed: 7 });
  c.spec = SPEC;
  t.true(await c.runUntil(() => c.finished(), 60_000));
  t.deepEqual(c.wrong(SPEC), []);
  const st = stateOf(c.ft.get(0)!);
  const peer = st.detector.all()[0]!;
  const s = new StreamSender(1, 0, 1, 0, false, sourceOfPending(buildPending(new Image(0), [{ name: 'a', bytes: new Uint8Array(8) }], 1, 1, 32)), 3, 0);
  // FtState's and the peer record's prototype chains up to Object.prototype; the sender keeps `complete` (a read with logic).
  for (let p: object | null = Object.getPrototypeOf(st); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) t.deepEqual(accessorsOf(p), [], 'FtState');
  t.deepEqual(accessorsOf(Object.getPrototypeOf(peer)), [], 'PeerInfo');
  t.deepEqual(accessorsOf(Object.getPrototypeOf(s)), ['complete'], 'StreamSender');
  t.is(st.figs[FS_EPOCH], st.net.epoch, 'the epoch by index is the network\'s');
  t.is(s.ring[S_WINDOW], 3);
});

test('a board that refused nobody holds no Set of refused boards', async (t) => {
  const c = new Cluster({ boards: 2, seed: 7 });
  c.spec = SPEC;
  t.true(await c.runUntil(() => c.finished(), 60_000));
  t.deepEqual(c.wrong(SPEC), []);
  for (const ft of c.ft.values()) {
    const st = stateOf(ft);
    t.is(st.refused, null);
    t.false(st.isRefused(1));
  }
});

test("each member's incarnation at the view's forming is in its peer record, not in a Map of the state", async (t) => {
  const c = new Cluster({ boards: 3, seed: 8 });
  c.spec = SPEC;
  t.true(await c.runUntil(() => c.finished(), 60_000));
  t.deepEqual(c.wrong(SPEC), []);
  const incarnations = new Map([...c.ft].map(([n, ft]) => [n, stateOf(ft).figs[FS_INCARNATION]!]));
  for (const ft of c.ft.values()) {
    const st = stateOf(ft);
    t.is(field(st, 'viewIncarnations'), undefined, 'no Map of incarnations');
    for (const n of st.map) {
      if (n === st.node) continue;
      t.is(st.detector.get(n)?.v[P_VIEW_INCARNATION], incarnations.get(n), `member ${n} as node ${st.node} saw it`);
    }
  }
});

/**
 * Runs `fn` with globalThis.Set counting the Sets made meanwhile (a Set is ~6 XS slots and ~4
 * per entry); the real Set is back when it returns or throws.
 */
function countingSets<T>(fn: () => T): { value: T; made: number } {
  const RealSet = globalThis.Set;
  let made = 0;
  globalThis.Set = class extends RealSet<unknown> {
    constructor(items?: Iterable<unknown> | null) {
      super(items);
      made++;
    }
  } as SetConstructor;
  try {
    const value = fn();
    return { value, made };
  } finally {
    globalThis.Set = RealSet;
  }
}

test("a capture of a few segments makes no Set: the lent segments are an Array, names are checked by a scan (Round 14b)", (t) => {
  const img = new Image(0);
  const seg = (name: string, v: number): { name: string; bytes: Uint8Array } => ({ name, bytes: new Uint8Array(2048).fill(v) });
  img.pending = buildPending(img, [seg('app', 1), seg('dsm', 2), seg('dsm/g/0', 3)], 1, 1, 32);
  img.commit();
  const segs = [seg('app', 1), seg('dsm', 2), seg('dsm/g/0', 4)];
  const lent = [segs[2]!];
  {
    const { value: p, made } = countingSets(() => buildPending(img, segs, 2, 2, 32, lent, undefined, true));
    t.is(made, 0, 'no Set made by a capture of three segments');
    // The lent segment's changed span is a view of the content's memory; the others are copies.
    t.is(p.runCount, 1);
    t.is(runBytes(p.runs, 0).buffer, segs[2]!.bytes.buffer);
    t.is(runNum(p.runs, 0, RUN_OWN), 0);
    t.throws(() => countingSets(() => buildPending(img, [seg('app', 1), seg('app', 2)], 3, 3, 32)), { message: /captured twice/ });
  }
  // Above INDEX_MIN_NAMES segments a Set finds repeats (a scan would be quadratic).
  const many = Array.from({ length: 20 }, (_, i) => seg(`s${i}`, i));
  t.throws(() => buildPending(new Image(1), [...many, seg('s3', 0)], 1, 1, 32), { message: /captured twice/ });
});

// ---- Round 15 (docs/FOOTPRINT.md "Round 15: Laplace slots") -------------------------------------

test("a round keeps no copy of its data's numbers, and a stored delta's sender or a complete delta's receiver is not kept until the decision", async (t) => {
  const c = new Cluster({ boards: 3, seed: 11 });
  c.spec = SPEC;
  const states = [0, 1, 2].map((n) => stateOf(c.ft.get(n)!));
  let rounds = 0;
  let heldComplete = 0;
  t.true(
    await c.runUntil(() => {
      for (const ft of states) {
        for (const [rank, e] of ft.rounds) {
          rounds++;
          for (const k of ['rank', 'base', 'progress', 'fullBytes', 'changed']) if (field(e, k) !== undefined) throw new Error(`a round keeps its ${k}`);
          if (e.run.rank !== rank) throw new Error('a round of another rank');
          for (const o of e.streams) if (o.s.complete) throw new Error('a round holds a delta its buddy stored');
        }
        for (const rx of ft.receivers.values()) if (!rx.pending.replica && rx.complete) throw new Error('a complete delta keeps its receiver');
        for (const img of ft.images.values()) if (img.pending !== null && img.pending.complete && !ft.runs.has(img.rank)) heldComplete++;
      }
      return c.finished();
    }, 60_000),
  );
  t.true(rounds > 0, 'sampled while rounds were open');
  t.true(heldComplete > 0, "sampled a ward's complete delta held until the decision");
  t.deepEqual(c.wrong(SPEC), []);
  // A round's bytes sent are still counted (the stored deltas' senders are gone by the commit).
  const f = states[0]!.figs;
  t.true(f[FF_COUNT]! >= 5);
  t.true(f[FF_BYTES_SENT]! >= f[FF_CHANGED_BYTES]! && f[FF_CHANGED_BYTES]! > 0, `sent ${f[FF_BYTES_SENT]}, changed ${f[FF_CHANGED_BYTES]}`);
});

test("a frame of a delta the ward already holds whole is confirmed STORED: a lost last acknowledgement still ends the stream", async (t) => {
  const c = new Cluster({ boards: 3, seed: 12 });
  c.spec = SPEC;
  // Board 1 loses its first two STORED acknowledgements: their senders resend (rtoMs) to a
  // board that no longer has the stream's receiver.
  const net = stateOf(c.ft.get(1)!).net;
  const send = net.send.bind(net);
  let dropped = 0;
  net.send = (f) => {
    if (f.type === FtFrame.CKPT_ACK && dropped < 2 && decodeCkptAck(f.payload)?.status === AckStatus.STORED) {
      dropped++;
      return true;
    }
    return send(f);
  };
  // An ack is written into the net's frame (transfer.ts sendAck): read it the same way.
  const sendBuilt = net.sendBuilt!.bind(net);
  net.sendBuilt = (type, dst, srcPort, dstPort, bytes, write, a, b) => {
    if (type === FtFrame.CKPT_ACK && dropped < 2) {
      const p = new Uint8Array(bytes);
      write(p, 0, a, b);
      if (decodeCkptAck(p)?.status === AckStatus.STORED) {
        dropped++;
        return true;
      }
    }
    return sendBuilt(type, dst, srcPort, dstPort, bytes, write, a, b);
  };
  t.true(await c.runUntil(() => c.finished(), 120_000));
  t.is(dropped, 2);
  t.deepEqual(c.wrong(SPEC), []);
  const f = stateOf(c.ft.get(0)!).figs;
  t.is(f[FF_ABORTED], 0, 'no round aborted for a lost acknowledgement');
  t.true(f[FF_COUNT]! >= 5);
});

test("memoryTotal, asked at every frame of checkpoint data, is memoryParts' sum and makes no Set or record", async (t) => {
  const c = new Cluster({ boards: 3, seed: 13 });
  c.spec = SPEC;
  const states = [0, 1, 2].map((n) => stateOf(c.ft.get(n)!));
  let sampled = 0;
  t.true(
    await c.runUntil(() => {
      for (const ft of states) {
        const m = ft.memoryParts();
        const { value: total, made } = countingSets(() => ft.memoryTotal());
        if (made !== 0) throw new Error('memoryTotal made a Set');
        if (total !== m.own + m.ward + m.pending) throw new Error(`memoryTotal ${total}, parts ${JSON.stringify(m)}`);
        if (m.pending > 0) sampled++;
      }
      return c.finished();
    }, 60_000),
  );
  t.true(sampled > 0, 'sampled while tentative data was held');
  t.deepEqual(c.wrong(SPEC), []);
});

test("a board whose net frames in place (Net.sendBuilt) never makes FT's scratch: no frameBytes of chunks held all run", async (t) => {
  const c = new Cluster({ boards: 3, seed: 9 });
  c.spec = SPEC;
  t.true(await c.runUntil(() => c.finished(), 60_000));
  t.deepEqual(c.wrong(SPEC), []);
  for (const ft of c.ft.values()) {
    const st = stateOf(ft);
    t.true(st.figs[FF_COUNT]! > 0, 'rounds committed: data frames were streamed');
    t.is(st.scratch, null);
  }
});
