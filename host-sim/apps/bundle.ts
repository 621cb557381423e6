/**
 * Board bundles for an app, built on the fly and cached by content:
 *   xs        one classic script for xsnap-worker: the runtime (dist/) + the app, with a
 *             source map so errors name the app's own file and line
 *   moddable  one ES module for the Moddable SDK: firmware/main.ts + hal/moddable + src +
 *             the app, from the TypeScript sources; Moddable modules stay imports
 *   node      the app's own modules as one ES module (its exports kept), `mcdsm` left as an
 *             import of this package's app API: V8 boards run it in the simulator's process
 * Built-in apps need no build for xs (dist/bundles/board.xs.js holds them all) nor node.
 */
import type { Plugin, RollupLog, OutputChunk } from 'rollup';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AppError } from './errors.js';
import type { BoardAppsSource } from './plugins.js';
import { lineOf, place } from './source-lines.js';
import { resolveApp, type ResolvedApp } from './resolve.js';
import { cacheRoot, hashFiles, readJson, sha256, stillValid, writeAtomic, type FileHashes } from './cache.js';
import { APP_API_JS, APP_API_TS, DEFAULT_XS_BUNDLE, DIST, PACKAGE_ROOT, packageVersion } from './package-root.js';

export type BundleTarget = 'xs' | 'moddable' | 'node';

export interface BundleRequest {
  /** A resolved app, or what resolveApp takes (`pingpong`, `./app.ts`, a folder, a package). */
  app: ResolvedApp | string;
  target: BundleTarget;
  cwd?: string;
  /** Type-check the app first (default true; built-in apps are checked by mcdsm's own build). */
  typecheck?: boolean;
  /** Where bundles are kept (default: cacheRoot of the app's folder). */
  cacheDir?: string;
}

export interface BoardBundle {
  readonly target: BundleTarget;
  readonly app: ResolvedApp;
  /** The bundle file (built-in xs: the default bundle). */
  readonly file: string;
  /** Its source map (built-in apps: the default bundle's, null when it was built without one). */
  readonly mapFile: string | null;
  /** Content hash of the bundle. */
  readonly hash: string;
  /** True when nothing was built or checked: the cache had it. */
  readonly cached: boolean;
}

interface Manifest {
  key: string;
  hashes: FileHashes;
  bundleHash: string;
}

// The inlining step is part of the tools: a bundle cached before it changed is built again.
const TOOLS = `mcdsm ${packageVersion()} rollup ${versionOf('rollup')} typescript ${versionOf('typescript')} inline ${stepHash()}`;

function stepHash(): string {
  try {
    return sha256(readFileSync(new URL('../firmware/inline-constants.js', import.meta.url))).slice(0, 12);
  } catch {
    return '?';
  }
}

