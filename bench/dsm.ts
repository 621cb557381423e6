/**
 * `mcdsm bench dsm`: the DSM's figures, on XS boards in the simulator.
 *
 *  - pageFetch4k: rank 0 reads a 4 KiB page (page size 4096) that rank 1 homes and rewrote,
 *    so every read fetches the whole page (bench/apps/dsm-bench.ts, mode `fetch`), against
 *    the same exchange done raw on the same HAL link — a 4-byte request answered by 4 KiB,
 *    no network layer, MCAPI or DSM (bench/apps/raw-fetch.ts). Only the fetch is timed: the
 *    apps bracket each one with bench-start / bench-end and the host sums the intervals.
 *    Two boards, one ideal link (no line time, whole frames), as in `bench mcapi`, so what
 *    is measured is the software on both sides. Runs are interleaved, median of the repeats.
 *  - barrierUs: wall time per barrier on 2, 4 and 8 boards (full mesh of ideal links: every
 *    board one hop from the manager, rank 0).
 *  - laplace: 4 boards, N = 256, 100 iterations, 1 KiB pages, UART links at 921600 baud.
 *    wireRatio = every byte on every link (COBS, frame headers, per-hop and MCAPI
 *    acknowledgements, barriers, rank 0's final gather included) / 1 228 800, the bytes of
 *    the minimal halo exchange (100 iterations x 3 band edges x 2 directions x 256 doubles).
 *    cpuRatio = XS metering units (deterministic: the same on every run, unlike wall time)
 *    of the whole run summed over the 4 boards / the same units of `laplace-seq`, the
 *    sequential kernel plus the same result digest on one XS board.
 *
 * The topology for Laplace is the one given (default `full`, see docs/DSM.md "Figures" for
 * why): the line and ring figures are printed next to it.
 */
import { median, meteredWindows, round, timedIntervals } from './timing.js';
import type { RunOptions } from '../host-sim/sim/run.js';
import type { SimSummary, Simulator } from '../host-sim/sim/simulator.js';

export interface DsmBenchResult {
  pageFetch4k: { dsmUs: number; rawUs: number; ratio: number };
  barrierUs: { '2': number; '4': number; '8': number };
  laplace: { boards: 4; n: 256; wireRatio: number; cpuRatio: number };
}

export interface DsmBenchOptions {
  /** Timed fetches per run (default 100). */
  fetches?: number;
  /** Pairs of fetch runs and barrier runs per board count; the median is taken (default 3). */
  repeats?: number;
  /** Barriers timed per run (default 100). */
  barriers?: number;
  /** Laplace iterations (default 100: the figure is defined for 100). */
  iters?: number;
  /** Laplace topology (default full). */
  topology?: string;
  /** Also run Laplace on the other topologies and print their wire ratios (default true). */
  compareTopologies?: boolean;
  log?: (line: string) => void;
}

/** Bytes of the minimal halo exchange of one Laplace iteration: 3 edges x 2 ways x N doubles. */
export function minimalHaloBytes(n: number, boards: number, iters: number): number {
  return iters * (boards - 1) * 2 * n * 8;
}

const FETCH = { boards: '2', engine: 'xs', topology: 'line', link: 'ideal', ram: '8M' } as const;

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

function kilo(units: number): string {
  return `${round(units / 1000, 1)}k`;
}

