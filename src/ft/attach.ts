/**
 * How a board runtime hosts the module: FT options from the board configuration
 * (`options.ft`, validated field by field) and one call that creates, wires and starts it.
 * docs/FT.md shows the few lines src/board.ts needs.
 */
import type { BoardConfig } from '../config.js';
import { ConfigError } from '../config.js';
import type { CommandSpec } from '../console/registry.js';
import { FaultTolerance } from './fault-tolerance.js';
import type { FtHal, FtNet } from './fault-tolerance.js';
import type { FtOptions } from './options.js';
import { resolveFtOptions } from './options.js';
import type { FtRun } from './run.js';
import { registerFtConsole } from './commands.js';
import { FtError } from './types.js';

/** Largest share of the board's memory budget that checkpoints may use by default. */
const DEFAULT_RAM_SHARE = 0.5;

/**
 * FT options for a board: `config.options.ft` (an object of FtOptions fields) over defaults
 * taken from the board — ranks from `boards`, the version from the app and its arguments plus
 * `build` (a bundle hash), frames as large as the network allows, half the RAM budget for
 * checkpoints. Throws ConfigError naming the field.
 */
export function ftOptionsFor(config: BoardConfig, maxPayload: number, build = ''): FtOptions {
  const raw = config.options.ft ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('options.ft: expected an object');
  // The simulator and provisioning number the working boards 0..boards-1 and the spares after
  // them (src/board.ts members()).
  const spareCount = typeof config.options.spares === 'number' && Number.isInteger(config.options.spares) ? config.options.spares : 0;
  const o: FtOptions = {
    boards: config.boards,
    spares: Array.from({ length: Math.max(0, Math.min(spareCount, 255 - config.boards)) }, (_, i) => config.boards + i),
    version: `${config.app} ${config.appArgs.join(' ')} ${build}`,
    maxPayload,
    maxStoreBytes: Math.max(1024, Math.floor(config.ramLimit * DEFAULT_RAM_SHARE)),
    ...(raw as Partial<FtOptions>),
  };
  try {
    resolveFtOptions(o);
  } catch (e) {
    throw new ConfigError(`options.ft: ${(e as FtError).message}`);
  }
  return o;
}

export interface AttachOptions {
  net: FtNet;
  hal: FtHal;
  config: BoardConfig;
  /** The network's largest payload (NetLayer.options.maxPayload). */
  maxPayload: number;
  /** A hash of the bundle, so boards with other code are refused. */
  build?: string;
  /** The console shell, for `ckpt now` / `ckpt status`. */
  shell?: { register(spec: CommandSpec): void };
  /** Start the app for this run (rank, restored state): called at start and after every recovery. */
  run: (run: FtRun) => void;
  /** The module stopped for good (refused, unrecoverable): report and halt. */
  stopped: (reason: string) => void;
}

/** Create, wire and start the module for a board. */
export function attachFaultTolerance(a: AttachOptions): FaultTolerance {
  const ft = new FaultTolerance(a.net, a.hal, ftOptionsFor(a.config, a.maxPayload, a.build));
  ft.onRun(a.run);
  ft.onStop(a.stopped);
  if (a.shell !== undefined) registerFtConsole(a.shell, ft);
  ft.start();
  return ft;
}
