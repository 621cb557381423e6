/**
 * A set of half-open integer ranges kept sorted, disjoint and non-adjacent (touching ranges
 * are merged). Used for write notices (granules), write-only ranges (bytes) and declared
 * writes. Two ways to bound it: `lossyCap` merges the two closest ranges when the count
 * would pass the cap (a superset, fine for notices: it only invalidates more), while a
 * lossless list reports overflow to its caller (write-only ranges must stay exact).
 */
export class RangeList {
  /** start0, end0, start1, end1, ... */
  private readonly r: number[] = [];

  /**
   * Set only when above 0 (unset, a field reads undefined): most lists have neither, and a
   * property is an XS slot of every list a board holds (Round 14: DSM member slots).
   */
  declare private readonly lossyCap: number | undefined;
  declare private readonly joinGap: number | undefined;

  /**
   * `joinGap`: ranges at most this far apart are joined as if they touched (the gap goes in
   * too): a superset, so only for lists where more is harmless (write notices: the barrier's,
   * docs/DSM.md "Barrier"). 0 keeps the list exact but for `lossyCap`.
   */
  constructor(lossyCap = 0, joinGap = 0) {
    if (lossyCap > 0) this.lossyCap = lossyCap;
    if (joinGap > 0) this.joinGap = joinGap;
  }

  get count(): number {
    return this.r.length >>> 1;
  }

  get empty(): boolean {
    return this.r.length === 0;
  }

  start(i: number): number {
    return this.r[2 * i]!;
  }

  end(i: number): number {
    return this.r[2 * i + 1]!;
  }

  clear(): void {
    this.r.length = 0;
  }

  /** Add [start, end). Returns the new range count (before any lossy merge). */
  add(start: number, end: number): number {
    if (end <= start) return this.count;
    const r = this.r;
    const gap = this.joinGap ?? 0;
    // First range whose end >= start - gap (it may touch, overlap or join the new one).
    let lo = 0;
    let hi = r.length >>> 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (r[2 * mid + 1]! + gap < start) lo = mid + 1;
      else hi = mid;
    }
    let j = lo;
    let s = start;
    let e = end;
    while (j < r.length >>> 1 && r[2 * j]! <= e + gap) {
      if (r[2 * j]! < s) s = r[2 * j]!;
      if (r[2 * j + 1]! > e) e = r[2 * j + 1]!;
      j++;
    }
    r.splice(2 * lo, 2 * (j - lo), s, e);
    const n = r.length >>> 1;
    const cap = this.lossyCap;
    if (cap !== undefined && n > cap) this.mergeClosest();
    return n;
  }

  /** Take [start, end) out of the list (splitting a range it falls inside). */
  remove(start: number, end: number): void {
    if (end <= start) return;
    const r = this.r;
    const out: number[] = [];
    for (let i = 0; i < r.length; i += 2) {
      const s = r[i]!;
      const e = r[i + 1]!;
      if (e <= start || s >= end) out.push(s, e);
      else {
        if (s < start) out.push(s, start);
        if (e > end) out.push(end, e);
      }
    }
    r.length = 0;
    for (const x of out) r.push(x);
  }

  addAll(other: RangeList): void {
    for (let i = 0; i < other.count; i++) this.add(other.start(i), other.end(i));
  }

  /** True when some range overlaps [start, end). */
  overlaps(start: number, end: number): boolean {
    for (let i = 0; i < this.count; i++) {
      if (this.r[2 * i]! >= end) return false;
      if (this.r[2 * i + 1]! > start) return true;
    }
    return false;
  }

  /** Calls `fn` with each non-empty intersection of the list with [start, end), ascending. */
  forEachIn(start: number, end: number, fn: (s: number, e: number) => void): void {
    for (let i = 0; i < this.count; i++) {
      const s = this.r[2 * i]!;
      const e = this.r[2 * i + 1]!;
      if (s >= end) return;
      if (e <= start) continue;
      fn(s > start ? s : start, e < end ? e : end);
    }
  }

  private mergeClosest(): void {
    const r = this.r;
    let best = 1;
    let bestGap = Infinity;
    for (let i = 1; i < r.length >>> 1; i++) {
      const gap = r[2 * i]! - r[2 * i - 1]!;
      if (gap < bestGap) {
        bestGap = gap;
        best = i;
      }
    }
    r.splice(2 * best - 1, 2);
  }
}
