/**
 * The DSM protocol core: home-based release consistency with multiple writers, in the manner
 * of SCASH, as a sans-I/O state machine. Inputs: application calls, `transport.onMessage`,
 * timers from the Clock. Outputs: `transport.send` and settled promises. It never blocks and
 * owns no I/O, so the same core runs on XS, V8 and in a test driving any interleaving.
 *
 * The protocol in one paragraph (docs/DSM.md has the details): every page has a home board
 * whose copy is the master. A board declares what it touches with `acquire`; stale granules
 * in a read range are fetched from their homes (only those bytes). Writes to pages homed
 * elsewhere are found at release by comparing with a twin (or, for write-only ranges, taken
 * whole) and sent to the home as diffs of byte runs; once the homes acknowledge, the release
 * goes on: barrier arrival (rank 0 answers with every other board's write notices) or lock
 * release (the lock's manager hands the notices to the next holder). Write notices are
 * granule ranges in one space spanning all arrays; receivers mark those granules stale,
 * except on pages they home.
 */
import type { Clock, Hal } from '../hal.js';
import { Deadline } from '../net/deadline.js';
import { DecodeError, MAX_HEADROOM, Reader, Writer, varintSize } from './codec.js';
import { HeldDiffs } from './held-diffs.js';
import { AllocChecker, BarrierManager, LockManager, describeMissing } from './managers.js';
import { MAX_NAME, Msg, readNotices, readSpec, validName, writeNotices, writeSpec, type AllocSpec } from './messages.js';
import { RangeList } from './range-list.js';
import { snapshotBudget, type SnapshotBudget } from './read-check.js';
import { ELEMENT_TYPES, SharedArrayState, bytesPerElement, computeHomes } from './shared-array.js';
import {
  DsmError,
  type DsmAllocOptions,
  type DsmArray,
  type DsmElementType,
  type DsmLimits,
  type DsmMode,
  type DsmOptions,
  type DsmStats,
  type DsmTransport,
  type DsmViewOf,
} from './types.js';

/** Room kept in a message for its header (type, request id, array id). */
const HEADER_ROOM = 16;
/** Largest shared array in bytes: offsets stay exact small integers in every engine. */
const MAX_ARRAY_BYTES = 0x40000000;

interface Batch {
  remaining: number;
  settled: boolean;
  resolve: () => void;
  reject: (e: DsmError) => void;
}

interface Pending {
  to: number;
  batch: Batch;
  /** For fetches: the array and the granule ranges asked for (start, end pairs). */
  st: SharedArrayState | null;
  ranges: number[] | null;
}

interface Outgoing {
  to: number;
  req: number;
  bytes: Uint8Array;
  st: SharedArrayState | null;
  ranges: number[] | null;
}

interface Release {
  diffs: Outgoing[];
  violations: string[];
}

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: DsmError) => void;
  timer: number;
}

function noop(): void {}

function resolveLimits(o: DsmOptions, transport: DsmTransport): DsmLimits {
  const limits: DsmLimits = {
    pageSize: o.pageSize ?? 1024,
    granule: o.granule ?? 8,
    barrierTimeoutMs: o.barrierTimeoutMs ?? 60000,
    requestTimeoutMs: o.requestTimeoutMs ?? 15000,
    lockTimeoutMs: o.lockTimeoutMs ?? 120000,
    window: o.window ?? 4,
    maxMessage: o.maxMessage ?? transport.maxMessage ?? 1024,
    maxArrays: o.maxArrays ?? 16,
    maxLocks: o.maxLocks ?? 32,
    maxNoticeRanges: o.maxNoticeRanges ?? 64,
    maxRangesPerInterval: o.maxRangesPerInterval ?? 64,
    checkReads: o.checkReads ?? true,
    maxReadSnapshot: o.maxReadSnapshot ?? 262144,
    lend: o.lend ?? true,
    // A writer has at most `window` diffs in flight: what every other board can send at once.
    maxDeferred: o.maxDeferred ?? Math.max(1, (transport.size - 1) * Math.ceil(o.window ?? 4)),
  };
  const pow2 = (v: number): boolean => Number.isInteger(v) && v > 0 && (v & (v - 1)) === 0;
  const bad = (field: string, rule: string): never => {
    throw new DsmError('BAD_ARG', `dsm options: ${field} ${rule}`);
  };
  if (!pow2(limits.pageSize) || limits.pageSize < 256 || limits.pageSize > 4096) {
    bad('pageSize', `must be a power of two in 256..4096 (got ${String(o.pageSize)})`);
  }
  if (!pow2(limits.granule) || limits.granule > limits.pageSize) {
    bad('granule', `must be a power of two in 1..pageSize (got ${String(o.granule)})`);
  }
  const positive: (keyof DsmLimits)[] = [
    'barrierTimeoutMs',
    'requestTimeoutMs',
    'lockTimeoutMs',
    'window',
    'maxArrays',
    'maxLocks',
    'maxNoticeRanges',
    'maxRangesPerInterval',
    'maxDeferred',
  ];
  for (const k of positive) {
    const v = limits[k];
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) bad(k, `must be a positive number (got ${String(v)})`);
  }
  if (!Number.isInteger(limits.maxMessage) || limits.maxMessage < 128 || limits.maxMessage < limits.granule + 2 * HEADER_ROOM) {
    bad('maxMessage', `must be an integer >= 128 and >= granule + ${2 * HEADER_ROOM} (got ${String(limits.maxMessage)})`);
  }
  // A lock release carries a name and a full notice list in one message.
  if (noticeMessageBytes(limits.maxNoticeRanges) > limits.maxMessage) {
    bad('maxNoticeRanges', `needs messages of ${noticeMessageBytes(limits.maxNoticeRanges)} bytes, more than maxMessage=${limits.maxMessage}`);
  }
  if (typeof limits.checkReads !== 'boolean') bad('checkReads', 'must be a boolean');
  if (typeof limits.lend !== 'boolean') bad('lend', 'must be a boolean');
  if (!Number.isInteger(limits.maxDeferred)) bad('maxDeferred', `must be an integer >= 1 (got ${String(o.maxDeferred)})`);
  if (!Number.isInteger(limits.maxReadSnapshot) || limits.maxReadSnapshot < 0) {
    bad('maxReadSnapshot', `must be an integer >= 0 (got ${String(o.maxReadSnapshot)})`);
  }
  const headroom = transport.headroom ?? 0;
  if (!Number.isInteger(headroom) || headroom < 0 || headroom > MAX_HEADROOM) {
    throw new DsmError('BAD_ARG', `dsm: transport.headroom must be an integer in 0..${MAX_HEADROOM} (got ${String(transport.headroom)})`);
  }
  return limits;
}

