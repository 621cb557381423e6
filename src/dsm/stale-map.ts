/**
 * One bit per granule of a shared array: set when the local copy of that granule may be
 * out of date (a write notice covered it) and must be fetched from the home before it is
 * read. Home pages never have bits set: the home copy is the master.
 */
export class StaleMap {
  private readonly words: Uint32Array;

  constructor(readonly granules: number) {
    this.words = new Uint32Array((granules + 31) >>> 5);
  }

  isStale(g: number): boolean {
    return (this.words[g >>> 5]! & (1 << (g & 31))) !== 0;
  }

  /** Mark [start, end) stale; returns how many granules were newly marked. */
  mark(start: number, end: number): number {
    let added = 0;
    for (let g = start; g < end; ) {
      const w = g >>> 5;
      const bit = g & 31;
      if (bit === 0 && g + 32 <= end) {
        const old = this.words[w]!;
        if (old !== 0xffffffff) {
          added += 32 - popcount(old);
          this.words[w] = 0xffffffff;
        }
        g += 32;
        continue;
      }
      const m = 1 << bit;
      if ((this.words[w]! & m) === 0) {
        this.words[w] = this.words[w]! | m;
        added++;
      }
      g++;
    }
    return added;
  }

  /** Mark [start, end) fresh. */
  clear(start: number, end: number): void {
    for (let g = start; g < end; ) {
      const w = g >>> 5;
      if ((g & 31) === 0 && g + 32 <= end) {
        this.words[w] = 0;
        g += 32;
        continue;
      }
      this.words[w] = this.words[w]! & ~(1 << (g & 31));
      g++;
    }
  }

  /** First granule in [from, end) whose staleness equals `stale`, or `end`. */
  next(from: number, end: number, stale: boolean): number {
    let g = from;
    while (g < end) {
      const word = this.words[g >>> 5]!;
      if ((g & 31) === 0 && word === (stale ? 0 : 0xffffffff)) {
        g += 32;
        continue;
      }
      if (((word & (1 << (g & 31))) !== 0) === stale) return g;
      g++;
    }
    return end;
  }
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
