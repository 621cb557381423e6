/**
 * The memory cuts of docs/FOOTPRINT.md "Round 6b: net layer slots", guarded by the shape of a
 * running NetLayer: every sub-layer's host is the NetLayer itself (no option objects of arrow
 * functions), the loopback queue and the delay-fault queue with their timers exist only once
 * used, and the closures and deadlines reachable from a one-link layer stay at their counts.
 * On an XS board each closure is ~3 live slots and each Deadline ~16.
 */
import test from 'ava';
import { Deadline } from '../../src/net/deadline.js';
import { NetLayer } from '../../src/net/net-layer.js';
import { resolveNetOptions } from '../../src/net/options.js';
import { VirtualClock } from '../../host-sim/sim/event-queue.js';
import { SimLink, TestNetwork } from './harness.js';
import { startSender } from './traffic.js';

/**
 * Closures, Deadlines and ordinary objects with their own properties (what an XS board keeps
 * in its slot heap: one slot per object and per property; Arrays' items and typed arrays'
 * numbers go to its chunk heap) reachable from the layer, not following into its clock, links,
 * options or host (the board's: NetHost).
 */
function census(net: NetLayer): { closures: number; deadlines: number; objects: number; properties: number } {
  const seen = new Set<object>();
  const skip = new Set<unknown>([net.clock, net.options, net.options.host]);
  let closures = 0;
  let deadlines = 0;
  let objects = 0;
  let properties = 0;
  const visit = (v: unknown): void => {
    if (typeof v === 'function') {
      if (!seen.has(v)) closures++;
      seen.add(v);
      return;
    }
    if (typeof v !== 'object' || v === null || seen.has(v) || skip.has(v)) return;
    if (v instanceof SimLink || ArrayBuffer.isView(v)) return;
    seen.add(v);
    if (v instanceof Deadline) deadlines++;
    if (!Array.isArray(v) && !(v instanceof Map)) {
      objects++;
      properties += Object.keys(v).length;
    }
    if (v instanceof Map) for (const [k, x] of v) { visit(k); visit(x); }
    for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k]);
  };
  visit(net);
  return { closures, deadlines, objects, properties };
}

/** What test 2 counts (Round 7); see there. */
const OBJECTS = 26;
const PROPERTIES = 208;

function pair(): TestNetwork {
  const net = new TestNetwork({ seed: 3 });
  net.addNodes([1, 2]);
  net.connect(1, 2, 'stream', { latencyMs: 2 });
  net.start();
  return net;
}

test('a hop link is its HAL link\'s receiver, no closure (Round 11: ~15 XS slots per link); none once stopped', (t) => {
  const net = pair();
  const layer = net.net(1);
  const link = net.node(1).links[0]!;
  t.is(link.receiver, layer.hops[0]);
  layer.stop();
  t.is(link.receiver, null);
});

test('every sub-layer is hosted by the NetLayer itself', (t) => {
  const net = pair();
  const layer = net.net(1) as unknown as Record<string, { host?: unknown }[] & { host?: unknown }>;
  for (const name of ['upper', 'routing', 'bcast', 'e2e']) t.is(layer[name]!.host, layer, `${name}.host`);
  for (const hop of layer['hops']!) t.is(hop.host, layer, 'hop link host');
});