/** Worst-case size of a message carrying a full notice list (LOCK_RELEASE). */
function noticeMessageBytes(ranges: number): number {
  return 1 + 5 + 1 + MAX_NAME + 3 + 10 * ranges;
}

function lockManagerOf(name: string, size: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) % size;
}

export class Dsm {
  readonly rank: number;
  readonly size: number;
  readonly limits: DsmLimits;
  private readonly figures: DsmStats = {
    bytesSent: 0,
    bytesReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    fetches: 0,
    fetchedBytes: 0,
    fetchesServed: 0,
    diffs: 0,
    diffBytes: 0,
    diffsApplied: 0,
    noticesSent: 0,
    invalidations: 0,
    barriers: 0,
    lockAcquires: 0,
    malformed: 0,
    readOnlyViolations: 0,
    lends: 0,
    deferredMessages: 0,
    deferredBytes: 0,
    deferredPeak: 0,
    deferredPeakBytes: 0,
    lendWaits: 0,
  };

  private readonly arrays: SharedArrayState[] = [];
  /** Bytes of read-only snapshots held now (all arrays). */
  private readonly snapshots: SnapshotBudget;
  private granuleTotal = 0;
  /** Application operations run one after another in call order. */
  private chain: Promise<unknown> = Promise.resolve();
  private failure: DsmError | null = null;

  private nextReq = 1;
  private readonly pending = new Map<number, Pending>();
  /** Requests not sent yet: at most `window` are in flight, so at most that many replies arrive at once. */
  private readonly queue: Outgoing[] = [];
  private inflight = 0;
  /**
   * Fires when no request made progress for requestTimeoutMs. A Deadline, not a raw timer: a
   * timer may fire a hair before `now + delay` in floating point, and re-arming for the
   * remaining 1e-12 ms landed on the same virtual instant forever (issue 11, defect 1).
   */
  private readonly watchdog: Deadline;
  /** The deadline the watchdog is armed for: lastProgress + requestTimeoutMs when armed. */
  private watchdogAt = -1;
  private lastProgress = 0;

  private readonly local: Uint8Array[] = [];
  private localScheduled = false;

  /** Barriers completed. */
  private epoch = 0;
  /** Granules this board wrote since the last barrier. */
  private readonly own: RangeList;
  /** `own` plus what lock grants reported since the last barrier (passed on at lock release). */
  private readonly known: RangeList;
  private readonly scratch = new RangeList();
  /** Writes through read-only views noticed while data arrived; reported by the next acquire or release. */
  private readonly pendingViolations: string[] = [];

  private barrierWait: (Waiter<RangeList> & { epoch: number }) | null = null;
  private lockWait: (Waiter<RangeList> & { name: string }) | null = null;
  private allocWait: (Waiter<string | null> & { seq: number }) | null = null;
  private allocSeq = 0;
  /** Locks granted to this board. */
  private readonly held = new Set<string>();
  /** Locks asked for and not yet unlocked (granted or waiting). */
  private readonly claimed = new Set<string>();
  private readonly usedLocks = new Set<string>();

  /** DIFFs for lent home pages, applied when the lend ends (held-diffs.ts). */
  private readonly heldDiffs: HeldDiffs;
  /** Writable acquisitions waiting for a lend of their home pages to end. */
  private lendWaiters: (() => void)[] = [];
  /** The run that used this DSM is over (close). */
  private closed = false;

  private readonly barrierMgr: BarrierManager | null;
  private readonly allocMgr: AllocChecker | null;
  private readonly lockMgr: LockManager;

  /** `clock`: the board's Hal fits; its native byte helpers (`bytes`), if any, hash read checks. */
  constructor(
    private readonly transport: DsmTransport,
    private readonly clock: Clock & Pick<Hal, 'bytes'>,
    options: DsmOptions = {},
  ) {
    const { rank, size } = transport;
    if (!Number.isInteger(size) || size < 1 || size > 255) {
      throw new DsmError('BAD_ARG', `dsm: transport.size must be an integer in 1..255 (got ${String(size)})`);
    }
    if (!Number.isInteger(rank) || rank < 0 || rank >= size) {
      throw new DsmError('BAD_ARG', `dsm: transport.rank must be an integer in 0..${size - 1} (got ${String(rank)})`);
    }
    this.rank = rank;
    this.size = size;
    this.limits = resolveLimits(options, transport);
    this.snapshots = snapshotBudget(this.limits.maxReadSnapshot, clock.bytes?.crc32);
    this.own = new RangeList(this.limits.maxNoticeRanges);
    this.known = new RangeList(this.limits.maxNoticeRanges);
    const post = (to: number, bytes: Uint8Array): void => this.post(to, bytes);
    this.barrierMgr =
      rank === 0 ? new BarrierManager(0, size, clock, this.limits.barrierTimeoutMs, this.limits.maxNoticeRanges, post) : null;
    this.allocMgr = rank === 0 ? new AllocChecker(0, size, clock, this.limits.barrierTimeoutMs, this.limits.maxMessage, post) : null;
    this.lockMgr = new LockManager(size, this.limits.maxLocks * size, this.limits.maxNoticeRanges, post);
    this.heldDiffs = new HeldDiffs(clock, this.limits.maxDeferred, this.limits.requestTimeoutMs / 3, this.figures, (to, req) =>
      this.post(to, new Writer(8).u8(Msg.DIFF_HELD).varint(req).finish()),
    );
    this.watchdog = new Deadline(clock, () => this.onWatchdog());
    transport.onMessage = (from, bytes) => this.receive(from, bytes);
  }

