/**
 * Fault tolerance on a board: its options from the board config, the module attached to the
 * network with its console commands, and each run it starts handed to the app runner with the
 * DSM's checkpoint content (docs/FT.md §12). The FT layer itself knows neither the board config
 * nor the console shell nor the DSM: they meet here.
 */
import type { Hal, LogLevel } from '../hal.js';
import type { AppFt } from '../app.js';
import { ConfigError, type CheckedBoardConfig } from '../config.js';
import type { NetLayer } from '../net/index.js';
import type { McapiNode, McapiScope } from '../mcapi/index.js';
import { placeholder } from '../console/index.js';
import type { CommandRegistry, CommandSpec } from '../console/index.js';
import { attachFaultTolerance, registerFtConsole, resolveFtOptions } from '../ft/index.js';
import type { AppState as SavedState, CheckpointCallOptions, FaultTolerance, FtError, FtListener, FtOptions, FtRun, FtStats, RevokeListener } from '../ft/index.js';
import type { DsmArray } from '../dsm/index.js';
import { NODE_ID_MAX } from '../wire/ids.js';
import type { AppRun, AppRunner, AppState, RunFt, RunView } from './app-runner.js';
import { DsmCheckpointContent } from './dsm-content.js';
import { errorText } from './error-text.js';
import { emitRuntimeEvent } from '../events.js';

/** Largest share of the board's memory budget that checkpoints may use by default. */
const DEFAULT_RAM_SHARE = 0.5;
/** The smallest checkpoint store a board gets by default. */
const MIN_STORE_BYTES = 1024;
/** Why `ckpt` commands answer ERR on a board that does not host fault tolerance. */
const CKPT_NOT_ENABLED = 'checkpointing not enabled';

/**
 * FT options for a board: `config.options.ft` over defaults taken from the board — ranks from
 * `boards`, spares after them, the version from the app and its arguments plus `build` (a
 * bundle hash), frames as large as the network allows, half the RAM budget for checkpoints.
 * Throws ConfigError naming the field.
 */
export function ftOptionsFor(config: CheckedBoardConfig, maxPayload: number, build = '', routeLagMs = 0): FtOptions {
  // The simulator and provisioning number the working boards 0..boards-1 and the spares after them.
  const spares = Math.min(config.options.spares, NODE_ID_MAX + 1 - config.boards);
  const o: FtOptions = {
    boards: config.boards,
    spares: Array.from({ length: spares }, (_, i) => config.boards + i),
    version: `${config.app} ${config.appArgs.join(' ')} ${build}`,
    maxPayload,
    routeLagMs,
    maxStoreBytes: Math.max(MIN_STORE_BYTES, Math.floor(config.ramLimit * DEFAULT_RAM_SHARE)),
    ...(config.options.ft ?? {}),
  };
  try {
    resolveFtOptions(o);
  } catch (e) {
    throw new ConfigError(`options.ft: ${(e as FtError).message}`);
  }
  return o;
}

/**
 * `ckpt now` and `ckpt status` answer `ERR checkpointing not enabled` until FT registers the
 * real commands (listed by `help` either way, so a board without FT says why they fail).
 */
export function reserveCheckpointCommands(registry: Pick<CommandRegistry, 'reserveTable'>): void {
  registry.reserveTable(CKPT_PLACEHOLDERS, CKPT_NOT_ENABLED);
}

/** Module-level and frozen: in flash on Moddable (commandTable). */
const CKPT_PLACEHOLDERS: readonly CommandSpec<never>[] = Object.freeze([
  placeholder('ckpt now', 'take a coordinated checkpoint now'),
  placeholder('ckpt status', 'show the last committed checkpoint'),
]);

/** What the FT host needs of the board. */
export interface FtBoard {
  readonly hal: Hal;
  readonly node: number;
  readonly config: CheckedBoardConfig;
  readonly net: NetLayer;
  readonly mcapi: McapiNode;
  readonly runner: AppRunner;
  readonly shell: { registerTable(specs: readonly CommandSpec<FaultTolerance>[], owner: FaultTolerance): void };
  appState: AppState;
  log(level: LogLevel, message: string): void;
}

export class FtHost implements FtListener {
  /** The module, once attached (null while `attachFaultTolerance` runs, or when it failed). */
  ft: FaultTolerance | null = null;
  /** Epoch of the last recovery this board reported as the new view's coordinator. */
  private recoveryReported = 0;

  constructor(private readonly board: FtBoard) {}

