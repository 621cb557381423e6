/** The shared counter as a board app: `counter -- --k 10`; rank 0 returns `{ counter }`. */
import type { App } from '../../src/app.js';
import { intOption } from '../laplace/options.js';
import { counterOnDsm } from './counter.js';

export const counterApp: App = {
  name: 'counter',
  options: [{ name: 'k', value: 'N', help: 'increments per board (10)' }],
  async main(ctx) {
    const k = intOption(ctx.args, 'k', 10, 0, 1_000_000);
    const dsm = await ctx.dsm();
    return counterOnDsm(dsm, k, (i) => ctx.event('iter', i));
  },
};
