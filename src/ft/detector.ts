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

/**
 * What this board knows of one watched board, and what it last told it by heartbeat (the
 * `hb*` fields; a ring neighbour's: membership.sendHeartbeats). Its numbers and flags are one Float64Array
 * (P_*) read through accessors, not 16 properties: an XS object keeps each in a slot of the slot
 * heap a Laplace + FT board runs short of (docs/FOOTPRINT.md "Round 13: Laplace slots").
 */
const P_LAST_HEARD = 0;
const P_HEARD = 1;
const P_INCARNATION = 2;
const P_HASH = 3;
const P_ROLE = 4;
const P_EPOCH = 5;
const P_COORD = 6;
const P_COMMITTED = 7;
const P_ABORTED = 8;
const P_PROGRESS = 9;
const P_SUSPECTED = 10;
const P_SUSPECTED_AT = 11;
const P_TARGET = 12;
const P_MONITORED = 13;
const P_LAST_ROUTED = 14;
const P_HB_SENT = 15;
const P_HB_AT = 16;
const P_HB_MARK = 17;
const P_HB_EPOCH = 18;
const P_HB_ROLE = 19;
const P_HB_COORD = 20;
const P_HB_COMMITTED = 21;
const P_HB_ABORTED = 22;
const P_HB_RUNNING = 23;
const P_COUNT = 24;

export class PeerInfo {
  /** @internal Its numbers and flags (P_*): the detector's own loops read them here (no accessor call per peer and tick). */
  readonly v = new Float64Array(P_COUNT);

  constructor(readonly node: number, now: number) {
    const v = this.v;
    v[P_LAST_HEARD] = now;
    v[P_INCARNATION] = -1;
    v[P_COORD] = 255;
    v[P_LAST_ROUTED] = -Infinity;
  }

  /** Virtual time of the last frame from it (or of when watching began, before the first). */
  get lastHeard(): number {
    return this.v[P_LAST_HEARD]!;
  }

  set lastHeard(x: number) {
    this.v[P_LAST_HEARD] = x;
  }

  get heard(): boolean {
    return this.v[P_HEARD] === 1;
  }

  set heard(x: boolean) {
    this.v[P_HEARD] = x ? 1 : 0;
  }

  /** From its heartbeats; -1 until the first. */
  get incarnation(): number {
    return this.v[P_INCARNATION]!;
  }

  set incarnation(x: number) {
    this.v[P_INCARNATION] = x;
  }

  get hash(): number {
    return this.v[P_HASH]!;
  }

  set hash(x: number) {
    this.v[P_HASH] = x;
  }

  get role(): number {
    return this.v[P_ROLE]!;
  }

  set role(x: number) {
    this.v[P_ROLE] = x;
  }

  get epoch(): number {
    return this.v[P_EPOCH]!;
  }

  set epoch(x: number) {
    this.v[P_EPOCH] = x;
  }

  get coord(): number {
    return this.v[P_COORD]!;
  }

  set coord(x: number) {
    this.v[P_COORD] = x;
  }

  get committed(): number {
    return this.v[P_COMMITTED]!;
  }

  set committed(x: number) {
    this.v[P_COMMITTED] = x;
  }

  get aborted(): number {
    return this.v[P_ABORTED]!;
  }

  set aborted(x: number) {
    this.v[P_ABORTED] = x;
  }

  get progress(): number {
    return this.v[P_PROGRESS]!;
  }

  set progress(x: number) {
    this.v[P_PROGRESS] = x;
  }

  get suspected(): boolean {
    return this.v[P_SUSPECTED] === 1;
  }

  set suspected(x: boolean) {
    this.v[P_SUSPECTED] = x ? 1 : 0;
  }

  get suspectedAt(): number {
    return this.v[P_SUSPECTED_AT]!;
  }

  set suspectedAt(x: number) {
    this.v[P_SUSPECTED_AT] = x;
  }

  /** This board sends it heartbeats (a ring neighbour). */
  get target(): boolean {
    return this.v[P_TARGET] === 1;
  }

  set target(x: boolean) {
    this.v[P_TARGET] = x ? 1 : 0;
  }

  /** A target that has sent heartbeats back since it became one: silence alone counts. */
  get monitored(): boolean {
    return this.v[P_MONITORED] === 1;
  }

  set monitored(x: boolean) {
    this.v[P_MONITORED] = x ? 1 : 0;
  }

  /** The last expiry check that found a route to it (-Infinity: none yet). */
  get lastRouted(): number {
    return this.v[P_LAST_ROUTED]!;
  }

  set lastRouted(x: number) {
    this.v[P_LAST_ROUTED] = x;
  }

  /** This board sent it a heartbeat while it was a ring neighbour (membership.sendHeartbeats): the hb* numbers below say what, and when. */
  get hbSent(): boolean {
    return this.v[P_HB_SENT] === 1;
  }

  set hbSent(x: boolean) {
    this.v[P_HB_SENT] = x ? 1 : 0;
  }

  get hbAt(): number {
    return this.v[P_HB_AT]!;
  }

  set hbAt(x: number) {
    this.v[P_HB_AT] = x;
  }

  /** The network's sentMark for it right after this board's last tick. */
  get hbMark(): number {
    return this.v[P_HB_MARK]!;
  }

  set hbMark(x: number) {
    this.v[P_HB_MARK] = x;
  }

  get hbEpoch(): number {
    return this.v[P_HB_EPOCH]!;
  }

  set hbEpoch(x: number) {
    this.v[P_HB_EPOCH] = x;
  }

  get hbRole(): number {
    return this.v[P_HB_ROLE]!;
  }

  set hbRole(x: number) {
    this.v[P_HB_ROLE] = x;
  }

  get hbCoord(): number {
    return this.v[P_HB_COORD]!;
  }

  set hbCoord(x: number) {
    this.v[P_HB_COORD] = x;
  }

  get hbCommitted(): number {
    return this.v[P_HB_COMMITTED]!;
  }

  set hbCommitted(x: number) {
    this.v[P_HB_COMMITTED] = x;
  }

  get hbAborted(): number {
    return this.v[P_HB_ABORTED]!;
  }

  set hbAborted(x: number) {
    this.v[P_HB_ABORTED] = x;
  }

  /** Whether that heartbeat carried progress (the first one with progress must not be skipped). */
  get hbRunning(): boolean {
    return this.v[P_HB_RUNNING] === 1;
  }

  set hbRunning(x: boolean) {
    this.v[P_HB_RUNNING] = x ? 1 : 0;
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
    const reborn = p.v[P_INCARNATION]! >= 0 && p.v[P_INCARNATION]! !== h.incarnation;
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
    const reborn = p.v[P_INCARNATION]! >= 0 && p.v[P_INCARNATION]! !== inc;
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
