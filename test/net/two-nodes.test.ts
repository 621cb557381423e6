import test from 'ava';
import type { LinkKind } from '../../src/hal.js';
import { TestNetwork } from './harness.js';
import { resolveNetOptions } from '../../src/net/options.js';
import { TxRing } from '../../src/net/tx-ring.js';
import type { WireModel } from './harness.js';
import { intact, isRange, receivedFrom, startSender } from './traffic.js';

function lossyPair(kind: LinkKind, model: WireModel, seed: number, datagramCrc = false): TestNetwork {
  const net = new TestNetwork({ seed, net: { datagramCrc } });
  net.addNodes([1, 2]);
  net.connect(1, 2, kind, model);
  net.start();
  return net;
}

const N12 = 400;
const N21 = 250;

for (const [kind, model] of [
  ['stream', { loss: 0.1, corrupt: 0.02, latencyMs: 2, bytesPerMs: 92, chunkMax: 40 }],
  ['stream with line noise', { loss: 0.1, corrupt: 0.02, chunkLoss: 0.02, latencyMs: 2, bytesPerMs: 92, chunkMax: 16 }],
  // Our CRC on datagrams too (datagramCrc): damage reaches the node and the CRC drops it.
  ['datagram', { loss: 0.1, corrupt: 0.02, duplicate: 0.05, latencyMs: 2, jitterMs: 6 }],
  // The default: NO_CRC datagrams over a transport that discards damaged packets itself.
  ['datagram over a checked transport', { loss: 0.1, corrupt: 0.02, duplicate: 0.05, latencyMs: 2, jitterMs: 6, checked: true }],
] as [string, WireModel][]) {
  test(`${kind}: exactly once, in order, both ways, over 10% loss + 2% corruption`, (t) => {
    const checked = model.checked === true;
    const net = lossyPair(kind.startsWith('datagram') ? 'datagram' : 'stream', model, kind.length, kind === 'datagram');
    t.true(net.runUntil(() => net.converged(), 10_000), 'converged');
    startSender(net, 1, 2, N12);
    startSender(net, 2, 1, N21);
    const done = (): boolean => net.node(2).received.length >= N12 && net.node(1).received.length >= N21;
    t.true(net.runUntil(done, 120_000), 'all delivered');
    net.run(2_000); // anything extra (a duplicate) would show up now
    const at2 = receivedFrom(net, 2, 1);
    const at1 = receivedFrom(net, 1, 2);
    t.true(isRange(at2, N12), `1->2 got ${at2.length}`);
    t.true(isRange(at1, N21), `2->1 got ${at1.length}`);
    t.true(net.node(2).received.every((f) => intact(f.payload)));
    t.true(net.node(1).received.every((f) => intact(f.payload)));
    const s1 = net.net(1).stats();
    const l1 = net.net(1).linkStats()[0];
    t.true(s1.retransmits > 0, 'loss caused retransmissions');
    if (checked) t.true(net.wires[0]!.discarded > 0, 'the transport discarded damaged datagrams');
    else t.true(l1.malformed + l1.garbage + l1.overruns > 0, 'corruption was seen and dropped');
    t.is(l1.downs, 0, 'the link never went down');
    t.is(s1.linkDropped, 0);
    if (kind.startsWith('datagram')) {
      const l2 = net.net(2).linkStats()[0];
      t.true(l2.outOfOrder + l1.outOfOrder > 0, 'reordering exercised the hold buffer');
      t.true(l2.duplicates + l1.duplicates > 0, 'duplicates were dropped');
    }
  });
}

test('a clean link delivers in one round trip and needs no retransmission', (t) => {
  const net = lossyPair('stream', { latencyMs: 3 }, 3);
  t.true(net.runUntil(() => net.converged(), 1_000));
  const t0 = net.now;
  startSender(net, 1, 2, 1);
  t.true(net.runUntil(() => net.node(2).received.length === 1, 100));
  t.true(net.now - t0 <= 3.01, 'one-way latency');
  net.run(1000);
  t.is(net.net(1).stats().retransmits, 0);
  const l = net.net(1).linkStats()[0];
  t.true(l.up);
  t.is(l.peer, 2);
  t.is(l.inflight, 0);
  t.true(l.srttMs > 0);
});

