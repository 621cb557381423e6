/**
 * Net.sendBuilt (docs/FOOTPRINT.md "Round 20: checkpoint data framed in place"): a payload its sender writes in place, into the
 * frame the net makes and keeps (FT's checkpoint data). What arrives is what the writer wrote, to
 * another node, to this node (loopback) and by broadcast; a unicast frame is the same frame on
 * the wire as send of that payload; a refused frame is never written; the size counts toward
 * maxPayload.
 */
import test from 'ava';
import { TestNetwork } from './harness.js';
import type { Wire } from './harness.js';
import { BROADCAST_NODE } from '../../src/net/net.js';
import type { NetFrame } from '../../src/net/net.js';
import { HEADER_SIZE } from '../../src/wire/frame.js';
import { E2E_HEADER } from '../../src/net/e2e.js';

/** Nodes 1 - 2 - 3 in a line, converged; `w12` the wire between 1 and 2. */
function network(): { net: TestNetwork; w12: Wire } {
  const net = new TestNetwork({ seed: 14 });
  net.addNodes([1, 2, 3]);
  const w12 = net.connect(1, 2);
  net.connect(2, 3);
  net.start();
  if (!net.runUntil(() => net.converged(), 5_000)) throw new Error('the line did not converge');
  return { net, w12 };
}

/** The writer: `bytes` of a pattern at `at`, counting its calls and where it wrote. */
function writer(seen: number[]): (frame: Uint8Array, at: number, base: number, step: number) => void {
  return (frame, at, base, step) => {
    seen.push(at, frame.length);
    for (let i = at; i < frame.length && i - at < 6; i++) frame[i] = base + step * (i - at);
  };
}

test('what the writer writes arrives, to another node, to itself and by broadcast', (t) => {
  const { net } = network();
  const n1 = net.net(1);
  const seen: number[] = [];
  for (const dst of [3, 1, BROADCAST_NODE]) t.true(n1.sendBuilt(0x70, dst, 5, 6, 6, writer(seen), 10, 3));
  net.run(200);
  const want = [10, 13, 16, 19, 22, 25];
  const got = (id: number): NetFrame[] => net.node(id).received.filter((f) => f.type === 0x70);
  // Node 3: unicast and broadcast; node 1: loopback; node 2: broadcast.
  t.deepEqual([3, 1, 2].map((id) => got(id).map((f) => [...f.payload])), [[want, want], [want], [want]]);
  t.deepEqual(got(3).map((f) => [f.src, f.srcPort, f.dstPort]), [[1, 5, 6], [1, 5, 6]]);
  // Unicast: written into the frame itself, behind the header and the end-to-end prefix.
  t.is(seen[0], HEADER_SIZE + E2E_HEADER);
  // Loopback and broadcast: into a payload of their own, sent on by send.
  t.deepEqual([seen[2], seen[3], seen[4], seen[5]], [0, 6, 0, 6]);
});

test('a unicast frame is the frame send makes of the same payload, byte for byte', (t) => {
  const frames: Uint8Array[][] = [];
  for (const built of [false, true]) {
    const { net, w12 } = network();
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
  const { net } = network();
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