/** A tool's version without loading it: a cached run needs neither rollup nor TypeScript. */
function versionOf(pkg: string): string {
  try {
    return (createRequire(import.meta.url)(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

export async function bundleBoard(req: BundleRequest): Promise<BoardBundle> {
  const cwd = req.cwd ?? process.cwd();
  const app = typeof req.app === 'string' ? resolveApp(req.app, { cwd }) : req.app;
  if (app.kind === 'builtin' && req.target === 'xs') {
    if (!existsSync(DEFAULT_XS_BUNDLE)) throw new AppError(`the default XS bundle ${DEFAULT_XS_BUNDLE} is missing: run \`npm run build\` in mcdsm`);
    return { target: 'xs', app, file: DEFAULT_XS_BUNDLE, mapFile: existsSync(`${DEFAULT_XS_BUNDLE}.map`) ? `${DEFAULT_XS_BUNDLE}.map` : null, hash: sha256(readFileSync(DEFAULT_XS_BUNDLE)), cached: true };
  }
  if (app.kind === 'builtin' && req.target === 'node') {
    throw new AppError(`built-in app ${app.name}: V8 boards boot built-in apps from the registry, no bundle is made (host-sim/apps/builtin.ts)`);
  }
  const entry = app.kind === 'file' ? app.entry : join(PACKAGE_ROOT, 'examples', 'registry.ts');
  const dir = join(req.cacheDir ?? cacheRoot(dirname(entry)), sha256(`${TOOLS}\0${req.target}\0${entry}`).slice(0, 20));
  const bundleFile = join(dir, `${basename(entry).replace(/\.[mc]?[jt]s$/, '')}.${req.target}.${req.target === 'xs' ? 'js' : 'mjs'}`);
  const manifestFile = join(dir, 'manifest.json');
  const key = `${TOOLS}\0${req.target}\0${entry}`;

  const old = readJson<Manifest>(manifestFile);
  if (old !== null && old.key === key && existsSync(bundleFile) && stillValid(old.hashes)) {
    return { target: req.target, app, file: bundleFile, mapFile: `${bundleFile}.map`, hash: old.bundleHash, cached: true };
  }

  const checked = app.kind === 'file' && req.typecheck !== false ? (await import('./typecheck.js')).typecheckApp(entry, cwd).files : [];
  const { chunk, modules } = await build(req.target, app, entry, bundleFile);
  let code = chunk.code;
  // XS names the script in its stack frames after this comment: the key of the source map.
  if (req.target === 'xs') code += `\n//# sourceURL=${basename(bundleFile)}\n`;
  const hash = sha256(code);
  writeAtomic(bundleFile, code);
  writeAtomic(`${bundleFile}.map`, JSON.stringify(chunk.map ?? { version: 3, sources: [], names: [], mappings: '' }));
  const files = new Set([...modules, ...checked].filter((f) => !f.startsWith('\0') && existsSync(f)));
  writeAtomic(manifestFile, JSON.stringify({ key, hashes: hashFiles(files), bundleHash: hash } satisfies Manifest));
  return { target: req.target, app, file: bundleFile, mapFile: `${bundleFile}.map`, hash, cached: false };
}

async function build(target: BundleTarget, app: ResolvedApp, entry: string, file: string): Promise<{ chunk: OutputChunk; modules: string[] }> {
  const apps: BoardAppsSource =
    app.kind === 'builtin'
      ? { registry: target === 'moddable' ? join(PACKAGE_ROOT, 'examples', 'registry.ts') : join(DIST, 'examples', 'registry.js') }
      : { app: entry, appExports: target === 'moddable' ? join(PACKAGE_ROOT, 'hal', 'driven', 'app-exports.ts') : join(DIST, 'hal', 'driven', 'app-exports.js') };
  const { rollup } = await import('rollup');
  const { appApi, boardApps, boardSafety, typescriptSources } = await import('./plugins.js');
  const { inlineConstantsPlugin } = await import('../firmware/inline-constants.js');
  const { nodeResolve } = await import('@rollup/plugin-node-resolve');
  const packages = nodeResolve({
    extensions: ['.ts', '.mts', '.mjs', '.js'],
    exportConditions: ['mcdsm', 'import', 'module', 'default'],
    preferBuiltins: false,
    browser: false,
  });
  const common: Plugin[] = [boardApps(apps), boardSafety(), typescriptSources({ verbatimUnder: PACKAGE_ROOT }), packages];
  let input: string;
  let plugins: Plugin[];
  let external: ((id: string, importer: string | undefined, isResolved: boolean) => boolean) | undefined;
  switch (target) {
    case 'xs':
      input = join(DIST, 'hal', 'xsnap', 'main.js');
      // The firmware's inlining first (a simulated board runs the code a board runs), then the
      // frame, which counts the module-level names the inlining left.
      plugins = [appApi(APP_API_JS), ...common, inlineConstantsPlugin(), (await import('./xs-frame.js')).xsBundleFrame()];
      break;
    case 'moddable':
      input = join(PACKAGE_ROOT, 'firmware', 'main.ts');
      if (!existsSync(input)) throw new AppError(`${input} is missing: this mcdsm has no Moddable firmware sources`);
      plugins = [appApi(APP_API_TS), ...common, inlineConstantsPlugin()];
      // The firmware's and the Moddable HAL's bare imports ("timer", "embedded:io/serial") are
      // Moddable SDK modules, resolved by mcconfig.
      external = (id, importer, isResolved) =>
        !isResolved && importer !== undefined && isMcdsmSource(importer) && !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0') && id !== 'mcdsm' && !id.startsWith('mcdsm:');
      break;
    case 'node':
      input = entry;
      plugins = [appApi(APP_API_JS, { external: true }), ...common];
      break;
  }
  const problems: string[] = [];
  try {
    const bundle = await rollup({
      input,
      plugins,
      ...(external ? { external } : {}),
      onLog: (level, log) => {
        if (level === 'warn') {
          const text = warningText(log);
          if (text !== null) problems.push(text);
        }
      },
    });
    if (problems.length > 0) throw new AppError(problems.join('\n  '));
    const out = await bundle.generate({
      file,
      format: target === 'xs' ? 'iife' : 'es',
      strict: true,
      sourcemap: true,
      sourcemapPathTransform: (rel, mapPath) => resolve(dirname(mapPath), rel),
    });
    const modules = bundle.watchFiles;
    await bundle.close();
    return { chunk: out.output[0], modules };
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError(`app ${app.spec} cannot be bundled for a board: ${errorText(e)}`);
  }
}

function isMcdsmSource(file: string): boolean {
  return file.startsWith(join(PACKAGE_ROOT, 'firmware')) || file.startsWith(join(PACKAGE_ROOT, 'hal')) || file.startsWith(join(PACKAGE_ROOT, 'src'));
}

/** Warnings that would make a broken board are errors; the rest is noise for a user. */
function warningText(log: RollupLog): string | null {
  switch (log.code) {
    case 'UNRESOLVED_IMPORT': {
      const from = log.id ?? log.ids?.[0];
      const what = log.exporter ?? '?';
      return from === undefined
        ? `cannot resolve "${what}"`
        : `${place(from, lineOf(from, what))}: cannot resolve "${what}" (no such file, or a package that is not installed)`;
    }
    case 'MISSING_EXPORT':
    case 'MISSING_GLOBAL_NAME':
      return log.id !== undefined && log.loc !== undefined ? `${place(log.id, log.loc.line)}: ${log.message}` : log.message;
    default:
      return null;
  }
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const err = e as Error & { id?: string; loc?: { file?: string; line: number; column: number }; plugin?: string };
  // Our plugins' messages already start with file:line.
  if (err.plugin !== undefined && err.plugin.startsWith('mcdsm-')) return err.message.replace(/^\[plugin [^\]]+\] /, '').replace(/^[^:]*\(\d+:\d+\): /, '');
  const unresolved = /^Could not resolve "(.+?)" from "(.+?)"/.exec(err.message);
  if (unresolved !== null) {
    const from = resolve(unresolved[2]!);
    return `${place(from, lineOf(from, unresolved[1]!))}: cannot resolve "${unresolved[1]}" (no such file, or a package that is not installed)`;
  }
  if (err.loc !== undefined) return `${place(err.loc.file ?? err.id ?? '?', err.loc.line)}:${err.loc.column + 1}: ${err.message}`;
  return err.message;
}
