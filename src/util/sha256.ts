/**
 * SHA-256 (FIPS 180-4) over typed arrays, engine neutral: no TextEncoder, no Buffer, no
 * BigInt, so it runs on XS boards as it does in Node. Used to publish result digests (the
 * Laplace benchmark) that every engine must reproduce bit for bit.
 *
 * Written for an interpreter, where every operator costs about the same: message words are
 * read big-endian with one DataView call each, Ch and Maj take the two-operator forms, and
 * the 64 rounds run eight at a time with the working variables renamed instead of shifted
 * (no eight assignments per round). In XS that is about 30% fewer units than the textbook
 * loop (about 175 units per byte).
 */

const K: readonly number[] = Object.freeze([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** Incremental SHA-256: `update` any number of times, then `digest` once. */
export class Sha256 {
  private readonly h = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  /** The message schedule (a plain array: XS reads and writes it a little faster than an Int32Array). */
  private readonly w: number[] = [];
  private readonly k = new Int32Array(K);
  private readonly block = new Uint8Array(64);
  private readonly blockView = new DataView(this.block.buffer);
  private fill = 0;
  /** Message length in bytes; exact up to 2^53. */
  private total = 0;
  private done = false;

  constructor() {
    for (let t = 0; t < 64; t++) this.w.push(0);
  }

  update(data: Uint8Array): this {
    if (this.done) throw new Error('sha256: update after digest');
    this.total += data.length;
    let i = 0;
    if (this.fill > 0) {
      const n = Math.min(64 - this.fill, data.length);
      this.block.set(data.subarray(0, n), this.fill);
      this.fill += n;
      i = n;
      if (this.fill < 64) return this;
      this.compress(this.blockView, 0);
      this.fill = 0;
    }
    if (i + 64 <= data.length) {
      const view = new DataView(data.buffer, data.byteOffset, data.length);
      for (; i + 64 <= data.length; i += 64) this.compress(view, i);
    }
    if (i < data.length) {
      this.block.set(data.subarray(i), 0);
      this.fill = data.length - i;
    }
    return this;
  }

  /**
   * Bytes of a saved state (`saveState`): the 8 chaining words, the length so far (float64),
   * the partial block's fill and its 64 bytes. Another board can go on hashing from it: a
   * digest computed in pieces on several boards is the digest of the whole.
   */
  static readonly STATE_BYTES = 32 + 8 + 1 + 64;

  /** Write the running state into `out` (at least STATE_BYTES long). */
  saveState(out: Uint8Array): void {
    if (this.done) throw new Error('sha256: saveState after digest');
    if (out.length < Sha256.STATE_BYTES) throw new Error(`sha256: a state needs ${Sha256.STATE_BYTES} bytes`);
    const v = new DataView(out.buffer, out.byteOffset, Sha256.STATE_BYTES);
    for (let j = 0; j < 8; j++) v.setInt32(4 * j, this.h[j]!);
    v.setFloat64(32, this.total);
    out[40] = this.fill;
    out.set(this.block, 41);
  }

  /** Go on from a state `saveState` wrote (on this board or another). */
  loadState(from: Uint8Array): this {
    if (from.length < Sha256.STATE_BYTES) throw new Error(`sha256: a state needs ${Sha256.STATE_BYTES} bytes`);
    const v = new DataView(from.buffer, from.byteOffset, Sha256.STATE_BYTES);
    const total = v.getFloat64(32);
    const fill = from[40]!;
    if (!Number.isInteger(total) || total < 0 || fill > 63 || total % 64 !== fill) throw new Error('sha256: not a saved state');
    for (let j = 0; j < 8; j++) this.h[j] = v.getInt32(4 * j);
    this.total = total;
    this.fill = fill;
    this.block.set(from.subarray(41, 41 + 64));
    this.done = false;
    return this;
  }

  digest(): Uint8Array {
    if (this.done) throw new Error('sha256: digest called twice');
    const bits = this.total * 8;
    const pad = new Uint8Array(this.fill < 56 ? 64 - this.fill : 128 - this.fill);
    pad[0] = 0x80;
    const n = pad.length;
    const hi = Math.floor(bits / 0x100000000);
    const lo = bits >>> 0;
    pad[n - 8] = hi >>> 24;
    pad[n - 7] = hi >>> 16;
    pad[n - 6] = hi >>> 8;
    pad[n - 5] = hi;
    pad[n - 4] = lo >>> 24;
    pad[n - 3] = lo >>> 16;
    pad[n - 2] = lo >>> 8;
    pad[n - 1] = lo;
    const total = this.total;
    this.update(pad);
    this.total = total;
    this.done = true;
    const out = new Uint8Array(32);
    for (let j = 0; j < 8; j++) {
      const v = this.h[j]!;
      out[4 * j] = v >>> 24;
      out[4 * j + 1] = v >>> 16;
      out[4 * j + 2] = v >>> 8;
      out[4 * j + 3] = v;
    }
    return out;
  }

  digestHex(): string {
    return toHex(this.digest());
  }

  /** One 64-byte block at byte `o` of `d`. */
  private compress(d: DataView, o: number): void {
    const w = this.w;
    const k = this.k;
    for (let t = 0; t < 16; t++) w[t] = d.getInt32(o + 4 * t);
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!;
      const y = w[t - 2]!;
      w[t] =
        (w[t - 16]! +
          (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) +
          w[t - 7]! +
          (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) |
        0;
    }
    const h = this.h;
    let a = h[0]!;
    let b = h[1]!;
    let c = h[2]!;
    let dd = h[3]!;
    let e = h[4]!;
    let f = h[5]!;
    let g = h[6]!;
    let hh = h[7]!;
    // Round t computes T1 into the variable that would become `h` and renames instead of
    // shifting: after eight rounds every variable is back in its place.
    for (let t = 0; t < 64; t += 8) {
      hh = (hh + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + (g ^ (e & (f ^ g))) + k[t]! + w[t]!) | 0;
      dd = (dd + hh) | 0;
      hh = (hh + (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) | (c & (a | b)))) | 0;
      g = (g + (((dd >>> 6) | (dd << 26)) ^ ((dd >>> 11) | (dd << 21)) ^ ((dd >>> 25) | (dd << 7))) + (f ^ (dd & (e ^ f))) + k[t + 1]! + w[t + 1]!) | 0;
      c = (c + g) | 0;
      g = (g + (((hh >>> 2) | (hh << 30)) ^ ((hh >>> 13) | (hh << 19)) ^ ((hh >>> 22) | (hh << 10))) + ((hh & a) | (b & (hh | a)))) | 0;
      f = (f + (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7))) + (e ^ (c & (dd ^ e))) + k[t + 2]! + w[t + 2]!) | 0;
      b = (b + f) | 0;
      f = (f + (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) + ((g & hh) | (a & (g | hh)))) | 0;
      e = (e + (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7))) + (dd ^ (b & (c ^ dd))) + k[t + 3]! + w[t + 3]!) | 0;
      a = (a + e) | 0;
      e = (e + (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) + ((f & g) | (hh & (f | g)))) | 0;
      dd = (dd + (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7))) + (c ^ (a & (b ^ c))) + k[t + 4]! + w[t + 4]!) | 0;
      hh = (hh + dd) | 0;
      dd = (dd + (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) + ((e & f) | (g & (e | f)))) | 0;
      c = (c + (((hh >>> 6) | (hh << 26)) ^ ((hh >>> 11) | (hh << 21)) ^ ((hh >>> 25) | (hh << 7))) + (b ^ (hh & (a ^ b))) + k[t + 5]! + w[t + 5]!) | 0;
      g = (g + c) | 0;
      c = (c + (((dd >>> 2) | (dd << 30)) ^ ((dd >>> 13) | (dd << 19)) ^ ((dd >>> 22) | (dd << 10))) + ((dd & e) | (f & (dd | e)))) | 0;
      b = (b + (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7))) + (a ^ (g & (hh ^ a))) + k[t + 6]! + w[t + 6]!) | 0;
      f = (f + b) | 0;
      b = (b + (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) + ((c & dd) | (e & (c | dd)))) | 0;
      a = (a + (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) + (hh ^ (f & (g ^ hh))) + k[t + 7]! + w[t + 7]!) | 0;
      e = (e + a) | 0;
      a = (a + (((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) + ((b & c) | (dd & (b | c)))) | 0;
    }
    h[0] = (h[0]! + a) | 0;
    h[1] = (h[1]! + b) | 0;
    h[2] = (h[2]! + c) | 0;
    h[3] = (h[3]! + dd) | 0;
    h[4] = (h[4]! + e) | 0;
    h[5] = (h[5]! + f) | 0;
    h[6] = (h[6]! + g) | 0;
    h[7] = (h[7]! + hh) | 0;
  }
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return s;
}

/** SHA-256 of `data` as 64 lowercase hex digits. */
export function sha256Hex(data: Uint8Array): string {
  return new Sha256().update(data).digestHex();
}
