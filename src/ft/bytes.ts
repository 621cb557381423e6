/**
 * Little-endian byte writing and bounds-checked reading for FT payloads. The reader never
 * throws: a read past the end returns 0 and clears `ok`, so a decoder checks once at the end
 * and a malformed frame is dropped and counted, never a crash.
 */
import { utf8Decode, utf8EncodeInto, utf8Length } from '../util/utf8.js';

/** Longest string field on the wire (one length byte). */
export const MAX_STR = 255;

export class ByteWriter {
  buf: Uint8Array;
  private dv: DataView;
  pos: number;

  constructor(sizeOrBuffer: number | Uint8Array, pos = 0) {
    this.buf = typeof sizeOrBuffer === 'number' ? new Uint8Array(sizeOrBuffer) : sizeOrBuffer;
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = pos;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    this.dv = new DataView(grown.buffer);
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.room(2);
    this.dv.setUint16(this.pos, v & 0xffff, true);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    this.dv.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
    return this;
  }

  /** A string as one length byte and UTF-8, cut (at a character boundary) to MAX_STR bytes. */
  str(s: string): this {
    this.room(1 + utf8Length(s));
    const start = this.pos + 1;
    let len = utf8EncodeInto(s, this.buf, start) - start;
    if (len > MAX_STR) {
      len = MAX_STR;
      // Back off to the start of the character the cut would split.
      while (len > 0 && ((this.buf[start + len] as number) & 0xc0) === 0x80) len--;
    }
    this.buf[this.pos] = len;
    this.pos = start + len;
    return this;
  }

  bytes(src: Uint8Array): this {
    this.room(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
    return this;
  }

  /** The bytes written so far (a view; the writer must not be reused while it is held). */
  done(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** The little-endian u16 at `at` of `p` (in bounds: the caller checked the length). */
export function le16(p: Uint8Array, at: number): number {
  return p[at]! | (p[at + 1]! << 8);
}

/** The little-endian u32 at `at` of `p` (in bounds). */
export function le32(p: Uint8Array, at: number): number {
  return (p[at]! | (p[at + 1]! << 8) | (p[at + 2]! << 16) | (p[at + 3]! << 24)) >>> 0;
}

/** Write `v` as a little-endian u32 at `at` of `p` (in bounds). */
export function putLe32(p: Uint8Array, at: number, v: number): void {
  p[at] = v & 0xff;
  p[at + 1] = (v >>> 8) & 0xff;
  p[at + 2] = (v >>> 16) & 0xff;
  p[at + 3] = (v >>> 24) & 0xff;
}

/**
 * Reads a frame's fields in order. No DataView of its own: its numbers are read byte by byte
 * (le16, le32), and a DataView is an object and its view's slots live while the reader is (a
 * StreamReceiver's for the whole of a ward's frame, the arena's allocation included:
 * docs/FOOTPRINT.md "Round 22: the round peaks").
 */
export class ByteReader {
  ok = true;
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    pos = 0,
  ) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private take(n: number): boolean {
    if (this.pos + n > this.buf.length) {
      this.ok = false;
      this.pos = this.buf.length;
      return false;
    }
    return true;
  }

  u8(): number {
    const p = this.buf;
    const i = this.pos;
    if (i >= p.length) return this.short();
    this.pos = i + 1;
    return p[i]!;
  }

  u16(): number {
    // le16's and le32's work, and take's test, written out: no call per number.
    const p = this.buf;
    const i = this.pos;
    if (i + 2 > p.length) return this.short();
    this.pos = i + 2;
    return p[i]! | (p[i + 1]! << 8);
  }

  u32(): number {
    const p = this.buf;
    const i = this.pos;
    if (i + 4 > p.length) return this.short();
    this.pos = i + 4;
    return (p[i]! | (p[i + 1]! << 8) | (p[i + 2]! << 16) | (p[i + 3]! << 24)) >>> 0;
  }

  /** A number past the end: the reader is spent (take's work), 0 read. */
  private short(): number {
    this.ok = false;
    this.pos = this.buf.length;
    return 0;
  }

  str(): string {
    const n = this.u8();
    if (!this.take(n)) return '';
    const s = utf8Decode(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** A view of the next `n` bytes (not a copy). */
  view(n: number): Uint8Array {
    if (!this.take(n)) return new Uint8Array(0);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** True when everything was read and nothing was left over. */
  get exact(): boolean {
    return this.ok && this.pos === this.buf.length;
  }
}
