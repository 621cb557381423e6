/**
 * Checkpoint data on the wire: a delta (or a full image) cut into CKPT_DATA frames of at most
 * `frameBytes`, sent with a window bounded in frames and in bytes and acknowledged end to end.
 *
 *   CKPT_DATA payload: u8 flags (1 LAST, 2 REPLICA) | u8 rank | u32 round | u32 base | u16 seq | records
 *   records: META  3 | u32 progress | u16 segments | u32 dataBytes        (first frame only, first record)
 *            SEG   1 | u8 kind | u32 length | u8 n | name[n]              (all before the first RUN)
 *                  kind 0: patches the committed segment of that name and length; 1: whole, its
 *                  RUNs in order from offset 0; 2: new, zeros but for its RUNs (any offsets)
 *            RUN   2 | u16 seg | u32 offset | u16 n | bytes[n]
 *
 * Frames are built on demand from a cursor into the source, so the sender keeps no copy of
 * what it has sent: going back N frames rebuilds them from the cursor saved for each.
 */
import { ByteReader, ByteWriter, putLe32 } from './bytes.js';
import { INDEX_MIN_NAMES, RUN_BYTES, RUN_FIELDS, RUN_OFFSET, RUN_SEG, SEG_DATA, SEG_FIELDS, SEG_FLAGS, SEG_LENGTH, SEG_NAME, SEG_WHOLE, SEG_ZERO } from './image.js';
import type { Image, Pending, RunItem, TableItem } from './image.js';
import { utf8EncodeInto, utf8Length } from '../util/utf8.js';
import type { NativeBytes } from '../wire/native.js';
import { assert } from '../util/assert.js';
import { zeros } from '../util/figures.js';

export const DATA_HEADER = 12;
export const FLAG_LAST = 1;
export const FLAG_REPLICA = 2;
const TAG_SEG = 1;
const TAG_RUN = 2;
const TAG_META = 3;
const TAG_META_CARRY = 4;
const KIND_PATCH = 0;
const KIND_WHOLE = 1;
const KIND_ZERO = 2;
const META_SIZE = 11;
const RUN_HEADER = 9;
/** A run is not started in the last few bytes of a frame: a header for a handful of bytes is waste. */
const MIN_RUN_START = RUN_HEADER + 16;
/**
 * A ward's delta keeps its arena (StreamReceiver.piece) when its zero-based (new or resized)
 * segments are this long at most: the bytes the arena may leave unused (their spans go into
 * the segments themselves). An app state's encoding is a few bytes to a few hundred.
 */
const ARENA_ZERO_SLACK = 512;

export interface StreamSource {
  /** The segment table: SEG_FIELDS items a segment (name, length, SEG_* flags, data; Pending.table): the stream reads names, lengths and flags. */
  table: readonly TableItem[];
  /**
   * Runs in send order, RUN_FIELDS items each (Pending.runs): whole segments' data first (in
   * table order, each from offset 0), then patches.
   */
  runs: readonly RunItem[];
  progress: number;
  /** Sum of run lengths. */
  dataBytes: number;
  /** The table lists only what changed (Pending.carry): sent as CARRY META. */
  carry: boolean;
}

/**
 * A round's data as a stream source. Without whole segments' data (a delta of patches and
 * zero-based spans: every round of a state whose segments keep their sizes) the Pending is the
 * source itself: its runs are the send order, and no object and list of runs are made per round
 * (docs/FOOTPRINT.md "Round 12: Laplace slots").
 */
export function sourceOfPending(p: Pending): StreamSource {
  const t = p.table;
  let wholeData = false;
  for (let i = SEG_DATA; i < t.length; i += SEG_FIELDS) {
    const w = t[i] as Uint8Array | null;
    if (w !== null && w.length > 0) wholeData = true;
  }
  if (!wholeData) return p;
  const runs: RunItem[] = [];
  for (let i = 0; i < t.length; i += SEG_FIELDS) {
    const w = t[i + SEG_DATA] as Uint8Array | null;
    if (w !== null && w.length > 0) runs.push(w, i / SEG_FIELDS, 0, 0);
  }
  // The patches after them, as they are (RUN_FIELDS items each).
  for (const item of p.runs) runs.push(item);
  const data = p.dataBytes;
  return { table: p.table, runs, progress: p.progress, dataBytes: data, carry: p.carry };
}

