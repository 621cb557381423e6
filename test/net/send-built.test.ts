/**
 * Net.sendBuilt (docs/FOOTPRINT.md "Round 20"): a payload its sender writes in place, into the
 * frame the net makes and keeps (FT's checkpoint data). What arrives is what the writer wrote, to
 * another node, to this node (loopback) and by broadcast; a unicast frame is the same frame on
 * the wire as send of that payload; a refused frame is never written; the size counts toward
 * maxPayload.
 */
import test from 'ava';
import { TestNetwork } from './harness.js';
import { BROADCAST_NODE } from '../../src/net/net.js';
import { HEADER_SIZE } from '../../src/wire/frame.js';
import { E2E_HEADER } from '../../src/net/e2e.js';

function line(): TestNetwork {
  const net = new TestNetwork({ seed: 14 });
  net.addNodes([1, 2, 3]);
  net.line([1, 2, 3]);
  net.start();
  return net;
}

/** The writer: `bytes` of a pattern at `at`, counting its calls and where it wrote. */
function writer(seen: number[]): (frame: Uint8Array, at: number, base: number, step: number) => void {
  return (frame, at, base, step) => {
    seen.push(at, frame.length);
    for (let i = at; i < frame.length && i - at < 6; i++) frame[i] = base + step * (i - at);
  };
}

test('what the writer writes arrives, to another node, to itself and by broadcast', (t) => {
  const net = line();
  t.true(net.runUntil(() => net.converged(), 5_000));
  const n1 = net.net(1);
  const seen: number[] = [];
  for (const dst of [3, 1, BROADCAST_NODE]) t.true(n1.sendBuilt(0x70, dst, 5, 6, 6, writer(seen), 10, 3));
  net.run(200);
  const want = [10, 13, 16, 19, 22, 25];
  const at3 = net.node(3).received.filter((f) => f.type === 0x70);
  const at1 = net.node(1).received.filter((f) => f.type === 0x70);
  const at2 = net.node(2).received.filter((f) => f.type === 0x70);
  t.deepEqual(at3.map((f) => [...f.payload]), [want, want], 'unicast and broadcast at node 3');
  t.deepEqual(at1.map((f) => [...f.payload]), [want], 'loopback');
  t.deepEqual(at2.map((f) => [...f.payload]), [want], 'broadcast at node 2');
  t.deepEqual(at3.map((f) => [f.src, f.srcPort, f.dstPort]), [[1, 5, 6], [1, 5, 6]]);
  // Unicast: written into the frame itself, behind the header and the end-to-end prefix.
  t.is(seen[0], HEADER_SIZE + E2E_HEADER);
  // Loopback and broadcast: into a payload of their own, sent on by send.
  t.deepEqual([seen[2], seen[3], seen[4], seen[5]], [0, 6, 0, 6]);
});

test('a unicast frame is the frame send makes of the same payload, byte for byte', (t) => {
  const frames: Uint8Array[][] = [];
  for (const built of [false, true]) {
    const net = new TestNetwork({ seed: 14 });
    net.addNodes([1, 2, 3]);
    const w12 = net.connect(1, 2);
    net.connect(2, 3);
    net.start();
    t.true(net.runUntil(() => net.converged(), 5_000));
    const n1 = net.net(1);
    const payload = new Uint8Array(600);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 13) & 0xff;
    // What node 1 writes on its link from here on.
    const wire: Uint8Array[] = [];
    const transmit = w12.transmit.bind(w12);
    w12.transmit = (from, bytes): void => {
      if (from === w12.a) wire.push(bytes.slice());
      transmit(from, bytes);
    };
    if (built) t.true(n1.sendBuilt(0x70, 3, 0, 0, payload.length, (f: Uint8Array, at: number, p: Uint8Array) => f.set(p, at), payload, 0));
    else t.true(n1.send({ type: 0x70, dst: 3, srcPort: 0, dstPort: 0, payload }));
    net.run(50);
    const got = net.node(3).received.filter((f) => f.type === 0x70);
    t.deepEqual(got.map((f) => f.payload.length), [600]);
    t.deepEqual([...got[0]!.payload], [...payload]);
    frames.push(wire);
  }
  t.true(frames[0]!.length > 0);
  t.deepEqual(frames[1]!.map((b) => [...b]), frames[0]!.map((b) => [...b]));
});

test('a refused frame is not written; the size counts toward maxPayload', (t) => {
  const net = line();
  t.true(net.runUntil(() => net.converged(), 5_000));
  const n1 = net.net(1);
  const seen: number[] = [];
  // No route to node 9: refused before the frame is made.
  t.false(n1.sendBuilt(0x70, 9, 0, 0, 6, writer(seen), 1, 1));
  t.deepEqual(seen, []);
  const max = n1.options.maxPayload;
  t.throws(() => n1.sendBuilt(0x70, 3, 0, 0, max + 1, writer(seen), 1, 1), { instanceOf: RangeError, message: /more than/ });
  t.throws(() => n1.sendBuilt(0x70, 3, 0, 0, 1.5, writer(seen), 1, 1), { instanceOf: RangeError });
  t.deepEqual(seen, []);
  t.true(n1.sendBuilt(0x70, 3, 0, 0, max, writer(seen), 1, 1));
  t.deepEqual(seen, [HEADER_SIZE + E2E_HEADER, HEADER_SIZE + E2E_HEADER + max + 4]);
});
