/**
 * A re-armable deadline on top of Clock timers. Protocol code moves its deadlines on almost
 * every event (each ack pushes the retransmission deadline back); re-arming to a later time
 * keeps the pending timer and only re-checks when it fires, so the target sees one timer
 * instead of a clear + set per ack.
 */
import type { Clock } from '../hal.js';

/** Timers may fire a hair early when a target computes `now + delay` in floating point. */
const EPSILON_MS = 1e-6;

export class Deadline {
  private at = -1;
  private timer = 0;
  private timerAt = 0;
  private pending = false;
  private readonly clock: Clock;
  private readonly fire: (this: void) => void;
  private readonly onTimer: (this: void) => void;

  constructor(clock: Clock, fire: () => void) {
    this.clock = clock;
    this.fire = fire;
    this.onTimer = () => {
      this.pending = false;
      if (this.at < 0) return;
      if (this.clock.now() + EPSILON_MS >= this.at) {
        this.at = -1;
        this.fire();
      } else {
        this.schedule(this.at);
      }
    };
  }

  get armed(): boolean {
    return this.at >= 0;
  }

  /** Fire at absolute time `at` (ms), replacing any earlier or later deadline. */
  arm(at: number): void {
    this.at = at;
    if (this.pending && this.timerAt <= at) return;
    if (this.pending) this.clock.clearTimer(this.timer);
    this.schedule(at);
  }

  /** Fire at `at` unless already armed for earlier. */
  armNoLaterThan(at: number): void {
    if (this.at < 0 || at < this.at) this.arm(at);
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
    if (this.pending) this.clock.clearTimer(this.timer);
    this.pending = false;
  }

  private schedule(at: number): void {
    this.pending = true;
    this.timerAt = at;
    this.timer = this.clock.setTimer(Math.max(0, at - this.clock.now()), this.onTimer);
  }
}
