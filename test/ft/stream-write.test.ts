/**
 * A checkpoint stream's frames written in place (StreamSender.size / write, Net.sendBuilt;
 * docs/FOOTPRINT.md "Round 20: checkpoint data framed in place"): each frame is `size` bytes, written at any offset of the frame
 * the net makes, the same bytes with the board's memcpy as without, and a receiver rebuilds the
 * image from them (names of several UTF-8 bytes, runs across frames, a last short frame).
 */
import test from 'ava';
import { Image, Pending } from '../../src/ft/image.js';
import { ByteWriter } from '../../src/ft/bytes.js';
import { FLAG_LAST, RX_EXPECTED, StreamReceiver, StreamSender, sourceOfImage } from '../../src/ft/stream.js';

const CAP = 300;
const AT = 28;

function image(): Image {
  const img = new Image(0);
  const a = new Uint8Array(1000);
  for (let i = 0; i < a.length; i++) a[i] = (i * 31) & 0xff;
  img.install(['app', 'dsm/ü€/0', 'empty'], [Uint8Array.of(1, 2, 3), a, new Uint8Array(0)], 4, 40);
  return img;
}

const memcpy = (src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): void => {
  for (let i = start; i < end; i++) dst[at++] = src[i]!;
};

test('frames written in place are size() long, equal with and without a memcpy, and rebuild the image', (t) => {
  const img = image();
  const plain = new StreamSender(2, 0, 4, 0, true, sourceOfImage(img), 4, 0, Infinity, CAP);
  const native = new StreamSender(2, 0, 4, 0, true, sourceOfImage(img), 4, 0, Infinity, CAP);
  const built = new StreamSender(2, 0, 4, 0, true, sourceOfImage(img), 4, 0, Infinity, CAP);
  const w = new ByteWriter(CAP);
  const rx = new StreamReceiver(new Pending(4, 0, true, 0));
  const target = new Image(0);
  let frames = 0;
  for (let last = false; !last; frames++) {
    const n = plain.size(CAP);
    t.is(native.size(CAP), n);
    t.true(n <= CAP);
    const a = new Uint8Array(AT + n + 4).fill(0xee);
    const b = new Uint8Array(AT + n + 4).fill(0xee);
    t.is(plain.write(a, AT, CAP, undefined), n);
    t.is(native.write(b, AT, CAP, memcpy), n);
    t.deepEqual([...b], [...a]);
    // Nothing written outside the payload's room.
    t.true(a.subarray(0, AT).every((x) => x === 0xee) && a.subarray(AT + n).every((x) => x === 0xee));
    const payload = a.slice(AT, AT + n);
    // build (a net without sendBuilt) writes the same frame.
    t.deepEqual([...built.build(w, CAP)], [...payload]);
    last = (payload[0]! & FLAG_LAST) !== 0;
    t.is(rx.apply(target, payload, last, 1 << 20), 'ok');
    for (const s of [plain, native, built]) {
      s.sent(n);
      s.onAck(rx.v[RX_EXPECTED]!, 0);
    }
  }
  t.true(frames >= 4, `${frames} frames`);
  t.true(rx.complete && plain.complete);
  const p = rx.pending;
  t.deepEqual(p.tableNames(), img.names);
  t.deepEqual(Array.from({ length: p.segCount }, (_, i) => [...(p.whole(i) ?? [])]), img.data.map((x) => [...x]));
});