/** The committed image as a full copy (recovery transfers, rebuilt buddy copies). */
export function sourceOfImage(img: Image): StreamSource {
  const table: TableItem[] = [];
  const runs: RunItem[] = [];
  let data = 0;
  for (let i = 0; i < img.names.length; i++) {
    const bytes = img.data[i] as Uint8Array;
    // The stream sends the bytes as runs: the table needs no data of its own.
    table.push(img.names[i] as string, bytes.length, SEG_WHOLE, null);
    if (bytes.length > 0) runs.push(bytes, i, 0, 0);
    data += bytes.length;
  }
  return { table, runs, progress: img.progress, dataBytes: data, carry: false };
}

/**
 * Per frame in flight, a StreamSender keeps where it starts (its cursor: stage 0 META, 1 SEG
 * records, 2 RUN records, 3 done; the index of the table entry or run; the offset in that run)
 * and its payload bytes: RING_FIELDS numbers in one Float64Array ring indexed by the sequence
 * number, not two Maps and an object per frame (docs/FOOTPRINT.md "Round 12: Laplace slots").
 * The sender's own numbers go before the ring in the same array (S_*; flags 0 / 1): a property
 * is an XS slot for the stream's life, ~16 of them per stream a round holds (docs/FOOTPRINT.md
 * "Round 13: Laplace slots"). Its users index the array (`s.ring[S_ACKED]`), not accessors on
 * the class: ~24 accessor functions cost the firmware archive ~3 KB (docs/FOOTPRINT.md
 * "Round 14: FT archive and slots").
 */
const RING_FIELDS = 4;
const R_STAGE = 0;
const R_INDEX = 1;
const R_OFFSET = 2;
const R_SIZE = 3;
/** Next sequence number to send. */
export const S_NEXT = 0;
/** The first sequence number not yet acknowledged. */
export const S_ACKED = 1;
/** Sequence number of the LAST frame, once it has been built (-1 before). */
export const S_LAST_SEQ = 2;
/** Payload bytes sent and not yet acknowledged (frames acked .. next-1). */
export const S_IN_FLIGHT = 3;
/** The most ever unacknowledged (for figures and tests). */
export const S_PEAK_IN_FLIGHT = 4;
/** Payload bytes sent (retransmissions included). */
export const S_BYTES_SENT = 5;
/** Frames sent (retransmissions included). */
export const S_FRAMES = 6;
/** Time of the last acknowledgement progress (for the resend timer). */
export const S_PROGRESS_AT = 7;
/** Where it goes, and the rank, round and base round its frames carry; REPLICA: a full copy. */
export const S_DST = 8;
export const S_RANK = 9;
export const S_ROUND = 10;
export const S_BASE = 11;
export const S_REPLICA = 12;
/** Frames unacknowledged at most. */
export const S_WINDOW = 13;
/** Payload bytes unacknowledged at most (FtOptions.windowBytes). */
export const S_WINDOW_BYTES = 14;
/** The largest frame. */
export const S_FRAME_BYTES = 15;
/** Where the ring starts. */
export const S_HEAD = 16;

export interface DataHeader {
  flags: number;
  rank: number;
  round: number;
  base: number;
  seq: number;
}

export function readDataHeader(p: Uint8Array): DataHeader | null {
  if (p.length < DATA_HEADER) return null;
  const r = new ByteReader(p);
  return { flags: r.u8(), rank: r.u8(), round: r.u32(), base: r.u32(), seq: r.u16() };
}

/** Sending side of one stream. The caller sends what `build` returns and feeds acks to `onAck`. */
export class StreamSender {
  /**
   * The sender's numbers (S_*), then the cursor and payload bytes of frames `acked` .. `next`
   * (at most window + 1 of them: `next` is at most `window` past `acked`), at
   * S_HEAD + RING_FIELDS * (seq % (window + 1)). A plain Array: 2 XS slots through the round,
   * not a Float64Array's 7 (docs/FOOTPRINT.md "Round 19").
   */
  readonly ring: number[];

