/**
 * `mcdsm/sim`: the simulator from code, for tests of your own app (ava, vitest, node:test):
 *
 *   import { simulate } from 'mcdsm/sim';
 *   const summary = await simulate({ app: './app.ts', boards: 4, spares: 1, engine: 'xs',
 *     faults: ['crash:2@iter=30'], link: 'uart:921600', seed: 7 });
 *   assert.equal(summary.ok, true);
 *
 * The summary is the object `mcdsm sim --json` prints. The defaults are `mcdsm sim`'s.
 */
import { buildSimConfig, type SimFlags } from '../sim/options.js';
import { Simulator, type SimSummary } from '../sim/simulator.js';
import { appOptionsError, boardFactory, luaAppError, moddableRunError } from '../sim/factory.js';
import { SpecError } from '../sim/link-model.js';
import { prepareApp } from '../apps/prepare.js';
import type { EngineName } from '../sim/engines.js';

export type { SimSummary, BoardSummary, FaultRecord, RecoverySummary, LinkSummary, CheckpointSummary, EngineName } from '../sim/simulator.js';
export { resolveApp, bundleBoard, prepareApp, typecheckApp, AppError, builtinAppNames } from '../apps/index.js';
export type { ResolvedApp, BoardBundle, BundleRequest, BundleTarget, PreparedApp } from '../apps/index.js';

export interface SimulateOptions {
  /** A built-in app name (`pingpong`), or the path of your app: a .ts/.js file, a folder, a package. */
  app: string;
  /** The app's own options (what follows `--` on the command line). */
  args?: readonly string[];
  /** Working boards (default 4). */
  boards?: number;
  /** Standby spares (default 0). */
  spares?: number;
  /**
   * One engine for every board: `xs` (default): each board an XS machine; `node`: in-process
   * V8; `moddable`: Moddable-lin processes (real time); `lua51`/`lua53` (built-in apps only);
   * the preset `mixed`. Or one engine per board, working boards first and spares last, as
   * `--engine` takes it: `['xs', 'xs', 'moddable', 'moddable', 'xs']` or
   * `'xs,xs,moddable,moddable,xs'` (a list of another length is an error).
   */
  engine?: SimulateEngine;
  /** `ring` (default), `line`, `star`, `full`, or a topology .json file. */
  topology?: string;
  /** Link model (default `uart:921600`). */
  link?: string;
  /** Seed of every random choice (default 1). */
  seed?: number;
  /** Faults as `--fault` takes them: `crash:2@iter=30`, `partition:1@t=2s:3`, ... */
  faults?: readonly string[];
  /** A scenario file of timed console commands. */
  scenario?: string;
  /** Memory budget per board (default `160k`). */
  ram?: string;
  pageSize?: number;
  /** Stop after this much virtual time (default `600s`). */
  maxVirtual?: string;
  /** CPU model: virtual ns per XS metering unit (default 0: off). */
  cpu?: number;
  /** Write a Chrome trace-event file. */
  trace?: string;
  /** The domain key (32 hex digits), as `--domain-key`: every frame is authenticated. */
  domainKey?: string;
  /** The task watchdog, as `--watchdog`: `off`, XS metering units, or a time. */
  watchdog?: string;
  /** As `--allow-unfired-faults`: a fault step that never fired does not fail the run. */
  allowUnfiredFaults?: boolean;
  /** Boards outside the simulator, as `--attach` takes them: `2=/dev/ttyUSB1,console=/dev/ttyUSB0`. */
  attach?: readonly string[];
  /** Base of a relative `app` path (default process.cwd()). */
  cwd?: string;
}

/** What `engine` takes: an engine or preset for every board, or one per board (a list or a comma-separated string). */
export type SimulateEngine = EngineName | 'mixed' | readonly EngineName[] | `${EngineName},${string}`;

/** `engine` as the `--engine` flag's text. */
function engineFlag(engine: SimulateEngine | undefined): string {
  if (engine === undefined) return 'xs';
  return typeof engine === 'string' ? engine : engine.join(',');
}

export async function simulate(o: SimulateOptions): Promise<SimSummary> {
  const flags: SimFlags = {
    boards: String(o.boards ?? 4),
    spares: String(o.spares ?? 0),
    engine: engineFlag(o.engine),
    topology: o.topology ?? 'ring',
    link: o.link ?? 'uart:921600',
    seed: String(o.seed ?? 1),
    ram: o.ram ?? '160k',
    maxVirtual: o.maxVirtual ?? '600s',
    fault: [...(o.faults ?? [])],
    ...(o.pageSize !== undefined ? { pageSize: String(o.pageSize) } : {}),
    ...(o.scenario !== undefined ? { scenario: o.scenario } : {}),
    ...(o.trace !== undefined ? { trace: o.trace } : {}),
    ...(o.cpu !== undefined ? { cpu: o.cpu } : {}),
    ...(o.domainKey !== undefined ? { domainKey: o.domainKey } : {}),
    ...(o.watchdog !== undefined ? { watchdog: o.watchdog } : {}),
    ...(o.allowUnfiredFaults !== undefined ? { allowUnfiredFaults: o.allowUnfiredFaults } : {}),
    ...(o.attach !== undefined ? { attach: [...o.attach] } : {}),
  };
  const cfg = buildSimConfig(flags, o.app, [...(o.args ?? [])]);
  const badLog = moddableRunError(cfg.engines);
  if (badLog !== null) throw new SpecError(badLog);
  const app = await prepareApp(o.app, { engines: cfg.engines, ...(o.cwd !== undefined ? { cwd: o.cwd } : {}) });
  cfg.app = app.name;
  const badLua = luaAppError(cfg.engines, app, flags.engine);
  if (badLua !== null) throw new SpecError(badLua);
  // The app's own options are checked as `mcdsm sim` checks them, before any board starts.
  const badArgs = appOptionsError(app.declared, [...(o.args ?? [])]);
  if (badArgs !== null) throw new SpecError(badArgs);
  const sim = new Simulator(cfg, boardFactory({ app }), {});
  try {
    await sim.start();
    const summary = await sim.run();
    if (o.trace !== undefined) sim.writeTrace(o.trace);
    return summary;
  } finally {
    await sim.shutdown();
  }
}
