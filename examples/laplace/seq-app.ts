/**
 * The Laplace kernel on one board, no DSM: `laplace-seq -- --n 256 --iters 100`. The CPU
 * baseline of `mcdsm bench dsm` (the same arithmetic, the same digest, one board of the same
 * engine), so the DSM's CPU cost is the parallel run's total over this. Rank 0 computes and
 * returns `{ digest, n, iters, boards: 1 }`; any other rank returns null at once.
 */
import type { App } from '../../src/app.js';
import { digestFloat64, laplaceSequential } from './laplace.js';
import { intOption } from './options.js';

export const laplaceSeqApp: App = {
  name: 'laplace-seq',
  async main(ctx) {
    const n = intOption(ctx.args, 'n', 256, 1, 4094);
    const iters = intOption(ctx.args, 'iters', 100, 0, 1_000_000);
    if (ctx.rank !== 0) return null;
    ctx.event('bench-start', 0);
    const digest = digestFloat64(laplaceSequential(n, iters));
    ctx.event('bench-end', iters);
    return { digest, n, iters, boards: 1 };
  },
};
