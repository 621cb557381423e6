/**
 * Lua build of bytes.ts (picked by scripts/build-lua.mjs instead of it): the same functions
 * as plain byte loops. Lua's typed-array stand-in (hal/lua/prelude.lua) is a table, so word
 * views over a buffer would cost a copy each; a loop step is the cheapest operation there.
 */

export type BufferConcat = (this: ArrayBuffer, ...parts: ArrayBuffer[]) => ArrayBuffer;

export const SPLICE_MIN = 256;

export function copyBytes(b: Uint8Array): Uint8Array {
  return b.slice(0, b.length);
}

/** Lua has no ArrayBuffer concat: frames are built with `set`. */
export function bufferConcat(): BufferConcat | undefined {
  return undefined;
}

export function ownBuffer(b: Uint8Array): ArrayBuffer {
  return b.slice(0, b.length).buffer as ArrayBuffer;
}

export function findZero(bytes: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (bytes[i] === 0) return i;
  return -1;
}

export function skipRun(bytes: Uint8Array, from: number, to: number, value: number): number {
  for (let i = from; i < to; i++) if (bytes[i] !== value) return i;
  return to;
}

export function copyRun(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): void {
  for (let i = from; i < to; i++) dst[at++] = src[i]!;
}