  constructor(
    dst: number,
    rank: number,
    round: number,
    base: number,
    replica: boolean,
    readonly src: StreamSource,
    window: number,
    now: number,
    /** Payload bytes unacknowledged at most (FtOptions.windowBytes), and the largest frame. */
    windowBytes = Infinity,
    frameBytes = 0,
  ) {
    // Frame 0 starts at stage 0, index 0, offset 0: the ring's zeros.
    const r = (this.ring = zeros(S_HEAD + RING_FIELDS * (window + 1)));
    r[S_LAST_SEQ] = -1;
    r[S_PROGRESS_AT] = now;
    r[S_DST] = dst;
    r[S_RANK] = rank;
    r[S_ROUND] = round;
    r[S_BASE] = base;
    r[S_REPLICA] = replica ? 1 : 0;
    r[S_WINDOW] = window;
    r[S_WINDOW_BYTES] = windowBytes;
    r[S_FRAME_BYTES] = frameBytes;
  }

  /** Every frame, the LAST one included, is acknowledged. */
  get complete(): boolean {
    const r = this.ring;
    const last = r[S_LAST_SEQ]!;
    return last >= 0 && r[S_ACKED]! > last;
  }

  /** True when another frame may be sent now. */
  wants(): boolean {
    const r = this.ring;
    const next = r[S_NEXT]!;
    const last = r[S_LAST_SEQ]!;
    const inFlight = r[S_IN_FLIGHT]!;
    return !(last >= 0 && r[S_ACKED]! > last) && next - r[S_ACKED]! < r[S_WINDOW]! && (last < 0 || next <= last) &&
      (inFlight === 0 || inFlight + r[S_FRAME_BYTES]! <= r[S_WINDOW_BYTES]!);
  }

  /**
   * The payload length of frame `this.next` (at most `cap` bytes): what `write` will write. The
   * net then makes the frame with exactly that room and the payload is written in place
   * (Net.sendBuilt): no copy of it, no view, no record per frame (docs/FOOTPRINT.md "Round 20: checkpoint data framed in place").
   */
  size(cap: number): number {
    return this.walk(null, 0, cap, undefined);
  }

  /**
   * Write frame `this.next` (`size(cap)` bytes) into `out` at `at`; returns its length. `copy`:
   * the board's native memcpy for the runs' bytes (a typed array's set costs XS ~2 units a
   * byte). Call `sent` once the network took it.
   */
  write(out: Uint8Array, at: number, cap: number, copy: NativeBytes['copy']): number {
    return this.walk(out, at, cap, copy);
  }

  /** Frame `this.next` into `w` (reset to 0 first); returns its payload (a view of w's buffer). Call `sent` once the network took it. */
  build(w: ByteWriter, cap: number): Uint8Array {
    if (w.buf.length < cap) w.buf = new Uint8Array(cap);
    w.pos = this.walk(w.buf, 0, cap, undefined);
    return w.done();
  }

