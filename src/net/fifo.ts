/**
 * A first-in first-out queue without per-shift copying; limits are enforced by the owner.
 * The live items are items[head, head + length): the ends are explicit counters, never the
 * array's length, and a taken slot is cleared. (Under typescript-to-lua an array with a cleared
 * slot has a hole, and Lua's `#` is unreliable past a hole: a queue that trusted `.length` lost
 * items there.) `length` is a field, not a getter over two ends: a hop link reads it on every
 * frame (canEnqueue, admit, each ack), and a getter is a call (~12 XS units) each time.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  /** Live items; read-only outside this class. */
  length = 0;

  push(item: T): void {
    this.items[this.head + this.length++] = item;
  }

  peek(): T | undefined {
    return this.length > 0 ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (--this.length === 0) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 64 && this.head >= this.length) {
      const live: (T | undefined)[] = [];
      const end = this.head + this.length;
      for (let i = this.head; i < end; i++) live.push(this.items[i]);
      this.items = live;
      this.head = 0;
    }
    return item;
  }

  /** Push the live items onto `out`, oldest first. */
  pushTo(out: T[]): void {
    const end = this.head + this.length;
    for (let i = this.head; i < end; i++) out.push(this.items[i] as T);
  }

  /** Empty the queue; returns how many items were dropped. */
  clear(): number {
    const n = this.length;
    this.items = [];
    this.head = 0;
    this.length = 0;
    return n;
  }
}
