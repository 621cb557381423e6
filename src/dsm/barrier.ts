/**
 * The barrier as a combining tree over the ranks (docs/DSM.md, Barrier). Every board runs one
 * `BarrierNode`: it waits for its own arrival and for its children's BARRIER_ARRIVE, then sends
 * one BARRIER_ARRIVE to its parent with the union of its subtree's write notices; rank 0 (the
 * root) releases, and every node sends each child a BARRIER_RELEASE with the notices of every
 * board outside that child's subtree. Each board so learns exactly the other boards' notices,
 * as from a central manager, with two messages per board in all and O(log boards) of them on
 * the critical path.
 *
 * The tree follows a ring laid out in rank order (the wiring a board with two spare UARTs
 * allows, and a line as well): rank r sits at offset r (r <= boards/2) or r - boards from rank
 * 0, and on each side a node at offset d hangs from offset d - lowbit(d), a binomial tree.
 * Every tree edge is at most boards/2 hops long, no node is more than log2(boards) edges from
 * the root (the most one-bits of an offset: 3 on 16 boards) and the root has at most
 * 2 log2(boards) children.
 *
 * Failure: the root times out `timeoutMs` after its own arrival and sends BARRIER_FAIL, naming
 * the ranks it never heard of, to every rank it heard of. A board hears nothing from a dead
 * parent, so each board that has waited `timeoutMs / PRESENT_DIVISOR` after its own arrival
 * tells the root directly that it is there (BARRIER_PRESENT): the failure names exactly the
 * boards that never arrived and reaches every board that did.
 */
import { assert } from '../util/assert.js';
import { Msg, encodeBarrier, encodeBarrierFail, encodeBarrierPresent } from './messages.js';
import { RangeList } from './range-list.js';

export type { DsmPost as Post } from './port.js';
import type { DsmPost, DsmShared } from './port.js';

/** Who hears how a barrier ended at this node (Sync: a method, not a closure). */
export interface BarrierOwner {
  barrierEnded(epoch: number, outcome: BarrierOutcome): void;
}

/** The barrier's root, which releases it and names the missing boards. */
export const BARRIER_ROOT = 0;

/**
 * Write notices in the barrier's lists that lie at most this many granules apart are joined
 * (the gap is invalidated too: a superset, which only invalidates more). A band decomposition
 * writes one range per board separated by a few unwritten granules (Laplace: the two boundary
 * columns between bands), so without it every board would decode, merge and invalidate one
 * range per other board at every barrier, O(boards) work per board; joined, the notices of
 * neighbouring bands are one range. A granule of a gap is at worst fetched again (or pushed)
 * with the stale bytes around it: no extra message. 4 granules: 32 bytes of Float64.
 */
export const NOTICE_JOIN_GRANULES = 4;

/** A board still waiting `timeoutMs / PRESENT_DIVISOR` after its arrival reports itself to the root. */
export const PRESENT_DIVISOR = 2;

/** Offset of `rank` from rank 0 around a ring of `size` in rank order: positive one way, negative the other. */
function offsetOf(rank: number, size: number): number {
  return rank <= size >>> 1 ? rank : rank - size;
}

/** The parent of `rank` (not the root) in the barrier tree of `size` boards. */
export function barrierParent(rank: number, size: number): number {
  assert(rank > 0 && rank < size, 'barrier tree: the root has no parent');
  const d = offsetOf(rank, size);
  const a = d < 0 ? -d : d;
  const up = a - (a & -a);
  return d < 0 && up > 0 ? size - up : up;
}

/** The children of `rank`, ascending by rank. */
export function barrierChildren(rank: number, size: number): number[] {
  const out: number[] = [];
  for (let r = 1; r < size; r++) if (barrierParent(r, size) === rank) out.push(r);
  return out;
}

/** Hops between two ranks around a ring laid out in rank order. */
function ringDistance(a: number, b: number, size: number): number {
  const d = a > b ? a - b : b - a;
  return d < size - d ? d : size - d;
}

/**
 * The order (indices into `children`) in which `rank` sends its releases: farthest around the
 * ring first. A release to a far child passes through the near ones; sent first, it is
 * forwarded before the near child takes its own release and queues its pushes (push.ts: a
 * halo of 2 KiB holds a UART for 22 ms), so the release wave is never stuck behind them.
 */
