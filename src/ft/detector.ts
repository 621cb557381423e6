/**
 * The failure detector: last sign of life of every board this one watches (any frame counts,
 * heartbeats add what the sender says about itself), and which of them fell silent for
 * longer than the timeout. Pure: the caller feeds it time and frames.
 *
 * A board never heard from gets the start grace instead of the timeout (boot, routing). A
 * board whose own timer ran far too late (it was hung, or the app did not yield) must not
 * blame the others for the silence it caused: `stalled` restarts everyone's clock.
 *
 * Silence alone is not enough while the network still has a route to the board: when a
 * board dies, the boards whose route went through it hear nothing until routing notices
 * (its links time out) and re-routes, which may take longer than the FT timeout. So a board
 * heard before is suspected when it is silent past the timeout AND the network has no route
 * to it, or when it is silent past `hardMs` whatever routing says.
 *
 * Heartbeats go to ring neighbours only (docs/FT.md §6), so that rule holds for the boards
 * this one *monitors* (those it exchanges heartbeats with). Another board is heard from only
 * when it has something to say, so for it the network's routing is the sign of life: a route
 * exists only while every link on it answers HELLOs, and the links of a dead board are
 * declared dead `routeLagMs` (the network's deadMs) after it stopped. Such a board is
 * suspected when the network has no route to it and it has been silent, counted from its
 * last frame or from `routeLagMs` before its route went away, past the timeout: the same
 * bound as a monitored board's, without its heartbeats.
 */
import type { Heartbeat } from './frames.js';
import { zeros } from '../util/figures.js';

/**
 * What this board knows of one watched board, and what it last told it by heartbeat (the
 * `P_HB_*` numbers; a ring neighbour's: membership.sendHeartbeats). Its numbers and flags (0 / 1)
 * are one Float64Array indexed by P_*, not 24 properties: an XS object keeps each in a slot of
 * the slot heap a Laplace + FT board runs short of (docs/FOOTPRINT.md "Round 13: Laplace slots").
 * Its readers index the array (`p.v[P_SUSPECTED] === 1`), not accessors on the class: ~48
 * accessor functions cost the firmware archive ~7 KB (docs/FOOTPRINT.md "Round 14: FT archive
 * and slots").
 */
/** Virtual time of the last frame from it (or of when watching began, before the first). */
export const P_LAST_HEARD = 0;
/** A frame from it arrived (before that the start grace, not the timeout, applies). */
export const P_HEARD = 1;
/** From its heartbeats; -1 until the first. */
export const P_INCARNATION = 2;
export const P_HASH = 3;
export const P_ROLE = 4;
/** What its last heartbeat said (the epoch it came in). */
export const P_EPOCH = 5;
export const P_COORD = 6;
export const P_COMMITTED = 7;
export const P_ABORTED = 8;
export const P_PROGRESS = 9;
export const P_SUSPECTED = 10;
export const P_SUSPECTED_AT = 11;
/** This board sends it heartbeats (a ring neighbour). */
export const P_TARGET = 12;
/** A target that has sent heartbeats back since it became one: silence alone counts. */
export const P_MONITORED = 13;
/** The last expiry check that found a route to it (-Infinity: none yet). */
export const P_LAST_ROUTED = 14;
/** This board sent it a heartbeat while it was a ring neighbour (membership.sendHeartbeats): the P_HB_* numbers below say what, and when. */
export const P_HB_SENT = 15;
/** When, and what it said (epoch, role, coordinator, decided rounds). */
export const P_HB_AT = 16;
/** The network's sentMark for it right after this board's last tick. */
export const P_HB_MARK = 17;
export const P_HB_EPOCH = 18;
export const P_HB_ROLE = 19;
export const P_HB_COORD = 20;
export const P_HB_COMMITTED = 21;
export const P_HB_ABORTED = 22;
/** Whether that heartbeat carried progress (the first one with progress must not be skipped). */
export const P_HB_RUNNING = 23;
/**
 * Its incarnation when the current view formed, if it is a member (-1: not known): a different
 * one in a recovery means it restarted (recovery.decidePlan). Here, not in a Map of the state
 * (~6 XS slots and ~4 per member; docs/FOOTPRINT.md "Round 14: FT archive and slots").
 */
export const P_VIEW_INCARNATION = 24;
/** Numbers per peer. */
export const P_COUNT = 25;

export class PeerInfo {
  /**
   * Its numbers and flags, indexed by P_* (`p.v[P_LAST_HEARD]`): a plain Array (2 XS slots for
   * the whole run, its items in the chunk heap), not a Float64Array (7; docs/FOOTPRINT.md "Round 19").
   */
  readonly v: number[] = zeros(P_COUNT);

  constructor(readonly node: number, now: number) {
    const v = this.v;
    v[P_LAST_HEARD] = now;
    v[P_INCARNATION] = -1;
    v[P_VIEW_INCARNATION] = -1;
    v[P_COORD] = 255;
    v[P_LAST_ROUTED] = -Infinity;
  }
}

export class Detector {
  private readonly peers = new Map<number, PeerInfo>();
  /** monitor() was called: from then on only the monitored are judged by silence alone (before, all are). */
  private ring = false;

  constructor(
    readonly self: number,
    readonly timeoutMs: number,
    readonly graceMs: number,
    readonly hardMs: number = 3 * timeoutMs,
    readonly routeLagMs: number = 0,
  ) {}

