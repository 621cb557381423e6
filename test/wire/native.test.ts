/**
 * Native byte helpers (src/wire/native.ts) against the JS reference, byte for byte, through
 * the simulator's host side (host-sim/boards/native-host.ts) and its request format — the
 * same messages an XS board's issueCommand sends (hal/xsnap/native-bytes.ts). The XS boards'
 * own path is covered end to end by test/xs/native-bytes.test.ts.
 */
import test from 'ava';
import fc from 'fast-check';
import { Crc32 } from '../../src/wire/crc32.js';
import { CobsDeframer, cobsDecode, cobsEncode, cobsEncodedLength } from '../../src/wire/cobs.js';
import { findZero } from '../../src/wire/bytes.js';
import { diffSpans } from '../../src/ft/spans.js';
import type { NativeBytes } from '../../src/wire/native.js';
import { NATIVE_CALL_UNITS, NATIVE_UNITS_PER_BYTE, NativeHost } from '../../host-sim/boards/native-host.js';
import {
  NATIVE_MARK, OP_COBS_DEC, OP_COBS_ENC, OP_COPY, OP_CRC32, OP_DIFF, OP_FIND_ZERO, OP_PROBE, opBit,
} from '../../hal/xsnap/native-protocol.js';

const req = (head: number[], ...parts: Uint8Array[]): Uint8Array => {
  const n = head.length + parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  out.set(head, 0);
  let at = head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** The natives as an XS board sees them, served in-process by a NativeHost. */
function hostNatives(host: NativeHost): NativeBytes {
  return {
    crc32: (b, s, e) => {
      const r = host.answer(req([NATIVE_MARK, OP_CRC32], b.subarray(s, e)));
      return (r[0]! | (r[1]! << 8) | (r[2]! << 16) | (r[3]! << 24)) >>> 0;
    },
    cobsEncode: (b, s, e, lead) => host.answer(req([NATIVE_MARK, OP_COBS_ENC, lead ? 1 : 0], b.subarray(s, e))).slice(),
    cobsDecode: (b, s, e) => {
      const r = host.answer(req([NATIVE_MARK, OP_COBS_DEC], b.subarray(s, e)));
      return r[0] === 1 ? r.slice(1) : null;
    },
    findZero: (b, s, e) => {
      const r = host.answer(req([NATIVE_MARK, OP_FIND_ZERO], b.subarray(s, e)));
      const at = new DataView(r.buffer, r.byteOffset, 4).getInt32(0, true);
      return at < 0 ? -1 : s + at;
    },
    diffSpans: (a, b, gap) => {
      const n = Math.min(a.length, b.length);
      const head = new Uint8Array(10);
      head[0] = NATIVE_MARK;
      head[1] = OP_DIFF;
      new DataView(head.buffer).setUint32(2, gap, true);
      new DataView(head.buffer).setUint32(6, n, true);
      const r = host.answer(req([...head], a.subarray(0, n), b.subarray(0, n))).slice();
      return new Uint32Array(r.buffer, 0, r.length >> 2);
    },
    copy: (src, s, e, dst, at) => dst.set(host.answer(req([NATIVE_MARK, OP_COPY], src.subarray(s, e))), at),
  };
}

const arbData = fc.oneof(
  fc.uint8Array({ maxLength: 5000 }),
  fc.array(fc.constantFrom(0, 1, 0xff), { maxLength: 600 }).map((a) => Uint8Array.from(a)),
  fc.integer({ min: 250, max: 1200 }).map((n) => Uint8Array.from({ length: n }, (_, i) => (i % 255) + 1)),
);

function jsEncode(data: Uint8Array, lead: boolean): Uint8Array {
  const out = new Uint8Array(1 + cobsEncodedLength(data.length));
  const n = cobsEncode(data, out, lead ? 1 : 0);
  return out.subarray(0, (lead ? 1 : 0) + n);
}

test('the probe answers the ops a host serves, and an unserved op gets nothing', (t) => {
  const some = new NativeHost(opBit(OP_CRC32));
  t.deepEqual([...some.answer(new Uint8Array([NATIVE_MARK, OP_PROBE]))], [opBit(OP_CRC32)]);
  t.is(some.answer(req([NATIVE_MARK, OP_COBS_ENC, 0], new Uint8Array([1, 2]))).length, 0);
  t.is(some.answer(new Uint8Array([0x41, OP_CRC32])).length, 0, 'not a native request');
});

test('native CRC-32 equals the JS tables on any range (property)', (t) => {
  const natives = hostNatives(new NativeHost());
  const js = new Crc32(8);
  const one = new Crc32(1);
  fc.assert(
    fc.property(arbData, fc.nat(), fc.nat(), (data, a, b) => {
      const s = data.length === 0 ? 0 : a % data.length;
      const e = s + (data.length === 0 ? 0 : b % (data.length - s + 1));
      const want = js.compute(data, s, e);
      return natives.crc32!(data, s, e) === want && one.compute(data, s, e) === want && new Crc32(8, natives).compute(data, s, e) === want;
    }),
    { seed: 12, numRuns: 200 },
  );
  t.is(natives.crc32!(new TextEncoder().encode('123456789'), 0, 9), 0xcbf43926);
});

test('native COBS encode and decode give the JS bytes, malformed blocks refused alike (property)', (t) => {
  const natives = hostNatives(new NativeHost());
  fc.assert(
    fc.property(arbData, fc.boolean(), (data, lead) => {
      const enc = natives.cobsEncode!(data, 0, data.length, lead);
      if (!Buffer.from(enc).equals(Buffer.from(jsEncode(data, lead)))) return false;
      const block = enc.subarray(lead ? 1 : 0, enc.length - 1);
      const dec = natives.cobsDecode!(block, 0, block.length);
      return dec !== null && Buffer.from(dec).equals(Buffer.from(data));
    }),
    { seed: 13, numRuns: 200 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), (junk) => {
      const out = new Uint8Array(junk.length);
      const n = cobsDecode(junk, out);
      const dec = natives.cobsDecode!(junk, 0, junk.length);
      return n < 0 ? dec === null : dec !== null && Buffer.from(dec).equals(Buffer.from(out.subarray(0, n)));
    }),
    { seed: 14, numRuns: 300 },
  );
  t.pass();
});