export function releaseOrder(rank: number, size: number, children: readonly number[]): number[] {
  const order = children.map((_, i) => i);
  order.sort((x, y) => ringDistance(rank, children[y]!, size) - ringDistance(rank, children[x]!, size) || children[x]! - children[y]!);
  return order;
}

export function describeMissing(missing: readonly number[]): string {
  return `rank${missing.length === 1 ? '' : 's'} ${missing.join(', ')} did not arrive`;
}

/** How a barrier of this node ended: the other boards' notices, or the ranks the root never heard of. */
export type BarrierOutcome = { ok: true; notices: RangeList } | { ok: false; missing: number[] };

/**
 * A node's barrier timer fires into this (a module function and the node as its argument): not a
 * closure over the node and the epoch made at every arrival and held by the clock until the
 * barrier ends (docs/FOOTPRINT.md "Round 18").
 */
function barrierExpired(node: BarrierNode): void {
  node.expire();
}

/** One board's part in the barrier tree. */
export class BarrierNode {
  readonly parent: number;
  readonly children: readonly number[];
  /** Barriers this node has seen end (released or failed). */
  private done = 0;
  /** This board's notices for barrier done + 1; null until it arrives. */
  private own: RangeList | null = null;
  /** Each child's subtree notices for barrier done + 1 (index as `children`); null until it arrives. */
  private readonly fromChild: (RangeList | null)[];
  private arrivedChildren = 0;
  private sentUp = false;
  /**
   * Root: ranks that reported themselves present in barrier done + 1, made by the first report
   * (a board sends one only when its barrier is late) and dropped when the barrier ends: not a
   * Uint8Array held by every board all run (~8 XS slots, docs/FOOTPRINT.md "Round 14: DSM
   * member slots").
   */
  private present: Uint8Array | null = null;
  private timer = -1;
  /** Indices into `children` in the order releases are sent: farthest around the ring first (releaseOrder). */
  private readonly releaseOrder: number[];

  constructor(
    /** The Dsm: its posts, rank, size, clock and limits (DsmShared: no copy of them here). */
    private readonly port: DsmPost & DsmShared,
    /** Told once per barrier of this board when it ends. */
    private readonly owner: BarrierOwner,
  ) {
    const { rank, size } = port;
    this.parent = rank === BARRIER_ROOT ? -1 : barrierParent(rank, size);
    this.children = barrierChildren(rank, size);
    this.fromChild = this.children.map(() => null);
    this.releaseOrder = releaseOrder(rank, size, this.children);
  }

  /** This board reached barrier `epoch` with `notices` (its diffs are all acknowledged). */
  arrive(epoch: number, notices: RangeList): void {
    assert(epoch === this.done + 1 && this.own === null, 'barrier: arrived out of order');
    const own = new RangeList(this.port.limits.maxNoticeRanges, NOTICE_JOIN_GRANULES);
    own.addAll(notices);
    this.own = own;
    const ms = this.port.rank === BARRIER_ROOT ? this.port.limits.barrierTimeoutMs : Math.floor(this.port.limits.barrierTimeoutMs / PRESENT_DIVISOR);
    this.timer = this.port.clock.setTimer(ms, barrierExpired, this);
    this.climb(epoch);
  }

  /** BARRIER_ARRIVE from `from`; false (the caller counts it) when it makes no sense here. */
  childArrived(from: number, epoch: number, notices: RangeList): boolean {
    const i = this.children.indexOf(from);
    // A child arrives at e + 1 only after this node released e: anything else is stale or foreign.
    if (i < 0 || epoch !== this.done + 1 || this.fromChild[i] !== null) return false;
    this.fromChild[i] = notices;
    this.arrivedChildren++;
    if (this.own !== null) this.climb(epoch);
    return true;
  }

  /** BARRIER_RELEASE from `from` with the notices of every board outside this subtree. */
  released(from: number, epoch: number, outside: RangeList): boolean {
    if (from !== this.parent || epoch !== this.done + 1 || !this.sentUp) return false;
    this.release(epoch, outside);
    return true;
  }

  /** BARRIER_FAIL from the root: the barrier this board waits in failed. */
  failed(from: number, epoch: number, missing: number[]): boolean {
    if (from !== BARRIER_ROOT || this.port.rank === BARRIER_ROOT || epoch !== this.done + 1 || this.own === null) return false;
    this.finish(epoch);
    this.owner.barrierEnded(epoch, { ok: false, missing });
    return true;
  }

