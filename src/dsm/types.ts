/**
 * The DSM's public vocabulary: element types, access modes, home distributions, options,
 * errors and figures. Everything an application or the runtime touches is declared here.
 */

import { namedFigures, zeros } from '../util/figures.js';

export type DsmElementType =
  | 'Float64'
  | 'Float32'
  | 'Int32'
  | 'Uint32'
  | 'Int16'
  | 'Uint16'
  | 'Int8'
  | 'Uint8';

/** The typed array an acquisition of each element type returns. */
export interface DsmViewOf {
  Float64: Float64Array;
  Float32: Float32Array;
  Int32: Int32Array;
  Uint32: Uint32Array;
  Int16: Int16Array;
  Uint16: Uint16Array;
  Int8: Int8Array;
  Uint8: Uint8Array;
}

/**
 * 'r': read only (stale parts are fetched; writes through the view are an error reported at
 * release). 'rw': read and write (stale parts are fetched; a twin records what changed).
 * 'w': write only: the caller overwrites the whole range; nothing is fetched and the whole
 * range goes to the home at release, so a byte the caller leaves alone is undefined there.
 */
export type DsmMode = 'r' | 'w' | 'rw';

/**
 * Which board homes each page. 'block': contiguous runs of pages, as even as possible
 * (default). 'cyclic': page p on rank p mod boards. `{ ranges }`: element ranges
 * [start, end) indexed by rank, disjoint and covering the array; a page belongs to the rank
 * whose range holds the page's first element.
 */
export type DsmHome = 'block' | 'cyclic' | { ranges: ReadonlyArray<readonly [number, number]> };

export interface DsmAllocOptions {
  home?: DsmHome;
  /**
   * Push updates to known readers (docs/DSM.md, "Pushing halos to known readers"): a board that
   * fetched granules of this array from their home is subscribed to them, and at every barrier
   * the home sends it those it saw written, instead of the board fetching them again. For data
   * the same boards read again and again (halos). Every board must pass the same value. Default false.
   */
  push?: boolean;
}

/** A shared array handle; the data is reached only through `Dsm.acquire`. */
export interface DsmArray<T extends DsmElementType = DsmElementType> {
  readonly name: string;
  readonly type: T;
  /** Elements. */
  readonly length: number;
  readonly bytesPerElement: number;
  /** Position in the allocation order (the same on every board). */
  readonly id: number;
}

/** Who takes a transport's messages: the Dsm itself (its `receive`), set as the transport's `receiver`. */
export interface DsmReceiver {
  receive(fromRank: number, bytes: Uint8Array): void;
}

/**
 * A DSM message path between boards. `send` never blocks; the transport owns the bytes it
 * is given. `receiver` is installed by the DSM (the Dsm itself: an object with a method, not a
 * closure kept by every transport, docs/FOOTPRINT.md "Round 14: DSM member slots"); the
 * transport calls its `receive` from the event loop, never re-entrantly from inside `send`. Delivery must be reliable (no loss, no corruption, no
 * duplicates); order between a pair of boards need not be kept.
 */
export interface DsmTransport {
  readonly rank: number;
  readonly size: number;
  /** Largest message the transport carries; the DSM splits data messages to fit. */
  readonly maxMessage?: number;
  /**
   * Bytes (at most MAX_HEADROOM) the transport may write just before each message it is
   * given, in the same buffer, to prepend its own header without copying the message.
   */
  readonly headroom?: number;
  send(toRank: number, bytes: Uint8Array): void;
  receiver: DsmReceiver | null;
}

