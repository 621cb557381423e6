/**
 * The apps built into the board bundle. A simulated or real board runs the app its config
 * names; to add your own, write `examples/<name>/app.ts` exporting an App and list it here.
 * A function rather than a module-level Map: XS freezes preloaded modules.
 */
import type { App } from '../src/app.js';
import { pingpongApp } from './pingpong/app.js';
import { conformanceApp } from './conformance/app.js';
import { laplaceApp } from './laplace/app.js';
import { counterApp } from './counter/app.js';

export function appRegistry(): Map<string, App> {
  const apps = new Map<string, App>();
  for (const app of [pingpongApp, conformanceApp, laplaceApp, counterApp]) apps.set(app.name, app);
  return apps;
}
