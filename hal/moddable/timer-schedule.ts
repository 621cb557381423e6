/**
 * The Moddable Hal's pending timers, in due order, behind one Moddable `Timer`.
 *
 * A `Timer` per `setTimer` was a host object with three properties and a Map entry, ~8 XS
 * slots a pending timer, and a board has ten or more pending at any time (the hop links',
 * end-to-end and hello deadlines, MCAPI's flush and timed waits, an app's sleeps). Here a timer
 * is an index into two number arrays (due time, id) and two arrays of references (callback,
 * argument): their items live in the chunk heap, 16 + 2 x 16 bytes a timer on a 32-bit chip,
 * and no slot is made per timer (docs/FOOTPRINT.md "Round 10: conformance slots").
 */

export type TimerFire = (arg: unknown) => void;

/** Initial room, in timers; doubled when full. */
const INITIAL_ROOM = 16;

export class TimerSchedule {
  private at = new Float64Array(INITIAL_ROOM);
  private ids = new Float64Array(INITIAL_ROOM);
  private readonly fns: TimerFire[] = [];
  private readonly args: unknown[] = [];
  private count = 0;
  private nextId = 1;

  /** Pending timers. */
  get size(): number {
    return this.count;
  }

  /** Due time of the earliest pending timer, or -1 when none is. */
  earliest(): number {
    return this.count > 0 ? this.at[0]! : -1;
  }

  /** A timer due at `at` (after every timer already due then: equal times fire in the order set). */
  add(at: number, fire: TimerFire, arg: unknown): number {
    const id = this.nextId++;
    const n = this.count;
    if (n === this.at.length) {
      const at2 = new Float64Array(2 * n);
      at2.set(this.at);
      this.at = at2;
      const ids2 = new Float64Array(2 * n);
      ids2.set(this.ids);
      this.ids = ids2;
    }
    let i = n;
    while (i > 0 && this.at[i - 1]! > at) i--;
    if (i < n) {
      this.at.copyWithin(i + 1, i, n);
      this.ids.copyWithin(i + 1, i, n);
      this.fns.splice(i, 0, fire);
      this.args.splice(i, 0, arg);
    } else {
      this.fns.push(fire);
      this.args.push(arg);
    }
    this.at[i] = at;
    this.ids[i] = id;
    this.count = n + 1;
    return id;
  }

  /** Forget timer `id`; false when it is not pending (fired or cleared already). */
  remove(id: number): boolean {
    const n = this.count;
    for (let i = 0; i < n; i++) {
      if (this.ids[i] !== id) continue;
      this.drop(i);
      return true;
    }
    return false;
  }

  /**
   * Take the earliest timer if it is due at `now`: its callback, its argument in `takenArg`
   * (read it, then set it back to undefined); null when none is due.
   */
  take(now: number): TimerFire | null {
    if (this.count === 0 || this.at[0]! > now) return null;
    const fire = this.fns[0]!;
    this.takenArg = this.args[0];
    this.drop(0);
    return fire;
  }

  /** The argument of the timer `take` returned last. */
  takenArg: unknown = undefined;

  /** Forget every timer. */
  clear(): void {
    this.count = 0;
    this.fns.length = 0;
    this.args.length = 0;
    this.takenArg = undefined;
  }

  private drop(i: number): void {
    const n = this.count;
    this.at.copyWithin(i, i + 1, n);
    this.ids.copyWithin(i, i + 1, n);
    this.fns.splice(i, 1);
    this.args.splice(i, 1);
    this.count = n - 1;
  }
}
