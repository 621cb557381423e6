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
 * This file is the board's side of the protocol: what the DSM holds (arrays, the interval's
 * write notices), its parts, and routing what arrives to its role. The application's calls, run
 * one after another as records, are the `Dsm` class (dsm.ts) on top of it. The roles: serving
 * as a page's home (home.ts), this board as the homes' client (client.ts: fetches and diffs
 * through request-window.ts, built in outgoing.ts), barriers, locks and allocs (sync.ts,
 * managers.ts); every bound is in limits.ts and every message's encoder and decoder in messages.ts.
 */
import type { Clock, Hal } from '../hal.js';
import { Client } from './client.js';
import { DecodeError } from './codec.js';
import { Home, type DsmLend } from './home.js';
import { MAX_BOARDS, messageBytesFor, recvSlotsFor, resolveLimits } from './limits.js';
import { Msg, decodeMessage, type DsmMessage } from './messages.js';
import type { DsmRequest, NoticeSink } from './outgoing.js';
import type { DsmPort, DsmShared, DsmWaits, WaitValue } from './port.js';
import { RangeList } from './range-list.js';
import { ReadChecker, snapshotBudget } from './read-check.js';
import { SharedArrayState } from './shared-array.js';
import { Sync } from './sync.js';
import {
  DsmError,
  DS_BYTES_RECEIVED,
  DS_BYTES_SENT,
  DS_INVALIDATIONS,
  DS_MALFORMED,
  DS_MESSAGES_RECEIVED,
  DS_MESSAGES_SENT,
  DS_READ_ONLY_VIOLATIONS,
  dsmStats,
  newDsmFigures,
  type DsmArray,
  type DsmLimits,
  type DsmOptions,
  type DsmReceiver,
  type DsmFigures,
  type DsmStats,
  type DsmTransport,
} from './types.js';

/** Who hears of each array allocated here (Dsm.onAllocated). */

export interface AllocListener {
  arrayAllocated(st: SharedArrayState): void;
}

export interface Release {
  diffs: DsmRequest[];
  violations: string[];
}

/** The kinds of DSM call (Op.kind). */

/**
 * The DSM's state and message side; `Dsm` (dsm.ts) adds the application's calls. Split by what
 * each holds (the file limit), not a second public type: users and parts see a `Dsm`.
 */
export abstract class DsmBase implements DsmPort, DsmShared, DsmWaits, DsmReceiver, NoticeSink {
  readonly rank: number;
  readonly size: number;
  readonly limits: DsmLimits;
  /** @internal DsmShared: the DSM's figures (DS_*), read by its parts; `stats()` is the app's copy. */
  readonly figures: DsmFigures = newDsmFigures();
  /** @internal DsmShared: the board's clock and byte helpers, read by the parts (one property here, not one in each). */
  readonly clock: Clock & Pick<Hal, 'bytes'>;

  protected readonly arrays: SharedArrayState[] = [];
  /** Read-only checks of every array, and the bytes of snapshots they hold now (its budget). */
  protected readonly checker: ReadChecker;
  protected granuleTotal = 0;
  protected failure: DsmError | null = null;

  protected readonly client: Client;
  protected readonly home: Home;
  protected readonly sync: Sync;

  /** Messages to this board itself, delivered in a later microtask (never re-entrantly). */
  private readonly local: Uint8Array[] = [];
  private localScheduled = false;

  /** Barriers completed. */
  protected epoch = 0;
  /** Granules this board wrote since the last barrier. */
  protected readonly own: RangeList;
  /** `own` plus what lock grants reported since the last barrier (passed on at lock release). */
  /**
   * Made by the first lock (then holding `own` so far): an app without locks needs no second
   * list beside `own` (Laplace; ~6 XS slots, docs/FOOTPRINT.md "Round 14: DSM member slots").
   */
  protected known: RangeList | null = null;
  /** Writes through read-only views noticed while data arrived; reported by the next acquire or release. */
  protected readonly pendingViolations: string[] = [];

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

  /** DsmWaits: the calls' side (dsm.ts) goes on with the running call. */
  abstract waitOver(value: WaitValue): void;
  abstract waitFailed(e: Error): void;

  protected checkFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** @internal DsmPort: a lost peer or broken protocol leaves the DSM unusable: every later call gets this error. */
  fail(e: DsmError): DsmError {
    if (!this.failure) this.failure = e;
    return e;
  }

  protected violation(list: string[]): DsmError {
    this.figures[DS_READ_ONLY_VIOLATIONS]! += list.length;
    return new DsmError('READ_ONLY_WRITE', `dsm: ${list.join('; ')}`);
  }

  protected stateOf(arr: DsmArray, where: string): SharedArrayState {
    const st = arr && typeof arr === 'object' ? this.arrays[arr.id] : undefined;
    if (!st || st !== arr) throw new DsmError('BAD_ARG', `${where}: not a shared array of this DSM`);
    return st;
  }

  protected checkAllocLimits(name: string): void {
    for (const a of this.arrays) {
      if (a.name === name) throw new DsmError('BAD_ARG', `dsm.alloc('${name}'): a shared array named '${name}' already exists`);
    }
    if (this.arrays.length >= this.limits.maxArrays) {
      throw new DsmError('LIMIT', `dsm.alloc('${name}'): more than maxArrays=${this.limits.maxArrays} shared arrays`);
    }
  }

  // ---- releasing -------------------------------------------------------------------------

  /** `known`, made from `own` at the first lock. */
  protected knownList(): RangeList {
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
  protected closeInterval(): Release {
    const violations = this.pendingViolations.splice(0);
    // The Dsm itself hears the notices (`notice`): no closure at every barrier and unlock.
    const diffs = this.client.release(this.arrays, violations, this);
    return { diffs, violations };
  }

  /** @internal NoticeSink: granules [s, e) (global) were written in the interval that ends. */
  notice(s: number, e: number): void {
    this.own.add(s, e);
    this.known?.add(s, e);
  }

  /** Mark the granules of these global ranges stale, except on pages this board homes. */
  protected invalidate(notices: RangeList): void {
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