test('native findZero and diffSpans equal the JS code (property)', (t) => {
  const natives = hostNatives(new NativeHost());
  fc.assert(
    fc.property(arbData, fc.nat(), (data, a) => {
      const s = data.length === 0 ? 0 : a % data.length;
      return natives.findZero!(data, s, data.length) === findZero(data, s, data.length);
    }),
    { seed: 15, numRuns: 200 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 40 }), fc.integer({ min: 0, max: 40 }), (base, flips, gap) => {
      const b = base.slice();
      for (const f of flips) if (b.length > 0) b[f % b.length] ^= 1 + (f & 0x7f);
      const want: number[] = [];
      diffSpans(base, b, gap, (s, e) => want.push(s, e));
      return JSON.stringify([...natives.diffSpans!(base, b, gap)]) === JSON.stringify(want);
    }),
    { seed: 16, numRuns: 200 },
  );
  t.pass();
});

test('a deframer with native decode yields the same frames as the JS one from any chunking, garbage included (property)', (t) => {
  const natives = hostNatives(new NativeHost());
  const maxFrame = 700;
  fc.assert(
    fc.property(
      fc.array(fc.oneof(arbData.map((d) => ({ frame: d.subarray(0, 900) })), fc.uint8Array({ maxLength: 40 }).map((junk) => ({ junk }))), { maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }),
      (parts, cuts) => {
        const pieces: Uint8Array[] = [];
        for (const p of parts) pieces.push('frame' in p ? jsEncode(p.frame, true) : p.junk);
        const stream = Buffer.concat(pieces);
        const js: string[] = [];
        const nat: string[] = [];
        const a = new CobsDeframer(maxFrame, { deframed: (f) => js.push(Buffer.from(f).toString('hex')) });
        const b = new CobsDeframer(maxFrame, { deframed: (f) => nat.push(Buffer.from(f).toString('hex')) }, natives);
        let at = 0;
        let k = 0;
        while (at < stream.length) {
          const n = cuts[k++ % cuts.length]!;
          const chunk = new Uint8Array(stream.subarray(at, at + n));
          a.push(chunk);
          b.push(chunk);
          at += n;
        }
        return JSON.stringify(js) === JSON.stringify(nat) && a.frames === b.frames && a.frames === js.length;
      },
    ),
    { seed: 17, numRuns: 300 },
  );
  t.pass();
});

test('a deframer with native decode holds no block buffer of a large frame between frames', (t) => {
  // Kept for good, the block buffer of the largest frame was ~4.2 KiB of chunks per stream link
  // on a board (docs/FOOTPRINT.md, "Round 8: conformance footprint").
  const natives = hostNatives(new NativeHost());
  const maxFrame = 4200;
  const got: number[] = [];
  const d = new CobsDeframer(maxFrame, { deframed: (f) => got.push(f.length) }, natives);
  t.is(d.bufferBytes, 0, 'nothing before the first frame');
  const big = new Uint8Array(4100).map((_, i) => (i * 7 + 1) & 0xff);
  const wire = jsEncode(big, true);
  for (let at = 0; at < wire.length; at += 1000) {
    d.push(new Uint8Array(wire.subarray(at, at + 1000)));
    if (at + 1000 < wire.length) t.true(d.bufferBytes >= at + 999, `a block spanning reads is kept (${d.bufferBytes} B after ${at + 1000})`);
  }
  t.deepEqual(got, [4100]);
  t.true(d.bufferBytes <= 256, `after the frame: ${d.bufferBytes} B held`);
  // A small frame split across reads keeps (at most) a small buffer.
  const small = jsEncode(new Uint8Array(100).fill(9), false);
  d.push(small.subarray(0, 50));
  d.push(small.subarray(50));
  t.deepEqual(got, [4100, 100]);
  t.true(d.bufferBytes <= 256);
});

test('each native call is charged its declared cost: a fixed part and a part per byte', (t) => {
  const host = new NativeHost();
  const natives = hostNatives(host);
  natives.crc32!(new Uint8Array(1000), 0, 1000);
  t.is(host.take(), NATIVE_CALL_UNITS + 1000 * NATIVE_UNITS_PER_BYTE.crc32);
  natives.cobsEncode!(new Uint8Array(400).fill(3), 0, 400, false);
  natives.cobsDecode!(new Uint8Array([3, 1, 1]), 0, 3);
  t.is(host.take(), 2 * NATIVE_CALL_UNITS + 400 * NATIVE_UNITS_PER_BYTE.cobsEncode + 3 * NATIVE_UNITS_PER_BYTE.cobsDecode);
  t.is(host.take(), 0, 'taken once');
  t.is(host.calls.get(OP_CRC32), 1);
});
