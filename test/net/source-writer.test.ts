// Round 9 (docs/FOOTPRINT.md "Round 9: conformance chunks"): a stream target with
// HalLink.writeSource gets a large frame as a CobsSource, read as its port drains, instead of a
// whole COBS encoding. The wire must carry exactly the bytes it carried before.
import test from 'ava';
import type { TxSource } from '../../src/hal.js';
import { SourceLinkWriter, LinkWriter } from '../../src/net/link-writer.js';
import { Prng } from '../../src/util/prng.js';
import { newLinkCounters, newNetCounters } from '../../src/net/stats.js';
import { TestNetwork } from './harness.js';
import type { SimLink } from './harness.js';
import { isRange, receivedFrom, startSender } from './traffic.js';

interface Run {
  wire: string[];
  sources: number;
  pieces: number;
  delivered: boolean;
}

/**
 * 1 <-> 2 over a lossy, corrupting UART-speed stream, large and small frames both ways. With
 * `sources`, each link reads what it is given as a source in random pieces (its own random
 * numbers: the wire's stay the same) and writes their concatenation.
 */
function run(sources: boolean, key: string | null): Run {
  const net = new TestNetwork({ seed: 9, net: key === null ? {} : { domainKey: key } });
  net.addNodes([1, 2]);
  net.connect(1, 2, 'stream', { loss: 0.05, corrupt: 0.02, latencyMs: 2, bytesPerMs: 92, chunkMax: 200 });
  const wire: string[] = [];
  const r: Run = { wire, sources: 0, pieces: 0, delivered: false };
  const pieceRng = new Prng(77);
  for (const id of [1, 2]) {
    const link = net.node(id).links[0] as SimLink & { writeSource?: (s: TxSource) => boolean };
    const write = link.write.bind(link);
    link.write = (bytes: Uint8Array): void => {
      wire.push(`${id}:${Buffer.from(bytes).toString('hex')}`);
      write(bytes);
    };
    if (sources) {
      link.writeSource = (source: TxSource): boolean => {
        r.sources++;
        const out = new Uint8Array(source.left);
        let at = 0;
        while (source.left > 0) {
          const n = Math.min(source.left, 1 + pieceRng.below(300));
          source.read(out, at, n);
          at += n;
          r.pieces++;
        }
        link.write(out);
        return true;
      };
    }
  }
  net.start();
  if (!net.runUntil(() => net.converged(), 10_000)) return r;
  const size = (i: number): number => (i % 3 === 0 ? 4000 - (i % 7) * 300 : 8 + (i % 40));
  startSender(net, 1, 2, 60, { size });
  startSender(net, 2, 1, 40, { size });
  const done = (): boolean => net.node(2).received.length >= 60 && net.node(1).received.length >= 40;
  r.delivered = net.runUntil(done, 120_000) && isRange(receivedFrom(net, 2, 1), 60) && isRange(receivedFrom(net, 1, 2), 40);
  return r;
}

for (const key of [null, '00112233445566778899aabbccddeeff']) {
  test(`a source-reading stream target puts the same bytes on the wire as an encoding one${key === null ? '' : ', with a domain key (MAC)'}`, (t) => {
    const plain = run(false, key);
    const sourced = run(true, key);
    t.true(plain.delivered && sourced.delivered, 'everything delivered, in order, both runs');
    t.is(plain.sources, 0);
    t.true(sourced.sources >= 34, `large frames went as sources (${sourced.sources})`);
    t.true(sourced.pieces > sourced.sources * 5, 'and were read in pieces');
    t.is(sourced.wire.length, plain.wire.length);
    t.deepEqual(sourced.wire, plain.wire, 'byte for byte, retransmissions included');
  });
}

test('a queued source keeps sending the frame as it was when the link rewrites its hop fields and CRC to resend it', (t) => {
  const held: TxSource[] = [];
  const written: Uint8Array[] = [];
  const hal = {
    index: 0, kind: 'stream' as const, mtu: 256,
    write: (b: Uint8Array): void => void written.push(b.slice()),
    writeSource: (s: TxSource): boolean => held.push(s) > 0,
    receiver: null,
  };
  const host = {
    node: 1, domain: 1, clock: { now: () => 0, setTimer: () => 0, clearTimer: () => {} },
    opts: { bytes: {} }, st: newNetCounters(), auth: null, wireEpoch: () => 0,
  } as unknown as ConstructorParameters<typeof LinkWriter>[1];
  const frame = Uint8Array.from({ length: 3000 }, (_, i) => (i * 13) & 0xff);
  const before = frame.slice();
  const sourced = new SourceLinkWriter(hal, host, 4200, true, newLinkCounters());
  sourced.write(frame);
  t.is(held.length, 1, 'a large frame goes as a source');
  t.is(written.length, 0, 'and is not encoded whole');
  // What HopLink.transmit does to resend it: hop fields, then the CRC (and a MAC) at the end.
  frame[0] ^= 0x0f;
  frame[3] = 0x77;
  frame.fill(0x55, frame.length - 4);
  const out = new Uint8Array(held[0]!.left);
  held[0]!.read(out, 0, out.length);
  const reference = new LinkWriter({ ...hal, writeSource: undefined }, host, 4200, true, newLinkCounters());
  reference.write(before);
  t.deepEqual([...out], [...written[0]!], 'the bytes of the frame as it was written');
  // A small frame still goes whole (one native call, no source object).
  sourced.write(new Uint8Array(100).fill(3));
  t.is(held.length, 1);
  t.is(written.length, 2);
});
