/**
 * A board that does nothing for `--ms` milliseconds (default 1000) but keep its runtime,
 * network and console alive: the app to use when you want to poke boards through their
 * consoles (`mcdsm sim examples/idle --realtime -- --ms 60000`). It reports `iter` once per
 * `--tick` ms (default 100) so event triggers have something to fire on. `--spin RANK` makes
 * that rank's task hang in `for (;;) {}` after its first tick: a stuck task for the task
 * watchdog (docs/SIMULATOR.md).
 */
import type { App, AppContext, AppValue } from '../../src/app.js';

/** Never returns nor yields: only a watchdog gets the board out of here. */
function spinForever(ctx: AppContext): void {
  // The counter and the call it guards keep a bundler from dropping the loop as dead code.
  let spins = 0;
  for (;;) {
    spins = (spins + 1) | 0;
    if (spins === -1) ctx.log('debug', 'idle: still spinning');
  }
}

async function main(ctx: AppContext): Promise<AppValue> {
  let ms = 1000;
  let tick = 100;
  let spin = -1;
  for (let i = 0; i < ctx.args.length; i += 2) {
    const v = Number(ctx.args[i + 1]);
    if (ctx.args[i] === '--ms' && v >= 0) ms = v;
    else if (ctx.args[i] === '--tick' && v > 0) tick = v;
    else if (ctx.args[i] === '--spin' && Number.isInteger(v) && v >= 0) spin = v;
    else throw new Error(`idle: bad option ${String(ctx.args[i])} ${String(ctx.args[i + 1])} (use --ms N --tick N --spin RANK)`);
  }
  const start = ctx.now();
  let n = 0;
  while (ctx.now() - start < ms) {
    await ctx.sleep(Math.min(tick, ms - (ctx.now() - start)));
    ctx.event('iter', ++n);
    if (ctx.rank === spin) spinForever(ctx);
  }
  return { rank: ctx.rank, ticks: n };
}

export const idleApp: App = {
  name: 'idle',
  options: [
    { name: 'ms', value: 'MS', help: 'how long to idle (1000)' },
    { name: 'tick', value: 'MS', help: 'iter event period (100)' },
    { name: 'spin', value: 'RANK', help: 'this rank hangs in for (;;) {} after its first tick' },
  ],
  main,
};
