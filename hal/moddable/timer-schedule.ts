/**
 * The Moddable Hal's pending timers, in due order, behind one Moddable `Timer`.
 *
 * A `Timer` per `setTimer` was a host object with three properties and a Map entry, ~8 XS
 * slots a pending timer, and a board has ten or more pending at any time (the hop links',
 * end-to-end and hello deadlines, MCAPI's flush and timed waits, an app's sleeps). Here a timer
 * is an index into four plain Arrays (due time, id, callback, argument), kept in step: their
 * items live in the chunk heap, 4 x 16 bytes a timer on a 32-bit chip, and no slot is made per
 * timer (docs/FOOTPRINT.md "Round 10: conformance slots"). Plain Arrays, not Float64Arrays, for
 * the numbers: 2 XS slots each where a typed array is 7 (the view and its buffer; "Round 19b").
 */

export type TimerFire = (arg: unknown) => void;

export class TimerSchedule {
  private readonly at: number[] = [];
  private readonly ids: number[] = [];
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
    let i = n;
    while (i > 0 && this.at[i - 1]! > at) i--;
    if (i < n) {
      this.at.splice(i, 0, at);
      this.ids.splice(i, 0, id);
      this.fns.splice(i, 0, fire);
      this.args.splice(i, 0, arg);
    } else {
      this.at.push(at);
      this.ids.push(id);
      this.fns.push(fire);
      this.args.push(arg);
    }
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
    this.at.length = 0;
    this.ids.length = 0;
    this.fns.length = 0;
    this.args.length = 0;
    this.takenArg = undefined;
  }

  private drop(i: number): void {
    const n = this.count;
    this.at.splice(i, 1);
    this.ids.splice(i, 1);
    this.fns.splice(i, 1);
    this.args.splice(i, 1);
    this.count = n - 1;
  }
}
