/**
 * COBS (Consistent Overhead Byte Stuffing) framing for byte-stream links: each frame is sent
 * COBS-encoded (no 0x00 inside) and followed by one 0x00 delimiter, so a receiver that joins
 * mid-stream or loses bytes resynchronises at the next 0x00. Overhead: 1 byte per 254 + 2.
 */

import { copyRun, findZero, skipRun } from './bytes.js';
import type { NativeBytes } from './native.js';

/** Most bytes `cobsEncode` writes for `n` input bytes, delimiter included. */
export function cobsEncodedLength(n: number): number {
  return n + Math.floor(n / 254) + 2;
}

/**
 * Runs up to this long are moved by an indexed loop; longer ones are found with findZero's
 * word reads and copied with copyRun. On XS a loop step costs a few metering units per byte,
 * while each findZero/copyRun call costs a hundred or more (calls, a view allocated per run):
 * paid per run, that made zero-heavy data (every zero ends a run) twenty times dearer per byte
 * than ordinary data. The loop also finds the run's end, so a run that stops early costs no call.
 */
const SHORT_RUN = 16;

/** The encoder tries this many bytes of a run by loop before paying for findZero + copyRun. */
const PREFIX = 4;

/**
 * Encode src[start, end) into `out` at `offset`, followed by the 0x00 delimiter.
 * Returns the number of bytes written; `out` must have cobsEncodedLength(end - start) room.
 */