async function pageFetch(count: number, repeats: number, log: (line: string) => void): Promise<DsmBenchResult['pageFetch4k']> {
  const dsm: number[] = [];
  const raw: number[] = [];
  let dsmUnits = 0;
  let rawUnits = 0;
  let dsmWire = 0;
  let rawWire = 0;
  let dsmFetches = 0;
  const args = ['--count', String(count), '--size', '4096'];
  for (let i = 0; i < repeats; i++) {
    const r = await timedIntervals({ ...FETCH, app: 'raw-fetch', appArgs: args });
    raw.push((r.ms * 1000) / r.count);
    rawUnits = r.compute / r.count;
    rawWire = r.summary.wire.bytes / (r.count + 1);
    const d = await timedIntervals({ ...FETCH, pageSize: '4096', app: 'dsm-bench', appArgs: ['--mode', 'fetch', ...args] });
    dsm.push((d.ms * 1000) / d.count);
    dsmUnits = d.compute / d.count;
    dsmWire = d.summary.wire.bytes / (d.count + 1);
    dsmFetches = (d.summary.app.result as { fetches?: number } | null)?.fetches ?? 0;
  }
  const dsmUs = median(dsm);
  const rawUs = median(raw);
  const ratio = dsmUs / rawUs;
  log(`4 KiB page fetch, 2 XS boards, ideal link, ${count} fetches x ${repeats} runs (median): DSM ${round(dsmUs, 1)} us, raw ${round(rawUs, 1)} us, ratio ${round(ratio, 2)}`);
  log(`  XS compute per fetch (both boards): DSM ${kilo(dsmUnits)} units, raw ${kilo(rawUnits)} units (ratio ${round(dsmUnits / rawUnits, 2)}); FETCH requests per page: ${round(dsmFetches / (count + 1), 2)}`);
  log(`  bytes on the wire per round: DSM ${Math.round(dsmWire)} (the fetch, the home's rewrite notice and two barriers), raw ${Math.round(rawWire)}`);
  // A 256-byte page splits each side's cost into a per-fetch and a per-byte part.
  const small = 256;
  const smallArgs = ['--count', String(count), '--size', String(small)];
  const ds = await timedIntervals({ ...FETCH, pageSize: String(small), app: 'dsm-bench', appArgs: ['--mode', 'fetch', ...smallArgs] });
  const rs = await timedIntervals({ ...FETCH, app: 'raw-fetch', appArgs: smallArgs });
  const perByte = (big: number, little: number): number => (big - little) / (4096 - small);
  const dsmByte = perByte(dsmUnits, ds.compute / ds.count);
  const rawByte = perByte(rawUnits, rs.compute / rs.count);
  log(
    `  XS units = per fetch + per byte: DSM ${kilo(dsmUnits - 4096 * dsmByte)} + ${round(dsmByte, 1)}/byte, raw ${kilo(rawUnits - 4096 * rawByte)} + ${round(rawByte, 1)}/byte ` +
      `(from 256-byte pages: DSM ${round((ds.ms * 1000) / ds.count, 1)} us, raw ${round((rs.ms * 1000) / rs.count, 1)} us)`,
  );
  return { dsmUs: round(dsmUs, 1), rawUs: round(rawUs, 1), ratio: round(ratio, 3) };
}

async function barriers(count: number, repeats: number, log: (line: string) => void): Promise<DsmBenchResult['barrierUs']> {
  const out: Record<string, number> = {};
  for (const boards of [2, 4, 8]) {
    const times: number[] = [];
    let units = 0;
    let wire = 0;
    for (let i = 0; i < repeats; i++) {
      const r = await timedIntervals({ boards: String(boards), engine: 'xs', topology: 'full', link: 'ideal', ram: '8M', app: 'dsm-bench', appArgs: ['--mode', 'barrier', '--count', String(count)] });
      times.push((r.ms * 1000) / r.count);
      units = r.compute / r.count;
      wire = r.summary.wire.bytes / (r.count + 1);
    }
    const us = median(times);
    out[String(boards)] = round(us, 1);
    log(`barrier on ${boards} XS boards (full mesh, ideal links, median of ${repeats} x ${count}): ${round(us, 1)} us, ${kilo(units)} XS units (all boards), ${Math.round(wire)} bytes on the wire per barrier`);
  }
  return { '2': out['2']!, '4': out['4']!, '8': out['8']! };
}

interface LaplaceFigures {
  summary: SimSummary;
  digest: string;
  /** Whole-run XS units per board. */
  total: number[];
  /** XS units per board from app start to the last iteration (no gather, no digest). */
  iterations: number[];
  /** Bytes on every link when rank 0 finished the last iteration (before its gather). */
  iterationWire: number;
}

async function laplaceRun(topology: string, n: number, iters: number, extra: Partial<RunOptions> = {}): Promise<LaplaceFigures> {
  let sim: Simulator | null = null;
  let iterationWire = 0;
  const o: RunOptions = {
    boards: '4',
    engine: 'xs',
    topology,
    link: 'uart:921600',
    pageSize: '1024',
    ram: '8M',
    app: 'laplace',
    appArgs: ['--n', String(n), '--iters', String(iters)],
    ...extra,
    beforeRun: (s) => {
      sim = s;
    },
    observer: {
      boardEvent: (board, name, value) => {
        if (board === 0 && name === 'iter' && value === iters && sim) iterationWire = sum(sim.linkSummaries().map((l) => l.bytes));
      },
    },
  };
  const { summary, compute } = await meteredWindows(o, { name: 'app-start' }, { name: 'iter', value: iters });
  return {
    summary,
    digest: (summary.app.result as { digest?: string } | null)?.digest ?? '',
    total: summary.boards.map((b) => b.compute),
    iterations: compute,
    iterationWire,
  };
}

