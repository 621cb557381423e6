/**
 * The firmware bundle: firmware/main.ts + hal/moddable + src + the ONE app the build is for,
 * as one ES module for mcconfig. The app reaches firmware/main.ts through the virtual module
 * `mcdsm:board-apps` (the bundle contract in docs/TARGETS.md), generated here from the app's
 * file; Moddable SDK modules (`timer`, `embedded:io/serial`, `mcdsm-platform`, ...) stay
 * imports for mcconfig to resolve.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { rollup } from 'rollup';
import type { Plugin, PluginContext, ResolveIdHook, RollupLog } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import ts from 'typescript';
import { inlineConstantsPlugin } from './inline-constants.js';
import { packageRoot } from './sdk.js';

export const BOARD_APPS_MODULE = 'mcdsm:board-apps';
const VIRTUAL_ID = '\0mcdsm-board-apps';

export class FirmwareAppError extends Error {}

/**
 * The source file of a built-in app (a name of examples/registry.ts): examples/<name>/app.ts,
 * bench/apps/<name>.ts or examples/<dir>/<name>-app.ts. A user's app is found by
 * host-sim/apps/resolve.ts (`firmwareApp` in build.ts), the same rules as `mcdsm sim`.
 */
export function builtinAppFile(name: string): string {
  const root = packageRoot();
  const candidates = [join(root, 'examples', name, 'app.ts'), join(root, 'bench', 'apps', `${name}.ts`)];
  const dash = name.lastIndexOf('-');
  if (dash > 0) candidates.push(join(root, 'examples', name.slice(0, dash), `${name.slice(dash + 1)}-app.ts`));
  for (const c of candidates) if (existsSync(c)) return c;
  throw new FirmwareAppError(`app "${name}": a built-in app without a source file (looked for ${candidates.join(', ')})`);
}

/** `mcdsm:board-apps` for one app file: every export that is an App (name + main, or a raw app). */
function boardAppsSource(appFile: string): string {
  return [
    `import * as appModule from ${JSON.stringify(appFile)};`,
    'export function boardApps() {',
    '  const apps = new Map();',
    '  for (const v of Object.values(appModule)) {',
    "    if (v !== null && typeof v === 'object' && typeof v.name === 'string' && (typeof v.main === 'function' || (v.raw === true && typeof v.start === 'function'))) apps.set(v.name, v);",
    '  }',
    '  return apps;',
    '}',
    '',
  ].join('\n');
}

/** mcdsm's own sources (their bare imports are Moddable SDK modules), not the user's app. */
function isMcdsmSource(root: string, file: string): boolean {
  return ['firmware', 'hal', 'src', 'examples', join('bench', 'apps')].some((d) => file.startsWith(join(root, d) + sep));
}

function isBare(id: string): boolean {
  return !id.startsWith('.') && !id.startsWith('\0') && !isAbsolute(id) && id !== BOARD_APPS_MODULE;
}

/**
 * The bare imports of a user's app: `mcdsm` is the app API from this package's TypeScript
 * sources (as in the simulator's bundles); anything else is an installed package, bundled
 * from node_modules (conditions as for the simulator). Before this a user's `import { Status }
 * from 'mcdsm'` stayed an import and mcconfig failed minutes later: module "mcdsm" not found.
 */
function userImports(root: string): Plugin {
  const packages = nodeResolve({ extensions: ['.ts', '.mts', '.mjs', '.js'], exportConditions: ['mcdsm', 'import', 'module', 'default'], preferBuiltins: false, browser: false });
  const hook = packages.resolveId as { handler: (this: PluginContext, ...args: Parameters<ResolveIdHook>) => ReturnType<ResolveIdHook> };
  return {
    ...packages,
    name: 'mcdsm-user-imports',
    resolveId(source, importer, options) {
      if (importer === undefined || !isBare(source) || importer.startsWith('\0') || isMcdsmSource(root, importer)) return null;
      if (source === 'mcdsm') return join(root, 'src', 'index.ts');
      if (source.startsWith('mcdsm/')) throw new Error(`${importer}: imports "${source}", which is host-side (the simulator and tools): an app imports "mcdsm" only`);
      return hook.handler.call(this, source, importer, options);
    },
  };
}

function plugins(appFile: string): Plugin[] {
  return [
    userImports(packageRoot()),
    {
      name: 'mcdsm-board-apps',
      resolveId: (id) => (id === BOARD_APPS_MODULE ? VIRTUAL_ID : null),
      load: (id) => (id === VIRTUAL_ID ? boardAppsSource(appFile) : null),
    },
    {
      // `./x.js` next to a TypeScript importer is `./x.ts`; TypeScript is transpiled here.
      name: 'mcdsm-typescript-sources',
      resolveId(source, importer) {
        if (importer === undefined || !source.startsWith('.')) return null;
        const target = resolve(dirname(importer.startsWith('\0') ? appFile : importer), source);
        if (target.endsWith('.js')) {
          const tsPath = `${target.slice(0, -3)}.ts`;
          if (existsSync(tsPath)) return tsPath;
        }
        return null;
      },
      transform(code, id) {
        if (!id.endsWith('.ts')) return null;
        const out = ts.transpileModule(code, {
          fileName: id,
          compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
        });
        return { code: out.outputText, map: null };
      },
    },
    // Numeric module constants and enum members as literals: no module binding and no closure
    // slot per function that reads one in the preloaded heap (inline-constants.ts).
    inlineConstantsPlugin(),
  ];
}

export interface FirmwareBundle {
  code: string;
  /** Every source file in the bundle, relative to the package root where inside it. */
  files: string[];
  /** The Moddable SDK modules the bundle imports (mcconfig must provide each). */
  sdkImports: string[];
}

export async function bundleFirmware(appFile: string): Promise<FirmwareBundle> {
  const root = packageRoot();
  const errors: string[] = [];
  const build = await rollup({
    input: join(root, 'firmware', 'main.ts'),
    // Bare imports of mcdsm's own sources are Moddable SDK modules, for mcconfig to resolve;
    // the app's are resolved above (and reported when they do not resolve).
    external: (id, importer) => isBare(id) && importer !== undefined && !importer.startsWith('\0') && isMcdsmSource(root, importer),
    plugins: plugins(appFile),
    onwarn: (warning: RollupLog, warn) => {
      if (warning.code === 'UNRESOLVED_IMPORT' || warning.code === 'MISSING_EXPORT') errors.push(warning.message);
      else if (warning.code !== 'CIRCULAR_DEPENDENCY') warn(warning);
    },
  });
  try {
    const { output } = await build.generate({ format: 'es', sourcemap: false });
    if (errors.length > 0) throw new FirmwareAppError(`bundling the firmware: ${errors.join('; ')}`);
    const chunk = output[0];
    const files = Object.keys(chunk.modules)
      .filter((m) => !m.startsWith('\0'))
      .map((m) => (m.startsWith(root + '/') ? m.slice(root.length + 1) : m))
      .sort();
    return { code: chunk.code, files, sdkImports: [...chunk.imports].sort() };
  } finally {
    await build.close();
  }
}
