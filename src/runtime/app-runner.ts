/**
 * The one app runner: every run of an app's `main` on a board goes through `AppRunner.run`.
 * A run without fault tolerance is the epoch-0 run that nothing supersedes (`plainRun`); under
 * fault tolerance FT starts a run at start and after every recovery for each rank the board
 * hosts then (ft-host.ts), and a run a rollback superseded stops where it stands: its timers
 * never wake it, its events and results no longer count, what it opened closes with it.
 */
import type { Hal, LogLevel } from '../hal.js';
import type { App, AppContext, AppFt, AppValue } from '../app.js';
import type { CheckedBoardConfig } from '../config.js';
import type { McapiNode } from '../mcapi/index.js';
import { DSM_PORT, McapiDsmTransport, type McapiDsmPlan } from '../dsm/mcapi-transport.js';
import { Dsm } from '../dsm/index.js';
import type { FtStats, RevokeListener } from '../ft/index.js';
import type { Rpc, RpcLayer } from '../rpc/index.js';
import type { DsmCheckpointContent } from './dsm-content.js';
import { ftDsmPort } from './dsm-ports.js';
import { errorText } from './error-text.js';
import { appResultEvent, emitEvent, emitRuntimeEvent } from '../events.js';

export type AppState = 'waiting' | 'running' | 'done' | 'failed' | 'spare';

/** One run of `main` for one rank. */
export interface AppRun {
  readonly rank: number;
  /** Membership epoch (0 without fault tolerance). */
  readonly epoch: number;
  readonly hostedByFt: boolean;
  /** False once a rollback superseded the run (never, without fault tolerance). Methods: called on the run (FtAppRun's use `this`). */
  isActive(): boolean;
  /** Settles when `main` may start: the network converged (or not: the run fails), FT's frame handler returned. */
  ready(): Promise<void>;
  /** The run's view, taken once it is ready and still active. */
  begin(): RunView;
}

export interface RunView {
  /** The MCAPI the run's `main` uses (under FT a scope that closes with the run). */
  readonly mcapi: McapiNode;
  nodeOfRank(rank: number): number;
  /** Undo something when the run is superseded (never happens without fault tolerance). */
  onRevoke(undo: RevokeListener): void;
  /** `ctx.ft` and what goes with it; null without fault tolerance. */
  readonly ft: RunFt | null;
}

export interface RunFt {
  readonly app: AppFt;
  /** The run's DSM checkpoint content: attached to the DSM the run opens. */
  readonly content: DsmCheckpointContent;
  report(progress: number): void;
  stats(): FtStats;
  /** Settles when the rank has no background checkpoint round open (CheckpointCallOptions.background). */
  settled(): Promise<void>;
}

/** What the runner needs of the board. */
export interface RunnerBoard {
  readonly hal: Hal;
  readonly config: CheckedBoardConfig;
  readonly app: App;
  /** The board's MCAPI node (DSM transports open on it). */
  readonly mcapi: McapiNode;
  appState: AppState;
  log(level: LogLevel, message: string): void;
  openRpc(): RpcLayer;
}

function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

export class AppRunner {
  constructor(private readonly board: RunnerBoard) {}

  /** Run `main` for `run`: app-start, then app-result (with ft-stats under FT) or app-error. */
  async run(run: AppRun): Promise<void> {
    const board = this.board;
    const hal = board.hal;
    try {
      await run.ready();
      if (!run.isActive()) return;
      const view = run.begin();
      board.appState = 'running';
      emitRuntimeEvent(hal, { name: 'app-start', rank: run.rank });
      const result: AppValue = await board.app.main(this.context(run, view));
      // A background checkpoint still streaming: the run ends once it is decided.
      if (view.ft !== null) await view.ft.settled();
      // A superseded run's result is not the app's: the run from the checkpoint reports instead.
      if (!run.isActive()) return;
      board.appState = 'done';
      if (view.ft !== null) emitRuntimeEvent(hal, { name: 'ft-stats', rank: run.rank, stats: view.ft.stats() });
      emitEvent(hal, appResultEvent(run.rank, result));
    } catch (e) {
      if (!run.isActive()) return;
      this.fail(run, e);
    }
  }

  /** `run` failed with `e` (its main threw, or a plain run's network did not converge): app-error. */
  fail(run: AppRun, e: unknown): void {
    const board = this.board;
    board.appState = 'failed';
    const message = errorText(e);
    board.log('error', `app ${board.app.name}${run.hostedByFt ? ` (rank ${run.rank})` : ''} failed: ${message}`);
    emitRuntimeEvent(board.hal, { name: 'app-error', rank: run.rank, reason: message });
  }

  /** The context of one run of `main`. */
  private context(run: AppRun, view: RunView): AppContext {
    return new RunContext(this, this.board, run, view);
  }

