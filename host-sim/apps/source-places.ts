/**
 * Board errors name places in the bundle (`counter.xs.js:812` from XS, `file:///…/counter.node.mjs:40:9`
 * from V8); through the bundle's source map they become the app's own `app.ts:23`.
 */
import { SourceMap } from 'node:module';
import { readFileSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from './package-root.js';

export type PlaceMapper = (text: string) => string;

export const identityPlaces: PlaceMapper = (text) => text;

export function placeMapper(bundleFile: string, mapFile: string, cwd: string = process.cwd()): PlaceMapper {
  let map: SourceMap;
  try {
    map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  } catch {
    return identityPlaces;
  }
  const name = basename(bundleFile);
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`[^\\s()]*${escaped}(?:\\?[^:\\s()]*)?:(\\d+)(?::(\\d+))?`, 'g');
  const lookup = (line: number, column: number | undefined): string | null => {
    // XS gives lines only: the line's last mapping (the generated code keeps source lines whole).
    const entry = map.findEntry(line - 1, column === undefined ? 1e6 : column - 1) as Partial<{ generatedLine: number; originalSource: string; originalLine: number; originalColumn: number }>;
    if (entry.originalSource === undefined || entry.originalLine === undefined || entry.generatedLine !== line - 1) return null;
    const file = entry.originalSource.startsWith('file://') ? new URL(entry.originalSource).pathname : entry.originalSource;
    return `${relative(cwd, file) || file}:${entry.originalLine + 1}${column === undefined ? '' : `:${(entry.originalColumn ?? 0) + 1}`}`;
  };
  return (text) => {
    const mapped = text.includes(name)
      ? text.replace(pattern, (whole: string, line: string, column: string | undefined) => lookup(Number(line), column === undefined ? undefined : Number(column)) ?? whole)
      : text;
    return tidyPlaces(mapped, cwd);
  };
}

/**
 * In `(at a, b, c)`: places relative to where the user is, and without the runtime's own frames
 * (mcdsm's sources or dist/) once a frame of the app is there. A process with source maps on
 * (node --enable-source-maps) has mapped V8's places already; they get the same treatment.
 */
export function tidyPlaces(text: string, cwd: string = process.cwd()): string {
  return text.replace(/\(at ([^()]*)\)/g, (whole: string, list: string) => {
    const places = list.split(', ').map((p) => {
      const path = p.startsWith('file://') ? fileURLToPath(p.replace(/(:\d+)+$/, '')) + (/(:\d+)+$/.exec(p)?.[0] ?? '') : p;
      return isAbsolute(path) ? relative(cwd, path) : path;
    });
    const own = places.filter((p) => !isRuntimePlace(resolve(cwd, p)));
    return `(at ${(own.length > 0 ? own : places).join(', ')})`;
  });
}

function isRuntimePlace(path: string): boolean {
  const rel = relative(PACKAGE_ROOT, path);
  return !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(/[\\/]/).includes('node_modules');
}
