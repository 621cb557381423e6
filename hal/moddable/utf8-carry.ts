/** UTF-8 text arriving in arbitrary chunks (a serial port splits characters anywhere). */
import { utf8Decode } from '../../src/util/utf8.js';

/** Length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence. */
export function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/** Decodes chunk by chunk, holding back a character split across chunks until it is whole. */
export class Utf8Carry {
  private carry: Uint8Array = new Uint8Array(0);

  push(bytes: Uint8Array): string {
    let all = bytes;
    if (this.carry.length > 0) {
      all = new Uint8Array(this.carry.length + bytes.length);
      all.set(this.carry);
      all.set(bytes, this.carry.length);
    }
    const whole = completeUtf8Length(all);
    this.carry = all.slice(whole);
    return utf8Decode(all, 0, whole);
  }
}
