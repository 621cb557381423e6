/**
 * `mcdsm init <dir>`: a ready project for your own app — package.json depending on mcdsm,
 * tsconfig, app.ts (messages, the DSM, checkpoints), a test that runs it in the simulator with
 * a crash, and a README. `npm install && npm test` in it pass as they are.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { PACKAGE_ROOT, packageVersion } from '../apps/package-root.js';
import { SpecError } from '../sim/link-model.js';
import { DirectoryError, makeDirectory } from '../sim/make-dir.js';

export interface InitFlags {
  /** package.json "name" (default: the folder's name). */
  name?: string;
  /** How the project depends on mcdsm: a version range, `file:<tarball or folder>`, ... */
  mcdsm?: string;
  force?: boolean;
}

const TEMPLATE = join(PACKAGE_ROOT, 'templates', 'project');
/** npm drops .gitignore from packages: the template keeps it as `gitignore`. */
const RENAMED: Record<string, string> = { gitignore: '.gitignore' };

export function initCommand(dir: string, flags: InitFlags): number {
  const target = resolve(dir);
  if (existsSync(target) && !statSync(target).isDirectory()) throw new SpecError(`init: ${target} exists and is not a folder`);
  if (existsSync(target) && readdirSync(target).length > 0 && flags.force !== true) {
    throw new SpecError(`init: ${target} is not empty (use --force to write the template's files into it anyway)`);
  }
  const name = flags.name ?? basename(target).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '');
  if (!/^(@[a-z0-9._-]+\/)?[a-z0-9][a-z0-9._-]*$/.test(name)) throw new SpecError(`init: "${name}" is not a valid package name (use --name)`);
  if (flags.mcdsm !== undefined && flags.mcdsm.trim() === '') throw new SpecError('init: --mcdsm needs a dependency spec (a version range, file:<tarball or folder>, ...)');
  const mcdsm = flags.mcdsm ?? defaultDependency();
  const written: string[] = [];
  const copy = (from: string, to: string): void => {
    for (const entry of readdirSync(from)) {
      const src = join(from, entry);
      const dst = join(to, RENAMED[entry] ?? entry);
      if (statSync(src).isDirectory()) {
        copy(src, dst);
        continue;
      }
      mkdirSync(to, { recursive: true });
      const text = readFileSync(src, 'utf8').replaceAll('{{name}}', name).replaceAll('{{mcdsm}}', mcdsm).replaceAll('{{mcdsmScripts}}', jsonText(scriptsKey(mcdsm)));
      writeFileSync(dst, text);
      written.push(relative(target, dst));
    }
  };
  // The folder itself level by level (make-dir.ts: a recursive mkdir loops forever under /proc);
  // the template's subfolders then go inside a folder that exists.
  try {
    makeDirectory(target);
  } catch (e) {
    if (e instanceof DirectoryError) throw new SpecError(`init: ${e.message}`);
    throw e;
  }
  copy(TEMPLATE, target);
  const shown = relative(process.cwd(), target) || '.';
  process.stdout.write(
    `created ${shown}/: ${written.sort().join(', ')}\n` +
      `mcdsm dependency: ${mcdsm}\n\n` +
      `next:\n  cd ${shown}\n  npm install\n  npm test\n  npx mcdsm sim ./app.ts --spares 1 --fault crash:2@iter=25\n`,
  );
  return 0;
}

/**
 * mcdsm's key in the project's `allowScripts` (npm 11.16+; npm 12 skips a dependency's install
 * script without one, and mcdsm's postinstall builds the XS engine): npm matches a registry
 * package by name, but a tarball, folder, git or URL dependency by its spec
 * (`npm install-scripts approve` writes `"file:/path/mcdsm-0.1.0.tgz": true` for one).
 */
export function scriptsKey(spec: string): string {
  return /^(file:|git\+|git:|github:|https?:)/.test(spec) ? spec : 'mcdsm';
}

/** A string as it goes between the quotes of a JSON string. */
function jsonText(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/**
 * An installed mcdsm (in some node_modules) is depended on by version; a checkout of mcdsm's
 * own repository by its folder, so the project uses exactly the mcdsm that made it.
 */
function defaultDependency(): string {
  return PACKAGE_ROOT.split(/[\\/]/).includes('node_modules') ? `^${packageVersion()}` : `file:${PACKAGE_ROOT}`;
}
