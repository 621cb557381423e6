/**
 * The Laplace kernel on one board, no DSM: `laplace-seq -- --n 256 --iters 100`. The CPU
 * baseline of `mcdsm bench dsm` (the same arithmetic, the same digest, one board of the same
 * engine), so the DSM's CPU cost is the parallel run's total over this. Rank 0 computes and
 * returns `{ digest, n, iters, boards: 1 }`; any other rank returns null at once. The kernel
 * runs between `bench-start` and `bench-end`, the digest after.
 */
import type { App } from '../../src/app.js';
import { digestFloat64, laplaceSequential } from './laplace.js';
import { intOption } from './options.js';

/** A delay that ends the simulator step (a zero delay runs in the same step). */
const NEXT_STEP_MS = 0.001;

export const laplaceSeqApp: App = {
  name: 'laplace-seq',
  options: [
    { name: 'n', value: 'N', help: 'grid size (256)' },
    { name: 'iters', value: 'N', help: 'iterations (100)' },
  ],
  async main(ctx) {
    const n = intOption(ctx.args, 'n', 256, 1, 4094);
    const iters = intOption(ctx.args, 'iters', 100, 0, 1_000_000);
    if (ctx.rank !== 0) return null;
    // Each phase in its own step, so the host can meter the kernel alone (bench/timing.ts).
    ctx.event('bench-start', 0);
    await ctx.sleep(NEXT_STEP_MS);
    const u = laplaceSequential(n, iters);
    ctx.event('bench-end', iters);
    await ctx.sleep(NEXT_STEP_MS);
    return { digest: digestFloat64(u), n, iters, boards: 1 };
  },
};
