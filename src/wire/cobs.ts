/**
 * COBS (Consistent Overhead Byte Stuffing) framing for byte-stream links: each frame is sent
 * COBS-encoded (no 0x00 inside) and followed by one 0x00 delimiter, so a receiver that joins
 * mid-stream or loses bytes resynchronises at the next 0x00. Overhead: 1 byte per 254 + 2.
 */

import { copyRun, findZero } from './bytes.js';

/** Most bytes `cobsEncode` writes for `n` input bytes, delimiter included. */
export function cobsEncodedLength(n: number): number {
  return n + Math.floor(n / 254) + 2;
}

/**
 * Encode src[start, end) into `out` at `offset`, followed by the 0x00 delimiter.
 * Returns the number of bytes written; `out` must have cobsEncodedLength(end - start) room.
 */
export function cobsEncode(src: Uint8Array, out: Uint8Array, offset = 0, start = 0, end = src.length): number {
  const need = cobsEncodedLength(end - start);
  if (offset < 0 || offset + need > out.length) {
    throw new RangeError(`cobsEncode needs ${need} bytes at offset ${offset}, out has ${out.length}`);
  }
  // Run by run rather than byte by byte: a run (up to the next zero, at most 254 bytes) is
  // copied whole and its code byte written in front of it.
  let codePos = offset;
  let w = offset + 1;
  let i = start;
  let zero = findZero(src, i, end);
  for (;;) {
    const limit = end - i > 254 ? i + 254 : end;
    const atZero = zero >= 0 && zero < limit;
    const runEnd = atZero ? zero : limit;
    const len = runEnd - i;
    copyRun(src, i, runEnd, out, w);
    w += len;
    if (atZero) {
      out[codePos] = len + 1;
      codePos = w++;
      i = runEnd + 1;
      zero = findZero(src, i, end);
    } else if (len === 254) {
      out[codePos] = 0xff;
      codePos = w++;
      i = runEnd;
    } else {
      break;
    }
  }
  out[codePos] = w - codePos;
  out[w++] = 0;
  return w - offset;
}

/**
 * Decode one COBS block (without its delimiter) into `out`. Returns the decoded length, or
 * -1 when the block is malformed (a 0x00 inside, a truncated run) or does not fit in `out`.
 */
export function cobsDecode(src: Uint8Array, out: Uint8Array, start = 0, end = src.length): number {
  let r = start;
  let w = 0;
  while (r < end) {
    const code = src[r++];
    if (code === 0) return -1;
    const runEnd = r + code - 1;
    if (runEnd > end) return -1;
    if (w + (runEnd - r) > out.length) return -1;
    while (r < runEnd) {
      const b = src[r++];
      if (b === 0) return -1;
      out[w++] = b;
    }
    if (code !== 0xff && r < end) {
      if (w >= out.length) return -1;
      out[w++] = 0;
    }
  }
  return w;
}

/** Receives one decoded frame; the view is only valid during the call (the buffer is reused). */
export type FrameSink = (frame: Uint8Array) => void;

/**
 * Turns arbitrary chunks of a COBS byte stream back into frames, decoding as bytes arrive
 * (one pass, no per-byte allocation). Its buffer holds at most `maxFrame` decoded bytes: a
 * longer frame is discarded up to the next delimiter and counted in `overruns`.
 */
export class CobsDeframer {
  /** Frames handed to the sink. */
  frames = 0;
  /** Frames discarded because they decoded to more than `maxFrame` bytes. */
  overruns = 0;
  /** Frames discarded because a delimiter cut a COBS run short. */
  garbage = 0;

  private readonly buf: Uint8Array;
  private readonly sink: FrameSink;
  private len = 0;
  /** Data bytes still due in the current run; 0 means the next byte is a code byte. */
  private left = 0;
  /** The finished run implies a 0x00, written only if another run follows. */
  private pendingZero = false;
  private started = false;
  private discarding = false;

  constructor(maxFrame: number, sink: FrameSink) {
    if (!(Number.isInteger(maxFrame) && maxFrame > 0)) {
      throw new RangeError(`CobsDeframer maxFrame must be a positive integer, got ${String(maxFrame)}`);
    }
    this.buf = new Uint8Array(maxFrame);
    this.sink = sink;
  }

  /** Forget a partly received frame (e.g. after the link was reset). */
  reset(): void {
    this.len = 0;
    this.left = 0;
    this.pendingZero = false;
    this.started = false;
    this.discarding = false;
  }

  push(chunk: Uint8Array): void {
    const buf = this.buf;
    const max = buf.length;
    const n = chunk.length;
    let i = 0;
    // The next 0x00 at or after i in this chunk; -1 for none, -2 not looked for yet.
    let zero = -2;
    while (i < n) {
      if (zero < i && zero !== -1) zero = findZero(chunk, i, n);
      if (this.discarding) {
        if (zero < 0) return;
        i = zero;
      }
      const b = chunk[i];
      if (b === 0) {
        this.endFrame();
        i++;
        continue;
      }
      this.started = true;
      if (this.left === 0) {
        if (this.pendingZero) {
          if (this.len >= max) {
            this.overrun();
            continue;
          }
          buf[this.len++] = 0;
        }
        this.left = b - 1;
        this.pendingZero = b !== 0xff;
        i++;
        continue;
      }
      // Data bytes of the current run: as many as are here, up to the next zero.
      let runEnd = n - i > this.left ? i + this.left : n;
      if (zero >= 0 && zero < runEnd) runEnd = zero;
      const take = runEnd - i;
      if (this.len + take > max) {
        this.overrun();
        continue;
      }
      copyRun(chunk, i, runEnd, buf, this.len);
      this.len += take;
      this.left -= take;
      i = runEnd;
    }
  }

  private overrun(): void {
    this.overruns++;
    this.discarding = true;
  }

  private endFrame(): void {
    if (this.discarding) {
      // already counted as an overrun
    } else if (this.left !== 0) {
      this.garbage++;
    } else if (this.started) {
      this.frames++;
      const n = this.len;
      this.reset();
      this.sink(this.buf.subarray(0, n));
      return;
    }
    this.reset();
  }
}
