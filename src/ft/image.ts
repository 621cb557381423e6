/**
 * Checkpoint images. A board keeps one Image per rank it hosts (its own copy) and one per
 * rank it is a buddy of (a ward). An Image is the committed generation plus, while a round
 * is open, the tentative data of the next one kept *beside* it (never a second copy of the
 * image): changed spans for segments whose size did not change, whole arrays for new or
 * resized ones. Commit patches the committed arrays in place; abort drops the tentative data.
 */
import type { Segment } from './types.js';
import { FtError } from './types.js';
import { assert } from '../util/assert.js';
import { utf8Length } from '../util/utf8.js';
import type { NativeBytes } from '../wire/native.js';
import { ZERO_CHUNK, diffSpans, nonZeroSpans } from './spans.js';

/**
 * A Pending's segment table and its runs are one Array each of names, numbers and bytes (an
 * Array is ~3 XS slots whatever it holds, its items in the chunk heap), not an object per
 * segment (4-5 slots each) and per run (5 each), nor parallel Arrays (names, numbers, whole
 * data; bytes, numbers: ~9 slots more in each of a round's two Pendings; docs/FOOTPRINT.md
 * "Round 20b: a Pending's tables").
 *
 * `table`: SEG_FIELDS items per segment: its name, its length, its SEG_* flags, its whole data
 * (null for a patched segment).
 */
export const SEG_FIELDS = 4;
export const SEG_NAME = 0;
export const SEG_LENGTH = 1;
export const SEG_FLAGS = 2;
export const SEG_DATA = 3;
export type TableItem = string | number | Uint8Array | null;
/** Sent whole (new or resized segment); otherwise patched onto the committed copy of the same name and length. */
export const SEG_WHOLE = 1;
/**
 * A new or resized segment sent as its non-zero spans: its base is `length` zero bytes, not a
 * committed copy. A fresh state is mostly zeros (a DSM array is allocated zeroed, and a
 * Laplace grid far from its hot edge stays zero for many iterations), so a first checkpoint
 * sends what was written, not the whole state.
 */
export const SEG_ZERO = 2;
/** `runs`: RUN_FIELDS items per run: its bytes, its segment (a table index), its offset in it, 1 if its bytes are a copy of FT's own (not lent: commit may keep the array itself). */
export const RUN_FIELDS = 4;
export const RUN_BYTES = 0;
export const RUN_SEG = 1;
export const RUN_OFFSET = 2;
export const RUN_OWN = 3;
export type RunItem = Uint8Array | number;

/** Segment `i`'s name in a table (Pending.table, StreamSource.table). */
export function segName(table: readonly TableItem[], i: number): string {
  return table[SEG_FIELDS * i + SEG_NAME] as string;
}

/** Segment `i`'s number `field` (SEG_LENGTH, SEG_FLAGS) in a table. */
export function segNum(table: readonly TableItem[], i: number, field: number): number {
  return table[SEG_FIELDS * i + field] as number;
}

/** Run `k`'s bytes (Pending.runs, StreamSource.runs). */
export function runBytes(runs: readonly RunItem[], k: number): Uint8Array {
  return runs[RUN_FIELDS * k + RUN_BYTES] as Uint8Array;
}

/** Run `k`'s number `field` (RUN_SEG, RUN_OFFSET, RUN_OWN). */
export function runNum(runs: readonly RunItem[], k: number, field: number): number {
  return runs[RUN_FIELDS * k + field] as number;
}

/** A content whose captured bytes a round references (CheckpointContent.release). */
export interface Lender {
  release?(): void;
}

/** No lenders: a Pending's own until a round's capture lends it its contents (module-level, frozen: in flash on Moddable). */
const NO_LENDERS: readonly Lender[] = Object.freeze([]);

/**
 * Tentative data of one round (or a full image being copied to a new holder). Two of them live
 * through every checkpoint round (the rank's own, its ward's), so what is rarely needed is made
 * by its first use: `lent` (whole data lent by a content: an empty segment at most, in
 * practice) and `lenders` (only a capture's), docs/FOOTPRINT.md "Round 12: Laplace slots".
 */
/** Pending.n: its numbers, by index (one Array: its items are not XS slots). */
const P_ROUND = 0;
const P_BASE = 1;
const P_PROGRESS = 2;
const P_BYTES = 3;
const P_LENT_BYTES = 4;
const P_ZERO_BYTES = 5;
const P_CHANGED = 6;
const P_SIZE = 7;
const P_FLAGS = 8;
/** P_FLAGS bits. */
const PF_REPLICA = 1;
const PF_COMPLETE = 2;
const PF_CARRY = 4;
const PF_RELEASED = 8;

