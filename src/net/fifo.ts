/**
 * A first-in first-out queue without per-shift copying; limits are enforced by the owner.
 * The live items are items[head, tail): the ends are explicit counters, never the array's
 * length, and a taken slot is cleared. (Under typescript-to-lua an array with a cleared slot
 * has a hole, and Lua's `#` is unreliable past a hole: a queue that trusted `.length` lost
 * items there.)
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  push(item: T): void {
    this.items[this.tail++] = item;
  }

  peek(): T | undefined {
    return this.head < this.tail ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.tail) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.tail) {
      this.items = [];
      this.head = 0;
      this.tail = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.tail) {
      const live: (T | undefined)[] = [];
      for (let i = this.head; i < this.tail; i++) live.push(this.items[i]);
      this.items = live;
      this.tail -= this.head;
      this.head = 0;
    }
    return item;
  }

  /** Push the live items onto `out`, oldest first. */
  pushTo(out: T[]): void {
    for (let i = this.head; i < this.tail; i++) out.push(this.items[i] as T);
  }

  /** Empty the queue; returns how many items were dropped. */
  clear(): number {
    const n = this.length;
    this.items = [];
    this.head = 0;
    this.tail = 0;
    return n;
  }
}
