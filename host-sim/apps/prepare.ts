/**
 * Everything a run needs from the app asked for, done before any board starts: resolve it,
 * type-check and bundle it (cached), learn its name from its exports, and make the boards.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { App, RawApp } from '../../src/app.js';
import type { BootFunction } from '../../hal/driven/board-host.js';
import type { BoardAction } from '../../hal/driven/events.js';
import { bootBoard } from '../../src/board.js';
import { appsOf } from '../../hal/driven/app-exports.js';
import { NodeBoard } from '../boards/node-board.js';
import { XsBoard, type XsBoardOptions } from '../boards/xs-board.js';
import type { SimBoard } from '../boards/sim-board.js';
import type { BoardFactory, BoardOptions, EngineName } from '../sim/simulator.js';
import { AppError } from './errors.js';
import { bundleBoard, type BoardBundle } from './bundle.js';
import { builtinApp, builtinBoot } from './builtin.js';
import { resolveApp, type ResolvedApp } from './resolve.js';
import { distPlaces, identityPlaces, placeMapper, type PlaceMapper } from './source-places.js';
import { DEFAULT_XS_BUNDLE, DIST } from './package-root.js';

export interface PrepareOptions {
  cwd?: string;
  /** The engines the run uses: an XS bundle is made only when one is XS. Default ['xs']. */
  engines?: readonly EngineName[];
  cacheDir?: string;
}

export interface PreparedApp {
  readonly resolved: ResolvedApp;
  /** The app's name: what boards are told to run. */
  readonly name: string;
  /** The App object itself (its declared options, `ft`, `rpc`), as loaded in the host. */
  readonly declared: App | RawApp | undefined;
  /** For people: `pingpong` or `./my-app/app.ts (my-app)`. */
  readonly label: string;
  /** The bundles it took (empty for a built-in app); `cached` says whether they were built now. */
  readonly bundles: readonly BoardBundle[];
  /** The XS bundle's text; undefined: the default bundle. */
  readonly xsBundleText: string | undefined;
  /** Boot function of an in-process V8 board. */
  readonly nodeBoot: BootFunction;
  /** Maps bundle places in board messages back to the app's sources. */
  readonly places: PlaceMapper;
}

export async function prepareApp(spec: string, options: PrepareOptions = {}): Promise<PreparedApp> {
  const cwd = options.cwd ?? process.cwd();
  const resolved = resolveApp(spec, { cwd });
  if (resolved.kind === 'builtin') {
    // XS boards run the default bundle, V8 boards tsc's output: both maps lead back to examples/<app>/*.ts.
    const fromXs = defaultBundlePlaces(cwd);
    const fromDist = distPlaces(DIST, cwd);
    const places: PlaceMapper = (text) => fromXs(fromDist(text));
    return { resolved, name: resolved.name, declared: builtinApp(resolved.name), label: resolved.name, bundles: [], xsBundleText: undefined, nodeBoot: builtinBoot, places };
  }
  const common = { app: resolved, cwd, ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}) };
  const { node, module, apps, shown } = await loadAppExports(resolved, cwd, options.cacheDir);
  const name = chooseApp(module, apps, shown);
  const engines = options.engines ?? ['xs'];
  const bundles: BoardBundle[] = [node];
  let xsBundleText: string | undefined;
  let places = placeMapper(node.file, node.mapFile ?? '', cwd);
  if (engines.includes('xs')) {
    const xs = await bundleBoard({ ...common, target: 'xs', typecheck: false });
    bundles.push(xs);
    xsBundleText = readFileSync(xs.file, 'utf8');
    const fromNode = places;
    const fromXs = placeMapper(xs.file, xs.mapFile ?? '', cwd);
    places = (text) => fromXs(fromNode(text));
  }
  const nodeBoot: BootFunction = (hal, config) => bootBoard(hal, config, appsOf([module]));
  return { resolved, name, declared: apps.get(name), label: `${shown} (${name})`, bundles, xsBundleText, nodeBoot, places };
}

/** Places of the default XS bundle (built-in apps) mapped to mcdsm's TypeScript sources. */
export function defaultBundlePlaces(cwd: string = process.cwd()): PlaceMapper {
  return placeMapper(DEFAULT_XS_BUNDLE, `${DEFAULT_XS_BUNDLE}.map`, cwd);
}

