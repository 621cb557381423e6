/**
 * A frame's COBS encoding read a piece at a time (HalLink.writeSource): split from cobs.ts, whose
 * encoder it matches byte for byte (test/wire/cobs), to keep each file under the size limit.
 */
import { copyRun, findZero } from './bytes.js';
import type { NativeBytes } from './native.js';

/** As cobs.ts's PREFIX: a block's first bytes are tried by loop before findZero. */
const PREFIX = 4;
/** A COBS block holds at most this many data bytes (code 0xff). */
const BLOCK_MAX = 254;
/** CobsSource's bits: the leading 0x00 is still to come; the open block ends at a zero of the frame; the open block is the last. */
const SRC_LEAD = 1;
const SRC_ZERO_AFTER = 2;
const SRC_LAST = 4;
/**
 * CobsSource's numbers (`n`): encoded bytes not produced yet; the copied head's length; where
 * the copied tail starts; the next frame byte to read; the open block's data bytes still to
 * copy (-1 between blocks); SRC_* bits.
 */
const C_LEFT = 0;
const C_HEAD = 1;
const C_BODY_END = 2;
const C_POS = 3;
const C_RUN = 4;
const C_BITS = 5;

/**
 * The COBS encoding of one frame, produced a piece at a time as a port drains (a `TxSource`,
 * src/hal.ts): exactly the bytes `cobsEncode` writes (after one leading 0x00 when `lead`), but
 * never whole in memory. Its first `head` and last `tail` bytes are copied at the start (a
 * frame's hop fields, CRC and MAC, which the link rewrites in place when it resends the frame,
 * maybe while this encoding is still queued); the rest is read as the port drains and must not
 * change until `left` is 0. The length is known at the start (one scan for the blocks): the
 * transmit queue and the link's timing need it. docs/FOOTPRINT.md "Round 9: conformance chunks".
 *
 * One is queued per large frame until the port has drained it, while the hop link holds the
 * frame: its numbers are one plain Array and the copied bytes a string, 7 XS slots where eleven
 * properties and a Uint8Array were 19 (docs/FOOTPRINT.md "Round 21: the frames in flight").
 */
export class CobsSource {
  private readonly frame: Uint8Array;
  /** frame[0, head) then frame[bodyEnd, n) as they were at the start, a character a byte (0..255): XS keeps a string in the property's slot. */
  private readonly edges: string;
  /** The C_* numbers. */
  private readonly n: number[];
  private readonly natives: NativeBytes;

  constructor(frame: Uint8Array, lead: boolean, natives: NativeBytes, head = 0, tail = 0) {
    const n = frame.length;
    if (head + tail > n) {
      head = n;
      tail = 0;
    }
    this.frame = frame;
    let edges = '';
    for (let k = 0; k < head; k++) edges += String.fromCharCode(frame[k]!);
    for (let k = n - tail; k < n; k++) edges += String.fromCharCode(frame[k]!);
    this.edges = edges;
    const v = (this.n = [0, head, n - tail, 0, -1, lead ? SRC_LEAD : 0]);
    this.natives = natives;
    // Every block is a code byte and its data, a zero of the frame is a block's end: the
    // length is the frame's non-zero bytes, one code per block, the delimiter (and the lead).
    let codes = 0;
    let zeros = 0;
    let i = 0;
    for (;;) {
      codes++;
      const k = this.blockLength(i);
      i += k;
      if (k === BLOCK_MAX) continue;
      if (i >= n) break;
      zeros++;
      i++;
    }
    v[C_LEFT] = (lead ? 1 : 0) + n - zeros + codes + 1;
  }

  /** Encoded bytes not produced yet (TxSource.left): read from the numbers, no property of its own. */
  get left(): number {
    return this.n[C_LEFT]!;
  }

