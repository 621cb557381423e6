/**
 * Type-check stand-in for the virtual module `mcdsm:board-apps` (hal/moddable/tsconfig.json
 * maps it here). A firmware build generates the real one with only the app it was asked for
 * (host-sim/firmware/bundle.ts); this one offers every built-in app.
 */
import type { App, RawApp } from '../src/app.js';
import { appRegistry } from '../examples/registry.js';

export function boardApps(): Map<string, App | RawApp> {
  return appRegistry();
}
