/**
 * Watching read-only acquisitions for writes. A watched range keeps what its bytes were when
 * it was handed out (or when data last arrived into it) and is compared at release.
 *
 * Three ways to keep it, the cheapest first:
 *  - a snapshot as BigInts (XS: `BigInt.fromArrayBuffer` copies natively and two BigInts
 *    compare with one memcmp, so taking and checking cost a few units per 16 KiB chunk);
 *  - a snapshot as a byte copy, compared word by word (engines without that function);
 *  - past the snapshot budget (`maxReadSnapshot` bytes per board per interval), or when the
 *    snapshot would take the board past its memory budget (`Hal.memory()`: used + the snapshot
 *    above the limit), a 32-bit position-dependent hash, taken at acquire and again at
 *    release: no memory, about 6.5 XS units per byte per pass (0.25 with a native CRC-32).
 * A snapshot detects every change; the hash every change of one 32-bit word and others
 * with probability 1 - 2^-32.
 */
import { bigintFromBuffer, copyOf, sameBytes, sliceBuffer, type FromArrayBuffer } from './bytes.js';
import type { MemoryFigures } from '../hal.js';

/**
 * BigInt snapshots are taken in chunks: a check never holds more than one extra chunk (its
 * slice and that slice's BigInt, both garbage right after), and an XS BigInt holds at most
 * 65535 32-bit words (256 KiB; XS aborts the machine beyond). 4 KiB rather than 16 KiB: on a
 * board the transient pair is part of the peak heap (Laplace N=64 on 2 boards: ~47 KB less of
 * chunk heap, docs/TARGETS.md), for ~28 more XS units per KiB checked (snapshot and check of a
 * 128 KiB band: 7.3k units instead of 3.7k, against ~1.6M for sweeping it).
 */
const CHUNK = 4096;

/** Snapshot bytes a board holds, shared by all its arrays, and how it takes them. */
export interface SnapshotBudget {
  readonly max: number;
  used: number;
  /** The engine's BigInt.fromArrayBuffer (looked up once per DSM), or undefined. */
  readonly fromBuffer: FromArrayBuffer | undefined;
  /**
   * The board's native CRC-32 (Hal.bytes), or undefined. Past the budget it replaces the JS
   * hash: a board compares only its own two values, so boards may differ in which they use,
   * and CRC-32 too changes with every change of one 32-bit word (about 0.25 declared units a
   * byte against 6.5).
   */
  readonly crc32: ((bytes: Uint8Array, start: number, end: number) => number) | undefined;
  /**
   * The board's memory figures (Hal.memory), or undefined. A snapshot that would take `used`
   * past `limit` is not taken (the range is hashed): on a board short of RAM the exact check's
   * copy of a band is what grows the heap (Laplace N=64 on 2 Moddable boards: ~18 KB,
   * docs/FOOTPRINT.md "Round 7"). A limit of 0 or less means unknown.
   */
  readonly memory?: MemorySource | undefined;
}

/**
 * Where the memory figures come from: the board's Hal itself (its `memory` method), not a
 * closure over it kept by every DSM (~10 XS slots, docs/FOOTPRINT.md "Round 14: DSM member slots").
 */
export interface MemorySource {
  memory(): MemoryFigures;
}

/** A budget of `max` bytes using what this engine offers. */
export function snapshotBudget(max: number, crc32?: SnapshotBudget['crc32'], memory?: SnapshotBudget['memory']): SnapshotBudget {
  return { max, used: 0, fromBuffer: bigintFromBuffer(), crc32, memory };
}

/** True when a snapshot of `n` more bytes fits both the snapshot budget and the board's memory. */
export function snapshotFits(b: SnapshotBudget, n: number): boolean {
  if (b.used + n > b.max) return false;
  if (b.memory === undefined) return true;
  const m = b.memory.memory();
  return !(m.limit > 0 && m.used + n > m.limit);
}

export interface ReadCheck {
  readonly start: number;
  readonly end: number;
  /** Snapshot chunks (XS). */
  big: bigint[] | null;
  /** Snapshot bytes (other engines). */
  copy: Uint8Array | null;
  /** Used when neither snapshot is kept. */
  hash: number;
}

/** The bytes a check reads: a shared array's window (SharedArrayState), bytes [lo, lo + bytes.length) of the array. */
export interface CheckedBytes {
  readonly bytes: Uint8Array;
  readonly lo: number;
}

/**
 * One per DSM, shared by its arrays: each call names the array's window (`CheckedBytes`), so an
 * array holds no checker of its own and no 32-bit view of its window for the hash (a checker
 * and a view were ~25 XS slots of every shared array, docs/FOOTPRINT.md "Round 14: DSM member
 * slots"). Ranges are array offsets; a record stays valid when the window moves (grows).
 */
export class ReadChecker {
  readonly fromBuffer: FromArrayBuffer | undefined;

  constructor(readonly budget: SnapshotBudget) {
    this.fromBuffer = budget.fromBuffer;
  }

  /** Start watching bytes [start, end). */
  take(w: CheckedBytes, start: number, end: number): ReadCheck {
    const r: ReadCheck = { start, end, big: null, copy: null, hash: 0 };
    this.record(w, r);
    return r;
  }

