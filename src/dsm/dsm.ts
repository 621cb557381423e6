/**
 * The DSM protocol core: home-based release consistency with multiple writers, in the manner
 * of SCASH, as a sans-I/O state machine. Inputs: application calls, messages (`receive`, the transport's receiver),
 * timers from the Clock. Outputs: `transport.send` and settled promises. It never blocks and
 * owns no I/O, so the same core runs on XS, V8 and in a test driving any interleaving.
 *
 * The protocol in one paragraph (docs/DSM.md has the details): every page has a home board
 * whose copy is the master. A board declares what it touches with `acquire`; stale granules
 * in a read range are fetched from their homes (only those bytes). Writes to pages homed
 * elsewhere are found at release by comparing with a twin (or, for write-only ranges, taken
 * whole) and sent to the home as diffs of byte runs; once the homes acknowledge, the release
 * goes on: barrier arrival (up a tree of the boards; the release brings every other board's
 * write notices) or lock release (the lock's manager hands the notices to the next holder). Write notices are
 * granule ranges in one space spanning all arrays; receivers mark those granules stale,
 * except on pages they home.
 *
 * This file is the application side and the glue: the calls, the interval's write notices,
 * and routing what arrives to its role. The roles: serving as a page's home (home.ts), this
 * board as the homes' client (client.ts: fetches and diffs through request-window.ts, built
 * in outgoing.ts), barriers, locks and allocs (sync.ts, managers.ts); every bound is in
 * limits.ts and every message's encoder and decoder in messages.ts.
 */
import type { Clock, Hal } from '../hal.js';
import { assert } from '../util/assert.js';
import { checkAlloc, type AllocSpec } from './alloc-spec.js';
import { Client } from './client.js';
import { DecodeError } from './codec.js';
import { Home, type DsmLend } from './home.js';
import { MAX_BOARDS, messageBytesFor, recvSlotsFor, resolveLimits } from './limits.js';
import { Msg, decodeMessage, encodeAlloc, encodeLockRelease, encodeLockReq, type DsmMessage } from './messages.js';
import type { DsmRequest } from './outgoing.js';
import type { DsmPort, DsmShared, DsmWaits, WaitValue } from './port.js';
import { RangeList } from './range-list.js';
import { ReadChecker, snapshotBudget } from './read-check.js';
import { SharedArrayState } from './shared-array.js';
import { Sync, lockManagerOf } from './sync.js';
import {
  DsmError,
  DS_BARRIERS,
  DS_BYTES_RECEIVED,
  DS_BYTES_SENT,
  DS_INVALIDATIONS,
  DS_LEND_WAITS,
  DS_LOCK_ACQUIRES,
  DS_MALFORMED,
  DS_MESSAGES_RECEIVED,
  DS_MESSAGES_SENT,
  DS_NOTICES_SENT,
  DS_READ_ONLY_VIOLATIONS,
  dsmStats,
  newDsmFigures,
  type DsmAllocOptions,
  type DsmArray,
  type DsmElementType,
  type DsmLimits,
  type DsmMode,
  type DsmOptions,
  type DsmReceiver,
  type DsmFigures,
  type DsmStats,
  type DsmTransport,
  type DsmViewOf,
} from './types.js';

/** Who hears of each array allocated here (Dsm.onAllocated). */
export interface AllocListener {
  arrayAllocated(st: SharedArrayState): void;
}

interface Release {
  diffs: DsmRequest[];
  violations: string[];
}

/** The kinds of DSM call (Op.kind). */
const OP_ALLOC = 0;
const OP_ACQUIRE = 1;
const OP_BARRIER = 2;
const OP_LOCK = 3;
const OP_UNLOCK = 4;

/**
 * A DSM call while it is queued or runs: one record per call, and the app's promise (made by
 * `call`) the only promise. The record is the call's whole state between its steps; the part
 * it waits for (request window, barrier, lock or alloc wait, push batches, a lend) tells the
 * Dsm when that is over (DsmWaits), and the Dsm runs the call's next step. An async function
 * suspended at an `await` held ~68 XS slots, and each promise on the way with its resolving
 * functions ~17-25 more (docs/FOOTPRINT.md "Round 16: DSM calls without promises").
 */
interface OpBase {
  /** The next call in the queue. */
  next: Op | null;
  /** Where the call goes on when its wait is over (its step function's own numbering). */
  step: number;
  /** What the call's last wait ended with (DsmWaits.waitOver). */
  value: WaitValue;
  /** The call's wait failed (DsmWaits.waitFailed): it rejects with this. */
  failure: Error | null;
  /** The app's promise's resolving functions; null for unlock's background work. */
  resolve: ((value: never) => void) | null;
  reject: ((e: unknown) => void) | null;
}

