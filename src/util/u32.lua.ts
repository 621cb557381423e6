/**
 * Lua build of u32.ts (picked by scripts/build-lua.mjs instead of it). Unsigned 32-bit fields
 * in byte arrays, by arithmetic rather than bitwise operators: values
 * from 2^31 up never become an operand of a bitwise operation, which on Lua 5.1 (the `bit`
 * module returns signed results; NodeMCU's casts operands to int32 in C) and on 32-bit-integer
 * Lua 5.3 builds would misbehave. Four byte stores either way; the same result on every engine.
 */

const TWO_32 = 4294967296;

/** `v` as an unsigned 32-bit value (a signed int32 is taken modulo 2^32). */
function unsigned(v: number): number {
  return v < 0 ? v + TWO_32 : v;
}

export function readU32LE(p: Uint8Array, off: number): number {
  return p[off]! + p[off + 1]! * 256 + p[off + 2]! * 65536 + p[off + 3]! * 16777216;
}

export function writeU32LE(p: Uint8Array, off: number, v: number): void {
  const u = unsigned(v);
  p[off] = u % 256;
  p[off + 1] = Math.floor(u / 256) % 256;
  p[off + 2] = Math.floor(u / 65536) % 256;
  p[off + 3] = Math.floor(u / 16777216) % 256;
}

export function readU32BE(p: Uint8Array, off: number): number {
  return p[off]! * 16777216 + p[off + 1]! * 65536 + p[off + 2]! * 256 + p[off + 3]!;
}

export function writeU32BE(p: Uint8Array, off: number, v: number): void {
  const u = unsigned(v);
  p[off] = Math.floor(u / 16777216) % 256;
  p[off + 1] = Math.floor(u / 65536) % 256;
  p[off + 2] = Math.floor(u / 256) % 256;
  p[off + 3] = u % 256;
}
