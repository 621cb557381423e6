/**
 * Makes boards for the simulator: in-process V8 boards, XS processes running the bundle,
 * Moddable-lin firmware processes, or boards attached on serial devices.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeBoard } from '../boards/node-board.js';
import { XsBoard } from '../boards/xs-board.js';
import { LuaBoard } from '../boards/lua-board.js';
import { AttachedBoard } from '../boards/attached-board.js';
import { ModdableBoard, moddableLogError, type LinImage } from '../boards/moddable-board.js';
import { linImage } from '../boards/moddable-image.js';
import { builtinAppNames, builtinBoot } from '../apps/builtin.js';
import { defaultBundlePlaces, mapPlaces, preparedBoardFactory, type PreparedApp } from '../apps/prepare.js';
import type { BoardFactory, BoardOptions } from './simulator.js';
import type { EngineName } from './engines.js';
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

export interface FactoryOptions {
  meteringLimit?: number;
  nativeBytes?: NativeBytesChoice;
  /**
   * The app (host-sim/apps/prepare.ts): simulated boards run its bundle, Moddable boards a
   * firmware built for it (once, cached). Without: the built-in apps.
   */
  app?: PreparedApp;
  /** Progress of a firmware build (it can take a minute the first time). */
  log?: (line: string) => void;
}

/**
 * Boards for a run: simulated ones (V8, XS) for the app, Moddable-lin firmware processes, and
 * boards attached on serial devices. The task watchdog's per-board limit
 * (SimConfig.watchdog, handed over as `board.meteringLimit`) wins over the factory's.
 */
/** The apps hal/lua/apps.ts compiles into the Lua board build. */
const LUA_APPS: readonly string[] = ['pingpong', 'conformance', 'idle'];

export function boardFactory(options: FactoryOptions = {}): BoardFactory {
  const xsOptions = (node: number, board: BoardOptions = {}) => {
    const limit = board.meteringLimit ?? options.meteringLimit;
    return { name: `board${node}`, nativeBytes: nativeFor(options.nativeBytes, node), ...(limit ? { meteringLimit: limit } : {}) };
  };
  const builtinPlaces = defaultBundlePlaces();
  const simulated: BoardFactory =
    options.app !== undefined
      ? preparedBoardFactory(options.app, xsOptions)
      : async (engine, node, board = {}) => (engine === 'node' ? new NodeBoard(builtinBoot) : mapPlaces(await XsBoard.create(xsOptions(node, board)), builtinPlaces));
  let image: Promise<LinImage> | null = null;
  let runDir: string | null = null;
  return async (engine, node, board = {}) => {
    if (board.attach) return new AttachedBoard(board.attach);
    if (engine === 'moddable') {
      const app = options.app;
      if (app === undefined) throw new Error('a Moddable board needs the app its firmware is built for');
      const badLog = moddableLogError();
      if (badLog !== null) throw new Error(badLog);
      image ??= linImage(app.resolved.kind === 'builtin' ? app.name : app.resolved.entry, app.name, options.log);
      runDir ??= mkdtempSync(join(tmpdir(), 'mcdsm-moddable-'));
      const dir = join(runDir, `board${node}-${Date.now().toString(36)}`);
      return new ModdableBoard(await image, dir, () => cleanup(dir));
    }
    if (engine === 'lua51' || engine === 'lua53') {
      const why = options.app === undefined ? null : luaAppError([engine], options.app);
      if (why !== null) throw new Error(why);
      return new LuaBoard({ version: engine === 'lua51' ? '5.1' : '5.3', name: `board${node}` });
    }
    return simulated(engine, node, board);
  };
}

/**
 * Null when every Lua engine among `engines` can run the app; else why not. Checked by
 * `mcdsm sim` and `simulate()` before any board starts (before, the board factory threw it
 * while the run was booting, out of `mcdsm sim` as an uncaught exception with a stack trace).
 * `given` is `--engine` as the user wrote it: with one engine per board the message quotes
 * that list and names the boards that cannot run the app (it named one engine as if it were
 * the whole flag).
 */
/** A run with Moddable boards and a bad MCDSM_MODDABLE_LOG: the error, before the firmware is built. */
export function moddableRunError(engines: readonly EngineName[]): string | null {
  return engines.includes('moddable') ? moddableLogError() : null;
}

export function luaAppError(engines: readonly EngineName[], app: PreparedApp, given?: string): string | null {
  const lua = engines.flatMap((e, board) => (e === 'lua51' || e === 'lua53' ? [`${board} (${e})`] : []));
  if (lua.length === 0 || (app.resolved.kind === 'builtin' && LUA_APPS.includes(app.name))) return null;
  const why = `Lua boards run the apps compiled into dist/lua (${LUA_APPS.join(', ')}), not ${app.name} (docs/LUA.md)`;
  if (engines.every((e) => e === engines[0])) return `--engine ${given ?? engines[0]!}: ${why}`;
  const boards = lua.length === 1 ? `board ${lua[0]!}` : `boards ${lua.slice(0, -1).join(', ')} and ${lua[lua.length - 1]!}`;
  return `--engine ${given ?? engines.join(',')}: ${boards} cannot run ${app.name}: ${why}`;
}

function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function knownApps(): string[] {
  return builtinAppNames();
}

/** `mcdsm sim`: the app options checked on the host before anything starts (src/app-options.ts). */
export function appOptionsError(app: App | RawApp | undefined, args: readonly string[]): string | null {
  return app === undefined || 'raw' in app ? null : appArgsError(app, args);
}