  /**
   * Frame `this.next` from its cursor: its length; with `out`, its bytes written at `at` and the
   * next frame's cursor kept (without, nothing is changed: `size`). One walk for both, so the
   * size the net allots is the length written.
   */
  private walk(out: Uint8Array | null, at: number, cap: number, copy: NativeBytes['copy']): number {
    const ring = this.ring;
    const seq = ring[S_NEXT]!;
    if (seq > 0xffff) throw new RangeError('checkpoint stream longer than 65535 frames');
    // Kept for every frame from the first unacknowledged one to the next to build.
    assert(seq >= ring[S_ACKED]! && seq - ring[S_ACKED]! <= ring[S_WINDOW]!, 'ft: no cursor for the frame to build');
    const slot = this.slot(seq);
    let stage = ring[slot + R_STAGE]!;
    let index = ring[slot + R_INDEX]!;
    let offset = ring[slot + R_OFFSET]!;
    const src = this.src;
    // Positions from the payload's start; `out` is written at `at` + pos.
    let pos = DATA_HEADER;
    if (out !== null) {
      // Flags (byte 0) once the frame's end is known.
      out[at + 1] = ring[S_RANK]!;
      putLe32(out, at + 2, ring[S_ROUND]!);
      putLe32(out, at + 6, ring[S_BASE]!);
      out[at + 10] = seq & 0xff;
      out[at + 11] = seq >>> 8;
    }
    if (stage === 0) {
      if (out !== null) {
        const o = at + pos;
        out[o] = src.carry ? TAG_META_CARRY : TAG_META;
        putLe32(out, o + 1, src.progress);
        const count = src.table.length / SEG_FIELDS;
        out[o + 5] = count & 0xff;
        out[o + 6] = (count >>> 8) & 0xff;
        putLe32(out, o + 7, src.dataBytes);
      }
      pos += META_SIZE;
      stage = 1;
    }
    while (stage === 1) {
      if (index >= src.table.length / SEG_FIELDS) {
        stage = 2;
        index = 0;
        offset = 0;
        break;
      }
      // Encoded in place as its SEG record is written (in the first frames only), not kept for
      // the stream's life: an array per segment is ~7 XS slots while the round lasts.
      // Read in place, not through segName/segNum: a call per field is units per record.
      const t = SEG_FIELDS * index;
      const name = src.table[t + SEG_NAME] as string;
      const nameBytes = utf8Length(name);
      if (pos + 7 + nameBytes > cap) break;
      if (out !== null) {
        const o = at + pos;
        const flags = src.table[t + SEG_FLAGS] as number;
        out[o] = TAG_SEG;
        out[o + 1] = (flags & SEG_ZERO) !== 0 ? KIND_ZERO : (flags & SEG_WHOLE) !== 0 ? KIND_WHOLE : KIND_PATCH;
        putLe32(out, o + 2, src.table[t + SEG_LENGTH] as number);
        out[o + 6] = nameBytes;
        utf8EncodeInto(name, out, o + 7);
      }
      pos += 7 + nameBytes;
      index++;
    }
    while (stage === 2) {
      if (index >= src.runs.length / RUN_FIELDS) {
        stage = 3;
        break;
      }
      const r = RUN_FIELDS * index;
      const bytes = src.runs[r + RUN_BYTES] as Uint8Array;
      const left = bytes.length - offset;
      const room = cap - pos - RUN_HEADER;
      if (room < Math.min(left, MIN_RUN_START - RUN_HEADER) || room <= 0) break;
      const n = Math.min(left, room, 0xffff);
      if (out !== null) {
        const o = at + pos;
        const seg = src.runs[r + RUN_SEG] as number;
        out[o] = TAG_RUN;
        out[o + 1] = seg & 0xff;
        out[o + 2] = seg >>> 8;
        putLe32(out, o + 3, (src.runs[r + RUN_OFFSET] as number) + offset);
        out[o + 7] = n & 0xff;
        out[o + 8] = n >>> 8;
        // Native: a memcpy, no view. Else a view only for a part of the run (set costs ~2 units a byte).
        if (copy !== undefined) copy(bytes, offset, offset + n, out, o + RUN_HEADER);
        else out.set(n === bytes.length ? bytes : bytes.subarray(offset, offset + n), o + RUN_HEADER);
      }
      pos += RUN_HEADER + n;
      offset += n;
      if (offset >= bytes.length) {
        index++;
        offset = 0;
      }
    }
    if (out === null) return pos;
    let flags = ring[S_REPLICA] === 1 ? FLAG_REPLICA : 0;
    if (stage === 3) {
      flags |= FLAG_LAST;
      ring[S_LAST_SEQ] = seq;
    } else {
      const nx = this.slot(seq + 1);
      ring[nx + R_STAGE] = stage;
      ring[nx + R_INDEX] = index;
      ring[nx + R_OFFSET] = offset;
    }
    out[at] = flags;
    return pos;
  }

