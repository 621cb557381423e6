/**
 * One board's runtime, wired: the network layer on the HAL links, an MCAPI node on top, the
 * serial console, fault tolerance when the app or the domain wants it, and the app runner.
 * Every target (simulated V8, simulated XS, a real Moddable board, Lua) boots through
 * `bootBoard` (boot.ts), so the code that is tested is the code that is flashed.
 *
 * Without fault tolerance the app starts once the network has converged and runs once (the
 * epoch-0 run). With it (docs/FT.md §12) the FT module starts the app: once every member has
 * joined, and again after every recovery, for each rank the board hosts then (a spare hosts
 * none until it takes a failed board's rank). Each such run gets its own context, its own DSM
 * on ports of its epoch, and its results count only while the run is active (app-runner.ts).
 */
import type { Hal, LogLevel } from '../hal.js';
import type { App } from '../app.js';
import type { CheckedBoardConfig } from '../config.js';
import { NetLayer } from '../net/index.js';
import type { NetHost } from '../net/index.js';
import { FRAME_VERSION } from '../wire/frame.js';
import { emitRuntimeEvent } from '../events.js';
import { McapiNode } from '../mcapi/index.js';
import type { FaultTolerance } from '../ft/index.js';
import { ConsoleShell } from '../console/index.js';
import { RpcLayer } from '../rpc/index.js';
import { AppRunner, PlainRun, type AppState } from './app-runner.js';
import { BoardConsoleTarget } from './console-target.js';
import { FtHost, reserveCheckpointCommands } from './ft-host.js';

/**
 * The board's side of its network layer (NetHost): one object of methods over the board, where
 * four closures were (random, log, onUndeliverable, onVersionMismatch: ~30 live XS slots a
 * board, docs/FOOTPRINT.md "Round 15: boot slots").
 */
export class BoardNetHost implements NetHost {
  constructor(private readonly board: BoardRuntime) {}

  random(): number {
    return this.board.hal.random();
  }

  log(level: LogLevel, message: string): void {
    this.board.log(level, `net: ${message}`);
  }

  /** Nothing accepted is lost silently: what the network gives up on fails the sends (MCAPI status). */
  undeliverable(node: number): void {
    this.board.mcapi.peerUnreachable(node);
  }

  /** A neighbour flashed with another mcdsm version: its link never comes up; the tools say why. */
  versionMismatch(link: number, peer: number): void {
    emitRuntimeEvent(this.board.hal, { name: 'link-version', link, peer, ours: FRAME_VERSION });
  }
}

const LEVEL_RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 };

export class BoardRuntime {
  readonly node: number;
  readonly net: NetLayer;
  readonly mcapi: McapiNode;
  readonly target: BoardConsoleTarget;
  readonly shell: ConsoleShell;
  readonly runner: AppRunner;
  readonly started: number;
  appState: AppState;
  logLevel: LogLevel = 'info';
  /** Fault tolerance's host, when this board hosts it (`hostsFt`). */
  private ftHost: FtHost | null = null;

  constructor(
    readonly hal: Hal,
    readonly config: CheckedBoardConfig,
    readonly app: App,
  ) {
    this.node = config.node;
    this.started = hal.now();
    this.appState = config.rank < 0 ? 'spare' : 'waiting';
    this.net = new NetLayer(hal.links, hal, {
      ...config.options.net,
      domain: config.domain,
      node: config.node,
      host: new BoardNetHost(this),
      ...(hal.bytes !== undefined ? { bytes: hal.bytes } : {}),
    });
    this.mcapi = new McapiNode(this.net, hal);
    this.target = new BoardConsoleTarget(this);
    this.shell = new ConsoleShell(hal.console, this.target, { faultsArmed: config.options.faultsArmed });
    reserveCheckpointCommands(this.shell.registry);
    this.runner = new AppRunner(this);
  }

  /** Fault tolerance, when this board hosts it and it attached. */
  get ft(): FaultTolerance | null {
    return this.ftHost?.ft ?? null;
  }

  start(): void {
    this.net.start();
    this.mcapi.initialize(this.config.domain, this.config.node);
    if (this.hostsFt()) {
      this.ftHost = new FtHost(this);
      this.ftHost.start();
      return;
    }
    if (this.config.rank >= 0) void this.runner.run(new PlainRun(this.config.rank, this));
  }

  /**
   * Fault tolerance is hosted for apps that checkpoint (`App.ft`), and for any app when the
   * domain asks for it (spares, or `options.ft`). Other apps start as before and pay nothing.
   */
  hostsFt(): boolean {
    const o = this.config.options;
    return this.app.ft === true || o.ft !== null || o.spares > 0;
  }

  log(level: LogLevel, message: string): void {
    if (LEVEL_RANK[level] <= LEVEL_RANK[this.logLevel]) this.hal.log(level, message);
  }

  /** The working boards and the spares after them. */
  members(): number[] {
    return Array.from({ length: this.config.boards + this.config.options.spares }, (_, i) => i);
  }

  /** The remote-call layer of a run (options.rpc: its limits, docs/RPC.md). */
  openRpc(): RpcLayer {
    const limits = this.config.options.rpc;
    return new RpcLayer({
      mcapi: this.mcapi,
      clock: this.hal,
      domain: this.config.domain,
      nodes: () => this.members(),
      event: (name, value, detail) => this.hal.event(name, value, detail),
      ...(limits !== null ? { limits } : {}),
    });
  }
}
