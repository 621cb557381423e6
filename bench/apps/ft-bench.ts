/**
 * Fault-tolerance side of `mcdsm bench ft`. Every board holds `--state BYTES` of its own state
 * (handed to the checkpoint as bytes), takes a first full checkpoint, then rewrites a
 * `--change` fraction of it (a contiguous block, 1 = everything) and times the second
 * checkpoint in virtual ms. With `--hold MS` it then idles so that a crash can be injected
 * and the recovery measured.
 */
import type { App, AppContext, AppValue } from '../../src/app.js';

interface FtBenchArgs {
  state: number;
  change: number;
  hold: number;
}

function parse(args: readonly string[]): FtBenchArgs {
  const o: FtBenchArgs = { state: 65536, change: 1, hold: 0 };
  for (let i = 0; i < args.length; i += 2) {
    const k = args[i];
    const v = Number(args[i + 1]);
    if (k === '--state' && Number.isInteger(v) && v > 0) o.state = v;
    else if (k === '--change' && v >= 0 && v <= 1) o.change = v;
    else if (k === '--hold' && v >= 0) o.hold = v;
    else throw new Error(`ft-bench: bad option ${String(k)} ${String(args[i + 1])} (use --state BYTES --change FRACTION --hold MS)`);
  }
  return o;
}

async function main(ctx: AppContext): Promise<AppValue> {
  const o = parse(ctx.args);
  const ft = ctx.ft;
  if (!ft) throw new Error('ft-bench needs fault tolerance (the runtime did not provide ctx.ft)');
  const state = new Uint8Array(o.state);
  let round = 0;
  if (ft.restored instanceof Uint8Array) {
    state.set(ft.restored.subarray(0, state.length));
    round = 2;
  } else {
    for (let i = 0; i < state.length; i++) state[i] = (i * 7 + ctx.rank) & 0xff;
    await ft.checkpoint(state, 1);
    const n = Math.round(state.length * o.change);
    for (let i = 0; i < n; i++) state[i] = (state[i]! + 1) & 0xff;
    const t0 = ctx.now();
    await ft.checkpoint(state, 2);
    ctx.event('ckpt-ms', Math.round((ctx.now() - t0) * 1000));
    round = 2;
  }
  if (o.hold > 0) await ctx.sleep(o.hold);
  let sum = 0;
  for (let i = 0; i < state.length; i++) sum = (sum + state[i]!) >>> 0;
  return { rank: ctx.rank, round, sum };
}

export const ftBenchApp: App = { name: 'ft-bench', main };
