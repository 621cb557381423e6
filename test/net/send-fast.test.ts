/**
 * The hop link's one-method send of a fresh frame and the net's queue rule written out
 * (docs/PERFORMANCE.md "Round 19"): HopLink.admit writes a frame that FrameCodec.originate just
 * made without send's and transmit's calls, leaving its CRC field as originate left it (zero);
 * frames forwarded or resent, which may carry another link's CRC, go through enqueue, which
 * zeroes the field on a link without CRC. NetLayer.sendHead tests canEnqueue's 'local' rule
 * itself: the window and the queue limit refuse as send() does.
 */
import test from 'ava';
import { FLAG_NO_CRC, OFF_TYPE, OFF_VERSION_FLAGS } from '../../src/wire/frame.js';
import { TestNetwork } from './harness.js';

const TYPE = 0x70;

test('a frame forwarded from a stream link onto a datagram link without CRC leaves with NO_CRC and a zero CRC field', (t) => {
  const net = new TestNetwork({ seed: 19 });
  net.addNodes([1, 2, 3]);
  net.connect(1, 2, 'stream', { latencyMs: 1 });
  net.connect(2, 3, 'datagram', { latencyMs: 1 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  // Every frame node 2 writes towards node 3 (its second link).
  const out: Uint8Array[] = [];
  const link = net.node(2).links[1]!;
  t.is(link.kind, 'datagram');
  const write = link.write.bind(link);
  link.write = (bytes: Uint8Array): void => {
    out.push(bytes.slice());
    write(bytes);
  };
  // Forwarded (from node 1, over the stream link: it arrives with a CRC) and fresh (node 2's own).
  for (let i = 0; i < 5; i++) t.true(net.net(1).send({ type: TYPE, dst: 3, srcPort: 1, dstPort: 1, payload: Uint8Array.of(i, 1, 2, 3) }));
  for (let i = 0; i < 5; i++) t.true(net.net(2).send({ type: TYPE, dst: 3, srcPort: 2, dstPort: 2, payload: Uint8Array.of(i, 4, 5, 6) }));
  t.true(net.runUntil(() => net.node(3).received.filter((f) => f.type === TYPE).length === 10, 2_000));
  const frames = out.filter((f) => f[OFF_TYPE] === TYPE);
  t.true(frames.length >= 10, `${frames.length} frames of the type`);
  for (const f of frames) {
    t.not(f[OFF_VERSION_FLAGS]! & FLAG_NO_CRC, 0);
    t.deepEqual([...f.subarray(f.length - 4)], [0, 0, 0, 0], 'the CRC field of a frame sent without CRC is zero');
  }
});

test('sendHead takes the window and the queue limit, then refuses as send() does', (t) => {
  const net = new TestNetwork({ seed: 4, net: { window: 4, maxQueue: 6 } });
  net.addNodes([1, 2]);
  net.connect(1, 2, 'datagram', { latencyMs: 50 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 2_000));
  net.run(1_000);
  const n1 = net.net(1);
  t.is(n1.linkStats()[0]!.inflight, 0);
  let accepted = 0;
  for (let i = 0; i < 20; i++) if (n1.sendHead(TYPE, 2, 0, 0, Uint8Array.of(0xaa), Uint8Array.of(i))) accepted++;
  t.is(accepted, 4 + 6, 'window + queue');
  t.is(n1.linkStats()[0]!.queued, 6);
  t.is(n1.stats().unroutable, 10);
  t.true(net.runUntil(() => net.node(2).received.filter((f) => f.type === TYPE).length === 10, 2_000));
  t.deepEqual(net.node(2).received.filter((f) => f.type === TYPE).map((f) => [...f.payload]), [...Array(10).keys()].map((i) => [0xaa, i]));
});