  /** @internal Opens the RPC layer of a run (RunContext.rpc). */
  openRpc(view: RunView): RpcLayer {
    const layer = this.board.openRpc();
    // A superseded run's calls and served functions go with it; the next run opens afresh.
    view.onRevoke(layer);
    return layer;
  }

  /**
   * A fresh DSM for one run: ranks addressed through the run's rank map, an endpoint per rank
   * on the port the port policy gives (dsm-ports.ts), closed when the run is revoked. A peer's
   * endpoint is looked up before the first message to it (McapiDsmTransport), so nothing is
   * sent to a board before its own run of this epoch exists; what arrives before the DSM
   * listens waits in MCAPI.
   */
  /** @internal */
  async openDsm(run: AppRun, view: RunView): Promise<Dsm> {
    const board = this.board;
    const c = board.config;
    const options = { ...c.options.dsm };
    const transport = await McapiDsmTransport.open(board.mcapi, new RunDsmPlan(run, view, c.boards, c.domain, Dsm.recvSlotsFor(options), Dsm.messageBytesFor(options)));
    if (!run.isActive()) {
      transport.close();
      return never();
    }
    view.onRevoke(transport);
    const dsm = new Dsm(transport, board.hal, options);
    // Held-back diffs and timers of a superseded run go with it (a late release is a no-op).
    view.onRevoke(dsm);
    view.ft?.content.attach(dsm);
    return dsm;
  }
}

/**
 * A run's DSM transport plan: ranks addressed through the run's view, ports by the port
 * policy (dsm-ports.ts). Its functions are methods of this class, not closures over the run:
 * the transport keeps its plan the whole run long, and two closures and their environment cost
 * a board ~20 XS slots (docs/FOOTPRINT.md "Round 11b: Laplace slots").
 */
class RunDsmPlan implements McapiDsmPlan {
  readonly rank: number;
  constructor(
    private readonly run: AppRun,
    private readonly view: RunView,
    readonly size: number,
    readonly domain: number,
    readonly recvSlots: number,
    /** Receive buffers of a page and its header, not of MCAPI's largest payload. */
    readonly maxMessage: number,
  ) {
    this.rank = run.rank;
  }

  nodeOfRank(rank: number): number {
    return this.view.nodeOfRank(rank);
  }

  /** Under fault tolerance a port per epoch and rank; without it every rank on DSM_PORT. */
  portOfRank(rank: number): number {
    const run = this.run;
    return run.hostedByFt ? ftDsmPort(run.epoch, this.size, rank) : DSM_PORT;
  }
}

/** What a plain run needs of its board (BoardRuntime). */
export interface PlainRunBoard {
  readonly hal: Hal;
  readonly config: CheckedBoardConfig;
  readonly mcapi: McapiNode;
  readonly net: { whenConverged(expected: readonly number[]): Promise<void>; reachable(node: number): boolean };
  readonly runner: AppRunner;
  /** The working boards and the spares after them: the run starts once all are reachable. */
  members(): number[];
}

/**
 * The run of a board without fault tolerance: epoch 0, rank = the configured rank, rank r on
 * node r, the board's own MCAPI, started once every member is reachable, and never superseded;
 * when they are not all reachable within `options.convergeMs` the run fails with the nodes that
 * were not (app-error), and is no longer active, so a later convergence starts nothing.
 *
 * One object that is also its own view, its functions methods (in flash on a preloaded
 * firmware), its convergence wait the network's own promise and a timer whose argument is the
 * run: no closures, no promise of its own. Before Round 14 a plain run was an object, a view
 * and two closures (~36 XS slots the whole run long) and its wait a promise over the network's
 * with four more closures (~85 more until convergence; docs/FOOTPRINT.md "Round 14: boot slots").
 */
export class PlainRun implements AppRun, RunView {
  readonly rank: number;
  readonly mcapi: McapiNode;
  /** The convergence timer while it is armed, else -1. */
  private timer = -1;
  private active = true;

  constructor(
    rank: number,
    private readonly board: PlainRunBoard,
  ) {
    this.rank = rank;
    this.mcapi = board.mcapi;
  }

  get epoch(): number {
    return 0;
  }

  get hostedByFt(): boolean {
    return false;
  }

  get ft(): RunFt | null {
    return null;
  }

  isActive(): boolean {
    return this.active;
  }

  ready(): Promise<void> {
    const b = this.board;
    this.timer = b.hal.setTimer(b.config.options.convergeMs, onConvergeTimer, this);
    return b.net.whenConverged(b.members());
  }

  begin(): RunView {
    if (this.timer >= 0) this.board.hal.clearTimer(this.timer);
    this.timer = -1;
    return this;
  }

  nodeOfRank(rank: number): number {
    return rank;
  }

  onRevoke(): void {}

  /** @internal The convergence timer fired: the run fails with the members not reachable. */
  timedOut(): void {
    this.timer = -1;
    const b = this.board;
    const missing = b.members().filter((n) => !b.net.reachable(n));
    this.active = false;
    b.runner.fail(this, new Error(`network did not converge in ${b.config.options.convergeMs} ms: nodes ${missing.join(', ')} unreachable`));
  }
}

