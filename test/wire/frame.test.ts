import test from 'ava';
import fc from 'fast-check';
import {
  DEFAULT_MAX_PAYLOAD, FLAG_ACK_VALID, FLAG_SEQ_VALID, FRAME_OVERHEAD, FrameCodec, emptyFrame,
} from '../../src/wire/frame.js';
import type { FrameFields } from '../../src/wire/frame.js';
import { withXsConcat } from './xs-concat.js';

const codec = new FrameCodec();

const arbFields = (maxPayload = 300): fc.Arbitrary<FrameFields> =>
  fc.record({
    flags: fc.integer({ min: 0, max: 3 }),
    type: fc.integer({ min: 0, max: 255 }),
    lseq: fc.integer({ min: 0, max: 255 }),
    lack: fc.integer({ min: 0, max: 255 }),
    domain: fc.integer({ min: 0, max: 255 }),
    src: fc.integer({ min: 0, max: 255 }),
    dst: fc.integer({ min: 0, max: 255 }),
    ttl: fc.integer({ min: 0, max: 255 }),
    srcPort: fc.integer({ min: 0, max: 0xffff }),
    dstPort: fc.integer({ min: 0, max: 0xffff }),
    epoch: fc.integer({ min: 0, max: 0xffff }),
    payload: fc.uint8Array({ maxLength: maxPayload }),
  });

test('round trip of random frames: decode(encode(f)) == f', (t) => {
  fc.assert(
    fc.property(arbFields(), (f) => {
      const bytes = codec.encode(f);
      if (bytes.length !== FRAME_OVERHEAD + f.payload.length) return false;
      const g = emptyFrame();
      if (codec.decode(bytes, g) !== 'ok') return false;
      const { payload, ...rest } = g;
      const { payload: want, ...wantRest } = f;
      t.deepEqual(rest, wantRest);
      return Buffer.from(payload).equals(Buffer.from(want));
    }),
    { seed: 1, numRuns: 500 },
  );
  t.pass();
});

function flipsAllDetected(frame: Uint8Array): number {
  const g = emptyFrame();
  let missed = 0;
  for (let bit = 0; bit < frame.length * 8; bit++) {
    frame[bit >>> 3] ^= 1 << (bit & 7);
    if (codec.decode(frame, g) === 'ok') missed++;
    frame[bit >>> 3] ^= 1 << (bit & 7);
  }
  return missed;
}

test('every single-bit flip of random frames is detected', (t) => {
  fc.assert(
    fc.property(arbFields(120), (f) => flipsAllDetected(codec.encode(f)) === 0),
    { seed: 2, numRuns: 40 },
  );
  t.pass();
});

test('every single-bit flip of a largest frame is detected', (t) => {
  const payload = new Uint8Array(DEFAULT_MAX_PAYLOAD);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + 3) & 0xff;
  const frame = codec.encode({ ...emptyFrame(), type: 0x30, ttl: 5, payload });
  t.is(frame.length, FRAME_OVERHEAD + DEFAULT_MAX_PAYLOAD);
  t.is(flipsAllDetected(frame), 0);
});

