/** What became of one campaign run, compared with the fault-free result. */
import type { SimSummary } from '../sim/simulator.js';

export type Outcome = 'identical' | 'wrong' | 'hung' | 'unrecoverable';

export function resultDigest(s: SimSummary): string | null {
  const r = s.app.result as { digest?: unknown } | null;
  return r !== null && typeof r === 'object' && typeof r.digest === 'string' ? r.digest : null;
}

export function classify(s: SimSummary, expected: string): Outcome {
  if (s.ok) return resultDigest(s) === expected ? 'identical' : 'wrong';
  if (/unrecoverable/i.test(s.reason)) return 'unrecoverable';
  return 'hung';
}
