/**
 * The DSM side of `mcdsm bench dsm` and the DSM's end-to-end checks in the simulator
 * (`dsm-bench -- --mode M --size BYTES --count N`). Modes:
 *  - `fetch`: rank 1 homes one `--size`-byte page (run with `--page-size` equal to it) and
 *    rewrites it every round; rank 0 reads it after each barrier, so every read is a fetch of
 *    a whole invalid page. Rank 0 reports `bench-start` / `bench-end` around each acquire only
 *    (the host sums the intervals) and checks the bytes it got. Before each timed acquire it
 *    waits SETTLE_MS (untimed) so the barrier's tail is over: rank 1, released, goes straight
 *    on to the next barrier and sends its BARRIER_ARRIVE, and without the wait that step of
 *    rank 1 (and rank 0 taking the arrival) fell inside the window, in front of the fetch.
 *  - `fetch-barrier`: `fetch` without the wait (the fetch timed right behind the barrier, as
 *    an application that reads just after a barrier sees it).
 *  - `fetch-layers`, `barrier-layers`: `fetch` and `barrier` with the per-layer profiler
 *    (layer-meter.ts, the DSM's classes as layer `dsm`) on every board from the first timed
 *    round to the last; every rank returns its layers (XS only). A round of `fetch` is one
 *    fetch and two barriers: the fetch's share is a fetch round less two barriers.
 *  - `fetch-steps`: `fetch` with the profiler counting only the fetch's two critical steps
 *    (the home's step that serves the FETCH, the reader's that takes the page: the board steps
 *    in which `Home.serveFetch` or `Client.fetched` ran); `node dist/bench/layers.js --fetch`.
 *  - `fetch-request-steps`: the same for the reader's step that sends the FETCH (the one in
 *    which `Client.fetchStale` ran: `bench-start` to the request on the wire and the step's tail).
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
import { LayerMeter } from './layer-meter.js';
import * as dsmBarrier from '../../src/dsm/barrier.js';
import * as dsmClient from '../../src/dsm/client.js';
import * as dsmCodec from '../../src/dsm/codec.js';
import * as dsmCore from '../../src/dsm/dsm.js';
import * as dsmHome from '../../src/dsm/home.js';
import * as dsmManagers from '../../src/dsm/managers.js';
import * as dsmTransport from '../../src/dsm/mcapi-transport.js';
import * as dsmRanges from '../../src/dsm/range-list.js';
import * as dsmReadCheck from '../../src/dsm/read-check.js';
import * as dsmWindow from '../../src/dsm/request-window.js';
import * as dsmArray from '../../src/dsm/shared-array.js';
import * as dsmStale from '../../src/dsm/stale-map.js';
import * as dsmSync from '../../src/dsm/sync.js';

/** A delay that ends the simulator step (1 us of virtual time): what follows is not timed. */
const NEXT_STEP_MS = 0.001;

/**
 * Virtual ms rank 0 waits after the barrier before a timed fetch in `fetch` mode: rank 1's
 * next BARRIER_ARRIVE (one step of ~16k units, 2.4 ms at 150 ns/unit, and under 1.5 ms on the
 * wire of either bench link) and rank 0's taking of it are over well within it.
 */
const SETTLE_MS = 20;

/** The byte rank `rank` writes at index `i` in round `round` of `fetch` and `disjoint`. */
function pattern(round: number, rank: number, i: number): number {
  return (round * 31 + rank * 7 + i) & 0xff;
}

/** The profiler of the `-layers` modes: the runtime's layers and the DSM's classes. */
function dsmMeter(ctx: AppContext): LayerMeter {
  const meter = new LayerMeter([
    ['dsm', [dsmBarrier, dsmClient, dsmCodec, dsmCore, dsmHome, dsmManagers, dsmTransport, dsmRanges, dsmReadCheck, dsmWindow, dsmArray, dsmStale, dsmSync]],
  ]);
  if (!meter.install(ctx.mcapi)) throw new Error('dsm-bench: the -layers modes need an XS board (xsnap-worker meter)');
  return meter;
}

/**
 * The profiler of `fetch-steps`: only the fetch's critical steps (the home serving, the reader
 * taking the page); of `fetch-request-steps`: only the reader's step that sends the FETCH.
 */