  /** Write the next `count` encoded bytes (at most `left`) into out[at, at + count). */
  read(out: Uint8Array, at: number, count: number): void {
    const v = this.n;
    if (count > v[C_LEFT]! || count < 0) throw new RangeError(`CobsSource.read: ${count} bytes asked, ${v[C_LEFT]!} left`);
    v[C_LEFT] = v[C_LEFT]! - count;
    const end = at + count;
    let w = at;
    // The state in locals during the call, stored back at its end.
    let pos = v[C_POS]!;
    let run = v[C_RUN]!;
    let bits = v[C_BITS]!;
    if ((bits & SRC_LEAD) !== 0 && w < end) {
      out[w++] = 0;
      bits = 0;
    }
    while (w < end) {
      if (run < 0) {
        // Open the next block: its code byte says how long it is.
        const k = this.blockLength(pos);
        run = k;
        // The lead went before any block: SRC_LEAD is clear here.
        bits = k === BLOCK_MAX ? 0 : pos + k < this.frame.length ? SRC_ZERO_AFTER : SRC_LAST;
        out[w++] = k === BLOCK_MAX ? 0xff : k + 1;
      } else if (run > 0) {
        const m = run < end - w ? run : end - w;
        this.copy(pos, pos + m, out, w);
        pos += m;
        run -= m;
        w += m;
      } else if ((bits & SRC_LAST) !== 0) {
        // The block's data is out: end with the delimiter, or skip the zero the block stands for.
        out[w++] = 0;
      } else {
        if ((bits & SRC_ZERO_AFTER) !== 0) pos++;
        run = -1;
      }
    }
    v[C_POS] = pos;
    v[C_RUN] = run;
    v[C_BITS] = bits;
  }

  /** Byte i of the frame as it was at the start (`head`, `bodyEnd`: the numbers', read once by the caller). */
  private at(i: number, head: number, bodyEnd: number): number {
    return i < head ? this.edges.charCodeAt(i) : i >= bodyEnd ? this.edges.charCodeAt(head + i - bodyEnd) : this.frame[i]!;
  }

  /** Non-zero bytes from `i`, up to a zero, the frame's end or a full block. */
  private blockLength(i: number): number {
    const n = this.frame.length;
    const head = this.n[C_HEAD]!;
    const bodyEnd = this.n[C_BODY_END]!;
    const stop = n - i > BLOCK_MAX ? i + BLOCK_MAX : n;
    let j = i;
    // The edges, and a few bytes of the body by loop (read in place: at() only for the copied
    // edges): zero-heavy data ends most blocks there.
    const short = j < head ? head + PREFIX : j + PREFIX;
    const loopEnd = short < stop ? short : stop;
    const frame = this.frame;
    while (j < loopEnd && (j < head || j >= bodyEnd ? this.at(j, head, bodyEnd) : frame[j]!) !== 0) j++;
    if (j < loopEnd || j === stop) return j - i;
    const bodyStop = stop < bodyEnd ? stop : bodyEnd;
    if (j < bodyStop) {
      const find = this.natives.findZero;
      const z = find !== undefined ? find(this.frame, j, bodyStop) : findZero(this.frame, j, bodyStop);
      if (z >= 0) return z - i;
      j = bodyStop;
    }
    while (j < stop && (j >= bodyEnd ? this.at(j, head, bodyEnd) : frame[j]!) !== 0) j++;
    return j - i;
  }

  /** Copy frame[from, to) as it was at the start into out at `w`. */
  private copy(from: number, to: number, out: Uint8Array, w: number): void {
    const head = this.n[C_HEAD]!;
    const bodyEnd = this.n[C_BODY_END]!;
    while (from < to && (from < head || from >= bodyEnd)) out[w++] = this.at(from++, head, bodyEnd);
    const bodyTo = to < bodyEnd ? to : bodyEnd;
    if (from < bodyTo) {
      const copy = this.natives.copy;
      if (bodyTo - from > PREFIX && copy !== undefined) copy(this.frame, from, bodyTo, out, w);
      else copyRun(this.frame, from, bodyTo, out, w);
      w += bodyTo - from;
      from = bodyTo;
    }
    while (from < to) out[w++] = this.at(from++, head, bodyEnd);
  }
}
