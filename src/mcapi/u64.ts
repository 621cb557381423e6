/**
 * 64-bit scalars as numbers of the engine: a bigint on JavaScript engines (XS, V8). The Lua
 * build replaces this file with u64.lua.ts (no bigint there: a Lua integer or a double).
 * Channels carry every 64-bit scalar as an exact (hi, lo) pair of unsigned 32-bit halves;
 * these functions only convert at the API edge, so the pair API is exact on every engine.
 */

/** What sclSendUint64 takes and sclRecvUint64 gives on this engine. */
export type Uint64 = bigint;

const TWO_32 = BigInt(4294967296);
const U64_LIMIT = TWO_32 * TWO_32;
const ZERO = BigInt(0);

/** [hi, lo] of an unsigned 64-bit value given as a bigint or a safe integer; null when it is not one. */
export function u64Split(v: unknown): [number, number] | null {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) b = BigInt(v);
  else return null;
  if (b < ZERO || b >= U64_LIMIT) return null;
  return [Number(b / TWO_32), Number(b % TWO_32)];
}

/** The engine's number for (hi, lo); only called when u64Exact said yes. */
export function u64Join(hi: number, lo: number): Uint64 {
  return BigInt(hi) * TWO_32 + BigInt(lo);
}

/** Whether u64Join can give (hi, lo) exactly on this engine (always, with bigint). */
export function u64Exact(_hi: number, _lo: number): boolean {
  return true;
}

/** Words for error messages. */
export const U64_ACCEPTS = 'a bigint (or safe integer) in 0..2^64-1';
