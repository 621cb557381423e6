/**
 * This board's side of the collective operations: the one barrier, lock and alloc it may be
 * waiting for (each with its timer), its node of the barrier tree (barrier.ts) and the
 * managers it hosts (the alloc checker on rank 0, the lock manager on every board for the
 * locks whose name hashes to it). Routes the barrier, lock and alloc messages; the data path
 * (fetches, diffs) is not here.
 */
import { AllocChecker, LockManager } from './managers.js';
import type { DsmPort, DsmShared, DsmWaits } from './port.js';
import { BARRIER_ROOT, BarrierNode, describeMissing, type BarrierOutcome, type BarrierOwner } from './barrier.js';
import { Msg, type DsmMessage } from './messages.js';
import type { RangeList } from './range-list.js';
import { assert } from '../util/assert.js';
import { MAX_NAME, NON_MANAGER_WAIT, validName } from './limits.js';
import { DS_MALFORMED, DsmError } from './types.js';

/** The rank that manages lock `name`: FNV-1a of the name modulo the boards. */
export function lockManagerOf(name: string, size: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) % size;
}

/** The alloc manager (and the barrier tree's root). */
export const MANAGER_RANK = BARRIER_ROOT;

/**
 * A wait of the running DSM call: its timer; the Dsm hears how it ends (DsmWaits), so it holds
 * no promise, resolving functions or timer closure (docs/FOOTPRINT.md "Round 16: DSM calls
 * without promises").
 */
interface Waiter {
  timer: number;
}

/** What this board waits for: at most one of each (operations on a board run one after another). */
interface Waits {
  barrier: (Waiter & { epoch: number }) | null;
  lock: (Waiter & { name: string }) | null;
  alloc: (Waiter & { seq: number; where: string }) | null;
}

/** The waits' timers fire into these (a module function and the Sync as its argument: no closure per wait). */
function barrierLate(sync: Sync): void {
  sync.late('barrier');
}
function lockLate(sync: Sync): void {
  sync.late('lock');
}
function allocLate(sync: Sync): void {
  sync.late('alloc');
}

/** Messages Sync routes (everything but the data path). */
export type SyncMessage = Exclude<DsmMessage, { type: typeof Msg.FETCH | typeof Msg.FETCH_DATA | typeof Msg.DIFF | typeof Msg.DIFF_ACK | typeof Msg.DIFF_HELD | typeof Msg.REQ_ERR }>;

/** A board's own locks (Sync.locks). */
interface OwnLocks {
  /** Locks granted to this board. */
  granted: Set<string>;
  /** Locks asked for and not yet unlocked (granted or waiting). */
  claimed: Set<string>;
  /** Every lock name this board used (at most maxLocks). */
  used: Set<string>;
}

export class Sync implements BarrierOwner {
  private readonly waits: Waits = { barrier: null, lock: null, alloc: null };
  /**
   * This board's locks, made by its first `dsm.lock`: an app without locks (Laplace) holds no
   * three empty Sets for its whole run (docs/FOOTPRINT.md "Round 11: Laplace slots").
   */
  private locks: OwnLocks | null = null;
  private allocSeq = 0;

  private readonly barrierNode: BarrierNode;
  /**
   * The alloc checker (rank 0 only) while an alloc round is open: made by the round's first
   * ALLOC and dropped once every round is decided, its last decided round kept in `allocDone`.
   * An app allocates at its start (and Laplace once at its end): a checker held all run long
   * was ~15 XS slots of rank 0's (docs/FOOTPRINT.md "Round 13: Laplace slots").
   */
  private allocMgr: AllocChecker | null = null;
  private allocDone = 0;
  /** The locks this board manages: made by the first lock request it gets (an app without locks never has one). */
  private lockMgrV: LockManager | null = null;

  constructor(private readonly port: DsmPort & DsmShared & DsmWaits) {
    this.barrierNode = new BarrierNode(port, this);
  }

  /** Sequence number of the next collective alloc (the same on every board: allocs are called in the same order). */
  nextAllocSeq(): number {
    return ++this.allocSeq;
  }

  /** Arrive at barrier `epoch` with this board's `notices`; the Dsm hears the other boards' notices (`waitOver`) or the failure. */
  barrier(epoch: number, notices: RangeList): void {
    // The root names the missing boards at barrierTimeoutMs; the timer only fires when it cannot.
    const timer = this.port.rank !== BARRIER_ROOT ? this.port.clock.setTimer(NON_MANAGER_WAIT * this.port.limits.barrierTimeoutMs, barrierLate, this) : -1;
    this.waits.barrier = { epoch, timer };
    this.barrierNode.arrive(epoch, notices);
  }

