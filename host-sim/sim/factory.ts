/** Makes boards for the simulator: in-process V8 boards or XS processes running the bundle. */
import { NodeBoard } from '../../hal/node/node-board.js';
import { XsBoard } from '../boards/xs-board.js';
import { bootRuntime } from '../../hal/driven/runtime.js';
import { appRegistry } from '../../examples/registry.js';
import type { BoardFactory } from './simulator.js';

export function boardFactory(options: { meteringLimit?: number } = {}): BoardFactory {
  return async (engine, node) => {
    if (engine === 'node') return new NodeBoard(bootRuntime);
    return XsBoard.create({ name: `board${node}`, ...(options.meteringLimit ? { meteringLimit: options.meteringLimit } : {}) });
  };
}

export function knownApps(): string[] {
  return [...appRegistry().keys()];
}
