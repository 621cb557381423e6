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

/** One 64-bit word as two u32 halves: [lo, hi]. */
const S = 8;

export class SipHash24 {
  private readonly k = new Uint32Array(4);
  /** v0..v3 as lo,hi pairs. */
  private readonly v = new Uint32Array(S);

  /** `key`: exactly 16 bytes. */
  constructor(key: Uint8Array) {
    if (!(key instanceof Uint8Array) || key.length !== 16) throw new RangeError('SipHash key must be 16 bytes');
    for (let i = 0; i < 4; i++) this.k[i] = (key[4 * i] | (key[4 * i + 1] << 8) | (key[4 * i + 2] << 16) | (key[4 * i + 3] << 24)) >>> 0;
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

  private run(ctx: boolean, c0: number, c1: number, c2: number, c3: number, data: Uint8Array, start: number, end: number, out: Uint8Array, at: number): void {
    const v = this.v;
    const k = this.k;
    v[0] = k[0] ^ 0x70736575; v[1] = k[1] ^ 0x736f6d65;
    v[2] = k[2] ^ 0x6e646f6d; v[3] = k[3] ^ 0x646f7261;
    v[4] = k[0] ^ 0x6e657261; v[5] = k[1] ^ 0x6c796765;
    v[6] = k[2] ^ 0x79746573; v[7] = k[3] ^ 0x74656462;
    if (ctx) {
      this.block(c0 >>> 0, c1 >>> 0);
      this.block(c2 >>> 0, c3 >>> 0);
    }
    const n = end - start;
    const whole = start + (n & ~7);
    let i = start;
    for (; i < whole; i += 8) {
      this.block(
        (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)) >>> 0,
        (data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24)) >>> 0,
      );
    }
    // Last block: the remaining bytes, and the message length mod 256 in the top byte.
    let lo = 0;
    let hi = ((n + (ctx ? 16 : 0)) & 0xff) << 24;
    for (let j = 0; i < end; i++, j++) {
      if (j < 4) lo |= data[i] << (8 * j);
      else hi |= data[i] << (8 * (j - 4));
    }
    this.block(lo >>> 0, hi >>> 0);
    v[4] ^= 0xff;
    this.round(); this.round(); this.round(); this.round();
    const rlo = (v[0] ^ v[2] ^ v[4] ^ v[6]) >>> 0;
    const rhi = (v[1] ^ v[3] ^ v[5] ^ v[7]) >>> 0;
    out[at] = rlo & 0xff; out[at + 1] = (rlo >>> 8) & 0xff; out[at + 2] = (rlo >>> 16) & 0xff; out[at + 3] = rlo >>> 24;
    out[at + 4] = rhi & 0xff; out[at + 5] = (rhi >>> 8) & 0xff; out[at + 6] = (rhi >>> 16) & 0xff; out[at + 7] = rhi >>> 24;
  }

  private block(lo: number, hi: number): void {
    const v = this.v;
    v[6] ^= lo; v[7] ^= hi;
    this.round(); this.round();
    v[0] ^= lo; v[1] ^= hi;
  }

  /** One SipRound on v0..v3 (lo,hi pairs in v[0..8)). */
  private round(): void {
    const v = this.v;
    let v0l = v[0], v0h = v[1], v1l = v[2], v1h = v[3], v2l = v[4], v2h = v[5], v3l = v[6], v3h = v[7];
    let t = 0;
    // v0 += v1; v1 <<<= 13; v1 ^= v0; v0 <<<= 32
    t = (v0l + v1l) >>> 0; v0h = (v0h + v1h + (t < v0l ? 1 : 0)) >>> 0; v0l = t;
    t = ((v1l << 13) | (v1h >>> 19)) >>> 0; v1h = ((v1h << 13) | (v1l >>> 19)) >>> 0; v1l = t;
    v1l = (v1l ^ v0l) >>> 0; v1h = (v1h ^ v0h) >>> 0;
    t = v0l; v0l = v0h; v0h = t;
    // v2 += v3; v3 <<<= 16; v3 ^= v2
    t = (v2l + v3l) >>> 0; v2h = (v2h + v3h + (t < v2l ? 1 : 0)) >>> 0; v2l = t;
    t = ((v3l << 16) | (v3h >>> 16)) >>> 0; v3h = ((v3h << 16) | (v3l >>> 16)) >>> 0; v3l = t;
    v3l = (v3l ^ v2l) >>> 0; v3h = (v3h ^ v2h) >>> 0;
    // v0 += v3; v3 <<<= 21; v3 ^= v0
    t = (v0l + v3l) >>> 0; v0h = (v0h + v3h + (t < v0l ? 1 : 0)) >>> 0; v0l = t;
    t = ((v3l << 21) | (v3h >>> 11)) >>> 0; v3h = ((v3h << 21) | (v3l >>> 11)) >>> 0; v3l = t;
    v3l = (v3l ^ v0l) >>> 0; v3h = (v3h ^ v0h) >>> 0;
    // v2 += v1; v1 <<<= 17; v1 ^= v2; v2 <<<= 32
    t = (v2l + v1l) >>> 0; v2h = (v2h + v1h + (t < v2l ? 1 : 0)) >>> 0; v2l = t;
    t = ((v1l << 17) | (v1h >>> 15)) >>> 0; v1h = ((v1h << 17) | (v1l >>> 15)) >>> 0; v1l = t;
    v1l = (v1l ^ v2l) >>> 0; v1h = (v1h ^ v2h) >>> 0;
    t = v2l; v2l = v2h; v2h = t;
    v[0] = v0l; v[1] = v0h; v[2] = v1l; v[3] = v1h; v[4] = v2l; v[5] = v2h; v[6] = v3l; v[7] = v3h;
  }
}
