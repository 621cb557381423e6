/** What became of one campaign run, compared with the fault-free result. */
import type { SimSummary } from '../sim/simulator.js';

/**
 * identical: the fault-free result. wrong: a result, but another one. hung: the run neither
 * finished nor stopped within its virtual-time limit (or nothing was left to do). livelock:
 * the simulator saw virtual time stop advancing, or the run hit the campaign's wall-clock
 * bound. unrecoverable: the boards stopped because a rank's every checkpoint copy was lost.
 * stopped: any other clean stop, with its reason.
 */
export type Outcome = 'identical' | 'wrong' | 'hung' | 'livelock' | 'unrecoverable' | 'stopped';

export function resultDigest(s: SimSummary): string | null {
  const r = s.app.result as { digest?: unknown } | null;
  return r !== null && typeof r === 'object' && typeof r.digest === 'string' ? r.digest : null;
}

export function classify(s: SimSummary, expected: string): Outcome {
  if (s.ok) return resultDigest(s) === expected ? 'identical' : 'wrong';
  if (/^livelock|^wall time limit/.test(s.reason)) return 'livelock';
  if (/^virtual time limit|^stalled/.test(s.reason)) return 'hung';
  if (/unrecoverable/i.test(s.reason)) return 'unrecoverable';
  return 'stopped';
}

/** A stop reason without the numbers that differ from run to run, for counting alike stops together. */
export function reasonClass(reason: string): string {
  return reason
    .replace(/^board \d+ \(rank -?\d+\): /, '')
    .replace(/\b\d+(\.\d+)?\b/g, 'N')
    .replace(/(N, )+N/g, 'N')
    .slice(0, 160);
}
