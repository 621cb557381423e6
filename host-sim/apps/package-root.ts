/** Where this mcdsm package lives: the runtime, the built-in examples and the default bundle. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/host-sim/apps/package-root.js -> the package root. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DIST = join(PACKAGE_ROOT, 'dist');

/** The app API a user's app imports as `mcdsm` (board-safe, compiled). */
export const APP_API_JS = join(DIST, 'src', 'index.js');
export const APP_API_DTS = join(DIST, 'src', 'index.d.ts');
/** The same API as TypeScript sources (bundles built from sources: the Moddable firmware). */
export const APP_API_TS = join(PACKAGE_ROOT, 'src', 'index.ts');

/** The default XS bundle: the runtime with every built-in app (examples/registry.ts). */
export const DEFAULT_XS_BUNDLE = join(DIST, 'bundles', 'board.xs.js');

let version: string | null = null;
export function packageVersion(): string {
  if (version === null) {
    const file = join(PACKAGE_ROOT, 'package.json');
    version = existsSync(file) ? String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version) : '0';
  }
  return version;
}