function stepMeter(ctx: AppContext, marks: string[]): LayerMeter {
  const meter = dsmMeter(ctx);
  if (!meter.countSteps(marks)) throw new Error('dsm-bench: fetch-steps needs xsnap-worker (handleCommand)');
  return meter;
}

function meterResult(meter: LayerMeter | null, result: AppValue): AppValue {
  return meter === null ? result : { layers: meter.stop(), methods: meter.topMethods(200), steps: meter.keptSteps };
}

async function fetchMode(ctx: AppContext, dsm: Dsm, size: number, count: number, settle: boolean, meter: LayerMeter | null): Promise<AppValue> {
  if (dsm.size < 2) throw new Error('dsm-bench fetch: needs 2 boards or more');
  const ranges: [number, number][] = [];
  for (let r = 0; r < dsm.size; r++) ranges.push(r === 1 ? [0, size] : [size, size]);
  const page = await dsm.alloc('bench.page', 'Uint8', size, { home: { ranges } });
  let fetched = 0;
  // Round 0 is the warm-up (first fetch, routes known); rounds 1..count are timed.
  for (let round = 0; round <= count; round++) {
    if (round === 1) meter?.start();
    if (ctx.rank === 1) {
      const v = await dsm.acquire(page, 0, size, 'w');
      for (let i = 0; i < size; i++) v[i] = pattern(round, 1, i);
    }
    await dsm.barrier();
    if (ctx.rank === 0) {
      if (settle && round > 0) await ctx.sleep(SETTLE_MS);
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
  if (meter !== null) return meterResult(meter, null);
  if (ctx.rank !== 0) return null;
  const s = dsm.stats();
  return { mode: 'fetch', size, count, fetched, fetches: s.fetches, fetchedBytes: s.fetchedBytes, bytesSent: s.bytesSent, bytesReceived: s.bytesReceived };
}

async function barrierMode(ctx: AppContext, dsm: Dsm, count: number, meter: LayerMeter | null): Promise<AppValue> {
  await dsm.barrier();
  meter?.start();
  for (let i = 0; i < count; i++) {
    if (ctx.rank === 0) ctx.event('bench-start', i);
    await dsm.barrier();
    if (ctx.rank === 0) ctx.event('bench-end', i + 1);
  }
  if (meter !== null) return meterResult(meter, null);
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

function fetchMeter(ctx: AppContext, mode: string): LayerMeter | null {
  if (mode === 'fetch-layers') return dsmMeter(ctx);
  if (mode === 'fetch-steps') return stepMeter(ctx, ['Home.serveFetch', 'Client.fetched']);
  if (mode === 'fetch-request-steps') return stepMeter(ctx, ['Client.fetchStale']);
  return null;
}

async function main(ctx: AppContext): Promise<AppValue> {
  const o = benchArgs(ctx.args);
  const dsm = await ctx.dsm();
  // The page size by default, so `fetch` moves exactly one page.
  const size = ctx.args.includes('--size') ? o.size : dsm.limits.pageSize;
  if (size < 1) throw new Error('dsm-bench: --size must be at least 1');
  switch (o.mode) {
    case 'fetch':
    case 'fetch-barrier':
    case 'fetch-layers':
    case 'fetch-steps':
    case 'fetch-request-steps':
      return fetchMode(ctx, dsm, size, o.count, o.mode !== 'fetch-barrier', fetchMeter(ctx, o.mode));
    case 'barrier':
    case 'barrier-layers':
      return barrierMode(ctx, dsm, o.count, o.mode === 'barrier-layers' ? dsmMeter(ctx) : null);
    case 'disjoint':
      return disjointMode(ctx, dsm, size, o.count);
    case 'bad-alloc':
      return badAlloc(ctx, dsm);
    case 'bad-acquire':
      return badAcquire(ctx, dsm);
    default:
      throw new Error(`dsm-bench: unknown mode ${o.mode} (fetch, fetch-barrier, fetch-layers, fetch-steps, fetch-request-steps, barrier, barrier-layers, disjoint, bad-alloc, bad-acquire)`);
  }
}

export const dsmBenchApp: App = { name: 'dsm-bench', main };
