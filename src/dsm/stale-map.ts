/**
 * One bit per granule of a shared array: set when the local copy of that granule may be
 * out of date (a write notice covered it) and must be fetched from the home before it is
 * read. Home pages never have bits set: the home copy is the master.
 *
 * Whole words are set and cleared with `fill` (a native loop) and scanned a word at a time:
 * a barrier marks most of an array stale at once and an acquire scans its whole range, so
 * per-granule loops here cost more than the data they guard. Words are Int32 (XS keeps
 * them as integers; Uint32 words above 2^31 would be doubles).
 */
export class StaleMap {
  private readonly words: Int32Array;

  constructor(readonly granules: number) {
    this.words = new Int32Array((granules + 31) >>> 5);
  }

  isStale(g: number): boolean {
    return (this.words[g >>> 5]! & (1 << (g & 31))) !== 0;
  }

  /** Mark [start, end) stale; returns how many granules were newly marked. */
  mark(start: number, end: number): number {
    if (end <= start) return 0;
    const w = this.words;
    let added = 0;
    for (let i = start >>> 5, last = (end - 1) >>> 5; i <= last; i++) {
      const old = w[i]!;
      if (old !== -1) added += popcount(~old & wordMask(i, start, end));
    }
    this.fill(start, end);
    return added;
  }

  /** Mark [start, end) stale without counting (the barrier's bulk invalidation). */
  fill(start: number, end: number): void {
    if (end <= start) return;
    const w = this.words;
    const w0 = start >>> 5;
    const w1 = (end - 1) >>> 5;
    const head = -1 << (start & 31);
    const tail = -1 >>> (31 - ((end - 1) & 31));
    if (w0 === w1) {
      w[w0] = w[w0]! | (head & tail);
    } else {
      w[w0] = w[w0]! | head;
      if (w1 > w0 + 1) w.fill(-1, w0 + 1, w1);
      w[w1] = w[w1]! | tail;
    }
  }

  /** Mark [start, end) fresh. */
  clear(start: number, end: number): void {
    if (end <= start) return;
    const w = this.words;
    const w0 = start >>> 5;
    const w1 = (end - 1) >>> 5;
    const head = -1 << (start & 31);
    const tail = -1 >>> (31 - ((end - 1) & 31));
    if (w0 === w1) {
      w[w0] = w[w0]! & ~(head & tail);
    } else {
      w[w0] = w[w0]! & ~head;
      if (w1 > w0 + 1) w.fill(0, w0 + 1, w1);
      w[w1] = w[w1]! & ~tail;
    }
  }

  /** First granule in [from, end) whose staleness equals `stale`, or `end`. */
  next(from: number, end: number, stale: boolean): number {
    if (from >= end) return end;
    const w = this.words;
    const last = (end - 1) >>> 5;
    let i = from >>> 5;
    // Bits of the wanted kind, below `from` masked off.
    let x = (stale ? w[i]! : ~w[i]!) & (-1 << (from & 31));
    if (stale) {
      while (x === 0) {
        if (++i > last) return end;
        x = w[i]!;
      }
    } else {
      while (x === 0) {
        if (++i > last) return end;
        x = ~w[i]!;
      }
    }
    const g = (i << 5) + 31 - Math.clz32(x & -x);
    return g < end ? g : end;
  }
}

/** The bits of word i that lie in granules [start, end). */
function wordMask(i: number, start: number, end: number): number {
  const lo = i << 5;
  const head = start > lo ? -1 << (start & 31) : -1;
  const tail = end < lo + 32 ? -1 >>> (32 - (end - lo)) : -1;
  return head & tail;
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