export class Pending {
  /** The segment table: SEG_FIELDS items a segment (name, length, SEG_* flags, whole data or null). */
  readonly table: TableItem[] = [];
  /** Indexes of whole data that is lent (the content's own memory): copied at commit, never kept. Null: none. */
  private lentWhole: number[] | null = null;
  /** Runs: RUN_FIELDS items each, its bytes for [offset, offset + bytes.length) of a segment, then its numbers. */
  readonly runs: RunItem[] = [];
  /** Contents that lent their bytes: each released once when the data leaves (committed or dropped). */
  lenders: readonly Lender[] = NO_LENDERS;
  /**
   * Its numbers and flags (P_*): one Array, read through the accessors below, instead of nine
   * properties (an XS slot each in both of a round's Pendings, the rank's own and its ward's:
   * docs/FOOTPRINT.md "Round 18"). The accessors are on the class, not on each Pending.
   */
  private readonly n: number[];

  constructor(round: number, base: number, replica: boolean, progress: number) {
    this.n = [round, base, progress, 0, 0, 0, 0, 0, replica ? PF_REPLICA : 0];
  }

  get round(): number {
    return this.n[P_ROUND]!;
  }

  get base(): number {
    return this.n[P_BASE]!;
  }

  /** A full image that replaces the committed one on completion (recovery copies). */
  get replica(): boolean {
    return (this.n[P_FLAGS]! & PF_REPLICA) !== 0;
  }

  get progress(): number {
    return this.n[P_PROGRESS]!;
  }

  set progress(v: number) {
    this.n[P_PROGRESS] = v;
  }

  /** Memory held: whole arrays and run bytes FT copied (lent bytes are not FT's). */
  get bytes(): number {
    return this.n[P_BYTES]!;
  }

  set bytes(v: number) {
    this.n[P_BYTES] = v;
  }

  /** Bytes referenced in lent memory. */
  get lentBytes(): number {
    return this.n[P_LENT_BYTES]!;
  }

  set lentBytes(v: number) {
    this.n[P_LENT_BYTES] = v;
  }

  /** Bytes the commit allocates for zero-based segments (SEG_ZERO): memory the image will grow by. */
  get zeroBytes(): number {
    return this.n[P_ZERO_BYTES]!;
  }

  set zeroBytes(v: number) {
    this.n[P_ZERO_BYTES] = v;
  }

  /** Changed bytes: the spans a delta carries (whole segments count in full). */
  get changed(): number {
    return this.n[P_CHANGED]!;
  }

  set changed(v: number) {
    this.n[P_CHANGED] = v;
  }

  /** Size of the image this data produces (sum of segment lengths). */
  get size(): number {
    return this.n[P_SIZE]!;
  }

  set size(v: number) {
    this.n[P_SIZE] = v;
  }

  get complete(): boolean {
    return (this.n[P_FLAGS]! & PF_COMPLETE) !== 0;
  }

  set complete(v: boolean) {
    this.flag(PF_COMPLETE, v);
  }

  /**
   * A carrying delta: the table lists only the segments that changed (or are new or resized);
   * every other segment of the base generation is kept as it is. Without it the table is the
   * whole new generation (a segment it does not list is dropped).
   */
  get carry(): boolean {
    return (this.n[P_FLAGS]! & PF_CARRY) !== 0;
  }

  set carry(v: boolean) {
    this.flag(PF_CARRY, v);
  }

  private flag(bit: number, on: boolean): void {
    const f = this.n[P_FLAGS]!;
    this.n[P_FLAGS] = on ? f | bit : f & ~bit;
  }

  /** Segments in the table. */
  get segCount(): number {
    return this.table.length / SEG_FIELDS;
  }

  /** Segment `i`'s whole data (null: patched onto the committed copy). */
  whole(i: number): Uint8Array | null {
    return this.table[SEG_FIELDS * i + SEG_DATA] as Uint8Array | null;
  }

  /** Runs held. */
  get runCount(): number {
    return this.runs.length / RUN_FIELDS;
  }

  /** The table's names in an Array of their own (an image installs it). */
  tableNames(): string[] {
    const t = this.table;
    const out: string[] = [];
    for (let i = 0; i < t.length; i += SEG_FIELDS) out.push(t[i + SEG_NAME] as string);
    return out;
  }

