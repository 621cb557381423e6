/**
 * The memory cuts of docs/TARGETS.md "Round 6b: net layer slots", guarded by the shape of a
 * running NetLayer: every sub-layer's host is the NetLayer itself (no option objects of arrow
 * functions), the loopback queue and the delay-fault queue with their timers exist only once
 * used, and the closures and deadlines reachable from a one-link layer stay at their counts.
 * On an XS board each closure is ~3 live slots and each Deadline ~16.
 */
import test from 'ava';
import { Deadline } from '../../src/net/deadline.js';
import { NetLayer } from '../../src/net/net-layer.js';
import { SimLink, TestNetwork } from './harness.js';
import { startSender } from './traffic.js';

/** Closures and Deadlines reachable from the layer, not following into its clock, links or options. */
function census(net: NetLayer): { closures: number; deadlines: number } {
  const seen = new Set<object>();
  const skip = new Set<unknown>([net.clock, net.options]);
  let closures = 0;
  let deadlines = 0;
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
    if (v instanceof Map) for (const [k, x] of v) { visit(k); visit(x); }
    for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k]);
  };
  visit(net);
  return { closures, deadlines };
}

function pair(): TestNetwork {
  const net = new TestNetwork({ seed: 3 });
  net.addNodes([1, 2]);
  net.connect(1, 2, 'stream', { latencyMs: 2 });
  net.start();
  return net;
}

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
  // 6 deadlines (hello + LSA, e2e resend + ack, the hop's resend + ack), each with its timer
  // closure and its owner's fire closure; the deframer's sink, the test's handler and the
  // random source (Ingress). Before Round 6b: 8 deadlines and 31 closures.
  t.deepEqual(census(layer), { closures: 15, deadlines: 6 });

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