export function cobsEncode(src: Uint8Array, out: Uint8Array, offset = 0, start = 0, end = src.length): number {
  const need = cobsEncodedLength(end - start);
  if (offset < 0 || offset + need > out.length) {
    throw new RangeError(`cobsEncode needs ${need} bytes at offset ${offset}, out has ${out.length}`);
  }
  // A block is a code byte (written when the block closes) then up to 254 non-zero bytes; it
  // closes at a zero of the input (code = length + 1) or full (code 0xff, no zero implied).
  let codePos = offset;
  let w = offset + 1;
  let i = start;
  // The first zero at or after i, as last found by findZero; -1 none; -2 not looked for yet.
  let zero = -2;
  while (i < end) {
    let b = src[i]!;
    if (b === 0) {
      // This zero closes the block; each zero right after it is an empty block of its own.
      out[codePos] = w - codePos;
      i++;
      if (i < end && src[i] === 0) {
        if (i + 1 < end && src[i + 1] === 0) {
          const z = skipRun(src, i, end, 0);
          out.fill(1, w, w + z - i);
          w += z - i;
          i = z;
        } else {
          out[w++] = 1;
          i++;
        }
      }
      codePos = w++;
      continue;
    }
    const room = codePos + 255 - w;
    const stop = end - i > room ? i + room : end;
    const short = stop - i > PREFIX ? i + PREFIX : stop;
    out[w++] = b;
    i++;
    while (i < short && (b = src[i]!) !== 0) {
      out[w++] = b;
      i++;
    }
    if (i === short && short < stop) {
      if (zero < i && zero !== -1) zero = findZero(src, i, end);
      const runEnd = zero >= 0 && zero < stop ? zero : stop;
      copyRun(src, i, runEnd, out, w);
      w += runEnd - i;
      i = runEnd;
    }
    if (w - codePos === 255) {
      out[codePos] = 0xff;
      codePos = w++;
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
  const max = out.length;
  let r = start;
  let w = 0;
  while (r < end) {
    const code = src[r++]!;
    if (code === 0) return -1;
    if (code === 1) {
      // 01 codes in a row: one 0x00 each, except the block's last code, which implies none.
      const j = r < end && src[r] === 1 ? skipRun(src, r, end, 1) : r;
      const zeros = j === end ? j - r : j - r + 1;
      if (zeros > max - w) return -1;
      if (zeros === 1) {
        out[w++] = 0;
      } else {
        out.fill(0, w, w + zeros);
        w += zeros;
      }
      r = j;
      continue;
    }
    const len = code - 1;
    if (len > end - r || len > max - w) return -1;
    if (len <= SHORT_RUN) {
      const runEnd = r + len;
      while (r < runEnd) {
        const b = src[r++]!;
        if (b === 0) return -1;
        out[w++] = b;
      }
    } else {
      if (findZero(src, r, r + len) >= 0) return -1;
      copyRun(src, r, r + len, out, w);
      r += len;
      w += len;
    }
    if (code !== 0xff && r < end) {
      if (w >= max) return -1;
      out[w++] = 0;
    }
  }
  return w;
}

/**
 * Decode one COBS block buf[0, end) (no delimiter, no 0x00 in it) in place: the same bytes and
 * the same refusals as cobsDecode (a truncated run; a 0x00 code). The decoded bytes never
 * overtake the encoded ones, so each run moves down in the same buffer: by the target's native
 * copy (a memmove) when `natives` has one. Returns the decoded length or -1.
 */
export function cobsDecodeInPlace(buf: Uint8Array, end: number, natives: NativeBytes | null = null): number {
  // Called as the object's method (a TSTL method takes its object as `self`).
  const native = natives !== null && natives.copy !== undefined ? natives : null;
  let r = 0;
  let w = 0;
  while (r < end) {
    const code = buf[r++]!;
    if (code === 0) return -1;
    const len = code - 1;
    if (len > end - r) return -1;
    if (len > 0) {
      // A native copy is a memmove and makes nothing; set() of a view of the same buffer moves
      // like memmove too (the spec copies the source first when the buffers are the same), but
      // the view is ~7 XS slots a run, and a checkpoint frame's doubles have a zero every few
      // bytes (docs/FOOTPRINT.md "Round 21: the receive chain"). The Lua build's arrays have
      // set, not copyWithin.
      if (w !== r) {
        if (native !== null) native.copy!(buf, r, r + len, buf, w);
        else buf.set(buf.subarray(r, r + len), w);
      }
      r += len;
      w += len;
    }
    if (code !== 0xff && r < end) buf[w++] = 0;
  }
  return w;
}

/**
 * The native path's block buffer is kept between frames only up to this size (a control frame
 * or a small message spanning two reads); a longer block's buffer is dropped once decoded.
 */
const ENC_KEEP = 256;

/**
 * Receives each decoded frame (`deframed`); the view is only valid during the call (the buffer is
 * reused). An object with a method, not a callback: the hop link is its own deframer's sink, where
 * a closure per link was ~15 XS slots (docs/FOOTPRINT.md "Round 11: conformance slots"), and a
 * method on an object is what the Lua build calls with the right `self`.
 */
export interface FrameSink {
  deframed(frame: Uint8Array): void;
}

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
  private readonly maxFrame: number;
  /**
   * With a native decoder: encoded bytes of a block that began in an earlier chunk. Made when a
   * block spans chunks, grown as it does, dropped after a block longer than ENC_KEEP: a
   * buffer of the largest block (~4.2 KiB) per stream link, kept for good, was a quarter of a
   * board's chunk heap between frames (docs/FOOTPRINT.md "Round 8: conformance footprint").
   */
  private enc: Uint8Array | null = null;
  private readonly natives: NativeBytes | null;
  private len = 0;
  /** Data bytes still due in the current run; 0 means the next byte is a code byte. */
  private left = 0;
  /** The finished run implies a 0x00, written only if another run follows. */
  private pendingZero = false;
  private started = false;
  private discarding = false;

  /**
   * `native`: the target's byte helpers. With a native cobsDecode (and findZero) the deframer
   * only finds delimiters and hands whole blocks to it; the frames are the same.
   */
  /**
   * Frames handed to the sink are fresh arrays nobody else holds (the native path: the native
   * decoder's result, or a kept block's own buffer), which the receiver may keep without a copy;
   * false on the JS path, whose frames are views of the one reused buffer.
   */
  get framesOwned(): boolean {
    return this.natives !== null;
  }

  /** The longest encoded block (maxFrame decoded bytes), without its delimiter: computed, not a property (a slot each). */
  private get encMax(): number {
    return cobsEncodedLength(this.maxFrame) - 1;
  }

  constructor(maxFrame: number, sink: FrameSink, native?: NativeBytes) {
    if (!(Number.isInteger(maxFrame) && maxFrame > 0)) {
      throw new RangeError(`CobsDeframer maxFrame must be a positive integer, got ${String(maxFrame)}`);
    }
    this.maxFrame = maxFrame;
    this.sink = sink;
    if (native?.cobsDecode !== undefined) {
      this.natives = native;
      this.buf = new Uint8Array(0);
    } else {
      this.natives = null;
      this.buf = new Uint8Array(maxFrame);
    }
  }

  /** Forget a partly received frame (e.g. after the link was reset). */
  reset(): void {
    if (this.enc !== null && this.enc.length > ENC_KEEP) this.enc = null;
    this.len = 0;
    this.left = 0;
    this.pendingZero = false;
    this.started = false;
    this.discarding = false;
  }

  push(chunk: Uint8Array): void {
    if (this.natives !== null) {
      this.pushBlocks(chunk, this.natives);
      return;
    }
    const buf = this.buf;
    const max = buf.length;
    const n = chunk.length;
    // The state lives in locals during the call: XS pays several times more for a property.
    let len = this.len;
    let left = this.left;
    let pendingZero = this.pendingZero;
    let started = this.started;
    let discarding = this.discarding;
    let i = 0;
    // The first 0x00 at or after i, as last found by findZero; -1 none; -2 not looked for yet.
    // Only long runs and discarding need it: elsewhere a 0x00 shows up where it is read.
    let zero = -2;
    while (i < n) {
      if (discarding) {
        if (zero < i && zero !== -1) zero = findZero(chunk, i, n);
        if (zero < 0) break;
        i = zero;
      }
      const b = chunk[i]!;
      if (b === 0) {
        this.len = len;
        this.left = left;
        this.pendingZero = pendingZero;
        this.started = started;
        this.discarding = discarding;
        this.endFrame();
        len = this.len;
        left = this.left;
        pendingZero = this.pendingZero;
        started = this.started;
        discarding = this.discarding;
        i++;
        continue;
      }
      started = true;
      if (left === 0) {
        if (pendingZero) {
          if (len >= max) {
            this.overruns++;
            discarding = true;
            continue;
          }
          buf[len++] = 0;
        }
        i++;
        left = b - 1;
        pendingZero = b !== 0xff;
        // 01 codes in a row (a run of zeros in the frame): each is one more 0x00.
        if (left === 0 && i < n && chunk[i] === 1) {
          let zeros = skipRun(chunk, i, n, 1) - i;
          if (zeros > max - len) zeros = max - len;
          buf.fill(0, len, len + zeros);
          len += zeros;
          i += zeros;
        }
        continue;
      }
      // Data bytes of the current run: as many as are here, up to a 0x00 (which cuts the frame).
      const runEnd = n - i > left ? i + left : n;
      if (runEnd - i <= SHORT_RUN) {
        const room = max - len;
        const lim = runEnd - i > room ? i + room : runEnd;
        const from = i;
        let c = 0;
        while (i < lim && (c = chunk[i]!) !== 0) {
          buf[len++] = c;
          i++;
        }
        left -= i - from;
        if (i === lim && lim < runEnd && chunk[i] !== 0) {
          this.overruns++;
          discarding = true;
        }
        continue;
      }
      if (zero < i && zero !== -1) zero = findZero(chunk, i, n);
      const cut = zero >= 0 && zero < runEnd ? zero : runEnd;
      const take = cut - i;
      if (take > max - len) {
        this.overruns++;
        discarding = true;
        continue;
      }
      copyRun(chunk, i, cut, buf, len);
      len += take;
      left -= take;
      i = cut;
    }
    this.len = len;
    this.left = left;
    this.pendingZero = pendingZero;
    this.started = started;
    this.discarding = discarding;
  }

  /**
   * The native path: find each delimiter, decode each whole block in one native call (from the
   * chunk itself when the block lies in it, else from `enc` where its start was kept).
   * `len` counts the encoded bytes kept; `discarding` skips an over-long block.
   */
  private pushBlocks(chunk: Uint8Array, natives: NativeBytes): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      const z = natives.findZero !== undefined ? natives.findZero(chunk, i, n) : findZero(chunk, i, n);
      const end = z < 0 ? n : z;
      if (end > i && !this.discarding) {
        const need = this.len + (end - i);
        if (need > cobsEncodedLength(this.maxFrame) - 1) {
          this.overruns++;
          this.discarding = true;
          this.len = 0;
        } else if (z >= 0 && this.len === 0) {
          this.block(chunk, i, end, natives);
          i = z + 1;
          continue;
        } else {
          const enc = this.room(need);
          if (natives.copy !== undefined) natives.copy(chunk, i, end, enc, this.len);
          else copyRun(chunk, i, end, enc, this.len);
          this.len = need;
        }
      }
      if (z < 0) return;
      if (!this.discarding && this.len > 0) this.keptBlock();
      this.discarding = false;
      this.len = 0;
      if (this.enc !== null && this.enc.length > ENC_KEEP) this.enc = null;
      i = z + 1;
    }
  }

  /** The block buffer with room for `need` bytes (what it holds kept). */
  private room(need: number): Uint8Array {
    const old = this.enc;
    if (old !== null && old.length >= need) return old;
    // Small blocks in a small buffer; a larger one goes straight to the largest block's size:
    // growing by steps would hold the old and new buffer at once at every step.
    const size = need <= ENC_KEEP ? ENC_KEEP : this.encMax;
    const enc = new Uint8Array(size);
    if (old !== null && this.len > 0) copyRun(old, 0, this.len, enc, 0);
    this.enc = enc;
    return enc;
  }

  /** Bytes of buffers the deframer holds now (its decode buffer, or the native path's block buffer). */
  get bufferBytes(): number {
    return this.buf.length + (this.enc !== null ? this.enc.length : 0);
  }

  /**
   * A block kept across reads: decoded in place and its buffer handed to the sink (the next
   * block gets a new one), so a large frame is never held twice, encoded and decoded.
   */
  private keptBlock(): void {
    const frame = this.keptFrame();
    if (frame !== null) this.sink.deframed(frame);
  }

  /**
   * The kept block decoded: a view of the decoded bytes in its buffer, or null (counted). Apart
   * from keptBlock so that the block's own array is not one of the sink's caller's locals: the
   * view alone is live while the layers above take the frame (XS keeps a function's locals
   * until it returns; docs/FOOTPRINT.md "Round 22: the round peaks").
   */
  private keptFrame(): Uint8Array | null {
    const enc = this.enc as Uint8Array;
    const n = cobsDecodeInPlace(enc, this.len, this.natives);
    if (n < 0) {
      this.garbage++;
    } else if (n > this.maxFrame) {
      this.overruns++;
    } else {
      this.frames++;
      this.enc = null;
      return enc.subarray(0, n);
    }
    return null;
  }

  private block(src: Uint8Array, start: number, end: number, natives: NativeBytes): void {
    const frame = (natives.cobsDecode as NonNullable<NativeBytes['cobsDecode']>)(src, start, end);
    if (frame === null) {
      this.garbage++;
    } else if (frame.length > this.maxFrame) {
      this.overruns++;
    } else {
      this.frames++;
      this.sink.deframed(frame);
    }
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
      this.sink.deframed(this.buf.subarray(0, n));
      return;
    }
    this.reset();
  }
}