test('a one-link layer in traffic holds 6 deadlines and no host closures; loopback and delay parts only once used', (t) => {
  const net = pair();
  t.true(net.runUntil(() => net.converged(), 2_000));
  startSender(net, 1, 2, 20);
  t.true(net.runUntil(() => net.node(2).received.length === 20, 2_000));
  const layer = net.net(1);
  const inner = layer as unknown as { upper: Record<string, unknown>; inbound: Record<string, unknown> };
  t.is(inner.upper['local'], null);
  t.is(inner.upper['localDeadline'], null);
  t.is(inner.inbound['delayed'], null);
  t.is(inner.inbound['delayDeadline'], null);
  // 6 deadlines (hello + LSA, e2e resend + ack, the hop's resend + ack), none with a closure:
  // they call their owner's deadline(tag) (Round 7: no fire closure each) and their timers
  // call one module-level function with the deadline as the Clock's argument (Round 7,
  // second wave: no timer closure each). Left: the test's handler. Before Round 6b: 8 deadlines
  // and 31 closures; before Round 7: 15; before the timer argument: 9; before Round 11 (the hop
  // link is its deframer's sink): 3; before Round 15: 2 (the random source, a function option;
  // now a method of the board's NetHost).
  const c = census(layer);
  t.deepEqual({ closures: c.closures, deadlines: c.deadlines }, { closures: 1, deadlines: 6 });
  const hop = layer.hops[0]! as unknown as { deframer: { sink: unknown } };
  t.is(hop.deframer.sink, layer.hops[0], 'the hop link is its deframer\'s sink');
  // Ordinary objects and their properties (Round 7: the counters in typed arrays, the
  // end-to-end layer's held frames without a record each; each deadline without its onTimer
  // property). Before Round 7: 49 objects and 349 properties at this point (22 of the objects
  // the records of frames still held); 232 properties before the timer argument; 27 objects and
  // 226 properties before Round 10 (the hop's own FrameFields record, its second control buffer);
  // 212 before Round 11 (five per-frame ring views, now one typed array `fs`); 208 before Round 12
  // (a send stream's `link` and `directFrom`: one sequence space on a one-hop route); 210 before
  // hop12 (the layer's `onVersionMismatch` hook, one per board: docs/PROTOCOL.md §1); 211
  // before Round 13 (a link writer's reference to the layer's counters: the layer's bytes and
  // frames totals are the links' sums, made by NetLayer.stats); 210 before Round 15 (the
  // layer's `onUndeliverable` and `onVersionMismatch` hooks: methods of the board's NetHost now).
  t.deepEqual({ objects: c.objects, properties: c.properties }, { objects: OBJECTS, properties: PROPERTIES });

  // A frame to itself builds the loopback queue and its deadline, and is delivered.
  const before = net.node(1).received.length;
  t.true(layer.send({ type: 0x20, dst: 1, srcPort: 1, dstPort: 1, payload: new Uint8Array([1]) }));
  net.run(10);
  t.is(net.node(1).received.length, before + 1);
  t.not(inner.upper['localDeadline'], null);
  // A delay fault builds the delay queue; frames still arrive, later.
  layer.setIngressFault({ delayMs: 5 });
  startSender(net, 2, 1, 3);
  t.true(net.runUntil(() => net.node(1).received.length === before + 4, 2_000));
  t.not(inner.inbound['delayDeadline'], null);
  t.is(census(layer).deadlines, 8);
});

test('counters are plain Arrays (2 XS slots, a Float64Array 7: Round 19b); the public stats objects are built on demand', (t) => {
  const net = pair();
  t.true(net.runUntil(() => net.converged(), 2_000));
  startSender(net, 1, 2, 5);
  t.true(net.runUntil(() => net.node(2).received.length === 5, 2_000));
  const layer = net.net(1) as unknown as { st: unknown; hops: { stats: unknown }[] } & NetLayer;
  t.true(Array.isArray(layer.st));
  for (const hop of layer.hops) t.true(Array.isArray(hop.stats));
  const s = layer.stats();
  t.is(s.sent, 5);
  t.true(s.framesOut > 0);
  t.is(Object.keys(s)[0], 'framesIn');
  t.is(Object.keys(s).length, 34);
  const [l] = layer.linkStats();
  t.deepEqual(Object.keys(l!).slice(0, 5), ['index', 'kind', 'up', 'peer', 'framesIn']);
  t.is(Object.keys(l!).length, 27);
  t.true(l!.up);
  t.is(l!.peer, 2);
  t.true(l!.framesIn > 0);
});

test('resolved options hold only what differs from the frozen defaults', (t) => {
  const o = resolveNetOptions({ domain: 1, node: 3, host: { random: () => 0.5 }, window: 4 });
  // window 4 changes ackEvery's default (window / 2) too.
  t.deepEqual(Object.keys(o).sort(), ['ackEvery', 'domain', 'host', 'node', 'window']);
  t.is(o.ttl, 16);
  t.is(o.maxPayload, 4200);
  t.is(o.ackEvery, 2);
  t.is(o.deadMs, 2000);
  t.true(Object.isFrozen(Object.getPrototypeOf(o)));
  const host = { random: (): number => 0.5 };
  const d = resolveNetOptions({ domain: 0, node: 0, host });
  t.deepEqual(Object.keys(d), ['host']);
  t.is(d.host, host, 'the host object itself, no wrapper');
});