  /** True when the range still holds what was recorded. */
  unchanged(w: CheckedBytes, r: ReadCheck): boolean {
    const bytes = w.bytes;
    const lo = w.lo;
    if (r.big !== null) {
      const from = this.fromBuffer!;
      for (let i = 0, a = r.start; a < r.end; i++, a += CHUNK) {
        if (from(sliceBuffer(bytes, a - lo, Math.min(a + CHUNK, r.end) - lo)) !== r.big[i]) return false;
      }
      return true;
    }
    if (r.copy !== null) return sameBytes(bytes, r.start - lo, r.copy, 0, r.end - r.start);
    return this.hash(bytes, r.start - lo, r.end - lo) === r.hash;
  }

  /**
   * True when the part of the range within bytes [s, e) still holds what was recorded: only the
   * snapshot chunks overlapping it are compared (a hash can only be checked whole).
   */
  unchangedIn(w: CheckedBytes, r: ReadCheck, s: number, e: number): boolean {
    const bytes = w.bytes;
    const lo = w.lo;
    if (r.big !== null) {
      const from = this.fromBuffer!;
      const i1 = Math.ceil((Math.min(e, r.end) - r.start) / CHUNK);
      for (let i = Math.floor((Math.max(s, r.start) - r.start) / CHUNK); i < i1; i++) {
        const a = r.start + i * CHUNK;
        if (from(sliceBuffer(bytes, a - lo, Math.min(a + CHUNK, r.end) - lo)) !== r.big[i]) return false;
      }
      return true;
    }
    if (r.copy !== null) {
      const a = Math.max(s, r.start);
      const b = Math.min(e, r.end);
      return b <= a || sameBytes(bytes, a - lo, r.copy, a - r.start, b - a);
    }
    return this.unchanged(w, r);
  }

  /**
   * Record again the part of the range within bytes [s, e) (data arrived there legitimately):
   * a board's halo or another writer's diff refreshes the chunks it landed in, not the band.
   */
  refreshIn(w: CheckedBytes, r: ReadCheck, s: number, e: number): void {
    const bytes = w.bytes;
    const lo = w.lo;
    if (r.big !== null) {
      const from = this.fromBuffer!;
      const i1 = Math.ceil((Math.min(e, r.end) - r.start) / CHUNK);
      for (let i = Math.floor((Math.max(s, r.start) - r.start) / CHUNK); i < i1; i++) {
        const a = r.start + i * CHUNK;
        r.big[i] = from(sliceBuffer(bytes, a - lo, Math.min(a + CHUNK, r.end) - lo));
      }
      return;
    }
    if (r.copy !== null) {
      const a = Math.max(s, r.start);
      const b = Math.min(e, r.end);
      if (b > a) r.copy.set(bytes.subarray(a - lo, b - lo), a - r.start);
      return;
    }
    this.refresh(w, r);
  }

  /** Record the range's current bytes (after data arrived into it legitimately). */
  refresh(w: CheckedBytes, r: ReadCheck): void {
    this.drop(r);
    this.record(w, r);
  }

  /** Stop watching: the snapshot's bytes go back to the budget. */
  drop(r: ReadCheck): void {
    if (r.big !== null || r.copy !== null) this.budget.used -= r.end - r.start;
    r.big = null;
    r.copy = null;
  }

  private record(w: CheckedBytes, r: ReadCheck): void {
    const n = r.end - r.start;
    const bytes = w.bytes;
    const lo = w.lo;
    if (!snapshotFits(this.budget, n)) {
      r.hash = this.hash(bytes, r.start - lo, r.end - lo);
      return;
    }
    this.budget.used += n;
    const from = this.fromBuffer;
    if (from === undefined) {
      r.copy = copyOf(bytes.subarray(r.start - lo, r.end - lo));
      return;
    }
    const big: bigint[] = [];
    for (let a = r.start; a < r.end; a += CHUNK) big.push(from(sliceBuffer(bytes, a - lo, Math.min(a + CHUNK, r.end) - lo)));
    r.big = big;
  }

  /**
   * Position-dependent 32-bit hash (FNV-1a steps over 32-bit words). Each step is a bijection
   * of the running hash, so changing any single word always changes the result. The native
   * CRC-32, when the board has one, instead.
   */
  private hash(b: Uint8Array, start: number, end: number): number {
    const crc = this.budget.crc32;
    if (crc !== undefined) return crc(b, start, end);
    let h = 0x811c9dc5 | 0;
    let i = start;
    while (i < end && (i & 3) !== 0) h = Math.imul(h ^ b[i++]!, 0x01000193);
    const wEnd = end >>> 2;
    // The window's 32-bit view, made here: a hash is the over-budget path (~6.5 units a byte),
    // and a view kept per array was 8 XS slots of it for the whole run.
    const w = new Int32Array(b.buffer, b.byteOffset, b.length >>> 2);
    for (let k = i >>> 2; k < wEnd; k++) h = Math.imul(h ^ w[k]!, 0x01000193);
    if (wEnd << 2 > i) i = wEnd << 2;
    while (i < end) h = Math.imul(h ^ b[i++]!, 0x01000193);
    return h;
  }
}
