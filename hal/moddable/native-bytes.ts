/**
 * The runtime's native byte helpers (src/wire/native.ts) on a Moddable board: the C module of
 * firmware/native (module "mcdsm/native-bytes", included by firmware/native/manifest.json),
 * whose functions return fresh ArrayBuffers that this wraps in views. The C code is checked
 * against the JS reference by test/wire/native-c.test.ts.
 */
import * as c from 'mcdsm/native-bytes';
import type { NativeBytes } from '../../src/wire/native.js';

function cobsEncode(src: Uint8Array, start: number, end: number, lead: boolean): Uint8Array {
  return new Uint8Array(c.cobsEncode(src, start, end, lead));
}

function cobsDecode(src: Uint8Array, start: number, end: number): Uint8Array | null {
  const out = c.cobsDecode(src, start, end);
  return out === null ? null : new Uint8Array(out);
}

function diffSpans(a: Uint8Array, b: Uint8Array, gap: number): Uint32Array {
  return new Uint32Array(c.diffSpans(a, b, gap));
}

/**
 * One module-level object of module-level functions: the firmware preloads this module, so
 * the object and its functions live in flash with the code (frozen, as Moddable's preload
 * leaves them) instead of costing the board's heap an object and six closures at each boot.
 */
const NATIVE_BYTES: NativeBytes = {
  crc32: c.crc32,
  cobsEncode,
  cobsDecode,
  findZero: c.findZero,
  copy: c.copy,
  diffSpans,
};

export function moddableNativeBytes(): NativeBytes {
  return NATIVE_BYTES;
}
