/**
 * Byte copies that are cheap on every engine. XS (the version in the simulator, and the
 * interpreters on boards) copies one typed array into another — `slice()`, `set()`, the
 * constructor — element by element through its generic getter and setter, about as slow as
 * a JS loop; `ArrayBuffer.prototype.slice` is a memcpy there as everywhere else, and XS's own
 * `ArrayBuffer.prototype.concat` joins buffers with one memcpy each. Code that moves large
 * payloads uses these and falls back to `set` where an engine lacks `concat` (V8 copies fast).
 */

/** XS's ArrayBuffer.prototype.concat: a new buffer holding `this` followed by every part. */
export type BufferConcat = (this: ArrayBuffer, ...parts: ArrayBuffer[]) => ArrayBuffer;

/** Payloads at least this long are joined with `concat` rather than copied with `set`. */
export const SPLICE_MIN = 256;

/** A fresh array holding a copy of `b` (its own ArrayBuffer, offset 0). */
export function copyBytes(b: Uint8Array): Uint8Array {
  const o = b.byteOffset;
  return new Uint8Array(b.buffer.slice(o, o + b.length));
}

/** The engine's ArrayBuffer.prototype.concat, or undefined (V8 has none). */
export function bufferConcat(): BufferConcat | undefined {
  return (ArrayBuffer.prototype as unknown as { concat?: BufferConcat }).concat;
}

/** The bytes of `b` as an ArrayBuffer of their own: `b.buffer` itself when `b` spans all of it. */
export function ownBuffer(b: Uint8Array): ArrayBuffer {
  const buf = b.buffer;
  if (b.byteOffset === 0 && b.length === buf.byteLength && buf instanceof ArrayBuffer) return buf;
  return buf.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
}
