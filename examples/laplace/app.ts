/**
 * The Laplace benchmark as a board app: `laplace -- --n 256 --iters 100`. Every working
 * board computes its band of rows over the DSM; rank 0 returns the SHA-256 of the final grid.
 */
import type { App } from '../../src/app.js';
import { laplaceOnDsm } from './laplace.js';
import { intOption } from './options.js';

export const laplaceApp: App = {
  name: 'laplace',
  async main(ctx) {
    const n = intOption(ctx.args, 'n', 256, 1, 4094);
    const iters = intOption(ctx.args, 'iters', 100, 0, 1_000_000);
    const dsm = await ctx.dsm();
    return laplaceOnDsm(dsm, { n, iters, onIter: (k) => ctx.event('iter', k) });
  },
};
