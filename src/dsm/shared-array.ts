/**
 * One shared array on one board: the local copy, which board homes each page, which
 * granules are stale, and what the current interval has done to it (twins of written
 * non-home pages, write-only ranges, declared writes, read-only checks).
 *
 * The local copy is a *window*: one buffer holding pages [lo, hi) of the array, not the whole
 * array. It starts as the span of this board's home pages (the master copies, which it serves
 * from the first moment) and grows, never shrinks, to take in whatever page an acquisition or
 * incoming data touches. A board whose rows are a band of a grid thus holds its band and its
 * halo, not the grid: the views `acquire` hands out must be contiguous, which a page table of
 * separate page buffers could not give. Pages outside the window hold the array's initial zeros
 * or are stale, so growing fills them with zeros and validity stays with the stale map.
 */
import { DsmError, type DsmArray, type DsmElementType, type DsmHome, type DsmViewOf } from './types.js';
import { copyBytes, copyInto, copyOf, sliceBuffer, type NativeCopy } from './bytes.js';
import { RangeList } from './range-list.js';
import type { CheckedBytes, ReadCheck, ReadChecker } from './read-check.js';
import { StaleMap } from './stale-map.js';

/** Words per chunk compared natively before a twin's words are scanned (128 bytes: pages are >= 256). */
const TWIN_CHUNK_WORDS = 32;

export const ELEMENT_TYPES: readonly DsmElementType[] = [
  'Float64',
  'Float32',
  'Int32',
  'Uint32',
  'Int16',
  'Uint16',
  'Int8',
  'Uint8',
];

export function bytesPerElement(type: DsmElementType): number {
  switch (type) {
    case 'Float64':
      return 8;
    case 'Float32':
    case 'Int32':
    case 'Uint32':
      return 4;
    case 'Int16':
    case 'Uint16':
      return 2;
    default:
      return 1;
  }
}

export class SharedArrayState<T extends DsmElementType = DsmElementType> implements DsmArray<T>, CheckedBytes {
  readonly bytesPerElement: number;
  readonly pages: number;
  readonly granules: number;
  /** The window: bytes [lo, lo + bytes.length) of the array; index i here is array byte lo + i. */
  bytes: Uint8Array;
  /** First byte of the window (a multiple of the page size). */
  lo = 0;
  /**
   * Windows left behind by a growth while views of them were out in this interval: their
   * bytes and a copy as they were when left, so the release can carry over what the app wrote
   * through those views since (reconcile). Empty almost always: growth happens at an array's
   * first touch of a region, and Laplace never grows with a view out.
   */
  declare private retired: { lo: number; bytes: Uint8Array; copy: Uint8Array }[] | undefined;
  /** A view of this array was handed out since the last release. */
  private viewsOut = false;
  /** Home rank of each page. */
  readonly homes: ArrayLike<number>;
  /**
   * For each page, the first later page with another home (or `pages`): loops go by runs. A
   * plain Array (2 XS slots an array, its items in the chunk heap), not a Uint32Array (7;
   * docs/FOOTPRINT.md "Round 19").
   */
  readonly runEnd: number[];
  readonly stale: StaleMap;

  /**
   * Checkpoints that reference (lend) this array's home pages now (Dsm.lend): while above 0,
   * nothing may change those bytes, so incoming diffs are held and writable acquisitions wait.
   */
  lends = 0;

