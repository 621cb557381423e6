/**
 * The DSM as the application sees it: `alloc`, `acquire`, `barrier`, `lock`, `unlock`. Each call
 * is a record (call-ops.ts) run one after another in call order; a call that waits resumes in
 * its step function when the part it waits on tells (`waitOver`), inside that part's turn. The
 * app's promise is the only promise of a call. The protocol's state and messages: dsm-base.ts.
 */
import { assert } from '../util/assert.js';
import { checkAlloc, type AllocSpec } from './alloc-spec.js';
import { OP_ACQUIRE, OP_ALLOC, OP_BARRIER, OP_LOCK, OP_UNLOCK, type AcquireOp, type AllocOp, type BarrierOp, type LockOp, type Op, type UnlockOp } from './call-ops.js';
import { DsmBase, type Release } from './dsm-base.js';
import { encodeAlloc, encodeLockRelease, encodeLockReq } from './messages.js';
import type { DsmWaits, WaitValue } from './port.js';
import type { RangeList } from './range-list.js';
import { SharedArrayState } from './shared-array.js';
import { lockManagerOf } from './sync.js';
import {
  DsmError,
  DS_BARRIERS,
  DS_LEND_WAITS,
  DS_LOCK_ACQUIRES,
  DS_NOTICES_SENT,
  type DsmAllocOptions,
  type DsmArray,
  type DsmElementType,
  type DsmMode,
  type DsmViewOf,
} from './types.js';

export { DsmBase, type AllocListener } from './dsm-base.js';

/** Who hears of each array allocated here (Dsm.onAllocated). */


/** The promise job a failed wait queues (a module function and the Dsm as its argument: no closure per wait). */
function failRunning(dsm: Dsm): void {
  dsm.failRunning();
}

/** `dsm.acquire('name', start, end, mode)`, for an acquisition's error texts. */
function acquireText(st: SharedArrayState, start: unknown, end: unknown, mode: unknown): string {
  return `dsm.acquire('${st.name}', ${String(start)}, ${String(end)}, ${String(mode)})`;
}

/** A call's argument check failed: a rejected promise. Anything else thrown is a bug and is not turned into one. */
function rejectDsmError(e: unknown): Promise<never> {
  if (!(e instanceof DsmError)) throw e;
  return Promise.reject(e);
}


export class Dsm extends DsmBase implements DsmWaits {
  /** Application calls run one after another in call order: the one running (it may wait), then the queue from `head` to `tail`. */
  private running: Op | null = null;
  private head: Op | null = null;
  private tail: Op | null = null;
  /** `pump` is starting calls (a call that ends inside it leaves the next to its loop). */
  private pumping = false;

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
    let homes: number[];
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
      // The call's text is built only for an error: on the way of every acquisition (a page
      // fetch's request step) the template cost ~0.2k XS units (docs/PERFORMANCE.md "Round 17b").
      if (mode !== 'r' && mode !== 'w' && mode !== 'rw') {
        throw new DsmError('BAD_ARG', `${acquireText(st, start, end, mode)}: mode must be 'r', 'w' or 'rw'`);
      }
      if (!Number.isInteger(start) || !Number.isInteger(end)) {
        throw new DsmError('BAD_ARG', `${acquireText(st, start, end, mode)}: start and end must be integers`);
      }
      if (start < 0 || end > st.length || start > end) {
        throw new DsmError('OUT_OF_RANGE', `${acquireText(st, start, end, mode)}: range outside '${st.name}' (elements 0..${st.length}, need 0 <= start <= end <= ${st.length})`);
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
    if (this.running === null && this.head === null && !this.pumping) {
      // Nothing runs or waits (an acquisition after a barrier, a page fetch's request step):
      // `pump`'s loop for this one call, without the queue.
      this.pumping = true;
      this.running = op;
      if (this.failure) this.end(op, false, this.failure);
      else this.advance(op);
      this.pumping = false;
      if (this.running === null && this.head !== null) this.pump();
      return;
    }
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
    // What was noticed while data arrived and what this acquisition notices, reported together;
    // the list itself, not a copy made by every acquisition (on the way of a fetched page).
    const violations = this.pendingViolations;
    if (op.mode === 'r') {
      if (this.limits.checkReads && b1 > b0) st.watchRead(b0, b1, violations);
    } else if (b1 > b0) {
      st.declareWrite(b0, b1, op.mode, violations);
    }
    if (violations.length > 0) throw this.violation(violations.splice(0));
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

}
