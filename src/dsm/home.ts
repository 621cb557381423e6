/**
 * Serving as the home of pages: answering fetches from the master copy, applying the diffs
 * other boards send at release, and lending home pages to a checkpoint (diffs for lent pages
 * are held, unapplied and unacknowledged, until the lend ends: held-diffs.ts).
 */
import type { DsmPost, DsmShared, DsmWaits } from './port.js';
import { assert } from '../util/assert.js';
import { bufferConcat, sliceBuffer, type ConcatBuffers, type NativeCopy } from './bytes.js';
import { varintSize } from './codec.js';
import { HeldDiffs, type HeldOwner } from './held-diffs.js';
import { HELD_KEEPALIVES_PER_TIMEOUT } from './limits.js';
import { Msg, beginFetchData, concatFetchData, encodeReq, encodeReqErr, type DiffMsg, type FetchMsg, type LeaveMsg } from './messages.js';
import { PushHome } from './push.js';
import type { SharedArrayState } from './shared-array.js';
import { DS_DIFFS_APPLIED, DS_FETCHES_SERVED, DS_LENDS, DS_MALFORMED } from './types.js';

/** A lend of home pages to a checkpoint (Dsm.lendPages): `end` lets them change again; once, later calls do nothing. */
export interface DsmLend {
  end(): void;
}

/** The lend of nothing (no arrays, or a closed DSM): module-level and frozen. */
const NO_LEND: DsmLend = Object.freeze({ end(): void {} });

/**
 * One open lend: an object of three fields, not a closure and its environment per checkpoint
 * capture (docs/FOOTPRINT.md "Round 13: Laplace slots").
 */
class HomeLend implements DsmLend {
  private open = true;

  constructor(
    private readonly home: Home,
    private readonly states: readonly SharedArrayState[],
  ) {}

  end(): void {
    if (!this.open) return;
    this.open = false;
    this.home.endLend(this.states);
  }
}

export class Home implements HeldOwner {
  /**
   * DIFFs for lent home pages, applied when the lend ends: made by the first diff held. A
   * board whose pages only it writes (Laplace) never holds one, and the list and its figures
   * were ~11 XS slots of every DSM (docs/FOOTPRINT.md "Round 14: DSM member slots").
   */
  private heldDiffs: HeldDiffs | null = null;
  /** The running call (a writable acquisition) waits for a lend of its home pages to end (the Dsm hears, `waitOver`). */
  private lendWait = false;
  private closed = false;
  /** The engine's one-call buffer join (XS), which builds FETCH_DATA without a JS copy of the pages. */
  private readonly concat: ConcatBuffers | undefined = bufferConcat();
  /** The board's native copy (Hal.bytes), which applies a diff's long runs. */
  private readonly copy: NativeCopy | undefined;
  /** Who fetched which granules of push arrays, and what they get at a barrier. */
  readonly push: PushHome;

  constructor(
    /** The DSM's arrays in allocation order (shared, not copied: allocs append to it). */
    private readonly arrays: readonly SharedArrayState[],
    private readonly port: DsmPost & DsmShared & DsmWaits,
    /** Writes through read-only views noticed while data arrived (reported by the next acquire or release). */
    private readonly violations: string[],
  ) {
    this.push = new PushHome(arrays, port);
    this.copy = port.clock.bytes?.copy;
  }

  /** @internal HeldOwner: tell `to` that its diff `req` is held. */
  heldNotice(to: number, req: number): void {
    this.port.post(to, encodeReq(Msg.DIFF_HELD, req));
  }

  /** Dsm.lend for these arrays (already checked): ended once by `DsmLend.end`. */
  lend(states: readonly SharedArrayState[]): DsmLend {
    if (this.closed || states.length === 0) return NO_LEND;
    for (const st of states) st.lends++;
    this.port.figures[DS_LENDS]!++;
    return new HomeLend(this, states);
  }

  /** @internal HomeLend: a lend of these arrays ended (once). */
  endLend(states: readonly SharedArrayState[]): void {
    if (this.closed) return;
    for (const st of states) {
      assert(st.lends > 0, 'home: a lend ended that was not open');
      st.lends--;
    }
    this.lendEnded();
  }

  /** The running call waits until some lend ends (`waitOver`; the caller checks again whether its pages are still lent). */
  waitLendEnd(): void {
    this.lendWait = true;
  }

  /** The run is over: drop what is held back and every lend. */
  close(): void {
    this.closed = true;
    this.heldDiffs?.clear();
    this.push.close();
    this.lendWait = false;
    for (const st of this.arrays) st.lends = 0;
  }

