/**
 * Byte copies that are cheap on every engine. XS (the version in the simulator, and the
 * interpreters on boards) copies one typed array into another — `slice()`, `set()`, the
 * constructor — element by element through its generic getter and setter, about as slow as
 * a JS loop; `ArrayBuffer.prototype.slice` is a memcpy there as everywhere else.
 */

/** A fresh array holding a copy of `b` (its own ArrayBuffer, offset 0). */
export function copyBytes(b: Uint8Array): Uint8Array {
  const o = b.byteOffset;
  return new Uint8Array(b.buffer.slice(o, o + b.length));
}