  /** The frame just built was accepted by the network. */
  sent(bytes: number): void {
    const r = this.ring;
    const next = r[S_NEXT]!;
    r[this.slot(next) + R_SIZE] = bytes;
    const inFlight = r[S_IN_FLIGHT]! + bytes;
    r[S_IN_FLIGHT] = inFlight;
    if (inFlight > r[S_PEAK_IN_FLIGHT]!) r[S_PEAK_IN_FLIGHT] = inFlight;
    r[S_NEXT] = next + 1;
    assert(next + 1 - r[S_ACKED]! <= r[S_WINDOW]!, 'ft: stream window overrun');
    r[S_BYTES_SENT]! += bytes;
    r[S_FRAMES]!++;
  }

  /** The receiver expects `next`; returns true on progress. */
  onAck(next: number, now: number): boolean {
    const r = this.ring;
    const acked = r[S_ACKED]!;
    if (next <= acked || next > r[S_NEXT]!) return false;
    let inFlight = r[S_IN_FLIGHT]!;
    for (let s = acked; s < next; s++) inFlight -= r[this.slot(s) + R_SIZE]!;
    r[S_IN_FLIGHT] = inFlight;
    r[S_ACKED] = next;
    r[S_PROGRESS_AT] = now;
    return true;
  }

  /** Resend from the first unacknowledged frame. */
  goBack(now: number): void {
    const r = this.ring;
    r[S_NEXT] = r[S_ACKED]!;
    r[S_IN_FLIGHT] = 0;
    r[S_PROGRESS_AT] = now;
  }

  /** Where frame `seq`'s numbers start in the ring. */
  private slot(seq: number): number {
    return S_HEAD + RING_FIELDS * (seq % (this.ring[S_WINDOW]! + 1));
  }
}

export type RecvStatus = 'ok' | 'malformed' | 'nomem' | 'need-full';

/**
 * A StreamReceiver's numbers, then the bytes of whole segments filled so far (by table index,
 * from RX_HEAD): one Array (~3 XS slots, its items in the chunk heap), not a property each
 * (~8 slots more through every ward's round; docs/FOOTPRINT.md "Round 15: Laplace slots").
 * Flags are 0 / 1.
 */
/** The next frame expected (in-order delivery): what acknowledgements carry. */
export const RX_EXPECTED = 0;
/** What the stream's META announced (segments, data bytes; -1 before it), checked when it ends. */
const RX_EXPECT_SEGS = 1;
const RX_EXPECT_DATA = 2;
/** Data bytes received so far. */
const RX_GOT_DATA = 3;
/** Bytes of the arena used, its state (ARENA_*) and its size (StreamReceiver.piece). */
const RX_ARENA_USED = 4;
const RX_ARENA = 5;
const RX_ARENA_END = 6;
/** Arena states: not tried (no patch piece yet); not used (pieces copied one by one); in use (the Pending's last run is a view of it, ending where the next piece goes). */
const ARENA_UNTRIED = 0;
const ARENA_OFF = 1;
const ARENA_ON = 2;
/** Where the filled counts of whole segments start. */
const RX_HEAD = 7;

/**
 * Receiving side of one stream: records into `pending`, checked against the image it patches.
 * Its round and whether it is a full copy are the Pending's (`pending.round`, `pending.replica`);
 * which board and rank it comes from, the key it is kept under (FtState.receivers).
 */
export class StreamReceiver {
  /** RX_* numbers, then the filled bytes of whole segments by table index. */
  readonly v: number[] = [0, -1, -1, 0, 0, 0, 0];
  /**
   * Names listed so far, once the table has more than INDEX_MIN_NAMES (a carrying delta places
   * each by name: a repeat would misplace one). Below that the table itself is scanned: a Set and
   * its entries were ~14 XS slots of every ward's round (docs/FOOTPRINT.md "Round 13: Laplace slots").
   */
  private listed: Set<string> | null = null;
  /*
   * Patch pieces land in one buffer for the rest of the stream's data (the arena, its size from
   * the META; piece): one array and run per changed span, not a run, an array and a buffer per
   * frame (docs/FOOTPRINT.md "Round 10: Laplace footprint"). The receiver keeps no view of its
   * own over it: while in use (v[RX_ARENA] ARENA_ON) the Pending's last run is a view of it; a
   * whole view and its field were 5 XS slots more in every receive job of the ward's stream
   * (docs/FOOTPRINT.md "Round 21: the ward's delta").
   */

