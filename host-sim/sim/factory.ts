/** Makes boards for the simulator: in-process V8 boards or XS processes running the bundle. */
import { NodeBoard } from '../../hal/node/node-board.js';
import { XsBoard } from '../boards/xs-board.js';
import { builtinAppNames, builtinBoot } from '../apps/builtin.js';
import { preparedBoardFactory, type PreparedApp } from '../apps/prepare.js';
import type { BoardFactory } from './simulator.js';

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
 * without, the built-in apps (the default XS bundle, the registry on V8).
 */
export function boardFactory(options: { meteringLimit?: number; nativeBytes?: NativeBytesChoice; app?: PreparedApp } = {}): BoardFactory {
  const xsOptions = (node: number) => ({
    name: `board${node}`,
    nativeBytes: nativeFor(options.nativeBytes, node),
    ...(options.meteringLimit ? { meteringLimit: options.meteringLimit } : {}),
  });
  if (options.app !== undefined) return preparedBoardFactory(options.app, xsOptions);
  return async (engine, node) => {
    if (engine === 'node') return new NodeBoard(builtinBoot);
    return XsBoard.create(xsOptions(node));
  };
}

export function knownApps(): string[] {
  return builtinAppNames();
}
