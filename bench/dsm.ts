/**
 * `mcdsm bench dsm`: the DSM's figures on XS boards, in board time (bench/board-time.ts: the
 * CPU model at 150 ns per XS unit plus the link model's wire time; XS metering is
 * deterministic, so every figure is the same on every run).
 *
 *  - pageFetch4k: rank 0 reads a 4 KiB page (page size 4096) that rank 1 homes and rewrote,
 *    so every read fetches the whole page (bench/apps/dsm-bench.ts, mode `fetch`), against
 *    the same exchange done raw on the same link — a 4-byte request answered by 4 KiB, with
 *    only the framing a correct program needs (bench/apps/raw-fetch.ts: CRC-32 + COBS on a
 *    UART). Two boards on a uart:921600 line (the JSON ratio) and on udp (printed). Only the
 *    fetch is timed: the apps bracket each one with bench-start / bench-end, and the DSM side
 *    lets the barrier before it end first (dsm-bench.ts SETTLE_MS), as the raw home is idle.
 *  - barrier: per barrier on 2, 4, 8 and 16 boards (a ring of uart:921600 links, a line for
 *    2): XS units of every board and bytes on every link, marginal — two whole runs with
 *    barriers/2 and barriers barriers, the difference divided by the barriers added (see
 *    `barriers` below), so the run's start-up (HELLOs, link-state floods, allocation) and its
 *    end cancel out and no board's work falls between windows.
 *  - laplace: N = 256, 100 iterations, 1 KiB pages, on 4, 8 and 16 boards in a ring of
 *    uart:921600 links and on 4 boards fully meshed by udp. cpuRatio = XS units of the whole
 *    run summed over the boards / the units of `laplace-seq` (the sequential kernel and the
 *    same result digest on one board); wireRatio = every byte on every link / the bytes of
 *    the minimal halo exchange (iterations x (boards - 1) edges x 2 ways x N doubles).
 *    Two boards on one UART are printed as well.
 */
import { meteredWindows, round } from './timing.js';
import { boardTime, type RunTotals } from './board-time.js';
import type { RunOptions } from '../host-sim/sim/run.js';
import type { SimSummary, Simulator } from '../host-sim/sim/simulator.js';

export interface LaplacePoint {
  boards: number;
  link: 'uart' | 'udp';
  topology: 'ring' | 'full';
  cpuRatio: number;
  wireRatio: number;
}

export interface DsmBenchResult {
  pageFetch4k: { ratio: number };
  barrier: { boards: number; units: number; bytes: number }[];
  laplace: LaplacePoint[];
}

export interface DsmBenchOptions {
  /** Timed fetches per run (default 30). */
  fetches?: number;
  /** Barriers of the longer of the two barrier runs (default 20; the shorter has half). */
  barriers?: number;
  /** Laplace iterations (default 100: the figure is defined for 100). */
  iters?: number;
  /** Board counts of the Laplace ring (default 4, 8, 16). */
  laplaceBoards?: number[];
  /** Board counts of the barrier figure (default 2, 4, 8, 16). */
  barrierBoards?: number[];
  log?: (line: string) => void;
}

/** Bytes of the minimal halo exchange of one Laplace iteration: (boards-1) edges x 2 ways x N doubles. */
export function minimalHaloBytes(n: number, boards: number, iters: number): number {
  return iters * (boards - 1) * 2 * n * 8;
}

const UART = 'uart:921600';
const NS = 150;
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const kilo = (units: number): string => `${round(units / 1000, 1)}k`;