  /** @internal A wait's timer fired: the running call fails naming whom it waited for. */
  late(kind: keyof Waits): void {
    const l = this.port.limits;
    let e: DsmError;
    if (kind === 'barrier') {
      const w = this.waits.barrier;
      if (w === null) return;
      const ms = NON_MANAGER_WAIT * l.barrierTimeoutMs;
      const parent = this.barrierNode.parent;
      const via = parent === BARRIER_ROOT ? '' : ` (or rank ${parent}, this board's parent in the barrier tree)`;
      e = new DsmError('BARRIER_TIMEOUT', `dsm.barrier #${w.epoch}: no release within ${ms} ms: rank 0 (the barrier manager)${via} is missing or unreachable`);
    } else if (kind === 'lock') {
      const w = this.waits.lock;
      if (w === null) return;
      e = new DsmError('TIMEOUT', `dsm.lock('${w.name}'): no grant from rank ${lockManagerOf(w.name, this.port.size)} (its manager) within ${l.lockTimeoutMs} ms`);
    } else {
      const w = this.waits.alloc;
      if (w === null) return;
      e = new DsmError('TIMEOUT', `${w.where}: no answer from rank 0 within ${NON_MANAGER_WAIT * l.barrierTimeoutMs} ms`);
    }
    this.waits[kind] = null;
    this.port.waitFailed(this.port.fail(e));
  }

  /** `dsm.lock(name)` may ask for the lock: the name is valid, not held or awaited, within maxLocks. Throws naming why not. */
  claim(name: string): void {
    if (!validName(name)) {
      throw new DsmError('BAD_ARG', `dsm.lock: name must be 1..${MAX_NAME} printable ASCII characters (got ${JSON.stringify(String(name))})`);
    }
    const l = (this.locks ??= { granted: new Set(), claimed: new Set(), used: new Set() });
    if (l.claimed.has(name)) {
      throw new DsmError('ALREADY_HELD', `dsm.lock('${name}'): rank ${this.port.rank} already holds or awaits lock '${name}'`);
    }
    if (!l.used.has(name)) {
      if (l.used.size >= this.port.limits.maxLocks) {
        throw new DsmError('LIMIT', `dsm.lock('${name}'): more than maxLocks=${this.port.limits.maxLocks} distinct lock names`);
      }
      l.used.add(name);
    }
    l.claimed.add(name);
  }

  /** The claimed lock was granted. */
  held(name: string): void {
    const l = this.locks;
    assert(l !== null && l.claimed.has(name), 'sync: a lock was granted that was not claimed');
    l.granted.add(name);
  }

  /** Asking for the lock failed: it may be asked for again. */
  unclaim(name: string): void {
    this.locks?.claimed.delete(name);
  }

  /** `dsm.unlock(name)`: the lock is held (else NOT_HELD) and is given up. */
  unheld(name: string): void {
    const l = this.locks;
    if (l === null || !l.granted.has(name)) {
      throw new DsmError('NOT_HELD', `dsm.unlock('${String(name)}'): lock '${String(name)}' is not held by rank ${this.port.rank}`);
    }
    l.granted.delete(name);
    l.claimed.delete(name);
  }

  /** Send LOCK_REQ `message` to the lock's manager; the Dsm hears the notices of the grant (`waitOver`) or the timeout. */
  lock(name: string, message: Uint8Array): void {
    this.waits.lock = { name, timer: this.port.clock.setTimer(this.port.limits.lockTimeoutMs, lockLate, this) };
    this.port.post(lockManagerOf(name, this.port.size), message);
  }

  /** Send ALLOC `message` (sequence `seq`) to rank 0; the Dsm hears null (every board agrees) or the mismatch text (`waitOver`), or the timeout. */
  alloc(seq: number, message: Uint8Array, where: string): void {
    this.waits.alloc = { seq, where, timer: this.port.clock.setTimer(NON_MANAGER_WAIT * this.port.limits.barrierTimeoutMs, allocLate, this) };
    this.port.post(MANAGER_RANK, message);
  }

  /** Stop the timers of what this board waits for (the DSM is closed). */
  close(): void {
    for (const w of [this.waits.barrier, this.waits.lock, this.waits.alloc]) if (w && w.timer >= 0) this.port.clock.clearTimer(w.timer);
    this.barrierNode.close();
  }

