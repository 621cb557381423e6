/** Timing helpers for benchmarks: wall time between two runtime events of a simulated run. */
import { performance } from 'node:perf_hooks';
import { runDomain, type RunOptions } from '../host-sim/sim/run.js';
import type { SimSummary } from '../host-sim/sim/simulator.js';

export interface TimedRun {
  summary: SimSummary;
  /** Wall ms between `bench-start` and `bench-end` reported by board 0. */
  ms: number;
  count: number;
}

/** Run an app and time it between its `bench-start` and `bench-end` events on board 0. */
export async function timedRun(o: RunOptions): Promise<TimedRun> {
  let start = NaN;
  let end = NaN;
  let count = 0;
  const summary = await runDomain({
    ...o,
    observer: {
      boardEvent: (board, name, value) => {
        if (board !== 0) return;
        if (name === 'bench-start') start = performance.now();
        if (name === 'bench-end') {
          end = performance.now();
          count = value;
        }
      },
    },
  });
  if (!summary.ok || !(end > start)) {
    const why = summary.boards.filter((b) => b.haltReason).map((b) => `board ${b.node}: ${b.haltReason}`).join('; ');
    throw new Error(`benchmark run of ${o.app} ${(o.appArgs ?? []).join(' ')} failed: ${summary.reason}${why ? ` (${why})` : ''}`);
  }
  return { summary, ms: end - start, count };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
