/**
 * Byte work a target may do in native code: the optional `Hal.bytes`. Every function gives
 * exactly the bytes of the JS reference (crc32.ts, cobs.ts, ft/spans.ts diffSpans), which
 * stays the fallback: a board without natives and one with them interoperate byte for byte.
 *
 * Targets: the simulator's XS boards (a synchronous xsnap host call that charges a declared
 * cost per byte to the board's meter, hal/xsnap/native-bytes.ts), Moddable boards (a C module
 * in the firmware, firmware/native/). Each function is optional on its own.
 */
export interface NativeBytes {
  /** CRC-32 (IEEE 802.3) of bytes[start, end), unsigned. */
  crc32?(bytes: Uint8Array, start: number, end: number): number;
  /**
   * COBS-encode src[start, end) followed by the 0x00 delimiter, preceded by one extra 0x00 when
   * `lead` (a stream idle long enough to need it). A fresh array the caller may keep.
   */
  cobsEncode?(src: Uint8Array, start: number, end: number, lead: boolean): Uint8Array;
  /**
   * Decode one COBS block src[start, end) (without its delimiter) into a fresh array, or null
   * when it is malformed (a 0x00 inside, a truncated run).
   */
  cobsDecode?(src: Uint8Array, start: number, end: number): Uint8Array | null;
  /**
   * The spans where `b` differs from `a` (first min(length) bytes), spans separated by at most
   * `gap` equal bytes merged: [start0, end0, start1, end1, ...] as diffSpans would emit them.
   */
  diffSpans?(a: Uint8Array, b: Uint8Array, gap: number): Uint32Array;
  /** Index of the first 0x00 in bytes[start, end), or -1 (a stream's next COBS delimiter). */
  findZero?(bytes: Uint8Array, start: number, end: number): number;
  /** Copy src[start, end) into dst at `at` (a memcpy). */
  copy?(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): void;
}

/** The names of the functions a NativeBytes may carry, in the order of their operation codes. */
export const NATIVE_BYTES_FUNCTIONS = ['crc32', 'cobsEncode', 'cobsDecode', 'diffSpans', 'findZero', 'copy'] as const;
