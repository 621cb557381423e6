/** Makes boards for the simulator: in-process V8 boards or XS processes running the bundle. */
import { NodeBoard } from '../../hal/node/node-board.js';
import { XsBoard } from '../boards/xs-board.js';
import { builtinAppNames, builtinBoot } from '../apps/builtin.js';
import { preparedBoardFactory, type PreparedApp } from '../apps/prepare.js';
import type { BoardFactory, BoardOptions } from './simulator.js';
import type { App, RawApp } from '../../src/app.js';
import { appArgsError } from '../../src/app-options.js';

/**
 * Which XS boards get native byte helpers (as a firmware with firmware/native would): all
 * (true, the default), none (false, or MCDSM_NATIVE_BYTES=off in the environment), or the
 * listed node ids.
 */
export type NativeBytesChoice = boolean | readonly number[];

function nativeFor(choice: NativeBytesChoice | undefined, node: number): boolean {
  if (choice === undefined) return process.env['MCDSM_NATIVE_BYTES'] !== 'off';
  return typeof choice === 'boolean' ? choice : choice.includes(node);
}

/**
 * Boards for a run. With `app` (host-sim/apps/prepare.ts), boards run that app's bundle;
 * without, the built-in apps (the default XS bundle, the registry on V8). The task watchdog's
 * per-board limit (SimConfig.watchdog, handed over as `board.meteringLimit`) wins over the
 * factory's.
 */
export function boardFactory(options: { meteringLimit?: number; nativeBytes?: NativeBytesChoice; app?: PreparedApp } = {}): BoardFactory {
  const xsOptions = (node: number, board: BoardOptions = {}) => {
    const limit = board.meteringLimit ?? options.meteringLimit;
    return { name: `board${node}`, nativeBytes: nativeFor(options.nativeBytes, node), ...(limit ? { meteringLimit: limit } : {}) };
  };
  if (options.app !== undefined) return preparedBoardFactory(options.app, xsOptions);
  return async (engine, node, board = {}) => {
    if (engine === 'node') return new NodeBoard(builtinBoot);
    return XsBoard.create(xsOptions(node, board));
  };
}

export function knownApps(): string[] {
  return builtinAppNames();
}

/** `mcdsm sim`: the app options checked on the host before anything starts (src/app-options.ts). */
export function appOptionsError(app: App | RawApp | undefined, args: readonly string[]): string | null {
  return app === undefined || 'raw' in app ? null : appArgsError(app, args);
}
