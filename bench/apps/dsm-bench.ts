/**
 * The DSM side of `mcdsm bench dsm` and the DSM's end-to-end checks in the simulator
 * (`dsm-bench -- --mode M --size BYTES --count N`). Modes:
 *  - `fetch`: rank 1 homes one `--size`-byte page (run with `--page-size` equal to it) and
 *    rewrites it every round; rank 0 reads it after each barrier, so every read is a fetch of
 *    a whole invalid page. Rank 0 reports `bench-start` / `bench-end` around each acquire only
 *    (the host sums the intervals) and checks the bytes it got.
 *  - `barrier`: every board meets at `--count` barriers; rank 0 brackets each one.
 *  - `disjoint`: every board writes its own bytes (index mod boards) of one page homed on the
 *    last rank, `--count` rounds, then reads the whole page back and checks every byte: the
 *    multiple-writer protocol must keep every board's bytes.
 *  - `bad-alloc`: rank 0 allocates `bench.bad` as Float64 and everyone else as Float32; the
 *    run must fail with an error naming the array.
 *  - `bad-acquire`: rank 0 acquires one element past the end of `bench.vec`; the run must
 *    fail with an error naming the array.
 * Rank 0 returns a small JSON result; the other ranks return null.
 */
import type { App, AppContext, AppValue } from '../../src/app.js';
import type { Dsm } from '../../src/dsm/index.js';
import { benchArgs } from './args.js';

/** A delay that ends the simulator step (1 us of virtual time): what follows is not timed. */
const NEXT_STEP_MS = 0.001;

/** The byte rank `rank` writes at index `i` in round `round` of `fetch` and `disjoint`. */
function pattern(round: number, rank: number, i: number): number {
  return (round * 31 + rank * 7 + i) & 0xff;
}

async function fetchMode(ctx: AppContext, dsm: Dsm, size: number, count: number): Promise<AppValue> {
  if (dsm.size < 2) throw new Error('dsm-bench fetch: needs 2 boards or more');
  const ranges: [number, number][] = [];
  for (let r = 0; r < dsm.size; r++) ranges.push(r === 1 ? [0, size] : [size, size]);
  const page = await dsm.alloc('bench.page', 'Uint8', size, { home: { ranges } });
  let fetched = 0;
  // Round 0 is the warm-up (first fetch, routes known); rounds 1..count are timed.
  for (let round = 0; round <= count; round++) {
    if (ctx.rank === 1) {
      const v = await dsm.acquire(page, 0, size, 'w');
      for (let i = 0; i < size; i++) v[i] = pattern(round, 1, i);
    }
    await dsm.barrier();
    if (ctx.rank === 0) {
      if (round > 0) ctx.event('bench-start', round - 1);
      const v = await dsm.acquire(page, 0, size, 'r');
      if (round > 0) {
        ctx.event('bench-end', round);
        // The host stamps bench-end when this step's work is done: checking goes to a later
        // step (a zero delay would run in this same step).
        await ctx.sleep(NEXT_STEP_MS);
      }
      for (let i = 0; i < size; i++) {
        if (v[i] !== pattern(round, 1, i)) throw new Error(`dsm-bench fetch: byte ${i} of 'bench.page' is ${v[i]} in round ${round}, expected ${pattern(round, 1, i)}`);
      }
      if (round > 0) fetched += size;
    }
    await dsm.barrier();
  }
  if (ctx.rank !== 0) return null;
  const s = dsm.stats();
  return { mode: 'fetch', size, count, fetched, fetches: s.fetches, fetchedBytes: s.fetchedBytes, bytesSent: s.bytesSent, bytesReceived: s.bytesReceived };
}

async function barrierMode(ctx: AppContext, dsm: Dsm, count: number): Promise<AppValue> {
  await dsm.barrier();
  for (let i = 0; i < count; i++) {
    if (ctx.rank === 0) ctx.event('bench-start', i);
    await dsm.barrier();
    if (ctx.rank === 0) ctx.event('bench-end', i + 1);
  }
  return ctx.rank === 0 ? { mode: 'barrier', boards: dsm.size, barriers: count } : null;
}

async function disjointMode(ctx: AppContext, dsm: Dsm, size: number, rounds: number): Promise<AppValue> {
  const n = dsm.size;
  const ranges: [number, number][] = [];
  for (let r = 0; r < n; r++) ranges.push(r === n - 1 ? [0, size] : [size, size]);
  const page = await dsm.alloc('bench.shared', 'Uint8', size, { home: { ranges } });
  for (let round = 1; round <= rounds; round++) {
    const v = await dsm.acquire(page, 0, size, 'rw');
    // Interleaved bytes: neighbours share every granule, the hardest case for diffs.
    for (let i = ctx.rank; i < size; i += n) v[i] = pattern(round, ctx.rank, i);
    await dsm.barrier();
    const all = await dsm.acquire(page, 0, size, 'r');
    for (let i = 0; i < size; i++) {
      const want = pattern(round, i % n, i);
      if (all[i] !== want) {
        throw new Error(`dsm-bench disjoint: round ${round}: rank ${ctx.rank} reads byte ${i} of 'bench.shared' as ${all[i]}, rank ${i % n} wrote ${want}`);
      }
    }
    await dsm.barrier();
  }
  return ctx.rank === 0 ? { mode: 'disjoint', boards: n, size, rounds, checked: rounds * size } : null;
}

async function badAlloc(ctx: AppContext, dsm: Dsm): Promise<AppValue> {
  await dsm.alloc('bench.bad', ctx.rank === 0 ? 'Float64' : 'Float32', 100);
  return { mode: 'bad-alloc', unexpected: 'the mismatched alloc succeeded' };
}

async function badAcquire(ctx: AppContext, dsm: Dsm): Promise<AppValue> {
  const vec = await dsm.alloc('bench.vec', 'Int32', 100);
  if (ctx.rank === 0) await dsm.acquire(vec, 0, 101, 'r');
  await dsm.barrier();
  return ctx.rank === 0 ? { mode: 'bad-acquire', unexpected: 'the out-of-range acquire succeeded' } : null;
}

async function main(ctx: AppContext): Promise<AppValue> {
  const o = benchArgs(ctx.args);
  const dsm = await ctx.dsm();
  // The page size by default, so `fetch` moves exactly one page.
  const size = ctx.args.includes('--size') ? o.size : dsm.limits.pageSize;
  if (size < 1) throw new Error('dsm-bench: --size must be at least 1');
  switch (o.mode) {
    case 'fetch':
      return fetchMode(ctx, dsm, size, o.count);
    case 'barrier':
      return barrierMode(ctx, dsm, o.count);
    case 'disjoint':
      return disjointMode(ctx, dsm, size, o.count);
    case 'bad-alloc':
      return badAlloc(ctx, dsm);
    case 'bad-acquire':
      return badAcquire(ctx, dsm);
    default:
      throw new Error(`dsm-bench: unknown mode ${o.mode} (fetch, barrier, disjoint, bad-alloc, bad-acquire)`);
  }
}

export const dsmBenchApp: App = { name: 'dsm-bench', main };
