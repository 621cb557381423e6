/**
 * Board errors name places in the bundle (`counter.xs.js:812` from XS, `file:///…/counter.node.mjs:40:9`
 * from V8); through the bundle's source map they become the app's own `app.ts:23`.
 */
import { SourceMap } from 'node:module';
import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from './package-root.js';

export type PlaceMapper = (text: string) => string;

export const identityPlaces: PlaceMapper = (text) => text;

export function placeMapper(bundleFile: string, mapFile: string, cwd: string = process.cwd()): PlaceMapper {
  const name = basename(bundleFile);
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`[^\\s()]*${escaped}(?:\\?[^:\\s()]*)?:(\\d+)(?::(\\d+))?`, 'g');
  // Read when a text first names the bundle: the default bundle's map is large and most runs
  // never report an error.
  let map: SourceMap | null | undefined;
  const loaded = (): SourceMap | null => {
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
      } catch {
        map = null;
      }
    }
    return map;
  };
  const lookup = (line: number, column: number | undefined): string | null => {
    const m = loaded();
    if (m === null) return null;
    // XS gives lines only: the line's last mapping (the generated code keeps source lines whole).
    const entry = m.findEntry(line - 1, column === undefined ? 1e6 : column - 1) as Partial<{ generatedLine: number; originalSource: string; originalLine: number; originalColumn: number }>;
    if (entry.originalSource === undefined || entry.originalLine === undefined || entry.generatedLine !== line - 1) return null;
    // Sources are absolute in an app's bundle, relative to the map in the default bundle's.
    const source = entry.originalSource.startsWith('file://') ? new URL(entry.originalSource).pathname : entry.originalSource;
    const file = resolve(dirname(mapFile), source);
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
 * V8 boards of built-in apps run tsc's output in dist/: `file:///…/dist/examples/idle/app.js:24:19`
 * becomes `examples/idle/app.ts:30:11` through the `.js.map` tsc wrote next to the file.
 */
export function distPlaces(dist: string, cwd: string = process.cwd()): PlaceMapper {
  const maps = new Map<string, SourceMap | null>();
  const mapOf = (file: string): SourceMap | null => {
    if (!maps.has(file)) {
      try {
        maps.set(file, new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]));
      } catch {
        maps.set(file, null);
      }
    }
    return maps.get(file) ?? null;
  };
  return (text) =>
    tidyPlaces(
      text.replace(/(?:file:\/\/)?(\/[^\s()]*?\.js):(\d+):(\d+)/g, (whole: string, url: string, line: string, column: string) => {
        const file = whole.startsWith('file://') ? fileURLToPath(`file://${url}`) : url;
        const rel = relative(dist, file);
        const map = rel.startsWith('..') || isAbsolute(rel) ? null : mapOf(file);
        const entry = (map?.findEntry(Number(line) - 1, Number(column) - 1) ?? {}) as Partial<{ originalSource: string; originalLine: number; originalColumn: number }>;
        if (entry.originalSource === undefined || entry.originalLine === undefined) return whole;
        const source = resolve(dirname(file), entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : entry.originalSource);
        return `${relative(cwd, source) || source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
      }),
      cwd,
    );
}

/**
 * In `(at a, b, c)`: places relative to where the user is, and without the runtime's own frames
 * (mcdsm's sources or dist/) once a frame of the app is there. A process with source maps on
 * (node --enable-source-maps) has mapped V8's places already; they get the same treatment.
 */
/** Places named when none is the app's: the board sends up to 8, the first few locate it. */
const RUNTIME_PLACES = 3;

export function tidyPlaces(text: string, cwd: string = process.cwd()): string {
  return text.replace(/\(at ([^()]*)\)/g, (whole: string, list: string) => {
    const places = list.split(', ').map((p) => {
      const path = p.startsWith('file://') ? fileURLToPath(p.replace(/(:\d+)+$/, '')) + (/(:\d+)+$/.exec(p)?.[0] ?? '') : p;
      return isAbsolute(path) ? relative(cwd, path) : path;
    });
    // Node's own frames (`node:internal/...`, under a V8 board's timers) are nobody's code to fix.
    const own = places.filter((p) => !p.startsWith('node:') && !isRuntimePlace(resolve(cwd, p)));
    return `(at ${(own.length > 0 ? own : places.slice(0, RUNTIME_PLACES)).join(', ')})`;
  });
}

function isRuntimePlace(path: string): boolean {
  const rel = relative(PACKAGE_ROOT, path);
  const parts = rel.split(/[\\/]/);
  // The built-in apps' own sources (examples/) are the app's places, not the runtime's.
  return !rel.startsWith('..') && !isAbsolute(rel) && !parts.includes('node_modules') && parts[0] !== 'examples';
}