  /** Add a segment of `length` bytes with SEG_* `flags` (and its whole data, or null); returns its table index. */
  addSeg(name: string, length: number, flags: number, data: Uint8Array | null, lent = false): number {
    const i = this.table.length / SEG_FIELDS;
    this.table.push(name, length, flags, data);
    if (lent && data !== null) (this.lentWhole ??= []).push(i);
    this.size += length;
    if ((flags & SEG_ZERO) !== 0 && data === null) this.zeroBytes += length;
    if (data !== null) {
      if (lent) this.lentBytes += data.length;
      else this.bytes += data.length;
      this.changed += data.length;
    }
    return i;
  }

  /** Bytes of its runs and whole data: what a stream of it carries (StreamSource.dataBytes). */
  get dataBytes(): number {
    let n = 0;
    const t = this.table;
    for (let i = SEG_DATA; i < t.length; i += SEG_FIELDS) {
      const w = t[i] as Uint8Array | null;
      if (w !== null) n += w.length;
    }
    const r = this.runs;
    for (let k = RUN_BYTES; k < r.length; k += RUN_FIELDS) n += (r[k] as Uint8Array).length;
    return n;
  }

  /** Whether segment `i`'s whole data is lent. */
  isLent(i: number): boolean {
    return this.lentWhole !== null && this.lentWhole.includes(i);
  }

  addRun(seg: number, offset: number, bytes: Uint8Array, lent = false): void {
    this.runs.push(bytes, seg, offset, lent ? 0 : 1);
    if (lent) this.lentBytes += bytes.length;
    else this.bytes += bytes.length;
    this.changed += bytes.length;
  }

  /** Run `k` (FT's own bytes) now ends `n` bytes further: `bytes` is its whole new extent. */
  extendRun(k: number, bytes: Uint8Array, n: number): void {
    this.runs[RUN_FIELDS * k + RUN_BYTES] = bytes;
    this.bytes += n;
    this.changed += n;
  }

  /** The data is no longer needed: give lent memory back (once: the data leaves once). */
  release(): void {
    assert((this.n[P_FLAGS]! & PF_RELEASED) === 0, 'ft: tentative checkpoint data released twice');
    this.flag(PF_RELEASED, true);
    const l = this.lenders;
    this.lenders = NO_LENDERS;
    for (const c of l) c.release?.();
  }
}

/**
 * Segments an image finds by a scan of its names; above this many it keeps a Map from name to
 * index. A Map is ~6 XS slots and ~4 per entry in each of a board's images for the whole run
 * (Laplace's images hold 3 segments: app, dsm, one run of home pages; docs/FOOTPRINT.md
 * "Round 13: Laplace slots"), and a scan of a few names costs no more than a lookup.
 */
export const INDEX_MIN_NAMES = 16;

export class Image {
  gen = 0;
  progress = 0;
  names: string[] = [];
  data: Uint8Array[] = [];
  pending: Pending | null = null;
  /** Name -> index once the image has more than INDEX_MIN_NAMES segments (null: `find` scans `names`). */
  private index: Map<string, number> | null = null;
  private committed = 0;

  constructor(readonly rank: number) {}

  get committedBytes(): number {
    return this.committed;
  }

  /** Tentative data held, plus what its commit will allocate for zero-based segments. */
  get pendingBytes(): number {
    return this.pending === null ? 0 : this.pending.bytes + this.pending.zeroBytes;
  }

  find(name: string): number {
    if (this.index === null) return this.names.indexOf(name);
    const i = this.index.get(name);
    return i === undefined ? -1 : i;
  }

  /** Whether it keeps a name index (more than INDEX_MIN_NAMES segments; for tests). */
  get indexed(): boolean {
    return this.index !== null;
  }

  /** Index `names` by a Map when there are more than INDEX_MIN_NAMES of them (names are unique). */
  private reindex(): void {
    const names = this.names;
    if (names.length <= INDEX_MIN_NAMES) {
      this.index = null;
      return;
    }
    const index = new Map<string, number>();
    for (let i = 0; i < names.length; i++) index.set(names[i] as string, i);
    this.index = index;
  }

  /** The committed segments, as views (valid until the next commit). */
  segments(): Segment[] {
    return this.names.map((name, i) => ({ name, bytes: this.data[i] as Uint8Array }));
  }

  /** Make the (complete) pending data the committed generation. */
  commit(): void {
    const p = this.pending;
    if (p === null || !p.complete) return;
    // Generations only move forward: a round is built on (or sent as a delta of) an older one.
    assert(p.round > this.gen, 'ft: an image commit went back a generation');
    if (p.carry) {
      this.commitCarry(p);
      return;
    }
    const names = p.tableNames();
    const data: Uint8Array[] = [];
    for (let i = 0; i < names.length; i++) data.push(this.segmentData(p, i));
    this.applyRuns(p, data, null);
    this.install(names, data, p.round, p.progress);
  }

