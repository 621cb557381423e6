import test from 'ava';
import fc from 'fast-check';
import { NATIVE_COPY_MIN, copyBytes, copyInto, copyOf, sameBytes, sliceBuffer, type NativeCopy } from '../../src/dsm/bytes.js';

/** A byte array at `offset` inside a larger buffer (so views start unaligned). */
function placed(bytes: readonly number[], offset: number): Uint8Array {
  const a = new Uint8Array(new ArrayBuffer(offset + bytes.length + 8), offset, bytes.length);
  a.set(bytes);
  return a;
}

test('copyInto copies exactly the source bytes, at every alignment of source and destination', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 300 }),
      fc.nat(15),
      fc.nat(15),
      fc.nat(40),
      (src, srcOff, dstOff, at) => {
        const s = placed(src, srcOff);
        const dst = placed(new Array<number>(at + src.length + 20).fill(0xee), dstOff);
        copyInto(dst, at, s);
        for (let i = 0; i < dst.length; i++) {
          const want = i >= at && i < at + src.length ? src[i - at]! : 0xee;
          if (dst[i] !== want) return false;
        }
        return true;
      },
    ),
    { seed: 11, numRuns: 400 },
  );
  t.pass();
});

test('copyBytes takes the native copy from NATIVE_COPY_MIN bytes on and copyInto below it, the same bytes either way', (t) => {
  const calls: number[] = [];
  const native: NativeCopy = (src, start, end, dst, at) => {
    calls.push(end - start);
    dst.set(src.subarray(start, end), at);
  };
  for (const n of [0, 1, NATIVE_COPY_MIN - 1, NATIVE_COPY_MIN, 4096]) {
    const src = placed(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff), 3);
    const a = placed(new Array<number>(n + 20).fill(0xee), 5);
    const b = placed(new Array<number>(n + 20).fill(0xee), 5);
    calls.length = 0;
    copyBytes(a, 9, src, native);
    copyBytes(b, 9, src, undefined);
    t.deepEqual([...a], [...b], `${n} bytes`);
    t.deepEqual([...a.subarray(9, 9 + n)], [...src]);
    t.deepEqual(calls, n >= NATIVE_COPY_MIN ? [n] : [], `${n} bytes: native copy calls`);
  }
});

test('copyInto keeps NaN payloads and negative zero bit for bit (the wide copy is a memcpy)', (t) => {
  const src = new Uint8Array(128);
  const dv = new DataView(src.buffer);
  for (let i = 0; i < 16; i++) {
    // Signalling and quiet NaNs with payloads, -0, and plain values.
    dv.setUint32(8 * i, [0x7ff00001, 0xfff80000, 0x7ff7ffff, 0x80000000][i % 4]!, true);
    dv.setUint32(8 * i + 4, [0x7ff00000, 0xfff80001, 0x7ff7ffff, 0x80000000][i % 4]!, true);
  }
  for (const off of [0, 8, 3]) {
    const dst = new Uint8Array(160);
    copyInto(dst, off, src);
    t.deepEqual(Array.from(dst.subarray(off, off + 128)), Array.from(src), `offset ${off}`);
  }
});

test('sameBytes tells equal ranges from ranges differing in any one byte', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 300 }),
      fc.nat(7),
      fc.nat(7),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      (bytes, ao, bo, pick, flip) => {
        const a = placed(bytes, ao);
        const b = placed(bytes, bo);
        if (!sameBytes(a, 0, b, 0, bytes.length)) return false;
        const i = pick % bytes.length;
        b[i] ^= flip;
        return !sameBytes(a, 0, b, 0, bytes.length) && sameBytes(a, 0, b, 0, i) && sameBytes(a, i + 1, b, i + 1, bytes.length - i - 1);
      },
    ),
    { seed: 12, numRuns: 400 },
  );
  t.pass();
});

test('copyOf and sliceBuffer copy (later writes to the source do not show)', (t) => {
  const src = placed([1, 2, 3, 4, 5, 6], 3);
  const c = copyOf(src.subarray(1, 5));
  const b = new Uint8Array(sliceBuffer(src, 2, 4));
  src.fill(9);
  t.deepEqual(Array.from(c), [2, 3, 4, 5]);
  t.is(c.byteOffset, 0);
  t.deepEqual(Array.from(b), [3, 4]);
});