interface AllocOp extends OpBase {
  kind: typeof OP_ALLOC;
  /** What the ALLOC says (null once it is sent). */
  spec: AllocSpec | null;
  homes: Uint8Array;
  /** The array, allocated here before the ALLOC is sent. */
  st: SharedArrayState | null;
}

interface AcquireOp extends OpBase {
  kind: typeof OP_ACQUIRE;
  st: SharedArrayState;
  start: number;
  end: number;
  mode: DsmMode;
}

interface BarrierOp extends OpBase {
  kind: typeof OP_BARRIER;
  /** The release's diffs until they are handed to the request window. */
  diffs: DsmRequest[] | null;
  violations: string[];
}

interface LockOp extends OpBase {
  kind: typeof OP_LOCK;
  name: string;
}

interface UnlockOp extends OpBase {
  kind: typeof OP_UNLOCK;
  name: string;
  diffs: DsmRequest[] | null;
  /** The barrier epoch of the release. */
  epoch: number;
}

type Op = AllocOp | AcquireOp | BarrierOp | LockOp | UnlockOp;

/** The promise job a failed wait queues (a module function and the Dsm as its argument: no closure per wait). */
function failRunning(dsm: Dsm): void {
  dsm.failRunning();
}

/** A call's argument check failed: a rejected promise. Anything else thrown is a bug and is not turned into one. */
function rejectDsmError(e: unknown): Promise<never> {
  if (!(e instanceof DsmError)) throw e;
  return Promise.reject(e);
}

export class Dsm implements DsmPort, DsmShared, DsmWaits, DsmReceiver {
  readonly rank: number;
  readonly size: number;
  readonly limits: DsmLimits;
  /** @internal DsmShared: the DSM's figures (DS_*), read by its parts; `stats()` is the app's copy. */
  readonly figures: DsmFigures = newDsmFigures();
  /** @internal DsmShared: the board's clock and byte helpers, read by the parts (one property here, not one in each). */
  readonly clock: Clock & Pick<Hal, 'bytes'>;

  private readonly arrays: SharedArrayState[] = [];
  /** Read-only checks of every array, and the bytes of snapshots they hold now (its budget). */
  private readonly checker: ReadChecker;
  private granuleTotal = 0;
  /** Application calls run one after another in call order: the one running (it may wait), then the queue from `head` to `tail`. */
  private running: Op | null = null;
  private head: Op | null = null;
  private tail: Op | null = null;
  /** `pump` is starting calls (a call that ends inside it leaves the next to its loop). */
  private pumping = false;
  private failure: DsmError | null = null;

  private readonly client: Client;
  private readonly home: Home;
  private readonly sync: Sync;

  /** Messages to this board itself, delivered in a later microtask (never re-entrantly). */
  private readonly local: Uint8Array[] = [];
  private localScheduled = false;

  /** Barriers completed. */
  private epoch = 0;
  /** Granules this board wrote since the last barrier. */
  private readonly own: RangeList;
  /** `own` plus what lock grants reported since the last barrier (passed on at lock release). */
  /**
   * Made by the first lock (then holding `own` so far): an app without locks needs no second
   * list beside `own` (Laplace; ~6 XS slots, docs/FOOTPRINT.md "Round 14: DSM member slots").
   */
  private known: RangeList | null = null;
  /** Writes through read-only views noticed while data arrived; reported by the next acquire or release. */
  private readonly pendingViolations: string[] = [];

  /** The run that used this DSM is over (close). */
  private closed = false;

  /** Receives a transport should keep posted for a DSM with `options`: its window of replies plus control traffic. */
  static recvSlotsFor(options: DsmOptions): number {
    return recvSlotsFor(options);
  }

  /** The largest message a DSM with `options` sends: what a transport's receive buffers must hold (limits.ts). */
  static messageBytesFor(options: DsmOptions): number {
    return messageBytesFor(options);
  }

