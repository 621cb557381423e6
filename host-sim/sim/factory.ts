/** Makes boards for the simulator: in-process V8 boards or XS processes running the bundle. */
import { NodeBoard } from '../../hal/node/node-board.js';
import { XsBoard } from '../boards/xs-board.js';
import { bootBoard } from '../../src/board.js';
import { appRegistry } from '../../examples/registry.js';
import type { BoardFactory } from './simulator.js';

export function boardFactory(options: { meteringLimit?: number } = {}): BoardFactory {
  const apps = appRegistry();
  return async (engine, node) => {
    if (engine === 'node') return new NodeBoard((hal, config) => void bootBoard(hal, config, apps));
    return XsBoard.create({ name: `board${node}`, ...(options.meteringLimit ? { meteringLimit: options.meteringLimit } : {}) });
  };
}

export function knownApps(): string[] {
  return [...appRegistry().keys()];
}
