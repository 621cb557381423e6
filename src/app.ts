/**
 * What an application sees. An app is a named `main` that every working board runs with its
 * own rank; it talks to other boards through MCAPI and the DSM and returns a JSON-compatible
 * result that the simulator reports. With fault tolerance (`ctx.ft`), `main` runs again from
 * the last checkpoint after a failure, on whichever board holds the rank then.
 */
import type { McapiNode } from './mcapi/index.js';
import type { Dsm, DsmArray } from './dsm/index.js';
import type { Hal, LogLevel } from './hal.js';
import type { BoardConfig } from './config.js';
import type { AppState } from './ft/app-state.js';
import type { CheckpointCallOptions } from './ft/types.js';
import type { Rpc } from './rpc/index.js';
import type { JsonValue } from './util/json-value.js';

/** What `main` returns: a JSON-compatible value the simulator reports. */
export type AppValue = JsonValue;

export interface AppContext {
  readonly domain: number;
  readonly node: number;
  /** This board's logical rank, 0..boards-1. */
  readonly rank: number;
  /** Number of working boards (spares excluded). */
  readonly boards: number;
  /** The words after `--` on the command line (or from firmware config on a board). */
  readonly args: readonly string[];
  /** This board's MCAPI node, initialized. */
  readonly mcapi: McapiNode;
  /**
   * The distributed shared memory of the working boards, opened on first call (every board
   * must call it; later calls return the same one). Page size and limits come from the board's
   * runtime options (`mcdsm sim --page-size`).
   */
  dsm(): Promise<Dsm>;
  /** The node id that holds `rank` in this run (a rank moves to a spare after a failure). */
  nodeOfRank(rank: number): number;
  /**
   * Remote calls between boards (docs/RPC.md): `serve(name, fn)` here, `call(name, args)` from
   * any board, with failover at each stage of a call. Its endpoint (port RPC_PORT) opens on the
   * first use.
   */
  readonly rpc: Rpc;
  /**
   * Fault tolerance (docs/FT.md), present when the board hosts it: for apps that declare
   * `ft: true`, and for every app when the domain has spares or `options.ft`. Absent otherwise.
   */
  readonly ft?: AppFt;
  now(): number;
  sleep(ms: number): Promise<void>;
  log(level: LogLevel, message: string): void;
  /** Report progress (`iter`, ...) for the live view, the trace and fault triggers. */
  event(name: string, value: number): void;
  random(): number;
}

/**
 * One run of `main` under fault tolerance (src/ft/run.ts behind it). A run starts fresh
 * (`restored` null, `generation` 0) or from the checkpoint everyone rolled back to; a run a
 * rollback superseded gets promises that never settle, so the old `main` stops where it stands.
 * Its functions are methods: call them on it (`ctx.ft.yield()`, or `() => ft.yield()` as a
 * callback), not taken off it (one object per run, no closures: docs/FOOTPRINT.md "Round 9").
 */
export interface AppFt {
  /** The state saved with the checkpoint this run starts from; null on a fresh start. */
  readonly restored: AppState;
  /** Checkpoint generation this run starts from (0: fresh start). */
  readonly generation: number;
  /** Progress (iterations) recorded with that checkpoint. */
  readonly progress: number;
  /** Membership epoch of this run (0 until the first recovery). */
  readonly epoch: number;
  /**
   * True when a failure could be recovered from: the domain has spares or lets a survivor take
   * a failed rank (`options.ft.shrink`). Without either, checkpoints would only cost time and
   * RAM; an app may skip them (Laplace's default `--ckpt-every` does).
   */
  readonly recoverable: boolean;
  /**
   * Collective: every rank calls it at the same point; resolves once committed everywhere, or
   * with `{ background: true }` once this rank's data is captured (the round commits later).
   */
  checkpoint(state: AppState, progress?: number, opts?: CheckpointCallOptions): Promise<void>;
  /** A point where every rank could checkpoint (`ckpt now`, `options.ft.checkpointEvery`): true when it did. */
  opportunity(progress: number, state: () => AppState): Promise<boolean>;
  /** Let the board's timers (heartbeats) run inside a long computation. */
  yield(): Promise<void>;
  /** Progress without checkpointing (ctx.event('iter', k) reports it too). */
  report(progress: number): void;
  /**
   * The shared arrays the following checkpoints save (the pages this rank homes); null: all of
   * them (the default). Leave out scratch arrays the app rewrites before it reads them: they
   * cost checkpoint RAM and wire time, and after a rollback they start from zeros again.
   */
  checkpointArrays(arrays: readonly DsmArray[] | null): void;
}

/** One `--name [value]` option an app takes after `--` on the command line. */
export interface AppOption {
  /** Without the dashes: `rounds` for `--rounds N`. */
  readonly name: string;
  /** What the value is, for messages (`N`, `BYTES`); absent for a flag that takes none. */
  readonly value?: string;
  readonly help?: string;
}

export interface App {
  readonly name: string;
  /**
   * The options the app takes (`ctx.args`). Declared, they are checked before anything starts:
   * an unknown one is an error naming it (src/app-options.ts). Absent: the app checks its own.
   */
  readonly options?: readonly AppOption[];
  /**
   * The app checkpoints (uses `ctx.ft`): the board hosts fault tolerance for it even without
   * spares, so a failure ends the run with a clear reason instead of a hang.
   */
  readonly ft?: boolean;
  /**
   * The app offloads work with remote calls (ctx.rpc) from rank 0 to the other boards:
   * `mcdsm campaign` then faults its compute boards at the stages of calls (docs/RPC.md).
   */
  readonly rpc?: boolean;
  main(this: void, ctx: AppContext): Promise<AppValue>;
}

/**
 * A program that runs on the bare HAL with no network layer, MCAPI or console — the raw
 * baselines of the benchmarks. It reports through Hal.event like any app.
 */
export interface RawApp {
  readonly name: string;
  readonly raw: true;
  start(this: void, hal: Hal, config: BoardConfig): void;
}
