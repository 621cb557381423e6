/**
 * The spans a checkpoint delta carries: where a segment differs from its committed copy
 * (diffSpans, the JS reference the native helper must match byte for byte) and where a new
 * segment is not zero (nonZeroSpans). Apart from image.ts for its size; buildPending uses both.
 */
import type { NativeBytes } from '../wire/native.js';

/**
 * Call `emit(start, end)` for each span where `b` differs from `a` (same length). Spans
 * separated by at most `gap` equal bytes are merged: a run header costs about as much.
 * Where both arrays are aligned it compares 32-bit words, through equal stretches and through
 * differing ones alike (a checkpoint of a state that changed everywhere is mostly the latter),
 * and looks at single bytes only at the edges of a span.
 */
export function diffSpans(a: Uint8Array, b: Uint8Array, gap: number, emit: (start: number, end: number) => void): void {
  const n = Math.min(a.length, b.length);
  let wa: Uint32Array | null = null;
  let wb: Uint32Array | null = null;
  if (n >= 32 && (a.byteOffset & 3) === 0 && (b.byteOffset & 3) === 0) {
    wa = new Uint32Array(a.buffer, a.byteOffset, n >>> 2);
    wb = new Uint32Array(b.buffer, b.byteOffset, n >>> 2);
  }
  const nw = wa === null ? 0 : wa.length;
  /** The first differing byte at or after `from` (n if none). */
  const skip = (from: number): number => {
    let i = from;
    if (wa !== null && wb !== null) {
      while (i < n && (i & 3) !== 0) {
        if (a[i] !== b[i]) return i;
        i++;
      }
      let w = i >>> 2;
      while (w < nw && wa[w] === wb[w]) w++;
      if ((w << 2) > i) i = w << 2;
    }
    while (i < n && a[i] === b[i]) i++;
    return i;
  };
  let i = 0;
  while (i < n) {
    i = skip(i);
    if (i >= n) break;
    const start = i;
    // `last`: the last differing byte of the span so far; `j`: the next byte to look at.
    let last = i;
    let j = i + 1;
    while (j < n) {
      if (a[j] !== b[j]) {
        // Whole differing words may hide up to 3 + 3 equal bytes between two differing ones:
        // only a gap that merges those anyway lets the word loop decide alone.
        if (wa !== null && wb !== null && (j & 3) === 0 && gap >= 6) {
          const w0 = j >>> 2;
          let w = w0;
          while (w < nw && wa[w] !== wb[w]) w++;
          if (w > w0) {
            // Word w-1 differs: its last differing byte ends the span so far.
            let k = (w << 2) - 1;
            while (a[k] === b[k]) k--;
            last = k;
            j = w << 2;
            continue;
          }
        }
        last = j++;
        continue;
      }
      const k = skip(j);
      if (k >= n || k - last - 1 > gap) {
        j = k;
        break;
      }
      last = k;
      j = k + 1;
    }
    emit(start, last + 1);
    i = j;
  }
}

/** Bytes compared at a time when looking for the non-zero spans of a new segment. */
export const ZERO_CHUNK = 4096;

/**
 * Call `emit(start, end)` for spans covering every non-zero byte of `b` (equal-byte gaps of at
 * most `gap` merged, as diffSpans does), comparing `b` with zeros a chunk at a time so that no
 * zero copy of `b` is needed. `zeros`: ZERO_CHUNK zero bytes (or as many as `b` has).
 */
export function nonZeroSpans(
  b: Uint8Array, zeros: Uint8Array, gap: number, native: NativeBytes | undefined, emit: (start: number, end: number) => void,
): void {
  let ps = -1;
  let pe = -1;
  const add = (s: number, e: number): void => {
    // A span cut by a chunk edge (or closer than `gap` to the previous one) continues it.
    if (ps >= 0 && s - pe <= gap) {
      pe = e;
      return;
    }
    if (ps >= 0) emit(ps, pe);
    ps = s;
    pe = e;
  };
  const nativeDiff = native?.diffSpans;
  for (let at = 0; at < b.length; at += zeros.length) {
    const n = Math.min(zeros.length, b.length - at);
    const z = n === zeros.length ? zeros : zeros.subarray(0, n);
    const c = b.subarray(at, at + n);
    if (nativeDiff !== undefined) {
      const spans = nativeDiff(z, c, gap);
      for (let k = 0; k + 1 < spans.length; k += 2) add(at + spans[k]!, at + spans[k + 1]!);
    } else {
      diffSpans(z, c, gap, (s, e) => add(at + s, at + e));
    }
  }
  if (ps >= 0) emit(ps, pe);
}
