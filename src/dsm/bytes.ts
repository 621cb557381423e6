/**
 * Byte moves and comparisons for the DSM's data path, cheap on every engine.
 *
 * XS copies between typed arrays of the same type with one memcpy, but meters it per
 * element (2 units each), so a Uint8Array copy costs 2 units per byte and a Float64Array
 * copy of the same bytes 0.25; `ArrayBuffer.prototype.slice` is a memcpy metered as one
 * call. Pages therefore move with `copyInto` (src/util/wide-copy.ts: 8-byte views) and are
 * copied whole with `ArrayBuffer.prototype.slice`.
 *
 * Comparing a range with a snapshot is the read-only check. A JavaScript loop costs about
 * 3 units per byte in XS, which for an application that reads its whole band every
 * iteration (Laplace) is more than the computation itself. XS has
 * `BigInt.fromArrayBuffer`: a native copy of a buffer into a BigInt, and two BigInts compare
 * with one memcmp; where an engine lacks it (V8), the snapshot is a byte copy compared word
 * by word (V8 compiles that loop).
 */

/** Below this many bytes a word loop is not worth setting up. */
const WIDE_MIN = 64;

import { copyInto } from '../util/wide-copy.js';
export { copyInto };
// The native-copy rule is shared with MCAPI's message path, so it lives in src/util.
export { copyBytes, NATIVE_COPY_MIN, type NativeCopy } from '../util/native-copy.js';

/** XS's BigInt.fromArrayBuffer(buffer): the bytes as one big-endian unsigned BigInt. */
export type FromArrayBuffer = (buffer: ArrayBuffer) => bigint;

/** The engine's BigInt.fromArrayBuffer, or undefined (standard engines have none). */
export function bigintFromBuffer(): FromArrayBuffer | undefined {
  const f = (BigInt as unknown as { fromArrayBuffer?: unknown }).fromArrayBuffer;
  return typeof f === 'function' ? (f as FromArrayBuffer) : undefined;
}

/** XS's ArrayBuffer.prototype.concat: a new buffer holding this one's bytes, then each argument's (call it with `apply`). */
export type ConcatBuffers = (this: ArrayBuffer, ...parts: ArrayBuffer[]) => ArrayBuffer;

/**
 * The engine's ArrayBuffer.prototype.concat as a function, or undefined (standard engines have
 * none). On XS it is one native call whatever the length, where copying a page through
 * 8-byte views costs a unit per 4 bytes (a 4 KiB page: ~1.1k units).
 */
export function bufferConcat(): ConcatBuffers | undefined {
  const f = (ArrayBuffer.prototype as unknown as { concat?: unknown }).concat;
  // The native method itself, not a closure over it that every DSM's home would keep (~9 XS slots).
  return typeof f === 'function' ? (f as ConcatBuffers) : undefined;
}

/** A copy of bytes [start, end) of `src` in a buffer of its own (one memcpy). */
export function sliceBuffer(src: Uint8Array, start: number, end: number): ArrayBuffer {
  const o = src.byteOffset;
  return (src.buffer as ArrayBuffer).slice(o + start, o + end);
}

/** A fresh array holding a copy of `src` (offset 0 in its own buffer). */
export function copyOf(src: Uint8Array): Uint8Array {
  return new Uint8Array(sliceBuffer(src, 0, src.length));
}

/** True when a[aOff, aOff + n) and b[bOff, bOff + n) hold the same bytes. */
export function sameBytes(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, n: number): boolean {
  let i = 0;
  const pa = a.byteOffset + aOff;
  const pb = b.byteOffset + bOff;
  if (n >= WIDE_MIN && ((pa ^ pb) & 3) === 0) {
    for (; i < n && ((pa + i) & 3) !== 0; i++) if (a[aOff + i] !== b[bOff + i]) return false;
    const words = (n - i) >>> 2;
    const wa = new Int32Array(a.buffer, pa + i, words);
    const wb = new Int32Array(b.buffer, pb + i, words);
    for (let k = 0; k < words; k++) if (wa[k] !== wb[k]) return false;
    i += words << 2;
  }
  for (; i < n; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}