export interface AppExports {
  /** The V8 bundle of the app's modules (type-checked when it was made). */
  readonly node: BoardBundle;
  readonly module: Record<string, unknown>;
  /** Every App the module exports, by name (the default export first). */
  readonly apps: Map<string, App | RawApp>;
  /** The entry as shown to people (relative to cwd). */
  readonly shown: string;
}

/**
 * Type-checks and bundles a user's app for V8 and loads it in the host: importing it is how the
 * host learns the names of the apps it exports (the simulator and the firmware builder).
 * Throws AppError for everything `mcdsm sim` rejects before a board starts, and for a module
 * that exports no App.
 */
export async function loadAppExports(resolved: ResolvedApp & { kind: 'file' }, cwd: string, cacheDir?: string): Promise<AppExports> {
  const node = await bundleBoard({ app: resolved, cwd, target: 'node', ...(cacheDir !== undefined ? { cacheDir } : {}) });
  const shown = relative(cwd, resolved.entry) || resolved.entry;
  let module: Record<string, unknown>;
  try {
    module = (await import(`${pathToFileURL(node.file).href}?${node.hash.slice(0, 16)}`)) as Record<string, unknown>;
  } catch (e) {
    // Top-level code that throws: the user's line, not an uncaught exception in the bundle.
    throw new AppError(`app ${shown}: its top-level code threw while the host loaded it to learn the app's name: ${placeMapper(node.file, node.mapFile ?? '', cwd)(loadErrorText(e))} (keep a module's top level to declarations; do the work in main)`);
  }
  const apps = appsOf([module]);
  if (apps.size === 0) {
    throw new AppError(
      `app ${shown}: exports no App — export an object with a string \`name\` and an async \`main(ctx)\`, e.g.\n` +
        `  import type { App } from 'mcdsm';\n  export const app: App = { name: 'my-app', async main(ctx) { return ctx.rank; } };`,
    );
  }
  return { node, module, apps, shown };
}

/** Frames of a load error named in its text: the first places of a V8 stack, `at f (file:l:c)` or `at file:l:c`. */
const LOAD_ERROR_FRAMES = 3;

/** `Name: message (at place, ...)` of an error thrown while importing a module (V8's stack). */
function loadErrorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const places: string[] = [];
  for (const line of (e.stack ?? '').split('\n')) {
    const m = /^\s+at (?:.*\()?([^()\s]+:\d+:\d+)\)?$/.exec(line);
    // Node's own loader frames (node:internal/...) say nothing about the app.
    if (m !== null && !m[1]!.startsWith('node:') && places.length < LOAD_ERROR_FRAMES) places.push(m[1]!);
  }
  return `${e.name}: ${e.message}${places.length > 0 ? ` (at ${places.join(', ')})` : ''}`;
}

/** The default export if it is an App, else the only App; several without a default: error. */
export function chooseApp(module: Record<string, unknown>, apps: Map<string, App | RawApp>, shown: string): string {
  const fallback = module['default'];
  if (fallback !== undefined && appsOf([{ default: fallback }]).size === 1) return (fallback as App).name;
  if (apps.size === 1) return [...apps.keys()][0]!;
  throw new AppError(`app ${shown}: exports several apps (${[...apps.keys()].join(', ')}): make the one to run the default export`);
}

/** Boards for a prepared app: its XS bundle or V8 boot function, with its errors' places mapped. */
export function preparedBoardFactory(app: PreparedApp, xsOptions: (node: number, board?: BoardOptions) => XsBoardOptions = (node) => ({ name: `board${node}` })): BoardFactory {
  return async (engine, node, options) => {
    const board: SimBoard =
      engine === 'node'
        ? new NodeBoard(app.nodeBoot)
        : await XsBoard.create({ ...xsOptions(node, options), ...(app.xsBundleText !== undefined ? { bundleText: app.xsBundleText } : {}) });
    if (app.places !== identityPlaces) mapPlaces(board, app.places);
    return board;
  };
}

/** Rewrites the texts of a board's actions in place of its own step (the board keeps all else). */
export function mapPlaces(board: SimBoard, places: PlaceMapper): SimBoard {
  const step = board.step.bind(board);
  board.step = async (events) => (await step(events)).map((a) => mapAction(a, places));
  return board;
}

function mapAction(a: BoardAction, places: PlaceMapper): BoardAction {
  switch (a.kind) {
    case 'log':
      return { ...a, message: places(a.message) };
    case 'event':
      return { ...a, detail: places(a.detail) };
    case 'halt':
      return { ...a, reason: places(a.reason) };
    case 'console':
      return { ...a, text: places(a.text) };
    default:
      return a;
  }
}
