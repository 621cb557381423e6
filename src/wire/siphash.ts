/**
 * SipHash-2-4 with a 64-bit result (Aumasson & Bernstein, 2012), the MAC of authenticated
 * frames (docs/PROTOCOL.md §13). Written on 32-bit halves — no BigInt, no 64-bit integers —
 * so it runs the same on XS, Lua 5.1 (with bit ops) and V8. Chosen over HMAC-SHA-256: a
 * 16-byte key, no key schedule, 2 + 4 cheap ARX rounds per 8 bytes (about a tenth of
 * SHA-256's work), designed as a short-input MAC; a 64-bit tag is its native size.
 *
 * The message is `context` (16 bytes, given as four u32 words) followed by data[start, end):
 * the frame's link context (sessions, extended sequence number) is authenticated without
 * being copied in front of the frame.
 */

export class SipHash24 {
  private readonly k = new Int32Array(4);

  /** `key`: exactly 16 bytes. */
  constructor(key: Uint8Array) {
    if (!(key instanceof Uint8Array) || key.length !== 16) throw new RangeError('SipHash key must be 16 bytes');
    for (let i = 0; i < 4; i++) this.k[i] = key[4 * i]! | (key[4 * i + 1]! << 8) | (key[4 * i + 2]! << 16) | (key[4 * i + 3]! << 24);
  }

  /**
   * SipHash-2-4 of context words c0..c3 (16 bytes, little endian) then data[start, end);
   * the 8-byte tag (little endian) goes to out[at .. at+8).
   */
  mac(c0: number, c1: number, c2: number, c3: number, data: Uint8Array, start: number, end: number, out: Uint8Array, at: number): void {
    this.run(true, c0, c1, c2, c3, data, start, end, out, at);
  }

  /** Plain SipHash-2-4 of data[start, end) (the reference function, for test vectors). */
  digest(data: Uint8Array, start: number, end: number, out: Uint8Array, at: number): void {
    this.run(false, 0, 0, 0, 0, data, start, end, out, at);
  }

  /**
   * Everything in one function on int32 locals: on XS a value above 2^31 (what `>>> 0` makes)
   * is a double, and a method call or typed-array access per round costs more than the
   * round itself. Carries come from the sign bits: carry(a + b = s) = ((a & b) | ((a | b) & ~s)) >>> 31.
   */
  private run(ctx: boolean, c0: number, c1: number, c2: number, c3: number, data: Uint8Array, start: number, end: number, out: Uint8Array, at: number): void {
    const k = this.k;
    let v0l = k[0]! ^ 0x70736575, v0h = k[1]! ^ 0x736f6d65;
    let v1l = k[2]! ^ 0x6e646f6d, v1h = k[3]! ^ 0x646f7261;
    let v2l = k[0]! ^ 0x6e657261, v2h = k[1]! ^ 0x6c796765;
    let v3l = k[2]! ^ 0x79746573, v3h = k[3]! ^ 0x74656462;
    const n = end - start;
    const whole = start + (n & ~7);
    const total = n + (ctx ? 16 : 0);
    // Blocks: the context (2), the whole 8-byte words of data, the last one; then finalization.
    let i = start;
    let phase = ctx ? 0 : 2;
    for (;;) {
      let ml = 0;
      let mh = 0;
      let rounds = 2;
      if (phase === 0) {
        ml = c0 | 0; mh = c1 | 0; phase = 1;
      } else if (phase === 1) {
        ml = c2 | 0; mh = c3 | 0; phase = 2;
      } else if (i < whole) {
        ml = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
        mh = data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
        i += 8;
      } else if (phase === 2) {
        mh = (total & 0xff) << 24;
        for (let j = 0; i < end; i++, j++) {
          if (j < 4) ml |= data[i]! << (8 * j);
          else mh |= data[i]! << (8 * (j - 4));
        }
        phase = 3;
      } else {
        phase = 4;
        rounds = 4;
        v2l ^= 0xff;
      }
      v3l ^= ml; v3h ^= mh;
      for (let r = 0; r < rounds; r++) {
        let sl = (v0l + v1l) | 0;
        v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~sl)) >>> 31)) | 0; v0l = sl;
        let t = (v1l << 13) | (v1h >>> 19); v1h = (v1h << 13) | (v1l >>> 19); v1l = t;
        v1l ^= v0l; v1h ^= v0h;
        t = v0l; v0l = v0h; v0h = t;
        sl = (v2l + v3l) | 0;
        v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~sl)) >>> 31)) | 0; v2l = sl;
        t = (v3l << 16) | (v3h >>> 16); v3h = (v3h << 16) | (v3l >>> 16); v3l = t;
        v3l ^= v2l; v3h ^= v2h;
        sl = (v0l + v3l) | 0;
        v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~sl)) >>> 31)) | 0; v0l = sl;
        t = (v3l << 21) | (v3h >>> 11); v3h = (v3h << 21) | (v3l >>> 11); v3l = t;
        v3l ^= v0l; v3h ^= v0h;
        sl = (v2l + v1l) | 0;
        v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~sl)) >>> 31)) | 0; v2l = sl;
        t = (v1l << 17) | (v1h >>> 15); v1h = (v1h << 17) | (v1l >>> 15); v1l = t;
        v1l ^= v2l; v1h ^= v2h;
        t = v2l; v2l = v2h; v2h = t;
      }
      if (phase === 4) break;
      v0l ^= ml; v0h ^= mh;
    }
    const rlo = v0l ^ v1l ^ v2l ^ v3l;
    const rhi = v0h ^ v1h ^ v2h ^ v3h;
    out[at] = rlo & 0xff; out[at + 1] = (rlo >>> 8) & 0xff; out[at + 2] = (rlo >>> 16) & 0xff; out[at + 3] = (rlo >>> 24) & 0xff;
    out[at + 4] = rhi & 0xff; out[at + 5] = (rhi >>> 8) & 0xff; out[at + 6] = (rhi >>> 16) & 0xff; out[at + 7] = (rhi >>> 24) & 0xff;
  }
}
