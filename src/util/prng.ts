/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) that gives the same sequence on
 * XS, V8 and Lua: only 32-bit integer operations (Math.imul, >>>), no Math.random. The
 * simulator seeds one per board so a run replays exactly from its seed.
 */
const TWO_32 = 4294967296;
const TWO_31 = 2147483648;

/**
 * The state is four unsigned 32-bit integers, each step written so that every engine computes
 * the same: sums are reduced arithmetically (never `x >>> 0`, which the Lua 5.1 `bit` module
 * returns signed), shifts left are multiplications (Lua 5.3's `<<` does not truncate to 32
 * bits), and the one bitwise operation, xor, only sees signed 32-bit operands (NodeMCU's `bit`
 * module casts its operands to int32 in C: anything outside that range misbehaves there).
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 spreads any seed (even 0 or a small integer) over the whole state.
    let s = ((Math.floor(seed) % TWO_32) + TWO_32) % TWO_32;
    const mix = (z: number, shift: number, mul: number): number => {
      const signed = z >= TWO_31 ? z - TWO_32 : z;
      const m = Math.imul(signed ^ (signed >>> shift), mul);
      return m < 0 ? m + TWO_32 : m;
    };
    const next = (): number => {
      s += 0x9e3779b9;
      if (s >= TWO_32) s -= TWO_32;
      let z = mix(s, 16, 0x85ebca6b);
      z = mix(z, 13, 0xc2b2ae35);
      const signed = z >= TWO_31 ? z - TWO_32 : z;
      const out = signed ^ (signed >>> 16);
      return out < 0 ? out + TWO_32 : out;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    // The first outputs of sfc32 are correlated with the seed; discard a few.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Uniform unsigned 32-bit integer. */
  nextUint32(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const d = this.d;
    const t = (a + b + d) % TWO_32;
    this.d = d + 1 === TWO_32 ? 0 : d + 1;
    const bs = b >= TWO_31 ? b - TWO_32 : b;
    const x = bs ^ (bs >>> 9);
    this.a = x < 0 ? x + TWO_32 : x;
    this.b = (c + c * 8) % TWO_32;
    // rotate left by 21: the two parts do not overlap, so | is +.
    const rot = (c * 2097152) % TWO_32 + Math.floor(c / 2048);
    this.c = (rot + t) % TWO_32;
    return t;
  }

  /** Uniform in [0, 1), 32 bits of randomness. */
  random(): number {
    return this.nextUint32() / TWO_32;
  }

  /** Uniform integer in [0, n) for 0 < n <= 2^32. */
  below(n: number): number {
    return Math.floor(this.random() * n);
  }
}
