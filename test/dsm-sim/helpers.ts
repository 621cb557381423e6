/** Shared pieces of the DSM's end-to-end tests in the simulator. */
import { runDomain, type RunOptions } from '../../host-sim/sim/run.js';
import type { SimSummary } from '../../host-sim/sim/simulator.js';
import { digestFloat64, laplaceSequential } from '../../examples/laplace/laplace.js';

export type Engine = 'xs' | 'node';

const digests = new Map<string, string>();

/** The sequential kernel's digest, computed on the host (once per N and iterations). */
export function expectedDigest(n: number, iters: number): string {
  const key = `${n}/${iters}`;
  let d = digests.get(key);
  if (d === undefined) {
    d = digestFloat64(laplaceSequential(n, iters));
    digests.set(key, d);
  }
  return d;
}

export function laplace(boards: number, n: number, iters: number, engine: Engine, more: Partial<RunOptions> = {}): Promise<SimSummary> {
  return runDomain({
    app: 'laplace',
    boards: String(boards),
    engine,
    topology: 'line',
    link: 'uart:921600',
    appArgs: ['--n', String(n), '--iters', String(iters)],
    ...more,
  });
}

/** True when every working board ran in an XS VM (metered) rather than in-process V8. */
export function ranOnXs(s: SimSummary): boolean {
  return s.boards.every((b) => b.engine === 'xs' && b.compute > 0);
}
