/**
 * One board's runtime: the network layer on the HAL links, an MCAPI node on top, the serial
 * console, fault tolerance when the app or the domain wants it, and the application. Every
 * target (simulated V8, simulated XS, a real Moddable board) boots through `bootBoard`, so the
 * code that is tested is the code that is flashed.
 *
 * Without fault tolerance the app starts once the network has converged and runs once. With
 * it (docs/FT.md §12) the FT module starts the app: once every member has joined, and again
 * after every recovery, for each rank the board hosts then (a spare hosts none until it takes
 * a failed board's rank). Each such run gets its own context, its own DSM on ports of its
 * epoch, and its results count only while the run is active.
 */
import type { Hal, LogLevel } from './hal.js';
import { withGetter } from './util/next-id.js';
import { allDigits, isSpace } from './console/chars.js';
import type { App, AppContext, AppFt, AppValue, RawApp } from './app.js';
import { checkBoardConfig, type BoardConfig } from './config.js';
import { appArgsError } from './app-options.js';
import { NetLayer } from './net/index.js';
import { McapiNode } from './mcapi/index.js';
import { createMcapiDsm, McapiDsmTransport } from './dsm/mcapi-transport.js';
import { Dsm } from './dsm/index.js';
import type { DsmOptions } from './dsm/index.js';
import { DsmCheckpointContent } from './dsm/checkpoint-content.js';
import { attachFaultTolerance, checkpointStatus } from './ft/index.js';
import type { FaultTolerance, FtRun } from './ft/index.js';
import { ConsoleShell, LOG_LEVELS } from './console/index.js';
import { RpcLayer } from './rpc/index.js';
import type { RpcLimits } from './rpc/index.js';
import type { ConsoleRecord, ConsoleTarget, FaultCommand } from './console/index.js';

const LEVEL_RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 };

/** How long a board waits for every member of the domain to be reachable before its app starts. */
const DEFAULT_CONVERGE_MS = 10_000;

/**
 * Under fault tolerance each run's DSM endpoint gets a port of its own epoch and rank, in
 * [FT_DSM_PORT_BASE, FT_DSM_PORT_BASE + FT_DSM_PORT_SPAN): below MCAPI's dynamic ports (768),
 * above the ports apps pick (DSM_PORT is 40). A rolled-back run's endpoint is deleted at the
 * rollback; the next run's endpoint is a different one, so nothing addressed to the old run
 * can reach the new one, and the new one can be created while the old run is still winding down.
 */
const FT_DSM_PORT_BASE = 256;
const FT_DSM_PORT_SPAN = 512;

export function ftDsmPort(epoch: number, boards: number, rank: number): number {
  return FT_DSM_PORT_BASE + ((epoch * boards + rank) % FT_DSM_PORT_SPAN);
}

function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

/** Stack frames named in an app failure: enough to find the line, short enough for a log line. */
const ERROR_FRAMES = 3;

/**
 * `Name: message (at file:line, ...)`: the places come from the stack where the engine keeps
 * one (XS `at f (file:12)`, V8 `at f (file:12:5)`); the host maps bundle places to the app's
 * own source lines (host-sim/apps/source-places.ts).
 */
function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const places: string[] = [];
  const stack: unknown = e.stack;
  if (typeof stack === 'string') {
    for (const line of stack.split('\n')) {
      const place = framePlace(line);
      if (place !== null && places.length < ERROR_FRAMES) places.push(place);
    }
  }
  return `${e.name}: ${e.message}${places.length > 0 ? ` (at ${places.join(', ')})` : ''}`;
}

export type AppState = 'waiting' | 'running' | 'done' | 'failed' | 'spare';

/**
 * `file:line[:column]` of a stack line ending in `(file:line[:column])`, or null (what
 * /\(([^()\s]+:\d+(?::\d+)?)\)\s*$/ matched; no regular expression: the Lua build has none).
 */
function framePlace(line: string): string | null {
  const t = line.trimEnd();
  if (!t.endsWith(')')) return null;
  const open = t.lastIndexOf('(');
  if (open < 0) return null;
  const inner = t.slice(open + 1, t.length - 1);
  for (let i = 0; i < inner.length; i++) if (isSpace(inner.charCodeAt(i)) || inner.charAt(i) === ')') return null;
  const parts = inner.split(':');
  const n = parts.length;
  if (n >= 3 && allDigits(parts[n - 1]!) && allDigits(parts[n - 2]!) && parts.slice(0, n - 2).join(':').length > 0) return inner;
  if (n >= 2 && allDigits(parts[n - 1]!) && parts.slice(0, n - 1).join(':').length > 0) return inner;
  return null;
}

