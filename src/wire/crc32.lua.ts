/**
 * Lua build of crc32.ts: the byte-at-a-time table loop (slicing-by-8 reads words through
 * views, which the Lua typed-array stand-in does not have). Every operand of a bitwise
 * operation stays a signed 32-bit integer (the table holds signed entries, the polynomial is
 * written signed): NodeMCU's `bit` module casts operands to int32 in C and misbehaves outside.
 */

/** 0xEDB88320 as a signed 32-bit integer. */
const POLY_REFLECTED_SIGNED = -306674912;

export type CrcSlices = 1 | 8;

export class Crc32 {
  private readonly t0: number[] = [];

  // `native`: no native byte helpers on Lua targets; accepted so FrameCodec builds the same way.
  constructor(slices: CrcSlices = 8, _native?: unknown) {
    if (slices !== 1 && slices !== 8) throw new RangeError(`Crc32 slices must be 1 or 8, got ${String(slices)}`);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? POLY_REFLECTED_SIGNED ^ (c >>> 1) : c >>> 1;
      // >>> may return an unsigned value on some targets: keep the entry signed.
      this.t0.push(c >= 2147483648 ? c - 4294967296 : c);
    }
  }

  /** CRC-32 of bytes[start, end), as an unsigned 32-bit number. */
  compute(bytes: Uint8Array, start = 0, end = bytes.length): number {
    const r = this.fold(bytes, start, end) ^ -1;
    return r < 0 ? r + 4294967296 : r;
  }

  store(bytes: Uint8Array, start: number, end: number, at: number): void {
    const c = this.fold(bytes, start, end) ^ -1;
    bytes[at] = c & 0xff;
    bytes[at + 1] = (c >>> 8) & 0xff;
    bytes[at + 2] = (c >>> 16) & 0xff;
    bytes[at + 3] = (c >>> 24) & 0xff;
  }

  matches(bytes: Uint8Array, start: number, end: number, at: number): boolean {
    const c = this.fold(bytes, start, end) ^ -1;
    return (
      bytes[at] === (c & 0xff) &&
      bytes[at + 1] === ((c >>> 8) & 0xff) &&
      bytes[at + 2] === ((c >>> 16) & 0xff) &&
      bytes[at + 3] === ((c >>> 24) & 0xff)
    );
  }

  private fold(bytes: Uint8Array, start: number, end: number): number {
    const t0 = this.t0;
    let c = -1;
    for (let i = start; i < end; i++) {
      const x = c >>> 8;
      // c >>> 8 < 2^24 on every target: a valid int32 operand.
      c = t0[(c ^ bytes[i]!) & 0xff]! ^ x;
    }
    return c;
  }
}