export interface DsmOptions {
  /** Bytes per page, a power of two in 256..4096. Default 1024. */
  pageSize?: number;
  /** Bytes per validity granule, a power of two in 1..pageSize. Default 8. */
  granule?: number;
  /** How long the barrier manager waits for missing boards. Default 60000 ms. */
  barrierTimeoutMs?: number;
  /** Silence from a home (fetch, diff) or collective peer before failing. Default 15000 ms. */
  requestTimeoutMs?: number;
  /** How long `lock` waits for a grant. Default 120000 ms. */
  lockTimeoutMs?: number;
  /** Fetch / diff requests in flight from this board (so at most this many replies arrive at once). Default 4. */
  window?: number;
  /** Largest message sent; defaults to the transport's maxMessage, else 1024. */
  maxMessage?: number;
  /** Shared arrays per DSM. Default 16. */
  maxArrays?: number;
  /** Distinct lock names a board may use. Default 32. */
  maxLocks?: number;
  /** Write-notice ranges a board keeps per interval before coalescing (more are merged). Default 64. */
  maxNoticeRanges?: number;
  /** Disjoint read-only / write-only ranges per array per interval. Default 64. */
  maxRangesPerInterval?: number;
  /** Verify at release that read-only acquisitions were not written. Default true. */
  checkReads?: boolean;
  /**
   * Bytes of read-only ranges a board keeps a snapshot of per interval, to check them at
   * release (all arrays together). Ranges past it are checked by hashing them at acquire and
   * again at release: no memory, more CPU. 0 hashes everything. Default 262144.
   */
  maxReadSnapshot?: number;
  /**
   * A checkpoint content over this DSM (src/runtime/dsm-content.ts) lends its home pages to the
   * checkpoint instead of having them copied: while a capture is lent, diffs arriving for those
   * pages are held back and writable acquisitions of them wait. Default true; false copies.
   */
  lend?: boolean;
  /** DIFF messages a home holds back at once while its pages are lent. Default (boards - 1) x window. */
  maxDeferred?: number;
}

export interface DsmLimits {
  pageSize: number;
  granule: number;
  barrierTimeoutMs: number;
  requestTimeoutMs: number;
  lockTimeoutMs: number;
  window: number;
  maxMessage: number;
  maxArrays: number;
  maxLocks: number;
  maxNoticeRanges: number;
  maxRangesPerInterval: number;
  checkReads: boolean;
  maxReadSnapshot: number;
  lend: boolean;
  maxDeferred: number;
}

export type DsmErrorCode =
  | 'BAD_ARG'
  | 'OUT_OF_RANGE'
  | 'ALLOC_MISMATCH'
  | 'READ_ONLY_WRITE'
  | 'NOT_HELD'
  | 'ALREADY_HELD'
  | 'BARRIER_TIMEOUT'
  | 'TIMEOUT'
  | 'LIMIT'
  | 'REMOTE'
  | 'FAILED';

export class DsmError extends Error {
  /**
   * On the prototype, not assigned per instance: Moddable freezes Error.prototype at preload,
   * so `this.name = ...` would throw (its inherited `name` is read-only). See docs/TARGETS.md.
   */
  override get name(): string {
    return 'DsmError';
  }

