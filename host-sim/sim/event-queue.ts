/**
 * A min-heap of timed entries ordered by (time, insertion sequence): two entries at the same
 * virtual time come out in the order they were scheduled, which is what makes a run
 * reproducible from its seed. The simulator schedules its board events on it directly;
 * VirtualClock (below) puts timers on it for everything else that needs virtual time.
 */
import type { Clock } from '../../src/hal.js';

export interface Timed<T> {
  at: number;
  seq: number;
  item: T;
}

export class EventQueue<T> {
  private heap: Timed<T>[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Returns the entry's sequence number: unique, increasing, 0 for the first push. */
  push(at: number, item: T): number {
    const entry = { at, seq: this.nextSeq++, item };
    const h = this.heap;
    // Sift up by moving the hole, not by swapping, and with the order written out: no temporary
    // arrays and no calls, which XS meters (the clock below also runs in XS test bundles).
    const seq = entry.seq;
    let i = h.length;
    h.push(entry);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.at < at || (parent.at === at && parent.seq < seq)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = entry;
    return seq;
  }

  /** Keep only the entries `keep` accepts; the order of those left is unchanged. */
  retain(keep: (entry: Timed<T>) => boolean): void {
    // A sorted array is a heap.
    this.heap = this.heap.filter(keep).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq));
  }

  /** The entry that pop() would return, left in place. */
  peek(): Timed<T> | undefined {
    return this.heap[0];
  }

  peekTime(): number {
    return this.heap.length ? this.heap[0]!.at : Infinity;
  }

  pop(): Timed<T> | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      const at = last.at;
      const seq = last.seq;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        let child = h[l]!;
        let m = l;
        if (l + 1 < n) {
          const right = h[l + 1]!;
          if (right.at < child.at || (right.at === child.at && right.seq < child.seq)) (child = right), (m = l + 1);
        }
        if (at < child.at || (at === child.at && seq < child.seq)) break;
        h[i] = child;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}

/**
 * The one virtual clock of the simulator's tools and the test harnesses: callbacks at virtual
 * times, fired in (time, insertion) order from an EventQueue, time moving only when the owner
 * steps it. It is a Clock (src/hal.ts), so a protocol core can run on it directly. A cleared
 * timer is skipped when it reaches the top, without counting as fired; clearing never reorders
 * what is left. Nothing here touches a host global,
 * so the same clock also runs inside XS test bundles.
 */
export class VirtualClock implements Clock {
  private readonly queue = new EventQueue<() => void>();
  /** Ids of the timers set and neither fired nor cleared; a timer's id is its entry's seq + 1. */
  private readonly live = new Set<number>();
  private t: number;
  private firedCount = 0;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  /** Fire `fire(arg)` after `delayMs` (a negative delay counts as 0); returns the timer's id. */
  setTimer<A = undefined>(delayMs: number, fire: (arg: A) => void, arg?: A): number {
    // Host-side (and test-bundle) clock: the closure is only while the timer waits.
    const run = arg === undefined ? (fire as () => void) : () => fire(arg);
    return this.schedule(delayMs > 0 ? this.t + delayMs : this.t, run);
  }

  /** Fire `fire` at virtual time `at`, or now if `at` has passed; returns the timer's id. */
  schedule(at: number, fire: () => void): number {
    // A conditional rather than Math.max: XS test bundles meter every call (test/mcapi/xs-cost).
    const id = this.queue.push(at > this.t ? at : this.t, fire) + 1;
    this.live.add(id);
    return id;
  }

  clearTimer(id: number): void {
    // A cleared timer waits in the queue until it reaches the top. Once cleared ones outnumber
    // the live ones (timeouts set and cleared while time hardly moves) the queue is rebuilt:
    // it never holds more than twice the timers pending, and every push and pop stays as
    // cheap as the live timers allow (amortised, each clear pays O(log n)).
    if (this.live.delete(id) && this.queue.size > 2 * this.live.size) {
      this.queue.retain((e) => this.live.has(e.seq + 1));
    }
  }

  /** Timers set and neither fired nor cleared. */
  get pending(): number {
    return this.live.size;
  }

  /** Timers fired so far. */
  get fired(): number {
    return this.firedCount;
  }


  /** When the earliest live timer is due, Infinity when none is. */
  nextTime(): number {
    const top = this.liveTop();
    return top === undefined ? Infinity : top.at;
  }

  /** Fire the earliest live timer if it is due at or before `limit` (time moves to it); false otherwise. */
  step(limit = Infinity): boolean {
    const top = this.liveTop();
    if (top === undefined || top.at > limit) return false;
    this.queue.pop();
    this.live.delete(top.seq + 1);
    if (top.at > this.t) this.t = top.at;
    this.firedCount++;
    top.item();
    return true;
  }

  /** Fire every timer due up to and including `until`, then move time to `until`. */
  runUntilTime(until: number): void {
    while (this.step(until));
    this.advanceTo(until);
  }

  /** `runUntilTime(now + ms)`. */
  advance(ms: number): void {
    this.runUntilTime(this.t + ms);
  }

  /**
   * Fire timers until `done()` holds (checked first and after every timer) or `maxMs` of
   * virtual time have passed (time then stands at the limit); returns `done()`.
   */
  runUntil(done: () => boolean, maxMs: number): boolean {
    const limit = this.t + maxMs;
    if (done()) return true;
    while (this.step(limit)) if (done()) return true;
    this.advanceTo(limit);
    return done();
  }

  /** Move time forward to `t` without firing anything (never backwards). */
  advanceTo(t: number): void {
    if (t > this.t) this.t = t;
  }

  /** The earliest entry whose timer is live, after dropping the cleared ones above it. */
  private liveTop(): Timed<() => void> | undefined {
    const q = this.queue;
    let top = q.peek();
    while (top !== undefined && !this.live.has(top.seq + 1)) {
      q.pop();
      top = q.peek();
    }
    return top;
  }
}