  /**
   * A carrying delta: the listed segments replace or patch theirs in place, new ones are
   * appended, the rest stay. Names and index are kept (and only grown): a round in which
   * nothing changed costs no re-indexing.
   */
  private commitCarry(p: Pending): void {
    let names = this.names;
    const data = this.data.slice();
    /** Where each table entry lands in `data`. */
    const at: number[] = [];
    let added: string[] | null = null;
    for (let i = 0; i < p.segCount; i++) {
      const name = segName(p.table, i);
      const j = this.find(name);
      const arr = this.segmentData(p, i);
      if (j >= 0) {
        data[j] = arr;
        at.push(j);
      } else {
        if (added === null) {
          added = [];
          names = names.slice();
        }
        added.push(name);
        at.push(names.length);
        names.push(name);
        data.push(arr);
      }
    }
    this.applyRuns(p, data, at);
    p.release();
    this.pending = null;
    this.names = names;
    this.data = data;
    this.gen = p.round;
    this.progress = p.progress;
    if (added !== null) {
      const index = this.index;
      if (index !== null) for (const n of added) index.set(n, index.size);
      else this.reindex();
    }
    let total = 0;
    for (const d of data) total += d.length;
    this.committed = total;
  }

  /**
   * The array segment `i` of `p` starts from at a commit: its whole data (a copy if lent: lent
   * memory goes back to its owner), zeros, or the committed segment it patches.
   */
  private segmentData(p: Pending, i: number): Uint8Array {
    const w = p.whole(i);
    if (w !== null) return p.isLent(i) ? w.slice() : w;
    const length = segNum(p.table, i, SEG_LENGTH);
    if ((segNum(p.table, i, SEG_FLAGS) & SEG_ZERO) !== 0) return new Uint8Array(length);
    const name = segName(p.table, i);
    const j = this.find(name);
    // Checked when the entry was accepted; a mismatch here is a bug, not bad input.
    if (j < 0 || (this.data[j] as Uint8Array).length !== length) throw new FtError('BAD_ARG', `image of rank ${this.rank}: no base for segment ${name}`);
    return this.data[j] as Uint8Array;
  }

  /** Write `p`'s runs into `data` (segment i at `at[i]`, or at i without `at`). */
  private applyRuns(p: Pending, data: Uint8Array[], at: readonly number[] | null): void {
    const ra = p.runs;
    // Read in place: a call per field is units per run.
    for (let r = 0; r < ra.length; r += RUN_FIELDS) {
      const b = ra[r + RUN_BYTES] as Uint8Array;
      const seg = ra[r + RUN_SEG] as number;
      const offset = ra[r + RUN_OFFSET] as number;
      const i = at === null ? seg : at[seg]!;
      const d = data[i] as Uint8Array;
      // A run that rewrites a whole segment (a DSM page that changed throughout) replaces it:
      // no copy. Only an array of its own qualifies, so no larger buffer is kept alive.
      if (ra[r + RUN_OWN] === 1 && offset === 0 && b.length === d.length && b.byteOffset === 0 && b.buffer.byteLength === d.length) data[i] = b;
      else d.set(b, offset);
    }
  }

  discard(): void {
    this.pending?.release();
    this.pending = null;
  }

  install(names: string[], data: Uint8Array[], gen: number, progress: number): void {
    this.pending?.release();
    this.names = names;
    this.data = data;
    this.gen = gen;
    this.progress = progress;
    this.pending = null;
    this.reindex();
    let total = 0;
    for (let i = 0; i < names.length; i++) total += (data[i] as Uint8Array).length;
    this.committed = total;
  }

  /** Forget everything (a rank this board no longer keeps). */
  clear(): void {
    this.install([], [], 0, 0);
  }
}

/** Longest segment name (bytes of UTF-8), so that a SEG record fits the smallest frame. */
export const MAX_NAME = 200;

/** Whether a segment before `end` is named `name` (buildPending's check for a few segments). */
function capturedBefore(segments: readonly Segment[], end: number, name: string): boolean {
  for (let j = 0; j < end; j++) if (segments[j]!.name === name) return true;
  return false;
}

