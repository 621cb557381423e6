/**
 * The frame path's shortcuts of Round 13 (docs/PERFORMANCE.md "Round 13: the frame path"):
 * - a hop link on a link without our CRC seals a frame itself (NO_CRC and a zero field) instead
 *   of calling FrameCodec.seal: a frame forwarded from a stream link, whose field still holds the
 *   stream hop's CRC, must leave a datagram link with the field zeroed, or the next node drops
 *   it as `crc`;
 * - the layer's bytes in and frames and bytes out are the sums of its links' counters, made
 *   when stats() is asked, not counted twice per frame.
 */
import test from 'ava';
import { CRC_SIZE, FLAG_NO_CRC, FLAG_SEQ_VALID, FRAME_VERSION, OFF_VERSION_FLAGS } from '../../src/wire/frame.js';
import { SimLink, TestNetwork } from './harness.js';
import { intact, isRange, receivedFrom, startSender } from './traffic.js';

/** 1 -(stream)- 2 -(datagram)- 3, and every frame node 2 writes on its datagram link. */
function mixedLine(): { net: TestNetwork; onDatagram: Uint8Array[] } {
  const net = new TestNetwork({ seed: 13 });
  net.addNodes([1, 2, 3]);
  net.connect(1, 2, 'stream', { latencyMs: 1, bytesPerMs: 92 });
  net.connect(2, 3, 'datagram', { latencyMs: 1 });
  const onDatagram: Uint8Array[] = [];
  const link = net.node(2).links.find((l) => l.kind === 'datagram') as SimLink;
  const write = link.write.bind(link);
  link.write = (bytes: Uint8Array): void => {
    onDatagram.push(bytes.slice());
    write(bytes);
  };
  net.start();
  return { net, onDatagram };
}

test('a frame forwarded from a stream link leaves a datagram link as NO_CRC with a zero field, and arrives', (t) => {
  const { net, onDatagram } = mixedLine();
  t.true(net.runUntil(() => net.converged(), 2_000));
  // Both ways across node 2: stream -> datagram (node 2 forwards 1's frames to 3) and back.
  startSender(net, 1, 3, 40);
  startSender(net, 3, 1, 40);
  t.true(net.runUntil(() => net.node(3).received.length === 40 && net.node(1).received.length === 40, 5_000));
  t.true(isRange(receivedFrom(net, 3, 1), 40));
  t.true(isRange(receivedFrom(net, 1, 3), 40));
  t.true(net.node(3).received.every((f) => intact(f.payload)));
  for (const n of [1, 2, 3]) t.is(net.net(n).stats().malformed, 0, `node ${n} refused no frame`);
  const forwarded = onDatagram.filter((b) => (b[OFF_VERSION_FLAGS]! & FLAG_SEQ_VALID) !== 0 && b[5] === 1);
  t.true(forwarded.length >= 40, 'node 1\'s frames went out on the datagram link');
  for (const b of onDatagram) {
    t.is(b[OFF_VERSION_FLAGS]! >>> 4, FRAME_VERSION);
    t.not(b[OFF_VERSION_FLAGS]! & FLAG_NO_CRC, 0, 'every datagram frame is NO_CRC');
    const end = b.length - CRC_SIZE;
    t.is(b[end]! | b[end + 1]! | b[end + 2]! | b[end + 3]!, 0, 'and its CRC field is zero');
  }
});

test('the layer\'s bytes and frames totals are its links\' sums, and each wire\'s bytes are counted the same at both ends', (t) => {
  const { net } = mixedLine();
  t.true(net.runUntil(() => net.converged(), 2_000));
  startSender(net, 1, 3, 25);
  startSender(net, 3, 1, 25);
  t.true(net.runUntil(() => net.node(3).received.length === 25 && net.node(1).received.length === 25, 5_000));
  net.run(500); // the last acks and HELLOs land
  for (const n of [1, 2, 3]) {
    const s = net.net(n).stats();
    const links = net.net(n).linkStats();
    t.true(s.framesOut > 0 && s.bytesOut > 0 && s.bytesIn > 0);
    t.is(s.framesOut, links.reduce((a, l) => a + l.framesOut, 0), `node ${n} framesOut`);
    t.is(s.bytesOut, links.reduce((a, l) => a + l.bytesOut, 0), `node ${n} bytesOut`);
    t.is(s.bytesIn, links.reduce((a, l) => a + l.bytesIn, 0), `node ${n} bytesIn`);
    // Frames taken in: the links' counts, and those refused for their MAC (none here).
    t.true(s.framesIn > 0);
    t.is(s.framesIn, links.reduce((a, l) => a + l.framesIn, 0) + s.authFailed, `node ${n} framesIn`);
    // A second reading after more traffic grows with it (the sums are made afresh each time).
    t.true(s.framesOut >= links.length);
  }
  // A lossless wire: what one end counted out, the other counted in (the link counters are
  // the totals' only source now), whenever nothing is on the wire (HELLOs keep coming).
  const link = (n: number, peer: number) => net.net(n).linkStats().find((l) => l.peer === peer)!;
  t.true(net.runUntil(() => link(2, 1).bytesIn === link(1, 2).bytesOut && link(3, 2).bytesIn === link(2, 3).bytesOut, 2_000));
  t.true(link(1, 2).bytesOut > 25 * 20 && link(2, 3).bytesOut > 25 * 20);
  const before = net.net(2).stats().framesOut;
  startSender(net, 1, 3, 5);
  t.true(net.runUntil(() => net.node(3).received.length === 30, 5_000));
  t.true(net.net(2).stats().framesOut > before);
});