async function laplace(o: Required<Pick<DsmBenchOptions, 'iters' | 'topology' | 'compareTopologies'>>, log: (line: string) => void): Promise<DsmBenchResult['laplace']> {
  const n = 256;
  const minimal = minimalHaloBytes(n, 4, o.iters);
  const seq = await meteredWindows(
    { boards: '1', engine: 'xs', topology: 'line', link: 'ideal', ram: '8M', app: 'laplace-seq', appArgs: ['--n', String(n), '--iters', String(o.iters)] },
    { name: 'bench-start' },
    { name: 'bench-end' },
  );
  const seqTotal = seq.summary.boards[0]!.compute;
  const seqKernel = seq.compute[0]!;
  const seqDigest = (seq.summary.app.result as { digest?: string } | null)?.digest ?? '';
  const par = await laplaceRun(o.topology, n, o.iters);
  if (par.digest !== seqDigest) throw new Error(`bench dsm: Laplace on 4 boards gave digest ${par.digest}, the sequential kernel ${seqDigest}`);
  const wireRatio = par.summary.wire.bytes / minimal;
  const cpuRatio = sum(par.total) / seqTotal;
  log(`Laplace N=${n}, ${o.iters} iterations, 4 XS boards, 1 KiB pages, ${o.topology} topology of uart:921600 links: digest ${par.digest.slice(0, 16)}... = sequential`);
  log(`  bytes on the wire: ${par.summary.wire.bytes} in ${par.summary.wire.frames} frames (${par.summary.links.map((l) => `${l.a}-${l.b}: ${l.bytes}`).join(', ')}); minimal halo exchange ${minimal}: wire ratio ${round(wireRatio, 3)}`);
  log(`  of which up to the last iteration ${par.iterationWire} (${round(par.iterationWire / minimal, 3)} x minimal), rank 0's final gather of the grid and the last barrier ${par.summary.wire.bytes - par.iterationWire}`);
  log(`  XS compute, whole run: ${par.total.map(kilo).join(' + ')} = ${kilo(sum(par.total))} units; sequential (kernel + digest, 1 board) ${kilo(seqTotal)}: cpu ratio ${round(cpuRatio, 3)}`);
  log(`  iterations only: ${kilo(sum(par.iterations))} units on 4 boards / sequential kernel ${kilo(seqKernel)} = ${round(sum(par.iterations) / seqKernel, 3)}; result digest on one board: ${kilo(seqTotal - seqKernel)}`);
  const noCheck = await laplaceRun(o.topology, n, o.iters, { options: { dsm: { checkReads: false } } });
  log(`  with checkReads off (no hashing of read-only ranges): whole run ${kilo(sum(noCheck.total))} units, cpu ratio ${round(sum(noCheck.total) / seqTotal, 3)}; iterations only ${round(sum(noCheck.iterations) / seqKernel, 3)}`);
  const udp = await laplaceRun(o.topology, n, o.iters, { link: 'udp', options: { dsm: { checkReads: false } } });
  log(`  and on udp links instead (no COBS, 8 KiB frames, fewer per-hop acknowledgements): whole run ${kilo(sum(udp.total))} units, cpu ratio ${round(sum(udp.total) / seqTotal, 3)}; iterations only ${round(sum(udp.iterations) / seqKernel, 3)}`);
  const parts = [
    ['sequential kernel', seqKernel],
    ['result digest', seqTotal - seqKernel],
    ['read-only checks', sum(par.total) - sum(noCheck.total)],
    ['UART framing (COBS, 256-byte frames, hop acks) over udp', sum(noCheck.total) - sum(udp.total)],
    ['the rest: DSM, MCAPI and network protocol work, CRC-32, copies, the gather, boot', sum(udp.total) - seqTotal],
  ] as const;
  log(`  where the ${kilo(sum(par.total))} units go: ${parts.map(([what, units]) => `${what} ${kilo(units)} (${round((100 * units) / sum(par.total), 1)}%)`).join('; ')}`);
  if (o.compareTopologies) {
    for (const t of ['line', 'ring', 'full']) {
      if (t === o.topology) continue;
      const other = await laplaceRun(t, n, o.iters, { engine: 'node' });
      log(`  on a ${t} topology: ${other.summary.wire.bytes} bytes on the wire, wire ratio ${round(other.summary.wire.bytes / minimal, 3)} (up to the last iteration ${round(other.iterationWire / minimal, 3)})`);
    }
  }
  return { boards: 4, n: 256, wireRatio: round(wireRatio, 3), cpuRatio: round(cpuRatio, 3) };
}

export async function benchDsm(opts: DsmBenchOptions = {}): Promise<DsmBenchResult> {
  const log = opts.log ?? (() => {});
  const pageFetch4k = await pageFetch(opts.fetches ?? 100, opts.repeats ?? 3, log);
  const barrierUs = await barriers(opts.barriers ?? 100, opts.repeats ?? 3, log);
  const lap = await laplace(
    { iters: opts.iters ?? 100, topology: opts.topology ?? 'full', compareTopologies: opts.compareTopologies ?? true },
    log,
  );
  return { pageFetch4k, barrierUs, laplace: lap };
}