  /** Attach and start the module; a bad `options.ft` field halts the board naming it. */
  start(): void {
    const board = this.board;
    const hal = board.hal;
    try {
      this.ft = attachFaultTolerance({
        net: board.net,
        hal,
        options: ftOptionsFor(board.config, board.net.options.maxPayload, '', board.net.options.deadMs),
        wire: (ft) => registerFtConsole(board.shell, ft),
        listener: this,
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      board.appState = 'failed';
      emitRuntimeEvent(hal, { name: 'app-error', rank: board.config.rank, reason: `bad board config: ${message}` });
      hal.halt(`bad board config: ${message}`);
    }
  }

  /** @internal FtListener: a run to start (at start, after every recovery): its content now, its `main` right after. */
  startRun(run: FtRun): void {
    const content = new DsmCheckpointContent();
    try {
      // Before main: a restored run gets its DSM pages back as the app allocates its arrays.
      run.addContent(content);
    } catch (e) {
      this.board.log('error', `ft: rank ${run.rank}: DSM checkpoint content: ${errorText(e)}`);
    }
    run.releaseRestored();
    this.reportRecovery(run);
    void this.board.runner.run(this.appRun(run, content));
  }

  /** @internal FtAppRun: a run's own MCAPI scope. */
  openScope(): McapiScope<McapiNode> {
    return this.board.mcapi.openScope();
  }

  /** @internal FtAppRun: whether a failure of this domain can be recovered from (spares, or the run may shrink). */
  recoverable(ft: FaultTolerance): boolean {
    return this.board.config.options.spares > 0 || ft.options.shrink;
  }

  /** The coordinator of the new view reports each recovery once (the simulator's figures). */
  private reportRecovery(run: FtRun): void {
    const ft = this.ft;
    if (ft === null || run.epoch === 0 || run.epoch === this.recoveryReported) return;
    if (Math.min(...ft.rankMap()) !== this.board.node) return;
    const rec = ft.lastRecovery();
    if (rec === null || rec.epoch !== run.epoch) return;
    this.recoveryReported = run.epoch;
    emitRuntimeEvent(this.board.hal, { name: 'ft-recovery', epoch: run.epoch, figures: rec });
  }

  /** @internal FtListener: the module stopped for good. */
  ftStopped(reason: string): void {
    const hal = this.board.hal;
    const ft = this.ft;
    const ranks = ft?.rankMap() ?? [];
    const mine = ranks.indexOf(this.board.node);
    this.board.appState = 'failed';
    if (ft !== null) emitRuntimeEvent(hal, { name: 'ft-stats', rank: mine, stats: ft.stats() });
    emitRuntimeEvent(hal, { name: 'app-error', rank: mine, reason });
    hal.halt(`ft: ${reason}`);
  }

  /** An FT run as the app runner sees it: its rank map and MCAPI scope taken when it begins. */
  private appRun(run: FtRun, content: DsmCheckpointContent): AppRun {
    return new FtAppRun(run, content, this);
  }
}

/** `ready` of every FT run: FT starts a run from its frame handler, which has returned by the next microtask. */
function readyNow(): Promise<void> {
  return Promise.resolve();
}

/**
 * An FT run as the app runner sees it (AppRun), and what closes its MCAPI scope when a rollback
 * supersedes it (its RevokeListener): one object whose functions are methods. The runner holds
 * it for the whole run; as an object of three closures and a closure per revoke listener it was
 * ~40 XS slots (docs/FOOTPRINT.md "Round 13: Laplace slots").
 */
export class FtAppRun implements AppRun {
  /** The run's own MCAPI scope, opened by `begin`. */
  private scope: McapiScope<McapiNode> | null = null;

  constructor(
    private readonly run: FtRun,
    private readonly content: DsmCheckpointContent,
    private readonly host: FtHost,
  ) {}

  get rank(): number {
    return this.run.rank;
  }

  get epoch(): number {
    return this.run.epoch;
  }

  get hostedByFt(): boolean {
    return true;
  }

  /** Nothing starts if the module failed to attach after starting the run. */
  isActive(): boolean {
    return this.run.active && this.host.ft !== null;
  }

  ready(): Promise<void> {
    return readyNow();
  }

  begin(): RunView {
    // Out of the FT module's frame handler by now (and out of attachFaultTolerance at a one-board start).
    const ft = this.host.ft!;
    const run = this.run;
    // The run's own MCAPI: what it creates goes with it at a rollback, so the next run can
    // create the same ports (docs/FT.md, "MCAPI under fault tolerance").
    const scope = this.host.openScope();
    this.scope = scope;
    run.onRevoke(this);
    return new HostedRun(run, this.content, ft, scope.mcapi, this.host.recoverable(ft));
  }

  /** @internal RevokeListener: the run was superseded by a rollback. */
  close(): void {
    const run = this.run;
    this.scope?.close(`the run of rank ${run.rank} (epoch ${run.epoch}) was superseded by a rollback`);
  }
}

/**
 * A run's view for the app runner (RunView), its `ctx.ft` (AppFt) and the runner's side of it
 * (RunFt) in one object whose functions are methods: they were three objects of a dozen
 * closures per run (docs/FOOTPRINT.md "Round 9: Laplace slots").
 */
export class HostedRun implements RunView, RunFt, AppFt {
  /** The rank map when the run began. */
  private readonly map: number[];

  constructor(
    private readonly run: FtRun,
    readonly content: DsmCheckpointContent,
    private readonly module: FaultTolerance,
    readonly mcapi: McapiNode,
    readonly recoverable: boolean,
  ) {
    this.map = module.rankMap();
  }

  // The run's own, read through (not copied: a property is an XS slot for the run's life).
  get restored(): SavedState {
    return this.run.restored;
  }

  get generation(): number {
    return this.run.generation;
  }

  get progress(): number {
    return this.run.progress;
  }

  get epoch(): number {
    return this.run.epoch;
  }

  // RunView
  get ft(): RunFt {
    return this;
  }

  nodeOfRank(rank: number): number {
    return this.map[rank] ?? -1;
  }

  onRevoke(undo: RevokeListener): void {
    this.run.onRevoke(undo);
  }

  // RunFt
  get app(): AppFt {
    return this;
  }

  stats(): FtStats {
    return this.module.stats();
  }

  settled(): Promise<void> {
    return this.run.settled();
  }

  // AppFt
  checkpoint(state: SavedState, progress?: number, opts?: CheckpointCallOptions): Promise<void> {
    return this.run.checkpoint(state, progress, opts);
  }

  opportunity(progress: number, state: () => SavedState): Promise<boolean> {
    return this.run.opportunity(progress, state);
  }

  yield(): Promise<void> {
    return this.run.yield();
  }

  report(progress: number): void {
    this.run.report(progress);
  }

  checkpointArrays(arrays: readonly DsmArray[] | null): void {
    this.content.select(arrays === null ? null : arrays.map((a) => a.name));
  }
}
