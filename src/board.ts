/**
 * One board's runtime: the network layer on the HAL links, an MCAPI node on top, the serial
 * console, and the application. Every target (simulated V8, simulated XS, a real Moddable
 * board) boots through `bootBoard`, so the code that is tested is the code that is flashed.
 */
import type { Hal, LogLevel } from './hal.js';
import type { App, AppContext, AppValue, RawApp } from './app.js';
import { checkBoardConfig, type BoardConfig } from './config.js';
import { NetLayer } from './net/index.js';
import { McapiNode } from './mcapi/index.js';
import { createMcapiDsm } from './dsm/mcapi-transport.js';
import type { Dsm, DsmOptions } from './dsm/index.js';
import { ConsoleShell, LOG_LEVELS } from './console/index.js';
import type { ConsoleRecord, ConsoleTarget, FaultCommand } from './console/index.js';

const LEVEL_RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 };

/** How long a board waits for every member of the domain to be reachable before its app starts. */
const DEFAULT_CONVERGE_MS = 10_000;

export type AppState = 'waiting' | 'running' | 'done' | 'failed' | 'spare';

export class BoardRuntime implements ConsoleTarget {
  readonly node: number;
  readonly net: NetLayer;
  readonly mcapi: McapiNode;
  readonly shell: ConsoleShell;
  appState: AppState;
  private logLevel: LogLevel = 'info';
  private dsmOpening: Promise<Dsm> | null = null;
  private readonly started: number;

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
      log: (level, message) => this.log(level, `net: ${message}`),
    });
    this.mcapi = new McapiNode(this.net, hal);
    this.shell = new ConsoleShell(hal.console, this, { faultsArmed: config.options.faultsArmed === true });
  }

  start(): void {
    this.net.start();
    this.mcapi.initialize(this.config.domain, this.config.node);
    if (this.config.rank >= 0) void this.runApp();
  }

  log(level: LogLevel, message: string): void {
    if (LEVEL_RANK[level] <= LEVEL_RANK[this.logLevel]) this.hal.log(level, message);
  }

  private members(): number[] {
    const spares = typeof this.config.options.spares === 'number' ? this.config.options.spares : 0;
    return Array.from({ length: this.config.boards + spares }, (_, i) => i);
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
      const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
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
    return {
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
  }

  private openDsm(): Promise<Dsm> {
    const c = this.config;
    const raw = c.options.dsm;
    const options: DsmOptions = { ...(typeof raw === 'object' && raw !== null ? (raw as DsmOptions) : {}) };
    if (typeof c.options.pageSize === 'number') options.pageSize = c.options.pageSize;
    return createMcapiDsm(this.mcapi, this.hal, { rank: c.rank, size: c.boards, domain: c.domain, nodeOfRank: (r) => r }, options);
  }

  // ---- ConsoleTarget ----

  knownNodes(): readonly number[] {
    return this.members();
  }

  status(): ConsoleRecord {
    const mem = this.hal.memory();
    return {
      node: this.node,
      rank: this.config.rank,
      role: this.config.rank < 0 ? 'spare' : 'member',
      app: this.config.app,
      state: this.appState,
      epoch: this.net.epoch,
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
    return { net, mcapi };
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
  const board = new BoardRuntime(hal, cfg, app);
  board.start();
  return board;
}
