/**
 * Lua build of u64.ts: no bigint in Lua. A 64-bit scalar as one number is a native integer
 * on 64-bit Lua 5.3 (any value 0..2^63-1 sent; received values >= 2^63 come back negative, as
 * Lua's own integers wrap) and a double on Lua 5.1, exact only up to 2^53-1: a larger one is
 * refused with MCAPI_ERR_PARAMETER (sending) or stays queued (receiving). The pair API
 * (sclSendUint64Pair / sclRecvUint64Pair) is exact everywhere.
 */

export type Uint64 = bigint;

const TWO_32 = 4294967296;
const MAX_EXACT_HI = 2097152; // 2^53 / 2^32

/** From hal/lua/prelude.lua on Lua 5.3 (nil on 5.1): native integer split/join. */
declare const mcdsm_u64: { split(this: void, v: number): [number, number]; join(this: void, hi: number, lo: number): number; isInteger(this: void, v: number): boolean } | undefined;

export function u64Split(v: unknown): [number, number] | null {
  if (typeof v !== 'number' || v < 0) return null;
  if (mcdsm_u64 !== undefined && mcdsm_u64.isInteger(v)) return mcdsm_u64.split(v);
  if (!Number.isInteger(v) || v > Number.MAX_SAFE_INTEGER) return null;
  const hi = Math.floor(v / TWO_32);
  return [hi, v - hi * TWO_32];
}

export function u64Join(hi: number, lo: number): Uint64 {
  if (mcdsm_u64 !== undefined) return mcdsm_u64.join(hi, lo) as unknown as Uint64;
  return (hi * TWO_32 + lo) as unknown as Uint64;
}

export function u64Exact(hi: number, _lo: number): boolean {
  return mcdsm_u64 !== undefined || hi < MAX_EXACT_HI;
}

export const U64_ACCEPTS = 'a non-negative integer (Lua 5.1: up to 2^53-1; any 64-bit value with sclSendUint64Pair)';