  /** BARRIER_PRESENT: `from` waits in barrier `epoch` (root only). */
  reportedPresent(from: number, epoch: number): boolean {
    if (this.port.rank !== BARRIER_ROOT || from === this.port.rank) return false;
    // One that crossed the release (or the failure) on the way is late, not wrong.
    if (epoch <= this.done) return true;
    if (epoch !== this.done + 1) return false;
    (this.present ??= new Uint8Array(this.port.size))[from] = 1;
    return true;
  }

  /** Stop the timer (the DSM is closed). */
  close(): void {
    this.stopTimer();
  }

  /** The subtree is complete: pass its notices up, or (the root) release everyone. */
  private climb(epoch: number): void {
    if (this.own === null || this.arrivedChildren < this.children.length || this.sentUp) return;
    if (this.port.rank === BARRIER_ROOT) {
      this.release(epoch, new RangeList(0, NOTICE_JOIN_GRANULES));
      return;
    }
    this.sentUp = true;
    const up = new RangeList(this.port.limits.maxNoticeRanges, NOTICE_JOIN_GRANULES);
    up.addAll(this.own);
    const from = this.fromChild;
    for (let j = 0; j < from.length; j++) up.addAll(from[j]!);
    this.port.post(this.parent, encodeBarrier(Msg.BARRIER_ARRIVE, epoch, up));
  }

  private release(epoch: number, outside: RangeList): void {
    const own = this.own!;
    const merged = new RangeList(this.port.limits.maxNoticeRanges, NOTICE_JOIN_GRANULES);
    // Index loops (an array's iterator costs XS units at every barrier of every board).
    const order = this.releaseOrder;
    const from = this.fromChild;
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      merged.clear();
      merged.addAll(outside);
      merged.addAll(own);
      for (let j = 0; j < from.length; j++) if (j !== i) merged.addAll(from[j]!);
      this.port.post(this.children[i]!, encodeBarrier(Msg.BARRIER_RELEASE, epoch, merged));
    }
    merged.clear();
    merged.addAll(outside);
    for (let j = 0; j < from.length; j++) merged.addAll(from[j]!);
    this.finish(epoch);
    this.owner.barrierEnded(epoch, { ok: true, notices: merged });
  }

  /** @internal The timer of the barrier this board waits in (done + 1) fired: it is late (`finish` stops it when the barrier ends). */
  expire(): void {
    this.timer = -1;
    if (this.own === null) return;
    const epoch = this.done + 1;
    if (this.port.rank !== BARRIER_ROOT) {
      // Still waiting: the root learns directly that this board is here.
      this.port.post(BARRIER_ROOT, encodeBarrierPresent(epoch));
      return;
    }
    const heard = new Uint8Array(this.port.size);
    heard[this.port.rank] = 1;
    const present = this.present;
    if (present !== null) for (let r = 0; r < this.port.size; r++) if (present[r]) heard[r] = 1;
    for (let i = 0; i < this.children.length; i++) if (this.fromChild[i] !== null) this.markSubtree(this.children[i]!, heard);
    const missing: number[] = [];
    for (let r = 0; r < this.port.size; r++) if (!heard[r]) missing.push(r);
    assert(missing.length > 0, 'barrier: timed out with every board heard of');
    for (let r = 0; r < this.port.size; r++) if (heard[r] && r !== this.port.rank) this.port.post(r, encodeBarrierFail(epoch, missing));
    this.finish(epoch);
    this.owner.barrierEnded(epoch, { ok: false, missing });
  }

  /** Mark `top` and every rank below it in the tree. */
  private markSubtree(top: number, heard: Uint8Array): void {
    for (let r = 1; r < this.port.size; r++) {
      let a = r;
      while (a !== top && a !== BARRIER_ROOT) a = barrierParent(a, this.port.size);
      if (a === top) heard[r] = 1;
    }
  }

  /** Barrier `epoch` is over at this node (released, or failed at the root). */
  private finish(epoch: number): void {
    this.stopTimer();
    this.done = epoch;
    this.own = null;
    this.fromChild.fill(null);
    this.arrivedChildren = 0;
    this.sentUp = false;
    this.present = null;
  }

  private stopTimer(): void {
    if (this.timer >= 0) this.port.clock.clearTimer(this.timer);
    this.timer = -1;
  }
}
