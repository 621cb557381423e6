/**
 * streamAckDelayMs (docs/PROTOCOL.md §5, docs/PERFORMANCE.md "Round 7b"): on a stream link an
 * ack for in-order frames waits up to 25 ms for a frame going back to ride on, on a datagram
 * link up to ackDelayMs (5). Laplace on 8 UART boards sent 3825 standalone LINK_ACKs with the
 * old 5 ms and 539 with 25 ms (about 15M XS units less).
 */
import test from 'ava';
import type { LinkKind } from '../../src/hal.js';
import type { NetOptions } from '../../src/net/options.js';
import { TestNetwork } from './harness.js';

const TYPE = 0x71;

function pair(kind: LinkKind, net: Partial<NetOptions> = {}): TestNetwork {
  const n = new TestNetwork({ seed: 5, net, record: false });
  n.addNodes([1, 2]);
  n.connect(1, 2, kind, { latencyMs: 1 });
  n.start();
  return n;
}

/** Sends one frame 1 -> 2 (nothing goes back) and returns how long node 1 waited for its hop ack. */
function ackWait(n: TestNetwork): number {
  if (!n.runUntil(() => n.converged(), 5_000)) throw new Error('no convergence');
  // Away from a HELLO (every 500 ms, it carries the ack too): just after one went.
  const helloAt = n.net(2).linkStats()[0]!.framesOut;
  n.runUntil(() => n.net(2).linkStats()[0]!.framesOut > helloAt, 1_000);
  const t0 = n.now;
  if (!n.net(1).send({ type: TYPE, dst: 2, srcPort: 1, dstPort: 1, payload: Uint8Array.of(1, 2, 3) })) throw new Error('send refused');
  if (!n.runUntil(() => n.net(1).linkStats()[0]!.inflight === 0, 1_000)) throw new Error('never acknowledged');
  return n.now - t0;
}

test('a lone frame on a stream link is acknowledged after streamAckDelayMs, on a datagram link after ackDelayMs', (t) => {
  const stream = ackWait(pair('stream'));
  t.true(stream >= 25 && stream <= 30, `stream: ${stream} ms`);
  const datagram = ackWait(pair('datagram'));
  t.true(datagram >= 5 && datagram <= 10, `datagram: ${datagram} ms`);
  const short = ackWait(pair('stream', { streamAckDelayMs: 5 }));
  t.true(short >= 5 && short <= 10, `stream with streamAckDelayMs 5: ${short} ms`);
});

test('on a stream link a reply within streamAckDelayMs carries the ack: no standalone LINK_ACK', (t) => {
  const framesBack = (net: Partial<NetOptions>): number => {
    const n = pair('stream', net);
    t.true(n.runUntil(() => n.converged(), 5_000));
    const link = (): number => n.net(2).linkStats()[0]!.framesOut;
    const before = link();
    n.runUntil(() => link() > before, 1_000);
    // Node 2 answers 15 ms after a request: later than ackDelayMs, sooner than streamAckDelayMs.
    n.net(2).register(TYPE, TYPE, (f) => {
      n.node(2).clock.setTimer(15, () => n.net(2).send({ type: TYPE + 1, dst: f.src, srcPort: 1, dstPort: 1, payload: Uint8Array.of(9) }));
    });
    const start = link();
    t.true(n.net(1).send({ type: TYPE, dst: 2, srcPort: 1, dstPort: 1, payload: Uint8Array.of(1) }));
    n.run(20);
    return link() - start;
  };
  t.is(framesBack({}), 1, 'the reply alone');
  t.is(framesBack({ streamAckDelayMs: 5 }), 2, 'a LINK_ACK, then the reply');
});

test('a bad streamAckDelayMs fails at start naming the option', (t) => {
  t.throws(() => pair('stream', { streamAckDelayMs: -1 }), { message: /streamAckDelayMs/ });
});