  /** An ALLOC at the alloc manager (rank 0; anywhere else it is malformed). */
  private allocArrive(from: number, seq: number, spec: Uint8Array): void {
    if (this.port.rank !== MANAGER_RANK) {
      this.port.figures[DS_MALFORMED]!++;
      return;
    }
    const l = this.port.limits;
    const mgr = (this.allocMgr ??= new AllocChecker(MANAGER_RANK, this.port.size, this.port.clock, l.barrierTimeoutMs, l.maxMessage, this.port, this.allocDone));
    if (!mgr.arrive(from, seq, spec)) this.port.figures[DS_MALFORMED]!++;
    if (mgr.idle) {
      this.allocDone = mgr.last;
      this.allocMgr = null;
    }
  }

  /** Whether rank 0 holds an alloc checker now (tests: only while an alloc round is open). */
  get allocChecking(): boolean {
    return this.allocMgr !== null;
  }

  /** A barrier, lock or alloc message; what makes no sense here is counted as malformed. */
  receive(from: number, m: SyncMessage): void {
    switch (m.type) {
      case Msg.BARRIER_ARRIVE:
        if (!this.barrierNode.childArrived(from, m.epoch, m.notices)) this.port.figures[DS_MALFORMED]!++;
        return;
      case Msg.BARRIER_RELEASE:
        if (!this.barrierNode.released(from, m.epoch, m.notices)) this.port.figures[DS_MALFORMED]!++;
        return;
      case Msg.BARRIER_FAIL:
        if (!this.barrierNode.failed(from, m.epoch, m.missing)) this.port.figures[DS_MALFORMED]!++;
        return;
      case Msg.BARRIER_PRESENT:
        if (!this.barrierNode.reportedPresent(from, m.epoch)) this.port.figures[DS_MALFORMED]!++;
        return;
      case Msg.LOCK_REQ:
        if (lockManagerOf(m.name, this.port.size) !== this.port.rank || !this.lockMgr().request(from, m.epoch, m.name)) this.port.figures[DS_MALFORMED]!++;
        return;
      case Msg.LOCK_RELEASE:
        if (this.lockMgrV === null || !this.lockMgrV.release(from, m.epoch, m.name, m.notices)) this.port.figures[DS_MALFORMED]!++;
        return;
      case Msg.LOCK_GRANT:
        if (this.answered('lock', (w) => w.name === m.name && from === lockManagerOf(m.name, this.port.size))) this.port.waitOver(m.notices);
        return;
      case Msg.ALLOC:
        this.allocArrive(from, m.seq, m.spec);
        return;
      case Msg.ALLOC_OK:
      case Msg.ALLOC_ERR:
        if (this.answered('alloc', (w) => from === MANAGER_RANK && w.seq === m.seq)) this.port.waitOver(m.error);
        return;
    }
  }

  /** The wait of `kind` a message answers (`ok`), taken and its timer stopped; null (counted as malformed) when it answers none. */
  private answered<K extends keyof Waits>(kind: K, ok: (wait: NonNullable<Waits[K]>) => boolean): NonNullable<Waits[K]> | null {
    const wait = this.waits[kind];
    if (!wait || !ok(wait as NonNullable<Waits[K]>)) {
      this.port.figures[DS_MALFORMED]!++;
      return null;
    }
    this.waits[kind] = null as Waits[K];
    if (wait.timer >= 0) this.port.clock.clearTimer(wait.timer);
    return wait as NonNullable<Waits[K]>;
  }

  /** This board's barrier `epoch` ended at its node of the tree. */
  private lockMgr(): LockManager {
    return (this.lockMgrV ??= new LockManager(this.port.size, this.port.limits.maxLocks * this.port.size, this.port.limits.maxNoticeRanges, this.port));
  }

  /** @internal BarrierOwner. */
  barrierEnded(epoch: number, outcome: BarrierOutcome): void {
    // `answered` written out: no closure over `epoch` at every barrier's end (its XS units pay
    // for the timer argument the barrier node's timer now takes: docs/FOOTPRINT.md "Round 18").
    const w = this.waits.barrier;
    if (w === null || w.epoch !== epoch) {
      this.port.figures[DS_MALFORMED]!++;
      return;
    }
    this.waits.barrier = null;
    if (w.timer >= 0) this.port.clock.clearTimer(w.timer);
    if (outcome.ok) this.port.waitOver(outcome.notices);
    else this.port.waitFailed(this.port.fail(new DsmError('BARRIER_TIMEOUT', `dsm.barrier #${epoch} timed out after ${this.port.limits.barrierTimeoutMs} ms: ${describeMissing(outcome.missing)}`)));
  }
}
