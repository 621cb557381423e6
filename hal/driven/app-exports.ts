/**
 * Finds the apps among a module's exports: an App has a string `name` and a `main` function,
 * a RawApp `raw: true` and `start`. Board-safe: the generated `mcdsm:board-apps` module calls
 * it inside the bundle, and the host calls it to learn the names before a run.
 */
import type { App, RawApp } from '../../src/app.js';

export function isBoardApp(value: unknown): value is App | RawApp {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { name?: unknown; main?: unknown; raw?: unknown; start?: unknown };
  if (typeof v.name !== 'string' || v.name === '') return false;
  return typeof v.main === 'function' || (v.raw === true && typeof v.start === 'function');
}

/** The apps exported by `modules`, by name; the default export first. */
export function appsOf(modules: readonly object[]): Map<string, App | RawApp> {
  const apps = new Map<string, App | RawApp>();
  for (const m of modules) {
    const entries = Object.entries(m).sort((a, b) => (a[0] === 'default' ? -1 : b[0] === 'default' ? 1 : 0));
    for (const [, value] of entries) if (isBoardApp(value) && !apps.has(value.name)) apps.set(value.name, value);
  }
  return apps;
}
