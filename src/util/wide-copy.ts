/**
 * `dst.set(src, off)` for byte arrays, cheap on XS. XS copies between typed arrays of the
 * same type with one memcpy but meters it per element (2 units each): a Uint8Array copy costs
 * 2 units per byte, the same bytes through Float64Array views 0.25. So the bulk goes through
 * 8-byte views (the source first sliced into a fresh, aligned buffer, one memcpy, when its own
 * offset does not line up with the destination's) and only the unaligned ends byte by byte.
 * Bit-exact: a same-type `set` never converts the values (NaN payloads survive).
 */

/** Below this many bytes a plain `set` is cheaper than setting up wide views. */
const WIDE_MIN = 64;

export function copyInto(dst: Uint8Array, off: number, src: Uint8Array): void {
  const n = src.length;
  if (n < WIDE_MIN) {
    dst.set(src, off);
    return;
  }
  const at = dst.byteOffset + off;
  const head = (8 - (at & 7)) & 7;
  const words = (n - head) >>> 3;
  const tail = head + (words << 3);
  for (let i = 0; i < head; i++) dst[off + i] = src[i]!;
  const from = src.byteOffset + head;
  const source =
    (from & 7) === 0
      ? new Float64Array(src.buffer, from, words)
      : new Float64Array((src.buffer as ArrayBuffer).slice(from, from + (words << 3)));
  new Float64Array(dst.buffer, at + head, words).set(source);
  for (let i = tail; i < n; i++) dst[off + i] = src[i]!;
}
