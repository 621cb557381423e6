/**
 * Byte copies that are cheap on every engine. On XS, typed-array `set`, `copyWithin` and
 * `fill` are C loops (a memcpy for `set`), metered at about 2 units per element (`fill` 1),
 * against some 25-30 units per step of a JS byte loop; but each `set` of a part needs a
 * `subarray` view, so a copy has a fixed cost of ~100 units. `ArrayBuffer.prototype.slice` is a
 * memcpy there as everywhere else, and XS's own `ArrayBuffer.prototype.concat` joins buffers
 * with one memcpy each, without a view per part. Code that moves large payloads uses these and
 * falls back to `set` where an engine lacks `concat` (V8 copies fast).
 */

/** XS's ArrayBuffer.prototype.concat: a new buffer holding `this` followed by every part. */
export type BufferConcat = (this: ArrayBuffer, ...parts: ArrayBuffer[]) => ArrayBuffer;

/** Payloads at least this long are joined with `concat` rather than copied with `set`. */
export const SPLICE_MIN = 256;

/** A fresh array holding a copy of `b` (its own ArrayBuffer, offset 0). */
export function copyBytes(b: Uint8Array): Uint8Array {
  const o = b.byteOffset;
  // Board buffers are plain ArrayBuffers (Moddable's typings widen .buffer to host buffers).
  return new Uint8Array((b.buffer as ArrayBuffer).slice(o, o + b.length));
}

/** The engine's ArrayBuffer.prototype.concat, or undefined (V8 has none). */
export function bufferConcat(): BufferConcat | undefined {
  return (ArrayBuffer.prototype as unknown as { concat?: BufferConcat }).concat;
}

/** The bytes of `b` as an ArrayBuffer of their own: `b.buffer` itself when `b` spans all of it. */
export function ownBuffer(b: Uint8Array): ArrayBuffer {
  const buf = b.buffer;
  if (b.byteOffset === 0 && b.length === buf.byteLength && buf instanceof ArrayBuffer) return buf;
  return (buf as ArrayBuffer).slice(b.byteOffset, b.byteOffset + b.length);
}

/**
 * Index of the first 0x00 in bytes[from, to), or -1. Reads aligned 32-bit words and tests
 * four bytes at once ((w - 0x01010101) & ~w & 0x80808080 is non-zero exactly when a byte of w
 * is zero): a quarter of the operations of a byte loop, and on XS faster than the generic
 * `indexOf`, which looks every element up as a property.
 */
export function findZero(bytes: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to && ((bytes.byteOffset + i) & 3) !== 0) {
    if (bytes[i] === 0) return i;
    i++;
  }
  const words = (to - i) >>> 2;
  if (words >= 4) {
    const w = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
    let j = 0;
    let x = 0;
    while (j < words && ((x = w[j]!) - 0x01010101 & ~x & 0x80808080) === 0) j++;
    i += j << 2;
  }
  while (i < to) {
    if (bytes[i] === 0) return i;
    i++;
  }
  return -1;
}

/**
 * Index of the first byte in bytes[from, to) that is not `value`, or `to`: the end of a run of
 * equal bytes (COBS: a run of zeros, or of 01 codes). Compares aligned 32-bit words, four bytes
 * for the price of one loop step.
 */
export function skipRun(bytes: Uint8Array, from: number, to: number, value: number): number {
  let i = from;
  while (i < to && ((bytes.byteOffset + i) & 3) !== 0) {
    if (bytes[i] !== value) return i;
    i++;
  }
  const words = (to - i) >>> 2;
  if (words >= 2) {
    const w = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
    const pattern = (value * 0x01010101) | 0;
    let j = 0;
    while (j < words && w[j] === pattern) j++;
    i += j << 2;
  }
  while (i < to) {
    if (bytes[i] !== value) return i;
    i++;
  }
  return to;
}

/**
 * Copy src[from, to) into dst at `at`: a loop for a few bytes, `set` beyond. On XS a loop step
 * costs about as much as the fixed part of `subarray` + `set` (~100 units) every four bytes.
 */
export function copyRun(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): void {
  if (to - from < 4) {
    for (let i = from; i < to; i++) dst[at++] = src[i]!;
  } else {
    dst.set(src.subarray(from, to), at);
  }
}
