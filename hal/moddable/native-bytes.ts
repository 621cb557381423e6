/**
 * The runtime's native byte helpers (src/wire/native.ts) on a Moddable board: the C module of
 * firmware/native (module "mcdsm/native-bytes", included by firmware/native/manifest.json),
 * whose functions return fresh ArrayBuffers that this wraps in views. The C code is checked
 * against the JS reference by test/wire/native-c.test.ts.
 */
import * as c from 'mcdsm/native-bytes';
import type { NativeBytes } from '../../src/wire/native.js';

export function moddableNativeBytes(): NativeBytes {
  return {
    crc32: (bytes, start, end) => c.crc32(bytes, start, end),
    cobsEncode: (src, start, end, lead) => new Uint8Array(c.cobsEncode(src, start, end, lead)),
    cobsDecode: (src, start, end) => {
      const out = c.cobsDecode(src, start, end);
      return out === null ? null : new Uint8Array(out);
    },
    findZero: (bytes, start, end) => c.findZero(bytes, start, end),
    copy: (src, start, end, dst, at) => c.copy(src, start, end, dst, at),
    diffSpans: (a, b, gap) => new Uint32Array(c.diffSpans(a, b, gap)),
  };
}