test('the end-to-end layer holds frames in flight without a record each', (t) => {
  // Two hops (a direct stream holds nothing itself: its frames' only copies are the hop link's).
  const net = new TestNetwork({ seed: 3 });
  net.addNodes([1, 2, 3]);
  net.line([1, 2, 3], 'stream', { latencyMs: 2 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 2_000));
  startSender(net, 1, 3, 6);
  // Just sent: held until acknowledged.
  const e2e = (net.net(1) as unknown as { e2e: { tx: Map<number, { held: unknown[]; sentAt: unknown[] }> } }).e2e;
  const s = e2e.tx.get(3)!;
  t.true(s.held.length > 0);
  for (const f of s.held) t.true(f instanceof Uint8Array);
  t.is(s.sentAt.length, s.held.length);
  for (const at of s.sentAt) t.is(typeof at, 'number');
  t.true(net.runUntil(() => net.node(3).received.length === 6, 2_000));
});

test('every deadline\'s timer is one shared function with the deadline as its argument', (t) => {
  const loop = new VirtualClock();
  const set: { fire: unknown; arg: unknown }[] = [];
  const clock = {
    now: () => loop.now(),
    setTimer<A = undefined>(ms: number, fire: (arg: A) => void, arg?: A): number {
      set.push({ fire, arg });
      return loop.setTimer(ms, fire, arg);
    },
    clearTimer: (id: number) => loop.clearTimer(id),
  };
  const fired: number[] = [];
  const owner = { deadline: (tag: number) => void fired.push(tag) };
  const a = new Deadline(clock, owner, 1);
  const b = new Deadline(clock, owner, 2);
  a.arm(5);
  b.arm(3);
  t.is(set.length, 2);
  t.is(set[0]!.fire, set[1]!.fire);
  t.is(typeof set[0]!.fire, 'function');
  t.is(set[0]!.arg, a);
  t.is(set[1]!.arg, b);
  for (const d of [a, b]) t.false(Object.values(d).some((v) => typeof v === 'function'), 'no closure of its own');
  loop.runUntilTime(10);
  t.deepEqual(fired, [2, 1]);
});

test('a hop link\'s per-frame numbers are one plain Array, indexed by offset (Round 11: five views of two buffers were ~27 XS slots per link more; Round 19b: not a Float64Array, 5 fewer)', (t) => {
  const net = pair();
  t.true(net.runUntil(() => net.converged(), 2_000));
  startSender(net, 1, 2, 20);
  t.true(net.runUntil(() => net.node(2).received.length === 20, 2_000));
  const hop = net.net(1).hops[0] as unknown as Record<string, unknown>;
  // The one typed array on the hop is the control payload buffer (bytes for the wire), not a
  // view of another's buffer (a view is 4 XS slots beside its buffer's 7); the counters and the
  // per-frame numbers are plain Arrays.
  const typed = Object.keys(hop).filter((k) => ArrayBuffer.isView(hop[k]));
  t.deepEqual(typed.sort(), ['ctrlPayload']);
  for (const k of typed) {
    const v = hop[k] as Uint8Array;
    t.is(v.byteOffset, 0, k);
    t.is(v.buffer.byteLength, v.byteLength, `${k} has its buffer to itself`);
  }
  const fs = hop['fs'] as number[];
  t.true(Array.isArray(fs));
  t.true(Array.isArray(hop['stats']));
  // Four numbers per place of the ring (the window of 8 rounded to a power of two).
  t.is(fs.length, 4 * 8);
  // 20 frames sent and acknowledged: departure times recorded per place, flags cleared by the acks.
  let sent = 0;
  for (let r = 0; r < 8; r++) {
    if (fs[(r << 2) + 1]! > 0) sent++;
    t.is(fs[r << 2], 0, `place ${String(r)} free: no flags`);
  }
  t.true(sent > 0, 'departure times recorded per place');
});

test('a hop link keeps no frame-fields record of its own and one control payload buffer (Round 10: ~27 XS slots per link)', (t) => {
  const net = pair();
  for (const n of [1, 2]) {
    const hop = net.net(n).hops[0] as unknown as Record<string, unknown>;
    // Small byte buffers of their own (the flag rings are views of a shared buffer).
    const buffers = Object.keys(hop).filter((k) => hop[k] instanceof Uint8Array && (hop[k] as Uint8Array).buffer.byteLength === (hop[k] as Uint8Array).length && (hop[k] as Uint8Array).length <= 16);
    t.deepEqual(buffers, ['ctrlPayload'], 'HELLO and LINK_ACK payloads share one buffer');
    const records = Object.keys(hop).filter((k) => {
      const v = hop[k];
      return typeof v === 'object' && v !== null && 'lseq' in v && 'payload' in v;
    });
    t.deepEqual(records, [], 'no FrameFields record per link');
  }
  // Held frames are delivered in order through the fields of the frame that filled the gap: test/net/held-ring.
});
