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

/** Bytes of one grid value. */
const FLOAT64 = 8;

/**
 * Home element ranges, one per rank in rank order, tiling the grid, every bound but the
 * grid's end on a page boundary of the DSM's `pageSize`. Each board computes exactly the
 * interior cells it homes (`interiorOf`), so its writes stay in its own pages and only halo
 * rows cross the wire. A page's home is the board whose range holds its first element
 * (docs/DSM.md, "Placing homes"): a band of whole rows would start inside a page of the band
 * above (a row is rarely a whole number of pages) and every release would send that page's
 * home a DIFF and wait for its ack. The pages holding interior cells are shared as evenly as
 * possible; the first rank also homes the pages of row 0 before them, the last non-empty one
 * those of row N+1 after them; ranks past the number of such pages home nothing.
 */
export function laplaceHomes(n: number, boards: number, pageSize: number): [number, number][] {
  const xs = n + 2;
  const total = xs * xs;
  // A page of fewer bytes than a value: every value boundary is a page boundary.
  const perPage = Math.max(1, Math.floor(pageSize / FLOAT64));
  const lo = Math.floor((xs + 1) / perPage);
  const hi = Math.ceil((n * xs + n + 1) / perPage);
  const pages = hi - lo;
  const used = Math.min(pages, boards);
  const base = Math.floor(pages / used);
  const rem = pages % used;
  const out: [number, number][] = [];
  let page = lo;
  for (let r = 0; r < boards; r++) {
    if (r >= used) {
      out.push([total, total]);
      continue;
    }
    const next = page + base + (r < rem ? 1 : 0);
    out.push([r === 0 ? 0 : page * perPage, r === used - 1 ? total : next * perPage]);
    page = next;
  }
  return out;
}

/**
 * The interior cells (1 <= x, y <= n) of elements [s, e): `[first, last + 1)` in index order,
 * or null when there are none. What a rank computes; the columns 0 and n+1 between rows come
 * along inside the range, unchanged.
 */
