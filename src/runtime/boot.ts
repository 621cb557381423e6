/** Booting a board: the configuration checked, the app found, the runtime started. */
import type { Hal } from '../hal.js';
import type { App, RawApp } from '../app.js';
import { checkBoardConfig, type CheckedBoardConfig } from '../config.js';
import { appArgsError } from '../app-options.js';
import { BoardRuntime } from './board-runtime.js';
import { emitRuntimeEvent } from '../events.js';

/**
 * Boot a board: check the configuration (a bad field halts the board with the field's name),
 * find the app, start the runtime. Returns null when the board could not start.
 */
export function bootBoard(hal: Hal, config: unknown, apps: ReadonlyMap<string, App | RawApp>): BoardRuntime | null {
  let cfg: CheckedBoardConfig;
  try {
    cfg = checkBoardConfig(config, hal.links.length);
  } catch (e) {
    hal.halt(`bad board config: ${(e as Error).message}`);
    return null;
  }
  const app = apps.get(cfg.app);
  if (!app) {
    hal.halt(`bad board config: app "${cfg.app}" is not built into this firmware (have: ${[...apps.keys()].join(', ')})`);
    return null;
  }
  if ('raw' in app) {
    app.start(hal, cfg);
    return null;
  }
  const badArgs = appArgsError(app, cfg.appArgs);
  if (badArgs !== null) {
    emitRuntimeEvent(hal, { name: 'app-error', rank: cfg.rank, reason: badArgs });
    hal.halt(`bad app options: ${badArgs}`);
    return null;
  }
  const board = new BoardRuntime(hal, cfg, app);
  board.start();
  return board;
}
