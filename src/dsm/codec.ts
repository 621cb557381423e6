/**
 * Byte-level encoding for DSM messages: unsigned LEB128 varints (most DSM numbers are small:
 * request ids, granule offsets, run lengths, so one or two bytes each instead of four) and
 * printable-ASCII names. Decoding never trusts the input: every read is bounds-checked and a
 * short or malformed message raises DecodeError, which the core counts and drops.
 */
import { copyInto } from './bytes.js';

export class DecodeError extends Error {
  /**
   * On the prototype, not assigned per instance: Moddable freezes Error.prototype at preload,
   * so `this.name = ...` would throw (its inherited `name` is read-only). See docs/TARGETS.md.
   */
  override get name(): string {
    return 'DecodeError';
  }

  constructor(message: string) {
    super(message);
  }
}

/** Largest value a varint may carry: keeps arithmetic exact in every engine. */
export const VARINT_MAX = 0xffffffff;

/** Bytes a varint of `value` takes. */
export function varintSize(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** Write `value` (checked by the caller: an integer in 0..VARINT_MAX) as a varint at buf[at]; returns the offset after it. */
export function putVarint(buf: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    buf[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[at++] = value;
  return at;
}

/**
 * Bytes every message buffer keeps free before the message, for a transport to prepend its
 * own header in place (DsmTransport.headroom) instead of copying the message.
 */
export const MAX_HEADROOM = 8;

/**
 * A growable message writer. `finish()` hands over a view of the writer's own buffer (no
 * copy): the writer is done with after that. The view has MAX_HEADROOM free bytes before it.
 */
export class Writer {
  private buf: Uint8Array;
  /** Bytes of message written (the headroom not counted). */
  length = 0;

  constructor(capacity = 64) {
    this.buf = new Uint8Array(MAX_HEADROOM + capacity);
  }

  private room(n: number): void {
    const need = MAX_HEADROOM + this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    copyInto(next, 0, this.buf.subarray(0, MAX_HEADROOM + this.length));
    this.buf = next;
  }

  u8(value: number): this {
    this.room(1);
    this.buf[MAX_HEADROOM + this.length++] = value & 0xff;
    return this;
  }

  varint(value: number): this {
    if (!(value >= 0 && value <= VARINT_MAX) || value !== Math.floor(value)) {
      throw new RangeError(`varint out of range: ${value}`);
    }
    this.room(5);
    const b = this.buf;
    let at = MAX_HEADROOM + this.length;
    while (value >= 0x80) {
      b[at++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    b[at++] = value;
    this.length = at - MAX_HEADROOM;
    return this;
  }

  bytes(src: Uint8Array): this {
    this.room(src.length);
    copyInto(this.buf, MAX_HEADROOM + this.length, src);
    this.length += src.length;
    return this;
  }

  /** Length-prefixed printable ASCII (names and error texts; callers validate names first). */
  ascii(text: string): this {
    this.varint(text.length);
    this.room(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      this.buf[MAX_HEADROOM + this.length++] = c >= 0x20 && c < 0x7f ? c : 0x3f;
    }
    return this;
  }

  finish(): Uint8Array {
    return this.buf.subarray(MAX_HEADROOM, MAX_HEADROOM + this.length);
  }
}

/** A copy of a finished message with its own headroom (for sending one message to several boards). */
export function copyMessage(msg: Uint8Array): Uint8Array {
  return new Writer(msg.length).bytes(msg).finish();
}

export class Reader {
  offset = 0;

  constructor(readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  u8(): number {
    if (this.offset >= this.buf.length) throw new DecodeError('message too short');
    return this.buf[this.offset++]!;
  }

  varint(): number {
    const buf = this.buf;
    const at = this.offset;
    // Most DSM numbers are below 128: one byte, read without the loop.
    if (at < buf.length && buf[at]! < 0x80) {
      this.offset = at + 1;
      return buf[at]!;
    }
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      // The byte read inline, not through u8(): a call less per byte on every message.
      if (this.offset >= buf.length) throw new DecodeError('message too short');
      const b = buf[this.offset++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (value > VARINT_MAX) break;
        return value;
      }
      scale *= 128;
    }
    throw new DecodeError('bad varint');
  }

  /** A view (not a copy) of the next `n` bytes. */
  bytes(n: number): Uint8Array {
    if (n > this.remaining) throw new DecodeError('message too short');
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  ascii(maxLength: number): string {
    const n = this.varint();
    if (n > maxLength) throw new DecodeError('name too long');
    const raw = this.bytes(n);
    let s = '';
    for (let i = 0; i < n; i++) {
      const c = raw[i]!;
      if (c < 0x20 || c >= 0x7f) throw new DecodeError('name not printable ASCII');
      s += String.fromCharCode(c);
    }
    return s;
  }

  end(): void {
    if (this.offset !== this.buf.length) throw new DecodeError('trailing bytes');
  }
}