test('decode names the reason', (t) => {
  const f = emptyFrame();
  const good = codec.encode({ ...emptyFrame(), type: 0x10, ttl: 3, payload: Uint8Array.of(1, 2, 3) });
  t.is(codec.decode(good, f), 'ok');
  t.is(codec.decode(good.subarray(0, 19), f), 'short');
  const bad = (mutate: (b: Uint8Array) => void): Uint8Array => {
    const b = good.slice();
    mutate(b);
    return b;
  };
  t.is(codec.decode(bad((b) => { b[0] = 0x10; }), f), 'version', 'a version 1 frame');
  t.is(codec.decode(bad((b) => { b[0] = 0x20; }), f), 'version', 'a version 2 frame (no PKT_CR: a v2 board would misread one)');
  t.is(codec.decode(bad((b) => { b[0] = 0x30; }), f), 'version', 'a version 3 frame (no DIRECT flag: a v3 board would read a direct frame\'s stream id as another stream)');
  t.is(codec.decode(bad((b) => { b[0] = 0x50; }), f), 'version');
  t.is(codec.decode(bad((b) => { b[0] = 0x48; }), f), 'length', 'AUTH promises 8 more bytes (a tag)');
  // NO_CRC: refused unless the frame came over a datagram link; then the CRC field must be zero.
  const noCrc = bad((b) => { b[0] |= 0x04; b[17] ^= 0x40; b.fill(0, b.length - 4); });
  t.is(codec.decode(noCrc, f), 'no-crc');
  t.is(codec.decode(noCrc, f, true, true), 'ok');
  // Issue 11 defect 8: a NO_CRC frame with a non-zero CRC field is dropped ('crc'), whichever byte.
  for (let i = 1; i <= 4; i++) {
    const withField = noCrc.slice();
    withField[withField.length - i] = 0x5a;
    t.is(codec.decode(withField, f, true, true), 'crc', `CRC byte ${String(4 - i)} set`);
  }
  t.is(f.flags, 0, 'NO_CRC is a link matter, not a frame field');
  t.is(f.payload[1], 2 ^ 0x40);
  const sealed = good.slice();
  codec.seal(sealed, false);
  t.is(sealed[0], 0x44);
  t.deepEqual([...sealed.subarray(sealed.length - 4)], [0, 0, 0, 0]);
  codec.seal(sealed, true);
  t.deepEqual(sealed, good, 'sealing with a CRC again gives the original frame');
  t.is(codec.decode(bad((b) => { b[14] = 4; }), f), 'length');
  t.is(codec.decode(bad((b) => { b[15] = 0xff; }), f), 'too-large');
  t.is(codec.decode(bad((b) => { b[17] ^= 0x40; }), f), 'crc');
  const longer = new Uint8Array(good.length + 1);
  longer.set(good);
  t.is(codec.decode(longer, f), 'length');
  t.is(new FrameCodec(2).decode(good, f), 'too-large');
});

test('encode rejects out-of-range fields naming them', (t) => {
  const base = { ...emptyFrame(), ttl: 1 };
  t.throws(() => codec.encode({ ...base, flags: 4 }), { instanceOf: RangeError, message: /frame\.flags/ });
  t.throws(() => codec.encode({ ...base, dst: 256 }), { message: /frame\.dst/ });
  t.throws(() => codec.encode({ ...base, srcPort: -1 }), { message: /frame\.srcPort/ });
  t.throws(() => codec.encode({ ...base, epoch: 1.5 }), { message: /frame\.epoch/ });
  t.throws(() => codec.encode({ ...base, payload: new Uint8Array(DEFAULT_MAX_PAYLOAD + 1) }), { message: /maxPayload/ });
  t.throws(() => codec.encode(base, new Uint8Array(10)), { message: /needs 20 bytes/ });
});

test('setHop rewrites hop fields and keeps the frame valid', (t) => {
  const frame = codec.encode({ ...emptyFrame(), type: 0x40, src: 1, dst: 9, ttl: 16, payload: Uint8Array.of(9, 8) });
  codec.setHop(frame, FLAG_SEQ_VALID | FLAG_ACK_VALID, 200, 17, 15);
  const f = emptyFrame();
  t.is(codec.decode(frame, f), 'ok');
  t.is(f.flags, 3);
  t.is(f.lseq, 200);
  t.is(f.lack, 17);
  t.is(f.ttl, 15);
  t.is(f.dst, 9);
  t.deepEqual(Array.from(f.payload), [9, 8]);
});

test('an unsealed encode is completed by setHop', (t) => {
  const frame = codec.encode({ ...emptyFrame(), type: 0x11, ttl: 2 }, undefined, 0, false);
  const f = emptyFrame();
  t.is(codec.decode(frame, f), 'crc');
  codec.setHop(frame, FLAG_ACK_VALID, 0, 1, 2);
  t.is(codec.decode(frame, f), 'ok');
});

