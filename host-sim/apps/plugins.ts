/**
 * The rollup plugins of a board bundle:
 *   boardApps        the virtual module `mcdsm:board-apps` (the bundle contract, docs/APPS.md):
 *                    the built-in registry, or the exports of the user's app
 *   typescriptSources `./x.js` -> `./x.ts` next to a TypeScript importer; .ts transpiled on the fly
 *   appApi           `mcdsm` in an app -> this package's app API (one copy of the runtime)
 *   boardSafety      no Node.js built-ins, no host globals in bundled JavaScript (packages,
 *                    the user's .js): a clear error naming file and line instead of a board
 *                    that fails at run time
 */
import ts from 'typescript';
import { existsSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { ExistingRawSourceMap, Plugin } from 'rollup';
import { HOST_NAMES } from './host-names.js';
import { lineOf, place } from './source-lines.js';
import { PACKAGE_ROOT } from './package-root.js';

export const BOARD_APPS_ID = 'mcdsm:board-apps';
const VIRTUAL = '\0mcdsm:board-apps';

export type BoardAppsSource =
  /** A module exporting `appRegistry()` (examples/registry). */
  | { readonly registry: string }
  /** The user's app module: every App it exports goes in (hal/driven/app-exports.ts). */
  | { readonly app: string; readonly appExports: string };

export function boardApps(source: BoardAppsSource): Plugin {
  return {
    name: 'mcdsm-board-apps',
    resolveId: (id) => (id === BOARD_APPS_ID ? VIRTUAL : null),
    load(id) {
      if (id !== VIRTUAL) return null;
      if ('registry' in source) return `export { appRegistry as boardApps } from ${JSON.stringify(source.registry)};\n`;
      // A function, not a module-level Map: XS freezes what a bundle's modules hold.
      return (
        `import * as app from ${JSON.stringify(source.app)};\n` +
        `import { appsOf } from ${JSON.stringify(source.appExports)};\n` +
        `export function boardApps() { return appsOf([app]); }\n`
      );
    },
  };
}

/** Resolve `./x.js` to `./x.ts` next to a TypeScript importer and transpile TypeScript on the fly. */
export function typescriptSources(options: { verbatimUnder?: string } = {}): Plugin {
  return {
    name: 'mcdsm-typescript-sources',
    resolveId(source, importer) {
      if (importer === undefined || !source.startsWith('.') || !/\.[mc]?ts$/.test(importer)) return null;
      const target = resolve(dirname(importer), source);
      for (const [js, tsExt] of [['.js', '.ts'], ['.mjs', '.mts']] as const) {
        if (target.endsWith(js)) {
          const tsPath = `${target.slice(0, -js.length)}${tsExt}`;
          if (existsSync(tsPath)) return tsPath;
        }
      }
      return null;
    },
    transform(code, id) {
      if (!/\.m?ts$/.test(id) || id.endsWith('.d.ts')) return null;
      const out = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          // The runtime's sources mark type imports; a user's app may not (elided by use).
          verbatimModuleSyntax: options.verbatimUnder !== undefined && isInside(options.verbatimUnder, id),
          sourceMap: true,
        },
      });
      return { code: out.outputText, map: out.sourceMapText ? (JSON.parse(out.sourceMapText) as ExistingRawSourceMap) : null };
    },
  };
}

/** `mcdsm` inside an app: this package's app API (`target` file), or external on the host. */
export function appApi(target: string, options: { external?: boolean } = {}): Plugin {
  return {
    name: 'mcdsm-app-api',
    resolveId(source, importer) {
      if (source === 'mcdsm') return options.external ? { id: target, external: 'absolute' } : target;
      if (source.startsWith('mcdsm/') && importer !== undefined) {
        const line = lineOf(importer, source);
        throw new Error(`${place(importer, line)}: imports "${source}", which is host-side (the simulator and tools): an app imports "mcdsm" only`);
      }
      return null;
    },
  };
}

/** Rejects what a board cannot have, naming the file and line. */
export function boardSafety(): Plugin {
  return {
    name: 'mcdsm-board-safety',
    resolveId(source, importer) {
      if (importer === undefined || source.startsWith('\0') || source.startsWith('.') || source.startsWith('/')) return null;
      if (source !== BOARD_APPS_ID && isBuiltin(source)) {
        throw new Error(`${place(importer, lineOf(importer, source))}: imports "${source}", a Node.js built-in module: a board has no Node.js`);
      }
      return null;
    },
    transform(code, id) {
      if (!/\.[mc]?js$/.test(id) || id.startsWith('\0') || isRuntime(id)) return null;
      const found = hostGlobalUse(this.parse(code) as unknown as AstNode);
      if (found !== null) {
        const line = code.slice(0, found.start).split('\n').length;
        throw new Error(
          `${place(id, line)}: uses "${found.name}", which a board does not have (no Node.js or browser globals on a board)` +
            (id.includes('/node_modules/') ? ': this package is not made for boards' : ''),
        );
      }
      return null;
    },
  };
}

/** mcdsm's own code (checked by its own build), not a package installed below it. */
function isRuntime(file: string): boolean {
  return isInside(PACKAGE_ROOT, file);
}

function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('node_modules');
}

interface AstNode {
  type: string;
  start: number;
  [key: string]: unknown;
}

/**
 * The first reference to a host global in a module that does not declare that name itself.
 * `typeof x` (feature tests) and property names do not count.
 */
function hostGlobalUse(program: AstNode): { name: string; start: number } | null {
  const declared = new Set<string>();
  const refs: { name: string; start: number }[] = [];
  const visit = (node: AstNode, parent: AstNode | null, key: string): void => {
    if (node.type === 'Identifier') {
      const name = node['name'] as string;
      if (!HOST_NAMES.has(name)) return;
      if (parent !== null && isBinding(parent, key)) declared.add(name);
      else if (parent === null || isReference(parent, key)) refs.push({ name, start: node.start });
      return;
    }
    if (node.type === 'UnaryExpression' && node['operator'] === 'typeof' && (node['argument'] as AstNode).type === 'Identifier') return;
    for (const [k, v] of Object.entries(node)) {
      if (Array.isArray(v)) {
        for (const child of v) if (isNode(child)) visit(child, node, k);
      } else if (isNode(v)) {
        visit(v, node, k);
      }
    }
  };
  visit(program, null, '');
  return refs.find((r) => !declared.has(r.name)) ?? null;
}

function isNode(v: unknown): v is AstNode {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

function isBinding(parent: AstNode, key: string): boolean {
  switch (parent.type) {
    case 'VariableDeclarator':
      return key === 'id';
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      return key === 'id' || key === 'params';
    case 'ClassDeclaration':
    case 'ClassExpression':
      return key === 'id';
    case 'ImportSpecifier':
    case 'ImportDefaultSpecifier':
    case 'ImportNamespaceSpecifier':
      return key === 'local';
    case 'CatchClause':
      return key === 'param';
    case 'AssignmentPattern':
    case 'RestElement':
    case 'ArrayPattern':
      return true;
    default:
      return false;
  }
}

function isReference(parent: AstNode, key: string): boolean {
  switch (parent.type) {
    case 'MemberExpression':
      return key === 'object' || parent['computed'] === true;
    case 'Property':
    case 'MethodDefinition':
    case 'PropertyDefinition':
      return key === 'value' || parent['computed'] === true;
    case 'LabeledStatement':
    case 'BreakStatement':
    case 'ContinueStatement':
    case 'ExportSpecifier':
    case 'ImportSpecifier':
      return false;
    default:
      return true;
  }
}