  serveFetch(from: number, m: FetchMsg): void {
    const st = this.arrays[m.array];
    if (!st) return this.refuse(from, m.req, `rank ${this.port.rank} has no such shared array`);
    const g = st.granule;
    const ranges = m.ranges;
    let total = 0;
    for (let i = 0; i < ranges.length; i += 2) {
      const s = ranges[i]!;
      const e = ranges[i + 1]!;
      if (e > st.granules) {
        this.port.figures[DS_MALFORMED]!++;
        return;
      }
      if (!st.homesBytes(s * g, e * g)) {
        return this.refuse(from, m.req, `rank ${this.port.rank} is not the home of every page of '${st.name}' granules ${s}..${e - 1}`);
      }
      total += (e - s) * g;
    }
    this.port.figures[DS_FETCHES_SERVED]!++;
    if (st.push) this.push.subscribe(from, st, ranges);
    this.port.post(from, this.fetchData(st, m.req, ranges, total));
  }

  /** LEAVE: stop pushing these granules to `from`; acknowledged like a diff. */
  leave(from: number, m: LeaveMsg): void {
    if (!this.push.leave(from, m)) return this.refuse(from, m.req, `rank ${this.port.rank} pushes no such granules of array ${m.array}`);
    this.port.post(from, encodeReq(Msg.DIFF_ACK, m.req));
  }

  /** FETCH_DATA of these granule ranges (checked): a copy of the pages, which may change once it is sent. */
  private fetchData(st: SharedArrayState, req: number, ranges: number[], total: number): Uint8Array {
    const g = st.granule;
    if (this.concat !== undefined) {
      const parts: ArrayBuffer[] = [];
      for (let i = 0; i < ranges.length; i += 2) parts.push(sliceBuffer(st.bytes, ranges[i]! * g - st.lo, ranges[i + 1]! * g - st.lo));
      return concatFetchData(req, parts, total, this.concat);
    }
    const w = beginFetchData(req, total, varintSize(req));
    for (let i = 0; i < ranges.length; i += 2) w.bytes(st.local(ranges[i]! * g, ranges[i + 1]! * g));
    return w.finish();
  }

  /** A DIFF: applied now, or held while a checkpoint references the array's home pages. */
  receiveDiff(from: number, m: DiffMsg): void {
    const st = this.arrays[m.array];
    if (st !== undefined && st.lends > 0) return this.holdDiff(from, st, m);
    this.applyDiff(from, st, m);
  }

  private holdDiff(from: number, st: SharedArrayState, m: DiffMsg): void {
    const l = this.port.limits;
    const held = (this.heldDiffs ??= new HeldDiffs(this.port.clock, l.maxDeferred, l.requestTimeoutMs / HELD_KEEPALIVES_PER_TIMEOUT, this.port.figures, this));
    if (!held.hold(from, st, m)) {
      this.refuse(from, m.req, `rank ${this.port.rank} already holds maxDeferred=${this.port.limits.maxDeferred} diffs back while a checkpoint references its pages`);
    }
  }

  /** A lend ended: apply the diffs no lend holds back any more (in arrival order), wake waiting acquisitions. */
  private lendEnded(): void {
    if (this.heldDiffs !== null) for (const h of this.heldDiffs.takeReady()) this.applyDiff(h.from, h.st, h.msg);
    if (this.lendWait) {
      this.lendWait = false;
      this.port.waitOver(undefined);
    }
  }

  private applyDiff(from: number, st: SharedArrayState | undefined, m: DiffMsg): void {
    if (!st) return this.refuse(from, m.req, `rank ${this.port.rank} has no such shared array`);
    assert(st.lends === 0, 'home: a diff applied to lent pages');
    // Validate every run before touching data: a bad diff changes nothing.
    const runs = m.runs;
    for (let i = 0; i < runs.length; i += 3) {
      const s = runs[i]!;
      const n = runs[i + 1]!;
      if (s + n > st.pages * st.pageSize) {
        this.port.figures[DS_MALFORMED]!++;
        return;
      }
      if (!st.homesBytes(s, s + n)) {
        return this.refuse(from, m.req, `rank ${this.port.rank} is not the home of every page of '${st.name}' bytes ${s}..${s + n - 1}`);
      }
    }
    for (let i = 0; i < runs.length; i += 3) {
      const s = runs[i]!;
      const n = runs[i + 1]!;
      const at = runs[i + 2]!;
      st.storeIncoming(s, m.bytes.subarray(at, at + n), this.violations, this.copy);
    }
    this.port.figures[DS_DIFFS_APPLIED]!++;
    this.port.post(from, encodeReq(Msg.DIFF_ACK, m.req));
  }

  private refuse(to: number, req: number, text: string): void {
    this.port.figures[DS_MALFORMED]!++;
    this.port.post(to, encodeReqErr(req, text));
  }
}