export function interiorOf(n: number, s: number, e: number): [number, number] | null {
  const xs = n + 2;
  let y = Math.floor(s / xs);
  let x = s - y * xs;
  if (y < 1) {
    y = 1;
    x = 1;
  } else if (x < 1) x = 1;
  else if (x > n) {
    y++;
    x = 1;
  }
  const first = y * xs + x;
  y = Math.floor((e - 1) / xs);
  x = e - 1 - y * xs;
  if (y > n) {
    y = n;
    x = n;
  } else if (x > n) x = n;
  else if (x < 1) {
    y--;
    x = n;
  }
  const last = y * xs + x;
  return y >= 1 && first <= last ? [first, last + 1] : null;
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

/**
 * Cells [c0, c1) of one row: the kernel's expression, additions in the same order, for the
 * partial rows at the ends of a page-aligned range (`sweep` itself stays the sequential
 * baseline's kernel, unchanged).
 */
function sweepCells(dst: Float64Array, dstBase: number, src: Float64Array, srcBase: number, xs: number, c0: number, c1: number): void {
  for (let i = c0; i < c1; i++) {
    dst[i - dstBase] = (src[i - xs - srcBase]! + src[i + xs - srcBase]! + src[i - 1 - srcBase]! + src[i + 1 - srcBase]!) / 4.0;
  }
}

/**
 * The sweep over interior cells [c0, c1) (both ends interior cells, `interiorOf`): the head of
 * a row it starts inside, the whole rows through `sweep`, the tail of the row it ends inside.
 * Each cell gets the value the sequential sweep gives it, bit for bit.
 */
function sweepRange(
  dst: Float64Array,
  dstBase: number,
  src: Float64Array,
  srcBase: number,
  xs: number,
  n: number,
  c0: number,
  c1: number,
): void {
  let y = Math.floor(c0 / xs);
  if (c0 > y * xs + 1) {
    sweepCells(dst, dstBase, src, srcBase, xs, c0, Math.min(c1, y * xs + n + 1));
    y++;
  }
  // Rows y..yEnd-1 end (at cell y * xs + n) before c1.
  const yEnd = Math.floor((c1 - 1 - n) / xs) + 1;
  if (yEnd > y) {
    sweep(dst, dstBase, src, srcBase, xs, n, y, yEnd);
    y = yEnd;
  }
  if (y * xs + 1 < c1) sweepCells(dst, dstBase, src, srcBase, xs, y * xs + 1, c1);
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
  /**
   * Called when afterBarrier's promise rejects, with its `k` and the reason: returns to go on
   * (a checkpoint not taken), throws to end the run. Absent: the rejection ends the run. A
   * handler the run's own `await` calls, not a `.catch` on afterBarrier's promise: the derived
   * promise and its closure would be held through every checkpoint it waits for.
   */
  refused?: (k: number, e: unknown) => void;
  /** Called between the last iteration and the result digest (figures per phase). */
  onComputed?: () => void;
  /** Called with the DSM once the result is known, just before laplaceOnDsm returns it. */
  onDone?: (dsm: Dsm) => void;
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
 * Run the benchmark on a DSM whose every board calls this (`dsm` may be the promise of it: an
 * app's `main` then returns this function's promise and is not itself suspended for the run). The ranks hash their home ranges of
 * the final grid in turn (the SHA-256 state handed on through the DSM); rank 0 returns
 * `{ digest, n, iters, boards }`, the other ranks return null.
 */
export async function laplaceOnDsm(dsmOrPromise: Dsm | Promise<Dsm>, run: LaplaceRun): Promise<AppValue> {
  const dsm = await dsmOrPromise;
  const { n, iters } = run;
  const boards = dsm.size;
  const rank = dsm.rank;
  const xs = n + 2;
  const total = xs * xs;
  // Homes on the DSM's page boundaries: the same pages for every board (dsm.limits is agreed by all).
  const home = { ranges: laplaceHomes(n, boards, dsm.limits.pageSize) };
  const start = run.start ?? 0;
  // Called as the run's method (a run may be an object whose methods are on its class).
  const paused = run.pause !== undefined;
  const slice = Math.max(1, run.sliceCells ?? 4096);
  // Pushed: every rank reads the same halo rows of its neighbours every other iteration, so
  // the homes send them at the barrier instead of waiting to be asked (docs/DSM.md, "Pushing").
  let u = await dsm.alloc('laplace.u', 'Float64', total, { home, push: true });
  let uu = await dsm.alloc('laplace.uu', 'Float64', total, { home, push: true });
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
  const [homeStart, homeEnd] = home.ranges[rank]!;
  const cells = interiorOf(n, homeStart, homeEnd);
  for (let k = start; k < iters; k++) {
    if (cells !== null) {
      // Read the home's interior cells and their halo (a row above, a row below); write the
      // interior cells, which are all in this rank's own pages.
      const [c0, c1] = cells;
      const srcBase = c0 - xs;
      const src = await dsm.acquire(u, srcBase, c1 + xs, 'r');
      const dst = await dsm.acquire(uu, c0, c1, 'w');
      if (!paused) sweepRange(dst, c0, src, srcBase, xs, n, c0, c1);
      else {
        // The views stay valid until the next barrier, so the sweep can stop between slices,
        // each ending at the start of a row.
        const rows = Math.max(1, Math.floor(slice / xs));
        for (let c = c0; c < c1; ) {
          if (c > c0) await run.pause!();
          const next = Math.min(c1, (Math.floor(c / xs) + rows) * xs + 1);
          sweepRange(dst, c0, src, srcBase, xs, n, c, next);
          c = next;
        }
      }
    }
    const t = u;
    u = uu;
    uu = t;
    await dsm.barrier();
    run.onIter?.(k + 1);
    if (run.afterBarrier) {
      try {
        await run.afterBarrier(k + 1, u);
      } catch (e) {
        if (run.refused === undefined) throw e;
        run.refused(k + 1, e);
      }
    }
  }
  run.onComputed?.();
  // The running SHA-256 state the ranks hand on to each other at the end, homed on rank 0.
  // Allocated here, after the iterations, not with the grids: a shared array costs a board
  // ~100 XS slots whatever its size (its state, page tables, range lists), and held through
  // the iterations those would count at every checkpoint's peak (docs/FOOTPRINT.md "Round 11:
  // Laplace slots"). It is never checkpointed (only the current grid is), so a restored run
  // allocates it here too.
  const stateBytes = Sha256.STATE_BYTES;
  const hashHome = { ranges: home.ranges.map((_, r): [number, number] => (r === 0 ? [0, stateBytes] : [stateBytes, stateBytes])) };
  const hashState = await dsm.alloc('laplace.sha', 'Uint8', stateBytes, { home: hashHome });
  // The digest of the grid in index order, computed where the rows live: the home ranges tile
  // the grid in rank order, so each rank in turn takes the running SHA-256 state from the one
  // before (through `laplace.sha`), hashes its home range (its own pages: nothing is fetched) and
  // hands the state on at a barrier. The value is that of hashing the whole grid on one board,
  // for every board count; only 105 bytes per rank cross the wire instead of the grid.
  let sha: Sha256 | null = null;
  for (let r = 0; r < boards; r++) {
    const [s, e] = home.ranges[r]!;
    if (r === rank && e > s) {
      const state = await dsm.acquire(hashState, 0, stateBytes, 'rw');
      const mine = r === 0 ? new Sha256() : new Sha256().loadState(state);
      const band = await dsm.acquire(u, s, e, 'r');
      if (!paused) digestInto(mine, band);
      else {
        // Hashing a value (SHA-256 in XS: about 190 units per byte) costs some 16 sweep steps.
        const hashSlice = Math.max(1, slice >>> 4);
        for (let i = 0; i < band.length; i += hashSlice) {
          if (i > 0) await run.pause!();
          digestInto(mine, band.subarray(i, i + hashSlice));
        }
      }
      mine.saveState(state);
    }
    if (e > s) await dsm.barrier();
  }
  if (rank === 0) sha = new Sha256().loadState(await dsm.acquire(hashState, 0, stateBytes, 'r'));
  run.onDone?.(dsm);
  return sha ? { digest: sha.digestHex(), n, iters, boards } : null;
}
