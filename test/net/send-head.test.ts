/**
 * Net.sendHead (docs/PERFORMANCE.md "Round 14"): an upper layer's own header goes before
 * the payload without a joined copy of its own (MCAPI's MSG header, a PKT_CR's credit entries).
 * What arrives is the head then the payload, to another node, to this node (loopback) and by
 * broadcast; both are copied before send returns; the head counts toward maxPayload.
 */
import test from 'ava';
import { TestNetwork } from './harness.js';
import { BROADCAST_NODE } from '../../src/net/net.js';

function line(): TestNetwork {
  const net = new TestNetwork({ seed: 14 });
  net.addNodes([1, 2, 3]);
  net.line([1, 2, 3]);
  net.start();
  return net;
}

test('a head goes before the payload, to another node, to itself and by broadcast; neither is kept', (t) => {
  const net = line();
  t.true(net.runUntil(() => net.converged(), 5_000));
  const n1 = net.net(1);
  const head = Uint8Array.of(0xa1, 0xa2, 0xa3);
  const payload = Uint8Array.of(1, 2, 3, 4, 5);
  for (const dst of [3, 1, BROADCAST_NODE]) t.true(n1.sendHead(0x70, dst, 5, 6, head, payload));
  head.fill(0);
  payload.fill(0);
  net.run(200);
  const want = [0xa1, 0xa2, 0xa3, 1, 2, 3, 4, 5];
  const at3 = net.node(3).received.filter((f) => f.type === 0x70);
  const at1 = net.node(1).received.filter((f) => f.type === 0x70);
  const at2 = net.node(2).received.filter((f) => f.type === 0x70);
  t.deepEqual(at3.map((f) => [...f.payload]), [want, want], 'unicast and broadcast at node 3');
  t.deepEqual(at1.map((f) => [...f.payload]), [want], 'loopback');
  t.deepEqual(at2.map((f) => [...f.payload]), [want], 'broadcast at node 2');
  t.deepEqual(at3.map((f) => [f.src, f.srcPort, f.dstPort]), [[1, 5, 6], [1, 5, 6]]);
});

test('the head counts toward maxPayload', (t) => {
  const net = line();
  t.true(net.runUntil(() => net.converged(), 5_000));
  const n1 = net.net(1);
  const max = n1.options.maxPayload;
  t.throws(() => n1.sendHead(0x70, 3, 0, 0, new Uint8Array(3), new Uint8Array(max - 2)), { instanceOf: RangeError });
  t.true(n1.sendHead(0x70, 3, 0, 0, new Uint8Array(3), new Uint8Array(max - 3)));
});