async function pageFetch(count: number, log: (line: string) => void): Promise<DsmBenchResult['pageFetch4k']> {
  let ratio = 0;
  for (const link of [UART, 'udp']) {
    const common = { boards: '2', engine: 'xs', topology: 'line', link, ram: '8M', nsPerUnit: NS } as const;
    const args = ['--count', String(count), '--size', '4096'];
    const raw = await boardTime({ ...common, app: 'raw-fetch', appArgs: args });
    const dsm = await boardTime({ ...common, pageSize: '4096', app: 'dsm-bench', appArgs: ['--mode', 'fetch', ...args] });
    const per = (b: typeof raw, v: number): number => v / b.windows;
    const r = per(dsm, dsm.ms) / per(raw, raw.ms);
    if (link === UART) ratio = r;
    log(
      `4 KiB page fetch, 2 XS boards, ${link}, ${NS} ns/unit: DSM ${round(per(dsm, dsm.ms), 3)} ms (${kilo(per(dsm, dsm.units))} units, ${Math.round(per(dsm, dsm.bytes))} B on the wire), ` +
        `raw ${round(per(raw, raw.ms), 3)} ms (${kilo(per(raw, raw.units))} units, ${Math.round(per(raw, raw.bytes))} B): ratio ${round(r, 3)}; ` +
        `simulator-only work left out ${kilo(per(dsm, dsm.simHalUnits))} / ${kilo(per(raw, raw.simHalUnits))}`,
    );
  }
  return { ratio: round(ratio, 3) };
}

/**
 * The marginal barrier: two runs of the barrier mode that differ only in their barrier count,
 * each measured whole (every board's every step, every link's bytes, start-up to exit), the
 * difference divided by the barriers the longer run adds. Every board's work a barrier causes
 * counts wherever it falls: board 0's windows (one a barrier) left out the steps other boards
 * took between them (at 16 boards, rank 12 passing releases on after board 0 had left), so a
 * change that only moved such a step across a window's edge moved the figure.
 */
export function barrierCounts(count: number): [number, number] {
  if (!Number.isInteger(count) || count < 2) throw new RangeError(`bench dsm: barriers must be an integer >= 2, got ${count}`);
  return [count >> 1, count];
}

/** Per extra barrier: (longer run - shorter run) / (barriers it adds), rounded. */
export function marginal(short: RunTotals, long: RunTotals, added: number): RunTotals {
  const per = (f: keyof RunTotals): number => (long[f] - short[f]) / added;
  return { units: Math.round(per('units')), simHalUnits: Math.round(per('simHalUnits')), bytes: Math.round(per('bytes')), ms: round(per('ms'), 3) };
}

export async function benchBarriers(count: number, boardCounts: readonly number[], log: (line: string) => void): Promise<DsmBenchResult['barrier']> {
  const out: DsmBenchResult['barrier'] = [];
  const [few, many] = barrierCounts(count);
  for (const boards of boardCounts) {
    const topology = boards > 2 ? 'ring' : 'line';
    const run = (n: number): ReturnType<typeof boardTime> => boardTime({
      boards: String(boards), engine: 'xs', topology, link: UART, ram: '8M', nsPerUnit: NS,
      app: 'dsm-bench', appArgs: ['--mode', 'barrier', '--count', String(n)],
    });
    const short = await run(few);
    const long = await run(many);
    const m = marginal(short.whole, long.whole, many - few);
    out.push({ boards, units: m.units, bytes: m.bytes });
    const windowed = Math.round(long.units / long.windows);
    log(
      `barrier on ${boards} XS boards (${topology} of ${UART}, ${NS} ns/unit; runs of ${few} and ${many} barriers, the difference per barrier): ` +
        `${m.ms} ms, ${kilo(m.units)} XS units (all boards), ${m.bytes} bytes on the wire per barrier; ` +
        `board 0's windows alone ${kilo(windowed)} units, ${Math.round(long.bytes / long.windows)} B; simulator-only work left out ${kilo(m.simHalUnits)}`,
    );
  }
  return out;
}

interface LaplaceFigures {
  summary: SimSummary;
  digest: string;
  total: number[];
  iterations: number[];
  iterationWire: number;
}