  constructor(readonly pending: Pending) {}

  /** Every frame, the LAST one included, is acknowledged. */
  get complete(): boolean {
    return this.pending.complete;
  }

  /**
   * Apply the records of one in-order frame. `budget` is how many more bytes this board may
   * hold; `image` is the committed copy patches apply to; `native`: the board's byte helpers
   * (its memcpy places patch pieces in one buffer: `piece`).
   */
  apply(image: Image, payload: Uint8Array, last: boolean, budget: number, native?: NativeBytes): RecvStatus {
    const p = this.pending;
    const v = this.v;
    const r = new ByteReader(payload, DATA_HEADER);
    let room = budget;
    while (r.remaining > 0) {
      const tag = r.u8();
      if (tag === TAG_META || tag === TAG_META_CARRY) {
        // A full copy (REPLICA) is the whole image: it has nothing to carry over.
        if (v[RX_EXPECT_SEGS]! >= 0 || (tag === TAG_META_CARRY && p.replica)) return 'malformed';
        p.carry = tag === TAG_META_CARRY;
        p.progress = r.u32();
        v[RX_EXPECT_SEGS] = r.u16();
        v[RX_EXPECT_DATA] = r.u32();
        if (!r.ok) return 'malformed';
      } else if (tag === TAG_SEG) {
        const kind = r.u8();
        const length = r.u32();
        const name = r.str();
        if (!r.ok || v[RX_EXPECT_SEGS]! < 0 || p.segCount >= v[RX_EXPECT_SEGS]! || kind > KIND_ZERO || name.length === 0) return 'malformed';
        if (p.carry && this.listedBefore(name)) return 'malformed';
        if (kind === KIND_WHOLE || kind === KIND_ZERO) {
          if (length > room) return 'nomem';
          room -= length;
          // A new segment starts as zeros; its RUNs are written into it as they come.
          p.addSeg(name, length, kind === KIND_ZERO ? SEG_WHOLE | SEG_ZERO : SEG_WHOLE, new Uint8Array(length));
        } else {
          if (p.replica) return 'malformed';
          const j = image.find(name);
          if (j < 0 || (image.data[j] as Uint8Array).length !== length) return 'need-full';
          p.addSeg(name, length, 0, null);
        }
        v.push(0);
      } else if (tag === TAG_RUN) {
        const seg = r.u16();
        const offset = r.u32();
        const n = r.u16();
        const bytes = r.view(n);
        // The table read in place (a call per field is units per record).
        const t = SEG_FIELDS * seg;
        if (!r.ok || t >= p.table.length || n === 0) return 'malformed';
        if (offset + n > (p.table[t + SEG_LENGTH] as number)) return 'malformed';
        const w = p.table[t + SEG_DATA] as Uint8Array | null;
        if (w !== null) {
          // Whole segments arrive in order, so coverage is exact; a zero-based one takes any spans.
          if (((p.table[t + SEG_FLAGS] as number) & SEG_ZERO) === 0 && offset !== v[RX_HEAD + seg]) return 'malformed';
          w.set(bytes, offset);
          v[RX_HEAD + seg] = offset + n;
        } else {
          if (n > room) return 'nomem';
          room -= n;
          this.piece(seg, offset, bytes, room + n, native?.copy);
        }
        v[RX_GOT_DATA]! += n;
      } else {
        return 'malformed';
      }
    }
    v[RX_EXPECTED]!++;
    if (last) {
      const t = p.table;
      if (t.length / SEG_FIELDS !== v[RX_EXPECT_SEGS] || v[RX_GOT_DATA] !== v[RX_EXPECT_DATA]) return 'malformed';
      for (let i = 0; i < t.length / SEG_FIELDS; i++) {
        const flags = t[SEG_FIELDS * i + SEG_FLAGS] as number;
        if ((flags & SEG_WHOLE) !== 0 && (flags & SEG_ZERO) === 0 && v[RX_HEAD + i] !== t[SEG_FIELDS * i + SEG_LENGTH]) return 'malformed';
      }
      p.complete = true;
    }
    return 'ok';
  }