export class BoardRuntime implements ConsoleTarget {
  readonly node: number;
  readonly net: NetLayer;
  readonly mcapi: McapiNode;
  readonly shell: ConsoleShell;
  appState: AppState;
  /** Fault tolerance, when this board hosts it (`hostsFt`). */
  ft: FaultTolerance | null = null;
  private logLevel: LogLevel = 'info';
  private dsmOpening: Promise<Dsm> | null = null;
  private readonly started: number;
  /** Epoch of the last recovery this board reported as the new view's coordinator. */
  private recoveryReported = 0;

  constructor(
    private readonly hal: Hal,
    readonly config: BoardConfig,
    private readonly app: App,
  ) {
    this.node = config.node;
    this.started = hal.now();
    this.appState = config.rank < 0 ? 'spare' : 'waiting';
    const net = config.options.net;
    this.net = new NetLayer(hal.links, hal, {
      ...(typeof net === 'object' && net !== null ? (net as object) : {}),
      domain: config.domain,
      node: config.node,
      random: () => hal.random(),
      ...(hal.bytes !== undefined ? { bytes: hal.bytes } : {}),
      log: (level, message) => this.log(level, `net: ${message}`),
    });
    this.mcapi = new McapiNode(this.net, hal);
    // Nothing accepted is lost silently: what the network gives up on fails the sends (MCAPI status).
    this.net.onUndeliverable = (node) => this.mcapi.peerUnreachable(node);
    this.shell = new ConsoleShell(hal.console, this, { faultsArmed: config.options.faultsArmed === true });
  }

  start(): void {
    this.net.start();
    this.mcapi.initialize(this.config.domain, this.config.node);
    if (this.hostsFt()) {
      this.startFt();
      return;
    }
    if (this.config.rank >= 0) void this.runApp();
  }

  /**
   * Fault tolerance is hosted for apps that checkpoint (`App.ft`), and for any app when the
   * domain asks for it (spares, or `options.ft`). Other apps start as before and pay nothing.
   */
  hostsFt(): boolean {
    const o = this.config.options.ft;
    return this.app.ft === true || (typeof o === 'object' && o !== null) || this.spares() > 0;
  }

  private spares(): number {
    return typeof this.config.options.spares === 'number' ? this.config.options.spares : 0;
  }

