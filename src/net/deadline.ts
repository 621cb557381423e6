/**
 * A re-armable deadline on top of Clock timers. Protocol code moves its deadlines on almost
 * every event (each ack pushes the retransmission deadline back); re-arming to a later time
 * keeps the pending timer and only re-checks when it fires, so the target sees one timer
 * instead of a clear + set per ack.
 *
 * A deadline calls its owner's `deadline(tag)` (one method per owner, a tag per deadline)
 * rather than a closure of its own: on an XS board each closure is a function object and an
 * environment in the slot heap, and the net layer keeps six deadlines per one-link board
 * (docs/FOOTPRINT.md, "Round 7: pingpong slots"). A plain function is still taken. Its timer
 * has no closure either: every deadline's timer calls the one module-level `onDeadlineTimer`
 * with the deadline as the timer's argument.
 */
import type { Clock } from '../hal.js';

/** Timers may fire a hair early when a target computes `now + delay` in floating point. */
const EPSILON_MS = 1e-6;

/** Who a deadline calls when it fires: `tag` tells the owner's deadlines apart. */
export interface DeadlineOwner {
  deadline(tag: number): void;
}

/** The one timer callback of every deadline: the Clock passes the deadline as its argument. */
function onDeadlineTimer(d: Deadline): void {
  d.timerFired();
}

export class Deadline {
  private at = -1;
  private timer = 0;
  /** When the pending timer fires; -1: no timer pending. */
  private timerAt = -1;
  private readonly clock: Clock;
  private readonly owner: DeadlineOwner | ((this: void) => void);
  private readonly tag: number;

  constructor(clock: Clock, owner: DeadlineOwner | (() => void), tag = 0) {
    this.clock = clock;
    this.owner = owner;
    this.tag = tag;
  }

  /** The pending timer came due (called through `onDeadlineTimer`, not by owners). */
  timerFired(): void {
    this.timerAt = -1;
    if (this.at < 0) return;
    if (this.clock.now() + EPSILON_MS >= this.at) {
      this.at = -1;
      const o = this.owner;
      if (typeof o === 'function') o();
      else o.deadline(this.tag);
    } else {
      this.schedule(this.at);
    }
  }

  get armed(): boolean {
    return this.at >= 0;
  }

  /** Fire at absolute time `at` (ms), replacing any earlier or later deadline. */
  arm(at: number): void {
    this.at = at;
    const pending = this.timerAt >= 0;
    if (pending && this.timerAt <= at) return;
    if (pending) this.clock.clearTimer(this.timer);
    this.schedule(at);
  }

  /**
   * Fire at `at` unless already armed for earlier. `now`, when the caller has just read the
   * clock: the timer's delay is taken from it, without reading the clock again (a hop link
   * arms its ack's deadline for every frame it takes, with the time it read for the frame).
   */
  armNoLaterThan(at: number, now?: number): void {
    if (this.at >= 0 && at >= this.at) return;
    // arm's work inline, and schedule's.
    this.at = at;
    const pending = this.timerAt >= 0;
    if (pending && this.timerAt <= at) return;
    if (pending) this.clock.clearTimer(this.timer);
    const d = at - (now === undefined ? this.clock.now() : now);
    this.timerAt = at;
    this.timer = this.clock.setTimer(d > 0 ? d : 0, onDeadlineTimer, this);
  }

  /**
   * Due at `at`, without a timer: something already under way meets it before then (a hop
   * link's ack, when the layer above answers the frame in this turn). `armed` is true and
   * `stop` forgets it; `release` sets the timer should that answer not go after all.
   */
  hold(at: number): void {
    if (this.at < 0) this.at = at;
  }

  /** A deadline `hold` set gets its timer now (its answer will not go): for the same due time. */
  release(): void {
    if (this.at >= 0) this.arm(this.at);
  }

  /** Fire at `at` unless armed already (a hop link's retransmission deadline, armed as a frame leaves). */
  armIfIdle(at: number): void {
    if (this.at < 0) this.arm(at);
  }

  /**
   * Forget the deadline; a pending timer fires later and finds nothing to do. For deadlines
   * re-armed on almost every frame (retransmission): clearing and setting the timer each time
   * would cost more than the early fire. A deadline usually met without firing (a delayed ack
   * that rides on the reply) uses `stop`: a timer that fires idle is a board turn of its own.
   */
  cancel(): void {
    this.at = -1;
  }

  /** Forget the deadline and clear the timer (on stop, and where an idle fire is likely). */
  stop(): void {
    this.at = -1;
    if (this.timerAt >= 0) this.clock.clearTimer(this.timer);
    this.timerAt = -1;
  }

  private schedule(at: number): void {
    this.timerAt = at;
    // A conditional, not Math.max: a call fewer each time a timer is set.
    const d = at - this.clock.now();
    this.timer = this.clock.setTimer(d > 0 ? d : 0, onDeadlineTimer, this);
  }
}
