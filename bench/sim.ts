/**
 * `mcdsm bench sim`: how big a simulated domain this machine runs. For each engine, the
 * largest ring that completes pingpong within the wall-time limit (60 s), growing the ring
 * until a run fails or runs out of time (or reaches the 254 boards a domain can hold), and the
 * simulated events per second of the largest V8 run that completed.
 */
import { runDomain } from '../host-sim/sim/run.js';
import type { SimSummary } from '../host-sim/sim/simulator.js';

export interface SimBenchResult {
  maxNodeBoards: number;
  maxXsBoards: number;
  eventsPerSec: number;
}

/** pingpong's defaults: 5 token rounds, 8 packets up to 1 KiB and 8 scalars per board. */
const ARGS: string[] = [];

async function largest(engine: 'node' | 'xs', sizes: number[], wallMs: number, log: (l: string) => void): Promise<{ boards: number; best: SimSummary | null }> {
  let boards = 0;
  let best: SimSummary | null = null;
  for (const n of sizes) {
    const s = await runDomain({ app: 'pingpong', appArgs: ARGS, boards: String(n), engine, topology: 'ring', link: 'uart:921600', ram: '1M', maxWallMs: wallMs });
    log(`${engine} ring of ${n}: ${s.ok ? 'completed' : `failed (${s.reason})`} in ${(s.wallMs / 1000).toFixed(1)} s wall, ${s.events} events, ${Math.round(s.virtualMs)} ms virtual`);
    if (!s.ok || s.wallMs > wallMs) break;
    boards = n;
    best = s;
  }
  return { boards, best };
}

export async function benchSim(opts: { wallMs?: number; log?: (l: string) => void } = {}): Promise<SimBenchResult> {
  const wallMs = opts.wallMs ?? 60_000;
  const log = opts.log ?? (() => {});
  // 254 boards is the most a domain holds (node ids are one byte, 255 is broadcast).
  const node = await largest('node', [16, 32, 64, 128, 192, 254], wallMs, log);
  const xs = await largest('xs', [8, 16, 32, 64, 128, 192, 254], wallMs, log);
  const b = node.best;
  const eventsPerSec = b ? Math.round(b.events / (b.wallMs / 1000)) : 0;
  return { maxNodeBoards: node.boards, maxXsBoards: xs.boards, eventsPerSec };
}