test('encode joins long payloads with ArrayBuffer.prototype.concat where the engine has one (XS): same bytes', (t) => {
  const plain = new FrameCodec();
  withXsConcat((calls) => {
    const xs = new FrameCodec();
    fc.assert(
      fc.property(arbFields(0), fc.integer({ min: 0, max: 600 }), fc.nat(5), fc.boolean(), (f, n, shift, seal) => {
        // Payloads as views into a larger buffer, as upper layers hand them over.
        const backing = new Uint8Array(n + shift + 3).map((_, i) => (i * 13 + n) & 0xff);
        const g = { ...f, payload: backing.subarray(shift, shift + n) };
        const a = plain.encode(g, undefined, 0, seal);
        const b = xs.encode(g, undefined, 0, seal);
        return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
      }),
      { seed: 8, numRuns: 300 },
    );
    t.true(calls() > 0, 'the concat path ran');
  });
});

test('originate gives the bytes of an unsealed encode of the prefixed payload, with and without concat (XS), tagged or not', (t) => {
  const check = (c: FrameCodec): boolean => {
    let ok = true;
    fc.assert(
      fc.property(arbFields(0), fc.integer({ min: 0, max: 600 }), fc.nat(5), fc.constantFrom(0, 2, 12), fc.boolean(), (f, n, shift, prefix, tag) => {
        const backing = new Uint8Array(n + shift + 3).map((_, i) => (i * 13 + n) & 0xff);
        const payload = backing.subarray(shift, shift + n);
        const prefixed = new Uint8Array(prefix + n);
        prefixed.set(payload, prefix);
        const g = { ...f, flags: 0, lseq: 0, lack: 0, payload: prefixed };
        const a = new FrameCodec().encode(g, undefined, 0, false, true, tag);
        const b = c.originate(f.type, f.domain, f.src, f.dst, f.ttl, f.srcPort, f.dstPort, f.epoch, prefix, payload, tag);
        const same = a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
        // The caller's bytes were copied, not kept: changing them afterwards changes nothing.
        backing.fill(0xee);
        const kept = Buffer.from(a).equals(Buffer.from(b));
        ok &&= same && kept;
        return same && kept;
      }),
      { seed: 15, numRuns: 300 },
    );
    return ok;
  };
  t.true(check(new FrameCodec()));
  withXsConcat((calls) => {
    t.true(check(new FrameCodec()));
    t.true(calls() > 0, 'the concat path ran');
  });
  t.throws(() => new FrameCodec(100).originate(0x10, 1, 1, 2, 16, 0, 0, 0, 12, new Uint8Array(89), false), { message: /maxPayload/ });
});

test('control writes over a reused buffer the bytes encode gives for a link control frame', (t) => {
  const c = new FrameCodec();
  const buf = new Uint8Array(64).fill(0xa5);
  t.notThrows(() => fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1 }), fc.constantFrom(0x01, 0x02), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 254 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffff }),
      fc.uint8Array({ maxLength: 9 }), fc.boolean(), fc.boolean(),
      (flags, type, lack, domain, src, dst, epoch, payload, tag, crc) => {
        const f: FrameFields = { flags, type, lseq: 0, lack, domain, src, dst, ttl: 1, srcPort: 0, dstPort: 0, epoch, payload };
        const a = c.encode(f, undefined, 0, !tag, crc, tag);
        const backing = new Uint8Array(payload.length + 4).fill(0x77);
        backing.set(payload);
        const n = c.control(buf, flags, type, lack, domain, src, dst, epoch, backing, payload.length, tag);
        const b = buf.subarray(0, n);
        if (!tag) c.seal(b, crc);
        // Tagged frames are compared before signing: header and payload.
        const upTo = tag ? 16 + payload.length : n;
        return n === a.length && Buffer.from(a.subarray(0, upTo)).equals(Buffer.from(b.subarray(0, upTo)));
      },
    ),
    { seed: 21, numRuns: 500 },
  ));
});
