/**
 * CRC-32 as used by IEEE 802.3 (reflected polynomial 0xEDB88320, init 0xFFFFFFFF,
 * xorout 0xFFFFFFFF): the check value of "123456789" is 0xCBF43926. Every frame ends in it.
 */

const POLY_REFLECTED = 0xedb88320;

export class Crc32 {
  // Built per instance: XS freezes preloaded modules, so a module-level table could not be filled lazily.
  private readonly table: Uint32Array;

  constructor() {
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? POLY_REFLECTED ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    this.table = table;
  }

  /** CRC-32 of bytes[start, end), as an unsigned 32-bit number. */
  compute(bytes: Uint8Array, start = 0, end = bytes.length): number {
    const table = this.table;
    let crc = 0xffffffff;
    for (let i = start; i < end; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  }
}
