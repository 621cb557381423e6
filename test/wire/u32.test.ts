/**
 * src/util/u32.ts writes with shifts and masks (cheaper on XS); src/util/u32.lua.ts, the Lua
 * build's, with division and modulo. Both must put the same bytes for every value a caller
 * may pass: an unsigned 32-bit value, or a signed int32 taken modulo 2^32. The reference here
 * is the Lua file's arithmetic (the Lua build itself is exercised by test/lua).
 */
import test from 'ava';
import fc from 'fast-check';
import { readU32BE, readU32LE, writeU32BE, writeU32LE } from '../../src/util/u32.js';

const TWO_32 = 4294967296;
function arithmeticLE(v: number): number[] {
  const u = v < 0 ? v + TWO_32 : v;
  return [u % 256, Math.floor(u / 256) % 256, Math.floor(u / 65536) % 256, Math.floor(u / 16777216) % 256];
}

const value = fc.oneof(fc.integer({ min: 0, max: TWO_32 - 1 }), fc.integer({ min: -0x80000000, max: -1 }), fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, -1, -0x80000000));

test('writeU32LE / writeU32BE give the bytes of the arithmetic (Lua) version for every u32 and int32', (t) => {
  fc.assert(fc.property(value, fc.integer({ min: 0, max: 12 }), (v, off) => {
    const le = new Uint8Array(16).fill(0xaa);
    const be = new Uint8Array(16).fill(0xaa);
    writeU32LE(le, off, v);
    writeU32BE(be, off, v);
    const want = arithmeticLE(v);
    const u = v < 0 ? v + TWO_32 : v;
    return (
      [...le.subarray(off, off + 4)].join() === want.join() &&
      [...be.subarray(off, off + 4)].join() === want.slice().reverse().join() &&
      readU32LE(le, off) === u && readU32BE(be, off) === u &&
      le.every((b, i) => (i >= off && i < off + 4) || b === 0xaa) && be.every((b, i) => (i >= off && i < off + 4) || b === 0xaa)
    );
  }), { numRuns: 2000 });
  t.pass();
});
