/**
 * The seed paper's benchmark (SCASH/MCAPI, Figure 5): Jacobi iterations of the 2-D Laplace
 * equation on an (N+2) x (N+2) grid, row-major u[y * XS + x] with XS = N + 2. Row y = 0 is
 * held at 1.0, every other boundary at 0.0. Engine neutral: runs on the boards.
 */
import type { AppValue } from '../../src/app.js';
import type { Dsm, DsmArray } from '../../src/dsm/index.js';
import { Sha256 } from '../../src/util/sha256.js';

export interface LaplaceOptions {
  n: number;
  iters: number;
}

/** Rows [first, first + count) of 1..n that `rank` computes: as even as possible. */
export function bandOf(n: number, boards: number, rank: number): { first: number; count: number } {
  const base = Math.floor(n / boards);
  const rem = n % boards;
  return { first: 1 + rank * base + Math.min(rank, rem), count: base + (rank < rem ? 1 : 0) };
}

/**
 * Home element ranges: each board homes the rows it computes, so its writes stay local and
 * only halo rows cross the wire. Row 0 goes with the first band, row N+1 with the last
 * non-empty one; boards without rows home nothing.
 */
export function laplaceHomes(n: number, boards: number): [number, number][] {
  const xs = n + 2;
  const total = xs * xs;
  const used = Math.min(n, boards);
  const out: [number, number][] = [];
  for (let r = 0; r < boards; r++) {
    if (r >= used) {
      out.push([total, total]);
      continue;
    }
    const { first, count } = bandOf(n, boards, r);
    out.push([r === 0 ? 0 : first * xs, r === used - 1 ? total : (first + count) * xs]);
  }
  return out;
}

/** One Jacobi sweep over rows [y0, y1): the kernel of Figure 5, additions in its order. */
function sweep(
  dst: Float64Array,
  dstBase: number,
  src: Float64Array,
  srcBase: number,
  xs: number,
  n: number,
  y0: number,
  y1: number,
): void {
  for (let y = y0; y < y1; y++) {
    const row = y * xs;
    for (let x = 1; x <= n; x++) {
      const i = row + x;
      dst[i - dstBase] = (src[i - xs - srcBase]! + src[i + xs - srcBase]! + src[i - 1 - srcBase]! + src[i + 1 - srcBase]!) / 4.0;
    }
  }
}

/** The whole computation on one board; tests compare the DSM result with it bit for bit. */
export function laplaceSequential(n: number, iters: number): Float64Array {
  const xs = n + 2;
  let u = new Float64Array(xs * xs);
  let uu = new Float64Array(xs * xs);
  for (let x = 0; x < xs; x++) {
    u[x] = 1.0;
    uu[x] = 1.0;
  }
  for (let k = 0; k < iters; k++) {
    sweep(uu, 0, u, 0, xs, n, 1, n + 1);
    const t = u;
    u = uu;
    uu = t;
  }
  return u;
}

/** SHA-256 of the values as little-endian IEEE 754 doubles, in index order. */
export function digestFloat64(values: Float64Array): string {
  return digestInto(new Sha256(), values).digestHex();
}

