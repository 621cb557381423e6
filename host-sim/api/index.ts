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
import { boardFactory, luaAppError } from '../sim/factory.js';
import { SpecError } from '../sim/link-model.js';
import { prepareApp } from '../apps/prepare.js';

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
  /** `xs` (default): each board an XS machine; `node`: in-process V8; `mixed`; `moddable`: Moddable-lin processes (real time); `lua51`/`lua53` (built-in apps only). */
  engine?: 'xs' | 'node' | 'mixed' | 'moddable' | 'lua51' | 'lua53';
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
  /** Base of a relative `app` path (default process.cwd()). */
  cwd?: string;
}

export async function simulate(o: SimulateOptions): Promise<SimSummary> {
  const flags: SimFlags = {
    boards: String(o.boards ?? 4),
    spares: String(o.spares ?? 0),
    engine: o.engine ?? 'xs',
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
  };
  const cfg = buildSimConfig(flags, o.app, [...(o.args ?? [])]);
  const app = await prepareApp(o.app, { engines: cfg.engines, ...(o.cwd !== undefined ? { cwd: o.cwd } : {}) });
  cfg.app = app.name;
  const badLua = luaAppError(cfg.engines, app);
  if (badLua !== null) throw new SpecError(badLua);
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
