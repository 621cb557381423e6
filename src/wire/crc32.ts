/**
 * CRC-32 as used by IEEE 802.3 (reflected polynomial 0xEDB88320, init 0xFFFFFFFF,
 * xorout 0xFFFFFFFF): the check value of "123456789" is 0xCBF43926. Every frame ends in it.
 *
 * Slicing-by-8: eight 256-entry tables (8 KiB) let one step fold 8 bytes, read as two
 * little-endian 32-bit words. On an interpreter (XS) each JS operation costs about the same,
 * so this does a 4 KiB frame in roughly 45% of the operations of the byte-at-a-time loop,
 * which the frame checks made the largest cost of moving a page. `slices: 1` keeps a single
 * 1 KiB table for boards too small to spare 8 KiB.
 */

import type { NativeBytes } from './native.js';

export type CrcSlices = 1 | 8;

export class Crc32 {
  // Built per instance: XS freezes preloaded modules, so a module-level table could not be filled lazily.
  // Int32 entries: XS keeps them as integers (Uint32 entries above 2^31 would become doubles).
  private readonly t0: Int32Array;
  private readonly t1: Int32Array;
  private readonly t2: Int32Array;
  private readonly t3: Int32Array;
  private readonly t4: Int32Array;
  private readonly t5: Int32Array;
  private readonly t6: Int32Array;
  private readonly t7: Int32Array;
  /** Word reads are little-endian only on a little-endian machine; otherwise bytes one by one. */
  private readonly sliced: boolean;
  /** The target's native CRC-32 (Hal.bytes), which gives the same value; without it, the tables. */
  private readonly native: NativeBytes['crc32'];

  constructor(slices: CrcSlices = 8, native?: NativeBytes) {
    this.native = native?.crc32;
    if (slices !== 1 && slices !== 8) throw new RangeError(`Crc32 slices must be 1 or 8, got ${String(slices)}`);
    const little = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
    // With a native CRC-32 the tables would never be read: none are built (8 KiB of a board's heap).
    const n = this.native !== undefined ? 0 : slices === 8 && little ? 8 : 1;
    const all = new Int32Array(256 * n);
    for (let i = 0; i < Math.min(256, all.length); i++) {
      let c = i;
      // The reflected polynomial 0xedb88320.
      for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      all[i] = c;
    }
    // Table s folds a byte that is s positions further from the end of the 8-byte block.
    for (let s = 1; s < n; s++) {
      for (let i = 0; i < 256; i++) {
        const p = all[(s - 1) * 256 + i]!;
        all[s * 256 + i] = (p >>> 8) ^ all[p & 0xff]!;
      }
    }
    const table = (s: number): Int32Array => (s < n ? all.subarray(s * 256, s * 256 + 256) : all.subarray(0, 256));
    this.t0 = table(0);
    this.t1 = table(1);
    this.t2 = table(2);
    this.t3 = table(3);
    this.t4 = table(4);
    this.t5 = table(5);
    this.t6 = table(6);
    this.t7 = table(7);
    this.sliced = n === 8;
  }

  /** CRC-32 of bytes[start, end), as an unsigned 32-bit number. */
  compute(bytes: Uint8Array, start = 0, end = bytes.length): number {
    if (this.native !== undefined) return this.native(bytes, start, end);
    return (this.fold(bytes, start, end) ^ -1) >>> 0;
  }

  /** The final CRC as a 32-bit pattern (native: unsigned; tables: signed). Only `& 0xff` and `>>>` touch it. */
  private final(bytes: Uint8Array, start: number, end: number): number {
    return this.native !== undefined ? this.native(bytes, start, end) : this.fold(bytes, start, end) ^ -1;
  }

  /**
   * Write the CRC-32 of bytes[start, end) little-endian at bytes[at, at + 4). Byte by byte from
   * the signed register: no value above 2^31 is ever formed, which 32-bit-integer Lua builds
   * and NodeMCU's `bit` module cannot take as an operand.
   */
  store(bytes: Uint8Array, start: number, end: number, at: number): void {
    const c = this.final(bytes, start, end);
    bytes[at] = c & 0xff;
    bytes[at + 1] = (c >>> 8) & 0xff;
    bytes[at + 2] = (c >>> 16) & 0xff;
    bytes[at + 3] = (c >>> 24) & 0xff;
  }

  /** Whether bytes[at, at + 4) holds the CRC-32 of bytes[start, end) (little-endian), compared byte by byte. */
  matches(bytes: Uint8Array, start: number, end: number, at: number): boolean {
    const c = this.final(bytes, start, end);
    return (
      bytes[at] === (c & 0xff) &&
      bytes[at + 1] === ((c >>> 8) & 0xff) &&
      bytes[at + 2] === ((c >>> 16) & 0xff) &&
      bytes[at + 3] === ((c >>> 24) & 0xff)
    );
  }

  /** The CRC register after bytes[start, end), before the final xor (a signed 32-bit integer). */
  private fold(bytes: Uint8Array, start: number, end: number): number {
    const t0 = this.t0;
    let c = -1;
    let i = start;
    if (this.sliced && end - i >= 16) {
      const t1 = this.t1, t2 = this.t2, t3 = this.t3, t4 = this.t4, t5 = this.t5, t6 = this.t6, t7 = this.t7;
      // Bytes up to a 4-byte boundary of the buffer, so the rest can be read as Int32 words.
      while (((bytes.byteOffset + i) & 3) !== 0) c = t0[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
      const words = ((end - i) >>> 3) << 1;
      const w = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
      let d = 0;
      for (let j = 0; j < words; j += 2) {
        c ^= w[j]!;
        d = w[j + 1]!;
        c = t7[c & 0xff]! ^ t6[(c >>> 8) & 0xff]! ^ t5[(c >>> 16) & 0xff]! ^ t4[c >>> 24]! ^ t3[d & 0xff]! ^ t2[(d >>> 8) & 0xff]! ^ t1[(d >>> 16) & 0xff]! ^ t0[d >>> 24]!;
      }
      i += words << 2;
    }
    while (i < end) c = t0[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
    return c;
  }
}
