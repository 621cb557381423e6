/** Lua build of wide-copy.ts: a byte loop (no wide views over a table). */
export function copyInto(dst: Uint8Array, off: number, src: Uint8Array): void {
  const n = src.length;
  for (let i = 0; i < n; i++) dst[off + i] = src[i]!;
}
