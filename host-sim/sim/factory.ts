/** Makes boards for the simulator: in-process V8 boards or XS processes running the bundle. */
import { NodeBoard } from '../../hal/node/node-board.js';
import { XsBoard } from '../boards/xs-board.js';
import { bootRuntime } from '../../hal/driven/runtime.js';
import { appRegistry } from '../../examples/registry.js';
import type { BoardFactory } from './simulator.js';
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

export function boardFactory(options: { meteringLimit?: number; nativeBytes?: NativeBytesChoice } = {}): BoardFactory {
  return async (engine, node, board = {}) => {
    if (engine === 'node') return new NodeBoard(bootRuntime);
    // The task watchdog's per-board limit (SimConfig.watchdog) wins over the factory's.
    const limit = board.meteringLimit ?? options.meteringLimit;
    return XsBoard.create({
      name: `board${node}`,
      nativeBytes: nativeFor(options.nativeBytes, node),
      ...(limit ? { meteringLimit: limit } : {}),
    });
  };
}

export function knownApps(): string[] {
  return [...appRegistry().keys()];
}

/** `mcdsm sim`: the app options checked on the host before anything starts (src/app-options.ts). */
export function appOptionsError(app: string, args: readonly string[]): string | null {
  const a = appRegistry().get(app);
  return a === undefined || 'raw' in a ? null : appArgsError(a, args);
}
