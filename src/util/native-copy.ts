/**
 * The rule for copying a payload when the board may have a native memcpy (`Hal.bytes.copy`,
 * src/wire/native.ts): shared by MCAPI's message path and the DSM's data path, so it lives
 * below both (src/mcapi must not import src/dsm).
 *
 * XS meters a typed-array copy per element: a Uint8Array `set` is ~2 units a byte, copyInto's
 * 8-byte views ~60 units to set up and 0.25 a byte. A native copy is one call (20 declared
 * units on the simulator's XS boards, about a short JS call on a Moddable board) and ~0.03 a
 * byte. The bytes are the same either way: a board with the native copy and one without
 * interoperate.
 */

import { copyInto } from './wide-copy.js';

/**
 * The board's native memcpy (`Hal.bytes.copy`): copy src[start, end) into dst at `at`.
 * Written out rather than taken from NativeBytes (src/wire/native.ts), which is a layer above.
 */
export type NativeCopy = (src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number) => void;

/**
 * From this many bytes on a native copy is the cheaper (a 4 KiB page: ~0.14k units against
 * copyInto's ~1.1k). Below it, copyInto: short messages pay no host call.
 */
export const NATIVE_COPY_MIN = 256;

/** `dst.set(src, off)`: through the board's native copy when it has one and `src` is long enough, else copyInto. */
export function copyBytes(dst: Uint8Array, off: number, src: Uint8Array, copy: NativeCopy | undefined): void {
  if (copy !== undefined && src.length >= NATIVE_COPY_MIN) copy(src, 0, src.length, dst, off);
  else copyInto(dst, off, src);
}