  /** Start watching `node` (no-op if watched). */
  watch(node: number, now: number): PeerInfo {
    let p = this.peers.get(node);
    if (p === undefined) {
      p = new PeerInfo(node, now);
      this.peers.set(node, p);
    }
    return p;
  }

  get(node: number): PeerInfo | undefined {
    return this.peers.get(node);
  }

  all(): PeerInfo[] {
    return [...this.peers.values()].sort((a, b) => a.node - b.node);
  }

  /** Every watched board, in no particular order (no array, no sort: the tick's lists sort their own). */
  unordered(): IterableIterator<PeerInfo> {
    return this.peers.values();
  }

  /** Any frame from `node`. */
  heard(node: number, now: number): void {
    if (node === this.self) return;
    const p = this.peers.get(node);
    if (p === undefined) return;
    p.v[P_LAST_HEARD] = now;
    p.v[P_HEARD] = 1;
  }

  /**
   * A heartbeat. Returns true when it comes from a new incarnation of a board seen before
   * (it restarted: everything the old one held is gone).
   */
  heartbeat(node: number, epoch: number, h: Heartbeat, now: number): boolean {
    const p = this.watch(node, now);
    const reborn = p.v[P_INCARNATION]! >= 0 && p.v[P_INCARNATION] !== h.incarnation;
    p.v[P_LAST_HEARD] = now;
    p.v[P_HEARD] = 1;
    if (p.v[P_TARGET] === 1) p.v[P_MONITORED] = 1;
    p.v[P_INCARNATION] = h.incarnation;
    p.v[P_HASH] = h.hash;
    p.v[P_ROLE] = h.role;
    p.v[P_EPOCH] = epoch;
    p.v[P_COORD] = h.coord;
    p.v[P_COMMITTED] = h.committed;
    p.v[P_ABORTED] = h.aborted;
    p.v[P_PROGRESS] = h.progress;
    return reborn;
  }

  /** Record an incarnation learnt another way (a join); same meaning as heartbeat's result. */
  incarnation(node: number, inc: number, now: number): boolean {
    const p = this.watch(node, now);
    const reborn = p.v[P_INCARNATION]! >= 0 && p.v[P_INCARNATION] !== inc;
    p.v[P_INCARNATION] = inc;
    p.v[P_LAST_HEARD] = now;
    p.v[P_HEARD] = 1;
    return reborn;
  }

  /**
   * The nodes this board sends its heartbeats to (its ring neighbours). One is *monitored*
   * (silence alone counts against it) once a heartbeat from it arrived while it was a target:
   * rings two boards see differently for a moment (one heard a spare the other has not yet)
   * then never make a board blame a neighbour that was not sending to it. The others are
   * judged by routing (class comment).
   */
  monitor(nodes: readonly number[], now: number): void {
    this.ring = true;
    for (const n of nodes) if (n !== this.self) this.watch(n, now);
    for (const p of this.peers.values()) {
      const t = nodes.includes(p.node);
      if (!t || p.v[P_TARGET] !== 1) p.v[P_MONITORED] = 0;
      p.v[P_TARGET] = t ? 1 : 0;
    }
  }

  /**
   * Nodes among `watched` that are silent past their limit and not yet suspected; marks them.
   * `reachable(n)` is the network's opinion (true while it has a route).
   */
  expire(now: number, watched: readonly number[], reachable: (n: number) => boolean = () => false): number[] {
    const out: number[] = [];
    for (const n of watched) {
      if (n === this.self) continue;
      const p = this.watch(n, now);
      if (p.v[P_SUSPECTED] === 1) continue;
      let dead: boolean;
      if (p.v[P_MONITORED] === 1 || !this.ring) {
        const silent = now - p.v[P_LAST_HEARD]!;
        dead = p.v[P_HEARD] === 1 ? silent > this.hardMs || (silent > this.timeoutMs && !reachable(n)) : silent > this.graceMs;
      } else if (reachable(n)) {
        p.v[P_LAST_ROUTED] = now;
        dead = false;
      } else {
        const silent = now - Math.max(p.v[P_LAST_HEARD]!, p.v[P_LAST_ROUTED]! - this.routeLagMs);
        dead = silent > (p.v[P_HEARD] === 1 ? this.timeoutMs : this.graceMs);
      }
      if (dead) {
        p.v[P_SUSPECTED] = 1;
        p.v[P_SUSPECTED_AT] = now;
        out.push(n);
      }
    }
    return out;
  }

  suspect(node: number, now: number): boolean {
    const p = this.watch(node, now);
    if (p.v[P_SUSPECTED] === 1) return false;
    p.v[P_SUSPECTED] = 1;
    p.v[P_SUSPECTED_AT] = now;
    return true;
  }

  clear(node: number, now: number): void {
    const p = this.watch(node, now);
    p.v[P_SUSPECTED] = 0;
    p.v[P_LAST_HEARD] = Math.max(p.v[P_LAST_HEARD]!, now);
  }

  isSuspected(node: number): boolean {
    const p = this.peers.get(node);
    return p !== undefined && p.v[P_SUSPECTED] === 1;
  }

  /** This board was not running for a while: nobody's silence in that time counts. */
  stalled(now: number): void {
    for (const p of this.peers.values()) if (p.v[P_SUSPECTED] !== 1) p.v[P_LAST_HEARD] = Math.max(p.v[P_LAST_HEARD]!, now);
  }
}