async function laplaceRun(boards: number, topology: string, link: string, n: number, iters: number, extra: Partial<RunOptions> = {}): Promise<LaplaceFigures> {
  let sim: Simulator | null = null;
  let iterationWire = 0;
  const o: RunOptions = {
    boards: String(boards), engine: 'xs', topology, link, pageSize: '1024', ram: '8M',
    app: 'laplace', appArgs: ['--n', String(n), '--iters', String(iters)],
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

async function laplace(iters: number, ringBoards: readonly number[], log: (line: string) => void): Promise<LaplacePoint[]> {
  const n = 256;
  const seq = await meteredWindows(
    { boards: '1', engine: 'xs', topology: 'line', link: 'ideal', ram: '8M', app: 'laplace-seq', appArgs: ['--n', String(n), '--iters', String(iters)] },
    { name: 'bench-start' },
    { name: 'bench-end' },
  );
  const seqTotal = seq.summary.boards[0]!.compute;
  const seqKernel = seq.compute[0]!;
  const seqDigest = (seq.summary.app.result as { digest?: string } | null)?.digest ?? '';
  log(`Laplace N=${n}, ${iters} iterations, sequential on one XS board: ${kilo(seqTotal)} units (kernel ${kilo(seqKernel)}, digest ${kilo(seqTotal - seqKernel)})`);
  const points: LaplacePoint[] = [];
  const cases: [number, 'uart' | 'udp', 'ring' | 'full'][] = [...ringBoards.map((b) => [b, 'uart', 'ring'] as [number, 'uart', 'ring']), [4, 'udp', 'full']];
  for (const [boards, linkName, topology] of cases) {
    const link = linkName === 'uart' ? UART : 'udp';
    const par = await laplaceRun(boards, topology, link, n, iters);
    if (par.digest !== seqDigest) throw new Error(`bench dsm: Laplace on ${boards} boards gave digest ${par.digest}, the sequential kernel ${seqDigest}`);
    const minimal = minimalHaloBytes(n, boards, iters);
    const cpuRatio = sum(par.total) / seqTotal;
    const wireRatio = par.summary.wire.bytes / minimal;
    points.push({ boards, link: linkName, topology, cpuRatio: round(cpuRatio, 3), wireRatio: round(wireRatio, 3) });
    log(
      `Laplace on ${boards} XS boards, ${topology} of ${link}: digest = sequential; XS units ${kilo(sum(par.total))} (per board ${par.total.map(kilo).join(' ')}): cpu ratio ${round(cpuRatio, 3)}; ` +
        `iterations only ${round(sum(par.iterations) / seqKernel, 3)}; wire ${par.summary.wire.bytes} B / minimal halo ${minimal} B = ${round(wireRatio, 3)} ` +
        `(up to the last iteration ${round(par.iterationWire / minimal, 3)}; the result digest passed along the ranks and the last barrier ${par.summary.wire.bytes - par.iterationWire} B); ` +
        `virtual ${round(par.summary.virtualMs)} ms`,
    );
  }
  // Two boards on one UART (the smallest domain; printed, not in the JSON).
  const two = await laplaceRun(2, 'line', UART, n, iters);
  if (two.digest !== seqDigest) throw new Error(`bench dsm: Laplace on 2 boards gave digest ${two.digest}, the sequential kernel ${seqDigest}`);
  log(`Laplace on 2 XS boards, line of ${UART}: XS units ${kilo(sum(two.total))}: cpu ratio ${round(sum(two.total) / seqTotal, 3)}; wire ${round(two.summary.wire.bytes / minimalHaloBytes(n, 2, iters), 3)} x the minimal halo`);
  return points;
}

export async function benchDsm(opts: DsmBenchOptions = {}): Promise<DsmBenchResult> {
  const log = opts.log ?? (() => {});
  const pageFetch4k = await pageFetch(opts.fetches ?? 30, log);
  const barrier = await benchBarriers(opts.barriers ?? 20, opts.barrierBoards ?? [2, 4, 8, 16], log);
  const lap = await laplace(opts.iters ?? 100, opts.laplaceBoards ?? [4, 8, 16], log);
  return { pageFetch4k, barrier, laplace: lap };
}
