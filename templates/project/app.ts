/**
 * ring-sum: a token goes around a ring of boards (MCAPI messages); each board adds what it
 * received into its own slot of a shared array (the DSM) and every board checkpoints every few
 * iterations. Rank 0 returns the sum of all slots, the same number with or without a crash.
 *
 *   npx mcdsm sim ./app.ts -- --iters 40
 *   npx mcdsm sim ./app.ts --spares 1 --fault crash:2@iter=25
 */
import type { App, AppContext } from 'mcdsm';

/** The MCAPI port of each board's token endpoint (apps pick ports below 256). */
const TOKEN_PORT = 10;
/** How long to wait for the next board's endpoint to appear. */
const LOOKUP_MS = 10_000;
/** Checkpoint every this many iterations (when a failure could be recovered from). */
const CHECKPOINT_EVERY = 10;

/** `--name N` from the words after `--` on the command line (or `args` of simulate()). */
function intOption(args: readonly string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`ring-sum: --${name} needs a whole number, got ${String(args[at + 1])}`);
  return value;
}

/** Where this run starts: 0, or the iteration saved with the checkpoint a rollback restored. */
function startIteration(ctx: AppContext): number {
  const saved = ctx.ft?.restored;
  if (typeof saved === 'object' && saved !== null && !Array.isArray(saved) && !(saved instanceof Uint8Array)) {
    const iter = saved['iter'];
    if (typeof iter === 'number') return iter;
  }
  return 0;
}

export const app: App = {
  name: 'ring-sum',
  // The app checkpoints: boards host fault tolerance for it (docs/APPS.md in mcdsm).
  ft: true,
  async main(ctx) {
    const iters = intOption(ctx.args, 'iters', 40);
    const dsm = await ctx.dsm();
    // Collective: every board allocates the same arrays in the same order.
    const totals = await dsm.alloc('totals', 'Float64', ctx.boards);
    // After a rollback main runs again from the top: the DSM holds what it held at the
    // checkpoint, and the state saved with it says where to go on from.
    const start = startIteration(ctx);

    const mcapi = ctx.mcapi;
    const mine = mcapi.createEndpoint(TOKEN_PORT);
    const next = await mcapi.getEndpoint(ctx.domain, ctx.nodeOfRank((ctx.rank + 1) % ctx.boards), TOKEN_PORT, LOOKUP_MS);
    const out = new Uint8Array(8);
    const got = new Uint8Array(8);
    for (let i = start; i < iters; i++) {
      new DataView(out.buffer).setUint32(0, i, true);
      new DataView(out.buffer).setUint32(4, ctx.rank * 1000 + i, true);
      await mcapi.msgSend(mine, next, out);
      await mcapi.msgRecv(mine, got);
      const view = new DataView(got.buffer);
      if (view.getUint32(0, true) !== i) throw new Error(`ring-sum: token of iteration ${view.getUint32(0, true)} arrived in iteration ${i}`);

      const slot = await dsm.acquire(totals, ctx.rank, ctx.rank + 1, 'rw');
      slot[0] = slot[0]! + view.getUint32(4, true);
      // Publishes this board's writes and waits for every board.
      await dsm.barrier();
      ctx.event('iter', i + 1);
      if (ctx.ft?.recoverable === true && (i + 1) % CHECKPOINT_EVERY === 0) await ctx.ft.checkpoint({ iter: i + 1 }, i + 1);
    }

    if (ctx.rank !== 0) return null;
    const all = await dsm.acquire(totals, 0, ctx.boards, 'r');
    let sum = 0;
    for (const v of all) sum += v;
    return { iterations: iters, sum };
  },
};
