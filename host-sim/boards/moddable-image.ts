/**
 * The firmware a Moddable-lin board runs: our headless host (lin-host) and the app's `lin`
 * build, made with the real SDK (host-sim/firmware/build.ts) once per app and cached by content
 * in the package cache, so a second run (and every test after the first) reuses it.
 */
import { join } from 'node:path';
import { buildFirmware } from '../firmware/build.js';
import { findModdableSdk, packageRoot } from '../firmware/sdk.js';
import type { LinImage } from './moddable-board.js';

/** Where the simulator keeps its lin builds, one folder per app. */
export function linImageDir(app: string): string {
  return join(packageRoot(), 'node_modules', '.cache', 'mcdsm', 'sim-firmware', `lin-${app.replace(/[^A-Za-z0-9._-]/g, '_')}`);
}

/** Null when the SDK is there, otherwise why a Moddable board cannot run (for skips and errors). */
export function moddableUnavailable(): string | null {
  const found = findModdableSdk();
  return found.ok ? null : found.reason;
}

/**
 * Build (or reuse) the lin firmware of `app` (a built-in name or the user's app file; `name`
 * names its cache folder); rejects naming the cause (no SDK, build failure).
 */
export async function linImage(app: string, name: string = app, log?: (line: string) => void): Promise<LinImage> {
  const found = findModdableSdk();
  if (!found.ok) throw new Error(`--engine moddable needs the Moddable SDK: ${found.reason}`);
  const built = await buildFirmware({ app, target: 'lin', out: linImageDir(name), ...(log ? { log } : {}) });
  if (built.mcSo === undefined) throw new Error(`the lin build of ${app} produced no mc.so`);
  return { linHost: found.sdk.linHost, mcSo: built.mcSo };
}