  private startFt(): void {
    const hal = this.hal;
    try {
      this.ft = attachFaultTolerance({
        net: this.net,
        hal,
        config: this.config,
        maxPayload: this.net.options.maxPayload,
        shell: this.shell,
        run: (run) => this.onRun(run),
        stopped: (reason) => this.onFtStop(reason),
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.appState = 'failed';
      hal.event('app-error', this.config.rank, `bad board config: ${message}`);
      hal.halt(`bad board config: ${message}`);
    }
  }

  /** A run to start (at start, after every recovery): its content now, its `main` right after. */
  private onRun(run: FtRun): void {
    const content = new DsmCheckpointContent();
    try {
      // Before main: a restored run gets its DSM pages back as the app allocates its arrays.
      run.addContent(content);
    } catch (e) {
      this.log('error', `ft: rank ${run.rank}: DSM checkpoint content: ${errorText(e)}`);
    }
    run.releaseRestored();
    this.reportRecovery(run);
    void this.runFt(run, content);
  }

  /** The coordinator of the new view reports each recovery once (the simulator's figures). */
  private reportRecovery(run: FtRun): void {
    const ft = this.ft;
    if (ft === null || run.epoch === 0 || run.epoch === this.recoveryReported) return;
    if (Math.min(...ft.rankMap()) !== this.node) return;
    const rec = ft.lastRecovery();
    if (rec === null || rec.epoch !== run.epoch) return;
    this.recoveryReported = run.epoch;
    this.hal.event('ft-recovery', run.epoch, JSON.stringify(rec));
  }

  private async runFt(run: FtRun, content: DsmCheckpointContent): Promise<void> {
    // Out of the FT module's frame handler (and out of attachFaultTolerance at a one-board start).
    await Promise.resolve();
    const ft = this.ft;
    if (ft === null || !run.active) return;
    const hal = this.hal;
    const map = ft.rankMap();
    this.appState = 'running';
    hal.event('app-start', run.rank);
    let result: AppValue;
    try {
      result = await this.app.main(this.runContext(run, map, content));
    } catch (e) {
      if (!run.active) return;
      this.appState = 'failed';
      const message = errorText(e);
      this.log('error', `app ${this.app.name} (rank ${run.rank}) failed: ${message}`);
      hal.event('app-error', run.rank, message);
      return;
    }
    // A superseded run's result is not the app's: the run from the checkpoint reports instead.
    if (!run.active) return;
    this.appState = 'done';
    hal.event('ft-stats', run.rank, JSON.stringify(ft.stats()));
    hal.event('app-result', run.rank, JSON.stringify(result ?? null));
  }

  private onFtStop(reason: string): void {
    const hal = this.hal;
    const ft = this.ft;
    const ranks = ft?.rankMap() ?? [];
    const mine = ranks.indexOf(this.node);
    this.appState = 'failed';
    if (ft !== null) hal.event('ft-stats', mine, JSON.stringify(ft.stats()));
    hal.event('app-error', mine, reason);
    hal.halt(`ft: ${reason}`);
  }

  /** The context of one FT run of `main` for `run.rank`, with the rank map of its view. */
  private runContext(run: FtRun, map: readonly number[], content: DsmCheckpointContent): AppContext {
    const hal = this.hal;
    const c = this.config;
    const ft: AppFt = {
      restored: run.restored,
      generation: run.generation,
      progress: run.progress,
      epoch: run.epoch,
      recoverable: this.spares() > 0 || (this.ft?.options.shrink ?? false),
      checkpoint: (state, progress) => run.checkpoint(state, progress),
      opportunity: (progress, state) => run.opportunity(progress, state),
      yield: () => run.yield(),
      report: (progress) => run.report(progress),
      checkpointArrays: (arrays) => content.select(arrays === null ? null : arrays.map((a) => a.name)),
    };
    let dsm: Promise<Dsm> | null = null;
    let rpc: RpcLayer | null = null;
    const openRpc = (): RpcLayer => {
      const layer = this.openRpc();
      // A superseded run's calls and served functions go with it; the next run opens afresh.
      run.onRevoke(() => layer.close());
      return layer;
    };
    // The run's own MCAPI: what it creates goes with it at a rollback, so the next run can
    // create the same ports (docs/FT.md, "MCAPI under fault tolerance").
    const scope = this.mcapi.openScope();
    run.onRevoke(() => scope.close(`the run of rank ${run.rank} (epoch ${run.epoch}) was superseded by a rollback`));
    const ctx: Omit<AppContext, 'rpc'> = {
      domain: c.domain,
      node: c.node,
      rank: run.rank,
      boards: c.boards,
      args: c.appArgs,
      mcapi: scope.mcapi,
      dsm: () => (dsm ??= this.openRunDsm(run, map, content)),
      nodeOfRank: (rank) => map[rank] ?? -1,
      ft,
      now: () => hal.now(),
      // A superseded run's timers never wake it: its main stops where it stands.
      sleep: (ms) =>
        new Promise((resolve) =>
          hal.setTimer(ms, () => {
            if (run.active) resolve();
          }),
        ),
      log: (level, message) => this.log(level, message),
      event: (name, value) => {
        if (!run.active) return;
        if (name === 'iter') run.report(value);
        hal.event(name, value);
      },
      random: () => hal.random(),
    };
    return withGetter(ctx, 'rpc', () => (rpc ??= openRpc()));
  }

  /**
   * A fresh DSM for one run: ranks addressed through the run's rank map, an endpoint per rank
   * on a port of the run's epoch (two ranks may share a board after a shrink), closed when the
   * run is revoked. Peers' endpoints are looked up first, so nothing is sent to a board before
   * its own run of this epoch exists; what arrives before the DSM listens waits in MCAPI.
   */
  private async openRunDsm(run: FtRun, map: readonly number[], content: DsmCheckpointContent): Promise<Dsm> {
    const c = this.config;
    const options = this.dsmOptions();
    const boards = c.boards;
    const transport = await McapiDsmTransport.open(this.mcapi, {
      rank: run.rank,
      size: boards,
      domain: c.domain,
      nodeOfRank: (r) => map[r] ?? -1,
      portOfRank: (r) => ftDsmPort(run.epoch, boards, r),
      recvSlots: (options.window ?? 4) + 2,
    });
    if (!run.active) {
      transport.close();
      return never();
    }
    run.onRevoke(() => transport.close());
    const dsm = new Dsm(transport, this.hal, options);
    // Held-back diffs and timers of a superseded run go with it (a late release is a no-op).
    run.onRevoke(() => dsm.close());
    content.attach(dsm);
    return dsm;
  }

  private dsmOptions(): DsmOptions {
    const c = this.config;
    const raw = c.options.dsm;
    const options: DsmOptions = { ...(typeof raw === 'object' && raw !== null ? (raw as DsmOptions) : {}) };
    if (typeof c.options.pageSize === 'number') options.pageSize = c.options.pageSize;
    return options;
  }

  log(level: LogLevel, message: string): void {
    if (LEVEL_RANK[level] <= LEVEL_RANK[this.logLevel]) this.hal.log(level, message);
  }

  private members(): number[] {
    return Array.from({ length: this.config.boards + this.spares() }, (_, i) => i);
  }

  private async runApp(): Promise<void> {
    const hal = this.hal;
    const rank = this.config.rank;
    try {
      await this.converge();
      this.appState = 'running';
      hal.event('app-start', rank);
      const result: AppValue = await this.app.main(this.context());
      this.appState = 'done';
      hal.event('app-result', rank, JSON.stringify(result ?? null));
    } catch (e) {
      this.appState = 'failed';
      const message = errorText(e);
      this.log('error', `app ${this.app.name} failed: ${message}`);
      hal.event('app-error', rank, message);
    }
  }

  private converge(): Promise<void> {
    const members = this.members();
    const limit = typeof this.config.options.convergeMs === 'number' ? this.config.options.convergeMs : DEFAULT_CONVERGE_MS;
    return new Promise((resolve, reject) => {
      const timer = this.hal.setTimer(limit, () => {
        const missing = members.filter((n) => !this.net.reachable(n));
        reject(new Error(`network did not converge in ${limit} ms: nodes ${missing.join(', ')} unreachable`));
      });
      this.net.whenConverged(members).then(() => {
        this.hal.clearTimer(timer);
        resolve();
      }, reject);
    });
  }

  private context(): AppContext {
    const hal = this.hal;
    const c = this.config;
    let rpc: RpcLayer | null = null;
    const openRpc = (): RpcLayer => this.openRpc();
    const ctx: Omit<AppContext, 'rpc'> = {
      domain: c.domain,
      node: c.node,
      rank: c.rank,
      boards: c.boards,
      args: c.appArgs,
      mcapi: this.mcapi,
      dsm: () => (this.dsmOpening ??= this.openDsm()),
      nodeOfRank: (rank) => rank,
      now: () => hal.now(),
      sleep: (ms) => new Promise((resolve) => hal.setTimer(ms, resolve)),
      log: (level, message) => this.log(level, message),
      event: (name, value) => hal.event(name, value),
      random: () => hal.random(),
    };
    return withGetter(ctx, 'rpc', () => (rpc ??= openRpc()));
  }

  /** The remote-call layer of a run (options.rpc: its limits, docs/RPC.md). */
  private openRpc(): RpcLayer {
    const raw = this.config.options.rpc;
    return new RpcLayer({
      mcapi: this.mcapi,
      clock: this.hal,
      domain: this.config.domain,
      nodes: () => this.members(),
      event: (name, value, detail) => this.hal.event(name, value, detail),
      ...(typeof raw === 'object' && raw !== null ? { limits: raw as Partial<RpcLimits> } : {}),
    });
  }

  private openDsm(): Promise<Dsm> {
    const c = this.config;
    return createMcapiDsm(this.mcapi, this.hal, { rank: c.rank, size: c.boards, domain: c.domain, nodeOfRank: (r) => r }, this.dsmOptions());
  }

  // ---- ConsoleTarget ----

  knownNodes(): readonly number[] {
    return this.members();
  }

  status(): ConsoleRecord {
    const mem = this.hal.memory();
    const ft = this.ft;
    // Under FT the ranks are the current view's: a spare may hold one, a survivor two.
    const ranks = ft !== null ? ft.hostedRanks() : null;
    const rank: number | string = ranks === null ? this.config.rank : ranks.length === 0 ? -1 : ranks.length === 1 ? ranks[0]! : ranks.join(',');
    const role = ranks === null ? (this.config.rank < 0 ? 'spare' : 'member') : ft!.phase !== 'running' ? ft!.phase : ranks.length === 0 ? 'spare' : 'member';
    return {
      node: this.node,
      rank,
      role,
      app: this.config.app,
      state: this.appState,
      epoch: ft !== null ? ft.epoch : this.net.epoch,
      uptime_ms: Math.round(this.hal.now() - this.started),
      heap: mem.used,
      heap_limit: mem.limit,
      log: this.logLevel,
    };
  }

  peers(): readonly ConsoleRecord[] {
    return this.members()
      .filter((n) => n !== this.node)
      .map((n) => ({ node: n, reachable: this.net.reachable(n) }));
  }

  stats(): Readonly<Record<string, ConsoleRecord>> {
    const n = this.net.stats();
    const m = this.mcapi.stats();
    const net: Record<string, number> = {};
    for (const [k, v] of Object.entries(n)) if (typeof v === 'number') net[k] = v;
    const mcapi: Record<string, number> = {};
    for (const [k, v] of Object.entries(m)) if (typeof v === 'number') mcapi[k] = v;
    const ft = this.ft;
    if (ft === null) return { net, mcapi };
    const s = ft.stats();
    return {
      net,
      mcapi,
      ft: {
        ...checkpointStatus(ft),
        coordinator: s.coordinator,
        map: s.rankMap.join(','),
        heartbeatsSent: s.heartbeatsSent,
        heartbeatsReceived: s.heartbeatsReceived,
        suspicions: s.suspicions,
        framesIn: s.framesIn,
        framesOut: s.framesOut,
        malformed: s.malformed,
        stale: s.stale,
        retries: s.retries,
        ...(s.stopReason !== '' ? { stopped: s.stopReason } : {}),
      },
    };
  }

  setLogLevel(level: LogLevel): void {
    if (!LOG_LEVELS.includes(level)) throw new Error(`unknown log level ${level}`);
    this.logLevel = level;
  }

  fault(f: FaultCommand): void {
    // Reported before it acts, so that the simulator (or a log) sees every injected fault.
    switch (f.kind) {
      case 'crash':
        this.hal.event('fault', 0, 'crash');
        this.hal.halt('fault crash');
        return;
      case 'reboot':
        this.hal.event('fault', 0, 'reboot');
        this.hal.reset();
        return;
      case 'hang':
        this.hal.event('fault', 0, `hang ${f.ms}`);
        this.hal.hang(f.ms);
        return;
      case 'net': {
        const s = f.state;
        const none = s.drop === 0 && s.corrupt === 0 && s.delayMs === 0 && s.partitioned.length === 0;
        this.net.setIngressFault(none ? null : { drop: s.drop, corrupt: s.corrupt, delayMs: s.delayMs, blockNodes: s.partitioned });
        const detail =
          f.change === 'heal' ? 'heal'
          : f.change === 'drop' ? `drop ${s.drop}`
          : f.change === 'corrupt' ? `corrupt ${s.corrupt}`
          : f.change === 'delay' ? `delay ${s.delayMs}`
          : `partition ${s.partitioned.join(',')}`;
        this.hal.event('fault', 0, detail);
        return;
      }
    }
  }
}

/**
 * Boot a board: check the configuration (a bad field halts the board with the field's name),
 * find the app, start the runtime. Returns null when the board could not start.
 */
export function bootBoard(hal: Hal, config: unknown, apps: ReadonlyMap<string, App | RawApp>): BoardRuntime | null {
  let cfg: BoardConfig;
  try {
    cfg = checkBoardConfig(config, hal.links.length);
  } catch (e) {
    hal.halt(`bad board config: ${(e as Error).message}`);
    return null;
  }
  const app = apps.get(cfg.app);
  if (!app) {
    hal.halt(`bad board config: app "${cfg.app}" is not built into this firmware (have: ${[...apps.keys()].join(', ')})`);
    return null;
  }
  if ('raw' in app) {
    app.start(hal, cfg);
    return null;
  }
  const badArgs = appArgsError(app, cfg.appArgs);
  if (badArgs !== null) {
    hal.event('app-error', cfg.rank, badArgs);
    hal.halt(`bad app options: ${badArgs}`);
    return null;
  }
  const board = new BoardRuntime(hal, cfg, app);
  board.start();
  return board;
}
