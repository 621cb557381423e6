/**
 * Makes boards for the simulator: in-process V8 boards, XS processes running the bundle,
 * Moddable-lin firmware processes, or boards attached on serial devices.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeBoard } from '../../hal/node/node-board.js';
import { XsBoard } from '../boards/xs-board.js';
import { AttachedBoard } from '../boards/attached-board.js';
import { ModdableBoard, type LinImage } from '../boards/moddable-board.js';
import { linImage } from '../boards/moddable-image.js';
import { bootRuntime } from '../../hal/driven/runtime.js';
import { appRegistry } from '../../examples/registry.js';
import type { BoardFactory } from './simulator.js';

export interface FactoryOptions {
  meteringLimit?: number;
  /** The app Moddable boards run (their firmware is built for it, once, and cached). */
  app?: string;
  /** Progress of a firmware build (it can take a minute the first time). */
  log?: (line: string) => void;
}

export function boardFactory(options: FactoryOptions = {}): BoardFactory {
  let image: Promise<LinImage> | null = null;
  let runDir: string | null = null;
  return async (engine, node, attach) => {
    if (attach) return new AttachedBoard(attach);
    if (engine === 'node') return new NodeBoard(bootRuntime);
    if (engine === 'moddable') {
      if (options.app === undefined) throw new Error('a Moddable board needs the app its firmware is built for');
      image ??= linImage(options.app, options.log);
      runDir ??= mkdtempSync(join(tmpdir(), 'mcdsm-moddable-'));
      const dir = join(runDir, `board${node}-${Date.now().toString(36)}`);
      return new ModdableBoard(await image, dir, () => cleanup(dir));
    }
    return XsBoard.create({ name: `board${node}`, ...(options.meteringLimit ? { meteringLimit: options.meteringLimit } : {}) });
  };
}

function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function knownApps(): string[] {
  return [...appRegistry().keys()];
}
