/** Shared pieces of the fault-tolerance end-to-end tests: Laplace through the simulator. */
import { runDomain, type RunOptions } from '../../host-sim/sim/run.js';
import type { SimSummary } from '../../host-sim/sim/simulator.js';
import { expectedDigest } from '../dsm-sim/helpers.js';

export { expectedDigest };

export interface BoardEventRecord {
  board: number;
  name: string;
  value: number;
  detail: string;
}

export interface FtRun {
  s: SimSummary;
  events: BoardEventRecord[];
  /** Rank 0's digest, or null. */
  digest: string | null;
}

export interface FtRunOptions extends Partial<RunOptions> {
  n?: number;
  iters?: number;
  /** Laplace's --ckpt-every (omitted: the app's default). */
  every?: number;
  /** Laplace's --ckpt-background (omitted: the app's default, 1). */
  background?: 0 | 1;
}

/** Laplace on simulated boards (V8 by default), with every board event recorded. */
export async function ftLaplace(o: FtRunOptions = {}): Promise<FtRun> {
  const n = o.n ?? 32;
  const iters = o.iters ?? 30;
  const events: BoardEventRecord[] = [];
  const { n: _n, iters: _i, every, background, ...rest } = o;
  const s = await runDomain({
    app: 'laplace',
    appArgs: ['--n', String(n), '--iters', String(iters), ...(every !== undefined ? ['--ckpt-every', String(every)] : []), ...(background !== undefined ? ['--ckpt-background', String(background)] : [])],
    boards: '4',
    spares: '1',
    engine: 'node',
    topology: 'full',
    link: 'uart:921600',
    maxVirtual: '300s',
    ...rest,
    observer: {
      boardEvent: (board, name, value, detail) => {
        if (name !== 'iter') events.push({ board, name, value, detail });
      },
    },
  });
  const r = s.app.result as { digest?: unknown } | null;
  return { s, events, digest: r !== null && typeof r === 'object' && typeof r.digest === 'string' ? r.digest : null };
}

/** The events of one name, in order. */
export function named(run: FtRun, name: string): BoardEventRecord[] {
  return run.events.filter((e) => e.name === name);
}
