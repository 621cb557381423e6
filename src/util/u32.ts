/**
 * Unsigned 32-bit fields in byte arrays. The writes use shifts (a Uint8Array store keeps a
 * value modulo 256): on XS a write is ~60 metering units this way against ~116 by division and
 * modulo (Math.floor is a call), and the end-to-end prefix writes two per frame
 * (docs/PERFORMANCE.md "Round 10: udp frame path"). `>>>` takes a value from 2^31 up modulo
 * 2^32, as the arithmetic does. Lua must not see it on such values (Lua 5.1's `bit` returns
 * signed results; NodeMCU casts operands to int32 in C): u32.lua.ts keeps the arithmetic, and
 * test/wire/u32.test.ts checks the two against each other. The reads are sums either way (a
 * bitwise read is no cheaper on XS).
 */

export function readU32LE(p: Uint8Array, off: number): number {
  return p[off]! + p[off + 1]! * 256 + p[off + 2]! * 65536 + p[off + 3]! * 16777216;
}

/** `v` an integer in -2^31 .. 2^32-1 (a signed int32 is taken modulo 2^32). */
export function writeU32LE(p: Uint8Array, off: number, v: number): void {
  // A Uint8Array store keeps the value modulo 256 (ToUint8): no mask needed.
  p[off] = v;
  p[off + 1] = v >>> 8;
  p[off + 2] = v >>> 16;
  p[off + 3] = v >>> 24;
}

export function readU32BE(p: Uint8Array, off: number): number {
  return p[off]! * 16777216 + p[off + 1]! * 65536 + p[off + 2]! * 256 + p[off + 3]!;
}

/** `v` an integer in -2^31 .. 2^32-1 (a signed int32 is taken modulo 2^32). */
export function writeU32BE(p: Uint8Array, off: number, v: number): void {
  p[off] = v >>> 24;
  p[off + 1] = v >>> 16;
  p[off + 2] = v >>> 8;
  p[off + 3] = v;
}
