/**
 * The Laplace benchmark as a board app: `laplace -- --n 256 --iters 100 [--ckpt-every K]`.
 * Every working board computes the cells of its home pages (page-aligned bands) over the DSM;
 * rank 0 returns the SHA-256 of the final grid.
 *
 * Fault tolerance: after the barrier of every K-th iteration every rank checkpoints
 * `{ iteration }` (the DSM adds the pages of the current grid the rank homes; the other grid is
 * scratch, rewritten before it is read), in the background by default: the iterations go on
 * while the changed rows stream to the buddy (`--ckpt-background 0`: wait for each commit).
 * A run restarted after a failure
 * resumes from the restored iteration, so the final digest is the fault-free one. K defaults
 * to 10 when a failure could be recovered from (the domain has spares or may shrink), else to
 * 0: checkpoints nobody could use are not taken.
 */
import type { App, AppContext, AppFt } from '../../src/app.js';
import type { Dsm, DsmArray } from '../../src/dsm/index.js';
import { FtError } from '../../src/ft/index.js';
import { laplaceOnDsm, type LaplaceRun } from './laplace.js';
import { intOption } from './options.js';

/** Checkpoint period when the domain can recover from a failure. */
const DEFAULT_CKPT_EVERY = 10;

/** The iteration a restored run starts from: `{ iteration }` as saved, within 0..iters. */
function restoredIteration(ctx: AppContext, iters: number): number {
  const r = ctx.ft?.restored ?? null;
  if (r === null) return 0;
  const k = typeof r === 'object' && !(r instanceof Uint8Array) && !Array.isArray(r) ? r.iteration : undefined;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > iters) {
    throw new Error(`laplace: restored checkpoint state.iteration must be an integer in 0..${iters} (got ${JSON.stringify(k)})`);
  }
  return k;
}

/** Halo granules this rank's DSM took from its neighbours' pushes (docs/DSM.md, "Pushing halos"). */
function pushedEvent(ctx: AppContext, dsm: Dsm): void {
  ctx.event('dsm-pushed', dsm.stats().pushGranulesApplied);
}

/** A run without fault tolerance as laplaceOnDsm sees it. */
class PlainLaplaceRun implements LaplaceRun {
  constructor(
    readonly n: number,
    readonly iters: number,
    readonly start: number,
    private readonly ctx: AppContext,
  ) {}

  onIter(k: number): void {
    this.ctx.event('iter', k);
  }

  onDone(dsm: Dsm): void {
    pushedEvent(this.ctx, dsm);
  }
}

/**
 * A run under fault tolerance as laplaceOnDsm sees it: one object whose methods are the
 * iteration event, the pause and the checkpoint after a barrier, not three closures over
 * `main` and an object holding them for the whole run (~35 XS slots on a board,
 * docs/FOOTPRINT.md "Round 14: DSM member slots").
 */
class FtLaplaceRun implements LaplaceRun {
  constructor(
    readonly n: number,
    readonly iters: number,
    readonly start: number,
    private readonly ctx: AppContext,
    private readonly ft: AppFt,
    /** Checkpoint period (0: only where a console asks, `ft.opportunity`). */
    private readonly every: number,
    private readonly background: boolean,
  ) {}

  onIter(k: number): void {
    this.ctx.event('iter', k);
  }

  onDone(dsm: Dsm): void {
    pushedEvent(this.ctx, dsm);
  }

  /** Heartbeats must keep flowing while a slow board computes. */
  pause(): Promise<void> {
    return this.ft.yield();
  }

  /** The last `afterBarrier` returned a checkpoint's own promise (not the opportunity's): its refusal is `refused`'s to judge. */
  private checkpointing = false;

  /**
   * Not an async function: one suspended at its `await` is ~65 XS slots, live in the job of
   * every barrier's release (docs/FOOTPRINT.md "Round 17: FT's waiting calls as records"). It
   * returns FT's own promise: a checkpoint's refusal is caught by laplaceOnDsm's `await`
   * (`refused`), not by a `.catch` whose derived promise and closure over `k` were ~20 XS
   * slots live through every blocking round (docs/FOOTPRINT.md "Round 18").
   */
  afterBarrier(k: number, current: DsmArray<'Float64'>): Promise<unknown> {
    const ft = this.ft;
    // The other grid is scratch: only the current one (its pages this rank homes) is saved.
    ft.checkpointArrays([current]);
    this.checkpointing = this.every !== 0 && k % this.every === 0;
    // `ckpt now` from a console checkpoints here too (the state is made only if it does).
    if (!this.checkpointing) return ft.opportunity(k, () => ({ iteration: k }));
    return ft.checkpoint({ iteration: k }, k, { background: this.background });
  }

  /** The previous checkpoint stays good: go on and try again at the next one. Anything else (and an opportunity's failure) ends the run. */
  refused(k: number, e: unknown): void {
    if (!this.checkpointing || !(e instanceof FtError) || (e.code !== 'ABORTED' && e.code !== 'MEM_LIMIT' && e.code !== 'TIMEOUT')) throw e;
    this.ctx.log('warn', `laplace: checkpoint at iteration ${k} not taken: ${e.message}`);
  }
}

export const laplaceApp: App = {
  name: 'laplace',
  ft: true,
  options: [
    { name: 'n', value: 'N', help: 'grid size (256)' },
    { name: 'iters', value: 'N', help: 'iterations (100)' },
    { name: 'ckpt-every', value: 'K', help: 'checkpoint period (10 when recoverable, else 0)' },
    { name: 'ckpt-background', value: '0|1', help: '1: a checkpoint streams while the iterations go on (default); 0: each waits for its commit' },
  ],
  // Not an async function: suspended at its `await` for the whole run, `main` was ~43 XS slots
  // live at every peak of the board (docs/FOOTPRINT.md "Round 17b: the app's frames"). It hands
  // the DSM's promise to laplaceOnDsm, whose own frame waits for it, and returns its promise.
  main(ctx) {
    let run: LaplaceRun;
    try {
      const n = intOption(ctx.args, 'n', 256, 1, 4094);
      const iters = intOption(ctx.args, 'iters', 100, 0, 1_000_000);
      const ft = ctx.ft;
      const every = intOption(ctx.args, 'ckpt-every', ft?.recoverable === true ? DEFAULT_CKPT_EVERY : 0, 0, 1_000_000);
      const background = intOption(ctx.args, 'ckpt-background', 1, 0, 1) === 1;
      const start = restoredIteration(ctx, iters);
      run = ft === undefined ? new PlainLaplaceRun(n, iters, start, ctx) : new FtLaplaceRun(n, iters, start, ctx, ft, every, background);
    } catch (e) {
      // A bad argument rejects the run's promise, as from an async function.
      return Promise.reject(e);
    }
    return laplaceOnDsm(ctx.dsm(), run);
  },
};