  /**
   * Interval state, cleared at every release. The twins of written non-home pages, made with
   * the first twin and dropped at the release: most arrays in most intervals have none (a
   * Laplace board writes only its own pages), and an empty Map held by every array costs a
   * board slots for nothing (docs/FOOTPRINT.md "Round 11: Laplace slots"; so does `retired`).
   * Unset until the first twin (a field without an initializer reads undefined): an array that
   * never has one holds no property for it either (Round 14).
   */
  declare private twins: Map<number, Uint8Array> | undefined;
  /**
   * Write-only ranges (bytes): exact, sent whole to the home. This one, `declared` and `reads`
   * are made by the interval's first acquisition that needs them and dropped at the release,
   * like the twins: between a barrier and the next acquisition (where a checkpoint runs, the
   * board's peak) an array holds none of them (~14 XS slots an array, docs/FOOTPRINT.md "Round
   * 14: DSM member slots").
   */
  writeOnly: RangeList | null = null;
  /** Every writable range acquired (bytes): the source of write notices for home pages. */
  declared: RangeList | null = null;
  /** The read-only ranges watched in this interval. */
  private reads: ReadCheck[] | null = null;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly type: T,
    readonly length: number,
    readonly pageSize: number,
    readonly granule: number,
    /** First granule of this array in the global granule space that write notices use. */
    readonly granuleBase: number,
    homes: ArrayLike<number>,
    readonly rank: number,
    private readonly maxRanges: number,
    /** The DSM's read checker, shared by its arrays (it reads this array's window through `bytes` and `lo`). */
    private readonly checker: ReadChecker,
    /** Homes push written granules to the boards that fetched them (DsmAllocOptions.push; push.ts). */
    readonly push = false,
  ) {
    this.bytesPerElement = bytesPerElement(type);
    this.pages = homes.length;
    this.granules = (this.pages * pageSize) / granule;
    this.homes = homes;
    this.stale = new StaleMap(this.granules);
    let mine = 0;
    let first = this.pages;
    let last = 0;
    for (let p = 0; p < homes.length; p++) {
      if (homes[p] !== rank) continue;
      mine++;
      if (p < first) first = p;
      last = p + 1;
    }
    this.lo = mine > 0 ? first * pageSize : 0;
    this.bytes = new Uint8Array(mine > 0 ? (last - first) * pageSize : 0);
    // Built by push in one pass over the runs (not zeros first): an array's pages can be many.
    const runEnd: number[] = [];
    for (let p = 0; p < this.pages; ) {
      let e = p + 1;
      while (e < this.pages && homes[e] === homes[p]) e++;
      for (; p < e; p++) runEnd.push(e);
    }
    this.runEnd = runEnd;
  }

  /** Exact bytes of data (length x element size); the buffer is rounded up to whole pages. A getter: nothing reads it on a hot path. */
  get byteLength(): number {
    return this.length * this.bytesPerElement;
  }

  /** Pages this board homes (figures and tests; counted, not kept: ~1 XS slot an array). */
  get homePages(): number {
    let n = 0;
    for (let p = 0; p < this.pages; p++) if (this.homes[p] === this.rank) n++;
    return n;
  }

  /** Bytes held locally (the window), for figures and tests. */
  get heldBytes(): number {
    return this.bytes.length;
  }

  /**
   * Make the window hold bytes [start, end) of the array (rounded out to whole pages). Growth
   * copies the window into a larger buffer; views handed out earlier in the interval keep the
   * old one, which `reconcile` settles at the release.
   */
  cover(start: number, end: number): void {
    if (end <= start) return;
    const lo = this.lo;
    const hi = lo + this.bytes.length;
    if (start >= lo && end <= hi) return;
    const ps = this.pageSize;
    const s = this.bytes.length === 0 ? Math.floor(start / ps) * ps : Math.min(lo, Math.floor(start / ps) * ps);
    const e = this.bytes.length === 0 ? Math.ceil(end / ps) * ps : Math.max(hi, Math.ceil(end / ps) * ps);
    const grown = new Uint8Array(e - s);
    if (this.bytes.length > 0) {
      // Wide: XS meters a Uint8Array copy at 2 units a byte, 8-byte views at 0.25.
      copyInto(grown, lo - s, this.bytes);
      if (this.viewsOut) (this.retired ??= []).push({ lo, bytes: this.bytes, copy: copyOf(this.bytes) });
    }
    this.bytes = grown;
    this.lo = s;
  }

  /** Bytes [start, end) of the array as a view of the window (which must hold them). */
  local(start: number, end: number): Uint8Array {
    return this.bytes.subarray(start - this.lo, end - this.lo);
  }

  /**
   * Carry what the app wrote through views of a window left behind by a growth (bytes that
   * differ from the copy taken when it was left) into the current window. Bytes it did not
   * write keep what arrived since (a diff from another writer, a fetch).
   */
  reconcile(): void {
    if (this.retired === undefined) return;
    for (const r of this.retired) {
      const at = r.lo - this.lo;
      const b = this.bytes;
      for (let i = 0; i < r.bytes.length; i++) if (r.bytes[i] !== r.copy[i]) b[at + i] = r.bytes[i]!;
    }
    this.retired = undefined;
  }

  get granulesPerPage(): number {
    return this.pageSize / this.granule;
  }

  isHome(page: number): boolean {
    return this.homes[page] === this.rank;
  }

  /** True when some page holding bytes [start, end) is homed here. */
  homesAny(start: number, end: number): boolean {
    for (let p = Math.floor(start / this.pageSize); p * this.pageSize < end; p = this.runEnd[p]!) {
      if (this.homes[p] === this.rank) return true;
    }
    return false;
  }

  /** True when every page holding bytes [start, end) is homed here. */
  homesBytes(start: number, end: number): boolean {
    for (let p = Math.floor(start / this.pageSize); p * this.pageSize < end; p = this.runEnd[p]!) {
      if (this.homes[p] !== this.rank) return false;
    }
    return true;
  }

  view(start: number, end: number): DsmViewOf[T] {
    this.viewsOut = true;
    const off = start * this.bytesPerElement - this.lo;
    const n = end - start;
    const buf = this.bytes.buffer;
    switch (this.type) {
      case 'Float64':
        return new Float64Array(buf, off, n) as DsmViewOf[T];
      case 'Float32':
        return new Float32Array(buf, off, n) as DsmViewOf[T];
      case 'Int32':
        return new Int32Array(buf, off, n) as DsmViewOf[T];
      case 'Uint32':
        return new Uint32Array(buf, off, n) as DsmViewOf[T];
      case 'Int16':
        return new Int16Array(buf, off, n) as DsmViewOf[T];
      case 'Uint16':
        return new Uint16Array(buf, off, n) as DsmViewOf[T];
      case 'Int8':
        return new Int8Array(buf, off, n) as DsmViewOf[T];
      default:
        return new Uint8Array(buf, off, n) as DsmViewOf[T];
    }
  }

  /**
   * Mark this array's granules of the global range [s, e) stale, except on pages this board
   * homes (their copy is the master); returns how many granules were marked.
   */
  invalidate(s: number, e: number): number {
    const a = Math.max(s, this.granuleBase) - this.granuleBase;
    const b = Math.min(e, this.granuleBase + this.granules) - this.granuleBase;
    let marked = 0;
    if (a >= b) return marked;
    const gpp = this.granulesPerPage;
    for (let p = Math.floor(a / gpp); p * gpp < b; p = this.runEnd[p]!) {
      if (this.isHome(p)) continue;
      const s0 = Math.max(a, p * gpp);
      const e0 = Math.min(b, this.runEnd[p]! * gpp);
      this.stale.fill(s0, e0);
      marked += e0 - s0;
    }
    return marked;
  }

  /** `'name'[a, b)` in elements, for error texts. */
  describe(byteStart: number, byteEnd: number): string {
    const a = Math.floor(byteStart / this.bytesPerElement);
    const b = Math.ceil(byteEnd / this.bytesPerElement);
    return `'${this.name}'[${a}, ${b})`;
  }

  // ---- read-only checks ----------------------------------------------------------------

  /** Start watching [start, end) (bytes) for writes; parts already declared writable are skipped. */
  watchRead(start: number, end: number, violations: string[]): void {
    let s = start;
    let e = end;
    const reads = this.reads;
    for (let i = reads === null ? -1 : reads.length - 1; i >= 0; i--) {
      const r = reads![i]!;
      if (r.end < s || r.start > e) continue;
      this.verify(r, violations);
      if (r.start < s) s = r.start;
      if (r.end > e) e = r.end;
      this.checker.drop(r);
      reads!.splice(i, 1);
    }
    let cursor = s;
    this.declared?.forEachIn(s, e, (ds, de) => {
      if (ds > cursor) this.addRead(cursor, ds);
      cursor = de;
    });
    if (cursor < e) this.addRead(cursor, e);
  }

  private addRead(start: number, end: number): void {
    const reads = (this.reads ??= []);
    if (reads.length >= this.maxRanges) {
      throw new DsmError(
        'LIMIT',
        `dsm.acquire(${this.describe(start, end)}, 'r'): more than maxRangesPerInterval=${this.maxRanges} separate read-only ranges of '${this.name}' in one interval`,
      );
    }
    reads.push(this.checker.take(this, start, end));
  }

  private verify(r: ReadCheck, violations: string[]): void {
    if (!this.checker.unchanged(this, r)) violations.push(this.readViolation(r));
  }

  private readViolation(r: ReadCheck): string {
    return `${this.describe(r.start, r.end)} was written through a read-only ('r') acquisition`;
  }

  /** A writable acquisition of [start, end) ends read checking there (after one last check). */
  unwatch(start: number, end: number, violations: string[]): void {
    const reads = this.reads;
    if (reads === null) return;
    for (let i = reads.length - 1; i >= 0; i--) {
      const r = reads[i]!;
      if (r.end <= start || r.start >= end) continue;
      this.verify(r, violations);
      this.checker.drop(r);
      reads.splice(i, 1);
      if (r.start < start) reads.push(this.checker.take(this, r.start, start));
      if (r.end > end) reads.push(this.checker.take(this, end, r.end));
    }
  }

  /** Verify every watched range; used at release. */
  verifyReads(violations: string[]): void {
    if (this.reads !== null) for (const r of this.reads) this.verify(r, violations);
  }

  // ---- incoming data ---------------------------------------------------------------------

  /**
   * Store bytes that came from elsewhere (fetched from a home, or a diff applied at the home)
   * at byte offset `off`. Watched read ranges are checked before and recorded again after, so a
   * legitimate update is not mistaken for a write through a read-only view. On a page with a
   * twin only bytes this board has not changed are taken (and the twin follows), and
   * write-only ranges keep the local bytes: in a race-free program the incoming bytes and the
   * local writes are disjoint, so both survive. `copy`: the board's native copy, if the caller
   * has it (a fetched page: ~1k XS units less on the reader's step, docs/PERFORMANCE.md "Round 12").
   */
  storeIncoming(off: number, data: Uint8Array, violations: string[], copy?: NativeCopy): void {
    const end = off + data.length;
    // Made only when a watched range is touched (a fetch into a range not read yet touches none).
    let touched: ReadCheck[] | null = null;
    if (this.reads !== null) {
      for (const r of this.reads) {
        if (r.end > off && r.start < end) {
          if (!this.checker.unchangedIn(this, r, off, end)) violations.push(this.readViolation(r));
          (touched ??= []).push(r);
        }
      }
    }
    this.cover(off, end);
    const wo = this.writeOnly;
    if (this.twins === undefined && (wo === null || wo.empty)) {
      copyBytes(this.bytes, off - this.lo, data, copy);
    } else {
      const ps = this.pageSize;
      for (let p = Math.floor(off / ps); p * ps < end; p++) {
        const s = Math.max(off, p * ps);
        const e = Math.min(end, (p + 1) * ps);
        let cursor = s;
        wo?.forEachIn(s, e, (ws, we) => {
          if (ws > cursor) this.storeSegment(p, cursor, ws, data, off, copy);
          cursor = we;
        });
        if (cursor < e) this.storeSegment(p, cursor, e, data, off, copy);
      }
    }
    if (touched !== null) for (const r of touched) this.checker.refreshIn(this, r, off, end);
  }

  private storeSegment(page: number, s: number, e: number, data: Uint8Array, dataOff: number, copy: NativeCopy | undefined): void {
    const twin = this.twins?.get(page);
    if (!twin) {
      copyBytes(this.bytes, s - this.lo, data.subarray(s - dataOff, e - dataOff), copy);
      return;
    }
    const base = page * this.pageSize;
    const b = this.local(base, base + this.pageSize);
    for (let i = s; i < e; i++) {
      if (b[i - base] === twin[i - base]) {
        const v = data[i - dataOff]!;
        b[i - base] = v;
        twin[i - base] = v;
      }
    }
  }

  // ---- interval bookkeeping --------------------------------------------------------------

  /** Begin tracking writes to [start, end) (bytes) for `mode` 'w' or 'rw'. */
  declareWrite(start: number, end: number, mode: 'w' | 'rw', violations: string[]): void {
    const wo = this.writeOnly;
    if (mode === 'w' && wo !== null && wo.count >= this.maxRanges && !wo.overlaps(start - 1, end + 1)) {
      throw new DsmError(
        'LIMIT',
        `dsm.acquire(${this.describe(start, end)}, 'w'): more than maxRangesPerInterval=${this.maxRanges} separate write-only ranges of '${this.name}' in one interval`,
      );
    }
    this.unwatch(start, end, violations);
    (this.declared ??= new RangeList(this.maxRanges)).add(start, end);
    if (mode === 'w') {
      (this.writeOnly ??= new RangeList()).add(start, end);
      // Whole granules the caller overwrites need no fetch later in this interval.
      const g = this.granule;
      const g0 = Math.ceil(start / g);
      const g1 = Math.floor(end / g);
      if (g1 > g0) this.stale.clear(g0, g1);
      return;
    }
    const ps = this.pageSize;
    for (let p = Math.floor(start / ps); p * ps < end; p++) {
      if (this.isHome(p) || this.twins?.has(p) === true) continue;
      (this.twins ??= new Map()).set(p, copyOf(this.local(p * ps, (p + 1) * ps)));
    }
  }

  /** Non-home pages written in this interval, ascending. */
  dirtyPages(): number[] {
    const out: number[] = [];
    if (this.twins !== undefined) for (const p of this.twins.keys()) out.push(p);
    const ps = this.pageSize;
    const wo = this.writeOnly;
    for (let i = 0; wo !== null && i < wo.count; i++) {
      const s = wo.start(i);
      const e = wo.end(i);
      for (let p = Math.floor(s / ps); p * ps < e; ) {
        const q = this.runEnd[p]!;
        if (this.homes[p] !== this.rank) for (; p < q && p * ps < e; p++) out.push(p);
        p = q;
      }
    }
    out.sort((a, b) => a - b);
    let n = 0;
    for (let i = 0; i < out.length; i++) if (i === 0 || out[i] !== out[n - 1]) out[n++] = out[i]!;
    out.length = n;
    return out;
  }

  /**
   * The byte runs of `page` to send to its home: bytes that differ from the twin plus
   * write-only ranges. Runs are exact: joining two runs across unchanged bytes would save a
   * run header but send this board's old values of those bytes, overwriting what another
   * writer put there in the same interval.
   */
  pageRuns(page: number, out: RangeList): void {
    out.clear();
    const base = page * this.pageSize;
    const end = base + this.pageSize;
    const twin = this.twins?.get(page);
    if (twin) {
      const tw = new Int32Array(twin.buffer, twin.byteOffset, twin.length >>> 2);
      const b = this.local(base, end);
      // The page's 32-bit view, made here (a twin is rare: Laplace has none), not one of the window held by every array.
      const w = new Int32Array(b.buffer, b.byteOffset, b.length >>> 2);
      const from = this.checker.fromBuffer;
      let runStart = -1;
      let runEnd = -1;
      for (let c = 0; c < tw.length; c += TWIN_CHUNK_WORDS) {
        // XS: an unchanged chunk is skipped with one native compare instead of a word loop.
        if (from && from(sliceBuffer(b, 4 * c, 4 * (c + TWIN_CHUNK_WORDS))) === from(sliceBuffer(twin, 4 * c, 4 * (c + TWIN_CHUNK_WORDS)))) {
          continue;
        }
        for (let k = c; k < c + TWIN_CHUNK_WORDS; k++) {
          if (w[k] === tw[k]) continue;
          for (let j = 0; j < 4; j++) {
            const i = base + 4 * k + j;
            if (b[i - base] === twin[i - base]) continue;
            if (i === runEnd) {
              runEnd = i + 1;
            } else {
              if (runStart >= 0) out.add(runStart, runEnd);
              runStart = i;
              runEnd = i + 1;
            }
          }
        }
      }
      if (runStart >= 0) out.add(runStart, runEnd);
    }
    this.writeOnly?.forEachIn(base, end, (s, e) => out.add(s, e));
  }

  /** Forget the interval: twins, write-only and declared ranges, read checks. */
  endInterval(): void {
    this.viewsOut = false;
    // Set back to undefined (when they were set), not null: an array that never had them has no such property.
    if (this.retired !== undefined) this.retired = undefined;
    if (this.twins !== undefined) this.twins = undefined;
    this.writeOnly = null;
    this.declared = null;
    if (this.reads !== null) for (const r of this.reads) this.checker.drop(r);
    this.reads = null;
  }
}

