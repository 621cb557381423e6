/**
 * A board that does nothing for `--ms` milliseconds (default 1000) but keep its runtime,
 * network and console alive: the app to use when you want to poke boards through their
 * consoles (`mcdsm sim examples/idle --realtime -- --ms 60000`). It reports `iter` once per
 * `--tick` ms (default 100) so event triggers have something to fire on.
 */
import type { App, AppContext, AppValue } from '../../src/app.js';

async function main(ctx: AppContext): Promise<AppValue> {
  let ms = 1000;
  let tick = 100;
  for (let i = 0; i < ctx.args.length; i += 2) {
    const v = Number(ctx.args[i + 1]);
    if (ctx.args[i] === '--ms' && v >= 0) ms = v;
    else if (ctx.args[i] === '--tick' && v > 0) tick = v;
    else throw new Error(`idle: bad option ${String(ctx.args[i])} ${String(ctx.args[i + 1])} (use --ms N --tick N)`);
  }
  const start = ctx.now();
  let n = 0;
  while (ctx.now() - start < ms) {
    await ctx.sleep(Math.min(tick, ms - (ctx.now() - start)));
    ctx.event('iter', ++n);
  }
  return { rank: ctx.rank, ticks: n };
}

export const idleApp: App = { name: 'idle', main };
