/**
 * From what a user typed (`pingpong`, `examples/pingpong`, `./my-app.ts`, `./fusion/`, a
 * package name) to one app: a built-in one, or the entry file of the user's app. Nothing is
 * guessed from a last folder name: a path is that path, and one that does not exist is an error.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AppError } from './errors.js';
import { builtinAppNames } from './builtin.js';
import { PACKAGE_ROOT } from './package-root.js';

export type ResolvedApp =
  | { readonly kind: 'builtin'; readonly spec: string; readonly name: string }
  | { readonly kind: 'file'; readonly spec: string; readonly entry: string };

/** File types an app's entry may have. */
export const APP_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

/** What a folder is searched for, in order, when its package.json does not name the entry. */
const FOLDER_ENTRIES = ['app.ts', 'app.mts', 'app.js', 'app.mjs', 'index.ts', 'index.mts', 'index.js', 'index.mjs', 'src/app.ts', 'src/index.ts'];

export interface ResolveOptions {
  /** Base of relative paths and package lookup; default process.cwd(). */
  cwd?: string;
}

export function resolveApp(spec: string, options: ResolveOptions = {}): ResolvedApp {
  const cwd = options.cwd ?? process.cwd();
  const text = spec.trim();
  if (text === '') throw new AppError('app: empty name (give a built-in name like pingpong, or a path like ./app.ts)');
  const builtins = builtinAppNames();
  if (!looksLikePath(text)) {
    if (builtins.includes(text)) return { kind: 'builtin', spec, name: text };
    if (existsSync(resolve(cwd, text))) return fromPath(spec, resolve(cwd, text), builtins);
    const pkg = findPackage(text, cwd);
    if (pkg !== null) return fromPath(spec, pkg, builtins);
    throw new AppError(
      `app "${spec}": not a built-in app (${builtins.join(', ')}), no file or folder "${text}" in ${cwd}, and no package "${text}" installed; for your own app give its path, e.g. ./${text}.ts or ./${text}/`,
    );
  }
  if (text.startsWith('@') && !existsSync(resolve(cwd, text))) {
    const pkg = findPackage(text, cwd);
    if (pkg === null) throw new AppError(`app "${spec}": no package "${text}" installed (looked in node_modules from ${cwd} up)`);
    return fromPath(spec, pkg, builtins);
  }
  return fromPath(spec, resolve(cwd, text), builtins);
}

function looksLikePath(text: string): boolean {
  return text.includes('/') || text.includes('\\') || text.startsWith('.') || (APP_EXTENSIONS as readonly string[]).includes(extname(text));
}

function fromPath(spec: string, path: string, builtins: readonly string[]): ResolvedApp {
  if (!existsSync(path)) {
    // README's tour says `examples/pingpong` (run inside the mcdsm checkout); in a project of
    // one's own that path does not exist, but the built-in app does, by its name.
    const m = /^(?:\.\/)?examples\/([^/]+)\/?$/.exec(spec.trim());
    const hint = m !== null && builtins.includes(m[1]!) ? ` (the built-in app is there by its name: ${m[1]!})` : '';
    throw new AppError(`app "${spec}": no such file or folder: ${path}${hint}`);
  }
  const real = realpathSync(path);
  const builtin = builtinAt(real, builtins);
  if (builtin !== null) return { kind: 'builtin', spec, name: builtin };
  if (statSync(real).isDirectory()) return { kind: 'file', spec, entry: folderEntry(spec, real) };
  if (!(APP_EXTENSIONS as readonly string[]).includes(extname(real))) {
    throw new AppError(`app "${spec}": ${real} is not a .ts, .mts, .js or .mjs file`);
  }
  return { kind: 'file', spec, entry: real };
}

/** `examples/<name>` (or its app.ts) of this package is the built-in app of that name. */
function builtinAt(real: string, builtins: readonly string[]): string | null {
  const examples = join(realpathSync(PACKAGE_ROOT), 'examples');
  const rel = relative(examples, real);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  const parts = rel.split(sep);
  const name = parts[0]!;
  if (!builtins.includes(name)) return null;
  if (parts.length === 1 || (parts.length === 2 && parts[1] === 'app.ts')) return name;
  return null;
}

function folderEntry(spec: string, dir: string): string {
  const pkgFile = join(dir, 'package.json');
  if (existsSync(pkgFile)) {
    let pkg: PackageJson;
    try {
      pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as PackageJson;
    } catch (e) {
      throw new AppError(`app "${spec}": ${pkgFile} is not valid JSON (${(e as Error).message})`);
    }
    const named = packageEntry(pkg);
    if (named !== null) {
      const entry = resolve(dir, named);
      if (!existsSync(entry)) throw new AppError(`app "${spec}": ${pkgFile} names ${named} as the app, but ${entry} does not exist`);
      return realpathSync(entry);
    }
  }
  for (const candidate of FOLDER_ENTRIES) {
    const entry = join(dir, candidate);
    if (existsSync(entry)) return realpathSync(entry);
  }
  throw new AppError(
    `app "${spec}": the folder ${dir} has no app: expected one of ${FOLDER_ENTRIES.join(', ')}, or a package.json naming it ("mcdsm": { "app": "..." }, "exports" or "main")`,
  );
}

interface PackageJson {
  mcdsm?: { app?: unknown };
  exports?: unknown;
  module?: unknown;
  main?: unknown;
}

/** The entry a package.json names: `mcdsm.app`, then `exports["."]` (import/default), `module`, `main`. */
function packageEntry(pkg: PackageJson): string | null {
  if (typeof pkg.mcdsm?.app === 'string') return pkg.mcdsm.app;
  const dot = typeof pkg.exports === 'object' && pkg.exports !== null && '.' in pkg.exports ? (pkg.exports as Record<string, unknown>)['.'] : pkg.exports;
  const fromExports = conditionTarget(dot);
  if (fromExports !== null) return fromExports;
  if (typeof pkg.module === 'string') return pkg.module;
  if (typeof pkg.main === 'string') return pkg.main;
  return null;
}

function conditionTarget(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return null;
  for (const condition of ['mcdsm', 'import', 'module', 'default']) {
    const t = conditionTarget((value as Record<string, unknown>)[condition]);
    if (t !== null) return t;
  }
  return null;
}

/** node_modules/<name> from `cwd` up. */
function findPackage(name: string, cwd: string): string | null {
  if (!/^(@[\w.-]+\/)?[\w.-]+$/.test(name)) return null;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}