/** Feed the values to `sha` as little-endian doubles (on a little-endian board: their own bytes). */
function digestInto(sha: Sha256, values: Float64Array): Sha256 {
  if (new Uint8Array(new Float64Array([-0]).buffer)[7] === 0x80) {
    return sha.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  const chunk = new Uint8Array(4096);
  const dv = new DataView(chunk.buffer);
  for (let i = 0; i < values.length; ) {
    const n = Math.min(values.length - i, chunk.length / 8);
    for (let j = 0; j < n; j++) dv.setFloat64(8 * j, values[i + j]!, true);
    sha.update(n * 8 === chunk.length ? chunk : chunk.subarray(0, n * 8));
    i += n;
  }
  return sha;
}

export interface LaplaceRun extends LaplaceOptions {
  /**
   * Iterations already done: the DSM's arrays were restored from a checkpoint taken after
   * that many (fault tolerance). Default 0: a fresh start.
   */
  start?: number;
  /** Called after each iteration's barrier with the iteration count so far. */
  onIter?: (k: number) => void;
  /**
   * Awaited after onIter, while every board stands between the same two iterations and every
   * write has reached its home: where a checkpoint goes. `current` holds the grid after k
   * iterations; the other array is scratch (its interior is rewritten before it is read).
   */
  afterBarrier?: (k: number, current: DsmArray<'Float64'>) => Promise<unknown>;
  /** Called between the last iteration and the result digest (figures per phase). */
  onComputed?: () => void;
  /**
   * Lets the board's timers run (fault tolerance: `ctx.ft.yield`): awaited between slices of
   * the sweep and of the final digest, each about `sliceCells` values, so that no stretch of
   * computation outlasts the heartbeat timeout on a slow board. Absent: no pauses.
   */
  pause?: () => Promise<void>;
  /** Values per slice of the sweep between pauses (the digest takes 1/16 as many). Default 4096: about 0.4M XS units, 60 ms on an ESP32 (docs/SIMULATOR.md, CPU model). */
  sliceCells?: number;
}

/**
 * Run the benchmark on a DSM whose every board calls this. The ranks hash their own rows of
 * the final grid in turn (the SHA-256 state handed on through the DSM); rank 0 returns
 * `{ digest, n, iters, boards }`, the other ranks return null.
 */
export async function laplaceOnDsm(dsm: Dsm, run: LaplaceRun): Promise<AppValue> {
  const { n, iters } = run;
  const boards = dsm.size;
  const rank = dsm.rank;
  const xs = n + 2;
  const total = xs * xs;
  const home = { ranges: laplaceHomes(n, boards) };
  const start = run.start ?? 0;
  const pause = run.pause;
  const slice = Math.max(1, run.sliceCells ?? 4096);
  // Pushed: every rank reads the same halo rows of its neighbours every other iteration, so
  // the homes send them at the barrier instead of waiting to be asked (docs/DSM.md, "Pushing").
  let u = await dsm.alloc('laplace.u', 'Float64', total, { home, push: true });
  let uu = await dsm.alloc('laplace.uu', 'Float64', total, { home, push: true });
  // The running SHA-256 state the ranks hand on to each other at the end, homed on rank 0.
  const stateBytes = Sha256.STATE_BYTES;
  const hashHome = { ranges: home.ranges.map((_, r): [number, number] => (r === 0 ? [0, stateBytes] : [stateBytes, stateBytes])) };
  const hashState = await dsm.alloc('laplace.sha', 'Uint8', stateBytes, { home: hashHome });
  if (start % 2 === 1) {
    // After an odd number of iterations the latest grid is the one allocated second.
    const t = u;
    u = uu;
    uu = t;
  }
  // Also after a restart: a checkpoint saves the current grid only, the other one starts from zeros.
  if (rank === 0) {
    (await dsm.acquire(u, 0, xs, 'w')).fill(1.0);
    (await dsm.acquire(uu, 0, xs, 'w')).fill(1.0);
  }
  await dsm.barrier();
  const { first, count } = bandOf(n, boards, rank);
  const end = first + count;
  for (let k = start; k < iters; k++) {
    if (count > 0) {
      // Read the band and the halo rows' interior; write the band's interior (the columns
      // between rows come along, unchanged, which keeps it one range).
      const srcBase = (first - 1) * xs + 1;
      const src = await dsm.acquire(u, srcBase, end * xs + n + 1, 'r');
      const dstBase = first * xs + 1;
      const dst = await dsm.acquire(uu, dstBase, (end - 1) * xs + n + 1, 'w');
      if (pause === undefined) sweep(dst, dstBase, src, srcBase, xs, n, first, end);
      else {
        // The views stay valid until the next barrier, so the sweep can stop between rows.
        const rows = Math.max(1, Math.floor(slice / xs));
        for (let y = first; y < end; y += rows) {
          if (y > first) await pause();
          sweep(dst, dstBase, src, srcBase, xs, n, y, Math.min(end, y + rows));
        }
      }
    }
    const t = u;
    u = uu;
    uu = t;
    await dsm.barrier();
    run.onIter?.(k + 1);
    if (run.afterBarrier) await run.afterBarrier(k + 1, u);
  }
  run.onComputed?.();
  // The digest of the grid in index order, computed where the rows live: the home ranges tile
  // the grid in rank order, so each rank in turn takes the running SHA-256 state from the one
  // before (through `laplace.sha`), hashes its own rows (home pages: nothing is fetched) and
  // hands the state on at a barrier. The value is that of hashing the whole grid on one board,
  // for every board count; only 105 bytes per rank cross the wire instead of the grid.
  let sha: Sha256 | null = null;
  for (let r = 0; r < boards; r++) {
    const [s, e] = home.ranges[r]!;
    if (r === rank && e > s) {
      const state = await dsm.acquire(hashState, 0, stateBytes, 'rw');
      const mine = r === 0 ? new Sha256() : new Sha256().loadState(state);
      const band = await dsm.acquire(u, s, e, 'r');
      if (pause === undefined) digestInto(mine, band);
      else {
        // Hashing a value (SHA-256 in XS: about 190 units per byte) costs some 16 sweep steps.
        const hashSlice = Math.max(1, slice >>> 4);
        for (let i = 0; i < band.length; i += hashSlice) {
          if (i > 0) await pause();
          digestInto(mine, band.subarray(i, i + hashSlice));
        }
      }
      mine.saveState(state);
    }
    if (e > s) await dsm.barrier();
  }
  if (rank === 0) sha = new Sha256().loadState(await dsm.acquire(hashState, 0, stateBytes, 'r'));
  return sha ? { digest: sha.digestHex(), n, iters, boards } : null;
}