  /** Whether the table already lists `name` (a carrying delta's SEG records); keeps the names in a Set once there are many. */
  private listedBefore(name: string): boolean {
    const t = this.pending.table;
    let listed = this.listed;
    if (listed === null && t.length >= SEG_FIELDS * INDEX_MIN_NAMES) {
      listed = this.listed = new Set<string>();
      for (let i = SEG_NAME; i < t.length; i += SEG_FIELDS) listed.add(t[i] as string);
    }
    if (listed !== null) {
      if (listed.has(name)) return true;
      listed.add(name);
      return false;
    }
    for (let i = SEG_NAME; i < t.length; i += SEG_FIELDS) if (t[i] === name) return true;
    return false;
  }

  /**
   * Keep a patch piece (`budget`: bytes this board may still hold, the piece included). Into the
   * arena only with the board's native memcpy: XS's TypedArray set costs ~2 units a byte, an
   * ArrayBuffer slice (the piece's own copy) a flat few.
   */
  private piece(seg: number, offset: number, bytes: Uint8Array, budget: number, copy: NativeBytes['copy']): void {
    const p = this.pending;
    const v = this.v;
    const n = bytes.length;
    if (v[RX_ARENA] === ARENA_UNTRIED && copy !== undefined) {
      v[RX_ARENA] = ARENA_OFF;
      // Whole segments' data comes before every patch (sourceOfPending), so what is left of
      // the announced data is the patches and any zero-based segment's spans still to come
      // (they go into that segment, not here): an arena of the rest leaves at most the
      // zero-based segments' length unused. Short ones (an app state whose encoding grew a
      // digit, Laplace's `{ iteration: 100 }` after `90`) keep the arena; without it every
      // frame's piece was a run and an array of its own, ~50 XS slots more for the rest of the
      // ward's round (docs/FOOTPRINT.md "Round 19").
      const rest = v[RX_EXPECT_DATA]! - v[RX_GOT_DATA]!;
      let zeroLength = 0;
      const t = p.table;
      for (let i = 0; i < t.length; i += SEG_FIELDS) if (((t[i + SEG_FLAGS] as number) & SEG_ZERO) !== 0) zeroLength += t[i + SEG_LENGTH] as number;
      if (zeroLength <= ARENA_ZERO_SLACK && rest >= n && rest <= budget) {
        const run = new Uint8Array(new ArrayBuffer(rest), 0, n);
        copy(bytes, 0, n, run, 0);
        v[RX_ARENA] = ARENA_ON;
        v[RX_ARENA_USED] = n;
        v[RX_ARENA_END] = rest;
        p.addRun(seg, offset, run);
        return;
      }
    }
    if (v[RX_ARENA] === ARENA_ON && copy !== undefined) {
      const runs = p.runs;
      const k = runs.length / RUN_FIELDS - 1;
      const r = RUN_FIELDS * k;
      const at = v[RX_ARENA_USED]!;
      if (at + n <= v[RX_ARENA_END]!) {
        const prev = runs[r + RUN_BYTES] as Uint8Array;
        const buf = prev.buffer as ArrayBuffer;
        v[RX_ARENA_USED] = at + n;
        if (runs[r + RUN_SEG] === seg && (runs[r + RUN_OFFSET] as number) + prev.length === offset) {
          // The piece continues the last run (the arena's pieces lie in order: it ends at `at`).
          const start = prev.byteOffset;
          const run = new Uint8Array(buf, start, at + n - start);
          copy(bytes, 0, n, run, at - start);
          p.extendRun(k, run, n);
        } else {
          const run = new Uint8Array(buf, at, n);
          copy(bytes, 0, n, run, 0);
          p.addRun(seg, offset, run);
        }
        return;
      }
      v[RX_ARENA] = ARENA_OFF; // more than the META announced (its LAST check refuses it): piece by piece
    }
    // ArrayBuffer slice: one memcpy at a flat cost on XS (a typed array's slice costs 2 units a byte).
    const o = bytes.byteOffset;
    p.addRun(seg, offset, new Uint8Array((bytes.buffer as ArrayBuffer).slice(o, o + n)));
  }
}