/**
 * The tentative data of `round` for `image`: each captured segment is diffed against the
 * committed segment of the same name and length (changed spans are copied), or, new or
 * resized, against zeros (its non-zero spans are copied; SEG_ZERO).
 * Segments `lent` lists are referenced instead of copied (their owner keeps them
 * unchanged until the pending data is released). Throws FtError('BAD_ARG') for a duplicate,
 * empty or over-long name. `native`: the target's byte helpers; its diffSpans, when present,
 * finds the changed spans (the same spans as the JS code). With `carry`, an unchanged segment
 * is left out of the table (Pending.carry) when every committed segment was captured again; a
 * segment that was not (dropped) makes the table list everything, as without `carry`.
 */
export function buildPending(
  image: Image, segments: readonly Segment[], round: number, progress: number, gap: number,
  lent: readonly Segment[] | null = null, native?: NativeBytes, carry = false,
): Pending {
  const p = new Pending(round, image.gen, false, progress);
  if (carry && image.names.length > 0) {
    let found = 0;
    for (const s of segments) if (image.find(s.name) >= 0) found++;
    // Names are unique (checked below), so equal counts mean every committed segment is here.
    p.carry = found === image.names.length;
  }
  /** Segments left out as unchanged: their bytes still count in the image's size. */
  let keptSize = 0;
  // Names seen so far: a scan of the earlier segments up to INDEX_MIN_NAMES of them (Laplace
  // captures 3), a Set only above (a Set is ~6 XS slots and ~4 per name, live through the
  // capture: docs/FOOTPRINT.md "Round 14b: the checkpoint round's slots").
  const seen = segments.length > INDEX_MIN_NAMES ? new Set<string>() : null;
  let i = -1;
  /** Zero bytes the new segments are compared with (allocated at the first new segment). */
  let zeros: Uint8Array | null = null;
  if (segments.length > 0xffff) throw new FtError('BAD_ARG', `checkpoint: ${segments.length} segments, more than 65535`);
  for (const s of segments) {
    if (typeof s.name !== 'string' || s.name.length === 0 || utf8Length(s.name) > MAX_NAME) {
      throw new FtError('BAD_ARG', `checkpoint segment name ${JSON.stringify(s.name)}: expected 1..${MAX_NAME} bytes`);
    }
    if (!(s.bytes instanceof Uint8Array)) throw new FtError('BAD_ARG', `checkpoint segment ${s.name}: bytes must be a Uint8Array`);
    i++;
    if (seen !== null ? seen.has(s.name) : capturedBefore(segments, i, s.name)) throw new FtError('BAD_ARG', `checkpoint segment ${s.name}: captured twice`);
    seen?.add(s.name);
    const j = image.find(s.name);
    const old = j >= 0 ? (image.data[j] as Uint8Array) : null;
    const byRef = lent !== null && lent.includes(s);
    if (old !== null && old.length === s.bytes.length) {
      const bytes = s.bytes;
      const nativeDiff = native?.diffSpans;
      let spans: ArrayLike<number>;
      if (nativeDiff !== undefined) spans = nativeDiff(old, bytes, gap);
      else {
        const found: number[] = [];
        diffSpans(old, bytes, gap, (start, end) => {
          found.push(start, end);
        });
        spans = found;
      }
      if (p.carry && spans.length < 2) {
        keptSize += bytes.length;
        continue;
      }
      const seg = p.addSeg(s.name, bytes.length, 0, null);
      // ArrayBuffer slice: one memcpy at a flat cost on XS (a typed array's slice is metered per byte).
      const o = bytes.byteOffset;
      for (let k = 0; k + 1 < spans.length; k += 2) {
        const start = spans[k]!;
        const end = spans[k + 1]!;
        p.addRun(seg, start, byRef ? bytes.subarray(start, end) : new Uint8Array((bytes.buffer as ArrayBuffer).slice(o + start, o + end)), byRef);
      }
    } else if (s.bytes.length > 0) {
      // New or resized: only its non-zero spans travel (the receiver starts from zeros).
      const seg = p.addSeg(s.name, s.bytes.length, SEG_ZERO, null);
      const bytes = s.bytes;
      const o = bytes.byteOffset;
      const want = Math.min(ZERO_CHUNK, bytes.length);
      if (zeros === null || zeros.length < want) zeros = new Uint8Array(want);
      const z = zeros;
      nonZeroSpans(bytes, z.length > bytes.length ? z.subarray(0, bytes.length) : z, gap, native, (start, end) =>
        p.addRun(seg, start, byRef ? bytes.subarray(start, end) : new Uint8Array((bytes.buffer as ArrayBuffer).slice(o + start, o + end)), byRef));
    } else {
      p.addSeg(s.name, 0, SEG_WHOLE, new Uint8Array(0));
    }
  }
  p.size += keptSize;
  p.complete = true;
  return p;
}