test('same seed, same run: stats are identical', (t) => {
  const runOnce = (): unknown => {
    const net = lossyPair('datagram', { loss: 0.15, corrupt: 0.05, duplicate: 0.05, jitterMs: 4 }, 99);
    net.runUntil(() => net.converged(), 5_000);
    startSender(net, 1, 2, 100);
    net.run(20_000);
    return { s: net.net(1).stats(), l: net.net(1).linkStats(), r: net.node(2).received.length, now: net.now };
  };
  t.deepEqual(runOnce(), runOnce());
});

test('window fills and the queue limit makes send() refuse', (t) => {
  const net = new TestNetwork({ seed: 4, net: { window: 4, maxQueue: 6 } });
  net.addNodes([1, 2]);
  net.connect(1, 2, 'stream', { latencyMs: 50 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 2_000));
  net.run(1_000); // let the routing exchange drain so the window is empty
  t.is(net.net(1).linkStats()[0].inflight, 0);
  let accepted = 0;
  for (let i = 0; i < 20; i++) {
    if (net.net(1).send({ type: 0x70, dst: 2, srcPort: 0, dstPort: 0, payload: new Uint8Array(10) })) accepted++;
  }
  t.is(accepted, 4 + 6, 'window + queue');
  const l = net.net(1).linkStats()[0];
  t.is(l.inflight, 4);
  t.is(l.queued, 6);
  t.is(net.net(1).stats().unroutable, 10);
  t.true(net.runUntil(() => net.node(2).received.length === 10, 2_000));
});

test('a node with one CRC table (crcSlices: 1) and one with eight talk over a corrupting link', (t) => {
  const net = new TestNetwork({ seed: 31 });
  net.addNode(1, { net: { crcSlices: 1 } });
  net.addNode(2);
  net.connect(1, 2, 'stream', { loss: 0.05, corrupt: 0.02, latencyMs: 2, bytesPerMs: 92, chunkMax: 40 });
  net.start();
  t.is(net.net(1).options.crcSlices, 1);
  t.is(net.net(2).options.crcSlices, 8);
  t.true(net.runUntil(() => net.converged(), 10_000), 'converged');
  startSender(net, 1, 2, 150);
  startSender(net, 2, 1, 150);
  t.true(net.runUntil(() => net.node(2).received.length >= 150 && net.node(1).received.length >= 150, 120_000));
  t.true(isRange(receivedFrom(net, 2, 1), 150) && isRange(receivedFrom(net, 1, 2), 150));
  t.true(net.node(2).received.every((f) => intact(f.payload)) && net.node(1).received.every((f) => intact(f.payload)));
  t.throws(() => resolveNetOptions({ domain: 1, node: 1, host: { random: () => 0.5 }, crcSlices: 4 as 8 }), { message: /crcSlices/ });
});

test('per-frame link state lives in rings of the window rounded up to a power of two, not of the 256 sequence numbers', (t) => {
  t.is(TxRing.size(1), 1);
  t.is(TxRing.size(5), 8);
  t.is(TxRing.size(8), 8);
  t.is(TxRing.size(64), 64);
});

// Windows that are not powers of two leave ring places unused; the sequence space wraps twice.
for (const window of [3, 5]) {
  test(`window ${window}: per-frame rings stay exact over sequence wrap, loss, reordering and duplicates`, (t) => {
    const net = new TestNetwork({ seed: 70 + window, net: { window } });
    net.addNodes([1, 2]);
    net.connect(1, 2, 'datagram', { loss: 0.1, duplicate: 0.05, latencyMs: 2, jitterMs: 6, checked: true });
    net.start();
    t.true(net.runUntil(() => net.converged(), 10_000), 'converged');
    startSender(net, 1, 2, 600);
    t.true(net.runUntil(() => net.node(2).received.length >= 600, 240_000), 'all delivered');
    net.run(2_000);
    t.true(isRange(receivedFrom(net, 2, 1), 600), 'exactly once, in order');
    const l2 = net.net(2).linkStats()[0];
    t.true(l2.outOfOrder > 0, 'frames were held beyond a gap');
    t.true(net.net(1).stats().retransmits > 0, 'gaps were resent');
    t.is(net.net(1).linkStats()[0].downs, 0);
  });
}