  /** A copy of the DSM's figures. */
  stats(): DsmStats {
    return { ...this.figures };
  }

  /** Barriers completed so far. */
  get barriers(): number {
    return this.epoch;
  }

  /** Called with each array as it is created locally, before any board can fetch from it. */
  onAllocated: ((arr: SharedArrayState) => void) | null = null;

  /** The shared arrays in allocation order (their home pages are checkpoint content). */
  sharedArrays(): readonly SharedArrayState[] {
    return this.arrays;
  }

  /**
   * Lend the home pages of `arrays` to a checkpoint that references them: until the returned
   * function is called, nothing changes those bytes. Diffs other boards send to them are held
   * (unapplied, unacknowledged: their writers wait) and applied in arrival order when the last
   * lend of their array ends; this board's writable acquisitions of them wait as well. Reads and
   * fetches served to other boards go on. Lends may overlap; each ends once (calling the
   * function again, or after `close`, does nothing).
   */
  lend(arrays: readonly DsmArray[]): () => void {
    const states = arrays.map((a) => this.stateOf(a, 'dsm.lend'));
    if (this.closed || states.length === 0) return noop;
    for (const st of states) st.lends++;
    this.figures.lends++;
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      if (this.closed) return;
      for (const st of states) st.lends--;
      this.lendEnded();
    };
  }

  /**
   * The run that used this DSM is over (a rollback superseded it): drop what is held back,
   * stop its timers and refuse further calls (FAILED). Nothing is sent any more.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fail(new DsmError('FAILED', `dsm: closed (rank ${this.rank}'s run ended)`));
    this.heldDiffs.clear();
    this.lendWaiters = [];
    for (const st of this.arrays) st.lends = 0;
    this.stopWatchdog();
    for (const w of [this.barrierWait, this.lockWait, this.allocWait]) if (w) this.clock.clearTimer(w.timer);
    this.pending.clear();
    this.queue.length = 0;
    this.local.length = 0;
  }

  /** The home rank of element `index` of `arr`. */
  homeOf(arr: DsmArray, index: number): number {
    const st = this.stateOf(arr, 'dsm.homeOf');
    if (!Number.isInteger(index) || index < 0 || index >= st.length) {
      throw new DsmError('OUT_OF_RANGE', `dsm.homeOf('${st.name}', ${index}): index outside 0..${st.length - 1}`);
    }
    return st.homes[Math.floor((index * st.bytesPerElement) / st.pageSize)]!;
  }

  // ---- application calls -----------------------------------------------------------------

  /**
   * Allocate a shared array collectively: every board calls this with the same arguments, in
   * the same order. Resolves when all boards did; rejects on every board, naming the array,
   * when they disagree (or a board is missing past the barrier timeout).
   */
  alloc<T extends DsmElementType>(
    name: string,
    type: T,
    length: number,
    options: DsmAllocOptions = {},
  ): Promise<DsmArray<T>> {
    const where = `dsm.alloc('${String(name)}')`;
    let spec: AllocSpec;
    let homes: Uint8Array;
    try {
      if (!validName(name)) {
        throw new DsmError('BAD_ARG', `dsm.alloc: name must be 1..${MAX_NAME} printable ASCII characters (got ${JSON.stringify(String(name))})`);
      }
      if (!ELEMENT_TYPES.includes(type)) {
        throw new DsmError('BAD_ARG', `${where}: type must be one of ${ELEMENT_TYPES.join(', ')} (got ${String(type)})`);
      }
      const bpe = bytesPerElement(type);
      if (!Number.isInteger(length) || length < 1 || length * bpe > MAX_ARRAY_BYTES) {
        throw new DsmError('BAD_ARG', `${where}: length must be an integer in 1..${MAX_ARRAY_BYTES / bpe} (got ${String(length)})`);
      }
      const home = options.home ?? 'block';
      if (home !== 'block' && home !== 'cyclic' && (typeof home !== 'object' || home === null)) {
        throw new DsmError('BAD_ARG', `${where}: home must be 'block', 'cyclic' or { ranges } (got ${String(home)})`);
      }
      homes = computeHomes(where, home, length, bpe, this.limits.pageSize, this.size);
      spec = { name, type, length, pageSize: this.limits.pageSize, granule: this.limits.granule, home };
      this.checkAllocLimits(name);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.enqueue(async () => {
      this.checkAllocLimits(name);
      const st = new SharedArrayState(
        this.arrays.length,
        name,
        type,
        length,
        this.limits.pageSize,
        this.limits.granule,
        this.granuleTotal,
        homes,
        this.rank,
        this.limits.maxRangesPerInterval,
        this.snapshots,
      );
      // Allocated before asking, so a home can serve a fetch from a board that heard OK first.
      this.arrays.push(st);
      this.granuleTotal += st.granules;
      // A checkpoint's home pages go in before anyone can fetch them (checkpoint-content.ts).
      this.onAllocated?.(st);
      const seq = ++this.allocSeq;
      const w = new Writer().u8(Msg.ALLOC).varint(seq);
      writeSpec(w, spec);
      if (w.length > this.limits.maxMessage) {
        this.arrays.pop();
        this.granuleTotal -= st.granules;
        throw new DsmError('BAD_ARG', `${where}: home.ranges do not fit one message of maxMessage=${this.limits.maxMessage} bytes`);
      }
      const error = await new Promise<string | null>((resolve, reject) => {
        const timer = this.clock.setTimer(2 * this.limits.barrierTimeoutMs, () => {
          this.allocWait = null;
          reject(this.fail(new DsmError('TIMEOUT', `${where}: no answer from rank 0 within ${2 * this.limits.barrierTimeoutMs} ms`)));
        });
        this.allocWait = { seq, resolve, reject, timer };
        this.post(0, w.finish());
      });
      if (error !== null) {
        this.arrays.pop();
        this.granuleTotal -= st.granules;
        throw new DsmError('ALLOC_MISMATCH', error);
      }
      return st as DsmArray as DsmArray<T>;
    });
  }

  /**
   * Make elements [start, end) of `arr` usable and return a view of the local copy, valid
   * until this board's next barrier or lock release.
   */
  acquire<T extends DsmElementType>(arr: DsmArray<T>, start: number, end: number, mode: DsmMode): Promise<DsmViewOf[T]> {
    let st: SharedArrayState<T>;
    try {
      st = this.stateOf(arr, 'dsm.acquire') as SharedArrayState<T>;
      const where = `dsm.acquire('${st.name}', ${String(start)}, ${String(end)}, ${String(mode)})`;
      if (mode !== 'r' && mode !== 'w' && mode !== 'rw') {
        throw new DsmError('BAD_ARG', `${where}: mode must be 'r', 'w' or 'rw'`);
      }
      if (!Number.isInteger(start) || !Number.isInteger(end)) {
        throw new DsmError('BAD_ARG', `${where}: start and end must be integers`);
      }
      if (start < 0 || end > st.length || start > end) {
        throw new DsmError('OUT_OF_RANGE', `${where}: range outside '${st.name}' (elements 0..${st.length}, need 0 <= start <= end <= ${st.length})`);
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return this.enqueue(async () => {
      const b0 = start * st.bytesPerElement;
      const b1 = end * st.bytesPerElement;
      if (mode !== 'r' && st.lends > 0 && st.homesAny(b0, b1)) {
        // A checkpoint references these home pages: they are written only once it lets go.
        this.figures.lendWaits++;
        do await new Promise<void>((resolve) => this.lendWaiters.push(resolve));
        while (st.lends > 0 && st.homesAny(b0, b1));
        this.checkFailed();
      }
      if (mode !== 'w' && b1 > b0) await this.fetchStale(st, b0, b1);
      const violations = this.pendingViolations.splice(0);
      if (mode === 'r') {
        if (this.limits.checkReads && b1 > b0) st.watchRead(b0, b1, violations);
      } else if (b1 > b0) {
        st.declareWrite(b0, b1, mode, violations);
      }
      if (violations.length > 0) throw this.violation(violations);
      return st.view(start, end);
    });
  }

  /**
   * Release this board's writes and wait for every board. Rejects with BARRIER_TIMEOUT naming
   * the missing ranks when they do not arrive within `barrierTimeoutMs`.
   */
  barrier(): Promise<void> {
    let rel: Release;
    try {
      this.checkFailed();
      rel = this.closeInterval();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.enqueue(async () => {
      await this.sendBatch(rel.diffs);
      const epoch = this.epoch + 1;
      const w = new Writer().u8(Msg.BARRIER_ARRIVE).varint(epoch);
      writeNotices(w, this.own);
      this.figures.noticesSent += this.own.count;
      const notices = await new Promise<RangeList>((resolve, reject) => {
        const ms = 2 * this.limits.barrierTimeoutMs;
        const timer = this.clock.setTimer(ms, () => {
          this.barrierWait = null;
          reject(
            this.fail(
              new DsmError('BARRIER_TIMEOUT', `dsm.barrier #${epoch}: no release within ${ms} ms: rank 0 (the barrier manager) is missing or unreachable`),
            ),
          );
        });
        this.barrierWait = { epoch, resolve, reject, timer };
        this.post(0, w.finish());
      });
      this.epoch = epoch;
      this.own.clear();
      this.known.clear();
      this.invalidate(notices);
      this.figures.barriers++;
      if (rel.violations.length > 0) throw this.violation(rel.violations);
    });
  }

  /** Acquire the named lock; writes released under it by earlier holders become visible. */
  lock(name: string): Promise<void> {
    try {
      this.checkFailed();
      if (!validName(name)) {
        throw new DsmError('BAD_ARG', `dsm.lock: name must be 1..${MAX_NAME} printable ASCII characters (got ${JSON.stringify(String(name))})`);
      }
      if (this.claimed.has(name)) {
        throw new DsmError('ALREADY_HELD', `dsm.lock('${name}'): rank ${this.rank} already holds or awaits lock '${name}'`);
      }
      if (!this.usedLocks.has(name)) {
        if (this.usedLocks.size >= this.limits.maxLocks) {
          throw new DsmError('LIMIT', `dsm.lock('${name}'): more than maxLocks=${this.limits.maxLocks} distinct lock names`);
        }
        this.usedLocks.add(name);
      }
    } catch (e) {
      return Promise.reject(e);
    }
    const mgr = lockManagerOf(name, this.size);
    this.claimed.add(name);
    const p = this.enqueue(async () => {
      const w = new Writer().u8(Msg.LOCK_REQ).varint(this.epoch).ascii(name);
      const notices = await new Promise<RangeList>((resolve, reject) => {
        const timer = this.clock.setTimer(this.limits.lockTimeoutMs, () => {
          this.lockWait = null;
          reject(
            this.fail(new DsmError('TIMEOUT', `dsm.lock('${name}'): no grant from rank ${mgr} (its manager) within ${this.limits.lockTimeoutMs} ms`)),
          );
        });
        this.lockWait = { name, resolve, reject, timer };
        this.post(mgr, w.finish());
      });
      this.known.addAll(notices);
      this.invalidate(notices);
      this.held.add(name);
      this.figures.lockAcquires++;
    });
    p.catch(() => this.claimed.delete(name));
    return p;
  }

  /**
   * Release the named lock: this board's writes go to their homes, then the lock (with the
   * write notices) goes back to its manager. Returns at once; a failure of that background
   * work makes the next DSM call reject. Throws NOT_HELD for a lock this board does not hold.
   */
  unlock(name: string): void {
    this.checkFailed();
    if (!this.held.has(name)) {
      throw new DsmError('NOT_HELD', `dsm.unlock('${String(name)}'): lock '${String(name)}' is not held by rank ${this.rank}`);
    }
    this.held.delete(name);
    this.claimed.delete(name);
    const rel = this.closeInterval();
    const mgr = lockManagerOf(name, this.size);
    const epoch = this.epoch;
    this.enqueue(async () => {
      await this.sendBatch(rel.diffs);
      const w = new Writer().u8(Msg.LOCK_RELEASE).varint(epoch).ascii(name);
      writeNotices(w, this.known);
      this.figures.noticesSent += this.known.count;
      this.post(mgr, w.finish());
    }).catch(noop);
    if (rel.violations.length > 0) throw this.violation(rel.violations);
  }

  // ---- operation plumbing ----------------------------------------------------------------

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(() => {
      this.checkFailed();
      return fn();
    });
    this.chain = p.then(noop, noop);
    return p;
  }

  private checkFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** A lost peer or broken protocol leaves the DSM unusable: every later call gets this error. */
  private fail(e: DsmError): DsmError {
    if (!this.failure) this.failure = e;
    return e;
  }

  private violation(list: string[]): DsmError {
    this.figures.readOnlyViolations += list.length;
    return new DsmError('READ_ONLY_WRITE', `dsm: ${list.join('; ')}`);
  }

  private stateOf(arr: DsmArray, where: string): SharedArrayState {
    const st = arr && typeof arr === 'object' ? this.arrays[arr.id] : undefined;
    if (!st || st !== arr) throw new DsmError('BAD_ARG', `${where}: not a shared array of this DSM`);
    return st;
  }

  private checkAllocLimits(name: string): void {
    for (const a of this.arrays) {
      if (a.name === name) throw new DsmError('BAD_ARG', `dsm.alloc('${name}'): a shared array named '${name}' already exists`);
    }
    if (this.arrays.length >= this.limits.maxArrays) {
      throw new DsmError('LIMIT', `dsm.alloc('${name}'): more than maxArrays=${this.limits.maxArrays} shared arrays`);
    }
  }

  // ---- fetching ------------------------------------------------------------------------

  /** Fetch the stale granules of bytes [b0, b1) from their homes. */
  private fetchStale(st: SharedArrayState, b0: number, b1: number): Promise<void> {
    const g = st.granule;
    const g1 = Math.ceil(b1 / g);
    const gpp = st.granulesPerPage;
    const perHome = new Map<number, number[]>();
    // Page runs of one home at a time: runs this board homes are never stale and are skipped
    // whole, and a stale run found inside another home's run needs no further split.
    for (let p = Math.floor(b0 / st.pageSize); p * gpp < g1; p = st.runEnd[p]!) {
      const home = st.homes[p]!;
      if (home === this.rank) continue;
      const end = Math.min(g1, st.runEnd[p]! * gpp);
      for (let s = st.stale.next(Math.max(Math.floor(b0 / g), p * gpp), end, true); s < end; ) {
        const e = st.stale.next(s, end, false);
        let list = perHome.get(home);
        if (!list) perHome.set(home, (list = []));
        list.push(s, e);
        s = e < end ? st.stale.next(e, end, true) : end;
      }
    }
    if (perHome.size === 0) return Promise.resolve();
    const out: Outgoing[] = [];
    const max = this.limits.maxMessage;
    // The reply carries the data, so a request asks for at most what fits in one message:
    // the data after the reply's type byte and request id.
    let maxGranules = 0;
    for (const [home, list] of perHome) {
      let cur: Outgoing | null = null;
      let w = new Writer(64);
      let granules = 0;
      let prev = 0;
      for (let i = 0; i < list.length; i += 2) {
        let s = list[i]!;
        const e = list[i + 1]!;
        while (s < e) {
          if (cur === null || granules >= maxGranules || w.length + 12 > max) {
            if (cur) cur.bytes = w.finish();
            cur = { to: home, req: this.nextReq++, bytes: new Uint8Array(0), st, ranges: [] };
            out.push(cur);
            w = new Writer(64).u8(Msg.FETCH).varint(cur.req).varint(st.id);
            maxGranules = Math.floor((max - 1 - varintSize(cur.req)) / g);
            granules = 0;
            prev = 0;
          }
          const n = Math.min(e - s, maxGranules - granules);
          w.varint(s - prev).varint(n);
          cur.ranges!.push(s, s + n);
          granules += n;
          prev = s + n;
          s += n;
        }
      }
      if (cur) cur.bytes = w.finish();
    }
    this.figures.fetches += out.length;
    return this.sendBatch(interleave(out));
  }

  private onFetchData(p: Pending, r: Reader): void {
    const st = p.st!;
    const ranges = p.ranges!;
    const g = st.granule;
    let total = 0;
    for (let i = 0; i < ranges.length; i += 2) total += (ranges[i + 1]! - ranges[i]!) * g;
    if (r.remaining !== total) throw new DecodeError('fetch reply has the wrong length');
    for (let i = 0; i < ranges.length; i += 2) {
      const s = ranges[i]!;
      const e = ranges[i + 1]!;
      st.storeIncoming(s * g, r.bytes((e - s) * g), this.pendingViolations);
      st.stale.clear(s, e);
    }
    this.figures.fetchedBytes += total;
  }

  private serveFetch(from: number, r: Reader): void {
    const req = r.varint();
    const st = this.arrays[r.varint()];
    if (!st) return this.refuse(from, req, `rank ${this.rank} has no such shared array`);
    const gpp = st.granulesPerPage;
    const ranges: number[] = [];
    let total = 0;
    let prev = 0;
    while (r.remaining > 0) {
      const s = prev + r.varint();
      const e = s + r.varint();
      if (e > st.granules || e <= s) throw new DecodeError('fetch range outside the array');
      if (!st.homesBytes(s * st.granule, e * st.granule)) {
        return this.refuse(from, req, `rank ${this.rank} is not the home of every page of '${st.name}' granules ${s}..${e - 1}`);
      }
      ranges.push(s, e);
      total += (e - s) * st.granule;
      prev = e;
    }
    const w = new Writer(1 + varintSize(req) + total).u8(Msg.FETCH_DATA).varint(req);
    const g = st.granule;
    for (let i = 0; i < ranges.length; i += 2) w.bytes(st.bytes.subarray(ranges[i]! * g, ranges[i + 1]! * g));
    this.figures.fetchesServed++;
    this.post(from, w.finish());
  }

  private refuse(to: number, req: number, text: string): void {
    this.figures.malformed++;
    this.post(to, new Writer().u8(Msg.REQ_ERR).varint(req).ascii(text).finish());
  }

  // ---- releasing -----------------------------------------------------------------------

  /**
   * End the interval: check read-only ranges, record write notices, and build the diffs of
   * every written non-home page (not yet sent). Synchronous, so the data is what the app
   * left when it called barrier() / unlock().
   */
  private closeInterval(): Release {
    const violations = this.pendingViolations.splice(0);
    const diffs: Outgoing[] = [];
    const max = this.limits.maxMessage;
    for (const st of this.arrays) {
      if (this.limits.checkReads) st.verifyReads(violations);
      const g = st.granule;
      const ps = st.pageSize;
      const gb = st.granuleBase;
      for (let i = 0; i < st.declared.count; i++) {
        const s = st.declared.start(i);
        const e = st.declared.end(i);
        for (let p = Math.floor(s / ps); p * ps < e; p = st.runEnd[p]!) {
          if (!st.isHome(p)) continue;
          this.notice(gb + Math.floor(Math.max(s, p * ps) / g), gb + Math.ceil(Math.min(e, st.runEnd[p]! * ps) / g));
        }
      }
      const writers = new Map<number, { w: Writer; req: number; prev: number }>();
      const flush = (home: number): void => {
        const cur = writers.get(home);
        if (!cur) return;
        diffs.push({ to: home, req: cur.req, bytes: cur.w.finish(), st: null, ranges: null });
        writers.delete(home);
      };
      for (const page of st.dirtyPages()) {
        const home = st.homes[page]!;
        st.pageRuns(page, this.scratch);
        for (let i = 0; i < this.scratch.count; i++) {
          let s = this.scratch.start(i);
          const e = this.scratch.end(i);
          this.notice(gb + Math.floor(s / g), gb + Math.ceil(e / g));
          while (s < e) {
            let cur = writers.get(home);
            if (cur && cur.w.length + 12 >= max) {
              flush(home);
              cur = undefined;
            }
            if (!cur) {
              const req = this.nextReq++;
              cur = { w: new Writer(max).u8(Msg.DIFF).varint(req).varint(st.id), req, prev: 0 };
              writers.set(home, cur);
            }
            const n = Math.min(e - s, max - cur.w.length - 10);
            cur.w.varint(s - cur.prev).varint(n).bytes(st.bytes.subarray(s, s + n));
            this.figures.diffBytes += n;
            cur.prev = s + n;
            s += n;
          }
        }
      }
      for (const home of [...writers.keys()]) flush(home);
      st.endInterval();
    }
    this.figures.diffs += diffs.length;
    return { diffs: interleave(diffs), violations };
  }

  private notice(s: number, e: number): void {
    this.own.add(s, e);
    this.known.add(s, e);
  }

  /** A diff for home pages lent to a checkpoint: kept, unacknowledged, until the lend ends. */
  private holdDiff(from: number, req: number, st: SharedArrayState, message: Uint8Array): void {
    if (!this.heldDiffs.hold(from, req, st, message)) {
      this.refuse(from, req, `rank ${this.rank} already holds maxDeferred=${this.limits.maxDeferred} diffs back while a checkpoint references its pages`);
    }
  }

  /** A lend ended: apply the diffs no lend holds back any more (in arrival order), wake waiting acquisitions. */
  private lendEnded(): void {
    for (const h of this.heldDiffs.takeReady()) this.dispatch(h.from, h.bytes);
    if (this.lendWaiters.length > 0) for (const w of this.lendWaiters.splice(0)) w();
  }

  private applyDiff(from: number, req: number, st: SharedArrayState | undefined, r: Reader): void {
    if (!st) return this.refuse(from, req, `rank ${this.rank} has no such shared array`);
    // Validate the whole message before touching data: a bad diff changes nothing.
    const start = r.offset;
    let prev = 0;
    while (r.remaining > 0) {
      const s = prev + r.varint();
      const n = r.varint();
      if (n === 0 || s + n > st.bytes.length) throw new DecodeError('diff run outside the array');
      if (!st.homesBytes(s, s + n)) {
        return this.refuse(from, req, `rank ${this.rank} is not the home of every page of '${st.name}' bytes ${s}..${s + n - 1}`);
      }
      r.bytes(n);
      prev = s + n;
    }
    r.offset = start;
    prev = 0;
    while (r.remaining > 0) {
      const s = prev + r.varint();
      const n = r.varint();
      st.storeIncoming(s, r.bytes(n), this.pendingViolations);
      prev = s + n;
    }
    this.figures.diffsApplied++;
    this.post(from, new Writer(8).u8(Msg.DIFF_ACK).varint(req).finish());
  }

  /** Mark the granules of these global ranges stale, except on pages this board homes. */
  private invalidate(notices: RangeList): void {
    for (let i = 0; i < notices.count; i++) {
      const s = notices.start(i);
      const e = notices.end(i);
      for (const st of this.arrays) {
        const a = Math.max(s, st.granuleBase) - st.granuleBase;
        const b = Math.min(e, st.granuleBase + st.granules) - st.granuleBase;
        if (a >= b) continue;
        const gpp = st.granulesPerPage;
        for (let p = Math.floor(a / gpp); p * gpp < b; p = st.runEnd[p]!) {
          if (st.isHome(p)) continue;
          const s0 = Math.max(a, p * gpp);
          const e0 = Math.min(b, st.runEnd[p]! * gpp);
          st.stale.fill(s0, e0);
          this.figures.invalidations += e0 - s0;
        }
      }
    }
  }

  // ---- requests with a window and a watchdog ---------------------------------------------

  private sendBatch(list: Outgoing[]): Promise<void> {
    if (list.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const batch: Batch = { remaining: list.length, settled: false, resolve, reject };
      for (const o of list) {
        this.pending.set(o.req, { to: o.to, batch, st: o.st, ranges: o.ranges });
        this.queue.push(o);
      }
      this.pump();
      if (this.watchdogAt < 0) {
        this.lastProgress = this.clock.now();
        this.watchdogAt = this.lastProgress + this.limits.requestTimeoutMs;
        this.watchdog.arm(this.watchdogAt);
      }
    });
  }

  private pump(): void {
    while (this.inflight < this.limits.window && this.queue.length > 0) {
      const o = this.queue.shift()!;
      this.inflight++;
      this.post(o.to, o.bytes);
    }
  }

  /** Take the pending request a reply answers; null (and counted) when it matches none. */
  private settle(from: number, req: number): Pending | null {
    const p = this.pending.get(req);
    if (!p || p.to !== from) return null;
    this.pending.delete(req);
    this.inflight--;
    this.lastProgress = this.clock.now();
    this.pump();
    if (this.pending.size === 0) this.stopWatchdog();
    return p;
  }

  private stopWatchdog(): void {
    this.watchdog.stop();
    this.watchdogAt = -1;
  }

  private complete(p: Pending): void {
    if (p.batch.settled) return;
    if (--p.batch.remaining === 0) {
      p.batch.settled = true;
      p.batch.resolve();
    }
  }

  private onWatchdog(): void {
    if (this.pending.size === 0) return this.stopWatchdog();
    // Compare deadlines, not `now - lastProgress` with the timeout: the Deadline fires within
    // its epsilon of the due time, and only real progress moves the due time on.
    const due = this.lastProgress + this.limits.requestTimeoutMs;
    if (due > this.watchdogAt) {
      this.watchdogAt = due;
      this.watchdog.arm(due);
      return;
    }
    this.watchdogAt = -1;
    const ranks = new Set<number>();
    for (const p of this.pending.values()) ranks.add(p.to);
    const list = [...ranks].sort((a, b) => a - b);
    const err = this.fail(
      new DsmError('TIMEOUT', `dsm: no reply from rank${list.length > 1 ? 's' : ''} ${list.join(', ')} within ${this.limits.requestTimeoutMs} ms`),
    );
    for (const p of this.pending.values()) {
      if (!p.batch.settled) {
        p.batch.settled = true;
        p.batch.reject(err);
      }
    }
    this.pending.clear();
    this.queue.length = 0;
    this.inflight = 0;
  }

  // ---- messages ------------------------------------------------------------------------

  private post(to: number, bytes: Uint8Array): void {
    // A closed DSM's managers may still time out: what they would say has no listener.
    if (this.closed) return;
    if (to === this.rank) {
      this.local.push(bytes);
      if (!this.localScheduled) {
        this.localScheduled = true;
        void Promise.resolve().then(() => this.drainLocal());
      }
      return;
    }
    this.figures.messagesSent++;
    this.figures.bytesSent += bytes.length;
    this.transport.send(to, bytes);
  }

  private drainLocal(): void {
    this.localScheduled = false;
    while (this.local.length > 0 && !this.closed) this.dispatch(this.rank, this.local.shift()!);
  }

  private receive(from: number, bytes: Uint8Array): void {
    if (this.closed) return;
    this.figures.messagesReceived++;
    this.figures.bytesReceived += bytes.length;
    if (!Number.isInteger(from) || from < 0 || from >= this.size || from === this.rank) {
      this.figures.malformed++;
      return;
    }
    this.dispatch(from, bytes);
  }

  private dispatch(from: number, bytes: Uint8Array): void {
    try {
      const r = new Reader(bytes);
      const type = r.u8();
      switch (type) {
        case Msg.FETCH:
          return this.serveFetch(from, r);
        case Msg.FETCH_DATA: {
          const p = this.settle(from, r.varint());
          if (!p || !p.st) throw new DecodeError('fetch reply for no fetch');
          this.onFetchData(p, r);
          return this.complete(p);
        }
        case Msg.DIFF: {
          const req = r.varint();
          const st = this.arrays[r.varint()];
          if (st !== undefined && st.lends > 0) return this.holdDiff(from, req, st, bytes);
          return this.applyDiff(from, req, st, r);
        }
        case Msg.DIFF_HELD: {
          const req = r.varint();
          r.end();
          const p = this.pending.get(req);
          // The home is alive and will apply the diff once its checkpoint lets go. A notice
          // overtaken by the ack finds nothing: ignored.
          if (p && p.to === from && !p.st) this.lastProgress = this.clock.now();
          return;
        }
        case Msg.DIFF_ACK: {
          const p = this.settle(from, r.varint());
          if (!p || p.st) throw new DecodeError('diff ack for no diff');
          r.end();
          return this.complete(p);
        }
        case Msg.REQ_ERR: {
          const p = this.settle(from, r.varint());
          if (!p) throw new DecodeError('error reply for no request');
          const err = this.fail(new DsmError('REMOTE', `dsm: rank ${from} refused a request: ${r.ascii(1024)}`));
          if (!p.batch.settled) {
            p.batch.settled = true;
            p.batch.reject(err);
          }
          return;
        }
        case Msg.BARRIER_ARRIVE: {
          const epoch = r.varint();
          const notices = new RangeList();
          readNotices(r, this.limits.maxNoticeRanges, notices);
          r.end();
          if (!this.barrierMgr || !this.barrierMgr.arrive(from, epoch, notices)) this.figures.malformed++;
          return;
        }
        case Msg.BARRIER_RELEASE: {
          const epoch = r.varint();
          const notices = new RangeList();
          readNotices(r, this.limits.maxNoticeRanges, notices);
          r.end();
          const wait = this.barrierWait;
          if (from !== 0 || !wait || wait.epoch !== epoch) throw new DecodeError('unexpected barrier release');
          this.barrierWait = null;
          this.clock.clearTimer(wait.timer);
          return wait.resolve(notices);
        }
        case Msg.BARRIER_FAIL: {
          const epoch = r.varint();
          const n = r.varint();
          if (n > this.size) throw new DecodeError('bad missing list');
          const missing: number[] = [];
          for (let i = 0; i < n; i++) missing.push(r.varint());
          r.end();
          const wait = this.barrierWait;
          if (from !== 0 || !wait || wait.epoch !== epoch) throw new DecodeError('unexpected barrier failure');
          this.barrierWait = null;
          this.clock.clearTimer(wait.timer);
          return wait.reject(
            this.fail(
              new DsmError(
                'BARRIER_TIMEOUT',
                `dsm.barrier #${epoch} timed out after ${this.limits.barrierTimeoutMs} ms: ${describeMissing(missing)}`,
              ),
            ),
          );
        }
        case Msg.LOCK_REQ: {
          const epoch = r.varint();
          const name = r.ascii(MAX_NAME);
          r.end();
          if (lockManagerOf(name, this.size) !== this.rank || !this.lockMgr.request(from, epoch, name)) this.figures.malformed++;
          return;
        }
        case Msg.LOCK_RELEASE: {
          const epoch = r.varint();
          const name = r.ascii(MAX_NAME);
          const notices = new RangeList();
          readNotices(r, this.limits.maxNoticeRanges, notices);
          r.end();
          if (!this.lockMgr.release(from, epoch, name, notices)) this.figures.malformed++;
          return;
        }
        case Msg.LOCK_GRANT: {
          const name = r.ascii(MAX_NAME);
          const notices = new RangeList();
          readNotices(r, this.limits.maxNoticeRanges, notices);
          r.end();
          const wait = this.lockWait;
          if (!wait || wait.name !== name || from !== lockManagerOf(name, this.size)) {
            throw new DecodeError('unexpected lock grant');
          }
          this.lockWait = null;
          this.clock.clearTimer(wait.timer);
          return wait.resolve(notices);
        }
        case Msg.ALLOC: {
          const seq = r.varint();
          const spec = r.bytes(r.remaining);
          readSpec(new Reader(spec), this.size);
          if (!this.allocMgr || !this.allocMgr.arrive(from, seq, spec)) this.figures.malformed++;
          return;
        }
        case Msg.ALLOC_OK:
        case Msg.ALLOC_ERR: {
          const seq = r.varint();
          const text = type === Msg.ALLOC_ERR ? r.ascii(4096) : null;
          r.end();
          const wait = this.allocWait;
          if (from !== 0 || !wait || wait.seq !== seq) throw new DecodeError('unexpected alloc answer');
          this.allocWait = null;
          this.clock.clearTimer(wait.timer);
          return wait.resolve(text);
        }
        default:
          throw new DecodeError(`unknown message type ${type}`);
      }
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.figures.malformed++;
    }
  }
}

/** Requests reordered round-robin over their destinations, so transfers from several homes overlap. */
function interleave(list: Outgoing[]): Outgoing[] {
  const by = new Map<number, Outgoing[]>();
  for (const o of list) {
    let q = by.get(o.to);
    if (!q) by.set(o.to, (q = []));
    q.push(o);
  }
  if (by.size < 2) return list;
  const out: Outgoing[] = [];
  for (let i = 0; out.length < list.length; i++) for (const q of by.values()) if (i < q.length) out.push(q[i]!);
  return out;
}
