/**
 * Run an app on a simulated domain from code (tests, conformance, benchmarks): the same
 * Simulator the CLI drives, with defaults for whatever the caller leaves out.
 */
import { buildSimConfig, type SimFlags } from './options.js';
import { Simulator, type SimConfig, type SimObserver, type SimSummary } from './simulator.js';
import { boardFactory, type NativeBytesChoice } from './factory.js';
import { prepareApp } from '../apps/prepare.js';

export interface RunOptions extends Partial<SimFlags> {
  app: string;
  appArgs?: string[];
  /** Extra runtime options handed to every board (merged over --page-size etc.). */
  options?: Record<string, unknown>;
  observer?: SimObserver;
  maxWallMs?: number;
  /** Called after boot, before the run: inject console input, attach consoles. */
  beforeRun?: (sim: Simulator) => void | Promise<void>;
  /** XS boards with native byte helpers: all (default), none, or these node ids (factory.ts). */
  nativeBytes?: NativeBytesChoice;
}

export function runConfig(o: RunOptions): SimConfig {
  const flags: SimFlags = {
    boards: o.boards ?? '2',
    spares: o.spares ?? '0',
    engine: o.engine ?? 'node',
    topology: o.topology ?? 'full',
    link: o.link ?? 'ideal',
    seed: o.seed ?? '1',
    ram: o.ram ?? '1M',
    maxVirtual: o.maxVirtual ?? '600s',
    fault: o.fault ?? [],
    ...(o.pageSize !== undefined ? { pageSize: o.pageSize } : {}),
    ...(o.scenario !== undefined ? { scenario: o.scenario } : {}),
    ...(o.trace !== undefined ? { trace: o.trace } : {}),
    ...(o.realtime !== undefined ? { realtime: o.realtime } : {}),
    ...(o.cpu !== undefined ? { cpu: o.cpu } : {}),
    ...(o.allowUnfiredFaults !== undefined ? { allowUnfiredFaults: o.allowUnfiredFaults } : {}),
    ...(o.watchdog !== undefined ? { watchdog: o.watchdog } : {}),
    ...(o.domainKey !== undefined ? { domainKey: o.domainKey } : {}),
    ...(o.attach !== undefined ? { attach: o.attach } : {}),
  };
  const cfg = buildSimConfig(flags, o.app, o.appArgs ?? []);
  const net = { ...(cfg.options.net as object | undefined), ...(o.options?.net as object | undefined) };
  cfg.options = { ...cfg.options, ...(o.options ?? {}), ...(Object.keys(net).length > 0 ? { net } : {}) };
  if (o.maxWallMs !== undefined) cfg.maxWallMs = o.maxWallMs;
  return cfg;
}

export async function runDomain(o: RunOptions): Promise<SimSummary> {
  const cfg = runConfig(o);
  // A built-in app by name resolves at once; the factory needs it for Moddable boards' firmware.
  const app = await prepareApp(o.app, { engines: cfg.engines });
  const sim = new Simulator(cfg, boardFactory({ app, ...(o.nativeBytes !== undefined ? { nativeBytes: o.nativeBytes } : {}) }), o.observer ?? {});
  try {
    await sim.start();
    await o.beforeRun?.(sim);
    const summary = await sim.run();
    if (o.trace !== undefined) sim.writeTrace(o.trace);
    return summary;
  } finally {
    await sim.shutdown();
  }
}