  /**
   * `clock`: the board's Hal fits; its native byte helpers (`bytes`), if any, hash read checks,
   * and its `memory()`, if given, keeps read-check snapshots within the board's memory budget.
   */
  constructor(
    private readonly transport: DsmTransport,
    clock: Clock & Pick<Hal, 'bytes'> & Partial<Pick<Hal, 'memory'>>,
    options: DsmOptions = {},
  ) {
    const { rank, size } = transport;
    if (!Number.isInteger(size) || size < 1 || size > MAX_BOARDS) {
      throw new DsmError('BAD_ARG', `dsm: transport.size must be an integer in 1..${MAX_BOARDS} (got ${String(size)})`);
    }
    if (!Number.isInteger(rank) || rank < 0 || rank >= size) {
      throw new DsmError('BAD_ARG', `dsm: transport.rank must be an integer in 0..${size - 1} (got ${String(rank)})`);
    }
    this.rank = rank;
    this.size = size;
    const limits = (this.limits = resolveLimits(options, transport));
    this.checker = new ReadChecker(snapshotBudget(limits.maxReadSnapshot, clock.bytes?.crc32, clock.memory === undefined ? undefined : (clock as Pick<Hal, 'memory'>)));
    this.own = new RangeList(limits.maxNoticeRanges);
    // The parts reach back through the Dsm itself (DsmPort), not through closures.
    this.clock = clock;
    this.sync = new Sync(this);
    this.home = new Home(this.arrays, this, this.pendingViolations);
    this.client = new Client(this, this.pendingViolations, this.arrays);
    transport.receiver = this;
  }

  /** A copy of the DSM's figures. */
  stats(): DsmStats {
    return dsmStats(this.figures);
  }

  /** Barriers completed so far. */
  get barriers(): number {
    return this.epoch;
  }