/** Home rank of every page, or a DsmError naming the bad field. */
export function computeHomes(
  where: string,
  home: DsmHome,
  length: number,
  bpe: number,
  pageSize: number,
  size: number,
): number[] {
  const pages = Math.ceil((length * bpe) / pageSize);
  // A plain Array, kept by the array's state for the run: 2 XS slots, a Uint8Array 7
  // (docs/FOOTPRINT.md "Round 19"). Built by push, page by page, in each case below.
  const homes: number[] = [];
  if (home === 'block') {
    const per = Math.floor(pages / size);
    const rem = pages % size;
    for (let r = 0; r < size; r++) {
      const n = per + (r < rem ? 1 : 0);
      for (let k = 0; k < n; k++) homes.push(r);
    }
    return homes;
  }
  if (home === 'cyclic') {
    for (let p = 0; p < pages; p++) homes.push(p % size);
    return homes;
  }
  const ranges = home.ranges;
  if (!Array.isArray(ranges) || ranges.length !== size) {
    throw new DsmError('BAD_ARG', `${where}: home.ranges must have one [start, end) per board (${size})`);
  }
  let covered = 0;
  for (let r = 0; r < size; r++) {
    const pair = ranges[r];
    const s = pair?.[0];
    const e = pair?.[1];
    if (!Number.isInteger(s) || !Number.isInteger(e) || s! < 0 || e! < s! || e! > length) {
      throw new DsmError('BAD_ARG', `${where}: home.ranges[${r}] must be [start, end) with 0 <= start <= end <= ${length}`);
    }
    covered += e! - s!;
    for (let q = 0; q < r; q++) {
      const o = ranges[q]!;
      if (s! < e! && o[0] < o[1] && s! < o[1] && o[0] < e!) {
        throw new DsmError('BAD_ARG', `${where}: home.ranges[${r}] overlaps home.ranges[${q}]`);
      }
    }
  }
  if (covered !== length) {
    throw new DsmError('BAD_ARG', `${where}: home.ranges must cover all ${length} elements (they cover ${covered})`);
  }
  for (let p = 0; p < pages; p++) {
    const elem = (p * pageSize) / bpe;
    // Every page's first element lies in one range (they cover the array); 0 if not (as a zeroed typed array had it).
    let home = 0;
    for (let r = 0; r < size; r++) {
      const pair = ranges[r]!;
      if (elem >= pair[0] && elem < pair[1]) {
        home = r;
        break;
      }
    }
    homes.push(home);
  }
  return homes;
}