function onConvergeTimer(run: PlainRun): void {
  run.timedOut();
}

/** A pending `ctx.sleep`: its run and the promise's resolve. */
class Sleeper {
  constructor(
    readonly run: AppRun,
    readonly resolve: (this: unknown) => void,
  ) {}
}

/** A sleep's timer: a superseded run's timers never wake it, its main stops where it stands. */
function wakeSleeper(s: Sleeper): void {
  const resolve = s.resolve;
  if (s.run.isActive()) resolve();
}

/** The context's functions (their types as AppContext declares them: the Lua build's calling convention). */
type ContextFunctions = Pick<AppContext, 'dsm' | 'nodeOfRank' | 'now' | 'sleep' | 'log' | 'event' | 'random'>;

/**
 * The context of one run of `main`. Its functions are getters that bind each to the context on
 * its first use and keep it: an app may take them off the context (`const { now } = ctx`), and a
 * board pays slots only for those its app uses; pingpong uses two of seven (docs/FOOTPRINT.md,
 * "Round 7: pingpong slots"). Before, every run built nine closures over one large environment;
 * until Round 11 each getter built an arrow function over an environment of its own.
 */
class RunContext implements AppContext {
  readonly domain: number;
  readonly node: number;
  readonly rank: number;
  readonly boards: number;
  readonly args: readonly string[];
  readonly mcapi: McapiNode;
  /** Present only under fault tolerance (`'ft' in ctx` tells). */
  declare readonly ft?: AppFt;
  private fns: Partial<ContextFunctions> | null = null;
  private dsmP: Promise<Dsm> | null = null;
  private rpcL: RpcLayer | null = null;

  constructor(
    private readonly runner: AppRunner,
    private readonly board: RunnerBoard,
    private readonly run: AppRun,
    private readonly view: RunView,
  ) {
    const c = board.config;
    this.domain = c.domain;
    this.node = c.node;
    this.rank = run.rank;
    this.boards = c.boards;
    this.args = c.appArgs;
    this.mcapi = view.mcapi;
    if (view.ft !== null) (this as { ft?: AppFt }).ft = view.ft.app;
  }

  get rpc(): Rpc {
    return (this.rpcL ??= this.runner.openRpc(this.view));
  }

  get dsm(): AppContext['dsm'] {
    const f = (this.fns ??= {});
    return (f.dsm ??= this.dsmFn.bind(this));
  }

  get nodeOfRank(): AppContext['nodeOfRank'] {
    const f = (this.fns ??= {});
    return (f.nodeOfRank ??= this.nodeOfRankFn.bind(this));
  }

  get now(): AppContext['now'] {
    const f = (this.fns ??= {});
    return (f.now ??= this.nowFn.bind(this));
  }

  get sleep(): AppContext['sleep'] {
    const f = (this.fns ??= {});
    return (f.sleep ??= this.sleepFn.bind(this));
  }

  get log(): AppContext['log'] {
    const f = (this.fns ??= {});
    return (f.log ??= this.logFn.bind(this));
  }

  get event(): AppContext['event'] {
    const f = (this.fns ??= {});
    return (f.event ??= this.eventFn.bind(this));
  }

  get random(): AppContext['random'] {
    const f = (this.fns ??= {});
    return (f.random ??= this.randomFn.bind(this));
  }

  // The functions themselves, on the prototype (in flash on a preloaded firmware). A getter
  // binds one on first use: a bound function is ~8 XS slots where an arrow function over the
  // getter's environment was ~15 (docs/FOOTPRINT.md "Round 11: conformance slots"; the
  // conformance harness takes four of them). Bound, a function taken off the context still
  // runs on it, and under typescript-to-lua the bound function drops the caller's `self`.

  private dsmFn(): Promise<Dsm> {
    return (this.dsmP ??= this.runner.openDsm(this.run, this.view));
  }

  private nodeOfRankFn(rank: number): number {
    return this.view.nodeOfRank(rank);
  }

  private nowFn(): number {
    return this.board.hal.now();
  }

  private sleepFn(ms: number): Promise<void> {
    // The timer's argument is a small record and its function module-level: a closure over the
    // context and `resolve` was ~9 XS slots more for every sleep pending (Round 14).
    return new Promise((resolve) => {
      this.board.hal.setTimer(ms, wakeSleeper, new Sleeper(this.run, resolve));
    });
  }

  private logFn(level: LogLevel, message: string): void {
    this.board.log(level, message);
  }

  private eventFn(name: string, value: number): void {
    if (!this.run.isActive()) return;
    if (name === 'iter') this.view.ft?.report(value);
    this.board.hal.event(name, value);
  }

  private randomFn(): number {
    return this.board.hal.random();
  }
}