  constructor(
    readonly code: DsmErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface DsmStats {
  /** Bytes handed to the transport, and received from it. */
  bytesSent: number;
  bytesReceived: number;
  messagesSent: number;
  messagesReceived: number;
  /** Fetch request messages sent, and the data bytes they brought back. */
  fetches: number;
  fetchedBytes: number;
  /** Fetch requests this board answered as a home. */
  fetchesServed: number;
  /** Diff messages sent, and the data bytes (run contents) they carried. */
  diffs: number;
  diffBytes: number;
  /** Diff messages this board applied as a home. */
  diffsApplied: number;
  /** Write-notice ranges this board sent, and granules of pages homed elsewhere that received notices covered (marked stale). */
  noticesSent: number;
  invalidations: number;
  barriers: number;
  lockAcquires: number;
  /** Messages dropped as malformed (bad encoding, unknown array, out-of-range request). */
  malformed: number;
  /** Writes found through read-only acquisitions. */
  readOnlyViolations: number;
  /** Checkpoint captures that lent home pages (Dsm.lend). */
  lends: number;
  /** DIFF messages held back because their pages were lent, and their bytes (each copied once). */
  deferredMessages: number;
  deferredBytes: number;
  /** Most DIFF messages, and bytes, held back at once. */
  deferredPeak: number;
  deferredPeakBytes: number;
  /** Writable acquisitions that waited for a lend of their home pages to end. */
  lendWaits: number;
  /** PUSH messages this board sent as a home (empty batches included), and the data bytes they carried. */
  pushesSent: number;
  pushedBytes: number;
  /** Granules of PUSH messages stored here (stale ones only), and PUSH parts dropped (an older barrier, or a lock's notices since). */
  pushGranulesApplied: number;
  pushesDropped: number;
  /** Acquisitions that waited for a home's batch instead of fetching. */
  pushWaits: number;
  /** LEAVE messages sent (subscriptions this board dropped). */
  leaves: number;
}

/**
 * The figures as a DSM keeps them: one Array of numbers indexed by the DS_* constants below,
 * not an object of 28 properties. An XS board keeps an object's every property in a slot of its
 * slot heap (~30 slots here) and an Array's items in its chunk heap; the slot heap is what a
 * Laplace + FT board runs short of (docs/FOOTPRINT.md "Round 11b: Laplace slots"). A plain
 * Array, not a Float64Array: 2 XS slots, not 7 (docs/FOOTPRINT.md "Round 19"). `Dsm.stats()`
 * builds the public object.
 */
export type DsmFigures = number[];

export const DS_BYTES_SENT = 0;
export const DS_BYTES_RECEIVED = 1;
export const DS_MESSAGES_SENT = 2;
export const DS_MESSAGES_RECEIVED = 3;
export const DS_FETCHES = 4;
export const DS_FETCHED_BYTES = 5;
export const DS_FETCHES_SERVED = 6;
export const DS_DIFFS = 7;
export const DS_DIFF_BYTES = 8;
export const DS_DIFFS_APPLIED = 9;
export const DS_NOTICES_SENT = 10;
export const DS_INVALIDATIONS = 11;
export const DS_BARRIERS = 12;
export const DS_LOCK_ACQUIRES = 13;
export const DS_MALFORMED = 14;
export const DS_READ_ONLY_VIOLATIONS = 15;
export const DS_LENDS = 16;
export const DS_DEFERRED_MESSAGES = 17;
export const DS_DEFERRED_BYTES = 18;
export const DS_DEFERRED_PEAK = 19;
export const DS_DEFERRED_PEAK_BYTES = 20;
export const DS_LEND_WAITS = 21;
export const DS_PUSHES_SENT = 22;
export const DS_PUSHED_BYTES = 23;
export const DS_PUSH_GRANULES_APPLIED = 24;
export const DS_PUSHES_DROPPED = 25;
export const DS_PUSH_WAITS = 26;
export const DS_LEAVES = 27;

/** DsmStats fields in the order of their indices (module-level: in flash on a preloaded firmware). */
export const DSM_STAT_KEYS: readonly (keyof DsmStats)[] = Object.freeze([
  'bytesSent',
  'bytesReceived',
  'messagesSent',
  'messagesReceived',
  'fetches',
  'fetchedBytes',
  'fetchesServed',
  'diffs',
  'diffBytes',
  'diffsApplied',
  'noticesSent',
  'invalidations',
  'barriers',
  'lockAcquires',
  'malformed',
  'readOnlyViolations',
  'lends',
  'deferredMessages',
  'deferredBytes',
  'deferredPeak',
  'deferredPeakBytes',
  'lendWaits',
  'pushesSent',
  'pushedBytes',
  'pushGranulesApplied',
  'pushesDropped',
  'pushWaits',
  'leaves',
]);

/** Figures of a DSM that has done nothing yet, as kept. */
export function newDsmFigures(): DsmFigures {
  return zeros(DSM_STAT_KEYS.length);
}

/** The public DsmStats object of `f` (fields in their documented order). */
export function dsmStats(f: DsmFigures): DsmStats {
  return namedFigures(DSM_STAT_KEYS, f) as unknown as DsmStats;
}