  /**
   * Told of each array as it is created locally, before any board can fetch from it: an object
   * with a method (the checkpoint content), not a closure kept for the run.
   */
  onAllocated: AllocListener | null = null;

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
    const l = this.lendPages(arrays);
    return () => l.end();
  }

  /** `lend` as an object (its `end` ends it): what a checkpoint content keeps per capture, three fields instead of a closure. */
  lendPages(arrays: readonly DsmArray[]): DsmLend {
    return this.home.lend(arrays.map((a) => this.stateOf(a, 'dsm.lend')));
  }

  /**
   * The run that used this DSM is over (a rollback superseded it): drop what is held back,
   * stop its timers and refuse further calls (FAILED). Nothing is sent any more.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fail(new DsmError('FAILED', `dsm: closed (rank ${this.rank}'s run ended)`));
    this.home.close();
    this.client.close();
    this.sync.close();
    this.local.length = 0;
  }

  /**
   * Push subscriptions of a push array (docs/DSM.md, "Pushing halos to known readers"), as
   * [start, end) granule pairs of the array: `readers`, the boards this board pushes its home
   * granules to; `homes`, the boards that push to this one. Both sides of a pair agree at
   * every barrier. Empty for an array allocated without `push`.
   */
  pushSubscriptions(arr: DsmArray): { readers: Map<number, number[]>; homes: Map<number, number[]> } {
    const st = this.stateOf(arr, 'dsm.pushSubscriptions');
    const pairs = (m: Map<number, RangeList>): Map<number, number[]> => {
      const out = new Map<number, number[]>();
      for (const [r, l] of m) {
        const p: number[] = [];
        for (let i = 0; i < l.count; i++) p.push(l.start(i), l.end(i));
        out.set(r, p);
      }
      return out;
    };
    return { readers: pairs(this.home.push.subscribers(st.id)), homes: pairs(this.client.push.subscriptions(st)) };
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
      ({ spec, homes } = checkAlloc(where, name, type, length, options, this.limits, this.size));
      this.checkAllocLimits(name);
    } catch (e) {
      return rejectDsmError(e);
    }
    return this.call({ kind: OP_ALLOC, next: null, step: 0, value: undefined, failure: null, resolve: null, reject: null, spec, homes, st: null });
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
      return rejectDsmError(e);
    }
    return this.call({ kind: OP_ACQUIRE, next: null, step: 0, value: undefined, failure: null, resolve: null, reject: null, st, start, end, mode });
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
      return rejectDsmError(e);
    }
    return this.call({ kind: OP_BARRIER, next: null, step: 0, value: undefined, failure: null, resolve: null, reject: null, diffs: rel.diffs, violations: rel.violations });
  }

  /** Acquire the named lock; writes released under it by earlier holders become visible. */
  lock(name: string): Promise<void> {
    try {
      this.checkFailed();
      this.sync.claim(name);
    } catch (e) {
      return rejectDsmError(e);
    }
    return this.call({ kind: OP_LOCK, next: null, step: 0, value: undefined, failure: null, resolve: null, reject: null, name });
  }

  /**
   * Release the named lock: this board's writes go to their homes, then the lock (with the
   * write notices) goes back to its manager. Returns at once; a failure of that background
   * work makes the next DSM call reject. Throws NOT_HELD for a lock this board does not hold.
   */
  unlock(name: string): void {
    this.checkFailed();
    this.sync.unheld(name);
    const rel = this.closeInterval();
    // Background work: no promise (a failure is recorded by `fail` and reported by the next call).
    this.queue({ kind: OP_UNLOCK, next: null, step: 0, value: undefined, failure: null, resolve: null, reject: null, name, diffs: rel.diffs, epoch: this.epoch });
    if (rel.violations.length > 0) throw this.violation(rel.violations);
  }

  // ---- the calls, one after another --------------------------------------------------------

  /** Queue `op` with a promise of its result: the one promise of the call, the app's. */
  private call<R>(op: Op): Promise<R> {
    // The executor is gone once it ran; the call's record keeps the resolving functions.
    const p = new Promise<R>((resolve, reject) => {
      op.resolve = resolve;
      op.reject = reject;
    });
    this.queue(op);
    return p;
  }

  /** Calls run one after another in call order: `op` starts now when none runs, else after those before it. */
  private queue(op: Op): void {
    if (this.tail === null) this.head = op;
    else this.tail.next = op;
    this.tail = op;
    if (this.running === null) this.pump();
  }

  /**
   * Start queued calls while none runs (a call that waits stays `running` until it ends). Not
   * re-entered: a call that ends inside another's step (a one-board barrier) leaves the next to
   * this loop, so the stack does not grow with the queue.
   */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    while (this.running === null) {
      const op = this.head;
      if (op === null) break;
      this.head = op.next;
      if (this.head === null) this.tail = null;
      op.next = null;
      this.running = op;
      if (this.failure) this.end(op, false, this.failure);
      else this.advance(op);
    }
    this.pumping = false;
  }

  /**
   * @internal DsmWaits: what the running call waits for is over: it goes on at once, inside
   * the part that tells (each part tells last, its own state settled), with no promise job in
   * between; then the next queued calls start.
   */
  waitOver(value: WaitValue): void {
    // A part tells only while the call that started its wait runs (one call runs at a time).
    const op = this.running!;
    op.value = value;
    // `advance` inlined: this is on the way of every reply a call waits for (a fetch's page).
    try {
      switch (op.kind) {
        case OP_ACQUIRE:
          this.stepAcquire(op);
          break;
        case OP_BARRIER:
          this.stepBarrier(op);
          break;
        case OP_ALLOC:
          this.stepAlloc(op);
          break;
        case OP_LOCK:
          this.stepLock(op);
          break;
        case OP_UNLOCK:
          this.stepUnlock(op);
          break;
      }
    } catch (e) {
      this.end(op, false, e);
    }
    if (this.head !== null) this.pump();
  }

  /**
   * @internal DsmWaits: what the running call waits for failed; the call rejects with `e` in a
   * promise job (a failure may be told while a part walks its requests: the request window's
   * watchdog). Rare: the job costs nothing on a call's way.
   */
  waitFailed(e: Error): void {
    const op = this.running;
    assert(op !== null, 'dsm: a wait failed with no call running');
    op.failure = e;
    void Promise.resolve(this).then(failRunning);
  }

  /** @internal The job waitFailed queued: the running call rejects, the next calls start. */
  failRunning(): void {
    const op = this.running;
    assert(op !== null && op.failure !== null, 'dsm: no failed call');
    this.end(op, false, op.failure);
    this.pump();
  }

  /** Run `op` from its step until it waits (DsmWaits tells when that is over) or ends. */
  private advance(op: Op): void {
    try {
      switch (op.kind) {
        case OP_ALLOC:
          return this.stepAlloc(op);
        case OP_ACQUIRE:
          return this.stepAcquire(op);
        case OP_BARRIER:
          return this.stepBarrier(op);
        case OP_LOCK:
          return this.stepLock(op);
        case OP_UNLOCK:
          return this.stepUnlock(op);
      }
    } catch (e) {
      this.end(op, false, e);
    }
  }

  /** The running call ended: settle its promise (`ok`: with `v`, else rejected with `v`); the next may start. */
  private end(op: Op, ok: boolean, v: unknown): void {
    this.running = null;
    if (ok) {
      op.resolve?.(v as never);
      return;
    }
    if (op.kind === OP_LOCK) this.sync.unclaim(op.name);
    if (op.reject !== null) op.reject(v);
    // Unlock's background work: a DsmError is recorded (`fail`) for the next call; anything else is a bug, not swallowed.
    else if (!(v instanceof DsmError)) void Promise.reject(v);
  }

  private stepAlloc(op: AllocOp): void {
    if (op.step === 0) {
      const spec = op.spec!;
      const name = spec.name;
      this.checkAllocLimits(name);
      const st = new SharedArrayState(
        this.arrays.length,
        name,
        spec.type,
        spec.length,
        this.limits.pageSize,
        this.limits.granule,
        this.granuleTotal,
        op.homes,
        this.rank,
        this.limits.maxRangesPerInterval,
        this.checker,
        spec.push,
      );
      // Allocated before asking, so a home can serve a fetch from a board that heard OK first.
      this.arrays.push(st);
      this.granuleTotal += st.granules;
      // A checkpoint's home pages go in before anyone can fetch them (src/runtime/dsm-content.ts).
      this.onAllocated?.arrayAllocated(st);
      const seq = this.sync.nextAllocSeq();
      const message = encodeAlloc(seq, spec);
      if (message.length > this.limits.maxMessage) {
        this.arrays.pop();
        this.granuleTotal -= st.granules;
        throw new DsmError('BAD_ARG', `dsm.alloc('${name}'): home.ranges do not fit one message of maxMessage=${this.limits.maxMessage} bytes`);
      }
      op.st = st;
      op.spec = null;
      op.step = 1;
      this.sync.alloc(seq, message, `dsm.alloc('${name}')`);
      return;
    }
    const st = op.st!;
    if (typeof op.value === 'string') {
      this.arrays.pop();
      this.granuleTotal -= st.granules;
      throw new DsmError('ALLOC_MISMATCH', op.value);
    }
    this.end(op, true, st);
  }

  private stepAcquire(op: AcquireOp): void {
    const st = op.st;
    const b0 = op.start * st.bytesPerElement;
    const b1 = op.end * st.bytesPerElement;
    let step = op.step;
    // A wait's step is set before the wait starts: its end may be told at once (waitOver).
    if (step === 0) {
      if (op.mode !== 'r' && st.lends > 0 && st.homesAny(b0, b1)) {
        // A checkpoint references these home pages: they are written only once it lets go.
        this.figures[DS_LEND_WAITS]!++;
        op.step = 1;
        return this.home.waitLendEnd();
      }
      step = 2;
    } else if (step === 1) {
      // A lend ended: wait on while one still holds these pages.
      if (st.lends > 0 && st.homesAny(b0, b1)) return this.home.waitLendEnd();
      this.checkFailed();
      step = 2;
    }
    if (step === 2) {
      // The local window takes in the range first: fetched bytes land there, the view is of it.
      st.cover(b0, b1);
      if (op.mode === 'w' || b1 <= b0) step = 4;
      else {
        step = op.step = 3;
        if (this.client.awaitPushes(st, b0, b1)) return;
      }
    }
    if (step === 3) {
      op.step = 4;
      if (this.client.fetchStale(st, b0, b1)) return;
    }
    const violations = this.pendingViolations.splice(0);
    if (op.mode === 'r') {
      if (this.limits.checkReads && b1 > b0) st.watchRead(b0, b1, violations);
    } else if (b1 > b0) {
      st.declareWrite(b0, b1, op.mode, violations);
    }
    if (violations.length > 0) throw this.violation(violations);
    this.running = null;
    op.resolve!(st.view(op.start, op.end) as never);
  }

  private stepBarrier(op: BarrierOp): void {
    if (op.step === 0) {
      op.step = 1;
      const diffs = op.diffs!;
      // Sent: the window holds what it still needs, the call not the bytes.
      op.diffs = null;
      if (this.client.send(diffs)) return;
    }
    const epoch = this.epoch + 1;
    if (op.step === 1) {
      this.figures[DS_NOTICES_SENT]! += this.own.count;
      op.step = 2;
      return this.sync.barrier(epoch, this.own);
    }
    const notices = op.value as RangeList;
    // Before the application runs again: the pushed bytes are this home's as of its release.
    this.home.push.release(epoch, this.own, notices);
    this.epoch = epoch;
    this.own.clear();
    this.known?.clear();
    this.invalidate(notices);
    // After the invalidation: pushes of this barrier are stored into exactly its stale granules.
    this.client.push.barrierTaken(epoch);
    this.figures[DS_BARRIERS]!++;
    if (op.violations.length > 0) throw this.violation(op.violations);
    this.running = null;
    op.resolve!(undefined as never);
  }

  private stepLock(op: LockOp): void {
    if (op.step === 0) {
      op.step = 1;
      return this.sync.lock(op.name, encodeLockReq(this.epoch, op.name));
    }
    const notices = op.value as RangeList;
    this.knownList().addAll(notices);
    this.invalidate(notices);
    if (notices.count > 0) this.client.push.grantTaken();
    this.sync.held(op.name);
    this.figures[DS_LOCK_ACQUIRES]!++;
    this.end(op, true, undefined);
  }

  private stepUnlock(op: UnlockOp): void {
    if (op.step === 0) {
      op.step = 1;
      const diffs = op.diffs!;
      op.diffs = null;
      if (this.client.send(diffs)) return;
    }
    const known = this.knownList();
    const message = encodeLockRelease(op.epoch, op.name, known);
    assert(message.length <= this.limits.maxMessage, 'dsm: a lock release outgrew maxMessage');
    this.figures[DS_NOTICES_SENT]! += known.count;
    this.post(lockManagerOf(op.name, this.size), message);
    this.end(op, true, undefined);
  }

  private checkFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** @internal DsmPort: a lost peer or broken protocol leaves the DSM unusable: every later call gets this error. */
  fail(e: DsmError): DsmError {
    if (!this.failure) this.failure = e;
    return e;
  }

  private violation(list: string[]): DsmError {
    this.figures[DS_READ_ONLY_VIOLATIONS]! += list.length;
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

  // ---- releasing -------------------------------------------------------------------------

  /** `known`, made from `own` at the first lock. */
  private knownList(): RangeList {
    let k = this.known;
    if (k === null) {
      k = this.known = new RangeList(this.limits.maxNoticeRanges);
      k.addAll(this.own);
    }
    return k;
  }

  /**
   * End the interval: check read-only ranges, record write notices, and build the diffs of
   * every written non-home page (not yet sent). Synchronous, so the data is what the app
   * left when it called barrier() / unlock().
   */
  private closeInterval(): Release {
    const violations = this.pendingViolations.splice(0);
    const diffs = this.client.release(this.arrays, violations, (s, e) => {
      this.own.add(s, e);
      this.known?.add(s, e);
    });
    return { diffs, violations };
  }

  /** Mark the granules of these global ranges stale, except on pages this board homes. */
  private invalidate(notices: RangeList): void {
    for (let i = 0; i < notices.count; i++) {
      for (const st of this.arrays) this.figures[DS_INVALIDATIONS]! += st.invalidate(notices.start(i), notices.end(i));
    }
  }

  // ---- messages ------------------------------------------------------------------------

  /** @internal DsmPort: the parts' way out. */
  post(to: number, bytes: Uint8Array): void {
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
    this.figures[DS_MESSAGES_SENT]!++;
    this.figures[DS_BYTES_SENT]! += bytes.length;
    this.transport.send(to, bytes);
  }

  private drainLocal(): void {
    this.localScheduled = false;
    while (this.local.length > 0 && !this.closed) this.dispatch(this.rank, this.local.shift()!);
  }

  /** @internal DsmReceiver: a message from rank `from` (the transport calls it). */
  receive(from: number, bytes: Uint8Array): void {
    if (this.closed) return;
    this.figures[DS_MESSAGES_RECEIVED]!++;
    this.figures[DS_BYTES_RECEIVED]! += bytes.length;
    if (!Number.isInteger(from) || from < 0 || from >= this.size || from === this.rank) return this.malformed();
    this.dispatch(from, bytes);
  }

  private malformed(): void {
    this.figures[DS_MALFORMED]!++;
  }

  /** Decode a message (a malformed one is counted and dropped) and hand it to its role. */
  private dispatch(from: number, bytes: Uint8Array): void {
    let m: DsmMessage;
    try {
      m = decodeMessage(bytes, this.limits.maxNoticeRanges, this.size);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return this.malformed();
    }
    switch (m.type) {
      case Msg.FETCH:
        return this.home.serveFetch(from, m);
      case Msg.DIFF:
        return this.home.receiveDiff(from, m);
      case Msg.LEAVE:
        return this.home.leave(from, m);
      case Msg.PUSH:
        return this.client.receivePush(from, m);
      case Msg.FETCH_DATA:
      case Msg.DIFF_ACK:
      case Msg.DIFF_HELD:
      case Msg.REQ_ERR:
        return this.client.receive(from, m);
      default:
        return this.sync.receive(from, m);
    }
  }
}
